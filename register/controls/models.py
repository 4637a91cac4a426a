"""Controls (tiltag) and the requirements they satisfy."""
import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from register.core.db import UTCDateTime, enum_column, utcnow
from register.core.enums import LabelledEnum
from register.core.history import Tracked
from register.core.i18n import lazy_gettext as _l
from register.extensions import db


class ControlStatus(LabelledEnum):
    NOT_STARTED = "not_started", _l("Ikke påbegyndt"), "error"
    PLANNED = "planned", _l("Planlagt"), "info"
    IN_PROGRESS = "in_progress", _l("I gang"), "warning"
    IMPLEMENTED = "implemented", _l("Implementeret"), "success"
    DISCONTINUED = "discontinued", _l("Ophørt"), "neutral"  # kept for history; ignored by the status roll-up


class Control(Tracked, db.Model):
    __tablename__ = "control"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    description: Mapped[str | None] = mapped_column(sa.Text)
    owner_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    status: Mapped[ControlStatus] = mapped_column(enum_column(ControlStatus), nullable=False,
                                                  default=ControlStatus.PLANNED)
    due_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}
    # The list's order: a page is read from the index instead of sorting every control.
    __table_args__ = (sa.Index("ix_control_title", "title", "id"),)

    owner_unit = relationship("Unit", lazy="raise")

    def is_overdue(self, today: dt.date) -> bool:
        """Past its date and still not in place (an implemented or discontinued control is done with)."""
        return self.due_date is not None and self.due_date < today and self.status not in CONTROL_DONE


# The statuses with nothing left to do: a control in one of them is never overdue.
CONTROL_DONE = (ControlStatus.IMPLEMENTED, ControlStatus.DISCONTINUED)


class ControlRequirement(Tracked, db.Model):
    """A control satisfies (part of) a requirement; one control can serve several catalogues."""

    __tablename__ = "control_requirement"
    __history_owner__ = ("requirement", "requirement_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    control_id: Mapped[int] = mapped_column(sa.ForeignKey("control.id", ondelete="RESTRICT"), nullable=False)
    requirement_id: Mapped[int] = mapped_column(sa.ForeignKey("requirement.id", ondelete="RESTRICT"),
                                                nullable=False, index=True)
    note: Mapped[str | None] = mapped_column(sa.String(500))

    __table_args__ = (sa.UniqueConstraint("control_id", "requirement_id",
                                          name="uq_control_requirement_control_id_requirement_id"),)

    control = relationship("Control", lazy="raise")
    requirement = relationship("Requirement", lazy="raise")
