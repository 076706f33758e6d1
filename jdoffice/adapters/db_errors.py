"""Driver errors translated into what a caller can act on: ``Unavailable``,
``TransientConflict``, ``DuplicateKey`` (a unique key taken, usually by a concurrent writer),
or ``BusinessRuleError`` (a row the database's own rules refuse: a CHECK, a foreign key, a
missing value).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError

from jdoffice.domain.errors import BusinessRuleError, JdofficeError, Unavailable

# MySQL/MariaDB: 1205 lock wait timeout, 1213 deadlock. PostgreSQL: SQLSTATE 40001/40P01.
_MYSQL_TRANSIENT = {1205, 1213}
_PG_TRANSIENT = {"40001", "40P01", "55P03"}
_MYSQL_UNAVAILABLE = {2002, 2003, 2005, 2006, 2013, 2055, 1040, 1045, 1049}
# A rule of the schema refused the row. PostgreSQL: not null, foreign key, check, exclusion.
# MySQL/MariaDB: null, foreign key (parent missing or child present), check (3819 MySQL,
# 4025 MariaDB).
_PG_RULE = {"23502", "23503", "23514", "23P01"}
_MYSQL_RULE = {1048, 1451, 1452, 3819, 4025}
_SQLITE_RULE = ("check constraint failed", "foreign key constraint failed", "not null constraint")


def translate_db_error(exc: DBAPIError) -> JdofficeError:
    """Turn a driver error into what the caller can act on."""
    # Loaded with the first error: a process that only reads (``jdoffice search``) needs
    # this module but not the ports.
    from jdoffice.services.ports import DuplicateKey, TransientConflict

    orig = exc.orig
    code: Any = getattr(orig, "sqlstate", None)
    args = getattr(orig, "args", ())
    mysql_code = args[0] if args and isinstance(args[0], int) else None
    text = str(orig).lower()
    if code in _PG_RULE or mysql_code in _MYSQL_RULE or any(r in text for r in _SQLITE_RULE):
        return BusinessRuleError(f"the database refused the change: {_short(orig)}")
    if isinstance(exc, IntegrityError):
        return DuplicateKey(f"a row with the same key was written meanwhile ({_short(orig)})")
    if code in _PG_TRANSIENT or mysql_code in _MYSQL_TRANSIENT:
        return TransientConflict(f"the database asked to retry ({_short(orig)})")
    if "database is locked" in text or "database table is locked" in text:
        return TransientConflict("the database file is busy; another desk is writing")
    if mysql_code in _MYSQL_UNAVAILABLE or isinstance(exc, OperationalError | InterfaceError):
        return Unavailable(f"database unavailable: {_short(orig)}")
    return Unavailable(f"database error: {_short(orig)}")


def _short(orig: BaseException | None) -> str:
    text = str(orig).strip().splitlines()
    return text[0][:300] if text else type(orig).__name__
