"""What every repository of the unit of work shares: the open session."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from jdoffice.adapters import direct
from jdoffice.adapters.direct import Rows

_DIRECT = "jdoffice.direct"
_BATCH = "jdoffice.batch"
#: The refusal a batch of the session ended with: the transaction is aborted, and every later
#: statement of the unit of work raises it again (not PostgreSQL's "transaction is aborted").
_REFUSED = "jdoffice.batch_refused"


def _direct(s: Session) -> bool:
    """Whether the session's statements may go through the driver's cursor: asked once per
    unit of work (its session), so a listener added in the middle of one sees its statements
    from the next."""
    use = s.info.get(_DIRECT)
    if use is None:
        use = s.info[_DIRECT] = direct.usable(s.get_bind()) and not s.dispatch.do_orm_execute
    return bool(use)


def _pending(s: Session) -> bool:
    return bool(s.autoflush and (s.new or s.dirty or s.deleted))


def _batch(s: Session) -> direct.Batch | None:
    """The session's open batch, opened now if there is none and the driver can batch."""
    batch: direct.Batch | None = s.info.get(_BATCH)
    if batch is not None or not _direct(s):
        return batch
    if _pending(s):
        s.flush()
    conn = s.connection()
    if not direct.batches(conn):
        return None
    batch = s.info[_BATCH] = direct.Batch(
        conn,
        done=lambda: s.info.pop(_BATCH, None),
        failed=lambda refused: s.info.__setitem__(_REFUSED, refused),  # None: over
    )
    return batch


@contextmanager
def together(s: Session) -> Iterator[None]:
    """The statements :meth:`Repo.run` sends in the block go without waiting for each answer
    where the driver can (PostgreSQL: :class:`jdoffice.adapters.direct.Batch`, one round trip
    for the block), else one at a time as always; their answers are there when the block
    ends. An answer asked for inside the block (a row, a count) ends the batching there, and
    so do a statement only SQLAlchemy can run and rows added to the session. Errors come out
    of the block at the latest, as :meth:`Repo.run` raises them. A block inside an open batch
    is part of it.
    """
    opened = s.info.get(_BATCH) is None
    batch = _batch(s)
    if batch is None or not opened:
        yield
        return
    try:
        yield
    except BaseException as exc:
        batch.abandon(exc)
        raise
    batch.finish()


def send_ahead(s: Session) -> None:
    """From here on, the statements :meth:`Repo.run` sends go without waiting for each answer
    where the driver can, until an answer is wanted, SQLAlchemy runs a statement, or the
    transaction ends: the commit then goes with them, in the same round trip on PostgreSQL.
    Errors come out there, at the commit at the latest (see
    :class:`jdoffice.adapters.direct.Batch`)."""
    _batch(s)


class Repo:
    """A repository on the session of an open unit of work."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def run(
        self,
        statement: Executable,
        params: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    ) -> Rows:
        """One of the constant statements of :mod:`jdoffice.adapters.statements`, in the
        session's transaction, through the driver's cursor where it can
        (:mod:`jdoffice.adapters.direct`), else through SQLAlchemy: the same rows either way.

        Raises:
            DBAPIError: the database refused or could not answer.
        """
        s = self.s
        refused: Exception | None = s.info.get(_REFUSED)
        if refused is not None:
            raise refused
        if _direct(s):
            batch: direct.Batch | None = s.info.get(_BATCH)
            if batch is not None:
                if not _pending(s):
                    sent = batch.send(statement, params)
                    if sent is not None:
                        return sent
                batch.finish()  # answered before anything runs another way
            if _pending(s):
                s.flush()  # as the session would before any statement: rows added are seen
            rows = direct.execute(s.connection(), statement, params)
            if rows is not None:
                return rows
        result: Any = s.execute(statement, params)
        return Rows(result.all() if result.returns_rows else [], result.rowcount)
