"""The debtor list (issue 15): who owes what across the school, aged (see
:mod:`jdoffice.domain.debtors`), read from the invoices as they are now."""

from __future__ import annotations

import datetime as dt

from jdoffice.domain.debtors import DebtorList, build, check_sort
from jdoffice.domain.model import School
from jdoffice.services.ports import UnitOfWork


def debtor_list(
    uow: UnitOfWork,
    school: School,
    *,
    as_of: dt.date | None = None,
    sort: str = "amount",
    min_days: int = 0,
    now: dt.datetime | None = None,
) -> DebtorList:
    """The school's debtors on ``as_of`` (default: today at the school), in the school's
    currency, sorted by ``sort`` (``amount``, ``overdue``, ``name``, ``number``);
    ``min_days`` keeps only students with an invoice at least that many days overdue.

    Raises:
        InvalidInput: an unknown sort, negative days.
    """
    check_sort(sort)
    day = as_of or school.local_date(now or dt.datetime.now(dt.UTC))
    with uow:
        rows = uow.invoices.owed(school.id, school.currency)
    return build(
        rows,
        school_name=school.name,
        as_of=day,
        currency=school.currency,
        sort=sort,
        min_days=min_days,
    )
