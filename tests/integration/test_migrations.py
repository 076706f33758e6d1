"""The Alembic migrations on every backend: from empty to head, idempotent, matching the models,
and reversible."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Boolean, Engine, column, func, inspect, select, table, update

from jdoffice.adapters import db, records
from jdoffice.adapters.changes import SqlChanges
from jdoffice.adapters.column_types import UTCDateTime
from jdoffice.adapters.orm import Base, InvoiceRow
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.bootstrap import App
from jdoffice.domain.errors import BusinessRuleError, Unavailable
from jdoffice.domain.model import UTC, Actor
from jdoffice.services import books
from jdoffice.services.books_exports import ExportResult, export_books
from jdoffice.services.payments import register_payment
from jdoffice.services.ports import NewSchool
from tests import conftest
from tests.conftest import BACKENDS

MODEL_TABLES = set(Base.metadata.tables)


@pytest.fixture(params=BACKENDS)
def empty_engine(
    request: pytest.FixtureRequest, fresh_database_factory: Callable[[str], conftest.TestDatabase]
) -> Iterator[Engine]:
    """An engine on a new, empty database of each backend."""
    engine = db.make_engine(fresh_database_factory(request.param).url)
    try:
        yield engine
    finally:
        engine.dispose()


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def columns(engine: Engine) -> dict[str, list[tuple[str, str, bool]]]:
    """Every table's columns as ``(name, type, nullable)``; type objects do not compare."""
    inspector = inspect(engine)
    return {
        t: [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(t)]
        for t in MODEL_TABLES
    }


def schema_differences(engine: Engine) -> list[Any]:
    with engine.connect() as conn, warnings.catch_warnings():
        # Alembic compares a generated column's expression as text, and each engine gives it
        # back rewritten (PostgreSQL adds casts); it warns instead of comparing. Whether the
        # column does its job is tested by behaviour (a second payment receipt is refused).
        warnings.filterwarnings(
            "ignore", "Computed default on receipts.payment_receipt_of cannot be modified"
        )
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True}
        )
        return list(compare_metadata(context, Base.metadata))


def test_upgrade_from_empty_reaches_head(empty_engine: Engine) -> None:
    assert db.current_revision(empty_engine) is None
    assert tables(empty_engine) == set()

    db.upgrade(empty_engine)

    head = db.head_revision(empty_engine)
    assert head is not None
    assert db.current_revision(empty_engine) == head
    assert tables(empty_engine) == MODEL_TABLES | {"alembic_version"}


def test_upgrading_twice_changes_nothing(empty_engine: Engine) -> None:
    db.upgrade(empty_engine)
    uow = SqlAlchemyUnitOfWork(empty_engine)
    with uow.write():
        uow.schools.add(NewSchool(slug="kept", name="Kept Køreskole"), dt.datetime.now(UTC))
        uow.commit()
    before = columns(empty_engine)

    db.upgrade(empty_engine)

    assert db.current_revision(empty_engine) == db.head_revision(empty_engine)
    assert columns(empty_engine) == before
    with uow:
        school = uow.schools.get_by_slug("kept")
    assert school is not None
    assert school.name == "Kept Køreskole"


def test_migrated_schema_matches_the_models(empty_engine: Engine) -> None:
    db.upgrade(empty_engine)

    assert schema_differences(empty_engine) == []


def test_downgrade_to_base_and_up_again(empty_engine: Engine) -> None:
    db.upgrade(empty_engine)

    command.downgrade(db.alembic_config(empty_engine), "base")

    assert db.current_revision(empty_engine) is None
    assert tables(empty_engine) <= {"alembic_version"}

    db.upgrade(empty_engine)

    assert db.current_revision(empty_engine) == db.head_revision(empty_engine)
    assert tables(empty_engine) == MODEL_TABLES | {"alembic_version"}
    assert schema_differences(empty_engine) == []


def test_the_schema_comparison_notices_a_missing_index(empty_engine: Engine) -> None:
    db.upgrade(empty_engine)
    on_table = " ON schools" if empty_engine.dialect.name in ("mysql", "mariadb") else ""
    with empty_engine.begin() as conn:
        conn.exec_driver_sql(f"DROP INDEX ix_schools_updated_at{on_table}")

    differences = schema_differences(empty_engine)

    assert [(d[0], d[1].name) for d in differences] == [("add_index", "ix_schools_updated_at")]


def test_the_head_constant_is_alembics_head() -> None:
    engine = db.make_engine("sqlite://")
    try:
        assert db.head_revision(engine) == db.HEAD_REVISION
    finally:
        engine.dispose()


