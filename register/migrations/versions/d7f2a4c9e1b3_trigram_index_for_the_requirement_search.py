"""trigram index for the requirement search: a search reads the index instead of every requirement's text

SQLite: an FTS5 table with the trigram tokenizer over requirement.search_text, kept by triggers.
PostgreSQL: a GIN index with pg_trgm's operator class, which LIKE '%...%' uses.
Where the database cannot (no FTS5, no right to create pg_trgm) nothing is created and the search scans
as before (register/catalogs/search.py).

Revision ID: d7f2a4c9e1b3
Revises: c3a9d1e7f2b4
Create Date: 2026-11-30 04:10:00

"""
import logging

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd7f2a4c9e1b3'
down_revision = 'c3a9d1e7f2b4'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

FTS_TABLE = "requirement_search"
TRIGRAM_INDEX = "ix_requirement_search_text_trgm"

SQLITE_CREATE = [
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5("
    "search_text, content='requirement', content_rowid='id', tokenize='trigram')",
    # external content: the index is told the old text to remove, exactly as it was indexed
    f"""CREATE TRIGGER {FTS_TABLE}_insert AFTER INSERT ON requirement BEGIN
        INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    f"""CREATE TRIGGER {FTS_TABLE}_delete AFTER DELETE ON requirement BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) VALUES ('delete', old.id, old.search_text);
    END""",
    f"""CREATE TRIGGER {FTS_TABLE}_update AFTER UPDATE OF id, search_text ON requirement BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) VALUES ('delete', old.id, old.search_text);
        INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')",
]


def _sqlite_has_fts5_trigram(bind) -> bool:
    try:
        bind.exec_driver_sql("CREATE VIRTUAL TABLE temp.fts5_probe USING fts5(x, tokenize='trigram')")
    except sa.exc.OperationalError as exc:
        log.warning("SQLite has no FTS5 trigram tokenizer (%s): the requirement search scans every text", exc)
        return False
    bind.exec_driver_sql("DROP TABLE temp.fts5_probe")
    return True


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        if _sqlite_has_fts5_trigram(bind):
            for statement in SQLITE_CREATE:
                bind.exec_driver_sql(statement)
    elif bind.dialect.name == "postgresql":
        try:
            with bind.begin_nested():
                bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except sa.exc.DBAPIError as exc:
            log.warning("pg_trgm could not be created (%s): the requirement search scans every text. A superuser "
                        "can add the index later: CREATE EXTENSION pg_trgm; CREATE INDEX %s ON requirement "
                        "USING gin (search_text gin_trgm_ops)", exc, TRIGRAM_INDEX)
            return
        op.create_index(TRIGRAM_INDEX, "requirement", ["search_text"], postgresql_using="gin",
                        postgresql_ops={"search_text": "gin_trgm_ops"})


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {FTS_TABLE}_{trigger}")
        bind.exec_driver_sql(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    elif bind.dialect.name == "postgresql":
        bind.exec_driver_sql(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")
