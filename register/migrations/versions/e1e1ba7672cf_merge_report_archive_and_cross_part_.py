"""merge report archive and cross-part links

Revision ID: e1e1ba7672cf
Revises: 65cc50bf31e0, c900e47ad392
Create Date: 2026-11-23 13:53:24.488839

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e1e1ba7672cf'
down_revision = ('65cc50bf31e0', 'c900e47ad392')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
