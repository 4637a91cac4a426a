"""Requests that only read run without a database transaction.

On PostgreSQL a transaction costs two round trips of its own (BEGIN, and the pool's ROLLBACK when the
connection goes back), and psycopg forgets its prepared statements at every ROLLBACK, so every statement of
every page was planned anew. Reading in autocommit mode shows the same data: under READ COMMITTED (the
default) each statement of a transaction sees the data as of its own start anyway.

A GET, HEAD or OPTIONS request therefore reads in autocommit mode, unless its view is marked
`writes_on_get`. Such a request must not write: a flush in it raises, on both databases, so a view that
writes without the mark fails in the tests instead of committing statement by statement, outside the change
log's chain lock. SQLite reads outside a transaction already (Python's driver begins one only for a write),
so there only the check applies.
"""
from flask import Flask, request
from sqlalchemy import event
from sqlalchemy.orm import Session

from register.extensions import db

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
READ_ONLY = "read_only_request"  # key in Session.info


class WriteInReadOnlyRequest(RuntimeError):
    """A view answering GET changed data without being marked `writes_on_get`."""


def writes_on_get(view):
    """Mark a view that changes data when answering GET (a sign-in callback, a token's last use)."""
    view.writes_on_get = True
    return view


def register(app: Flask) -> None:
    """Must run before anything else touches the database in a request (the user is loaded lazily)."""
    with app.app_context():
        autocommit = db.engine.dialect.name == "postgresql"

    @app.before_request
    def read_without_transaction():
        if request.method not in SAFE_METHODS or request.endpoint in (None, "static"):
            return
        if getattr(app.view_functions.get(request.endpoint), "writes_on_get", False):
            return
        db.session.info[READ_ONLY] = True
        if autocommit:
            db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})

    @app.teardown_request
    def end_read_only(_exc):
        # The session usually ends with the application context; a test may hold that context open
        # around several requests and write in between.
        if db.session.info.pop(READ_ONLY, False) and autocommit:
            db.session.rollback()  # gives the connection back; in autocommit mode no round trip


@event.listens_for(Session, "before_flush")
def _refuse_writes_in_read_only_request(session, _flush_context, _instances):
    if session.info.get(READ_ONLY):
        raise WriteInReadOnlyRequest(
            f"{request.method} {request.endpoint} changed data; mark its view writes_on_get or use POST")
