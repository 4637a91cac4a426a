"""Declarative base, column types and engine settings shared by every model."""
import datetime as dt
import enum
import time

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase

# One naming convention so that Alembic migrations name constraints predictably on both databases.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> dt.datetime:
    """The current time, timezone-aware in UTC (a callable default, evaluated per row)."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """A timestamp stored in UTC and always returned timezone-aware, on SQLite as on PostgreSQL."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def enum_column(enum_cls: type[enum.Enum], **kwargs) -> sa.Enum:
    """Store an enum by its value as a checked string (portable, readable in SQL)."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=max(len(m.value) for m in enum_cls) + 8,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
        **kwargs,
    )


def configure_engine_events(app) -> None:
    """SQLite: enforce foreign keys, use WAL and wait for locks instead of failing at once.
    A database server: check a pooled connection that sat idle before handing it out."""
    db = app.extensions["sqlalchemy"]  # bound by the factory; register.extensions itself builds on this module
    with app.app_context():
        engine = db.engine
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        _ping_after_idle(engine, app.config["DATABASE_PING_AFTER_IDLE_SECONDS"])
        return
    # Decided here, not read from app in the listener: Flask-SQLAlchemy keys engines by app in a
    # WeakKeyDictionary, and a listener holding the app would keep every app (and its engine) alive.
    use_wal = ":memory:" not in app.config["SQLALCHEMY_DATABASE_URI"]

    @sa.event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        if use_wal:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


def _ping_after_idle(engine: sa.Engine, idle_seconds: float) -> None:
    """Check that a pooled connection is alive before handing it out, if it has sat unused for a while.

    SQLAlchemy's pool_pre_ping checks every time: a round trip to the database per request (one of five on
    PostgreSQL, 10-15 % of what an export costs). A connection that was in use a moment ago is alive unless
    the server went away in that moment, and then the request fails as any in flight would; one that sat
    idle (overnight, across a restart of the database) is checked and, if dead, replaced before use.
    """
    @sa.event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection, record):
        record.info["checked_in_at"] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, _proxy):
        checked_in_at = record.info.get("checked_in_at")  # none yet: a new connection, alive
        if checked_in_at is None or time.monotonic() - checked_in_at < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as err:
            if engine.dialect.is_disconnect(err, dbapi_connection, None):
                # the pool replaces the connection and forgets the others from before this moment
                raise sa.exc.InvalidatePoolError(str(err)) from err
            raise


def update_statistics(session) -> None:
    """Let the database's query planner see the data's shape after a bulk load (catalogues, demo data).

    Without statistics SQLite guesses, and for the requirement list it guessed to sort every requirement
    rather than read a page in index order (4 ms instead of 0.1 ms at 5,000 requirements). PostgreSQL's
    autovacuum analyses on its own, but only later; this is the same thing, at once. On PostgreSQL it also
    vacuums: after a bulk load autovacuum did so about a minute later, among the first users' requests (and
    the benchmark's first pages), and until then index-only scans still read the table.
    """
    session.commit()  # ANALYZE takes its own write lock on SQLite; nothing pending must wait for it
    engine = session.get_bind()
    if engine.dialect.name == "postgresql":
        # VACUUM cannot run inside a transaction
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE)")
        return
    session.execute(sa.text("ANALYZE"))
    session.commit()
