"""A month of the demo school's activity in the books, on every backend (issue 15): exported
in each format, every format balanced and giving every account the same total to the øre,
and every day of the month matching its day report. (The demo's rows are written as the
web system writes them, without shifts: the Z-report side is in ``test_books.py``.)"""

from __future__ import annotations

import csv
import datetime as dt
import io
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from jdoffice.adapters import db
from jdoffice.adapters.records import seed_demo
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain import books_export as bx
from jdoffice.domain.model import School
from jdoffice.domain.postings import AccountMap, check_balanced, totals
from jdoffice.services import books
from jdoffice.services.queries import day_report
from tests import conftest
from tests.conftest import BACKENDS

TODAY = dt.date(2026, 11, 20)
MONTH = (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
NS = {"s": bx.SAFT_NS}


@pytest.fixture(scope="module", params=BACKENDS)
def demo(
    request: pytest.FixtureRequest, fresh_database_factory: Callable[[str], conftest.TestDatabase]
) -> Iterator[tuple[SqlAlchemyUnitOfWork, School]]:
    """The demo school (300 students, its payments and refunds over the months before
    ``TODAY``) alone in a database of its own."""
    engine: Engine = db.make_engine(fresh_database_factory(request.param).url)
    db.upgrade(engine)
    school, _ = seed_demo(engine, students=300, seed=7, today=TODAY)
    yield SqlAlchemyUnitOfWork(engine), school
    engine.dispose()


def _minor(text: str) -> int:
    return int(Decimal(text.replace(",", ".")) * 100)


def _csv_nets(data: bytes, debit: str, credit: str, amount: str) -> dict[str, int]:
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8")), delimiter=";"))
    nets: dict[str, int] = defaultdict(int)
    for r in rows:
        nets[r[debit]] += _minor(r[amount])
        nets[r[credit]] -= _minor(r[amount])
    return dict(nets)


def _saft_nets(data: bytes) -> dict[str, int]:
    root = ET.fromstring(data)
    nets: dict[str, int] = defaultdict(int)
    for line in root.iterfind(".//s:Transaction/s:Line", NS):
        account = line.findtext("s:AccountID", namespaces=NS) or ""
        d = line.findtext("s:DebitAmount/s:Amount", namespaces=NS)
        c = line.findtext("s:CreditAmount/s:Amount", namespaces=NS)
        nets[account] += _minor(d) if d else -_minor(c or "0")
    return dict(nets)


def test_a_demo_month_exports_balanced_in_every_format_with_the_same_total_per_account(
    demo: tuple[SqlAlchemyUnitOfWork, School],
) -> None:
    uow, school = demo
    period = books.period_postings(uow, school, *MONTH)
    lines = list(period.lines)
    assert len(lines) > 50, "the demo month should have real activity"
    check_balanced(lines)
    expected = {acc: t.net_minor for acc, t in totals(lines).items() if t.net_minor}
    assert sum(expected.values()) == 0

    files = {fmt: books.export(period, fmt) for fmt in ("csv", "economic", "saft")}
    csv_nets = _csv_nets(files["csv"], "debet", "kredit", "beløb")
    economic_nets = _csv_nets(files["economic"], "Konto", "Modkonto", "Beløb")
    saft_nets = _saft_nets(files["saft"])
    for name, nets in (("csv", csv_nets), ("economic", economic_nets), ("saft", saft_nets)):
        assert {a: n for a, n in nets.items() if n} == expected, name
    # The same month again: the same bytes in every format.
    again = books.period_postings(uow, school, *MONTH)
    for fmt, data in files.items():
        assert books.export(again, fmt) == data, fmt


def test_each_day_of_a_demo_month_matches_its_day_report_to_the_ore(
    demo: tuple[SqlAlchemyUnitOfWork, School],
) -> None:
    uow, school = demo
    day, days_with_money = MONTH[0], 0
    while day <= MONTH[1]:
        report = day_report(uow, school, day)
        period = books.period_postings(uow, school, day, day)
        nets = {a: t.net_minor for a, t in totals(list(period.lines)).items()}

        def net(name: str, nets: dict[str, int] = nets, acc: AccountMap = period.accounts) -> int:
            return nets.get(acc.number(name), 0)

        received = sum(report.totals.values())
        assert -net("debtors") == received - report.refunds_minor, day
        assert -net("rounding") == report.rounding_minor, day
        # Cash: what came in and went back, rounded (the drawer's share of it, the rows a
        # desk took with a cash total, is the day report's cash in the drawer).
        cash = report.totals.get("cash", 0) - report.refunds_by_method.get("cash", 0)
        assert net("cash") == cash + report.rounding_minor, day
        assert report.cash_in_drawer_minor <= net("cash"), day
        for method, name in (("bank", "bank"), ("card", "card_terminal")):
            moved = report.totals.get(method, 0) - report.refunds_by_method.get(method, 0)
            assert net(name) == moved, (day, method)
        days_with_money += received > 0
        day += dt.timedelta(days=1)
    assert days_with_money >= 10, "the demo month should have payments on many days"
