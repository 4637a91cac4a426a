"""requirement.area_id: each requirement's top-level group, so lists need not walk the tree per query

Revision ID: a7d4e2b91c05
Revises: f3a9c1d27b60
Create Date: 2026-11-23 18:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7d4e2b91c05'
down_revision = 'f3a9c1d27b60'
branch_labels = None
depends_on = None


def upgrade():
    # A plain column and index: SQLite adds both without rebuilding the table.
    op.add_column("requirement", sa.Column("area_id", sa.Integer(), nullable=True))
    op.create_index("ix_requirement_area_id", "requirement", ["area_id"], unique=False)
    # Areas (top level) keep NULL; every other requirement gets its top-level ancestor. Not recorded in the
    # change log: the column is derived and left out of history (Requirement.__history_ignore__).
    op.execute("""
        WITH RECURSIVE tree(id, area_id) AS (
            SELECT id, id FROM requirement WHERE parent_id IS NULL
            UNION ALL
            SELECT child.id, tree.area_id FROM requirement child JOIN tree ON child.parent_id = tree.id
        )
        UPDATE requirement SET area_id = (SELECT tree.area_id FROM tree WHERE tree.id = requirement.id)
        WHERE parent_id IS NOT NULL
    """)


def downgrade():
    op.drop_index("ix_requirement_area_id", table_name="requirement")
    with op.batch_alter_table("requirement", schema=None) as batch_op:
        batch_op.drop_column("area_id")
