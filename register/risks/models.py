"""Risks (cyber and beredskab/RSV) with their rating, treatment, links, reviews and acceptances."""
import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from register.core.db import UTCDateTime, enum_column, utcnow
from register.core.enums import LabelledEnum
from register.core.history import Tracked
from register.core.i18n import lazy_gettext as _l
from register.extensions import db


class RiskSource(LabelledEnum):
    """Where a risk was identified: the cyber risk analysis (NIS2 art. 21(2)(a)) or the beredskab's
    risiko- og sårbarhedsvurdering (RSV)."""

    CYBER = "cyber", _l("Cyber"), "info"
    PREPAREDNESS = "preparedness", _l("Beredskab (RSV)"), "neutral"


class Treatment(LabelledEnum):
    ACCEPT = "accept", _l("Accepter")
    REDUCE = "reduce", _l("Reducer")
    TRANSFER = "transfer", _l("Overfør")
    AVOID = "avoid", _l("Undgå")


class RiskStatus(LabelledEnum):
    OPEN = "open", _l("Aktiv"), "info"
    CLOSED = "closed", _l("Lukket"), "neutral"


class AcceptanceBody(LabelledEnum):
    """Who accepted a risk; the body's own name (a committee, a meeting) is recorded beside it."""

    COUNCIL = "council", _l("Kommunalbestyrelsen")
    COMMITTEE = "committee", _l("Et politisk udvalg")
    EXECUTIVE = "executive", _l("Direktionen")
    STEERING_GROUP = "steering_group", _l("Styregruppe for informationssikkerhed")
    OTHER = "other", _l("Andet organ")


class Risk(Tracked, db.Model):
    __tablename__ = "risk"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    description: Mapped[str | None] = mapped_column(sa.Text)
    source: Mapped[RiskSource] = mapped_column(enum_column(RiskSource), nullable=False, default=RiskSource.CYBER)
    owner_unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id", ondelete="RESTRICT"), nullable=False,
                                               index=True)
    # On the municipality's scale (RISK_LIKELIHOOD_LEVELS x RISK_CONSEQUENCE_LEVELS, 1-based).
    inherent_likelihood: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    inherent_consequence: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    residual_likelihood: Mapped[int | None] = mapped_column(sa.Integer)
    residual_consequence: Mapped[int | None] = mapped_column(sa.Integer)
    treatment: Mapped[Treatment | None] = mapped_column(enum_column(Treatment))
    treatment_note: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[RiskStatus] = mapped_column(enum_column(RiskStatus), nullable=False, default=RiskStatus.OPEN)
    last_reviewed_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    next_review_on: Mapped[dt.date | None] = mapped_column(sa.Date, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.Index("ix_risk_title", "title", "id"),  # the list's order, read from the index
        sa.Index("ix_risk_residual", "residual_likelihood", "residual_consequence"),
        sa.CheckConstraint("inherent_likelihood >= 1 AND inherent_consequence >= 1", name="inherent_positive"),
        sa.CheckConstraint("(residual_likelihood IS NULL OR residual_likelihood >= 1) AND "
                           "(residual_consequence IS NULL OR residual_consequence >= 1)", name="residual_positive"),
    )

    owner_unit = relationship("Unit", lazy="raise")


class RiskControl(Tracked, db.Model):
    """A control (tiltag) that treats the risk."""

    __tablename__ = "risk_control"

    id: Mapped[int] = mapped_column(primary_key=True)
    risk_id: Mapped[int] = mapped_column(sa.ForeignKey("risk.id", ondelete="CASCADE"), nullable=False)
    control_id: Mapped[int] = mapped_column(sa.ForeignKey("control.id", ondelete="RESTRICT"), nullable=False,
                                            index=True)
    note: Mapped[str | None] = mapped_column(sa.String(2000))

    __table_args__ = (sa.UniqueConstraint("risk_id", "control_id", name="uq_risk_control_risk_id_control_id"),)

    control = relationship("Control", lazy="raise")


class RiskFinding(Tracked, db.Model):
    """A finding on the action plan that the risk comes from or that treats it."""

    __tablename__ = "risk_finding"

    id: Mapped[int] = mapped_column(primary_key=True)
    risk_id: Mapped[int] = mapped_column(sa.ForeignKey("risk.id", ondelete="CASCADE"), nullable=False)
    finding_id: Mapped[int] = mapped_column(sa.ForeignKey("gap_finding.id", ondelete="RESTRICT"), nullable=False,
                                            index=True)
    note: Mapped[str | None] = mapped_column(sa.String(2000))

    __table_args__ = (sa.UniqueConstraint("risk_id", "finding_id", name="uq_risk_finding_risk_id_finding_id"),)

    finding = relationship("Finding", lazy="raise")


class RiskRequirement(Tracked, db.Model):
    """A requirement the risk concerns (e.g. NIS2 21(2)(a), or a beredskab planning element)."""

    __tablename__ = "risk_requirement"

    id: Mapped[int] = mapped_column(primary_key=True)
    risk_id: Mapped[int] = mapped_column(sa.ForeignKey("risk.id", ondelete="CASCADE"), nullable=False)
    requirement_id: Mapped[int] = mapped_column(sa.ForeignKey("requirement.id", ondelete="RESTRICT"),
                                                nullable=False, index=True)
    note: Mapped[str | None] = mapped_column(sa.String(2000))

    __table_args__ = (sa.UniqueConstraint("risk_id", "requirement_id",
                                          name="uq_risk_requirement_risk_id_requirement_id"),)

    requirement = relationship("Requirement", lazy="raise")


class RiskReview(Tracked, db.Model):
    """A review of the risk on a date: who reviewed it, what they concluded, and when it is next due."""

    __tablename__ = "risk_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    risk_id: Mapped[int] = mapped_column(sa.ForeignKey("risk.id", ondelete="CASCADE"), nullable=False, index=True)
    reviewed_on: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    reviewed_by: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    note: Mapped[str | None] = mapped_column(sa.Text)
    residual_likelihood: Mapped[int | None] = mapped_column(sa.Integer)  # the rating as reviewed
    residual_consequence: Mapped[int | None] = mapped_column(sa.Integer)
    next_review_on: Mapped[dt.date | None] = mapped_column(sa.Date)


class RiskAcceptance(Tracked, db.Model):
    """A named body's decision to accept the risk at the residual rating it had then."""

    __tablename__ = "risk_acceptance"

    id: Mapped[int] = mapped_column(primary_key=True)
    risk_id: Mapped[int] = mapped_column(sa.ForeignKey("risk.id", ondelete="CASCADE"), nullable=False, index=True)
    body: Mapped[AcceptanceBody] = mapped_column(enum_column(AcceptanceBody), nullable=False)
    body_name: Mapped[str] = mapped_column(sa.String(200), nullable=False)  # "Økonomiudvalget", "Direktionen"
    decided_on: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    reference: Mapped[str | None] = mapped_column(sa.String(200))  # sag / punkt on the agenda
    likelihood: Mapped[int] = mapped_column(sa.Integer, nullable=False)  # the rating accepted
    consequence: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    valid_until: Mapped[dt.date | None] = mapped_column(sa.Date)
    note: Mapped[str | None] = mapped_column(sa.Text)
