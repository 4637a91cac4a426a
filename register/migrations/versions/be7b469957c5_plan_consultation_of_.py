"""plan: when a draft went to Beredskabsstyrelsen for comments, and when Sundhedsstyrelsen's advice came

Revision ID: be7b469957c5
Revises: c953b7c79528
Create Date: 2026-12-04 16:11:40.000000

"""
from alembic import op
import sqlalchemy as sa


revision = 'be7b469957c5'
down_revision = 'c953b7c79528'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('prep_plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('brs_consulted_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('sst_advice_on', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('prep_plan', schema=None) as batch_op:
        batch_op.drop_column('sst_advice_on')
        batch_op.drop_column('brs_consulted_on')
