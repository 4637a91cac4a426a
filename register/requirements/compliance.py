"""Compliance figures per catalogue, area and unit; plain functions the dashboard and the annual report share.

Counting rules (shown on the dashboard too):
- Only requirements that are assessed count: those without sub-requirements, unless the catalogue marks a
  requirement `assessable` explicitly (CISO Assistant libraries do). Retired requirements do not count.
- "Ikke relevant" requirements are counted separately and left out of the shares.
- A requirement without an assessment, or with no status, is "not assessed".
- Overdue for review: applicable, with a next review date before the reference day.
"""
import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa

from register.catalogs.models import Catalog, Requirement, area_of
from register.core.dates import local_today
from register.core.history import states_as_of
from register.core.i18n import gettext as _
from register.extensions import db
from register.organisation.models import Unit
from register.requirements.models import RequirementAssessment

STATUS_KEYS = ("implemented", "partly", "planned", "not_started", "not_assessed")


@dataclass
class Figures:
    """Counts for one group of requirements."""

    key: object
    label: str
    total: int = 0
    not_applicable: int = 0
    implemented: int = 0
    partly: int = 0
    planned: int = 0
    not_started: int = 0
    not_assessed: int = 0
    overdue: int = 0

    @property
    def applicable(self) -> int:
        return self.total - self.not_applicable

    def share(self, key: str) -> float:
        """Percentage of the applicable requirements, 0 when there are none."""
        return 100.0 * getattr(self, key) / self.applicable if self.applicable else 0.0

    def cells(self) -> list[tuple[int, str]]:
        """(count, whole percent) per status in STATUS_KEYS order: the cells of a figures table, built in one
        call (the template looked each count up by item first, an exception per cell before the attribute)."""
        return [(getattr(self, key), f"{self.share(key):.0f}") for key in STATUS_KEYS]

    def add(self, status: str | None, applicable: bool, overdue: bool) -> None:
        self.total += 1
        if not applicable:
            self.not_applicable += 1
            return
        key = status if status in STATUS_KEYS else "not_assessed"
        setattr(self, key, getattr(self, key) + 1)
        if overdue:
            self.overdue += 1


@dataclass
class OverdueItem:
    requirement_id: int
    catalog_id: int
    display_ref: str
    title: str
    next_review: dt.date
    unit: str | None


@dataclass
class Overview:
    reference_day: dt.date
    as_of: dt.date | None
    catalogs: list[Figures]
    areas: dict[int, list[Figures]]   # catalogue id -> its areas
    units: list[Figures]
    overdue: list[OverdueItem] = field(default_factory=list)
    total: Figures | None = None
    area_counts: dict[int, int] = field(default_factory=dict)  # catalogue id -> its areas with figures


# Which catalogues' areas to read, given the catalogues' figures and each one's number of areas.
AreasFor = Callable[[list[Figures], dict[int, int]], list[int]]


@dataclass
class _Req:
    id: int
    catalog_id: int
    parent_id: int | None
    retired: bool
    attributes: dict
    display_ref: str
    title: str
    position: int


@dataclass
class _Assessment:
    applicable: bool
    status: str | None
    unit_id: int | None
    next_review: dt.date | None


def _date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


def _load_as_of(day: dt.date, states: tuple[dict, dict] | None = None) -> tuple[list[_Req], dict[int, _Assessment]]:
    """The requirements and assessments as they stood at the end of `day`, from the change history."""
    if states is None:
        states = (states_as_of(db.session, Requirement, day), states_as_of(db.session, RequirementAssessment, day))
    requirement_states, assessment_states = states
    reqs = [_Req(s["id"], s["catalog_id"], s.get("parent_id"), bool(s.get("retired")), s.get("attributes") or {},
                 s.get("display_ref", ""), s.get("title_da", ""), s.get("position", 0))
            for s in requirement_states.values()]
    assessments = {s["requirement_id"]: _Assessment(bool(s.get("applicable", True)), s.get("status"),
                                                    s.get("responsible_unit_id"), _date(s.get("next_review")))
                   for s in assessment_states.values()}
    return reqs, assessments


def assessable_ids(reqs: list[_Req]) -> set[int]:
    """Requirements that are assessed: leaves, unless the catalogue says otherwise (`assessable`)."""
    has_child = {r.parent_id for r in reqs if not r.retired and r.parent_id is not None}
    out = set()
    for r in reqs:
        if r.retired:
            continue
        flag = r.attributes.get("assessable") if isinstance(r.attributes, dict) else None
        if flag if isinstance(flag, bool) else r.id not in has_child:
            out.add(r.id)
    return out


