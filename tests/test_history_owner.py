"""A requirement's parts file their history under it (change_log.owner_*): found by an index, checked by verify."""
import datetime as dt
import os
import uuid

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from register import create_app
from register.catalogs.models import Requirement
from register.core.history import ChangeLog, verify_chain
from register.extensions import db, init_migrate
from register.requirements.models import ImplementationStatus, RequirementAssessment

from conftest import html


def _requirement(app, ref="21.2.d") -> int:
    with app.app_context():
        return db.session.execute(sa.select(Requirement.id).where(Requirement.ref == ref)).scalar_one()


def test_assessment_entries_carry_their_requirement_and_the_page_shows_them(app, client, login, catalogs):
    rid = _requirement(app)
    with app.app_context():
        db.session.add(RequirementAssessment(requirement_id=rid, status=ImplementationStatus.PARTLY,
                                             responsible_person="Ida Hansen"))
        db.session.commit()
        entry = db.session.execute(sa.select(ChangeLog).where(
            ChangeLog.entity == "requirement_assessment")).scalar_one()
        assert (entry.owner_entity, entry.owner_id) == ("requirement", rid)
        assert db.session.execute(sa.select(ChangeLog.owner_id).where(
            ChangeLog.entity == "unit")).scalars().all() == []  # units have no owner
    login("board")
    assert "Ida Hansen" in html(client.get(f"/krav/{rid}"))
    assert "Ida Hansen" not in html(client.get(f"/krav/{_requirement(app, '21.2.e')}"))


def test_a_moved_owner_is_reported_by_verify(app, catalogs):
    rid, other = _requirement(app), _requirement(app, "21.2.e")
    with app.app_context():
        db.session.add(RequirementAssessment(requirement_id=rid, status=ImplementationStatus.PLANNED))
        db.session.commit()
        entry_id = db.session.execute(sa.select(ChangeLog.id).where(
            ChangeLog.entity == "requirement_assessment")).scalar_one()
        assert verify_chain(db.session).ok
        db.session.execute(sa.update(ChangeLog).where(ChangeLog.id == entry_id).values(owner_id=other))
        db.session.commit()
        report = verify_chain(db.session)
    assert (report.ok, report.broken_id) == (False, entry_id) and "owner" in report.reason


@pytest.fixture
def scratch_url(tmp_path):
    """An empty database of the kind the suite runs on (a new PostgreSQL database when DATABASE_URL is set)."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        yield "sqlite:///" + str(tmp_path / "scratch.sqlite3")
        return
    from register.config import database_url
    base = sa.engine.make_url(database_url(url))
    name = f"register_scratch_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_the_migration_fills_the_owner_of_existing_entries(scratch_url, tmp_path, monkeypatch):
    monkeypatch.setenv("REGISTER_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": scratch_url, "SECRET_KEY": "x"})
    init_migrate(app)
    log = sa.table("change_log", sa.column("at", sa.DateTime), sa.column("actor", sa.String),
                   sa.column("action", sa.String), sa.column("entity", sa.String), sa.column("entity_id", sa.Integer),
                   sa.column("changes", sa.JSON), sa.column("state", sa.JSON), sa.column("prev_hash", sa.String),
                   sa.column("hash", sa.String))
    with app.app_context():
        upgrade(revision="e1e1ba7672cf")  # the revision before the owner columns
        with db.engine.begin() as conn:
            conn.execute(log.insert(), [
                {"at": dt.datetime(2025, 1, 1), "actor": "x", "action": "insert", "entity": entity,
                 "entity_id": 1, "changes": {}, "state": state, "prev_hash": "0" * 64, "hash": "0" * 64}
                for entity, state in [("requirement_assessment", {"requirement_id": 7, "status": "partly"}),
                                      ("control_requirement", {"requirement_id": 9, "control_id": 2}),
                                      ("requirement_evidence", {"requirement_id": 7, "title": "Politik"}),
                                      ("unit", {"name": "IT", "parent_id": None})]])
        upgrade(revision="heads")
        with db.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT entity, owner_entity, owner_id FROM change_log ORDER BY id")).all()
        db.engine.dispose()
    assert [tuple(r) for r in rows] == [("requirement_assessment", "requirement", 7),
                                        ("control_requirement", "requirement", 9),
                                        ("requirement_evidence", "requirement", 7), ("unit", None, None)]


def test_the_migration_fills_every_requirements_area(scratch_url, tmp_path, monkeypatch):
    monkeypatch.setenv("REGISTER_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": scratch_url, "SECRET_KEY": "x"})
    init_migrate(app)
    with app.app_context():
        upgrade(revision="f3a9c1d27b60")  # the revision before requirement.area_id
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO catalog (id, code, version, title_da, sort_order, loaded_at) "
                                 "VALUES (1, 'c', '1', 'C', 0, :at)"), {"at": dt.datetime(2025, 1, 1)})
            for rid, parent in [(1, None), (2, 1), (3, 2), (4, 3), (5, None), (6, 5)]:
                conn.execute(sa.text(
                    "INSERT INTO requirement (id, catalog_id, ref, display_ref, parent_id, depth, position, kind, "
                    "title_da, attributes, search_text, retired) VALUES (:id, 1, :ref, :ref, :parent, 0, :id, "
                    "'requirement', 'x', '{}', '', :retired)"),
                    {"id": rid, "ref": f"r{rid}", "parent": parent, "retired": False})
        upgrade(revision="heads")
        with db.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT id, area_id FROM requirement ORDER BY id")).all()
        db.engine.dispose()
    assert [tuple(r) for r in rows] == [(1, None), (2, 1), (3, 1), (4, 1), (5, None), (6, 5)]


@pytest.mark.parametrize("statistics", [False, True], ids=["no statistics", "statistics of a small log"])
def test_the_requirements_history_page_reads_its_newest_entries_from_two_indexes(app, catalogs, statistics):
    """A requirement saved weekly for years has hundreds of entries; one OR over both kinds read them all and
    sorted them (11 ms of SQL at 1,000 entries). Each kind is now walked newest first in its own index.

    Also with the planner's statistics taken while the log was small, as they are right after the catalogues
    are loaded: ordered by the table's own columns, the page then walked the whole log in date order."""
    from register.core.db import update_statistics
    from register.core.history import _owned_history_statements
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("the plan is read with SQLite's EXPLAIN QUERY PLAN; PostgreSQL picks by table size")
        if statistics:
            update_statistics(db.session)
        values = {"entity": "requirement", "entity_id": _requirement(app), "upto": 25, "per_page": 25, "skip": 0}
        with db.engine.connect() as conn:
            for statement in _owned_history_statements():
                compiled = statement.compile(db.engine)
                params = compiled.construct_params(values)
                plan = " ".join(row[-1] for row in conn.exec_driver_sql(
                    "EXPLAIN QUERY PLAN " + str(compiled), tuple(params[key] for key in compiled.positiontup)))
                assert "COVERING INDEX ix_change_log_entity_entity_id_at" in plan
                assert "COVERING INDEX ix_change_log_owner_at" in plan
                assert "SCAN change_log" not in plan


