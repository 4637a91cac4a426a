"""Incidents (NIS2 Art. 23 reports, units, requirements, lessons) and training (campaigns, management training, approvals)

Revision ID: 29ce17cbdb74
Revises: 11ab8493427c
Create Date: 2026-11-23 12:13:31.186102

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '29ce17cbdb74'
down_revision = '11ab8493427c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('incident',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('detected_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('aware_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('systems_affected', sa.Text(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('significance', sa.Enum('pending', 'significant', 'not_significant', name='significance', native_enum=False, length=23), nullable=False),
    sa.Column('significance_reason', sa.Text(), nullable=True),
    sa.Column('status', sa.Enum('registered', 'handling', 'contained', 'closed', name='incidentstatus', native_enum=False, length=18), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident'))
    )
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_status'), ['status'], unique=False)

    op.create_table('management_approval',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('approved_on', sa.Date(), nullable=False),
    sa.Column('body', sa.Enum('executive', 'council', name='approvalbody', native_enum=False, length=17), nullable=False),
    sa.Column('reference', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_management_approval'))
    )
    op.create_table('training_campaign',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('awareness', 'hygiene', 'phishing', name='campaignkind', native_enum=False, length=17), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_campaign'))
    )
    op.create_table('incident_lesson',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('owner_unit_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('open', 'done', name='lessonstatus', native_enum=False, length=12), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], name=op.f('fk_incident_lesson_incident_id_incident'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_unit_id'], ['unit.id'], name=op.f('fk_incident_lesson_owner_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_lesson'))
    )
    with op.batch_alter_table('incident_lesson', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_lesson_incident_id'), ['incident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_incident_lesson_owner_unit_id'), ['owner_unit_id'], unique=False)

    op.create_table('incident_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('early_warning', 'notification', 'final', name='reportkind', native_enum=False, length=21), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('receipt_ref', sa.String(length=120), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], name=op.f('fk_incident_report_incident_id_incident'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_report')),
    sa.UniqueConstraint('incident_id', 'kind', name='uq_incident_report_incident_id_kind')
    )
    op.create_table('incident_unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], name=op.f('fk_incident_unit_incident_id_incident'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_incident_unit_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_unit')),
    sa.UniqueConstraint('incident_id', 'unit_id', name='uq_incident_unit_incident_id_unit_id')
    )
    with op.batch_alter_table('incident_unit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_unit_unit_id'), ['unit_id'], unique=False)

    op.create_table('training_campaign_unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('staff_targeted', sa.Integer(), nullable=False),
    sa.Column('staff_completed', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('staff_targeted >= 0 AND staff_completed >= 0 AND staff_completed <= staff_targeted', name=op.f('ck_training_campaign_unit_counts')),
    sa.ForeignKeyConstraint(['campaign_id'], ['training_campaign.id'], name=op.f('fk_training_campaign_unit_campaign_id_training_campaign'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_training_campaign_unit_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_campaign_unit')),
    sa.UniqueConstraint('campaign_id', 'unit_id', name='uq_training_campaign_unit_campaign_id_unit_id')
    )
    with op.batch_alter_table('training_campaign_unit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_campaign_unit_unit_id'), ['unit_id'], unique=False)

    op.create_table('training_trainee',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role_title', sa.String(length=200), nullable=True),
    sa.Column('body', sa.Enum('council', 'executive', 'leader', name='managementbody', native_enum=False, length=17), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_training_trainee_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_trainee'))
    )
    with op.batch_alter_table('training_trainee', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_trainee_unit_id'), ['unit_id'], unique=False)

    op.create_table('incident_requirement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('requirement_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], name=op.f('fk_incident_requirement_incident_id_incident'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requirement_id'], ['requirement.id'], name=op.f('fk_incident_requirement_requirement_id_requirement'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_requirement')),
    sa.UniqueConstraint('incident_id', 'requirement_id', name='uq_incident_requirement_incident_id_requirement_id')
    )
    with op.batch_alter_table('incident_requirement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_requirement_requirement_id'), ['requirement_id'], unique=False)

    op.create_table('training_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trainee_id', sa.Integer(), nullable=False),
    sa.Column('course', sa.String(length=200), nullable=False),
    sa.Column('provider', sa.String(length=200), nullable=True),
    sa.Column('completed_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['trainee_id'], ['training_trainee.id'], name=op.f('fk_training_record_trainee_id_training_trainee'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_record'))
    )
    with op.batch_alter_table('training_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_record_trainee_id'), ['trainee_id'], unique=False)



def downgrade():
    with op.batch_alter_table('training_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_record_trainee_id'))

    op.drop_table('training_record')
    with op.batch_alter_table('incident_requirement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_requirement_requirement_id'))

    op.drop_table('incident_requirement')
    with op.batch_alter_table('training_trainee', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_trainee_unit_id'))

    op.drop_table('training_trainee')
    with op.batch_alter_table('training_campaign_unit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_campaign_unit_unit_id'))

    op.drop_table('training_campaign_unit')
    with op.batch_alter_table('incident_unit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_unit_unit_id'))

    op.drop_table('incident_unit')
    op.drop_table('incident_report')
    with op.batch_alter_table('incident_lesson', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_lesson_owner_unit_id'))
        batch_op.drop_index(batch_op.f('ix_incident_lesson_incident_id'))

    op.drop_table('incident_lesson')
    op.drop_table('training_campaign')
    op.drop_table('management_approval')
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_status'))

    op.drop_table('incident')
