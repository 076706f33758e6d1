"""The shared store (issue 5): desks reach one PostgreSQL or MariaDB database by URL, the
password comes from the keyring (or the environment), TLS options reach the driver, and a
lost connection costs the next operation a reconnect, never a restart.

A password never shows in an error message, the status bar or a log line.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import keyring
import keyring.backend
import keyring.backends.fail
import pytest
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL

from jdoffice.adapters import db
from jdoffice.adapters.config import load_config, load_database_config
from jdoffice.adapters.secrets import (
    ENV_DATABASE_PASSWORD,
    SERVICE,
    database_user,
    set_database_password,
)
from jdoffice.adapters.uow import SqlAlchemyUnitOfWork
from jdoffice.bootstrap import App
from jdoffice.cli import EXIT_UNAVAILABLE, main
from jdoffice.domain.errors import InvalidInput, Unavailable
from jdoffice.domain.model import Actor
from jdoffice.services.payments import register_payment
from jdoffice.services.queries import search_students, student_view
from tests.conftest import SchoolKit, server_url
from tests.integration.test_settings_and_secrets import BrokenKeyring, MemoryKeyring

if TYPE_CHECKING:
    # For annotations only: pytest would try to collect a ``Test*`` class.
    from tests.conftest import TestDatabase

SERVERS = ("postgresql", "mariadb")
PASSWORD = "Hemmelig-Kode-4711"
#: Nothing listens here: connecting is refused at once.
CLOSED = {
    "postgresql": "postgresql://kasse@127.0.0.1:1/jdoffice",
    "mariadb": "mysql://kasse@127.0.0.1:1/jdoffice",
}
ACTOR = Actor(staff="mette", desk="desk-2")


class Captured(Exception):
    """Raised instead of connecting, carrying what the driver would have been given."""

    def __init__(self, params: dict[str, Any]) -> None:
        super().__init__("captured")
        self.params = params


def driver_params(engine: Engine) -> dict[str, Any]:
    """The keyword arguments the engine hands the DBAPI driver's ``connect()``."""

    def capture(_dialect: Any, _record: Any, _cargs: Any, cparams: dict[str, Any]) -> None:
        raise Captured(dict(cparams))

    event.listen(engine, "do_connect", capture)
    try:
        with pytest.raises(Captured) as caught:
            engine.connect()
    finally:
        event.remove(engine, "do_connect", capture)
    return caught.value.params


def app_with_config(tmp_path: Path, url: str, toml: str = "") -> App:
    path = tmp_path / "config.toml"
    path.write_text(toml, encoding="utf-8")
    return App(db.normalize_url(url), _config=load_config(path, env={}))


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    no_backend: Callable[[], keyring.backend.KeyringBackend] = keyring.backends.fail.Keyring
    keyring.set_keyring(no_backend())
    try:
        yield
    finally:
        keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def _no_password_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_DATABASE_PASSWORD, raising=False)
    monkeypatch.delenv(db.ENV_DATABASE_URL, raising=False)


# --- the URL and the configuration -------------------------------------------------------------


def test_the_config_file_names_the_shared_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[database]\nurl = "postgresql://kasse@db.koreskole.example/jdoffice"\n', encoding="utf-8"
    )
    monkeypatch.setenv("JDOFFICE_CONFIG", str(path))

    from_file = db.resolve_url(None)
    monkeypatch.setenv(db.ENV_DATABASE_URL, "mysql://kasse@10.0.0.5/jdoffice")
    from_env = db.resolve_url(None)
    from_option = db.resolve_url("sqlite:///tmp/desk.sqlite3")

    assert from_file.render_as_string() == (
        "postgresql+psycopg://kasse@db.koreskole.example/jdoffice"
    )
    assert from_env.get_backend_name() == "mysql"
    assert from_option.get_backend_name() == "sqlite"


