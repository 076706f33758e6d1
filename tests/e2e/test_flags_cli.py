"""`jdoffice payments flagged` and `jdoffice payments resolve` as real processes, on every
backend (issue 12): the list with its column headers and ``--json``, a resolution with its
note in the audit log, and the refusals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from jdoffice.adapters import db
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.model import School
from jdoffice.services import flags, queries
from tests.conftest import BACKENDS, new_kit
from tests.e2e.conftest import DemoDatabase, assert_ok, assert_refused, plain, run_cli

if TYPE_CHECKING:
    # Imported for its annotation only: pytest would try to collect a ``Test*`` class.
    from tests.conftest import TestDatabase


def add_flag(uow: SqlAlchemyUnitOfWork, school: School, provider_ref: str, reason: str) -> int:
    with uow.write():
        added = flags.flag_once(
            uow,
            school_id=school.id,
            gateway="stripe",
            provider_ref=provider_ref,
            event_id="",
            invoice_no="F-004711",
            reason=reason,
            amount_minor=100,
            currency="DKK",
            payload=None,
            now=dt.datetime.now(dt.UTC),
        )
        uow.commit()
    assert added
    with uow:
        found = uow.flags.find_unresolved(school.id, "stripe", provider_ref, reason)
    assert found is not None
    return found


def test_payments_flagged_lists_with_headers_and_resolve_records_the_note(
    demo_db: DemoDatabase,
) -> None:
    ref = f"cs_test_{demo_db.kit.prefix}{dt.datetime.now(dt.UTC).timestamp():.0f}"
    flag_id = add_flag(
        SqlAlchemyUnitOfWork(demo_db.engine), demo_db.school, ref, "amount 100 ≠ 70000"
    )

    listed = assert_ok(run_cli(demo_db.url, "payments", "flagged"))
    lines = plain(listed.stdout).splitlines()
    assert lines[0].split() == ["Id", "Time", "Invoice", "Amount", "Provider", "ref", "Reason"]
    [row] = [line for line in lines if ref in line]
    assert row.split()[0] == str(flag_id)
    assert "F-004711" in row
    assert "1,00 kr." in row
    assert row.endswith("amount 100 ≠ 70000")
    as_json = assert_ok(run_cli(demo_db.url, "payments", "flagged", "--json")).data
    [mine] = [f for f in as_json if f["id"] == flag_id]
    assert mine["provider_ref"] == ref
    assert mine["amount_minor"] == 100
    assert mine["currency"] == "DKK"
    assert mine["resolved_at"] is None

    done = assert_ok(
        run_cli(
            demo_db.url,
            "--staff",
            "mette",
            "--desk",
            "skranke-2",
            "payments",
            "resolve",
            str(flag_id),
            "--note",
            "Eleven betalte kontant; Stripe-betalingen refunderet",
            "--json",
        )
    ).data
    assert done["id"] == flag_id
    assert done["resolved_at"] is not None

    after = assert_ok(run_cli(demo_db.url, "payments", "flagged", "--json")).data
    assert flag_id not in [f["id"] for f in after]
    uow = SqlAlchemyUnitOfWork(demo_db.engine)
    with uow:
        [entry] = uow.audit.for_entity("flag", str(flag_id))
    assert entry.action == "flag.resolved"
    assert (entry.actor.staff, entry.actor.desk) == ("mette", "skranke-2")
    assert entry.after == {"note": "Eleven betalte kontant; Stripe-betalingen refunderet"}
    assert entry.at.isoformat() == done["resolved_at"]

    again = run_cli(demo_db.url, "payments", "resolve", str(flag_id), "--note", "igen")
    assert_refused(again, 3, "resolved before")


@pytest.mark.parametrize("backend", BACKENDS)
def test_payments_resolve_refuses_a_missing_note_control_characters_and_another_school(
    backend: str, fresh_database_factory: Callable[[str], TestDatabase]
) -> None:
    # A database of its own: a second school would make the shared demo database ask every
    # other test's command for --school.
    url = fresh_database_factory(backend).url_text
    assert_ok(run_cli(url, "demo", "--students", "2", "--seed", "5", "--json"))
    engine = db.make_engine(url)
    try:
        uow = SqlAlchemyUnitOfWork(engine)
        ours = queries.resolve_school(uow, None)
        other = new_kit(engine, "Anden Køreskole").school
        flag_id = add_flag(uow, ours, "cs_test_note", "currency 'eur' ≠ 'DKK'")
        foreign = add_flag(uow, other, "cs_test_other", "amount 1 ≠ 70000")
        as_ours = ("--school", ours.slug, "payments", "resolve")

        no_note = run_cli(url, *as_ours, str(flag_id))
        assert no_note.code == 2, no_note.describe()
        assert "--note" in no_note.stderr
        assert_refused(run_cli(url, *as_ours, str(flag_id), "--note", "   "), 2, "note")
        assert_refused(run_cli(url, *as_ours, str(flag_id), "--note", "ok\x1b[2J"), 2, "control")
        assert_refused(
            run_cli(url, *as_ours, str(foreign), "--note", "ikke vores"),
            2,
            f"no flag #{foreign}",
        )

        listed = run_cli(url, "--school", ours.slug, "payments", "flagged", "--json")
        assert [f["id"] for f in assert_ok(listed).data] == [flag_id]
        with uow:
            assert uow.audit.for_entity("flag", str(flag_id)) == []
            assert uow.audit.for_entity("flag", str(foreign)) == []
            assert [f.id for f in uow.flags.unresolved(other.id)] == [foreign]
    finally:
        engine.dispose()
