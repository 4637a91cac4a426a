"""report archive: the official annual status reports, kept unchanged with their SHA-256

Revision ID: 65cc50bf31e0
Revises: 042d3f1176be
Create Date: 2026-11-23 13:13:40.588869

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '65cc50bf31e0'
down_revision = '042d3f1176be'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_archive',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=255), nullable=False),
    sa.Column('approved_by', sa.String(length=300), nullable=False),
    sa.Column('approved_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_archive')),
    sa.UniqueConstraint('year', name=op.f('uq_report_archive_year'))
    )


def downgrade():
    op.drop_table('report_archive')