def test_opening_a_current_database_leaves_alembic_alone(
    empty_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    db.upgrade(empty_engine)

    def alembic(*_args: object) -> None:
        raise AssertionError("Alembic was used to open a current database")

    for name in ("current_revision", "head_revision", "upgrade"):
        monkeypatch.setattr(db, name, alembic)

    App(empty_engine.url, _engine=empty_engine).ensure_schema()

    assert db.schema_is_current(empty_engine)


def test_an_old_schema_is_upgraded_on_sqlite_and_refused_on_a_server(empty_engine: Engine) -> None:
    assert not db.schema_is_current(empty_engine)
    db.upgrade(empty_engine, "0001")
    assert not db.schema_is_current(empty_engine)
    app = App(empty_engine.url, _engine=empty_engine)

    if empty_engine.dialect.name == "sqlite":
        app.ensure_schema()
        assert db.current_revision(empty_engine) == db.HEAD_REVISION
        assert db.schema_is_current(empty_engine)
    else:
        with pytest.raises(Unavailable, match="jdoffice db upgrade"):
            app.ensure_schema()


def test_rows_that_break_the_new_rules_stop_the_upgrade_before_anything_changes(
    empty_engine: Engine,
) -> None:
    db.upgrade(empty_engine, "0005")
    uow = SqlAlchemyUnitOfWork(empty_engine)
    when = dt.datetime.now(UTC)
    with uow.write():
        school = uow.schools.add(NewSchool(slug="old", name="Gammel Køreskole"), when)
        student = records.add_student(
            uow.session, school, student_no="S1", first_name="Bo", last_name="Berg"
        )
        for no in ("F1", "F2"):
            records.add_invoice(
                uow.session,
                school,
                student,
                invoice_no=no,
                text="Køretime",
                amount_minor=50_000,
                due_date=school.local_date(when),
            )
        uow.commit()
    # Written before the database guarded anything, by a system sharing it.
    with empty_engine.begin() as conn:
        conn.execute(
            update(InvoiceRow).where(InvoiceRow.invoice_no == "F1").values(amount_minor=-10_000)
        )
        conn.execute(update(InvoiceRow).where(InvoiceRow.invoice_no == "F2").values(currency="EUR"))
    before = constraints(empty_engine)

    with pytest.raises(BusinessRuleError) as refused:
        db.upgrade(empty_engine)

    message = str(refused.value)
    assert "jdoffice db check" in message
    assert "nothing was changed" in message
    assert "student_invoices" in message
    assert "negative amount (-10000)" in message
    assert "invoice in EUR" in message
    assert db.current_revision(empty_engine) == "0005"
    assert constraints(empty_engine) == before

    with empty_engine.begin() as conn:
        conn.execute(
            update(InvoiceRow).where(InvoiceRow.invoice_no == "F1").values(amount_minor=10_000)
        )
        conn.execute(update(InvoiceRow).where(InvoiceRow.invoice_no == "F2").values(currency="DKK"))
    db.upgrade(empty_engine)

    assert db.current_revision(empty_engine) == db.HEAD_REVISION
    assert schema_differences(empty_engine) == []


def constraints(engine: Engine) -> dict[str, tuple[list[str], list[str], list[str]]]:
    """Every table's unique, foreign key and check constraint names."""
    inspector = inspect(engine)
    return {
        t: (
            sorted(str(u["name"]) for u in inspector.get_unique_constraints(t)),
            sorted(str(f["name"]) for f in inspector.get_foreign_keys(t)),
            sorted(str(c["name"]) for c in inspector.get_check_constraints(t)),
        )
        for t in MODEL_TABLES
        if inspector.has_table(t)
    }


def test_an_export_recorded_before_the_lines_were_kept_in_full_repeats_and_is_not_delivered_again(
    empty_engine: Engine,
) -> None:
    db.upgrade(empty_engine, "0012")
    uow = SqlAlchemyUnitOfWork(empty_engine)
    paid_at = dt.datetime(2026, 11, 17, 10, 0, tzinfo=UTC)
    with uow.write():
        school = uow.schools.add(NewSchool(slug="old", name="Gammel Køreskole"), paid_at)
        student = records.add_student(
            uow.session, school, student_no="S1", first_name="Bo", last_name="Berg"
        )
        records.add_invoice(
            uow.session,
            school,
            student,
            invoice_no="F1",
            text="Køretime",
            amount_minor=50_000,
            due_date=paid_at.date(),
        )
        uow.commit()
    register_payment(
        uow,
        school,
        method="bank",
        amount_minor=50_000,
        invoice_no="F1",
        actor=Actor("RC", "kasse-1"),
        now=paid_at,
    )
    start, end = dt.date(2026, 11, 1), dt.date(2026, 11, 30)
    period = books.period_postings(uow, school, start, end)
    [line] = period.lines
    delivered = books.export(period, "csv")
    # What revision 0011 recorded of the export: the run, and the line's key and date.
    exports = table(
        "books_exports",
        column("id"),
        *(column(c) for c in _EXPORT_COLUMNS),
        column("created_at", UTCDateTime()),
    )
    lines = table(
        "books_exported_postings",
        *(column(c) for c in ("school_id", "posting_key", "export_id", "posting_date")),
        column("correction", Boolean()),
    )
    with empty_engine.begin() as conn:
        conn.execute(
            exports.insert().values(
                school_id=school.id,
                from_date=start,
                to_date=end,
                format="csv",
                postings=1,
                corrections=0,
                total_minor=50_000,
                digest=hashlib.sha256(delivered).hexdigest(),
                staff="MH",
                desk="kasse-1",
                created_at=dt.datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
            )
        )
        export_id = conn.execute(select(func.max(exports.c.id))).scalar_one()
        conn.execute(
            lines.insert().values(
                school_id=school.id,
                posting_key=line.key,
                export_id=export_id,
                posting_date=line.date,
                correction=False,
            )
        )

    db.upgrade(empty_engine)

    def export(a: dt.date, b: dt.date) -> tuple[ExportResult, bytes]:
        sink = io.BytesIO()
        now = dt.datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
        result = export_books(uow, school, a, b, "csv", sink, actor=Actor("MH", "k"), now=now)
        return result, sink.getvalue()

    again, again_data = export(start, end)
    assert (again_data, again.identical, again.postings, again.missing) == (delivered, True, 1, 0)
    december, _ = export(dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    assert (december.postings, december.corrections) == (0, 0)
    assert schema_differences(empty_engine) == []


_EXPORT_COLUMNS = (
    "school_id",
    "from_date",
    "to_date",
    "format",
    "postings",
    "corrections",
    "total_minor",
    "digest",
    "staff",
    "desk",
)


_TERMS = table("student_search_terms", column("student_id"), column("term"))


def _terms_of(engine: Engine, student_id: int) -> set[str]:
    with engine.connect() as conn:
        rows = conn.execute(select(_TERMS.c.term).where(_TERMS.c.student_id == student_id))
        return {str(t) for t in rows.scalars()}


def test_the_name_pairs_are_added_to_every_indexed_student_then_marked_and_taken_away_on_downgrade(
    empty_engine: Engine,
) -> None:
    db.upgrade(empty_engine, "0013")
    uow = SqlAlchemyUnitOfWork(empty_engine)
    with uow.write():
        school = uow.schools.add(
            NewSchool(slug="old", name="Gammel Køreskole"), dt.datetime.now(UTC)
        )
        soren = records.add_student(
            uow.session, school, student_no="S1", first_name="Søren", last_name="Jensen"
        )
        # A student number with a space that is also one of the name's pairs: kept once.
        odd = records.add_student(
            uow.session, school, student_no="Bo Berg", first_name="Bo", last_name="Berg"
        )
        unindexed = records.add_student(
            uow.session, school, student_no="S3", first_name="Ida", last_name="Holm"
        )
        uow.commit()
    # The terms revision 0013 wrote: no pairs (but a number's own term); none for a student the
    # web system added and no desk has indexed yet.
    with empty_engine.begin() as conn:
        conn.execute(_TERMS.delete().where(_TERMS.c.term.contains(" "), _TERMS.c.term != "bo berg"))
        conn.execute(_TERMS.delete().where(_TERMS.c.student_id == unindexed.id))
    singles = {s.id: _terms_of(empty_engine, s.id) for s in (soren, odd)}
    soren_pairs = {"soeren jensen", "soren jensen", "jensen soeren", "jensen soren"}

    db.upgrade(empty_engine, "0014")

    assert _terms_of(empty_engine, soren.id) == singles[soren.id] | soren_pairs
    assert _terms_of(empty_engine, odd.id) == singles[odd.id] | {"berg bo"}
    assert "bo berg" in singles[odd.id]
    assert _terms_of(empty_engine, unindexed.id) == set()

    db.upgrade(empty_engine)  # 0015: the pairs begin with the mark, the old ones are gone

    assert _terms_of(empty_engine, soren.id) == singles[soren.id] | {" " + p for p in soren_pairs}
    assert _terms_of(empty_engine, odd.id) == singles[odd.id] | {" bo berg", " berg bo"}
    assert _terms_of(empty_engine, unindexed.id) == set()
    # What a desk of this revision writes: no student found stale, nothing to rewrite.
    with uow.write():
        changes = SqlChanges(uow.session)
        assert changes.stale_terms(school.id, [soren.id, odd.id]) == []

    command.downgrade(db.alembic_config(empty_engine), "0014")

    assert _terms_of(empty_engine, soren.id) == singles[soren.id] | soren_pairs
    assert _terms_of(empty_engine, odd.id) == singles[odd.id] | {"berg bo"}

    command.downgrade(db.alembic_config(empty_engine), "0013")

    assert _terms_of(empty_engine, soren.id) == singles[soren.id]
    assert _terms_of(empty_engine, odd.id) == singles[odd.id]