@pytest.mark.parametrize(
    ("toml", "fragment"),
    [
        ('[database]\nconnect_args = {password = "x"}\n', "does not belong in the config file"),
        ("[database]\nconnect_args = {ssl = {key_password = 1, password = 2}}\n", "password"),
        ('[database]\nconnect_args = "sslmode=require"\n', "must be a table"),
        ("[database]\npool_recycle_seconds = 5\n", "pool_recycle_seconds"),
        ("[database]\nurl = 42\n", "must be a database URL"),
    ],
)
def test_database_settings_that_cannot_work_are_refused_with_a_clear_message(
    tmp_path: Path, toml: str, fragment: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(toml, encoding="utf-8")

    with pytest.raises(InvalidInput, match=fragment):
        load_database_config(path)


def test_tls_options_from_the_config_file_reach_postgresql(tmp_path: Path) -> None:
    app = app_with_config(
        tmp_path,
        "postgresql://kasse@db.koreskole.example/jdoffice",
        '[database]\nconnect_args = {sslmode = "verify-full", sslrootcert = "/etc/jd/ca.pem",'
        ' sslcert = "/etc/jd/desk.crt", sslkey = "/etc/jd/desk.key"}\n',
    )

    params = driver_params(app.engine)

    assert params["sslmode"] == "verify-full"
    assert params["sslrootcert"] == "/etc/jd/ca.pem"
    assert params["sslcert"] == "/etc/jd/desk.crt"
    assert params["sslkey"] == "/etc/jd/desk.key"
    # What jdoffice itself needs is still there.
    assert params["options"] == "-c timezone=UTC"
    assert params["keepalives"] == 1


def test_tls_options_in_the_url_reach_postgresql(tmp_path: Path) -> None:
    app = app_with_config(
        tmp_path, "postgresql://kasse@db/jdoffice?sslmode=verify-ca&sslrootcert=/etc/jd/ca.pem"
    )

    params = driver_params(app.engine)

    assert (params["sslmode"], params["sslrootcert"]) == ("verify-ca", "/etc/jd/ca.pem")


def test_tls_options_reach_mariadb_from_the_config_file_and_the_url(tmp_path: Path) -> None:
    from_file = app_with_config(
        tmp_path,
        "mysql://kasse@db/jdoffice",
        '[database]\nconnect_args = {ssl = {ca = "/etc/jd/ca.pem", cert = "/etc/jd/desk.crt",'
        ' key = "/etc/jd/desk.key"}}\n',
    )
    from_url = app_with_config(
        tmp_path,
        "mysql://kasse@db/jdoffice?ssl_ca=/etc/jd/ca.pem&ssl_verify_cert=true"
        "&ssl_verify_identity=false",
    )

    file_params = driver_params(from_file.engine)
    url_params = driver_params(from_url.engine)

    assert file_params["ssl"] == {
        "ca": "/etc/jd/ca.pem",
        "cert": "/etc/jd/desk.crt",
        "key": "/etc/jd/desk.key",
    }
    assert url_params["ssl"] == {"ca": "/etc/jd/ca.pem"}
    # Text from a URL would be true even when it says "false": the driver gets booleans.
    assert url_params["ssl_verify_cert"] is True
    assert url_params["ssl_verify_identity"] is False
    assert file_params["init_command"] == "SET time_zone = '+00:00'"


def test_a_flag_in_the_url_that_is_not_true_or_false_is_refused() -> None:
    with pytest.raises(InvalidInput, match="ssl_verify_cert must be true or false"):
        db.make_engine("mysql://kasse@db/jdoffice?ssl_verify_cert=maybe")


def test_connections_are_recycled_after_the_configured_time(tmp_path: Path) -> None:
    default = app_with_config(tmp_path, "postgresql://kasse@db/jdoffice")
    tuned = app_with_config(
        tmp_path, "mysql://kasse@db/jdoffice", "[database]\npool_recycle_seconds = 600\n"
    )

    for app, recycle in ((default, db.POOL_RECYCLE_SECONDS), (tuned, 600)):
        pool: Any = app.engine.pool
        assert pool._recycle == recycle


def _backend_id(conn: Any, backend: str) -> int:
    sql = "SELECT pg_backend_pid()" if backend == "postgresql" else "SELECT CONNECTION_ID()"
    return int(conn.exec_driver_sql(sql).scalar())


def _kill(admin: URL, backend: str, backend_id: int) -> None:
    killer = create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with killer.connect() as conn:
            if backend == "postgresql":
                conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend_id})
            else:
                conn.exec_driver_sql(f"KILL {backend_id}")
    finally:
        killer.dispose()


