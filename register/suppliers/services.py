"""Suppliers: the filtered list, saving, what they deliver, links to controls and risks, and reviews."""
import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from register.controls.models import Control
from register.core.dates import add_months, local_today
from register.core.i18n import gettext as _
from register.core.paging import Page, paginate
from register.core.picker import Picker, containing, picker
from register.core.record_links import LinkKind, add_link
from register.extensions import db
from register.organisation.models import Unit
from register.risks.models import Risk
from register.suppliers.models import (Criticality, ReviewResult, Supplier, SupplierControl, SupplierReview,
                                       SupplierRisk, SupplierService)

# How long before a contract ends or a review is due the list flags it (the årshjul's reminders use their own
# steps: 30 days, 7 days, the day, overdue).
SOON_DAYS = 90


class SupplierError(ValueError):
    """A refused change; the message is meant for the user."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass
class SupplierFilter:
    criticality: str = ""
    unit_id: int | None = None
    attention: str = ""   # review_due, contract_ending, no_dpa
    q: str = ""

    def args(self) -> dict:
        values = {"criticality": self.criticality, "unit": self.unit_id, "attention": self.attention, "q": self.q}
        return {k: v for k, v in values.items() if v}

    def where(self, stmt: sa.Select, today: dt.date) -> sa.Select:
        if self.criticality in {c.value for c in Criticality}:
            stmt = stmt.where(Supplier.criticality == Criticality(self.criticality))
        if self.unit_id:
            stmt = stmt.where(Supplier.owner_unit_id == self.unit_id)
        soon = today + dt.timedelta(days=SOON_DAYS)
        if self.attention == "review_due":
            stmt = stmt.where(sa.or_(Supplier.next_review_on.is_(None), Supplier.next_review_on <= soon))
        elif self.attention == "contract_ending":
            stmt = stmt.where(Supplier.contract_ends_on <= soon)
        elif self.attention == "no_dpa":
            stmt = stmt.where(Supplier.processes_personal_data.is_(True), Supplier.dpa_signed_on.is_(None))
        if self.q:
            needle = self.q.lower()
            services = sa.select(SupplierService.id).where(
                SupplierService.supplier_id == Supplier.id,
                sa.func.lower(SupplierService.name).contains(needle, autoescape=True))
            stmt = stmt.where(sa.or_(sa.func.lower(Supplier.name).contains(needle, autoescape=True),
                                     services.exists()))
        return stmt


_ROW_COLUMNS = (Supplier.id, Supplier.name, Supplier.criticality, Supplier.contract_ends_on,
                Supplier.processes_personal_data, Supplier.dpa_signed_on, Supplier.last_reviewed_on,
                Supplier.last_review_result, Supplier.next_review_on, Supplier.owner_unit_id,
                Unit.name.label("unit_name"))


@dataclass
class SupplierRow:
    supplier: sa.Row
    services: list[str]
    notes: list[str] | None = None  # what needs attention, in words


def list_suppliers(f: SupplierFilter, page: int, today: dt.date) -> Page:
    """One page of suppliers in name order with their unit and services: three queries whatever the data."""
    stmt = f.where(sa.select(*_ROW_COLUMNS).outerjoin(Unit, Unit.id == Supplier.owner_unit_id), today)
    result = paginate(stmt.order_by(Supplier.name, Supplier.id), page, scalars=False)
    names: dict[int, list[str]] = {}
    ids = [row.id for row in result.items]
    if ids:
        for supplier_id, name in db.session.execute(
                sa.select(SupplierService.supplier_id, SupplierService.name)
                .where(SupplierService.supplier_id.in_(ids)).order_by(SupplierService.name)):
            names.setdefault(supplier_id, []).append(name)
    words = _attention_words()  # translated once for the page, not for every row
    result.items = [SupplierRow(row, names.get(row.id, []), attention(row, today, words)) for row in result.items]
    return result


def all_suppliers(f: SupplierFilter, today: dt.date) -> list[SupplierRow]:
    """Every supplier the filter keeps, with their services, for the exports (two queries)."""
    stmt = f.where(sa.select(Supplier, Unit.name.label("unit_name"))
                   .outerjoin(Unit, Unit.id == Supplier.owner_unit_id), today)
    rows = db.session.execute(stmt.order_by(Supplier.name, Supplier.id)).all()
    names: dict[int, list[str]] = {}
    for supplier_id, name in db.session.execute(sa.select(SupplierService.supplier_id, SupplierService.name)
                                                .order_by(SupplierService.name)):
        names.setdefault(supplier_id, []).append(name)
    return [SupplierRow(row, names.get(row.Supplier.id, [])) for row in rows]


def save_supplier(supplier: Supplier, values: dict) -> Supplier:
    """Create or change a supplier (flushes)."""
    signed, ends = values.get("contract_signed_on"), values.get("contract_ends_on")
    if signed and ends and ends < signed:
        raise SupplierError(_("Kontrakten kan ikke udløbe, før den er indgået."), "contract_ends_on")
    if values.get("dpa_signed_on") and not values.get("processes_personal_data"):
        raise SupplierError(_("En databehandleraftale forudsætter, at leverandøren behandler personoplysninger."),
                            "processes_personal_data")
    for key, value in values.items():
        setattr(supplier, key, (value.strip() or None) if isinstance(value, str) else value)
    supplier.name = values["name"].strip()
    if supplier.id is None:
        db.session.add(supplier)
    db.session.flush()
    return supplier


def services_of(supplier_id: int) -> list[SupplierService]:
    return list(db.session.execute(sa.select(SupplierService).where(SupplierService.supplier_id == supplier_id)
                                   .order_by(SupplierService.name, SupplierService.id)).scalars())


def add_service(supplier: Supplier, name: str, description: str | None, criticality: Criticality) -> SupplierService:
    service = SupplierService(supplier_id=supplier.id, name=name.strip(), description=(description or "").strip()
                              or None, criticality=criticality)
    db.session.add(service)
    supplier.version += 1
    db.session.flush()
    return service


def remove_service(supplier: Supplier, service: SupplierService) -> None:
    db.session.delete(service)
    supplier.version += 1
    db.session.flush()


def reviews_of(supplier_id: int) -> list[SupplierReview]:
    return list(db.session.execute(sa.select(SupplierReview).where(SupplierReview.supplier_id == supplier_id)
                                   .order_by(SupplierReview.reviewed_on.desc(), SupplierReview.id.desc())).scalars())


def review_months() -> int:
    return int(current_app.config.get("SUPPLIER_REVIEW_MONTHS", 12))


def record_review(supplier: Supplier, reviewed_on: dt.date, reviewed_by: str, result: ReviewResult,
                  note: str | None, next_review_on: dt.date | None, today: dt.date | None = None) -> SupplierReview:
    """Record a review (tilsyn) of the supplier; its last review, result and next review follow (flushes)."""
    today = today or local_today()
    if reviewed_on > today:
        raise SupplierError(_("Gennemgangen kan ikke ligge i fremtiden."), "reviewed_on")
    next_review_on = next_review_on or add_months(reviewed_on, review_months())
    if next_review_on <= reviewed_on:
        raise SupplierError(_("Næste gennemgang skal ligge efter denne."), "next_review_on")
    review = SupplierReview(supplier_id=supplier.id, reviewed_on=reviewed_on, reviewed_by=reviewed_by.strip(),
                            result=result, note=(note or "").strip() or None, next_review_on=next_review_on)
    db.session.add(review)
    if supplier.last_reviewed_on is None or reviewed_on >= supplier.last_reviewed_on:
        supplier.last_reviewed_on = reviewed_on
        supplier.last_review_result = result
        supplier.next_review_on = next_review_on
    db.session.flush()
    return review


@dataclass
class SupplierLinks:
    controls: list  # (SupplierControl, Control)
    risks: list     # (SupplierRisk, Risk)


def links_of(supplier_id: int) -> SupplierLinks:
    controls = db.session.execute(sa.select(SupplierControl, Control)
                                  .join(Control, Control.id == SupplierControl.control_id)
                                  .where(SupplierControl.supplier_id == supplier_id).order_by(Control.title)).all()
    risks = db.session.execute(sa.select(SupplierRisk, Risk).join(Risk, Risk.id == SupplierRisk.risk_id)
                               .where(SupplierRisk.supplier_id == supplier_id).order_by(Risk.title)).all()
    return SupplierLinks(controls, risks)


def suppliers_of_risk(risk_id: int) -> list[tuple[SupplierRisk, Supplier]]:
    """The suppliers linked to a risk, by name (one query; the risk page's section)."""
    return db.session.execute(sa.select(SupplierRisk, Supplier)
                              .join(Supplier, Supplier.id == SupplierRisk.supplier_id)
                              .where(SupplierRisk.risk_id == risk_id).order_by(Supplier.name)).all()


LINK_KINDS = {"tiltag": LinkKind(SupplierControl, "control_id", Control),
              "risici": LinkKind(SupplierRisk, "risk_id", Risk)}


def link(supplier: Supplier, kind: str, target_id: int, note: str | None):
    """Link the supplier to a control or a risk (flushes); a second link to the same is refused."""
    return add_link(supplier, "supplier_id", LINK_KINDS[kind], target_id, note,
                    _("Leverandøren er allerede knyttet til det valgte."), SupplierError)


def risk_picker() -> Picker:
    """Risks to link, searchable when there are many (`?risiko_soeg=`)."""
    return picker("risiko_soeg", sa.select(Risk.id, Risk.title).order_by(Risk.title, Risk.id),
                  lambda row: row.title, containing(Risk.title))


def _attention_words() -> dict[str, str]:
    return {"never": _("Aldrig gennemgået"), "no_next": _("Ingen næste gennemgang"),
            "review_late": _("Gennemgang overskredet"), "review_soon": _("Gennemgang snart"),
            "expired": _("Kontrakten er udløbet"), "ending": _("Kontrakten udløber snart"),
            "no_dpa": _("Mangler databehandleraftale")}


def attention(row, today: dt.date, words: dict[str, str] | None = None) -> list[str]:
    """What needs doing about a supplier, in words (a list row or a Supplier)."""
    words = words or _attention_words()
    soon = today + dt.timedelta(days=SOON_DAYS)
    notes = []
    if row.next_review_on is None:
        notes.append(words["never"] if row.last_reviewed_on is None else words["no_next"])
    elif row.next_review_on < today:
        notes.append(words["review_late"])
    elif row.next_review_on <= soon:
        notes.append(words["review_soon"])
    if row.contract_ends_on is not None:
        if row.contract_ends_on < today:
            notes.append(words["expired"])
        elif row.contract_ends_on <= soon:
            notes.append(words["ending"])
    if row.processes_personal_data and row.dpa_signed_on is None:
        notes.append(words["no_dpa"])
    return notes
