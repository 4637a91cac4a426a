"""keyed history chain: every entry's hash re-computed as an HMAC with the instance's history key

The unkeyed SHA-256 chain could be forged by anyone able to write the database: change an entry and re-hash
it and every entry after it. From here the hash is HMAC-SHA-256 with HISTORY_KEY (instance/history_key,
outside the database). Each entry is checked before it is re-keyed; where the chain is already broken the
re-keying stops (re-keying on would launder the break), so `history verify` still reports that entry.

Revision ID: c4e8a2f6b9d1
Revises: 6bd01f6c7bae
Create Date: 2026-12-04 16:20:00

"""
import datetime as dt
import hashlib
import hmac
import json
import logging

from alembic import op
import sqlalchemy as sa
from flask import current_app


# revision identifiers, used by Alembic.
revision = 'c4e8a2f6b9d1'
down_revision = '6bd01f6c7bae'
branch_labels = None
depends_on = None

GENESIS = "0" * 64
BATCH = 2000


def _content(prev_hash, row) -> bytes:
    """The hashed text as defined at this revision (frozen here so the migration never changes meaning)."""
    at = row.at if row.at.tzinfo else row.at.replace(tzinfo=dt.timezone.utc)
    fields = {
        "at": at.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor_id": row.actor_id, "actor": row.actor, "action": row.action,
        "entity": row.entity, "entity_id": row.entity_id,
        "changes": row.changes if isinstance(row.changes, dict) else json.loads(row.changes),
        "state": row.state if isinstance(row.state, dict) else json.loads(row.state),
    }
    return (prev_hash + json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)).encode()


def _log():
    return sa.table("change_log", sa.column("id", sa.Integer), sa.column("at", sa.DateTime(timezone=True)),
                    sa.column("actor_id", sa.Integer), sa.column("actor", sa.String),
                    sa.column("action", sa.String), sa.column("entity", sa.String),
                    sa.column("entity_id", sa.Integer), sa.column("changes", sa.JSON), sa.column("state", sa.JSON),
                    sa.column("prev_hash", sa.String), sa.column("hash", sa.String))


def _rechain(old_hash, new_hash):
    conn = op.get_bind()
    log = _log()
    old_previous = new_previous = GENESIS
    after = 0
    while True:
        rows = conn.execute(sa.select(log).where(log.c.id > after).order_by(log.c.id).limit(BATCH)).all()
        if not rows:
            return
        updates = []
        for row in rows:
            if row.prev_hash != old_previous or old_hash(_content(old_previous, row)) != row.hash:
                logging.getLogger("alembic.runtime.migration").warning(
                    "The change history is broken at entry %s; the entries from there on keep their hashes, and "
                    "`flask --app register history verify` reports the break.", row.id)
                rows = []
                break
            digest = new_hash(_content(new_previous, row))
            updates.append({"row_id": row.id, "new_prev": new_previous, "new_hash": digest})
            old_previous, new_previous, after = row.hash, digest, row.id
        if updates:
            conn.execute(sa.update(log).where(log.c.id == sa.bindparam("row_id"))
                         .values(prev_hash=sa.bindparam("new_prev"), hash=sa.bindparam("new_hash")), updates)
        if not rows:
            return


def _plain(content):
    return hashlib.sha256(content).hexdigest()


def _keyed(content):
    return hmac.new(current_app.config["HISTORY_KEY"].encode("utf-8"), content, hashlib.sha256).hexdigest()


def upgrade():
    _rechain(_plain, _keyed)


def downgrade():
    _rechain(_keyed, _plain)
