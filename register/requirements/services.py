"""Listing, assessing and bulk-editing requirements; evidence files; a requirement's combined history."""
import datetime as dt
import functools
import math
import re
import secrets
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased, contains_eager

from register.catalogs import search
from register.catalogs.models import Catalog, Requirement
from register.catalogs.services import Kin, Neighbourhood, related_order, related_requirements
from register.controls.models import Control, ControlRequirement
from register.core.history import ChangeLog, current_actor, owned_history_page
from register.core.history_display import actor_name
from register.core.i18n import date_filter, gettext as _, lazy_gettext as _l
from register.core import paging
from register.core.paging import count_rows
from register.core.params import MAX_ID
from register.core.permissions import Permission
from register.extensions import db
from register.organisation.models import Unit
from register.organisation.services import unit_names
from register.requirements.models import (EvidenceKind, ImplementationStatus, RequirementAssessment,
                                          RequirementEvidence)
from register.requirements.rollup import rollup_status


class AssessmentError(ValueError):
    """A change that would break an assessment's rules; the message is meant for the user."""


class EvidenceError(ValueError):
    """An upload or link that is refused; the message is meant for the user."""


def today() -> dt.date:
    """Today's calendar date in the municipality's time zone."""
    return dt.datetime.now(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


# ---------------------------------------------------------------------------------------------------------------
# The requirement list: filters in the URL, one count query and one page query whatever the data size.

SORTS = ("ref", "title", "status", "maturity", "unit", "review")
STATUS_FILTERS = tuple(s.value for s in ImplementationStatus) + ("none", "na")


def _int(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 <= number <= MAX_ID else None  # beyond it, nothing can match


@dataclass(frozen=True)
class RequirementFilter:
    """What the list shows; read from and written back to the URL so a link can be shared."""

    catalog: str = ""
    area: int | None = None
    unit: int | None = None
    status: str = ""
    maturity: str = ""
    overdue: bool = False
    q: str = ""
    sort: str = "ref"
    desc: bool = False
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping) -> "RequirementFilter":
        status = args.get("status", "")
        maturity = args.get("maturity", "")
        sort = args.get("sort", "ref")
        return cls(
            catalog=(args.get("catalog") or "").strip()[:64],
            area=_int(args.get("area")),
            unit=_int(args.get("unit")),
            status=status if status in STATUS_FILTERS else "",
            maturity=maturity if maturity in ("none", *map(str, range(6))) else "",
            overdue=args.get("overdue") in ("1", "on", "y"),
            q=(args.get("q") or "").strip()[:200],
            sort=sort if sort in SORTS else "ref",
            desc=args.get("desc") == "1",
            page=max(_int(args.get("page")) or 1, 1),
        )

    def args(self, **overrides) -> dict:
        """Query-string arguments that differ from the defaults (for links and redirects)."""
        current = replace(self, **overrides)
        out = {}
        for f in fields(self):
            value = getattr(current, f.name)
            if value != f.default:
                out[f.name] = "1" if value is True else value
        return out

    @property
    def active(self) -> bool:
        return bool(self.args(sort="ref", desc=False, page=1))


@dataclass
class Page:
    rows: list[sa.Row]  # the columns of _list_rows_by_id
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(math.ceil(self.total / self.per_page), 1)


def _filters_assessment(f: RequirementFilter) -> bool:
    return bool(f.unit or f.status or f.maturity or f.overdue)


def _filtered(stmt, f: RequirementFilter, for_rows: bool = True):
    """The list's joins and filters; a count joins the assessments only when a filter reads them."""
    stmt = (stmt.join(Catalog, Catalog.id == Requirement.catalog_id)
            .where(Requirement.retired.is_(False)))
    if for_rows or _filters_assessment(f):
        stmt = stmt.outerjoin(RequirementAssessment, RequirementAssessment.requirement_id == Requirement.id)
    if for_rows:
        stmt = stmt.outerjoin(Unit, Unit.id == RequirementAssessment.responsible_unit_id)
    if f.catalog:
        stmt = stmt.where(Catalog.code == f.catalog)
    if f.area:
        stmt = stmt.where(sa.or_(Requirement.area_id == f.area, Requirement.id == f.area))
    if f.unit:
        stmt = stmt.where(RequirementAssessment.responsible_unit_id == f.unit)
    if f.status == "none":
        stmt = stmt.where(RequirementAssessment.status.is_(None))
    elif f.status == "na":
        stmt = stmt.where(RequirementAssessment.applicable.is_(False))
    elif f.status:
        stmt = stmt.where(RequirementAssessment.status == ImplementationStatus(f.status))
    if f.maturity == "none":
        stmt = stmt.where(RequirementAssessment.maturity.is_(None))
    elif f.maturity:
        stmt = stmt.where(RequirementAssessment.maturity == int(f.maturity))
    if f.overdue:
        stmt = stmt.where(RequirementAssessment.next_review < today(),
                          RequirementAssessment.applicable.is_(True))
    if f.q:
        stmt = stmt.where(search.matches(f.q))
    return stmt


def _nulls_last(column):
    return [sa.case((column.is_(None), 1), else_=0), column]


@functools.cache
def _sort_keys(sort: str, desc: bool) -> tuple:
    """The order of a sort choice, built once per choice (the expressions are the same for every request)."""
    catalogue_order = [Catalog.sort_order, Catalog.code, Requirement.position, Requirement.id]
    if sort == "ref":
        keys = []
    elif sort == "title":
        keys = [Requirement.title_da]
    elif sort == "status":
        keys = [sa.case({s: i for i, s in enumerate(ImplementationStatus)},
                        value=RequirementAssessment.status, else_=-1)]
    else:
        keys = _nulls_last({"maturity": RequirementAssessment.maturity, "unit": Unit.name,
                            "review": RequirementAssessment.next_review}[sort])
    if desc:
        if sort == "ref":
            catalogue_order = [c.desc() for c in catalogue_order]
        keys = [keys[0], keys[1].desc()] if len(keys) == 2 else [k.desc() for k in keys]
    return (*keys, *catalogue_order)


def _order(f: RequirementFilter) -> list:
    keys = list(_sort_keys(f.sort, f.desc))
    if f.q:  # an exact reference match comes first: "CIS 7" before texts that mention it
        exact = sa.case((sa.func.lower(Requirement.display_ref) == f.q.lower(), 0),
                        (Requirement.ref == search.ref_form(f.q), 0), else_=1)
        keys = [exact, *keys]
    return keys


@functools.cache
def _list_rows_by_id():
    """The list's columns, flat, for the ids of one page (a bound list, `ids`): a page's rows are read as plain
    rows, not as five ORM objects each (the objects were a fifth of the page's cost). The filters chose the
    ids already, so the statement is the same for every page and built once. A requirement without an
    assessment counts as applicable."""
    area_req = aliased(Requirement, name="area_req")
    control_count = (sa.select(sa.func.count(ControlRequirement.id))
                     .where(ControlRequirement.requirement_id == Requirement.id)
                     .correlate(Requirement).scalar_subquery())
    ids = sa.bindparam("ids", expanding=True)
    # The page's assessments picked by the same ids: joined to the whole table, PostgreSQL read all 5,000
    # assessments to hash them (a third of the statement's time) rather than look up fifty in the index.
    a = (sa.select(RequirementAssessment).where(RequirementAssessment.requirement_id.in_(ids))
         .subquery("page_assessment"))
    a = aliased(RequirementAssessment, a)
    return (sa.select(
        Requirement.id, Catalog.code.label("catalog_code"), Requirement.display_ref, Requirement.title_da,
        Requirement.title_en, sa.func.coalesce(area_req.display_ref, Requirement.display_ref).label("area_ref"),
        sa.func.coalesce(a.applicable, sa.true()).label("applicable"), a.status, a.status_from_controls,
        a.maturity, a.responsible_person, a.next_review, Unit.name.label("unit_name"),
        control_count.label("control_count"))
        .select_from(Requirement).join(Catalog, Catalog.id == Requirement.catalog_id)
        .outerjoin(a, a.requirement_id == Requirement.id).outerjoin(Unit, Unit.id == a.responsible_unit_id)
        .outerjoin(area_req, area_req.id == Requirement.area_id)
        .where(Requirement.id.in_(ids)))


def requirement_page(f: RequirementFilter) -> Page:
    """One page of the filtered list: the page's ids in order with the count, then those rows.

    Picking the ids first keeps the sort narrow; fetching rows with their control counts and areas in the
    same sorted query made the database build every matching row in full before it could keep fifty.
    """
    per_page = current_app.config["PAGE_SIZE"]
    page, total, ids = f.page, None, []
    if f.q:
        # A text search reads every requirement's text whatever is asked; count the matches in the same
        # reading (a window count) instead of a second one.
        found = db.session.execute(_page_of_ids(f, page, per_page, sa.func.count().over())).all()
        if found:
            total, ids = found[0][1], [row[0] for row in found]
    if total is None:  # no search, or the page asked for lies past the last one
        total = _count(f)
        page = min(f.page, max(math.ceil(total / per_page), 1))
        # Without a search this reads fifty ids in index order and stops (a window count would read them all).
        ids = db.session.execute(_page_of_ids(f, page, per_page)).scalars().all() if total else []
    rows = {row.id: row for row in
            db.session.execute(_list_rows_by_id(), {"ids": ids})} if ids else {}
    return Page([rows[i] for i in ids], total, page, per_page)


def _count(f: RequirementFilter) -> int:
    """How many requirements the filters match."""
    return db.session.execute(_filtered(
        sa.select(sa.func.count(Requirement.id)).select_from(Requirement), f, for_rows=False)).scalar_one()


def _page_of_ids(f: RequirementFilter, page: int, per_page: int, *extra):
    return (_filtered(sa.select(Requirement.id, *extra).select_from(Requirement), f).order_by(*_order(f))
            .limit(per_page).offset((page - 1) * per_page))


def export_rows(f: RequirementFilter) -> list[sa.Row]:
    """Every row of the filtered list with the export's columns, as plain rows in one statement (an export
    of a large catalogue read five ORM objects per requirement before). A requirement without an assessment
    counts as applicable; an area is its own area.

    Read on the session's connection: the rows are plain already, and the ORM's handling of each row cost
    as much as the database's reading it."""
    columns, area_req = _export_columns()
    stmt = _filtered(sa.select(*columns).select_from(Requirement), f).outerjoin(
        area_req, area_req.id == Requirement.area_id)
    return db.session.connection().execute(stmt.order_by(*_order(f))).all()


@functools.cache
def _export_columns() -> tuple[tuple, type[Requirement]]:
    """The export's columns and the area they name, built once (the expressions are the same for every
    export; the filters are added per request)."""
    area_req = aliased(Requirement, name="area_req")
    control_count = (sa.select(sa.func.count(ControlRequirement.id))
                     .where(ControlRequirement.requirement_id == Requirement.id)
                     .correlate(Requirement).scalar_subquery())
    ra = RequirementAssessment
    return (Catalog.code.label("catalog_code"), Requirement.display_ref, Requirement.title_da,
            sa.func.coalesce(area_req.display_ref, Requirement.display_ref).label("area_ref"),
            sa.func.coalesce(area_req.title_da, Requirement.title_da).label("area_title"),
            sa.func.coalesce(ra.applicable, sa.true()).label("applicable"), ra.applicability_reason, ra.status,
            sa.func.coalesce(ra.status_from_controls, sa.false()).label("status_from_controls"), ra.maturity,
            Unit.name.label("unit_name"), ra.responsible_person, ra.next_review, control_count.label("control_count"),
            ra.notes), area_req


def catalog_options() -> list[Catalog]:
    return list(db.session.execute(sa.select(Catalog).order_by(Catalog.sort_order, Catalog.code)).scalars())


AREAS_ACROSS_CATALOGUES = 100  # beyond this, the area filter waits for a catalogue to be chosen


def area_options(catalog_code: str = "", selected: int | None = None) -> list[Requirement]:
    """Top-level groups (areas), of one catalogue or all, in catalogue order. Across all catalogues only if
    they are few (a select with hundreds of areas helps no one), plus the one already selected."""
    stmt = (sa.select(Requirement).join(Catalog, Catalog.id == Requirement.catalog_id)
            .where(Requirement.parent_id.is_(None), Requirement.retired.is_(False))
            .options(contains_eager(Requirement.catalog))
            .order_by(Catalog.sort_order, Catalog.code, Requirement.position))
    if catalog_code:
        return list(db.session.execute(stmt.where(Catalog.code == catalog_code)).scalars())
    if count_rows(stmt) > AREAS_ACROSS_CATALOGUES:
        if not selected:
            return []
        stmt = stmt.where(Requirement.id == selected)
    return list(db.session.execute(stmt).scalars())


# ---------------------------------------------------------------------------------------------------------------
# Assessments

ASSESSMENT_FIELDS = ("applicable", "applicability_reason", "status", "status_from_controls", "maturity",
                     "responsible_unit_id", "responsible_person", "next_review", "notes")


def assessment_for(requirement_id: int) -> RequirementAssessment | None:
    return db.session.execute(sa.select(RequirementAssessment)
                              .where(RequirementAssessment.requirement_id == requirement_id)).scalar_one_or_none()


@functools.cache
def _requirement_with_assessment_statement() -> sa.Select:
    return (sa.select(Requirement, RequirementAssessment)
            .outerjoin(RequirementAssessment, RequirementAssessment.requirement_id == Requirement.id)
            .where(Requirement.id == sa.bindparam("requirement_id")))


# The catalogue the preparedness working group assesses: § 25, the nine planning elements, the plan-material
# headings and the § 210 health plan. Every other catalogue is security data and stays with IT security.
PREPAREDNESS_CATALOG = "beredskab"


def may_assess(user, requirement: Requirement) -> bool:
    """Whether the user may assess this requirement and attach documentation to it."""
    if user.can(Permission.EDIT_SECURITY):
        return True
    if not user.can(Permission.ASSESS_REQUIREMENTS):
        return False
    code = db.session.execute(sa.select(Catalog.code).where(Catalog.id == requirement.catalog_id)).scalar()
    return code == PREPAREDNESS_CATALOG


def requirement_with_assessment(requirement_id: int) -> tuple[Requirement, RequirementAssessment | None] | None:
    """The requirement and the municipality's assessment of it (None if not assessed yet), in one query, for
    the assessment form (the page reads them with more, `requirement_context`). None if there is no such
    requirement."""
    row = db.session.execute(_requirement_with_assessment_statement(), {"requirement_id": requirement_id}).first()
    return (row.Requirement, row.RequirementAssessment) if row else None


@functools.cache
def _context_statement() -> sa.Select:
    related = related_requirements()
    return (sa.select(Requirement, related.c.kin, related.c.relation, related.c.note, RequirementAssessment)
            .join(related, related.c.id == Requirement.id)
            .outerjoin(RequirementAssessment, sa.and_(related.c.kin == int(Kin.SELF),
                                                      RequirementAssessment.requirement_id == Requirement.id))
            .order_by(*related_order(related)))


def requirement_context(requirement_id: int) -> tuple[Neighbourhood, RequirementAssessment | None] | None:
    """The requirement with its ancestors, children and mapped requirements, and the municipality's assessment
    of it (None if not assessed yet), in one query: what its page shows about it. None if there is no such
    requirement."""
    rows = db.session.execute(_context_statement(), {"requirement_id": requirement_id}).all()
    place = Neighbourhood.of(row[:4] for row in rows)
    return (place, rows[0].RequirementAssessment) if place else None  # the requirement's own row comes first


def save_assessment(req: Requirement, assessment: RequirementAssessment | None, values: dict) -> RequirementAssessment:
    """Create or change the municipality's assessment of a requirement (flushes)."""
    if not values.get("applicable", True) and not (values.get("applicability_reason") or "").strip():
        raise AssessmentError(_("Angiv hvorfor kravet ikke er relevant."))
    effective_on = values.get("status_effective_on")
    if effective_on is not None and effective_on > today():
        raise AssessmentError(_("Datoen, statussen gælder fra, kan ikke ligge i fremtiden."))
    before = None
    if assessment is None:
        assessment = RequirementAssessment(requirement_id=req.id)
        db.session.add(assessment)
    else:
        before = (assessment.status, assessment.applicable)
    for key in ASSESSMENT_FIELDS:
        if key in values:
            setattr(assessment, key, values[key])
    if assessment.status_from_controls:
        assessment.status = rollup_status(linked_control_statuses([req.id]).get(req.id, []))
    if before != (assessment.status, assessment.applicable):
        assessment.status_effective_on = effective_on or today()
    elif effective_on is not None:  # the same status, dated anew: a correction of when it took effect
        assessment.status_effective_on = effective_on
    db.session.flush()
    return assessment


def linked_control_statuses(requirement_ids) -> dict[int, list]:
    """{requirement id: [status of each linked control]} in one query."""
    out: dict[int, list] = {}
    rows = db.session.execute(sa.select(ControlRequirement.requirement_id, Control.status)
                              .join(Control, Control.id == ControlRequirement.control_id)
                              .where(ControlRequirement.requirement_id.in_(list(requirement_ids))))
    for requirement_id, status in rows:
        out.setdefault(requirement_id, []).append(status)
    return out


def refresh_rollups(requirement_ids) -> int:
    """Recompute the status of those assessments that take it from their controls; returns how many changed."""
    ids = set(requirement_ids)
    if not ids:
        return 0
    assessments = list(db.session.execute(
        sa.select(RequirementAssessment).where(RequirementAssessment.status_from_controls.is_(True),
                                               RequirementAssessment.requirement_id.in_(ids))).scalars())
    statuses = linked_control_statuses([a.requirement_id for a in assessments]) if assessments else {}
    changed = 0
    for assessment in assessments:
        new = rollup_status(statuses.get(assessment.requirement_id, []))
        if assessment.status != new:
            assessment.status = new
            assessment.status_effective_on = today()
            changed += 1
    db.session.flush()
    return changed


@dataclass
class BulkChange:
    status: ImplementationStatus | None = None
    unit_id: int | None = None
    next_review: dt.date | None = None


def bulk_update(requirement_ids, change: BulkChange) -> int:
    """Apply the same change to many requirements; one history entry per record. Returns how many changed."""
    ids = {int(i) for i in requirement_ids}
    known = set(db.session.execute(sa.select(Requirement.id).where(Requirement.id.in_(ids))).scalars())
    if known != ids:
        raise AssessmentError(_("Et eller flere af de valgte krav findes ikke."))
    existing = {a.requirement_id: a for a in db.session.execute(
        sa.select(RequirementAssessment).where(RequirementAssessment.requirement_id.in_(ids))).scalars()}
    changed = 0
    for requirement_id in sorted(ids):
        assessment = existing.get(requirement_id)
        if assessment is None:
            assessment = RequirementAssessment(requirement_id=requirement_id, applicable=True,
                                               status_from_controls=False)
            db.session.add(assessment)
        before = (assessment.status, assessment.responsible_unit_id, assessment.next_review,
                  assessment.status_from_controls)
        if change.status is not None:
            if assessment.status != change.status:
                assessment.status_effective_on = today()
            assessment.status = change.status
            assessment.status_from_controls = False  # an explicit status replaces the roll-up
        if change.unit_id is not None:
            assessment.responsible_unit_id = change.unit_id
        if change.next_review is not None:
            assessment.next_review = change.next_review
        if assessment.id is None or before != (assessment.status, assessment.responsible_unit_id,
                                               assessment.next_review, assessment.status_from_controls):
            changed += 1
    db.session.flush()  # one flush: one history row per record
    return changed


# ---------------------------------------------------------------------------------------------------------------
# Evidence: links and uploaded files. Files get a random name under UPLOAD_FOLDER (which several app
# servers can share, e.g. a network mount) and are only ever served as attachments.

# Extension -> accepted leading bytes (None: any text). The check stops a renamed executable or HTML page.
ALLOWED_UPLOADS = {
    "pdf": (b"%PDF",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "docx": (b"PK\x03\x04",), "xlsx": (b"PK\x03\x04",), "pptx": (b"PK\x03\x04",),
    "odt": (b"PK\x03\x04",), "ods": (b"PK\x03\x04",), "odp": (b"PK\x03\x04",),
    "msg": (b"\xd0\xcf\x11\xe0",),
    "txt": None, "csv": None, "eml": None,
}


def upload_folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"]) / "evidence"


def max_upload_bytes() -> int:
    return current_app.config.get("EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)


def _check_upload(filename: str, data: bytes) -> str:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if ext not in ALLOWED_UPLOADS:
        raise EvidenceError(_("Filtypen er ikke tilladt. Tilladte typer: %(types)s.",
                              types=", ".join(sorted(ALLOWED_UPLOADS))))
    if not data:
        raise EvidenceError(_("Filen er tom."))
    if len(data) > max_upload_bytes():
        raise EvidenceError(_("Filen er større end %(mb)d MB.", mb=max_upload_bytes() // (1024 * 1024)))
    signatures = ALLOWED_UPLOADS[ext]
    if signatures is None:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise EvidenceError(_("Filen er ikke en tekstfil (UTF-8).")) from None
    elif not any(data.startswith(sig) for sig in signatures):
        raise EvidenceError(_("Filens indhold passer ikke til filtypen .%(ext)s.", ext=ext))
    return ext


def evidence_filename(name: str) -> str:
    """The uploaded file's name made safe to show and offer for download, keeping its letters (æ, ø, å; werkzeug's
    secure_filename keeps ASCII only): its last path part, spaces as "_", only letters, digits, "_", "-", "."."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[^\w.-]", "", re.sub(r"\s+", "_", name.strip()))
    name = re.sub(r"_{2,}", "_", name).strip("._")
    return name[-200:] or "fil"


def add_file_evidence(req: Requirement, title: str, filename: str, data: bytes) -> RequirementEvidence:
    """Store an uploaded file under a random name and record it (flushes)."""
    safe_name = evidence_filename(filename or "")
    ext = _check_upload(safe_name, data)
    folder = upload_folder()
    folder.mkdir(parents=True, exist_ok=True)
    stored = secrets.token_hex(16)
    path = folder / stored
    path.write_bytes(data)
    evidence = RequirementEvidence(requirement_id=req.id, kind=EvidenceKind.FILE, title=title or safe_name,
                                   stored_name=stored, filename=safe_name, size=len(data),
                                   content_type=f"application/{ext}", added_by=current_actor()[1])
    db.session.add(evidence)
    try:
        db.session.flush()
    except Exception:
        path.unlink(missing_ok=True)
        raise
    return evidence


def add_link_evidence(req: Requirement, title: str, url: str) -> RequirementEvidence:
    if not url.lower().startswith(("https://", "http://")):
        raise EvidenceError(_("Linket skal begynde med https:// eller http://."))
    evidence = RequirementEvidence(requirement_id=req.id, kind=EvidenceKind.LINK, title=title or url, url=url,
                                   added_by=current_actor()[1])
    db.session.add(evidence)
    db.session.flush()
    return evidence


def evidence_of(requirement_id: int) -> list[RequirementEvidence]:
    return list(db.session.execute(sa.select(RequirementEvidence)
                                   .where(RequirementEvidence.requirement_id == requirement_id)
                                   .order_by(RequirementEvidence.added_at, RequirementEvidence.id)).scalars())


def evidence_file(evidence: RequirementEvidence) -> Path:
    return upload_folder() / evidence.stored_name


def delete_evidence(evidence: RequirementEvidence) -> Path | None:
    """Delete the record (flushes); returns the stored file for the caller to remove after commit."""
    path = evidence_file(evidence) if evidence.stored_name else None
    db.session.delete(evidence)
    db.session.flush()
    return path


# ---------------------------------------------------------------------------------------------------------------
# A requirement's history: the catalogue text, the assessment, evidence and control links, newest first.


@dataclass
class HistoryEntry:
    entry: ChangeLog
    subject: str
    unit_names: tuple = ()  # the names, as they are now, of the units its changes name
    actor: str = ""  # who made the change, by name as it is now


def requirement_history(req: Requirement, page: int = 1,
                        known_titles: Mapping[int, str] | None = None) -> paging.Page:
    """One page of everything recorded about this requirement, newest first (like core.history.history_page):
    the count, the page and the control titles it names, whatever the history's length. Each item is a
    HistoryEntry. `known_titles` are control titles the caller has read already (the controls linked now,
    which most entries name): only others are read."""
    result = owned_history_page("requirement", req.id, page)  # parts: assessment, evidence, control links
    entries = result.items
    titles = dict(known_titles or {})
    control_ids = {e.state.get("control_id") for e in entries if e.entity == "control_requirement"} - titles.keys()
    if control_ids:
        titles.update(db.session.execute(sa.select(Control.id, Control.title).where(Control.id.in_(control_ids))).all())
    out = []
    units = unit_names() if any("responsible_unit_id" in e.changes for e in entries) else {}
    for e in entries:
        if e.entity == "requirement":
            subject = _("Kravtekst (katalog)")
        elif e.entity == "requirement_assessment":
            subject = _("Vurdering")
        elif e.entity == "requirement_evidence":
            subject = _("Dokumentation: %(title)s", title=e.state.get("title", ""))
        else:
            subject = _("Tiltag: %(title)s", title=titles.get(e.state.get("control_id"), "?"))
        named = tuple(units.get(u) for u in e.changes.get("responsible_unit_id", ()) if u is not None)
        out.append(HistoryEntry(e, str(subject), named, actor_name(e.actor)))
    result.items = out
    return result


FIELD_LABELS = {
    "applicable": _l("Relevant"), "applicability_reason": _l("Begrundelse"), "status": _l("Status"),
    "status_effective_on": _l("Status gælder fra"),
    "status_from_controls": _l("Status fra tiltag"), "maturity": _l("Modenhed"),
    "responsible_unit_id": _l("Ansvarlig enhed"),
    "responsible_person": _l("Ansvarlig person"), "next_review": _l("Næste gennemgang"), "notes": _l("Noter"),
    "title": _l("Titel"), "url": _l("Link"), "filename": _l("Filnavn"),
}


def describe_value(field: str, value, units: dict[int, str]) -> str:
    """A history value as a person reads it: labels instead of codes."""
    if value is None or value == "":
        return "—"
    if field == "status":
        try:
            return ImplementationStatus(value).label
        except ValueError:
            return str(value)
    if field == "responsible_unit_id":
        return units.get(value, f"#{value}")
    if isinstance(value, bool):
        return _("Ja") if value else _("Nej")
    if field == "next_review":
        return date_filter(dt.date.fromisoformat(value))
    return str(value)


# ---------------------------------------------------------------------------------------------------------------
# Statement of applicability: every assessed requirement of a catalogue with relevance, reason and controls.

@dataclass
class ApplicabilityRow:
    requirement: Requirement
    area_label: str
    applicable: bool
    reason: str | None
    status_label: str
    controls: list[str]
    unit: str | None


def applicability_statement(catalog: Catalog) -> list[ApplicabilityRow]:
    """The catalogue's assessed requirements (leaves, or marked assessable), in catalogue order; three queries."""
    reqs = list(db.session.execute(sa.select(Requirement).where(Requirement.catalog_id == catalog.id,
                                                                Requirement.retired.is_(False))
                                   .order_by(Requirement.position)).scalars())
    assessments = {a.requirement_id: (a, u) for a, u in db.session.execute(
        sa.select(RequirementAssessment, Unit).join(Requirement, Requirement.id == RequirementAssessment.requirement_id)
        .outerjoin(Unit, Unit.id == RequirementAssessment.responsible_unit_id)
        .where(Requirement.catalog_id == catalog.id))}
    controls: dict[int, list[str]] = {}
    for requirement_id, title in db.session.execute(
            sa.select(ControlRequirement.requirement_id, Control.title)
            .join(Control, Control.id == ControlRequirement.control_id)
            .join(Requirement, Requirement.id == ControlRequirement.requirement_id)
            .where(Requirement.catalog_id == catalog.id).order_by(Control.title)):
        controls.setdefault(requirement_id, []).append(title)
    by_id = {r.id: r for r in reqs}
    has_child = {r.parent_id for r in reqs if r.parent_id is not None}
    out = []
    for r in reqs:
        flag = (r.attributes or {}).get("assessable")
        if not (flag if isinstance(flag, bool) else r.id not in has_child):
            continue
        area = r
        while area.parent_id in by_id:
            area = by_id[area.parent_id]
        a, unit = assessments.get(r.id, (None, None))
        out.append(ApplicabilityRow(
            r, f"{area.display_ref} {area.title_da}".strip(), a.applicable if a else True,
            a.applicability_reason if a else None,
            a.status.label if a and a.status else _("Ikke vurderet"), controls.get(r.id, []),
            unit.name if unit else None))
    return out
