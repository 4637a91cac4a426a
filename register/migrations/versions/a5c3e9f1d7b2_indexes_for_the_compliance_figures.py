"""indexes for the compliance figures: sub-requirements by parent and status, assessments covered

Revision ID: a5c3e9f1d7b2
Revises: 11b650c8f8a1
Create Date: 2026-12-05 07:35:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a5c3e9f1d7b2'
down_revision = '11b650c8f8a1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_requirement_parent_id_retired", "requirement", ["parent_id", "retired"], unique=False)
    op.drop_index("ix_requirement_parent_id", table_name="requirement")
    op.create_index("ix_requirement_assessment_figures", "requirement_assessment",
                    ["requirement_id", "applicable", "status", "next_review", "responsible_unit_id"], unique=False)


def downgrade():
    op.drop_index("ix_requirement_assessment_figures", table_name="requirement_assessment")
    op.create_index("ix_requirement_parent_id", "requirement", ["parent_id"], unique=False)
    op.drop_index("ix_requirement_parent_id_retired", table_name="requirement")
