"""What every repository of the unit of work shares: the open session."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from jdoffice.adapters import direct
from jdoffice.adapters.direct import Rows

_DIRECT = "jdoffice.direct"


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
        # Asked once per unit of work (its session): a listener added in the middle of one
        # sees its statements from the next.
        use = s.info.get(_DIRECT)
        if use is None:
            use = s.info[_DIRECT] = direct.usable(s.get_bind()) and not s.dispatch.do_orm_execute
        if use:
            if s.autoflush and (s.new or s.dirty or s.deleted):
                s.flush()  # as the session would before any statement: rows added are seen
            rows = direct.execute(s.connection(), statement, params)
            if rows is not None:
                return rows
        result: Any = s.execute(statement, params)
        return Rows(result.all() if result.returns_rows else [], result.rowcount)
