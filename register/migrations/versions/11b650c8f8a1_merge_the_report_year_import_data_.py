"""merge the report year, import, data safety, domain and risk register branches

Revision ID: 11b650c8f8a1
Revises: 01063e6ad0c5, 065c50feafb0, 219d392f913c, 2c60e85a967f, e0a899bb0dc5
Create Date: 2026-12-04 17:12:50.457906

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '11b650c8f8a1'
down_revision = ('01063e6ad0c5', '065c50feafb0', '219d392f913c', '2c60e85a967f', 'e0a899bb0dc5')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
