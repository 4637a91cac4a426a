"""Gap analysis: assessments scored per CIS control, and findings that make up the action plan.

Findings do not depend on assessments: a finding may come from a gap analysis (assessment_id set), an
exercise or an incident (source_kind plus source_id/source_label, filled in by those parts).
"""
import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from register.core.db import UTCDateTime, enum_column, utcnow
from register.core.enums import LabelledEnum
from register.core.history import Tracked
from register.core.i18n import lazy_gettext as _l
from register.extensions import db

MATURITY_LEVELS = range(0, 6)


def maturity_scale() -> list[tuple[int, str, str]]:
    """The 0-5 maturity scale shown next to every score: (level, name, meaning)."""
    return [
        (0, _l("Ikke til stede"), _l("Kontrollen findes ikke eller udføres ikke.")),
        (1, _l("Initial"), _l("Udføres ad hoc og afhænger af enkeltpersoner; intet er dokumenteret.")),
        (2, _l("Gentagelig"), _l("Udføres på samme måde hver gang, men er kun delvist dokumenteret.")),
        (3, _l("Defineret"), _l("Dokumenteret, godkendt og kendt af dem, der skal udføre den.")),
        (4, _l("Styret og målt"), _l("Effekten måles og følges op; afvigelser håndteres.")),
        (5, _l("Optimeret"), _l("Forbedres løbende på grundlag af målinger og erfaringer.")),
    ]


class AssessorKind(LabelledEnum):
    INTERNAL = "internal", _l("Intern")
    EXTERNAL = "external", _l("Ekstern rådgiver")


class ImplementationGroup(LabelledEnum):
    """CIS Controls v8 implementation groups."""

    IG1 = "ig1", _l("IG1 – grundlæggende cyberhygiejne")
    IG2 = "ig2", _l("IG2 – udvidet")
    IG3 = "ig3", _l("IG3 – fuld")

    @property
    def short(self) -> str:
        return self.value.upper()


class FindingSource(LabelledEnum):
    GAP_ANALYSIS = "gap_analysis", _l("Gap-analyse")
    EXERCISE = "exercise", _l("Øvelse")
    INCIDENT = "incident", _l("Hændelse")
    OTHER = "other", _l("Andet")


class Severity(LabelledEnum):
    """How critical a finding is (kritikalitet)."""

    CRITICAL = "critical", _l("Kritisk"), "error"
    HIGH = "high", _l("Høj"), "warning"
    MEDIUM = "medium", _l("Middel"), "info"
    LOW = "low", _l("Lav"), "neutral"


class CostLevel(LabelledEnum):
    """Estimated cost of closing a finding, in bands (kr. excl. moms)."""

    LOW = "low", _l("Lav (under 50.000 kr.)")
    MEDIUM = "medium", _l("Middel (50.000–250.000 kr.)")
    HIGH = "high", _l("Høj (over 250.000 kr.)")


class Priority(LabelledEnum):
    """Priority 1 is done first."""

    P1 = "1", _l("1 – straks"), "error"
    P2 = "2", _l("2 – høj"), "warning"
    P3 = "3", _l("3 – middel"), "info"
    P4 = "4", _l("4 – lav"), "neutral"


# The priority rule: criticality against estimated cost. Critical findings that are cheap to fix come first; a
# low finding that is expensive comes last. An unknown cost counts as medium, so a finding without an estimate
# is neither favoured nor buried.
UNKNOWN_COST_AS = CostLevel.MEDIUM

MATRIX: dict[Severity, dict[CostLevel, Priority]] = {
    Severity.CRITICAL: {CostLevel.LOW: Priority.P1, CostLevel.MEDIUM: Priority.P1, CostLevel.HIGH: Priority.P2},
    Severity.HIGH: {CostLevel.LOW: Priority.P1, CostLevel.MEDIUM: Priority.P2, CostLevel.HIGH: Priority.P3},
    Severity.MEDIUM: {CostLevel.LOW: Priority.P2, CostLevel.MEDIUM: Priority.P3, CostLevel.HIGH: Priority.P4},
    Severity.LOW: {CostLevel.LOW: Priority.P3, CostLevel.MEDIUM: Priority.P4, CostLevel.HIGH: Priority.P4},
}


