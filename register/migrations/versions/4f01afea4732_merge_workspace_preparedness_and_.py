"""merge workspace, preparedness and incidents branches

Revision ID: 4f01afea4732
Revises: 29ce17cbdb74, 315f5d2ad1c5, 33cdd1108e08, b6f0c08fbb80
Create Date: 2026-11-23 12:29:58.514570

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4f01afea4732'
down_revision = ('29ce17cbdb74', '315f5d2ad1c5', '33cdd1108e08', 'b6f0c08fbb80')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
