"""Awareness campaigns for staff (Art. 21(2)(g)), management training (Art. 20(2)) and management approvals
of the cybersecurity measures (Art. 20(1); NIS 2-loven § 7)."""
import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from register.core.db import enum_column
from register.core.enums import LabelledEnum
from register.core.history import Tracked
from register.core.i18n import lazy_gettext as _l
from register.extensions import db


class CampaignKind(LabelledEnum):
    AWARENESS = "awareness", _l("Awareness-træning")
    HYGIENE = "hygiene", _l("Cyberhygiejne-kampagne")
    PHISHING = "phishing", _l("Phishing-øvelse")


class Campaign(Tracked, db.Model):
    """A staff awareness training or cyber-hygiene campaign."""

    __tablename__ = "training_campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    kind: Mapped[CampaignKind] = mapped_column(enum_column(CampaignKind), nullable=False)
    held_on: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    description: Mapped[str | None] = mapped_column(sa.Text)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    participations = relationship("CampaignUnit", back_populates="campaign", lazy="raise",
                                  cascade="all, delete-orphan")


class CampaignUnit(Tracked, db.Model):
    """One unit's part in a campaign: how many staff were targeted and how many completed it."""

    __tablename__ = "training_campaign_unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("training_campaign.id", ondelete="CASCADE"),
                                             nullable=False)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id", ondelete="RESTRICT"), nullable=False, index=True)
    staff_targeted: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    staff_completed: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)

    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "unit_id", name="uq_training_campaign_unit_campaign_id_unit_id"),
        sa.CheckConstraint("staff_targeted >= 0 AND staff_completed >= 0 AND staff_completed <= staff_targeted",
                           name="counts"),
    )
    __mapper_args__ = {"version_id_col": version}

    campaign = relationship("Campaign", back_populates="participations", lazy="raise")
    unit = relationship("Unit", lazy="raise")


class ManagementBody(LabelledEnum):
    """Who a trainee sits in: the council, the executive board, or a leader of a unit."""

    COUNCIL = "council", _l("Kommunalbestyrelsen")
    EXECUTIVE = "executive", _l("Direktionen")
    LEADER = "leader", _l("Leder")


class Trainee(Tracked, db.Model):
    """A member of management who must follow cybersecurity training (Art. 20(2)); not a user account."""

    __tablename__ = "training_trainee"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    role_title: Mapped[str | None] = mapped_column(sa.String(200))  # "Borgmester", "Kommunaldirektør"
    body: Mapped[ManagementBody] = mapped_column(enum_column(ManagementBody), nullable=False)
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    active: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    unit = relationship("Unit", lazy="raise")
    courses = relationship("TrainingRecord", back_populates="trainee", lazy="raise",
                           order_by="TrainingRecord.completed_on.desc()")


class TrainingRecord(Tracked, db.Model):
    """A course a trainee completed."""

    __tablename__ = "training_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(sa.ForeignKey("training_trainee.id", ondelete="CASCADE"),
                                            nullable=False, index=True)
    course: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    provider: Mapped[str | None] = mapped_column(sa.String(200))
    completed_on: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    note: Mapped[str | None] = mapped_column(sa.Text)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    trainee = relationship("Trainee", back_populates="courses", lazy="raise")


class ApprovalBody(LabelledEnum):
    EXECUTIVE = "executive", _l("Direktionen")
    COUNCIL = "council", _l("Kommunalbestyrelsen")
    # an IT-security steering group the management body has given the task
    STEERING = "steering", _l("IT-sikkerhedsstyregruppen")


class Approval(Tracked, db.Model):
    """Management's approval of the cybersecurity risk-management measures (Art. 20(1); NIS 2-loven § 7)."""

    __tablename__ = "management_approval"

    id: Mapped[int] = mapped_column(primary_key=True)
    approved_on: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    body: Mapped[ApprovalBody] = mapped_column(enum_column(ApprovalBody), nullable=False)
    reference: Mapped[str] = mapped_column(sa.String(200), nullable=False)  # sag / punkt on the agenda
    subject: Mapped[str] = mapped_column(sa.Text, nullable=False)
    note: Mapped[str | None] = mapped_column(sa.Text)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class ApprovalRule(LabelledEnum):
    """Which body the municipality has decided approves the cybersecurity measures each year.

    NIS2 Art. 20(1) and NIS 2-loven § 7 say "the management bodies"; who that is in a municipality the law
    leaves to the entity, so the rule is the municipality's own (a setting with its reason)."""

    NONE = "none", _l("Ikke fastsat")
    COUNCIL = "council", _l("Kommunalbestyrelsen")
    EXECUTIVE = "executive", _l("Direktionen")
    BOTH = "both", _l("Både kommunalbestyrelsen og direktionen")

    @property
    def bodies(self) -> tuple[ApprovalBody, ...]:
        """The bodies whose yearly approval the rule asks for."""
        return {"none": (), "council": (ApprovalBody.COUNCIL,), "executive": (ApprovalBody.EXECUTIVE,),
                "both": (ApprovalBody.COUNCIL, ApprovalBody.EXECUTIVE)}[self.value]


class ManagementScope(LabelledEnum):
    """Whose training counts as the management body's (Art. 20(2)); leaders of units count only as leaders."""

    COUNCIL = "council", _l("Kommunalbestyrelsen")
    EXECUTIVE = "executive", _l("Direktionen")
    BOTH = "both", _l("Både kommunalbestyrelsen og direktionen")

    @property
    def bodies(self) -> tuple[ManagementBody, ...]:
        return {"council": (ManagementBody.COUNCIL,), "executive": (ManagementBody.EXECUTIVE,),
                "both": (ManagementBody.COUNCIL, ManagementBody.EXECUTIVE)}[self.value]


class TrainingSettings(Tracked, db.Model):
    """The municipality's own rules for management's approval and training; one row, each with its reason."""

    __tablename__ = "training_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    approval_rule: Mapped[ApprovalRule] = mapped_column(enum_column(ApprovalRule), nullable=False,
                                                        default=ApprovalRule.NONE)
    approval_note: Mapped[str | None] = mapped_column(sa.Text)
    management_scope: Mapped[ManagementScope] = mapped_column(enum_column(ManagementScope), nullable=False,
                                                              default=ManagementScope.BOTH)
    validity_months: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=24)
    validity_note: Mapped[str | None] = mapped_column(sa.Text)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}
