"""governance bodies with their mandate and members

The council, the executive board, an IT-security steering group and working groups.

Revision ID: 219d392f913c
Revises: be7b469957c5
Create Date: 2026-12-04 16:20:24.154099

"""
from alembic import op
import sqlalchemy as sa


revision = '219d392f913c'
down_revision = 'be7b469957c5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'prep_body',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('council', 'executive', 'steering', 'working_group', 'other', name='bodykind',
                                  native_enum=False, length=21), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('mandate', sa.Text(), nullable=True),
        sa.Column('members', sa.Text(), nullable=True),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_prep_body')),
    )


def downgrade():
    op.drop_table('prep_body')
