"""risk and supplier registers

The risk register (risks, their links, reviews and acceptances) and the supplier register (suppliers, their
systems and services, reviews and links to controls and risks).

Revision ID: e0a899bb0dc5
Revises: f2b6d8e4a1c3
Create Date: 2026-12-04 15:55:58.927077

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e0a899bb0dc5'
down_revision = 'f2b6d8e4a1c3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('risk',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('source', sa.Enum('cyber', 'preparedness', name='risksource', native_enum=False, length=20), nullable=False),
    sa.Column('owner_unit_id', sa.Integer(), nullable=False),
    sa.Column('inherent_likelihood', sa.Integer(), nullable=False),
    sa.Column('inherent_consequence', sa.Integer(), nullable=False),
    sa.Column('residual_likelihood', sa.Integer(), nullable=True),
    sa.Column('residual_consequence', sa.Integer(), nullable=True),
    sa.Column('treatment', sa.Enum('accept', 'reduce', 'transfer', 'avoid', name='treatment', native_enum=False, length=16), nullable=True),
    sa.Column('treatment_note', sa.Text(), nullable=True),
    sa.Column('status', sa.Enum('open', 'closed', name='riskstatus', native_enum=False, length=14), nullable=False),
    sa.Column('last_reviewed_on', sa.Date(), nullable=True),
    sa.Column('next_review_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('(residual_likelihood IS NULL OR residual_likelihood >= 1) AND (residual_consequence IS NULL OR residual_consequence >= 1)', name=op.f('ck_risk_residual_positive')),
    sa.CheckConstraint('inherent_likelihood >= 1 AND inherent_consequence >= 1', name=op.f('ck_risk_inherent_positive')),
    sa.ForeignKeyConstraint(['owner_unit_id'], ['unit.id'], name=op.f('fk_risk_owner_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk'))
    )
    with op.batch_alter_table('risk', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_next_review_on'), ['next_review_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_risk_owner_unit_id'), ['owner_unit_id'], unique=False)
        batch_op.create_index('ix_risk_residual', ['residual_likelihood', 'residual_consequence'], unique=False)
        batch_op.create_index('ix_risk_title', ['title', 'id'], unique=False)

    op.create_table('supplier',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('cvr', sa.String(length=20), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('contact_name', sa.String(length=200), nullable=True),
    sa.Column('contact_email', sa.String(length=254), nullable=True),
    sa.Column('owner_unit_id', sa.Integer(), nullable=True),
    sa.Column('criticality', sa.Enum('critical', 'high', 'medium', 'low', name='criticality', native_enum=False, length=16), nullable=False),
    sa.Column('contract_signed_on', sa.Date(), nullable=True),
    sa.Column('contract_ends_on', sa.Date(), nullable=True),
    sa.Column('processes_personal_data', sa.Boolean(), nullable=False),
    sa.Column('dpa_signed_on', sa.Date(), nullable=True),
    sa.Column('obliged_incident_notice', sa.Boolean(), nullable=False),
    sa.Column('obliged_security_requirements', sa.Boolean(), nullable=False),
    sa.Column('obliged_audit_right', sa.Boolean(), nullable=False),
    sa.Column('obliged_subcontractor_approval', sa.Boolean(), nullable=False),
    sa.Column('obligations_note', sa.Text(), nullable=True),
    sa.Column('last_reviewed_on', sa.Date(), nullable=True),
    sa.Column('last_review_result', sa.Enum('satisfactory', 'remarks', 'unsatisfactory', name='reviewresult', native_enum=False, length=22), nullable=True),
    sa.Column('next_review_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['owner_unit_id'], ['unit.id'], name=op.f('fk_supplier_owner_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supplier'))
    )
    with op.batch_alter_table('supplier', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supplier_contract_ends_on'), ['contract_ends_on'], unique=False)
        batch_op.create_index('ix_supplier_name', ['name', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_supplier_next_review_on'), ['next_review_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_supplier_owner_unit_id'), ['owner_unit_id'], unique=False)

    op.create_table('risk_acceptance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('risk_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Enum('council', 'committee', 'executive', 'steering_group', 'other', name='acceptancebody', native_enum=False, length=22), nullable=False),
    sa.Column('body_name', sa.String(length=200), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('reference', sa.String(length=200), nullable=True),
    sa.Column('likelihood', sa.Integer(), nullable=False),
    sa.Column('consequence', sa.Integer(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['risk_id'], ['risk.id'], name=op.f('fk_risk_acceptance_risk_id_risk'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_acceptance'))
    )
    with op.batch_alter_table('risk_acceptance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_acceptance_risk_id'), ['risk_id'], unique=False)

    op.create_table('risk_control',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('risk_id', sa.Integer(), nullable=False),
    sa.Column('control_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=2000), nullable=True),
    sa.ForeignKeyConstraint(['control_id'], ['control.id'], name=op.f('fk_risk_control_control_id_control'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['risk_id'], ['risk.id'], name=op.f('fk_risk_control_risk_id_risk'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_control')),
    sa.UniqueConstraint('risk_id', 'control_id', name='uq_risk_control_risk_id_control_id')
    )
    with op.batch_alter_table('risk_control', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_control_control_id'), ['control_id'], unique=False)

    op.create_table('risk_finding',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('risk_id', sa.Integer(), nullable=False),
    sa.Column('finding_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=2000), nullable=True),
    sa.ForeignKeyConstraint(['finding_id'], ['gap_finding.id'], name=op.f('fk_risk_finding_finding_id_gap_finding'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['risk_id'], ['risk.id'], name=op.f('fk_risk_finding_risk_id_risk'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_finding')),
    sa.UniqueConstraint('risk_id', 'finding_id', name='uq_risk_finding_risk_id_finding_id')
    )
    with op.batch_alter_table('risk_finding', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_finding_finding_id'), ['finding_id'], unique=False)

    op.create_table('risk_requirement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('risk_id', sa.Integer(), nullable=False),
    sa.Column('requirement_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=2000), nullable=True),
    sa.ForeignKeyConstraint(['requirement_id'], ['requirement.id'], name=op.f('fk_risk_requirement_requirement_id_requirement'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['risk_id'], ['risk.id'], name=op.f('fk_risk_requirement_risk_id_risk'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_requirement')),
    sa.UniqueConstraint('risk_id', 'requirement_id', name='uq_risk_requirement_risk_id_requirement_id')
    )
    with op.batch_alter_table('risk_requirement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_requirement_requirement_id'), ['requirement_id'], unique=False)

    op.create_table('risk_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('risk_id', sa.Integer(), nullable=False),
    sa.Column('reviewed_on', sa.Date(), nullable=False),
    sa.Column('reviewed_by', sa.String(length=200), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('residual_likelihood', sa.Integer(), nullable=True),
    sa.Column('residual_consequence', sa.Integer(), nullable=True),
    sa.Column('next_review_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['risk_id'], ['risk.id'], name=op.f('fk_risk_review_risk_id_risk'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_review'))
    )
    with op.batch_alter_table('risk_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_review_risk_id'), ['risk_id'], unique=False)

    op.create_table('supplier_control',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('control_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=2000), nullable=True),
    sa.ForeignKeyConstraint(['control_id'], ['control.id'], name=op.f('fk_supplier_control_control_id_control'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['supplier_id'], ['supplier.id'], name=op.f('fk_supplier_control_supplier_id_supplier'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supplier_control')),
    sa.UniqueConstraint('supplier_id', 'control_id', name='uq_supplier_control_supplier_id_control_id')
    )
    with op.batch_alter_table('supplier_control', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supplier_control_control_id'), ['control_id'], unique=False)

    op.create_table('supplier_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('reviewed_on', sa.Date(), nullable=False),
    sa.Column('reviewed_by', sa.String(length=200), nullable=False),
    sa.Column('result', sa.Enum('satisfactory', 'remarks', 'unsatisfactory', name='reviewresult', native_enum=False, length=22), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('next_review_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['supplier_id'], ['supplier.id'], name=op.f('fk_supplier_review_supplier_id_supplier'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supplier_review'))
    )
    with op.batch_alter_table('supplier_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supplier_review_supplier_id'), ['supplier_id'], unique=False)

    op.create_table('supplier_risk',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('risk_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=2000), nullable=True),
    sa.ForeignKeyConstraint(['risk_id'], ['risk.id'], name=op.f('fk_supplier_risk_risk_id_risk'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['supplier_id'], ['supplier.id'], name=op.f('fk_supplier_risk_supplier_id_supplier'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supplier_risk')),
    sa.UniqueConstraint('supplier_id', 'risk_id', name='uq_supplier_risk_supplier_id_risk_id')
    )
    with op.batch_alter_table('supplier_risk', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supplier_risk_risk_id'), ['risk_id'], unique=False)

    op.create_table('supplier_service',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('criticality', sa.Enum('critical', 'high', 'medium', 'low', name='criticality', native_enum=False, length=16), nullable=False),
    sa.ForeignKeyConstraint(['supplier_id'], ['supplier.id'], name=op.f('fk_supplier_service_supplier_id_supplier'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supplier_service'))
    )
    with op.batch_alter_table('supplier_service', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supplier_service_supplier_id'), ['supplier_id'], unique=False)



def downgrade():
    with op.batch_alter_table('supplier_service', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supplier_service_supplier_id'))

    op.drop_table('supplier_service')
    with op.batch_alter_table('supplier_risk', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supplier_risk_risk_id'))

    op.drop_table('supplier_risk')
    with op.batch_alter_table('supplier_review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supplier_review_supplier_id'))

    op.drop_table('supplier_review')
    with op.batch_alter_table('supplier_control', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supplier_control_control_id'))

    op.drop_table('supplier_control')
    with op.batch_alter_table('risk_review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_risk_review_risk_id'))

    op.drop_table('risk_review')
    with op.batch_alter_table('risk_requirement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_risk_requirement_requirement_id'))

    op.drop_table('risk_requirement')
    with op.batch_alter_table('risk_finding', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_risk_finding_finding_id'))

    op.drop_table('risk_finding')
    with op.batch_alter_table('risk_control', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_risk_control_control_id'))

    op.drop_table('risk_control')
    with op.batch_alter_table('risk_acceptance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_risk_acceptance_risk_id'))

    op.drop_table('risk_acceptance')
    with op.batch_alter_table('supplier', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supplier_owner_unit_id'))
        batch_op.drop_index(batch_op.f('ix_supplier_next_review_on'))
        batch_op.drop_index('ix_supplier_name')
        batch_op.drop_index(batch_op.f('ix_supplier_contract_ends_on'))

    op.drop_table('supplier')
    with op.batch_alter_table('risk', schema=None) as batch_op:
        batch_op.drop_index('ix_risk_title')
        batch_op.drop_index('ix_risk_residual')
        batch_op.drop_index(batch_op.f('ix_risk_owner_unit_id'))
        batch_op.drop_index(batch_op.f('ix_risk_next_review_on'))

    op.drop_table('risk')
