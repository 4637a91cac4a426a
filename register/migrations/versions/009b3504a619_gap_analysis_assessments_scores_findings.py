"""gap analysis: assessments, scores, findings

Revision ID: 009b3504a619
Revises: 11ab8493427c
Create Date: 2026-11-23 12:05:23.142366

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '009b3504a619'
down_revision = '11ab8493427c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('gap_assessment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('assessed_on', sa.Date(), nullable=False),
    sa.Column('assessor_kind', sa.Enum('internal', 'external', name='assessorkind', native_enum=False, length=16), nullable=False),
    sa.Column('assessor_name', sa.String(length=200), nullable=True),
    sa.Column('method', sa.String(length=200), nullable=False),
    sa.Column('scope', sa.Text(), nullable=True),
    sa.Column('previous_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['previous_id'], ['gap_assessment.id'], name=op.f('fk_gap_assessment_previous_id_gap_assessment'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gap_assessment'))
    )
    op.create_table('gap_finding',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_kind', sa.Enum('gap_analysis', 'exercise', 'incident', 'other', name='findingsource', native_enum=False, length=20), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=True),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('source_label', sa.String(length=300), nullable=True),
    sa.Column('external_id', sa.String(length=64), nullable=True),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('severity', sa.Enum('critical', 'high', 'medium', 'low', name='severity', native_enum=False, length=16), nullable=False),
    sa.Column('cost', sa.Enum('low', 'medium', 'high', name='costlevel', native_enum=False, length=14), nullable=True),
    sa.Column('cost_estimate_dkk', sa.Integer(), nullable=True),
    sa.Column('effort', sa.String(length=100), nullable=True),
    sa.Column('priority_override', sa.Enum('1', '2', '3', '4', name='priority', native_enum=False, length=9), nullable=True),
    sa.Column('priority_override_reason', sa.Text(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('owner', sa.String(length=200), nullable=True),
    sa.Column('identified_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('open', 'in_progress', 'closed', name='findingstatus', native_enum=False, length=19), nullable=False),
    sa.Column('closure_evidence', sa.Text(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status <> 'closed' OR closed_on IS NOT NULL", name=op.f('ck_gap_finding_closed_has_date')),
    sa.CheckConstraint('priority_override IS NULL OR priority_override_reason IS NOT NULL', name=op.f('ck_gap_finding_override_has_reason')),
    sa.ForeignKeyConstraint(['assessment_id'], ['gap_assessment.id'], name=op.f('fk_gap_finding_assessment_id_gap_assessment'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_gap_finding_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gap_finding')),
    sa.UniqueConstraint('external_id', name=op.f('uq_gap_finding_external_id'))
    )
    with op.batch_alter_table('gap_finding', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gap_finding_assessment_id'), ['assessment_id'], unique=False)
        batch_op.create_index('ix_gap_finding_status_due_on', ['status', 'due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_gap_finding_unit_id'), ['unit_id'], unique=False)

    op.create_table('gap_control_score',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('requirement_id', sa.Integer(), nullable=False),
    sa.Column('current_level', sa.SmallInteger(), nullable=True),
    sa.Column('target_level', sa.SmallInteger(), nullable=True),
    sa.Column('implementation_group', sa.Enum('ig1', 'ig2', 'ig3', name='implementationgroup', native_enum=False, length=11), nullable=True),
    sa.Column('justification', sa.Text(), nullable=True),
    sa.Column('confirmed', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('current_level BETWEEN 0 AND 5', name=op.f('ck_gap_control_score_current_level_range')),
    sa.CheckConstraint('target_level BETWEEN 0 AND 5', name=op.f('ck_gap_control_score_target_level_range')),
    sa.ForeignKeyConstraint(['assessment_id'], ['gap_assessment.id'], name=op.f('fk_gap_control_score_assessment_id_gap_assessment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requirement_id'], ['requirement.id'], name=op.f('fk_gap_control_score_requirement_id_requirement'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gap_control_score')),
    sa.UniqueConstraint('assessment_id', 'requirement_id', name='uq_gap_control_score_assessment_id_requirement_id')
    )
    with op.batch_alter_table('gap_control_score', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gap_control_score_requirement_id'), ['requirement_id'], unique=False)

    op.create_table('gap_finding_requirement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('finding_id', sa.Integer(), nullable=False),
    sa.Column('requirement_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['finding_id'], ['gap_finding.id'], name=op.f('fk_gap_finding_requirement_finding_id_gap_finding'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requirement_id'], ['requirement.id'], name=op.f('fk_gap_finding_requirement_requirement_id_requirement'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gap_finding_requirement')),
    sa.UniqueConstraint('finding_id', 'requirement_id', name='uq_gap_finding_requirement_finding_id_requirement_id')
    )
    with op.batch_alter_table('gap_finding_requirement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gap_finding_requirement_requirement_id'), ['requirement_id'], unique=False)



def downgrade():
    with op.batch_alter_table('gap_finding_requirement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gap_finding_requirement_requirement_id'))

    op.drop_table('gap_finding_requirement')
    with op.batch_alter_table('gap_control_score', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gap_control_score_requirement_id'))

    op.drop_table('gap_control_score')
    with op.batch_alter_table('gap_finding', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gap_finding_unit_id'))
        batch_op.drop_index('ix_gap_finding_status_due_on')
        batch_op.drop_index(batch_op.f('ix_gap_finding_assessment_id'))

    op.drop_table('gap_finding')
    op.drop_table('gap_assessment')
