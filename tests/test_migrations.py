"""The migrations build exactly the schema the models describe."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from register.catalogs import search
from register.extensions import db


def test_migrated_schema_matches_the_models(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": search.include_object})
        diff = compare_metadata(context, db.metadata)
    assert diff == []
