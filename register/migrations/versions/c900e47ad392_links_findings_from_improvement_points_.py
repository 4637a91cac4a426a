"""Links: findings from improvement points and lessons, incidents to controls

Revision ID: c900e47ad392
Revises: 042d3f1176be
Create Date: 2026-11-23 13:10:40.242373

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c900e47ad392'
down_revision = '042d3f1176be'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('incident_control',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('control_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['control_id'], ['control.id'], name=op.f('fk_incident_control_control_id_control'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], name=op.f('fk_incident_control_incident_id_incident'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_control')),
    sa.UniqueConstraint('incident_id', 'control_id', name='uq_incident_control_incident_id_control_id')
    )
    with op.batch_alter_table('incident_control', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_control_control_id'), ['control_id'], unique=False)

    with op.batch_alter_table('incident_lesson', schema=None) as batch_op:
        batch_op.add_column(sa.Column('finding_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_incident_lesson_finding_id'), ['finding_id'])
        batch_op.create_foreign_key(batch_op.f('fk_incident_lesson_finding_id_gap_finding'), 'gap_finding', ['finding_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('prep_improvement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('finding_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_prep_improvement_finding_id'), ['finding_id'])
        batch_op.create_foreign_key(batch_op.f('fk_prep_improvement_finding_id_gap_finding'), 'gap_finding', ['finding_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('prep_improvement', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_prep_improvement_finding_id_gap_finding'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_prep_improvement_finding_id'), type_='unique')
        batch_op.drop_column('finding_id')

    with op.batch_alter_table('incident_lesson', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_incident_lesson_finding_id_gap_finding'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_incident_lesson_finding_id'), type_='unique')
        batch_op.drop_column('finding_id')

    with op.batch_alter_table('incident_control', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_control_control_id'))

    op.drop_table('incident_control')
