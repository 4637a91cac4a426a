"""Security incidents, their NIS2 reports (virk.dk), affected units, linked requirements and lessons learned."""
import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from register.core.db import UTCDateTime, enum_column
from register.core.enums import LabelledEnum
from register.core.history import Tracked
from register.core.i18n import lazy_gettext as _l
from register.extensions import db


class IncidentStatus(LabelledEnum):
    REGISTERED = "registered", _l("Registreret"), "info"
    HANDLING = "handling", _l("Under håndtering"), "warning"
    CONTAINED = "contained", _l("Inddæmmet"), "info"
    CLOSED = "closed", _l("Afsluttet"), "success"


class Significance(LabelledEnum):
    """The Art. 23(3) assessment; only a significant incident must be reported."""

    PENDING = "pending", _l("Ikke vurderet endnu"), "warning"
    SIGNIFICANT = "significant", _l("Væsentlig hændelse"), "error"
    NOT_SIGNIFICANT = "not_significant", _l("Ikke væsentlig"), "neutral"


class ReportKind(LabelledEnum):
    """The reports Art. 23(4) names for a significant incident, in order."""

    EARLY_WARNING = "early_warning", _l("Tidlig varsling")
    NOTIFICATION = "notification", _l("Hændelsesunderretning")
    # (c): only when the CSIRT or the authority asks for one
    INTERMEDIATE = "intermediate", _l("Foreløbig rapport")
    # (e): when the incident is still ongoing as the final report falls due
    PROGRESS = "progress", _l("Statusrapport")
    FINAL = "final", _l("Endelig rapport")


class Incident(Tracked, db.Model):
    __tablename__ = "incident"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    detected_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    aware_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)  # starts the Art. 23 clock
    systems_affected: Mapped[str | None] = mapped_column(sa.Text)
    description: Mapped[str] = mapped_column(sa.Text, nullable=False)
    significance: Mapped[Significance] = mapped_column(enum_column(Significance), nullable=False,
                                                       default=Significance.PENDING)
    significance_reason: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[IncidentStatus] = mapped_column(enum_column(IncidentStatus), nullable=False,
                                                   default=IncidentStatus.REGISTERED, index=True)
    # When the incident was handled: Art. 23(4)(e) counts the final report of an incident still ongoing at the
    # one-month mark from here.
    handled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    units = relationship("IncidentUnit", back_populates="incident", lazy="raise", cascade="all, delete-orphan")
    reports = relationship("IncidentReport", back_populates="incident", lazy="raise", cascade="all, delete-orphan")

    @property
    def is_open(self) -> bool:
        return self.status != IncidentStatus.CLOSED

    @property
    def is_significant(self) -> bool:
        return self.significance == Significance.SIGNIFICANT


class IncidentUnit(Tracked, db.Model):
    """A unit affected by an incident."""

    __tablename__ = "incident_unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(sa.ForeignKey("incident.id", ondelete="CASCADE"), nullable=False)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id", ondelete="RESTRICT"), nullable=False, index=True)

    __table_args__ = (sa.UniqueConstraint("incident_id", "unit_id", name="uq_incident_unit_incident_id_unit_id"),)

    incident = relationship("Incident", back_populates="units", lazy="raise")
    unit = relationship("Unit", lazy="raise")


class IncidentReport(Tracked, db.Model):
    """A report actually submitted to the authorities through virk.dk, with its receipt."""

    __tablename__ = "incident_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(sa.ForeignKey("incident.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[ReportKind] = mapped_column(enum_column(ReportKind), nullable=False)
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    receipt_ref: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    note: Mapped[str | None] = mapped_column(sa.Text)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)

    __table_args__ = (sa.UniqueConstraint("incident_id", "kind", name="uq_incident_report_incident_id_kind"),)
    __mapper_args__ = {"version_id_col": version}

    incident = relationship("Incident", back_populates="reports", lazy="raise")


class IncidentRequirement(Tracked, db.Model):
    """A requirement an incident concerns (e.g. nis2:23, or 21.2.b for incident handling)."""

    __tablename__ = "incident_requirement"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(sa.ForeignKey("incident.id", ondelete="CASCADE"), nullable=False)
    requirement_id: Mapped[int] = mapped_column(sa.ForeignKey("requirement.id", ondelete="RESTRICT"),
                                                nullable=False, index=True)
    note: Mapped[str | None] = mapped_column(sa.Text)

    __table_args__ = (sa.UniqueConstraint("incident_id", "requirement_id",
                                          name="uq_incident_requirement_incident_id_requirement_id"),)

    requirement = relationship("Requirement", lazy="raise")


class LessonStatus(LabelledEnum):
    OPEN = "open", _l("Åben"), "warning"
    DONE = "done", _l("Gennemført"), "success"


class Lesson(Tracked, db.Model):
    """A lesson learned from an incident, with an owning unit and a due date."""

    __tablename__ = "incident_lesson"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(sa.ForeignKey("incident.id", ondelete="CASCADE"), nullable=False,
                                             index=True)
    description: Mapped[str] = mapped_column(sa.Text, nullable=False)
    owner_unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id", ondelete="RESTRICT"), nullable=False,
                                               index=True)
    due_on: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    status: Mapped[LessonStatus] = mapped_column(enum_column(LessonStatus), nullable=False,
                                                 default=LessonStatus.OPEN)
    # The finding on the action plan made from this lesson, if any (one per lesson).
    finding_id: Mapped[int | None] = mapped_column(sa.ForeignKey("gap_finding.id", ondelete="SET NULL"),
                                                   unique=True)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    incident = relationship("Incident", lazy="raise")
    owner_unit = relationship("Unit", lazy="raise")
    finding = relationship("Finding", lazy="raise")


class IncidentControl(Tracked, db.Model):
    """A control (tiltag) an incident concerns: one that failed, was missing, or helped."""

    __tablename__ = "incident_control"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(sa.ForeignKey("incident.id", ondelete="CASCADE"), nullable=False)
    control_id: Mapped[int] = mapped_column(sa.ForeignKey("control.id", ondelete="RESTRICT"), nullable=False,
                                            index=True)
    note: Mapped[str | None] = mapped_column(sa.Text)

    __table_args__ = (sa.UniqueConstraint("incident_id", "control_id",
                                          name="uq_incident_control_incident_id_control_id"),)

    control = relationship("Control", lazy="raise")
