"""Requirements workspace: the municipality's assessments and evidence, controls and their requirement links.

Revision ID: 33cdd1108e08
Revises: 11ab8493427c
Create Date: 2026-11-23 12:07:58.962734

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '33cdd1108e08'
down_revision = '11ab8493427c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('control',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('owner_unit_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('not_started', 'planned', 'in_progress', 'implemented', 'discontinued', name='controlstatus', native_enum=False, length=20), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['owner_unit_id'], ['unit.id'], name=op.f('fk_control_owner_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_control'))
    )
    with op.batch_alter_table('control', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_control_owner_unit_id'), ['owner_unit_id'], unique=False)

    op.create_table('control_requirement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('control_id', sa.Integer(), nullable=False),
    sa.Column('requirement_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['control_id'], ['control.id'], name=op.f('fk_control_requirement_control_id_control'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['requirement_id'], ['requirement.id'], name=op.f('fk_control_requirement_requirement_id_requirement'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_control_requirement')),
    sa.UniqueConstraint('control_id', 'requirement_id', name='uq_control_requirement_control_id_requirement_id')
    )
    with op.batch_alter_table('control_requirement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_control_requirement_requirement_id'), ['requirement_id'], unique=False)

    op.create_table('requirement_assessment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('requirement_id', sa.Integer(), nullable=False),
    sa.Column('applicable', sa.Boolean(), nullable=False),
    sa.Column('applicability_reason', sa.Text(), nullable=True),
    sa.Column('status', sa.Enum('not_started', 'planned', 'partly', 'implemented', name='implementationstatus', native_enum=False, length=19), nullable=True),
    sa.Column('status_from_controls', sa.Boolean(), nullable=False),
    sa.Column('maturity', sa.SmallInteger(), nullable=True),
    sa.Column('responsible_unit_id', sa.Integer(), nullable=True),
    sa.Column('responsible_person', sa.String(length=200), nullable=True),
    sa.Column('next_review', sa.Date(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('maturity IS NULL OR (maturity >= 0 AND maturity <= 5)', name=op.f('ck_requirement_assessment_maturity_range')),
    sa.ForeignKeyConstraint(['requirement_id'], ['requirement.id'], name=op.f('fk_requirement_assessment_requirement_id_requirement'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['responsible_unit_id'], ['unit.id'], name=op.f('fk_requirement_assessment_responsible_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_requirement_assessment')),
    sa.UniqueConstraint('requirement_id', name=op.f('uq_requirement_assessment_requirement_id'))
    )
    with op.batch_alter_table('requirement_assessment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_requirement_assessment_next_review'), ['next_review'], unique=False)
        batch_op.create_index(batch_op.f('ix_requirement_assessment_responsible_unit_id'), ['responsible_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_requirement_assessment_status'), ['status'], unique=False)

    op.create_table('requirement_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('requirement_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('link', 'file', name='evidencekind', native_enum=False, length=12), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=True),
    sa.Column('stored_name', sa.String(length=80), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=True),
    sa.Column('content_type', sa.String(length=120), nullable=True),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('added_by', sa.String(length=255), nullable=True),
    sa.ForeignKeyConstraint(['requirement_id'], ['requirement.id'], name=op.f('fk_requirement_evidence_requirement_id_requirement'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_requirement_evidence')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_requirement_evidence_stored_name'))
    )
    with op.batch_alter_table('requirement_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_requirement_evidence_requirement_id'), ['requirement_id'], unique=False)



def downgrade():
    with op.batch_alter_table('requirement_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_requirement_evidence_requirement_id'))

    op.drop_table('requirement_evidence')
    with op.batch_alter_table('requirement_assessment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_requirement_assessment_status'))
        batch_op.drop_index(batch_op.f('ix_requirement_assessment_responsible_unit_id'))
        batch_op.drop_index(batch_op.f('ix_requirement_assessment_next_review'))

    op.drop_table('requirement_assessment')
    with op.batch_alter_table('control_requirement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_control_requirement_requirement_id'))

    op.drop_table('control_requirement')
    with op.batch_alter_table('control', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_control_owner_unit_id'))

    op.drop_table('control')
