"""change log: the owner index in page order, so a requirement's history page reads only its newest entries

Revision ID: e4b7c2d9a6f1
Revises: d7f2a4c9e1b3
Create Date: 2026-11-30 13:20:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e4b7c2d9a6f1'
down_revision = 'd7f2a4c9e1b3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_change_log_owner_at", "change_log", ["owner_entity", "owner_id", "at", "id"], unique=False)
    op.drop_index("ix_change_log_owner_entity_owner_id", table_name="change_log")


def downgrade():
    op.create_index("ix_change_log_owner_entity_owner_id", "change_log", ["owner_entity", "owner_id"], unique=False)
    op.drop_index("ix_change_log_owner_at", table_name="change_log")
