"""session generation on user accounts: logout, a new password and deactivation end every session

Revision ID: f852d421b614
Revises: f2b6d8e4a1c3
Create Date: 2026-12-04 15:57:39.476438

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f852d421b614'
down_revision = 'f2b6d8e4a1c3'
branch_labels = None
depends_on = None


def upgrade():
    # ADD COLUMN, no table rebuild on SQLite. Sessions started before carry no generation and end once.
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
