"""change log: owner columns, so a record's page finds its parts' history by an index

Revision ID: f3a9c1d27b60
Revises: e1e1ba7672cf
Create Date: 2026-11-23 16:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3a9c1d27b60'
down_revision = 'e1e1ba7672cf'
branch_labels = None
depends_on = None

# Frozen here: the models that declared __history_owner__ at this revision.
OWNED = ("requirement_assessment", "requirement_evidence", "control_requirement")


def upgrade():
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_entity", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("owner_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_change_log_owner_entity_owner_id", ["owner_entity", "owner_id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        owner = "CAST(state ->> 'requirement_id' AS INTEGER)"
    else:
        owner = "CAST(json_extract(state, '$.requirement_id') AS INTEGER)"
    entities = ", ".join(f"'{name}'" for name in OWNED)
    # The owner is derived from `state`, which the hash chain covers; the hashes are unchanged.
    op.execute(f"UPDATE change_log SET owner_entity = 'requirement', owner_id = {owner} "
               f"WHERE entity IN ({entities}) AND {owner} IS NOT NULL")


def downgrade():
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.drop_index("ix_change_log_owner_entity_owner_id")
        batch_op.drop_column("owner_id")
        batch_op.drop_column("owner_entity")
