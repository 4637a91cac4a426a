"""incident: when it was handled (NIS2 Art. 23(4)(e) counts the final report of a long incident from there)

Revision ID: c953b7c79528
Revises: f2b6d8e4a1c3
Create Date: 2026-12-04 15:52:55.519247

"""
from alembic import op
import sqlalchemy as sa


revision = 'c953b7c79528'
down_revision = 'f2b6d8e4a1c3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.add_column(sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.drop_column('handled_at')