def priority_for(severity: Severity, cost: CostLevel | None) -> Priority:
    """The computed priority of a finding."""
    return MATRIX[Severity(severity)][CostLevel(cost) if cost else UNKNOWN_COST_AS]


def is_overdue(status: "FindingStatus", due_on: dt.date | None, today: dt.date) -> bool:
    """A finding not closed whose due date has passed."""
    return status != FindingStatus.CLOSED and due_on is not None and due_on < today


class FindingStatus(LabelledEnum):
    OPEN = "open", _l("Åben"), "warning"
    IN_PROGRESS = "in_progress", _l("I gang"), "info"
    CLOSED = "closed", _l("Lukket"), "success"


class Assessment(Tracked, db.Model):
    """One gap analysis: who assessed what, when, by which method."""

    __tablename__ = "gap_assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    assessed_on: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    assessor_kind: Mapped[AssessorKind] = mapped_column(enum_column(AssessorKind), nullable=False)
    assessor_name: Mapped[str | None] = mapped_column(sa.String(200))
    method: Mapped[str] = mapped_column(sa.String(200), nullable=False, default="CIS Controls v8")
    scope: Mapped[str | None] = mapped_column(sa.Text)
    previous_id: Mapped[int | None] = mapped_column(sa.ForeignKey("gap_assessment.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)

    previous = relationship("Assessment", remote_side=[id], lazy="raise")
    scores = relationship("ControlScore", back_populates="assessment", lazy="raise",
                          cascade="all, delete-orphan", passive_deletes=True)

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Assessment {self.name}>"


class ControlScore(Tracked, db.Model):
    """Current and target maturity of one CIS control in one assessment."""

    __tablename__ = "gap_control_score"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(sa.ForeignKey("gap_assessment.id", ondelete="CASCADE"),
                                               nullable=False)
    requirement_id: Mapped[int] = mapped_column(sa.ForeignKey("requirement.id", ondelete="RESTRICT"),
                                                nullable=False, index=True)
    current_level: Mapped[int | None] = mapped_column(sa.SmallInteger)
    target_level: Mapped[int | None] = mapped_column(sa.SmallInteger)
    implementation_group: Mapped[ImplementationGroup | None] = mapped_column(enum_column(ImplementationGroup))
    justification: Mapped[str | None] = mapped_column(sa.Text)
    # False when copied from last year's assessment, until someone confirms or changes it.
    confirmed: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)

    assessment = relationship("Assessment", back_populates="scores", lazy="raise")
    requirement = relationship("Requirement", lazy="joined", innerjoin=True)

    __table_args__ = (
        sa.UniqueConstraint("assessment_id", "requirement_id",
                            name="uq_gap_control_score_assessment_id_requirement_id"),
        sa.CheckConstraint("current_level BETWEEN 0 AND 5", name="current_level_range"),
        sa.CheckConstraint("target_level BETWEEN 0 AND 5", name="target_level_range"),
    )
    __mapper_args__ = {"version_id_col": version}


class Finding(Tracked, db.Model):
    """One point on the action plan."""

    __tablename__ = "gap_finding"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_kind: Mapped[FindingSource] = mapped_column(enum_column(FindingSource), nullable=False,
                                                       default=FindingSource.GAP_ANALYSIS)
    assessment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("gap_assessment.id", ondelete="SET NULL"),
                                                      index=True)
    # For other sources: the id of the exercise/incident record (interpreted by source_kind) and a readable label.
    source_id: Mapped[int | None] = mapped_column(sa.Integer)
    source_label: Mapped[str | None] = mapped_column(sa.String(300))
    external_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True)  # the id in the imported file
    title: Mapped[str] = mapped_column(sa.String(500), nullable=False)
    description: Mapped[str | None] = mapped_column(sa.Text)
    severity: Mapped[Severity] = mapped_column(enum_column(Severity), nullable=False)
    cost: Mapped[CostLevel | None] = mapped_column(enum_column(CostLevel))
    cost_estimate_dkk: Mapped[int | None] = mapped_column(sa.Integer)
    effort: Mapped[str | None] = mapped_column(sa.String(100))
    priority_override: Mapped[Priority | None] = mapped_column(enum_column(Priority))
    priority_override_reason: Mapped[str | None] = mapped_column(sa.Text)
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id", ondelete="RESTRICT"))
    owner: Mapped[str | None] = mapped_column(sa.String(200))
    identified_on: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    due_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    status: Mapped[FindingStatus] = mapped_column(enum_column(FindingStatus), nullable=False,
                                                  default=FindingStatus.OPEN)
    closure_evidence: Mapped[str | None] = mapped_column(sa.Text)
    closed_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)

    assessment = relationship("Assessment", lazy="raise")
    unit = relationship("Unit", lazy="raise")
    requirement_links = relationship("FindingRequirement", back_populates="finding", lazy="raise",
                                     cascade="all, delete-orphan", passive_deletes=True)

    __table_args__ = (
        sa.CheckConstraint("status <> 'closed' OR closed_on IS NOT NULL", name="closed_has_date"),
        sa.CheckConstraint("priority_override IS NULL OR priority_override_reason IS NOT NULL",
                           name="override_has_reason"),
        sa.Index("ix_gap_finding_status_due_on", "status", "due_on"),
        # The action plan's figures read the findings grouped by status and the priority's inputs, and by unit,
        # from these alone rather than from the table's rows (descriptions and all); the second also finds a
        # unit's findings.
        sa.Index("ix_gap_finding_plan_figures", "status", "priority_override", "severity", "cost", "due_on",
                 "cost_estimate_dkk"),
        sa.Index("ix_gap_finding_unit_figures", "unit_id", "status", "due_on", "cost_estimate_dkk"),
    )
    __mapper_args__ = {"version_id_col": version}

    @property
    def computed_priority(self) -> Priority:
        return priority_for(self.severity, self.cost)

    @property
    def priority(self) -> Priority:
        return self.priority_override or self.computed_priority

    def is_overdue(self, today: dt.date) -> bool:
        return is_overdue(self.status, self.due_on, today)

    @property
    def unit_name(self) -> str | None:
        """The unit's name (the unit loaded with the finding), as the action plan's plain rows carry it."""
        return self.unit.name if self.unit else None

    def __repr__(self) -> str:
        return f"<Finding {self.external_id or self.id}: {self.title[:40]}>"


