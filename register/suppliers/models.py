"""Suppliers (NIS2 art. 21(2)(d) and (3)): what they deliver, their agreements, obligations and reviews."""
import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from register.core.db import UTCDateTime, enum_column, utcnow
from register.core.enums import LabelledEnum
from register.core.history import Tracked
from register.core.i18n import lazy_gettext as _l
from register.extensions import db


class Criticality(LabelledEnum):
    """How much the municipality's services depend on the supplier."""

    CRITICAL = "critical", _l("Kritisk"), "error"
    HIGH = "high", _l("Høj"), "warning"
    MEDIUM = "medium", _l("Middel"), "info"
    LOW = "low", _l("Lav"), "neutral"


class ReviewResult(LabelledEnum):
    SATISFACTORY = "satisfactory", _l("Tilfredsstillende"), "success"
    REMARKS = "remarks", _l("Med bemærkninger"), "warning"
    UNSATISFACTORY = "unsatisfactory", _l("Ikke tilfredsstillende"), "error"


class Supplier(Tracked, db.Model):
    __tablename__ = "supplier"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    cvr: Mapped[str | None] = mapped_column(sa.String(20))
    description: Mapped[str | None] = mapped_column(sa.Text)
    contact_name: Mapped[str | None] = mapped_column(sa.String(200))
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))
    owner_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    criticality: Mapped[Criticality] = mapped_column(enum_column(Criticality), nullable=False,
                                                     default=Criticality.MEDIUM)
    contract_signed_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    contract_ends_on: Mapped[dt.date | None] = mapped_column(sa.Date, index=True)
    processes_personal_data: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    dpa_signed_on: Mapped[dt.date | None] = mapped_column(sa.Date)  # databehandleraftale
    # The NIS2-relevant obligations the contract puts on the supplier (art. 21(2)(d), 21(3)).
    obliged_incident_notice: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    obliged_security_requirements: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    obliged_audit_right: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    obliged_subcontractor_approval: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    obligations_note: Mapped[str | None] = mapped_column(sa.Text)
    last_reviewed_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    last_review_result: Mapped[ReviewResult | None] = mapped_column(enum_column(ReviewResult))
    next_review_on: Mapped[dt.date | None] = mapped_column(sa.Date, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (sa.Index("ix_supplier_name", "name", "id"),)  # the list's order, read from the index

    owner_unit = relationship("Unit", lazy="raise")

    @property
    def obligation_count(self) -> int:
        return sum((self.obliged_incident_notice, self.obliged_security_requirements, self.obliged_audit_right,
                    self.obliged_subcontractor_approval))


class SupplierService(Tracked, db.Model):
    """A system or service the supplier delivers (e.g. a KOMBIT system, hosting, a professional system)."""

    __tablename__ = "supplier_service"

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(sa.ForeignKey("supplier.id", ondelete="CASCADE"), nullable=False,
                                             index=True)
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(sa.Text)
    criticality: Mapped[Criticality] = mapped_column(enum_column(Criticality), nullable=False,
                                                     default=Criticality.MEDIUM)


class SupplierReview(Tracked, db.Model):
    """A review (tilsyn) of the supplier: when, by whom, the result, and when the next one is due."""

    __tablename__ = "supplier_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(sa.ForeignKey("supplier.id", ondelete="CASCADE"), nullable=False,
                                             index=True)
    reviewed_on: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    reviewed_by: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    result: Mapped[ReviewResult] = mapped_column(enum_column(ReviewResult), nullable=False)
    note: Mapped[str | None] = mapped_column(sa.Text)
    next_review_on: Mapped[dt.date | None] = mapped_column(sa.Date)


class SupplierControl(Tracked, db.Model):
    """A control (tiltag) the supplier's delivery touches or carries out."""

    __tablename__ = "supplier_control"

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(sa.ForeignKey("supplier.id", ondelete="CASCADE"), nullable=False)
    control_id: Mapped[int] = mapped_column(sa.ForeignKey("control.id", ondelete="RESTRICT"), nullable=False,
                                            index=True)
    note: Mapped[str | None] = mapped_column(sa.String(2000))

    __table_args__ = (sa.UniqueConstraint("supplier_id", "control_id",
                                          name="uq_supplier_control_supplier_id_control_id"),)

    control = relationship("Control", lazy="raise")


class SupplierRisk(Tracked, db.Model):
    """A risk in the risk register that the supplier bears on."""

    __tablename__ = "supplier_risk"

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(sa.ForeignKey("supplier.id", ondelete="CASCADE"), nullable=False)
    risk_id: Mapped[int] = mapped_column(sa.ForeignKey("risk.id", ondelete="CASCADE"), nullable=False, index=True)
    note: Mapped[str | None] = mapped_column(sa.String(2000))

    __table_args__ = (sa.UniqueConstraint("supplier_id", "risk_id", name="uq_supplier_risk_supplier_id_risk_id"),)

    risk = relationship("Risk", lazy="raise")
