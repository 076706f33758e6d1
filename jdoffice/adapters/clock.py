"""The database's own clock, as an SQL expression.

Several desks (and the web system) write the same rows; each desk finds the others' changes
by ``updated_at`` (docs/architecture.md, "The shared database and the desks"). A desk's own
clock may be minutes off, so a change stamped by it could fall before another desk's cursor
and never be seen. Rows jdoffice changes are stamped with :func:`db_utcnow` instead,
evaluated by the server, and the change poll
(:mod:`jdoffice.adapters.changes`) reads the same clock, so only the server's clock counts.

Each database gives naive UTC with microseconds, whatever the session's time zone:

* PostgreSQL: ``clock_timestamp() AT TIME ZONE 'UTC'``. ``now()`` would be the start of the
  transaction, which can be long before the row is written (a payment that waited for a
  row lock) and so before its commit; ``clock_timestamp()`` is the moment of the statement.
* MySQL/MariaDB: ``UTC_TIMESTAMP(6)`` (the start of the statement).
* SQLite: ``strftime('%Y-%m-%d %H:%M:%f000', 'now')``. SQLite's clock has milliseconds; the
  three zeros give the six digits SQLAlchemy stores, so stored text compares as it should.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from jdoffice.adapters.orm import UTCDateTime


class db_utcnow(FunctionElement[dt.datetime]):  # noqa: N801 - reads like SQL's now()
    """The database server's current time in UTC (an aware datetime when selected)."""

    type = UTCDateTime()
    inherit_cache = True
    name = "db_utcnow"


@compiles(db_utcnow)
def _default(element: db_utcnow, compiler: SQLCompiler, **kw: Any) -> str:
    return "CURRENT_TIMESTAMP"


@compiles(db_utcnow, "postgresql")
def _postgresql(element: db_utcnow, compiler: SQLCompiler, **kw: Any) -> str:
    return "(clock_timestamp() AT TIME ZONE 'UTC')"


@compiles(db_utcnow, "mysql")
@compiles(db_utcnow, "mariadb")
def _mysql(element: db_utcnow, compiler: SQLCompiler, **kw: Any) -> str:
    return "UTC_TIMESTAMP(6)"


@compiles(db_utcnow, "sqlite")
def _sqlite(element: db_utcnow, compiler: SQLCompiler, **kw: Any) -> str:
    return "strftime('%Y-%m-%d %H:%M:%f000', 'now')"
