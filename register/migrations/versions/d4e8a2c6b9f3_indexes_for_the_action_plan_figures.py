"""indexes for the action plan's figures: findings by status and the priority's inputs, and by unit

Revision ID: d4e8a2c6b9f3
Revises: a5c3e9f1d7b2
Create Date: 2026-12-05 12:15:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd4e8a2c6b9f3'
down_revision = 'a5c3e9f1d7b2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_gap_finding_plan_figures", "gap_finding",
                    ["status", "priority_override", "severity", "cost", "due_on", "cost_estimate_dkk"], unique=False)
    op.create_index("ix_gap_finding_unit_figures", "gap_finding",
                    ["unit_id", "status", "due_on", "cost_estimate_dkk"], unique=False)
    op.drop_index("ix_gap_finding_unit_id", table_name="gap_finding")


def downgrade():
    op.create_index("ix_gap_finding_unit_id", "gap_finding", ["unit_id"], unique=False)
    op.drop_index("ix_gap_finding_unit_figures", table_name="gap_finding")
    op.drop_index("ix_gap_finding_plan_figures", table_name="gap_finding")
