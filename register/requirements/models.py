"""The municipality's assessment of a requirement and its evidence.

Kept apart from the catalogue tables (keyed by requirement id) so that reloading a catalogue never
touches it.
"""
import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from register.core.db import UTCDateTime, enum_column, utcnow
from register.core.enums import LabelledEnum
from register.core.history import Tracked
from register.core.i18n import lazy_gettext as _l
from register.extensions import db


class ImplementationStatus(LabelledEnum):
    """How far the municipality has come; "not assessed" is the absence of a status."""

    NOT_STARTED = "not_started", _l("Ikke påbegyndt"), "error"
    PLANNED = "planned", _l("Planlagt"), "info"
    PARTLY = "partly", _l("Delvist"), "warning"
    IMPLEMENTED = "implemented", _l("Implementeret"), "success"


NOT_ASSESSED_LABEL = _l("Ikke vurderet")

# A CMMI-style maturity scale; shown beside every maturity score so the number is never read alone.
MATURITY_SCALE = {
    0: (_l("Ikke til stede"), _l("Der er ingen praksis.")),
    1: (_l("Initial"), _l("Praksis findes, men er tilfældig og personafhængig.")),
    2: (_l("Gentagelig"), _l("Praksis gentages, men er ikke dokumenteret.")),
    3: (_l("Defineret"), _l("Praksis er dokumenteret, godkendt og kendt.")),
    4: (_l("Styret og målt"), _l("Praksis måles og følges op.")),
    5: (_l("Optimeret"), _l("Praksis forbedres løbende på baggrund af målinger.")),
}


def maturity_label(score: int | None) -> str:
    if score is None:
        return ""
    return f"{score} – {MATURITY_SCALE[score][0]}"


class RequirementAssessment(Tracked, db.Model):
    """The municipality's own assessment of one requirement."""

    __tablename__ = "requirement_assessment"
    __history_owner__ = ("requirement", "requirement_id")  # shown in the requirement's history

    id: Mapped[int] = mapped_column(primary_key=True)
    requirement_id: Mapped[int] = mapped_column(sa.ForeignKey("requirement.id", ondelete="RESTRICT"),
                                                nullable=False, unique=True)
    applicable: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    applicability_reason: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[ImplementationStatus | None] = mapped_column(enum_column(ImplementationStatus), index=True)
    # The day the status and relevance took effect (the annual report reads the year by it); the day of saving
    # unless the user backdates it, which the change history records with who and when like any change.
    status_effective_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    status_from_controls: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    maturity: Mapped[int | None] = mapped_column(sa.SmallInteger)
    responsible_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id", ondelete="RESTRICT"),
                                                            index=True)
    responsible_person: Mapped[str | None] = mapped_column(sa.String(200))
    next_review: Mapped[dt.date | None] = mapped_column(sa.Date, index=True)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)

    __table_args__ = (sa.CheckConstraint("maturity IS NULL OR (maturity >= 0 AND maturity <= 5)",
                                         name="maturity_range"),
                      # Covers what the compliance figures read of every assessment, so they skip the rows.
                      sa.Index("ix_requirement_assessment_figures", "requirement_id", "applicable", "status",
                               "next_review", "responsible_unit_id"))
    __mapper_args__ = {"version_id_col": version}

    requirement = relationship("Requirement", lazy="raise")
    responsible_unit = relationship("Unit", lazy="raise")

    @property
    def maturity_label(self) -> str:
        return maturity_label(self.maturity)


class EvidenceKind(LabelledEnum):
    LINK = "link", _l("Link")
    FILE = "file", _l("Fil")


class RequirementEvidence(Tracked, db.Model):
    """Documentation that a requirement is met: a link, or a file stored under UPLOAD_FOLDER."""

    __tablename__ = "requirement_evidence"
    __history_owner__ = ("requirement", "requirement_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    requirement_id: Mapped[int] = mapped_column(sa.ForeignKey("requirement.id", ondelete="RESTRICT"),
                                                nullable=False, index=True)
    kind: Mapped[EvidenceKind] = mapped_column(enum_column(EvidenceKind), nullable=False)
    title: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    url: Mapped[str | None] = mapped_column(sa.String(2000))
    stored_name: Mapped[str | None] = mapped_column(sa.String(80), unique=True)  # random; never the user's name
    filename: Mapped[str | None] = mapped_column(sa.String(255))
    content_type: Mapped[str | None] = mapped_column(sa.String(120))
    size: Mapped[int | None] = mapped_column(sa.Integer)
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    added_by: Mapped[str | None] = mapped_column(sa.String(255))
