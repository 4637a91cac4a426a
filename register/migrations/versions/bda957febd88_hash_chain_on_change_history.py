"""hash chain on change history

Revision ID: bda957febd88
Revises: 11ab8493427c
Create Date: 2026-11-23 11:59:54.283799

"""
import datetime as dt
import hashlib
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'bda957febd88'
down_revision = '11ab8493427c'
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def _hash(prev_hash, row):
    """The chain's hash as defined at this revision (frozen here so the migration never changes meaning)."""
    at = row.at if row.at.tzinfo else row.at.replace(tzinfo=dt.timezone.utc)
    fields = {
        "at": at.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor_id": row.actor_id, "actor": row.actor, "action": row.action,
        "entity": row.entity, "entity_id": row.entity_id,
        "changes": row.changes if isinstance(row.changes, dict) else json.loads(row.changes),
        "state": row.state if isinstance(row.state, dict) else json.loads(row.state),
    }
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + text).encode("utf-8")).hexdigest()


def upgrade():
    with op.batch_alter_table('change_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=False, server_default=GENESIS))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=False, server_default=""))

    # Chain the entries that already exist, in id order.
    conn = op.get_bind()
    log = sa.table("change_log", sa.column("id", sa.Integer), sa.column("at", sa.DateTime(timezone=True)),
                   sa.column("actor_id", sa.Integer), sa.column("actor", sa.String),
                   sa.column("action", sa.String), sa.column("entity", sa.String),
                   sa.column("entity_id", sa.Integer), sa.column("changes", sa.JSON), sa.column("state", sa.JSON),
                   sa.column("prev_hash", sa.String), sa.column("hash", sa.String))
    previous = GENESIS
    for row in conn.execute(sa.select(log).order_by(log.c.id)).all():
        digest = _hash(previous, row)
        conn.execute(sa.update(log).where(log.c.id == row.id).values(prev_hash=previous, hash=digest))
        previous = digest

    with op.batch_alter_table('change_log', schema=None) as batch_op:
        batch_op.alter_column('prev_hash', server_default=None)
        batch_op.alter_column('hash', server_default=None)


def downgrade():
    with op.batch_alter_table('change_log', schema=None) as batch_op:
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
