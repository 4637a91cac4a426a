"""single sign-on identity on user accounts

Revision ID: eb6e1361f1ac
Revises: 11ab8493427c
Create Date: 2026-11-23 12:03:36.355045

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'eb6e1361f1ac'
down_revision = '11ab8493427c'
branch_labels = None
depends_on = None


def upgrade():
    """Link accounts to the identity provider by the ID token's issuer and subject."""
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('oidc_issuer', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('oidc_subject', sa.String(length=255), nullable=True))
        batch_op.create_unique_constraint('uq_user_account_oidc_identity', ['oidc_issuer', 'oidc_subject'])


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint('uq_user_account_oidc_identity', type_='unique')
        batch_op.drop_column('oidc_subject')
        batch_op.drop_column('oidc_issuer')
