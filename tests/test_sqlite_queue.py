"""SQLite writers queue for their turn instead of being left to the busy handler's growing sleeps.

Each test turns the busy handler off (busy_timeout=0): a second writer that reached SQLite's lock while it was
taken would fail at once with "database is locked". It does not, because it waits in the queue first.
"""
import sqlite3
import threading

import pytest
import sqlalchemy as sa

from register.core.sqlite_queue import QueuedWriterConnection, is_write, lock_path
from register.extensions import db


def _connect(path) -> QueuedWriterConnection:
    conn = sqlite3.connect(path, factory=QueuedWriterConnection, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA busy_timeout=0")
    return conn


@pytest.fixture
def database(tmp_path):
    path = str(tmp_path / "queue.sqlite3")
    conn = _connect(path)
    conn.execute("CREATE TABLE counter (n INTEGER NOT NULL)")
    conn.execute("INSERT INTO counter VALUES (0)")
    conn.commit()
    conn.close()
    return path


def _in_background(work) -> tuple[threading.Thread, list]:
    outcome: list = []

    def run():
        try:
            outcome.append(work())
        except Exception as exc:  # reported to the test, which asserts on it
            outcome.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_a_second_writer_waits_for_the_first_to_commit_instead_of_failing(database):
    first, second = _connect(database), _connect(database)
    first.execute("UPDATE counter SET n = n + 1")
    assert first.holds_write_turn()

    def write():
        second.execute("UPDATE counter SET n = n + 10")
        second.commit()
        return second.execute("SELECT n FROM counter").fetchone()[0]

    thread, outcome = _in_background(write)
    thread.join(timeout=0.3)
    assert thread.is_alive() and not outcome  # waiting in the queue, not refused by SQLite
    first.commit()
    assert not first.holds_write_turn()
    thread.join(timeout=10)
    assert outcome == [11]  # both updates counted; without the queue: sqlite3.OperationalError, locked


def test_the_turn_ends_with_a_rollback_and_with_closing(database):
    first, second, third = _connect(database), _connect(database), _connect(database)
    first.execute("UPDATE counter SET n = 5")
    thread, outcome = _in_background(lambda: (second.execute("UPDATE counter SET n = n + 1"), second.commit()))
    thread.join(timeout=0.3)
    assert thread.is_alive()  # waiting for its turn
    first.rollback()
    thread.join(timeout=10)
    assert outcome and not isinstance(outcome[0], Exception)

    second.execute("UPDATE counter SET n = n + 1")
    thread, outcome = _in_background(lambda: (third.execute("UPDATE counter SET n = n + 1"), third.commit()))
    thread.join(timeout=0.3)
    assert thread.is_alive()
    second.close()  # an open transaction closed with its connection is rolled back
    thread.join(timeout=10)
    assert outcome and not isinstance(outcome[0], Exception)
    assert third.execute("SELECT n FROM counter").fetchone()[0] == 2  # 0 +1 (second's first) +1 (third)


def test_reads_do_not_wait_for_a_writer(database):
    writer, reader = _connect(database), _connect(database)
    writer.execute("UPDATE counter SET n = 7")
    thread, outcome = _in_background(lambda: reader.execute("SELECT n FROM counter").fetchone()[0])
    thread.join(timeout=10)
    assert outcome == [0]  # the committed value, read while the writer holds its turn
    assert not reader.holds_write_turn()
    writer.commit()


def test_a_failed_write_keeps_the_turn_until_its_transaction_ends(database):
    conn = _connect(database)
    conn.execute("UPDATE counter SET n = 1")
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("UPDATE counter SET n = NULL")
    assert conn.holds_write_turn()  # the first update is still uncommitted
    conn.rollback()
    assert not conn.holds_write_turn()


def test_a_statement_outside_a_transaction_ends_its_turn_at_once(database):
    conn = _connect(database)
    conn.execute("CREATE TABLE other (x INTEGER)")  # DDL: Python's driver runs it in autocommit
    assert not conn.in_transaction and not conn.holds_write_turn()


@pytest.mark.parametrize("sql, writes", [
    ("SELECT 1", False), ("  select n from counter", False), ("PRAGMA foreign_keys=ON", False),
    ("SAVEPOINT sa_savepoint_1", False), ("RELEASE SAVEPOINT sa_savepoint_1", False),
    ("INSERT INTO counter VALUES (1)", True), ("update counter set n = 2", True), ("DELETE FROM counter", True),
    ("CREATE INDEX ix ON counter (n)", True),
    ("WITH RECURSIVE up(id) AS (SELECT 1) SELECT id FROM up", False),
    ("WITH x AS (SELECT 1) UPDATE counter SET n = 3", True),
])
def test_which_statements_take_a_turn(sql, writes):
    assert is_write(sql) is writes


def test_in_memory_databases_have_no_queue():
    assert lock_path(":memory:") is None and lock_path("file:x?mode=memory") is None
    assert lock_path("/srv/register/register.sqlite3") == "/srv/register/register.sqlite3-writer"


def test_the_apps_sqlite_connections_queue_their_writes(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("the queue is for SQLite; PostgreSQL lets writers wait in the server")
        raw = db.engine.raw_connection()
        try:
            assert isinstance(raw.dbapi_connection, QueuedWriterConnection)
            cursor = raw.cursor()
            cursor.execute("SELECT 1")
            assert not raw.dbapi_connection.holds_write_turn()
        finally:
            raw.close()
        with db.engine.begin() as conn:
            conn.execute(sa.text("CREATE TEMP TABLE queue_probe (x INTEGER)"))
            conn.execute(sa.text("INSERT INTO queue_probe VALUES (1)"))
            dbapi_connection = conn.connection.dbapi_connection
            assert dbapi_connection.holds_write_turn()
        assert not dbapi_connection.holds_write_turn()  # committed, and the turn passed on


def test_a_thread_writing_on_a_second_connection_is_refused_rather_than_waiting_for_itself(database):
    """Its first connection holds the turn; waiting for it would never end. SQLite's busy handler (off here)
    answers instead, as before the queue."""
    first, second = _connect(database), _connect(database)
    first.execute("UPDATE counter SET n = 1")
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        second.execute("UPDATE counter SET n = 2")
    assert not second.holds_write_turn()
    first.commit()
    second.rollback()
    second.execute("UPDATE counter SET n = 3")  # the turn is free again: taken as usual
    assert second.holds_write_turn()
    second.commit()


def test_a_turn_ended_on_another_thread_is_given_back(database):
    conn = _connect(database)
    conn.execute("UPDATE counter SET n = 1")
    thread, outcome = _in_background(conn.commit)  # a pool may close or reset a connection elsewhere
    thread.join(timeout=10)
    assert outcome == [None] and not conn.holds_write_turn()
    other = _connect(database)
    other.execute("UPDATE counter SET n = 2")  # this thread holds no turn any more: it takes one
    assert other.holds_write_turn()
    other.commit()
