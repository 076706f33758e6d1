"""Engines for the three databases jdoffice runs on, and their migrations.

* SQLite (the embedded default): one file in the user data directory, WAL journal, foreign
  keys on, a busy timeout, and ``BEGIN IMMEDIATE`` for writing transactions so two processes
  never both read-then-write the same invoice.
* PostgreSQL (psycopg 3) and MySQL/MariaDB (PyMySQL): READ COMMITTED, UTC sessions, and
  ``SELECT … FOR UPDATE`` row locks taken by the repositories. The password comes from the
  URL, ``JDOFFICE_DATABASE_PASSWORD`` or the keyring (:func:`with_password`); TLS options
  reach the driver from the URL's query or ``[database] connect_args``. A connection idle
  for a second or more is checked before use and replaced when it is gone, and every
  connection is replaced after ``pool_recycle``, so a server restart or a dropped connection
  costs the next operation a reconnect, not a restart.
"""

from __future__ import annotations

import logging
import os
import select
import sqlite3
import time
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, DisconnectionError

from jdoffice.domain.errors import InvalidInput, JdofficeError
from jdoffice.domain.text import redact_secrets

log = logging.getLogger(__name__)

APP_NAME = "jdoffice"
ENV_DATABASE_URL = "JDOFFICE_DATABASE_URL"
SQLITE_BUSY_TIMEOUT_MS = 10_000
#: Replace pooled server connections older than this (MySQL closes idle ones after
#: ``wait_timeout``, firewalls and NAT forget them sooner).
POOL_RECYCLE_SECONDS = 1800
#: A pooled connection idle this long is checked before use (:func:`_check_idle_connections`).
PING_AFTER_IDLE_SECONDS = 1.0
_LAST_USED = "jdoffice_last_used"
#: TCP keepalives on PostgreSQL connections: a server that vanished mid-query (a cable, a
#: crashed host) is noticed within about a minute instead of the system's two hours.
PG_KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
}
#: PyMySQL flags that arrive as text from a URL query; the driver wants booleans.
_MYSQL_FLAGS = ("ssl_verify_cert", "ssl_verify_identity", "ssl_disabled")
_DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306, "mariadb": 3306}
#: The newest migration under ``migrations/versions``; a test keeps it equal to Alembic's head.
#: Opening a database compares it with ``alembic_version`` so Alembic loads only to upgrade.
HEAD_REVISION = "0016"
#: Execution options that once chose how an SQLite transaction begins (a writer's ``BEGIN
#: IMMEDIATE``, a single read's no ``BEGIN``). The engine chooses it now (:func:`writer`,
#: :func:`single_reads`); setting them is refused, not silently ignored.
BEGIN_OPTIONS = frozenset({"jdoffice_write", "jdoffice_single_read"})


def default_data_dir() -> Path:
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False, ensure_exists=True)


def default_database_url(demo: bool = False) -> str:
    name = "demo.sqlite3" if demo else "jdoffice.sqlite3"
    return f"sqlite:///{default_data_dir() / name}"


def normalize_url(url: str) -> URL:
    """Accept the URLs people write and pick our drivers: ``postgresql://`` → psycopg 3,
    ``mysql://``/``mariadb://`` → PyMySQL, a bare path → SQLite."""
    text = url.strip()
    if not text:
        raise InvalidInput("database URL is empty")
    if "://" not in text:
        text = f"sqlite:///{Path(text).expanduser().resolve()}"
    try:
        u = make_url(text)
        port = u.port  # SQLAlchemy reads it as a number, or raises ValueError
    except (ArgumentError, ValueError) as exc:
        # The URL may hold a password: the message never shows one.
        raise InvalidInput(
            f"not a database URL: {redact_secrets(url.strip())!r} "
            "(write e.g. postgresql://USER@HOST:5432/NAME)"
        ) from exc
    if port is not None and not 0 < port < 65536:
        raise InvalidInput(f"database URL: the port must be 1 to 65535, not {port}")
    backend = u.get_backend_name()
    if backend in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    elif backend in ("mysql", "mariadb"):
        u = u.set(drivername=f"{backend}+pymysql")
        if "charset" not in u.query:
            u = u.update_query_dict({"charset": "utf8mb4"})
    elif backend != "sqlite":
        raise InvalidInput(f"unsupported database {backend!r}: use sqlite, postgresql or mysql")
    return u


def resolve_url(cli_url: str | None, *, demo: bool = False) -> URL:
    """``--db`` wins over ``JDOFFICE_DATABASE_URL``, which wins over ``[database] url`` in
    the config file, which wins over the embedded default."""
    if cli_url:
        return normalize_url(cli_url)
    env = os.environ.get(ENV_DATABASE_URL, "").strip()
    if env and not demo:
        return normalize_url(env)
    if not demo:
        from jdoffice.adapters.config import load_database_config

        configured = load_database_config().url
        if configured:
            return normalize_url(configured)
    return normalize_url(default_database_url(demo))


