"""indexes for the requirement list's order: a page is read from two indexes instead of sorting every row

Revision ID: b8e5f0c3d7a1
Revises: a7d4e2b91c05
Create Date: 2026-11-29 18:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b8e5f0c3d7a1'
down_revision = 'a7d4e2b91c05'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_catalog_sort_order_code", "catalog", ["sort_order", "code"], unique=False)
    op.create_index("ix_requirement_list_order", "requirement", ["catalog_id", "retired", "position", "id"],
                    unique=False)


def downgrade():
    op.drop_index("ix_requirement_list_order", table_name="requirement")
    op.drop_index("ix_catalog_sort_order_code", table_name="catalog")
