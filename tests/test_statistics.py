"""SQLite's planner statistics are taken again as the register grows (core/statistics.py)."""
import pytest
import sqlalchemy as sa

from register.core import statistics
from register.core.db import update_statistics
from register.extensions import db
from register.organisation.models import Unit, UnitKind


def _add_units(app, n, start=0):
    with app.app_context():
        for i in range(start, start + n):
            db.session.add(Unit(name=f"Enhed {i}", kind=UnitKind.TEAM))  # one change-log entry each
            db.session.commit()


def _rows_in_statistics(app) -> int:
    with app.app_context():
        stat = db.session.execute(sa.text("SELECT stat FROM sqlite_stat1 WHERE tbl = 'change_log'")).scalar()
        return int(stat.split()[0])


@pytest.fixture
def sqlite_only(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("PostgreSQL's autovacuum takes its statistics again by itself")


def test_statistics_are_taken_again_once_the_log_has_doubled(app, sqlite_only, monkeypatch):
    monkeypatch.setattr(statistics, "MINIMUM", 10)
    _add_units(app, 12)
    with app.app_context():
        update_statistics(db.session)  # as after the catalogues are loaded
    assert _rows_in_statistics(app) == 12
    _add_units(app, 11, start=12)  # 23 entries: not yet twice 12
    with app.app_context():
        assert not statistics.statistics_are_stale(db.session)
        assert statistics.refresh_if_stale(db.session) is False
    assert _rows_in_statistics(app) == 12
    _add_units(app, 1, start=23)  # 24: twice as many
    with app.app_context():
        assert statistics.statistics_are_stale(db.session)
        assert statistics.refresh_if_stale(db.session) is True
        assert not statistics.statistics_are_stale(db.session)
    assert _rows_in_statistics(app) == 24


def test_a_small_register_without_statistics_is_left_alone_until_it_grows(app, sqlite_only, monkeypatch):
    monkeypatch.setattr(statistics, "MINIMUM", 10)
    _add_units(app, 9)
    with app.app_context():
        assert not statistics.statistics_are_stale(db.session)
    _add_units(app, 1, start=9)
    with app.app_context():
        assert statistics.statistics_are_stale(db.session)


def test_a_worker_checks_after_every_so_many_responses(app, client, sqlite_only, monkeypatch):
    monkeypatch.setattr(statistics, "MINIMUM", 10)
    _add_units(app, 10)
    statistics.refresh_statistics_now_and_then(app, every=3)
    with app.app_context():
        assert statistics.statistics_are_stale(db.session)
    client.get("/healthz").close()
    client.get("/healthz").close()
    with app.app_context():
        assert statistics.statistics_are_stale(db.session)  # not checked yet
    client.get("/healthz").close()  # the third response, once sent
    assert _rows_in_statistics(app) == 10


def test_postgresql_is_never_refreshed_by_the_register(app, monkeypatch):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("PostgreSQL only")
    monkeypatch.setattr(statistics, "MINIMUM", 1)
    _add_units(app, 3)
    with app.app_context():
        assert not statistics.statistics_are_stale(db.session)
    statistics.refresh_statistics_now_and_then(app, every=1)
    assert "count_for_statistics" not in [f.__name__ for f in app.after_request_funcs.get(None, [])]


def test_on_postgresql_a_bulk_load_is_also_vacuumed_at_once(app):
    """Else autovacuum does it a minute later, among the first requests (and the benchmark's first pages)."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("PostgreSQL only")
    _add_units(app, 3)
    with app.app_context():
        update_statistics(db.session)
        db.session.remove()
        with db.engine.connect() as conn:
            vacuumed, analysed = conn.execute(sa.text(
                "SELECT last_vacuum IS NOT NULL, last_analyze IS NOT NULL FROM pg_stat_user_tables "
                "WHERE relname = 'change_log'")).one()
    assert (vacuumed, analysed) == (True, True)
