"""change log: one call on PostgreSQL takes the chain lock and reads the newest hash (a round trip less per save)

Revision ID: f2b6d8e4a1c3
Revises: e4b7c2d9a6f1
Create Date: 2026-11-30 19:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f2b6d8e4a1c3'
down_revision = 'e4b7c2d9a6f1'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite has one writer at a time and no lock to take
    # The newest hash must be read after the lock is held: in READ COMMITTED each statement of a VOLATILE
    # PL/pgSQL function takes its own snapshot, so the SELECT sees an entry that a writer committed while
    # this one waited. (In a single plain statement the snapshot would predate the lock and the chain fork.)
    op.execute("""
        CREATE OR REPLACE FUNCTION register_chain_head(lock_key bigint) RETURNS text
        LANGUAGE plpgsql VOLATILE AS $$
        BEGIN
            PERFORM pg_advisory_xact_lock(lock_key);
            RETURN (SELECT hash FROM change_log ORDER BY id DESC LIMIT 1);
        END
        $$
    """)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION IF EXISTS register_chain_head(bigint)")
