"""merge sso and hardening branches

Revision ID: b7b6a33b1d80
Revises: 3a696ecbd6c8, eb6e1361f1ac
Create Date: 2026-11-23 12:13:21.468584

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7b6a33b1d80'
down_revision = ('3a696ecbd6c8', 'eb6e1361f1ac')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