def with_password(url: URL) -> URL:
    """``url`` with the password filled in for a server URL that names a user but gives no
    password: from ``JDOFFICE_DATABASE_PASSWORD``, else from the keyring (service
    ``jdoffice``, user ``database:USER@HOST:PORT``). Without either the URL stays as it is
    (the server may trust the host, or use a client certificate)."""
    backend = url.get_backend_name()
    if backend == "sqlite" or not url.username or url.password is not None:
        return url
    from jdoffice.adapters.secrets import KeyringUnavailable, get_database_password

    port = url.port or _DEFAULT_PORTS.get(backend, 0)
    try:
        secret = get_database_password(url.username, url.host or "localhost", port)
    except KeyringUnavailable as exc:
        log.warning("%s; connecting to the database without a password", exc)
        return url
    return url.set(password=secret.value) if secret else url


def make_engine(url: str | URL, **kwargs: Any) -> Engine:
    u = normalize_url(url) if isinstance(url, str) else url
    backend = u.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(u, **kwargs)
    connect_args: dict[str, Any] = {}
    if backend == "postgresql":
        connect_args["options"] = "-c timezone=UTC"
        connect_args.setdefault("connect_timeout", 10)
        connect_args.update(PG_KEEPALIVES)
    else:
        connect_args["init_command"] = "SET time_zone = '+00:00'"
        connect_args.setdefault("connect_timeout", 10)
        # SQLAlchemy passes these query parameters on as text, and "false" is true.
        for flag in _MYSQL_FLAGS:
            if flag in u.query:
                connect_args[flag] = _flag(u, flag)
        u = u.difference_update_query(_MYSQL_FLAGS)
    kwargs.setdefault("pool_recycle", POOL_RECYCLE_SECONDS)
    engine = create_engine(
        u,
        isolation_level="READ COMMITTED",
        connect_args=connect_args | kwargs.pop("connect_args", {}),
        **kwargs,
    )
    _check_idle_connections(engine)
    return engine


def _check_idle_connections(engine: Engine) -> None:
    """Check a pooled connection before use when it has been idle for
    :data:`PING_AFTER_IDLE_SECONDS` or more; replace it when the check fails.

    SQLAlchemy's ``pool_pre_ping`` checks on every checkout: a round trip before every
    transaction and every search, which desks paying or a receiver answering back to back pay
    for nothing. A connection used a moment ago whose socket has received nothing since is
    taken as it is: a server that ended it (a restart, an administrator, a proxy closing it)
    has sent a last message or closed the socket, which makes it readable. Every other
    connection is checked as before (a driver that does not show its socket always is), and
    when the check fails the pool connects anew (SQLAlchemy retries a checkout that raises
    ``DisconnectionError``).
    """
    dialect = engine.dialect

    @event.listens_for(engine, "connect")
    def _fresh(_dbapi_conn: Any, record: Any) -> None:
        record.info[_LAST_USED] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_conn: Any, record: Any) -> None:
        if record is not None:
            record.info[_LAST_USED] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        last = record.info.get(_LAST_USED)
        recent = last is not None and time.monotonic() - last < PING_AFTER_IDLE_SECONDS
        try:
            quiet = recent and _nothing_arrived(dbapi_conn)
        except dialect.loaded_dbapi.Error:  # a driver that knows its connection is closed
            quiet = False
        if quiet:
            return
        try:
            alive = dialect.do_ping(dbapi_conn)
        except dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError(f"an idle connection is gone: {exc}") from exc
        if not alive:
            raise DisconnectionError("an idle connection is gone")


