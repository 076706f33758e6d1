"""A school's own settings changed through the service: the receipt header (name, address,
CVR) and the payment settings, each change audited, on every database backend."""

from __future__ import annotations

import pytest

from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.errors import InvalidInput
from jdoffice.domain.model import Actor
from jdoffice.services import queries
from jdoffice.services.notifications import effective_settings, update_notification_settings
from jdoffice.services.payments import register_payment
from jdoffice.services.school import (
    ReceiptDetails,
    normalize_cvr,
    receipt_details,
    update_payment_settings,
    update_receipt_details,
    update_receipt_header,
    validate_header,
)
from jdoffice.services.settings import SettingsOverride
from tests.conftest import SchoolKit

ACTOR = Actor(staff="mette", desk="desk-1")


def uow(kit: SchoolKit) -> SqlAlchemyUnitOfWork:
    return SqlAlchemyUnitOfWork(kit.engine)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("12345678", "12345678"), (" 1234 5678 ", "12345678"), ("DK87654321", "87654321")],
)
def test_a_cvr_number_is_stored_as_8_digits(typed: str, stored: str) -> None:
    assert normalize_cvr(typed) == stored


@pytest.mark.parametrize("typed", ["", "1234567", "123456789", "1234567a", "١٢٣٤٥٦٧٨", "DK"])
def test_a_cvr_number_that_is_not_8_digits_is_refused(typed: str) -> None:
    with pytest.raises(InvalidInput, match="8 digits"):
        normalize_cvr(typed)


def test_the_header_is_cleaned_and_checked() -> None:
    h = validate_header(
        "  Vesterbro   Køreskole ", "Vesterbrogade 2\n\n 1620 København V ", "DK 1111 2222"
    )
    assert (h.name, h.address, h.cvr) == (
        "Vesterbro Køreskole",
        "Vesterbrogade 2\n1620 København V",
        "11112222",
    )
    with pytest.raises(InvalidInput, match="name is empty"):
        validate_header("  ", "Vej 1", "11112222")
    with pytest.raises(InvalidInput, match="address is empty"):
        validate_header("Skole", " \n ", "11112222")
    with pytest.raises(InvalidInput, match="control characters"):
        validate_header("Skole\x07", "Vej 1", "11112222")


def test_a_new_header_is_stored_audited_and_on_the_next_receipt(kit: SchoolKit) -> None:
    student = kit.student()
    invoice = kit.invoice(student, 50000)
    stored = update_receipt_header(
        uow(kit),
        kit.school,
        name="Vesterbro Køreskole ApS",
        address="Vesterbrogade 2\n1620 København V",
        cvr="87654321",
        actor=ACTOR,
    )
    assert (stored.name, stored.address, stored.cvr) == (
        "Vesterbro Køreskole ApS",
        "Vesterbrogade 2\n1620 København V",
        "87654321",
    )
    assert queries.resolve_school(uow(kit), kit.school.slug) == stored

    u = uow(kit)
    with u:
        audit = u.audit.for_entity("school", kit.school.slug)
    assert [a.action for a in audit] == ["school.receipt_header_changed"]
    assert audit[0].before == {
        "name": "Østerbro Køreskole",
        "address": "Østerbrogade 1, 2100 København Ø",
        "cvr": "12345678",
    }
    assert audit[0].after == {
        "name": "Vesterbro Køreskole ApS",
        "address": "Vesterbrogade 2\n1620 København V",
        "cvr": "87654321",
    }
    assert audit[0].actor == ACTOR

    # The desk still holds the school as it was read at start: the receipt has the new header.
    result = register_payment(
        uow(kit),
        kit.school,
        method="cash",
        amount_minor=50000,
        invoice_no=invoice.invoice_no,
        actor=ACTOR,
    )
    assert result.receipt_no is not None
    body = queries.get_receipt(
        uow(kit), kit.school, result.receipt_no, copy=False, actor=ACTOR
    ).body
    assert (body.school_name, body.school_address, body.school_cvr) == (
        "Vesterbro Køreskole ApS",
        "Vesterbrogade 2\n1620 København V",
        "87654321",
    )


def test_saving_the_same_header_writes_nothing(kit: SchoolKit) -> None:
    s = kit.school
    update_receipt_header(uow(kit), s, name=s.name, address=s.address, cvr=s.cvr, actor=ACTOR)
    u = uow(kit)
    with u:
        assert u.audit.for_entity("school", s.slug) == []


def test_a_bad_header_changes_nothing(kit: SchoolKit) -> None:
    with pytest.raises(InvalidInput, match="8 digits"):
        update_receipt_header(
            uow(kit), kit.school, name="Ny", address="Vej 1", cvr="1234", actor=ACTOR
        )
    assert queries.resolve_school(uow(kit), kit.school.slug) == kit.school


