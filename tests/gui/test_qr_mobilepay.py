"""F6 with two online gateways (Stripe and MobilePay), against the MobilePay stand-in: the
desk offers both, remembers the last choice, shows MobilePay's QR code, and "Send til elevens
telefon" pushes the payment to the student's app instead; either turns "Betalt" by itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from jdoffice.adapters import records
from jdoffice.domain.model import UTC, Invoice, Student
from jdoffice.gui.views import qr_gateways
from jdoffice.gui.views.qr_dialog import Phase, QrDialog
from jdoffice.gui.views.refund_dialog import RefundDialog
from jdoffice.services.school import update_payment_settings
from tests.gui.office import ACTOR, Office, make_office, settle_background_work
from tests.standin import mobilepay_standin as sd
from tests.standin.mobilepay_standin import MobilePayStandin

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

WAIT_MS = 10_000


@pytest.fixture
def standin() -> Iterator[MobilePayStandin]:
    with MobilePayStandin() as s:
        yield s
        assert s.internal_errors == []


@pytest.fixture
def office(
    qtbot: QtBot,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    standin: MobilePayStandin,
) -> Iterator[Office]:
    # The secrets from the environment: the keyring of the machine is never read.
    monkeypatch.setenv("JDOFFICE_MOBILEPAY_CLIENT_SECRET", sd.CLIENT_SECRET)
    monkeypatch.setenv("JDOFFICE_MOBILEPAY_SUBSCRIPTION_KEY", sd.SUBSCRIPTION_KEY)
    monkeypatch.setenv("JDOFFICE_MOBILEPAY_WEBHOOK_SECRET", sd.WEBHOOK_SECRET)
    office = make_office(tmp_path, tmp_path_factory.getbasetemp(), online=True)
    update_payment_settings(
        office.uow(),
        office.school,
        {
            "gateway": ["stripe", "mobilepay"],
            "gateway_options": {
                "mobilepay": {
                    "api_base": standin.base_url,
                    "client_id": sd.CLIENT_ID,
                    "merchant_serial_number": sd.MSN,
                }
            },
        },
        actor=ACTOR,
    )
    yield office
    settle_background_work()
    office.app.dispose()


def _student_with_phone(office: Office) -> tuple[Student, Invoice]:
    uow = office.uow()
    with uow.write():
        student = records.add_student(
            uow.session,
            office.school,
            student_no="S7001",
            first_name="Ida",
            last_name="Mølgaard",
            phone="+45 12 34 56 78",
            now=dt.datetime.now(UTC),
        )
        uow.commit()
    return student, office.invoice(450_00, student)


def _open_and_choose(qtbot: QtBot, office: Office, student: Student, invoice: Invoice) -> QrDialog:
    dlg = QrDialog(
        office.ctx, invoice.invoice_no, student_name=student.name, student_no=student.student_no
    )
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    # One invoice, two gateways: the desk asks which gateway takes it.
    qtbot.waitUntil(lambda: dlg.choice_box.isVisible(), timeout=WAIT_MS)
    combo = dlg._gateways.combo
    assert combo.isVisible()
    assert [combo.itemData(i) for i in range(combo.count())] == ["stripe", "mobilepay"]
    combo.setCurrentIndex(1)
    dlg.choose_button.click()
    qtbot.waitUntil(lambda: dlg.phase is not Phase.STARTING, timeout=WAIT_MS)
    assert dlg.phase is Phase.OPEN, dlg.status_label.text()
    return dlg


def test_mobilepay_qr_turns_paid_by_itself_and_the_choice_is_kept(
    qtbot: QtBot, office: Office, standin: MobilePayStandin
) -> None:
    student, invoice = _student_with_phone(office)
    dlg = _open_and_choose(qtbot, office, student, invoice)
    view = dlg.attempt
    assert view is not None
    assert view.gateway == "mobilepay"
    assert standin.payment(view.attempt_id)["userFlow"] == "QR"
    assert not dlg.qr_pixmap().isNull()
    assert dlg._gateways.push_button.isVisible()
    assert qr_gateways.remembered() == "mobilepay"
    standin.approve(view.attempt_id)
    qtbot.waitUntil(lambda: dlg.phase is Phase.PAID, timeout=WAIT_MS)
    assert standin.captures == [view.attempt_id]
    assert "Betalt" in dlg.title_label.text()


def test_send_to_the_students_phone_replaces_the_code_and_turns_paid(
    qtbot: QtBot, office: Office, standin: MobilePayStandin
) -> None:
    student, invoice = _student_with_phone(office)
    dlg = _open_and_choose(qtbot, office, student, invoice)
    first = dlg.attempt
    assert first is not None
    dlg._gateways.push_button.click()
    qtbot.waitUntil(
        lambda: (
            dlg.phase is Phase.OPEN
            and dlg.attempt is not None
            and dlg.attempt.attempt_id != first.attempt_id
        ),
        timeout=WAIT_MS,
    )
    pushed = dlg.attempt
    assert pushed is not None
    sent = standin.payment(pushed.attempt_id)
    assert sent["userFlow"] == "PUSH_MESSAGE"
    assert sent["customer"]["phoneNumber"] == "4512345678"
    # The code on the screen can no longer be paid.
    assert standin.payment(first.attempt_id)["state"] != "CREATED"
    assert dlg.title_label.text() == "Sendt til elevens telefon"
    assert not dlg._gateways.push_button.isVisible()
    standin.approve(pushed.attempt_id)
    qtbot.waitUntil(lambda: dlg.phase is Phase.PAID, timeout=WAIT_MS)
    assert standin.captures == [pushed.attempt_id]


def test_one_gateway_is_not_asked_about(
    qtbot: QtBot, office: Office, standin: MobilePayStandin
) -> None:
    update_payment_settings(office.uow(), office.school, {"gateway": "mobilepay"}, actor=ACTOR)
    student, invoice = _student_with_phone(office)
    dlg = QrDialog(
        office.ctx, invoice.invoice_no, student_name=student.name, student_no=student.student_no
    )
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitUntil(
        lambda: dlg.phase is not Phase.STARTING and dlg.phase is not Phase.CHOOSING, timeout=WAIT_MS
    )
    assert dlg.phase is Phase.OPEN, dlg.status_label.text()
    assert not dlg._gateways.combo.isVisible()
    assert dlg.attempt is not None
    assert dlg.attempt.gateway == "mobilepay"


def test_a_mobilepay_payment_is_refunded_through_mobilepay(
    qtbot: QtBot, office: Office, standin: MobilePayStandin
) -> None:
    """The school's default gateway is Stripe; F8 on a MobilePay payment refunds it through
    MobilePay, and names it as its gateway declares it."""
    student, invoice = _student_with_phone(office)
    dlg = _open_and_choose(qtbot, office, student, invoice)
    view = dlg.attempt
    assert view is not None
    standin.approve(view.attempt_id)
    qtbot.waitUntil(lambda: dlg.phase is Phase.PAID, timeout=WAIT_MS)
    dlg.close()
    settle_background_work()

    refund = RefundDialog(office.ctx, view.attempt_id)
    qtbot.addWidget(refund)
    refund.show()
    qtbot.waitUntil(lambda: refund.detail is not None, timeout=WAIT_MS)
    assert refund.method_value.text() == "MobilePay (online)"
    qtbot.keyClick(refund.amount_edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(refund.amount_edit, "100")
    qtbot.keyClicks(refund.reason_edit, "Aflyst lektion")
    with qtbot.waitSignal(refund.changed, timeout=WAIT_MS):
        qtbot.keyClick(refund.reason_edit, Qt.Key.Key_Return)
    assert standin.payment(view.attempt_id)["aggregate"]["refundedAmount"]["value"] == 100_00
    qtbot.keyClick(refund, Qt.Key.Key_Escape)
