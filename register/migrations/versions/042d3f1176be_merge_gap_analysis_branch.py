"""merge gap analysis branch

Revision ID: 042d3f1176be
Revises: 009b3504a619, 4f01afea4732
Create Date: 2026-11-23 12:41:35.145335

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '042d3f1176be'
down_revision = ('009b3504a619', '4f01afea4732')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