def test_the_requirements_history_pages_merge_its_own_entries_and_its_parts(app, catalogs):
    """Entries of the requirement itself and of its assessment, interleaved in time, page in one order."""
    from register.core.history import owned_history_page
    rid = _requirement(app)
    with app.app_context():
        assessment = RequirementAssessment(requirement_id=rid, responsible_person="Start")
        db.session.add(assessment)
        db.session.commit()
        req = db.session.get(Requirement, rid)
        for i in range(14):  # alternately the catalogue text and the assessment
            if i % 2:
                assessment.responsible_person = f"Person {i:02d}"
            else:
                req.title_en = f"Title {i:02d}"
            db.session.commit()
        with app.test_request_context():
            first, second = owned_history_page("requirement", rid, 1, 10), owned_history_page("requirement", rid, 2, 10)
            everything = list(db.session.execute(
                sa.select(ChangeLog).where(sa.or_(
                    sa.and_(ChangeLog.entity == "requirement", ChangeLog.entity_id == rid),
                    sa.and_(ChangeLog.owner_entity == "requirement", ChangeLog.owner_id == rid)))
                .order_by(ChangeLog.at.desc(), ChangeLog.id.desc())).scalars())
        assert len(everything) > 15 and first.total == second.total == len(everything)
        assert [e.id for e in first.items + second.items] == [e.id for e in everything[:20]]
        assert {e.entity for e in first.items} == {"requirement", "requirement_assessment"}
        assert owned_history_page("requirement", rid, 99, 10).page == first.pages  # past the end: the last page


def test_the_requirements_history_is_counted_in_one_statement_and_follows_a_save(app, catalogs, count_queries):
    """The requirement's and its parts' entries counted together, in one statement."""
    from register.core.history import owned_history_page
    rid = _requirement(app)
    with app.app_context():
        assessment = RequirementAssessment(requirement_id=rid, responsible_person="Start")
        db.session.add(assessment)
        db.session.commit()
        for i in range(12):
            assessment.responsible_person = f"Person {i:02d}"
            db.session.commit()

        def view() -> tuple[int, list[str]]:
            with app.test_request_context(), count_queries() as counter:
                total = owned_history_page("requirement", rid, 1, 10).total
            return total, [s for s in counter.statements if "count(" in s]

        total, counted = view()
        assert total >= 13 and len(counted) == 1  # the assessment's 13 entries and the requirement's own
        assessment.responsible_person = "Ny person"
        db.session.commit()
        assert view()[0] == total + 1  # counted again after the change