def compliance_overview(as_of: dt.date | None = None, today: dt.date | None = None,
                        states: tuple[dict, dict] | None = None, overdue_limit: int | None = None,
                        areas_for: AreasFor | None = None) -> Overview:
    """Figures per catalogue, per area and per unit, now or as they stood at the end of `as_of`.

    `states`: the requirements' and assessments' recorded states at `as_of` (states_as_of), when the caller
    has read them already (the annual report reads each date's history once). `overdue_limit`: list only the
    oldest overdue reviews (their number is in `total.overdue` either way). `areas_for`: the catalogues whose
    areas are wanted (a page shows one catalogue's when there are many); `areas` holds only theirs, and
    `area_counts` every catalogue's number of areas. Without it, every catalogue's areas."""
    reference_day = as_of or today or local_today()
    if as_of:
        overview = _compute_overview(as_of, reference_day, states)
        overview.overdue = overview.overdue[:overdue_limit]
        overview.area_counts = {key: len(areas) for key, areas in overview.areas.items() if areas}
        if areas_for is not None:
            chosen = set(areas_for(overview.catalogs, overview.area_counts))
            overview.areas = {key: areas if key in chosen else [] for key, areas in overview.areas.items()}
        return overview
    return _current_overview(reference_day, overdue_limit, areas_for)


# The figures of the current state are counted by the database (grouped statements over the requirements
# that count, see the module's rules), so a page reads one row per catalogue, area and unit, not every
# requirement. The statements are built once per database kind (the day is a bound value): building one
# took a fifth of the overview's time.

def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _assessable_flag(req, dialect: str):
    """A requirement's `assessable` attribute as 'true' or 'false' when it is a JSON boolean, else another
    value or NULL (then the leaf rule decides, as in assessable_ids)."""
    if dialect == "sqlite":
        return sa.func.json_type(req.attributes, "$.assessable")
    return sa.cast(req.attributes["assessable"], sa.Text)


def _counts(req, dialect: str):
    """The requirements that count (the module's rules) as a condition on `req`."""
    child = sa.orm.aliased(Requirement)
    has_child = sa.exists(sa.select(child.id).where(child.parent_id == req.id, child.retired.is_(False)))
    flag = _assessable_flag(req, dialect)
    return sa.and_(req.retired.is_(False),
                   sa.or_(flag == "true", sa.and_(sa.func.coalesce(flag, "") != "false", ~has_child)))


def _counted(dialect: str):
    """One row per requirement that counts: its catalogue, area, unit, relevance, status and next review."""
    ra = RequirementAssessment
    return (sa.select(Requirement.catalog_id, area_of().label("area_id"), ra.responsible_unit_id.label("unit_id"),
                      sa.func.coalesce(ra.applicable, sa.true()).label("applicable"),
                      sa.type_coerce(ra.status, sa.String).label("status"), ra.next_review)
            .outerjoin(ra, ra.requirement_id == Requirement.id)
            .where(_counts(Requirement, dialect)))


TALLIES = ("total", "not_applicable", *STATUS_KEYS[:-1], "overdue")


def _tallies(counted) -> list:
    """The counts of Figures as grouped columns of `counted` (not assessed is what is left: see _fill), overdue
    as of the bound `day`. Each a plain condition on the columns: a status key worked out per row first cost
    a third more."""
    applicable = counted.c.applicable.is_(True)

    def number(condition):
        # An aggregate's FILTER rather than a sum of CASE: a tenth less per row on SQLite.
        return sa.func.count().filter(condition)

    day = sa.bindparam("day", type_=sa.Date)
    return [sa.func.count().label("total"), number(counted.c.applicable.is_(False)).label("not_applicable"),
            *(number(sa.and_(applicable, counted.c.status == k)).label(k) for k in STATUS_KEYS[:-1]),
            number(sa.and_(applicable, counted.c.next_review < day)).label("overdue")]


def _fill(figures: Figures, row) -> Figures:
    figures.total += row.total
    for k in TALLIES[1:]:
        setattr(figures, k, getattr(figures, k) + getattr(row, k))
    # Without a status, or with one not in STATUS_KEYS, a relevant requirement is not assessed.
    figures.not_assessed += row.total - row.not_applicable - sum(getattr(row, k) for k in STATUS_KEYS[:-1])
    return figures


@functools.cache
def _totals_statement(dialect: str) -> sa.Select:
    counted = _counted(dialect).subquery("counted")
    return sa.select(*_tallies(counted))