def _flag(u: URL, name: str) -> bool:
    value = u.query[name]
    text = (value[-1] if isinstance(value, tuple) else value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise InvalidInput(f"database URL: {name} must be true or false, not {text!r}")


def _sqlite_engine(u: URL, **kwargs: Any) -> Engine:
    if u.database and u.database != ":memory:":
        Path(u.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(u, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        # The dialect sends BEGIN itself (see below); pysqlite's own would come only before
        # the first write.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.close()

    # How each transaction begins, without an engine event: an engine with a ``begin``
    # listener makes SQLAlchemy dispatch its statement events for every statement (about a
    # quarter of a short transaction's CPU time). The engine's dialect is exchanged for one
    # that sends ``BEGIN``; writers and single reads take their own (:func:`writer`,
    # :func:`single_reads`).
    views = {name: _begin_view(engine.dialect, sql) for name, sql in _BEGIN_SQL.items()}
    engine.dialect.__dict__[_VIEWS] = views
    engine.dialect = views["read"]
    return engine


#: What starts a transaction on SQLite: a read (a consistent snapshot of the file), a writer
#: (the write lock up front: a deferred transaction that reads and then writes can fail with
#: SQLITE_BUSY however long the busy timeout), a single read (none: one SELECT in autocommit
#: mode, a BEGIN would only cost a statement).
_BEGIN_SQL: dict[str, str | None] = {"read": "BEGIN", "write": "BEGIN IMMEDIATE", "single": None}
_VIEWS = "_jdoffice_begin_views"
_DERIVED = "_jdoffice_begin_engines"


def _begin_view(dialect: Any, sql: str | None) -> Any:
    """``dialect`` as one that begins a transaction with ``sql``: an object of a subclass of
    its class sharing its attributes (``__dict__``), so what SQLAlchemy learns on the first
    connection (the server version, the isolation level) is known to every view."""
    cls = type(dialect)

    def do_begin(self: Any, dbapi_connection: Any) -> None:
        if sql is None:
            return
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(sql)
        finally:
            cursor.close()

    def set_engine_execution_options(self: Any, engine: Any, opts: Any) -> None:
        _refuse_begin_options(opts)
        cls.set_engine_execution_options(self, engine, opts)

    def set_connection_execution_options(self: Any, connection: Any, opts: Any) -> None:
        _refuse_begin_options(opts)
        cls.set_connection_execution_options(self, connection, opts)

    attrs = {
        "do_begin": do_begin,
        "set_engine_execution_options": set_engine_execution_options,
        "set_connection_execution_options": set_connection_execution_options,
        # SQLAlchemy caches compiled statements only for a dialect class that says so itself.
        "supports_statement_cache": cls.supports_statement_cache,
    }
    view_class = type(f"{cls.__name__}Begin", (cls,), attrs)
    view: Any = object.__new__(view_class)
    view.__dict__ = dialect.__dict__
    return view


def _refuse_begin_options(opts: Any) -> None:
    named = sorted(BEGIN_OPTIONS.intersection(opts))
    if named:
        raise ArgumentError(
            f"{', '.join(named)}: how an SQLite transaction begins is chosen by the engine; "
            "use jdoffice.adapters.db.writer(engine) or single_reads(engine)"
        )


def _with_begin(engine: Engine, name: str) -> Engine:
    # Made once per engine and kept on it: a copy of an engine joins its event dispatch,
    # which cost the webhook receiver about 5 % of its CPU when every unit of work made one.
    made: dict[str, Engine] = engine.__dict__.setdefault(_DERIVED, {})
    derived = made.get(name)
    if derived is None:
        derived = engine.execution_options()
        views = engine.dialect.__dict__.get(_VIEWS)
        if views is not None:
            derived.dialect = views[name]
        made[name] = derived
    return derived


def writer(engine: Engine) -> Engine:
    """``engine`` for writing units of work: on SQLite their transactions begin IMMEDIATE,
    taking the write lock up front (a deferred transaction that reads and then writes can
    fail with SQLITE_BUSY however long the busy timeout)."""
    return _with_begin(engine, "write")


def single_reads(engine: Engine) -> Engine:
    """``engine`` for connections whose reads each run on their own (student search): on
    SQLite no ``BEGIN`` is sent, each statement is its own transaction and sees one
    consistent state of the file. Never use it for statements that must see one state
    together."""
    return _with_begin(engine, "single")


def _nothing_arrived(dbapi_conn: Any) -> bool:
    """Whether an idle driver connection's socket has nothing to read (no closing message, no
    end of stream): checked without a round trip. ``False`` when the driver hides it."""
    fileno = getattr(dbapi_conn, "fileno", None)
    if fileno is None:
        return False
    try:
        readable, _, _ = select.select([fileno()], [], [], 0)
    except (OSError, ValueError, TypeError):
        return False
    return not readable


def migrations_path() -> str:
    return str(resources.files("jdoffice.adapters") / "migrations")


def alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", migrations_path())
    cfg.attributes["engine"] = engine
    return cfg


class SchemaTooNew(JdofficeError):
    """The database was migrated by a newer jdoffice: this one does not know its schema.

    Not :class:`Unavailable`: the database answers, and a desk must not fall back to its
    local copy and queue payments that this program could never write there (exit 1).
    """


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` with Alembic.

    Raises:
        SchemaTooNew: a newer jdoffice migrated the database; nothing is changed.
    """
    from alembic import command

    check_not_newer(engine)
    command.upgrade(alembic_config(engine), revision)


def stored_revisions(engine: Engine) -> list[str]:
    """The revisions in ``alembic_version`` (none before the first migration)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return []
        return [
            str(r) for r in conn.execute(text("SELECT version_num FROM alembic_version")).scalars()
        ]


def known_revisions(engine: Engine) -> frozenset[str]:
    """Every revision among this program's migrations."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(engine))
    return frozenset(s.revision for s in script.walk_revisions())


def check_not_newer(engine: Engine) -> None:
    """Refuse a database whose schema revision this program does not know: a newer jdoffice
    migrated it, and neither using nor "upgrading" it with this one can be right.

    Raises:
        SchemaTooNew: naming the database's revision and this program's newest.
    """
    stored = stored_revisions(engine)
    if not stored or all(r == HEAD_REVISION for r in stored):
        return
    unknown = sorted(set(stored) - known_revisions(engine))
    if unknown:
        from jdoffice import __version__

        raise SchemaTooNew(
            f"the database schema ({', '.join(unknown)}) is newer than this jdoffice "
            f"{__version__} knows (up to {HEAD_REVISION}): install a newer jdoffice"
        )


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def schema_is_current(engine: Engine) -> bool:
    """Whether the database's schema is :data:`HEAD_REVISION`, read without Alembic."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return False
        stored = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return stored == [HEAD_REVISION]


def head_revision(engine: Engine) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
