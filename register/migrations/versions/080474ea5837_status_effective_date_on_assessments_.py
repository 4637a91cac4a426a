"""status effective date on assessments

An assessment's status_effective_on is the day its status took effect (the annual report reads the year by
it); existing rows keep NULL, which the report reads as the day each state was saved.

Revision ID: 080474ea5837
Revises: f2b6d8e4a1c3
Create Date: 2026-12-04 15:54:11.652966

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '080474ea5837'
down_revision = 'f2b6d8e4a1c3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('requirement_assessment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status_effective_on', sa.Date(), nullable=True))



def downgrade():
    with op.batch_alter_table('requirement_assessment', schema=None) as batch_op:
        batch_op.drop_column('status_effective_on')

