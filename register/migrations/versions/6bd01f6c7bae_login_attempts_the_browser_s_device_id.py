"""login attempts: the id of the browser's device cookie, whose own failures alone count against it

Revision ID: 6bd01f6c7bae
Revises: f852d421b614
Create Date: 2026-12-04 16:02:18.807098

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6bd01f6c7bae'
down_revision = 'f852d421b614'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('device', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_login_attempt_device_at', ['device', 'at'], unique=False)


def downgrade():
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.drop_index('ix_login_attempt_device_at')
        batch_op.drop_column('device')