@pytest.mark.parametrize("backend", SERVERS)
def test_an_idle_connection_the_server_dropped_is_replaced_before_the_next_read(
    backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = server_url(backend)
    if admin is None:
        pytest.skip(f"no {backend} server configured")
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.05)
    engine = db.make_engine(admin)
    try:
        with engine.connect() as conn:
            dropped = _backend_id(conn, backend)
        _kill(admin, backend, dropped)
        time.sleep(0.2)  # idle longer than the check's threshold

        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT 1").scalar() == 1
            assert _backend_id(conn, backend) != dropped
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", SERVERS)
def test_a_connection_used_a_moment_ago_is_checked_only_where_its_socket_cannot_be_seen(
    backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = server_url(backend)
    if admin is None:
        pytest.skip(f"no {backend} server configured")
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.5)
    engine = db.make_engine(admin)
    pings: list[object] = []
    real_ping = engine.dialect.do_ping

    def counted(dbapi_conn: Any) -> bool:
        pings.append(dbapi_conn)
        return real_ping(dbapi_conn)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    try:
        for _ in range(5):  # back to back, as a desk paying or a receiver answering
            with engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
        # psycopg shows its socket, so a quiet one is taken as it is; PyMySQL does not, so
        # its connections are checked every time, as before.
        assert len(pings) == (0 if backend == "postgresql" else 5)
        time.sleep(0.6)
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        assert len(pings) == (1 if backend == "postgresql" else 6)
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", SERVERS)
def test_tls_required_of_a_server_without_tls_is_refused_not_silently_skipped(
    tmp_path: Path, backend: str
) -> None:
    admin = server_url(backend)
    if admin is None:
        pytest.skip(f"no {backend} server configured")
    toml = (
        '[database]\nconnect_args = {sslmode = "require"}\n'
        if backend == "postgresql"
        else "[database]\nconnect_args = {ssl = {check_hostname = false}}\n"
    )
    app = App(admin, _config=load_config(_write(tmp_path, toml), env={}))

    with pytest.raises(Unavailable) as caught:
        app.uow()
    app.dispose()

    assert str(caught.value).startswith("database unavailable:")
    assert "ssl" in str(caught.value).lower()


