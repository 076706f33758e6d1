"""The offline desk's side on the shared database: the notes left when an offline payment is
pushed, opening its unit of work, and telling whether it can be reached.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from sqlalchemy import Engine, text, update
from sqlalchemy.exc import DBAPIError

from jdoffice.adapters.clock import db_utcnow
from jdoffice.adapters.db_errors import translate_db_error
from jdoffice.adapters.tables import BALANCES, INVOICES, PAYMENTS
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.domain.errors import Unavailable
from jdoffice.services.ports import UnitOfWork


class SqlSharedNotes:
    """:class:`jdoffice.services.offline.SharedNotes` on the shared database."""

    def note_offline_payment(
        self,
        uow: UnitOfWork,
        *,
        payment_id: str,
        offline_receipt_no: str,
        student_id: int,
        invoice_ids: Sequence[int],
        now: dt.datetime,
    ) -> None:
        if not isinstance(uow, SqlAlchemyUnitOfWork):  # pragma: no cover - wiring error
            raise TypeError("shared notes work inside a SqlAlchemyUnitOfWork")
        s = uow.session
        s.execute(
            update(PAYMENTS)
            .where(PAYMENTS.c.id == payment_id)
            .values(offline_receipt_no=offline_receipt_no, updated_at=db_utcnow())
        )
        if invoice_ids:
            s.execute(
                update(INVOICES)
                .where(INVOICES.c.id.in_(sorted(set(invoice_ids))))
                .values(updated_at=db_utcnow())
            )
        s.execute(
            # Stamped by the database's clock, as every jdoffice write is: other desks find
            # the pushed payment by it, whatever this desk's clock says.
            update(BALANCES)
            .where(BALANCES.c.student_id == student_id)
            .values(updated_at=db_utcnow())
        )


def guarded(open_uow: Callable[[], UnitOfWork]) -> Callable[[], UnitOfWork]:
    """Opening the shared unit of work checks the schema, which connects: a database that
    cannot be reached says :class:`Unavailable` there too."""

    def opened() -> UnitOfWork:
        try:
            return open_uow()
        except DBAPIError as exc:
            raise translate_db_error(exc) from exc

    return opened


def pinger(engine: Callable[[], Engine]) -> Callable[[], bool]:
    def ping() -> bool:
        try:
            with engine().connect() as conn:
                conn.execute(text("SELECT 1"))
        except (DBAPIError, Unavailable):
            return False
        return True

    return ping
