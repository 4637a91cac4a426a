"""Database connections: SQLite waits for a taken write lock; pooled server connections are checked after sitting
idle, not on every request."""
import pytest
import sqlalchemy as sa

from conftest import PASSWORD
from register import create_app
from register.extensions import db


@pytest.fixture
def server_app(app):
    """make(idle_seconds) -> an app on the test database whose pool checks connections idle that long
    (the same database, so the `users` fixture's accounts can log in)."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite has no server to lose a connection to")
    made = []

    def make(idle_seconds: float):
        other = create_app({**{k: app.config[k] for k in (
            "TESTING", "SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "WTF_CSRF_ENABLED", "PASSWORD_HASH_METHOD")},
            "DATABASE_PING_AFTER_IDLE_SECONDS": idle_seconds})
        made.append(other)
        return other

    yield make
    for other in made:
        with other.app_context():
            db.engine.dispose()


def _pings(monkeypatch, app) -> list:
    with app.app_context():
        dialect = db.engine.dialect
    seen = []
    real = dialect.do_ping
    monkeypatch.setattr(dialect, "do_ping", lambda conn: seen.append(1) or real(conn))
    return seen


def _logged_in_client(app):
    client = app.test_client()
    client.post("/konto/login", data={"email": "board@test.example", "password": PASSWORD})
    return client


def test_a_connection_in_use_a_moment_ago_is_not_checked_again(server_app, users, monkeypatch):
    app = server_app(10)
    client = _logged_in_client(app)
    pings = _pings(monkeypatch, app)
    for _ in range(3):
        assert client.get("/tilgaengelighed").status_code == 200
    assert pings == []


def test_a_connection_that_died_while_idle_is_replaced_before_use(server_app, users, monkeypatch):
    app = server_app(0)  # every connection counts as having sat idle
    client = _logged_in_client(app)
    with app.app_context():
        pid = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar()
        db.session.remove()
        # the server ends that connection while it waits in the pool (a restart, an idle timeout)
        outside = sa.create_engine(db.engine.url, poolclass=sa.pool.NullPool)
    with outside.connect() as conn:
        assert conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    pings = _pings(monkeypatch, app)
    assert client.get("/tilgaengelighed").status_code == 200
    assert pings


def test_a_sqlite_connection_waits_for_a_taken_write_lock_in_wal_mode(app):
    """Concurrent saves on SQLite wait for each other (busy_timeout) rather than fail with 'database is locked'."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("a SQLite setting")
    with app.app_context(), db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        if ":memory:" not in app.config["SQLALCHEMY_DATABASE_URI"]:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
