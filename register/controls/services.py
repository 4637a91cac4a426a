"""Controls (tiltag): listing, saving, and linking them to the requirements they satisfy."""
import datetime as dt
import functools
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from register.catalogs.models import Catalog, Requirement
from register.controls.hooks import requirements_changed
from register.controls.models import CONTROL_DONE, Control, ControlRequirement, ControlStatus
from register.core.i18n import gettext as _
from register.core.paging import Page, paginate
from register.core.picker import Picker, containing, picker
from register.extensions import db
from register.organisation.models import Unit


class ControlError(ValueError):
    """A refused change; the message is meant for the user."""


@dataclass
class ControlRow:
    control: Control
    unit: Unit | None
    requirement_count: int


def overdue_clause(today: dt.date) -> sa.ColumnElement[bool]:
    """Controls past their date and not yet in place, as a finding past its date is flagged."""
    return sa.and_(Control.due_date < today, Control.status.not_in(CONTROL_DONE))


def overdue_count(today: dt.date) -> int:
    return db.session.execute(sa.select(sa.func.count(Control.id)).where(overdue_clause(today))).scalar_one()


def list_controls(status: str = "", unit_id: int | None = None, q: str = "", page: int = 1,
                  overdue_on: dt.date | None = None) -> Page:
    """One page of controls with owner unit and number of linked requirements: three queries whatever the data.

    The page's ids are chosen first, then their rows read: PostgreSQL works out every selected column of the
    rows an OFFSET skips, so page 40 counted the requirements of 2,000 controls (10 ms) to show 50."""
    ids = sa.select(Control.id).order_by(Control.title, Control.id)
    if status in {s.value for s in ControlStatus}:
        ids = ids.where(Control.status == ControlStatus(status))
    if unit_id:
        ids = ids.where(Control.owner_unit_id == unit_id)
    if overdue_on is not None:
        ids = ids.where(overdue_clause(overdue_on))
    if q:
        needle = f"%{q.lower()}%"
        ids = ids.where(sa.or_(sa.func.lower(Control.title).like(needle),
                               sa.func.lower(sa.func.coalesce(Control.description, "")).like(needle)))
    result = paginate(ids, page)
    rows = {c.id: ControlRow(c, u, n) for c, u, n in db.session.execute(
        _control_rows().where(Control.id.in_(result.items)))} if result.items else {}
    result.items = [rows[i] for i in result.items]
    return result


@functools.cache
def _control_rows() -> sa.Select:
    count = (sa.select(sa.func.count(ControlRequirement.id)).where(ControlRequirement.control_id == Control.id)
             .correlate(Control).scalar_subquery())
    return sa.select(Control, Unit, count).outerjoin(Unit, Unit.id == Control.owner_unit_id)


def save_control(control: Control, values: dict) -> Control:
    """Create or change a control; requirements that roll up their status follow (flushes)."""
    for key, value in values.items():
        setattr(control, key, value)
    if control.id is None:
        db.session.add(control)
    db.session.flush()
    requirements_changed(linked_requirement_ids(control.id))
    return control


def linked_requirement_ids(control_id: int) -> set[int]:
    return set(db.session.execute(sa.select(ControlRequirement.requirement_id)
                                  .where(ControlRequirement.control_id == control_id)).scalars())


@dataclass
class LinkedRequirement:
    link: ControlRequirement
    requirement: Requirement


def requirements_of(control: Control) -> list[LinkedRequirement]:
    rows = db.session.execute(
        sa.select(ControlRequirement, Requirement)
        .join(Requirement, Requirement.id == ControlRequirement.requirement_id)
        .join(Catalog, Catalog.id == Requirement.catalog_id)
        .options(contains_eager(Requirement.catalog))
        .where(ControlRequirement.control_id == control.id)
        .order_by(Catalog.sort_order, Catalog.code, Requirement.position))
    return [LinkedRequirement(link, req) for link, req in rows]


@dataclass
class LinkedControl:
    link: ControlRequirement
    control: Control
    unit: Unit | None


def controls_of(requirement_id: int) -> list[LinkedControl]:
    rows = db.session.execute(
        sa.select(ControlRequirement, Control, Unit)
        .join(Control, Control.id == ControlRequirement.control_id)
        .outerjoin(Unit, Unit.id == Control.owner_unit_id)
        .where(ControlRequirement.requirement_id == requirement_id)
        .order_by(Control.title))
    return [LinkedControl(link, control, unit) for link, control, unit in rows]


def find_requirement(text: str) -> Requirement:
    """A requirement from 'catalogue:ref' (nis2:21.2.d) or its displayed reference (21(2)(d), CIS 7)."""
    text = (text or "").strip()
    if not text:
        raise ControlError(_("Angiv et krav, fx nis2:21.2.d, 21(2)(d) eller CIS 7."))
    stmt = sa.select(Requirement).join(Catalog, Catalog.id == Requirement.catalog_id).options(
        contains_eager(Requirement.catalog)).where(Requirement.retired.is_(False))
    if ":" in text:
        code, ref = text.split(":", 1)
        found = list(db.session.execute(stmt.where(Catalog.code == code.strip(), Requirement.ref == ref.strip()))
                     .scalars())
    else:
        found = list(db.session.execute(stmt.where(sa.func.lower(Requirement.display_ref) == text.lower()))
                     .scalars())
    if not found:
        raise ControlError(_("Kravet %(ref)s findes ikke.", ref=text))
    if len(found) > 1:
        raise ControlError(_("%(ref)s findes i flere kataloger; skriv fx %(example)s.", ref=text,
                             example=", ".join(r.full_ref for r in found)))
    return found[0]


def link(control: Control, requirement: Requirement, note: str | None = None) -> ControlRequirement:
    """Record that the control satisfies the requirement (flushes)."""
    exists = db.session.execute(sa.select(ControlRequirement.id).where(
        ControlRequirement.control_id == control.id, ControlRequirement.requirement_id == requirement.id)).first()
    if exists:
        raise ControlError(_("Tiltaget er allerede knyttet til %(ref)s.", ref=requirement.display_ref))
    item = ControlRequirement(control_id=control.id, requirement_id=requirement.id, note=note or None)
    db.session.add(item)
    db.session.flush()
    requirements_changed({requirement.id})
    return item


def unlink(item: ControlRequirement) -> None:
    requirement_id = item.requirement_id
    db.session.delete(item)
    db.session.flush()
    requirements_changed({requirement_id})


def control_picker() -> Picker:
    """Controls to link, searchable when there are many (`?tiltag_soeg=`)."""
    return picker("tiltag_soeg", sa.select(Control.id, Control.title).order_by(Control.title, Control.id),
                  lambda row: row.title, containing(Control.title))