def compliance_totals(today: dt.date | None = None) -> Figures:
    """Today's figures for all requirements together (the start page's panel): one grouped statement."""
    row = db.session.execute(_totals_statement(_dialect()), {"day": today or local_today()}).one()
    return _fill(Figures(None, _("I alt")), row)


@functools.cache
def _catalogs_and_units_statement(dialect: str) -> sa.Select:
    """Per catalogue (with its number of areas) and per unit in one statement: the requirements that count
    are read once (a CTE used twice is materialised by SQLite and PostgreSQL alike) and grouped both ways.
    The areas are read apart, for the catalogues shown only: grouping all of them made and read hundreds of
    rows for a page that shows one catalogue's."""
    counted = _counted(dialect).cte("counted")
    by_catalog = (sa.select(counted.c.catalog_id, sa.func.count(sa.distinct(counted.c.area_id)).label("areas"),
                            *_tallies(counted))
                  .group_by(counted.c.catalog_id).subquery("by_catalog"))
    by_unit = sa.select(counted.c.unit_id, *_tallies(counted)).group_by(counted.c.unit_id).subquery("by_unit")
    catalogs = sa.select(sa.literal("catalog").label("level"), by_catalog.c.catalog_id.label("key"),
                         sa.cast(sa.null(), sa.String).label("name"), by_catalog.c.areas,
                         *(by_catalog.c[t] for t in TALLIES))
    units = (sa.select(sa.literal("unit"), by_unit.c.unit_id, Unit.name, sa.null(), *(by_unit.c[t] for t in TALLIES))
             .outerjoin(Unit, Unit.id == by_unit.c.unit_id))
    return sa.union_all(catalogs, units)


@functools.cache
def _areas_statement(dialect: str) -> sa.Select:
    """The areas of the catalogues in the bound list `catalogs`, read by the catalogue's index."""
    counted = _counted(dialect).where(Requirement.catalog_id.in_(sa.bindparam("catalogs", expanding=True)))
    counted = counted.subquery("counted")
    by_area = (sa.select(counted.c.catalog_id, counted.c.area_id, *_tallies(counted))
               .group_by(counted.c.catalog_id, counted.c.area_id).subquery("by_area"))
    area = sa.orm.aliased(Requirement)
    return (sa.select(by_area.c.catalog_id, by_area.c.area_id.label("key"), area.display_ref.label("ref"),
                      area.title_da.label("name"), area.position, *(by_area.c[t] for t in TALLIES))
            .join(area, area.id == by_area.c.area_id))


def _current_overview(reference_day: dt.date, overdue_limit: int | None, areas_for: AreasFor | None) -> Overview:
    dialect = _dialect()
    rows = db.session.execute(_catalogs_and_units_statement(dialect), {"day": reference_day}).all()
    catalogs = list(db.session.execute(sa.select(Catalog.id, Catalog.title_da)
                                       .order_by(Catalog.sort_order, Catalog.code)).all())
    catalog_figures = {c.id: Figures(c.id, c.title_da) for c in catalogs}
    area_figures: dict[int, list[Figures]] = {c.id: [] for c in catalogs}
    area_counts: dict[int, int] = {}
    unit_rows, no_unit = [], None
    for row in rows:
        if row.level == "catalog":
            if row.key in catalog_figures:
                _fill(catalog_figures[row.key], row)
                area_counts[row.key] = row.areas
        elif row.key is None:
            no_unit = _fill(Figures(None, _("Ingen ansvarlig enhed")), row)
        else:
            unit_rows.append(_fill(Figures(row.key, row.name or ""), row))
    unit_rows.sort(key=lambda f: f.label.lower())
    if no_unit is not None:
        unit_rows.append(no_unit)
    shown = [catalog_figures[c.id] for c in catalogs if catalog_figures[c.id].total]
    wanted = [f.key for f in shown] if areas_for is None else areas_for(shown, area_counts)
    if wanted:
        areas = db.session.execute(_areas_statement(dialect), {"day": reference_day, "catalogs": wanted}).all()
        for row in sorted(areas, key=lambda r: (r.catalog_id, r.position, r.key)):
            area_figures[row.catalog_id].append(_fill(Figures(row.key, f"{row.ref} {row.name}".strip()), row))
    total = Figures(None, _("I alt"))
    for figures in catalog_figures.values():
        _fill(total, figures)
    return Overview(reference_day=reference_day, as_of=None, catalogs=shown, areas=area_figures, units=unit_rows,
                    overdue=_overdue(reference_day, overdue_limit), total=total, area_counts=area_counts)


