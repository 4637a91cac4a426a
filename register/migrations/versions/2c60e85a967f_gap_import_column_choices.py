"""gap import column choices: what a user said an unknown column holds, per source

Revision ID: 2c60e85a967f
Revises: f2b6d8e4a1c3
Create Date: 2026-12-04 15:55:39.823378

"""
from alembic import op
import sqlalchemy as sa


revision = '2c60e85a967f'
down_revision = 'f2b6d8e4a1c3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'gap_import_column',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=200), nullable=False),
        sa.Column('header', sa.String(length=200), nullable=False),
        sa.Column('field', sa.String(length=40), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_gap_import_column')),
        sa.UniqueConstraint('source', 'header', name=op.f('uq_gap_import_column_source')),
    )


def downgrade():
    op.drop_table('gap_import_column')
