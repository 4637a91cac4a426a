"""report archive: the history chain's head when the report was archived, an anchor for history verify

Revision ID: 01063e6ad0c5
Revises: c4e8a2f6b9d1
Create Date: 2026-12-04 16:21:51.818985

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '01063e6ad0c5'
down_revision = 'c4e8a2f6b9d1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('report_archive', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chain_head_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                                      nullable=True))
        batch_op.add_column(sa.Column('chain_head_hash', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('report_archive', schema=None) as batch_op:
        batch_op.drop_column('chain_head_hash')
        batch_op.drop_column('chain_head_id')
