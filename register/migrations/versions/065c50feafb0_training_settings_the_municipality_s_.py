"""training settings: the municipality's own rules for management's approval and training

Which body approves the cybersecurity measures each year (none until configured), whose training counts as the
management body's, and how long training is valid; each with its reason.

Revision ID: 065c50feafb0
Revises: 080474ea5837
Create Date: 2026-12-04 16:02:14.774777

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '065c50feafb0'
down_revision = '080474ea5837'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('training_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('approval_rule', sa.Enum('none', 'council', 'executive', 'both', name='approvalrule',
                                       native_enum=False, length=17), nullable=False),
    sa.Column('approval_note', sa.Text(), nullable=True),
    sa.Column('management_scope', sa.Enum('council', 'executive', 'both', name='managementscope',
                                          native_enum=False, length=17), nullable=False),
    sa.Column('validity_months', sa.Integer(), nullable=False),
    sa.Column('validity_note', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_settings'))
    )


def downgrade():
    op.drop_table('training_settings')
