"""The shift dialogs on a desk whose shared database cannot be reached (issue 14): opening and
closing go to the desk's local copy and wait in its shift outbox, a close with payments still
waiting says so, and the push brings the shift to the shared database once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from jdoffice.adapters.local_store import SqliteLocalStore, SqlSharedNotes
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.errors import Unavailable
from jdoffice.domain.staff import StaffMember
from jdoffice.gui.context import DeskContext, DeskLink, SignedIn
from jdoffice.gui.desk_session import DeskSession
from jdoffice.gui.views.shift_dialogs import CloseShiftDialog, OpenShiftDialog
from jdoffice.gui.views.staff_dialogs import SignInDialog
from jdoffice.services import offline_shifts, shifts
from jdoffice.services import staff as staff_service
from jdoffice.services.offline import OfflineDesk, QueuedPayment
from tests.gui.office import ACTOR, Office, make_office, settle_background_work

WAIT_MS = 10_000
PIN = "2468"


@dataclass
class Line:
    office: Office
    up: bool = True

    def uow(self) -> SqlAlchemyUnitOfWork:
        if not self.up:
            raise Unavailable("database unavailable: connection refused")
        return self.office.uow()

    def engine(self) -> Engine:
        if not self.up:
            raise Unavailable("database unavailable: connection refused")
        return self.office.app.engine


@dataclass
class OfflineOffice:
    office: Office
    line: Line
    desk: OfflineDesk
    ctx: DeskContext
    member: StaffMember


@pytest.fixture
def cut_off(
    qtbot: QtBot, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OfflineOffice]:
    office = make_office(tmp_path, tmp_path_factory.getbasetemp(), online=False)
    member = staff_service.add_staff(
        office.uow(),
        office.school,
        initials="LK",
        name="Lone Kristensen",
        role="admin",
        pin=PIN,
        by=None,
        desk=ACTOR.desk,
    )
    line = Line(office)
    store = SqliteLocalStore(tmp_path / "local.sqlite3", office.app.engine.url, line.engine)
    desk = OfflineDesk(
        shared=line.uow,
        local=store,
        notes=SqlSharedNotes(),
        ping=lambda: line.up,
        school_slug=office.school.slug,
        actor=member.actor(ACTOR.desk),
    )
    ctx = DeskContext(
        app=office.app,
        school=office.school,
        actor=ACTOR,
        offline=desk,
        link=DeskLink(online=False),
        signed_in=SignedIn(member=member, accounts=True),
    )
    try:
        yield OfflineOffice(office, line, desk, ctx, member)
    finally:
        settle_background_work()
        store.dispose()
        office.app.dispose()


def test_an_offline_desk_opens_and_closes_its_shift_by_keyboard_and_the_push_sends_it_once(
    qtbot: QtBot, cut_off: OfflineOffice
) -> None:
    o = cut_off
    student = o.office.student()
    invoice = o.office.invoice(30000, student)
    o.desk.pull()
    o.line.up = False

    opening = OpenShiftDialog(o.ctx)
    qtbot.addWidget(opening)
    opening.show()
    qtbot.keyClicks(opening.floatEdit, "500")
    qtbot.keyClick(opening.floatEdit, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: opening.result() == OpenShiftDialog.DialogCode.Accepted, timeout=WAIT_MS
    )
    assert o.desk.local.count_shift_changes() == 1

    queued = o.desk.pay(
        o.office.school,
        method="cash",
        amount_minor=30000,
        invoice_no=invoice.invoice_no,
        tendered_minor=30000,
        shared_first=False,
    )
    assert isinstance(queued, QueuedPayment)

    closing = CloseShiftDialog(o.ctx)
    qtbot.addWidget(closing)
    closing.show()
    # Asked before the count: how many wait, never an amount (the count is blind).
    qtbot.waitUntil(closing.messageLabel.isVisible, timeout=WAIT_MS)
    assert closing.messageLabel.text().startswith("1 betaling(er) taget offline venter")
    assert "kr." not in closing.messageLabel.text()
    qtbot.keyClicks(closing.countedEdit, "800")
    qtbot.keyClick(closing.countedEdit, Qt.Key.Key_Return)
    qtbot.keyClick(closing.noteEdit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: closing.report is not None, timeout=WAIT_MS)
    report = closing.report
    assert report is not None
    assert (report.label, report.variance_minor, report.unsent_payments) == ("Z1", 0, 1)
    assert closing.expectedLabel.text() == "800,00\xa0kr."
    assert closing.messageLabel.isVisible()
    assert "endnu ikke sendt" in closing.messageLabel.text()
    assert "300,00" in closing.messageLabel.text()
    assert shifts.shift_status(o.office.uow(), o.office.school, ACTOR.desk) is None

    o.line.up = True
    o.ctx.link.online = True
    first = o.desk.push()
    second = o.desk.push()
    assert [c.kind for c in first.shifts] == ["open", "close"]
    assert (second.shifts, second.shift_changes) == ((), 0)
    shared = shifts.z_report_of(o.office.uow(), o.office.school, ACTOR.desk, 1)
    assert (shared.expected_minor, shared.variance_minor, shared.unsent_payments) == (
        80000,
        0,
        1,
    )


def test_the_sign_in_checks_the_pin_in_the_local_copy_when_the_database_stops_answering(
    qtbot: QtBot, cut_off: OfflineOffice, monkeypatch: pytest.MonkeyPatch
) -> None:
    o = cut_off
    o.desk.pull()
    o.ctx.signed_in.member = None
    o.ctx.link.online = True
    dialog = SignInDialog(o.ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: not dialog.running and len(dialog.members) > 0, timeout=WAIT_MS)
    # The desk still believes the line is up; the database stops answering now.
    o.line.up = False

    def gone() -> SqlAlchemyUnitOfWork:
        raise Unavailable("database unavailable: connection refused")

    monkeypatch.setattr(o.office.app, "uow", gone)
    with qtbot.waitSignal(dialog.signed_in, timeout=WAIT_MS) as signed:
        qtbot.keyClicks(dialog.initialsEdit, "LK")
        qtbot.keyClick(dialog.initialsEdit, Qt.Key.Key_Return)
        qtbot.keyClicks(dialog.pinEdit, PIN)
        qtbot.keyClick(dialog.pinEdit, Qt.Key.Key_Return)
    assert signed.args[0].id == o.member.id
    monkeypatch.undo()
    # The sign-in changed nothing on the shared database (no count, no lock).
    member = staff_service.list_staff(o.office.uow(), o.office.school)[0]
    assert (member.failed_attempts, member.locked_until) == (0, None)


def test_the_desk_says_when_an_offline_close_was_renumbered_on_the_way(
    qtbot: QtBot, cut_off: OfflineOffice
) -> None:
    o = cut_off
    o.desk.pull()
    o.line.up = False
    offline_shifts.open_offline(
        o.desk.local, o.office.school, desk=ACTOR.desk, float_minor=0, by=o.member
    )
    offline_shifts.close_offline(
        o.desk.local, o.office.school, desk=ACTOR.desk, counted_minor=0, by=o.member
    )
    # Another PC of the same name closes its own Z1 on the shared database meanwhile.
    o.line.up = True
    shifts.open_shift(o.office.uow(), o.office.school, desk=ACTOR.desk, float_minor=0, by=o.member)
    shifts.close_shift(
        o.office.uow(), o.office.school, desk=ACTOR.desk, counted_minor=0, by=o.member
    )

    session = DeskSession()
    session.set_context(o.ctx)
    said: list[str] = []
    session.message.connect(lambda text, _ms: said.append(text))
    try:
        with qtbot.waitSignal(session.synced, timeout=WAIT_MS):
            session.sync_now()
    finally:
        session.close()
    assert "Z1 var taget af en anden kasse med samme navn; skiftet er gemt som Z2" in said, said