def _write(tmp_path: Path, toml: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(toml, encoding="utf-8")
    return path


# --- the password ---------------------------------------------------------------------------


def test_the_password_comes_from_the_keyring_when_the_url_has_none(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    set_database_password("kasse", "db.koreskole.example", 5432, PASSWORD)
    app = app_with_config(tmp_path, "postgresql://kasse@db.koreskole.example/jdoffice")

    params = driver_params(app.engine)

    assert memory_keyring.passwords[(SERVICE, "database:kasse@db.koreskole.example:5432")]
    assert params["password"] == PASSWORD
    # What the desk shows and logs as its database never holds it.
    assert app.url.password is None
    assert PASSWORD not in repr(app.engine.url)
    assert PASSWORD not in str(app.engine.url)
    assert PASSWORD not in repr(app)


def test_the_environment_overrides_the_keyring_and_the_url_overrides_both(
    tmp_path: Path, memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_database_password("kasse", "db", 3306, "from-keyring")
    monkeypatch.setenv(ENV_DATABASE_PASSWORD, "from-environment")

    env_params = driver_params(app_with_config(tmp_path, "mysql://kasse@db/jdoffice").engine)
    url_params = driver_params(
        app_with_config(tmp_path, "mysql://kasse:from-url@db/jdoffice").engine
    )

    assert env_params["password"] == "from-environment"
    assert url_params["password"] == "from-url"


def test_a_password_is_looked_up_per_user_host_and_port(memory_keyring: MemoryKeyring) -> None:
    set_database_password("kasse", "db", 5433, "replica-password")

    on_default_port = db.with_password(db.normalize_url("postgresql://kasse@db/jdoffice"))
    on_5433 = db.with_password(db.normalize_url("postgresql://kasse@db:5433/jdoffice"))

    assert database_user("kasse", "db", 5433) == "database:kasse@db:5433"
    assert on_default_port.password is None
    assert on_5433.password == "replica-password"


def test_without_a_keyring_the_desk_connects_without_a_password(
    tmp_path: Path, no_keyring: None
) -> None:
    app = app_with_config(tmp_path, "postgresql://kasse@db/jdoffice")

    assert "password" not in driver_params(app.engine)


def test_a_broken_keyring_is_logged_without_a_secret_and_the_desk_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(BrokenKeyring())
    try:
        with caplog.at_level(logging.WARNING):
            app = app_with_config(tmp_path, "postgresql://kasse@db/jdoffice")
            params = driver_params(app.engine)
    finally:
        keyring.set_keyring(previous)

    assert "password" not in params
    assert "the keyring could not be read" in caplog.text


@pytest.mark.parametrize("backend", SERVERS)
def test_an_unreachable_server_is_reported_as_unavailable_without_the_password(
    tmp_path: Path,
    backend: str,
    memory_keyring: MemoryKeyring,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = CLOSED[backend]
    set_database_password("kasse", "127.0.0.1", 1, PASSWORD)
    app = app_with_config(tmp_path, url)

    with caplog.at_level(logging.DEBUG):
        with pytest.raises(Unavailable) as caught:
            app.school(None)
        with pytest.raises(SystemExit) as exited:
            main(["--db", url.replace("kasse@", f"kasse:{PASSWORD}@"), "db", "status"])
    app.dispose()

    err = capsys.readouterr().err
    assert str(caught.value).startswith("database unavailable:")
    assert exited.value.code == EXIT_UNAVAILABLE
    assert err.startswith("jdoffice: database unavailable:")
    assert len(err.splitlines()) == 1
    for text_ in (str(caught.value), repr(caught.value), err, caplog.text):
        assert PASSWORD not in text_


@pytest.fixture
def mariadb_login(database: TestDatabase) -> Iterator[URL]:
    """A MariaDB user that must give a password (the test server trusts root)."""
    admin = create_engine(database.url, isolation_level="AUTOCOMMIT")
    name = "jd_pw_probe"
    with admin.connect() as conn:
        conn.execute(text(f"DROP USER IF EXISTS '{name}'@'%'"))
        conn.execute(text(f"CREATE USER '{name}'@'%' IDENTIFIED BY 'the-right-one'"))
        conn.execute(text(f"GRANT SELECT ON `{database.url.database}`.* TO '{name}'@'%'"))
    try:
        yield database.url.set(username=name, password=None)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP USER IF EXISTS '{name}'@'%'"))
        admin.dispose()


@pytest.mark.parametrize("database", ["mariadb"], indirect=True)
def test_a_wrong_password_is_refused_without_being_shown(
    tmp_path: Path,
    mariadb_login: URL,
    memory_keyring: MemoryKeyring,
    caplog: pytest.LogCaptureFixture,
) -> None:
    host, port = mariadb_login.host or "127.0.0.1", mariadb_login.port or 3306
    set_database_password(mariadb_login.username or "", host, port, PASSWORD)
    app = App(mariadb_login, _config=load_config(_write(tmp_path, ""), env={}))
    right = App(mariadb_login, _config=load_config(_write(tmp_path, ""), env={}))

    with caplog.at_level(logging.DEBUG), pytest.raises(Unavailable) as caught:
        app.uow()
    app.dispose()
    set_database_password(mariadb_login.username or "", host, port, "the-right-one")
    with right.engine.connect() as conn:
        who = conn.execute(text("SELECT CURRENT_USER()")).scalar_one()
    right.dispose()

    assert "access denied" in str(caught.value).lower()
    assert PASSWORD not in str(caught.value)
    assert PASSWORD not in caplog.text
    assert str(who).startswith("jd_pw_probe@")


# --- a lost connection ------------------------------------------------------------------------


def drop_connections(database: TestDatabase) -> int:
    """End every server session on the test database but the one asking; returns how many."""
    admin = create_engine(database.url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            name = database.url.database
            if database.backend == "postgresql":
                ended = conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE datname = :db AND pid <> pg_backend_pid()"
                    ),
                    {"db": name},
                ).all()
                return len(ended)
            ids = conn.execute(
                text(
                    "SELECT ID FROM information_schema.PROCESSLIST"
                    " WHERE DB = :db AND ID <> CONNECTION_ID()"
                ),
                {"db": name},
            ).scalars()
            count = 0
            for session_id in list(ids):
                conn.execute(text(f"KILL {int(session_id)}"))
                count += 1
            return count
    finally:
        admin.dispose()


def _pay_after_the_server_ended_the_desks_connections(
    database: TestDatabase,
    kit: SchoolKit,
    *,
    settle: float = 0.0,
    before_the_drop: Callable[[], None] = lambda: None,
) -> None:
    """A desk that has searched (its pool holds a connection) pays after the server ended
    every session of the database: the payment lands once, with receipt 1.
    ``before_the_drop`` runs once the student, the invoice and the search are done."""
    st = kit.student("Mads", "Kjærgård")
    inv = kit.invoice(st, 85025)
    desk = App(database.url)
    school = desk.school(kit.school.slug)
    uow = desk.uow()
    assert [h.student_id for h in search_students(uow, school, "kjærgård")] == [st.id]
    before_the_drop()

    assert drop_connections(database) >= 1
    time.sleep(settle)
    paid = register_payment(
        uow, school, method="bank", amount_minor=85025, invoice_no=inv.invoice_no, actor=ACTOR
    )
    view = student_view(uow, school, st.student_no)
    desk.dispose()

    assert paid.receipt_no == 1
    assert view.balance_minor == 0
    assert [p.payment.id for p in view.payments] == [paid.payment_id]


@pytest.mark.parametrize("database", SERVERS, indirect=True)
def test_a_desk_carries_on_after_the_server_dropped_its_connections(
    database: TestDatabase, kit: SchoolKit
) -> None:
    _pay_after_the_server_ended_the_desks_connections(database, kit)


@pytest.mark.parametrize("database", SERVERS, indirect=True)
def test_a_payment_on_a_connection_ended_too_recently_to_be_seen_runs_again_on_a_new_one(
    database: TestDatabase, kit: SchoolKit, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server ends a connection a moment before a desk uses it, too soon for the check at
    checkout to see it closed: the payment fails on that connection before anything is saved,
    and runs again on a new one, once."""

    def quiet_checkout() -> None:
        # What the checkout sees in that moment: a connection used just now, nothing to
        # read. (Only from here: the test's own set-up must still find its connections.)
        monkeypatch.setattr(db, "_nothing_arrived", lambda _conn: True)

    # The ended sessions are gone from the server by the time the desk pays.
    _pay_after_the_server_ended_the_desks_connections(
        database, kit, settle=0.2, before_the_drop=quiet_checkout
    )


@pytest.mark.parametrize("database", SERVERS, indirect=True)
def test_a_connection_lost_inside_a_transaction_is_reported_and_the_next_one_works(
    database: TestDatabase, kit: SchoolKit
) -> None:
    st = kit.student()
    inv = kit.invoice(st, 40000)
    desk = App(database.url)
    school = desk.school(kit.school.slug)
    uow: SqlAlchemyUnitOfWork = desk.uow()

    def lose_the_connection_halfway() -> None:
        with uow.write():
            uow.students.lock(st.id)
            drop_connections(database)
            uow.invoices.lock([inv.id])

    with pytest.raises(Unavailable) as caught:
        lose_the_connection_halfway()
    retried = register_payment(
        uow, school, method="cash", amount_minor=40000, invoice_no=inv.invoice_no, actor=ACTOR
    )
    desk.dispose()

    assert str(caught.value).startswith("database unavailable:")
    assert retried.receipt_no == 1
    assert retried.balance_minor == 0
