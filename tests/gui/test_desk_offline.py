"""A desk on a shared PostgreSQL database keeps working when its line to the database is cut.

The desk reaches the database through a TCP proxy the test cuts and mends
(``tests/e2e/tcp_proxy.py``). Offline, the desk searches and shows students from its local
copy, takes cash into its outbox with a receipt from its own offline series, refuses QR with
the reason, and warns before closing; once the line is back it sends the payment exactly once.
Runs when ``JDOFFICE_TEST_POSTGRESQL_URL`` is set (CI sets it).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import text
from sqlalchemy.engine import Engine

from jdoffice.adapters import db, records
from jdoffice.adapters.config import AppConfig
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.bootstrap import App
from jdoffice.domain.model import UTC, Actor
from jdoffice.gui.app import desk_context
from jdoffice.gui.views.main_window import MainWindow
from jdoffice.gui.views.payment_dialog import PaymentDialog
from jdoffice.gui.views.receipt_preview import ReceiptPreviewDialog
from jdoffice.services.ports import NewSchool
from jdoffice.services.settings import PaymentSettings
from tests.e2e.tcp_proxy import TcpProxy
from tests.gui.office import settle_background_work

if TYPE_CHECKING:
    from tests.conftest import TestDatabase

WAIT_MS = 15_000
ACTOR = Actor(staff="mette", desk="kasse-1")


class Shared:
    """The shared database as the test sees it (directly) and as the desk sees it (proxied)."""

    def __init__(self, database: TestDatabase, proxy: TcpProxy) -> None:
        self.database = database
        self.proxy = proxy
        self.engine: Engine = db.make_engine(database.url)

    def payments(self) -> list[tuple[str, int, str | None]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                text("SELECT id, amount_minor, offline_receipt_no FROM student_payments")
            )
            return [(r[0], r[1], r[2]) for r in rows]


@pytest.fixture
def shared(fresh_database_factory: Callable[[str], TestDatabase]) -> Iterator[Shared]:
    database = fresh_database_factory("postgresql")
    engine = db.make_engine(database.url)
    try:
        db.upgrade(engine)
        uow = SqlAlchemyUnitOfWork(engine)
        now = dt.datetime.now(UTC)
        with uow.write():
            school = uow.schools.add(NewSchool(slug="oesterbro", name="Østerbro Køreskole"), now)
            student = records.add_student(
                uow.session,
                school,
                student_no="S0000001",
                first_name="Søren",
                last_name="Ærøskøbing",
                email="soeren@example.dk",
            )
            records.add_invoice(
                uow.session,
                school,
                student,
                invoice_no="F0000001",
                text="Køretime 45 min",
                amount_minor=85025,
                due_date=school.local_date(now) + dt.timedelta(days=14),
            )
            uow.commit()
    finally:
        engine.dispose()
    host, port = database.url.host or "127.0.0.1", database.url.port or 5432
    with TcpProxy(host, port) as proxy:
        found = Shared(database, proxy)
        yield found
        found.engine.dispose()


@pytest.fixture
def desk(qtbot: QtBot, shared: Shared, tmp_path: Path) -> Iterator[MainWindow]:
    url = shared.database.url.set(host="127.0.0.1", port=shared.proxy.port)
    config = AppConfig(payments=PaymentSettings(online_enabled=True))
    core = App(url=url, _config=config)
    ctx = desk_context(core, "oesterbro", ACTOR, "da", str(tmp_path / "local.sqlite3"))
    assert ctx.offline is not None
    window = MainWindow(ctx, refresh_ms=200)
    qtbot.addWidget(window)
    window.resize(1200, 700)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    yield window
    if window.dialog is not None:
        window.dialog.done(0)
    window.session.pending = 0  # the test's own end: no question
    window.close()
    settle_background_work()
    core.dispose()


def test_cut_off_the_desk_takes_cash_into_its_outbox_and_sends_it_once_when_back(
    qtbot: QtBot, shared: Shared, desk: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    with qtbot.waitSignal(desk.synced, timeout=WAIT_MS):
        pass  # the first pull of the local copy
    shared.proxy.cut()
    qtbot.waitUntil(lambda: desk.link_text == "Offline — 0 betalinger venter", timeout=WAIT_MS)

    # Search and the student come from the local copy.
    qtbot.keyClicks(desk.searchEdit, "ærøsk")
    qtbot.waitUntil(lambda: desk.results_model.row_of("S0000001") == 0, timeout=WAIT_MS)
    qtbot.keyClick(desk.searchEdit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: desk.view is not None, timeout=WAIT_MS)
    assert desk.balanceLabel.text() == "Skylder 850,25\xa0kr."

    # QR needs the database: disabled, with the reason.
    assert not desk.qrButton.isEnabled()
    assert "QR-betaling kræver forbindelse" in desk.qrButton.toolTip()

    # Cash at the desk: queued with an offline receipt, change shown.
    qtbot.keyClick(QApplication.focusWidget() or desk, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: isinstance(desk.dialog, PaymentDialog), timeout=WAIT_MS)
    pay = desk.dialog
    assert isinstance(pay, PaymentDialog)
    qtbot.keyClicks(pay.tenderedEdit, "1000")
    qtbot.keyClick(pay.tenderedEdit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(desk.dialog, ReceiptPreviewDialog), timeout=WAIT_MS)
    preview = desk.dialog
    assert isinstance(preview, ReceiptPreviewDialog)
    assert preview.windowTitle().startswith("Kvittering nr. kasse-1-")
    preview.done(0)
    assert desk.link_text == "Offline — 1 betaling venter"
    qtbot.waitUntil(lambda: desk.balanceLabel.text() == "Intet udestående", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: desk.results_model.hit(0).balance_minor == 0, timeout=WAIT_MS)
    assert desk.payments_model.item(0).payment.offline_receipt_no.startswith("kasse-1-")
    assert desk.freshness.startswith("⚠ Ingen forbindelse til databasen")
    assert shared.payments() == []
    folder = os.environ.get("JDOFFICE_SCREENSHOT_DIR", "").strip()
    if folder:  # for people looking at the screen; the test does not depend on it
        assert desk.grab().save(str(Path(folder) / "offline.png"))

    # Closing warns, and "No" keeps the desk open.
    asked: list[str] = []

    def no(*args: Any, **kwargs: Any) -> QMessageBox.StandardButton:
        asked.append(str(args[2]))
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", staticmethod(no))
    desk.close()
    assert desk.isVisible()
    assert "1 betaling taget offline" in asked[0]

    # The line is back: the payment arrives once, and the desk says it is online.
    shared.proxy.mend()
    qtbot.waitUntil(lambda: desk.link_text == "", timeout=WAIT_MS)
    [(payment_id, amount, offline_no)] = shared.payments()
    assert amount == 85025
    assert offline_no is not None
    assert offline_no.startswith("kasse-1-")
    with qtbot.waitSignal(desk.synced, timeout=WAIT_MS):
        desk.sync_now()  # sending again sends nothing more
    assert [p[0] for p in shared.payments()] == [payment_id]
    assert desk.qrButton.isEnabled()
