"""SQLite's planner statistics kept in step with the register as it grows.

SQLite plans from the statistics that ANALYZE takes. They are taken when the catalogues and the demo data are
loaded (core.db.update_statistics), while the register is small, and never again by themselves. A
municipality's register then grows tenfold and more over the years, and plans made for a small register get
slower: with the statistics of a new instance, the requirement search on the benchmark's large register took
6.1 ms instead of 4.3-4.6 ms. (PostgreSQL's autovacuum takes its statistics again by itself.)

So each worker checks now and then, after a response has been sent, whether the change log, which every
change to the register extends, has grown to GROWTH times its size when the statistics were taken, and takes
them again if it has: at most once per doubling of the register.
"""
import itertools

import sqlalchemy as sa
from flask import Flask

from register.core.db import update_statistics
from register.core.history import ChangeLog
from register.extensions import db

CHECK_EVERY = 1000  # requests per worker between checks (two small reads)
GROWTH = 2
MINIMUM = 1000  # change-log entries: below this, every plan is fast


def statistics_are_stale(session) -> bool:
    """Whether the change log has grown GROWTH times since SQLite's statistics were taken (or has MINIMUM
    entries and none were taken). Never on PostgreSQL."""
    if session.get_bind().dialect.name != "sqlite":
        return False
    rows_then = 0
    if session.execute(sa.text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")).first():
        # each index's statistics start with the table's row count when they were taken
        stat = session.execute(sa.text("SELECT stat FROM sqlite_stat1 WHERE tbl = 'change_log' LIMIT 1")).scalar()
        rows_then = int(stat.split()[0]) if stat else 0
    rows_now = session.execute(sa.select(sa.func.max(ChangeLog.id))).scalar() or 0  # ids count the entries
    return rows_now >= MINIMUM and rows_now >= GROWTH * max(rows_then, 1)


def refresh_if_stale(session) -> bool:
    """Take the statistics again if they are stale; whether they were."""
    if not statistics_are_stale(session):
        return False
    update_statistics(session)
    return True


def refresh_statistics_now_and_then(app: Flask, every: int = CHECK_EVERY) -> None:
    """Check every `every`-th request of this worker, once its response is sent; for the production entry
    point on SQLite."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    counter = itertools.count(1)  # next() on a count is atomic under the GIL

    @app.after_request
    def count_for_statistics(response):
        if next(counter) % every == 0:
            response.call_on_close(lambda: _check(app))
        return response


def _check(app: Flask) -> None:
    with app.app_context():
        try:
            refresh_if_stale(db.session)
        finally:
            db.session.remove()
