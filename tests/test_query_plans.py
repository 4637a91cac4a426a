"""Statements every page runs are planned once per connection on PostgreSQL, not on every request.

psycopg prepares a statement it has run five times; PostgreSQL then plans it for the parameters given five
more times and keeps a plan for any parameters if that costs about as much. A LIMIT or OFFSET sent as a
parameter, or a join on an OR of two parameters, made every plan for any parameters look dearer, so these
were planned again on every request (planning the requirement page's mappings cost ten times running them).
"""
import pytest
import sqlalchemy as sa

from register.catalogs.models import Requirement
from register.extensions import db

# Statements as one line: SQLAlchemy breaks them before FROM and WHERE.
_PLANS = ("SELECT generic_plans, custom_plans FROM pg_prepared_statements "
          "WHERE regexp_replace(statement, '\\s+', ' ', 'g') LIKE :fragment")
RUNS = 15  # psycopg prepares after 5 runs; PostgreSQL decides on a generic plan after 5 more


@pytest.fixture
def large(app, catalogs):
    """A register large enough for the planner to tell the plans apart (on a few rows any plan is cheap)."""
    import datetime as dt

    from bench.generate import Scale, generate

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("plans are kept per connection by PostgreSQL; SQLite has no planner cache to speak of")
        generate(Scale(requirements=700, controls=30, findings=25, exercises=6, units=12, incidents=4, years=10),
                 today=dt.date(2026, 6, 1))
        db.session.commit()


def _plans(fragment: str) -> list[tuple[int, int]]:
    """(generic plans, custom plans) of this connection's prepared statements whose text contains `fragment`."""
    return [tuple(row) for row in db.session.execute(sa.text(_PLANS), {"fragment": f"%{fragment}%"})]


def test_a_requirement_list_page_and_a_requirement_with_its_surroundings_are_planned_once(app, large):
    from register.catalogs.models import RequirementMapping
    from register.requirements.services import RequirementFilter, requirement_context, requirement_page

    with app.app_context():
        mapped = db.session.execute(sa.select(Requirement).join(
            RequirementMapping, RequirementMapping.source_id == Requirement.id).limit(1)).scalar_one()
        for _ in range(RUNS):
            db.session.execute(sa.text("SELECT 1"))  # the statements below must not be the first on the connection
            assert requirement_page(RequirementFilter(page=2)).rows
            assert requirement_context(mapped.id)[0].mapped
        page_plans = _plans("ORDER BY catalog.sort_order")
        mapping_plans = _plans("requirement_mapping")  # with the walk up, the children and the assessment
        assert page_plans and all(generic > 0 for generic, _custom in page_plans), page_plans
        assert mapping_plans and all(generic > 0 for generic, _custom in mapping_plans), mapping_plans


def test_a_requirement_list_page_looks_up_only_its_own_assessments(app, large):
    """Joined to the whole table, PostgreSQL read and hashed all 5,000 assessments to find a page's fifty."""
    from register.requirements.services import _list_rows_by_id

    with app.app_context():
        ids = db.session.execute(sa.select(Requirement.id).order_by(Requirement.id).limit(50)).scalars().all()
        sql = _list_rows_by_id().params(ids=ids).compile(db.engine, compile_kwargs={"literal_binds": True})
        plan = "\n".join(row[0] for row in db.session.execute(sa.text(f"EXPLAIN {sql}")))
        # The page's ids pick the assessments where they are read (in the index, or as the scan's filter on a
        # small table), not after all of them were read and hashed.
        assert "(requirement_id = ANY" in plan, plan



def test_the_sections_other_parts_add_to_a_requirement_page_are_planned_once(app, large):
    from flask import current_app

    from register.requirements.links import link_sections

    with app.test_request_context():  # the sections link to their records
        ids = db.session.execute(sa.select(Requirement.id).order_by(Requirement.id).limit(RUNS)).scalars().all()
        for requirement_id in ids:
            db.session.execute(sa.text("SELECT 1"))
            assert len(link_sections(current_app, requirement_id)) == 4  # findings, exercises, incidents, risks
        plans = _plans("AS part")
        assert plans and all(generic > 0 for generic, _custom in plans), plans


def _api_page_sql(values: dict) -> str:
    """The SQL of a 20-row page of the read API's requirement assessments, with `values` as its filters."""
    from register.api.resources import REGISTRY

    statement = REGISTRY["requirement-assessments"].statement(values).limit(20)
    return str(statement.compile(db.engine, compile_kwargs={"literal_binds": True}))


@pytest.mark.parametrize("values", [{}, {"catalog": "nis2"}])
def test_an_api_page_of_requirement_assessments_looks_up_only_its_own_requirements(app, catalogs, values):
    """Outer-joined to requirement-and-catalogue, SQLite built that join for every requirement on each request
    (44 ms for 20 rows on the benchmark's large register, against 1.4 ms when each row looks up its own)."""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's plan; PostgreSQL's is checked on a large register below")
        plan = [row[3] for row in db.session.execute(sa.text(f"EXPLAIN QUERY PLAN {_api_page_sql(values)}"))]
        assert not any("MATERIALIZE" in step or "AUTOMATIC" in step for step in plan), plan
        assert any(step.startswith("SEARCH requirement USING INTEGER PRIMARY KEY") for step in plan), plan
        assert any(step.startswith("SEARCH catalog USING INTEGER PRIMARY KEY") for step in plan), plan


def test_an_api_page_of_requirement_assessments_on_postgresql_reads_requirements_by_key(app, large):
    """PostgreSQL looks up each row's requirement for a page in id order. (Filtered by catalogue, on a register
    this small it may hash every requirement instead, the cheaper plan there; at 5,000 it looks them up.)"""
    with app.app_context():
        db.session.execute(sa.text("ANALYZE"))  # the generated register's shape, as autovacuum would see it
        plan = "\n".join(row[0] for row in db.session.execute(sa.text(f"EXPLAIN {_api_page_sql({})}")))
        assert "Seq Scan on requirement " not in plan, plan
        assert "Index Scan using pk_requirement on requirement" in plan, plan