class FindingRequirement(Tracked, db.Model):
    """A finding concerns a requirement: a CIS control, a NIS2 article, a beredskab requirement."""

    __tablename__ = "gap_finding_requirement"

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(sa.ForeignKey("gap_finding.id", ondelete="CASCADE"), nullable=False)
    requirement_id: Mapped[int] = mapped_column(sa.ForeignKey("requirement.id", ondelete="RESTRICT"),
                                                nullable=False, index=True)

    finding = relationship("Finding", back_populates="requirement_links", lazy="raise")
    requirement = relationship("Requirement", lazy="joined", innerjoin=True)

    __table_args__ = (sa.UniqueConstraint("finding_id", "requirement_id",
                                          name="uq_gap_finding_requirement_finding_id_requirement_id"),)


class ImportColumn(Tracked, db.Model):
    """A column header the import could not place by itself, and what the user said it holds (or "ignore").

    Kept per source (the assessor named on the assessment), so the next file from the same consultant is read
    the same way without asking again."""

    __tablename__ = "gap_import_column"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(sa.String(200), nullable=False)  # normalised assessor name, "" if none
    header: Mapped[str] = mapped_column(sa.String(200), nullable=False)  # normalised header text
    field: Mapped[str] = mapped_column(sa.String(40), nullable=False)  # an importer field name, or "ignore"
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (sa.UniqueConstraint("source", "header"),)