def _bytewise(column, dialect: str):
    """Order text by code point, as Python's sort does (SQLite's default; PostgreSQL's collation may differ)."""
    return column.collate("C") if dialect == "postgresql" else column


@functools.cache
def _overdue_statement(dialect: str, limited: bool) -> sa.Select:
    """The overdue reviews before the bound `day`, with at most the bound `limit` if `limited`."""
    ra = RequirementAssessment
    stmt = (sa.select(Requirement.id, Requirement.catalog_id, Requirement.display_ref, Requirement.title_da,
                      ra.next_review, Unit.name)
            .join(ra, ra.requirement_id == Requirement.id).outerjoin(Unit, Unit.id == ra.responsible_unit_id)
            .where(sa.func.coalesce(ra.applicable, sa.true()).is_(True),
                   ra.next_review < sa.bindparam("day", type_=sa.Date), _counts(Requirement, dialect))
            .order_by(ra.next_review, _bytewise(Requirement.display_ref, dialect), Requirement.catalog_id,
                      Requirement.position, Requirement.id))
    return stmt.limit(sa.bindparam("limit", type_=sa.Integer)) if limited else stmt


def _overdue(reference_day: dt.date, limit: int | None) -> list[OverdueItem]:
    """The overdue reviews of the requirements that count, oldest first (read in the order of the review
    date's index, so the first few do not need the rest)."""
    rows = db.session.execute(_overdue_statement(_dialect(), limit is not None),
                              {"day": reference_day, "limit": limit})
    return [OverdueItem(r.id, r.catalog_id, r.display_ref, r.title_da, r.next_review, r.name) for r in rows]


def _compute_overview(as_of: dt.date | None, reference_day: dt.date,
                      states: tuple[dict, dict] | None = None) -> Overview:
    reqs, assessments = _load_as_of(as_of, states)
    catalogs = list(db.session.execute(sa.select(Catalog.id, Catalog.code, Catalog.title_da)
                                       .order_by(Catalog.sort_order, Catalog.code)).all())
    units = dict(db.session.execute(sa.select(Unit.id, Unit.name)).all())
    by_id = {r.id: r for r in reqs}

    def area_of(r: _Req) -> _Req:
        seen = set()
        while r.parent_id is not None and r.parent_id in by_id and r.id not in seen:
            seen.add(r.id)
            r = by_id[r.parent_id]
        return r

    catalog_figures = {c.id: Figures(c.id, c.title_da) for c in catalogs}
    area_figures: dict[int, dict[int, Figures]] = {c.id: {} for c in catalogs}
    unit_figures: dict[int | None, Figures] = {}
    total = Figures(None, _("I alt"))
    overdue: list[OverdueItem] = []
    counted = assessable_ids(reqs)
    for r in sorted((r for r in reqs if r.id in counted), key=lambda r: (r.catalog_id, r.position)):
        if r.catalog_id not in catalog_figures:
            continue
        a = assessments.get(r.id)
        applicable = a.applicable if a else True
        status = a.status if a else None
        unit_id = a.unit_id if a else None
        is_overdue = bool(a and applicable and a.next_review and a.next_review < reference_day)
        area = area_of(r)
        areas = area_figures[r.catalog_id]
        if area.id not in areas:
            areas[area.id] = Figures(area.id, f"{area.display_ref} {area.title}".strip())
        if unit_id not in unit_figures:
            unit_figures[unit_id] = Figures(unit_id, units.get(unit_id, "") if unit_id else _("Ingen ansvarlig enhed"))
        for figures in (catalog_figures[r.catalog_id], areas[area.id], unit_figures[unit_id], total):
            figures.add(status, applicable, is_overdue)
        if is_overdue:
            overdue.append(OverdueItem(r.id, r.catalog_id, r.display_ref, r.title, a.next_review,
                                       units.get(unit_id) if unit_id else None))
    area_order = {r.id: r.position for r in reqs}
    unit_rows = sorted((f for k, f in unit_figures.items() if k is not None), key=lambda f: f.label.lower())
    if None in unit_figures:
        unit_rows.append(unit_figures[None])
    return Overview(
        reference_day=reference_day, as_of=as_of,
        catalogs=[catalog_figures[c.id] for c in catalogs if catalog_figures[c.id].total],
        areas={cid: sorted(areas.values(), key=lambda f: area_order.get(f.key, 0))
               for cid, areas in area_figures.items()},
        units=unit_rows,
        overdue=sorted(overdue, key=lambda o: (o.next_review, o.display_ref)),
        total=total,
    )