def test_payment_settings_are_stored_per_field_and_audited(kit: SchoolKit) -> None:
    stored = update_payment_settings(
        uow(kit),
        kit.school,
        {"online_enabled": True, "checkout_expiry_minutes": 90, "mode": None},
        actor=ACTOR,
        gateways=("stripe",),
    )
    assert stored == SettingsOverride(online_enabled=True, checkout_expiry_minutes=90)
    stored = update_payment_settings(
        uow(kit),
        kit.school,
        {"success_url": " https://koreskole.example/tak ", "mode": "live", "gateway": "stripe"},
        actor=ACTOR,
        gateways=("stripe",),
    )
    assert stored == SettingsOverride(
        online_enabled=True,
        gateway="stripe",
        checkout_expiry_minutes=90,
        success_url="https://koreskole.example/tak",
        mode="live",
    )
    u = uow(kit)
    with u:
        assert u.settings.get(kit.school.id) == stored
        audit = u.audit.for_entity("school", kit.school.slug)
    assert [a.action for a in audit] == ["settings.payments_changed"] * 2
    assert audit[1].before is not None
    assert audit[1].before["mode"] is None
    assert audit[1].after is not None
    assert audit[1].after["mode"] == "live"


def test_unchanged_payment_settings_write_no_audit_row(kit: SchoolKit) -> None:
    update_payment_settings(uow(kit), kit.school, {"mode": "test"}, actor=ACTOR)
    update_payment_settings(uow(kit), kit.school, {"mode": "test"}, actor=ACTOR)
    u = uow(kit)
    with u:
        assert len(u.audit.for_entity("school", kit.school.slug)) == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"checkout_expiry_minutes": 29}, "between 30 and 1440"),
        ({"checkout_expiry_minutes": 1441}, "between 30 and 1440"),
        ({"success_url": "ftp://x"}, "not a web address"),
        ({"mode": "production"}, "test or live"),
        ({"gateway": "paypal"}, "unknown online gateway 'paypal'"),
        ({"online_enabled": "yes"}, "on or off"),
        ({"colour": "red"}, "unknown payment settings: colour"),
    ],
)
def test_payment_settings_out_of_range_store_nothing(
    kit: SchoolKit, changes: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        update_payment_settings(
            uow(kit),
            kit.school,
            {"online_enabled": True, **changes},
            actor=ACTOR,
            gateways=("stripe",),
        )
    u = uow(kit)
    with u:
        assert u.settings.get(kit.school.id) is None
        assert u.audit.for_entity("school", kit.school.slug) == []


def test_the_vat_line_and_web_address_are_stored_audited_and_on_the_next_receipt(
    kit: SchoolKit,
) -> None:
    update_notification_settings(
        uow(kit), kit.school, {"templates": {"da": {"payment_sms": "Tak, {student}."}}}, actor=ACTOR
    )
    student = kit.student()
    invoice = kit.invoice(student, 50000)

    stored = update_receipt_details(
        uow(kit), kit.school, vat_line=" Momsfritaget   undervisning ", web="www.ob.dk", actor=ACTOR
    )
    again = update_receipt_details(uow(kit), kit.school, web="www.ob.dk", actor=ACTOR)

    assert stored == again == ReceiptDetails(web="www.ob.dk", vat_line="Momsfritaget undervisning")
    u = uow(kit)
    with u:
        audit = u.audit.for_entity("school", kit.school.slug)
        assert receipt_details(u, kit.school) == stored
    changes = [a for a in audit if a.action == "school.receipt_details_changed"]
    assert len(changes) == 1, "saving the same details again writes nothing"
    assert changes[0].after == {"web": "www.ob.dk", "vat_line": "Momsfritaget undervisning"}
    # The school's message templates are untouched by the receipt details beside them.
    with u:
        settings = effective_settings(u, kit.school)
    assert settings.template("da", "payment_sms") == "Tak, {student}."

    paid = register_payment(
        uow(kit),
        kit.school,
        method="cash",
        amount_minor=50000,
        invoice_no=invoice.invoice_no,
        actor=ACTOR,
    )
    assert paid.receipt_no is not None
    body = queries.get_receipt(uow(kit), kit.school, paid.receipt_no, copy=False, actor=ACTOR).body
    assert body.extra["vat_line"] == "Momsfritaget undervisning"
    assert body.extra["school_web"] == "www.ob.dk"


def test_a_vat_line_with_control_characters_is_refused(kit: SchoolKit) -> None:
    with pytest.raises(InvalidInput, match="control characters"):
        update_receipt_details(uow(kit), kit.school, vat_line="Moms\u202e", actor=ACTOR)
    u = uow(kit)
    with u:
        assert receipt_details(u, kit.school) == ReceiptDetails()
