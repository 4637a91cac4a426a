"""index for the control list's order: a page is read in title order instead of sorting every control

Revision ID: c3a9d1e7f2b4
Revises: b8e5f0c3d7a1
Create Date: 2026-11-29 21:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c3a9d1e7f2b4'
down_revision = 'b8e5f0c3d7a1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_control_title", "control", ["title", "id"], unique=False)


def downgrade():
    op.drop_index("ix_control_title", table_name="control")
