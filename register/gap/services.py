"""Gap-analysis operations and figures; flush, never commit (the board report reuses the figures)."""
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from register.catalogs.models import Catalog, Requirement
from register.core.concurrency import EditConflict, touch
from register.core.dates import local_today
from register.core.history import history_of
from register.core.i18n import localized
from register.core.paging import Page, paged, paginate
from register.extensions import db
from register.gap.models import (Assessment, ControlScore, Finding, FindingRequirement, FindingSource,
                                 FindingStatus, ImplementationGroup, Priority, Severity)
from register.gap.priority import PRIORITY_INPUTS, effective_priority, priority_rank_sql, priority_sql
from register.organisation.models import Unit
from register.requirements.links import ranked

CIS_CATALOG = "cis-v8"


class GapError(ValueError):
    """An operation the user asked for that cannot be done; the message is meant for the user."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field  # the form field the message belongs next to


# --- CIS controls -------------------------------------------------------------------------------

def cis_controls() -> list[Requirement]:
    """The 18 CIS controls in catalogue order (one query); empty if the catalogue is not loaded."""
    return list(db.session.execute(
        sa.select(Requirement).join(Catalog, Requirement.catalog_id == Catalog.id)
        .where(Catalog.code == CIS_CATALOG, Requirement.retired.is_(False), Requirement.depth == 0)
        .order_by(Requirement.position)).scalars())


def requirement_lookup() -> dict[str, Requirement]:
    """Every current requirement by 'code:ref' (lower case), for parsing references."""
    rows = db.session.execute(sa.select(Requirement).where(Requirement.retired.is_(False))).scalars()
    return {req.full_ref.lower(): req for req in rows}


# --- Assessments and scores ---------------------------------------------------------------------

def assessments() -> list[Assessment]:
    """All assessments, newest first."""
    return list(db.session.execute(
        sa.select(Assessment).order_by(Assessment.assessed_on.desc(), Assessment.id.desc())).scalars())


def create_assessment(assessment: Assessment, start_from: Assessment | None = None) -> Assessment:
    """Add an assessment; when it starts from an earlier one, copy its scores as unconfirmed."""
    assessment.previous_id = start_from.id if start_from else None
    db.session.add(assessment)
    db.session.flush()
    if start_from is not None:
        for old in scores_of(start_from):
            db.session.add(ControlScore(
                assessment_id=assessment.id, requirement_id=old.requirement_id,
                current_level=old.current_level, target_level=old.target_level,
                implementation_group=old.implementation_group, justification=old.justification,
                confirmed=False))
        db.session.flush()
    return assessment


def scores_of(assessment: Assessment) -> list[ControlScore]:
    return list(db.session.execute(
        sa.select(ControlScore).where(ControlScore.assessment_id == assessment.id)).scalars())


@dataclass
class ScoreInput:
    """One row of the score form."""

    requirement_id: int
    current_level: int | None
    target_level: int | None
    implementation_group: ImplementationGroup | None
    justification: str | None
    confirm: bool = False
    version: int = 0  # 0: the row did not exist when the form was opened


def save_scores(assessment: Assessment, rows: list[ScoreInput]) -> int:
    """Store the submitted scores; a changed row counts as confirmed. Returns how many rows changed.

    Raises EditConflict if any row changed since the form was opened."""
    existing = {s.requirement_id: s for s in scores_of(assessment)}
    stale = [row for row in rows
             if (existing[row.requirement_id].version if row.requirement_id in existing else 0) != row.version]
    if stale:
        raise EditConflict([entry for row in stale if row.requirement_id in existing
                            for entry in history_of(db.session, ControlScore, existing[row.requirement_id].id,
                                                    limit=1)])
    changed = 0
    for row in rows:
        score = existing.get(row.requirement_id)
        values = {"current_level": row.current_level, "target_level": row.target_level,
                  "implementation_group": row.implementation_group, "justification": row.justification}
        if score is None:
            if all(v is None for v in values.values()):
                continue
            db.session.add(ControlScore(assessment_id=assessment.id, requirement_id=row.requirement_id,
                                        confirmed=True, **values))
            changed += 1
            continue
        differs = any(getattr(score, k) != v for k, v in values.items())
        if differs or (row.confirm and not score.confirmed):
            for key, value in values.items():
                setattr(score, key, value)
            score.confirmed = True
            changed += 1
    db.session.flush()
    return changed


@dataclass
class ControlMaturity:
    """One CIS control's maturity in one assessment."""

    requirement: Requirement
    score: ControlScore | None

    @property
    def current(self) -> int | None:
        return self.score.current_level if self.score else None

    @property
    def target(self) -> int | None:
        return self.score.target_level if self.score else None

    @property
    def gap(self) -> int | None:
        if self.current is None or self.target is None:
            return None
        return max(self.target - self.current, 0)


def maturity_by_control(assessment: Assessment) -> list[ControlMaturity]:
    """Every CIS control with the assessment's score (None where not scored), in catalogue order."""
    scores = {s.requirement_id: s for s in scores_of(assessment)}
    return [ControlMaturity(req, scores.get(req.id)) for req in cis_controls()]


def maturity_summary(rows: list[ControlMaturity]) -> dict:
    """Average current and target maturity, controls scored, controls unconfirmed."""
    current = [r.current for r in rows if r.current is not None]
    target = [r.target for r in rows if r.target is not None]
    return {
        "scored": sum(1 for r in rows if r.score is not None),
        "unconfirmed": sum(1 for r in rows if r.score is not None and not r.score.confirmed),
        "average_current": round(sum(current) / len(current), 1) if current else None,
        "average_target": round(sum(target) / len(target), 1) if target else None,
        "below_target": sum(1 for r in rows if r.gap),
    }


# --- Findings -------------------------------------------------------------------------------------

def _plan_order() -> list:
    """The action plan's order: priority, then due date (none last)."""
    return [priority_rank_sql(), Finding.due_on.is_(None), Finding.due_on, Finding.id]


def _finding_query():
    return (sa.select(Finding)
            .options(selectinload(Finding.unit), selectinload(Finding.requirement_links))
            .order_by(*_plan_order()))


def _with_status(stmt, status: str):
    """status: 'open' (not closed), 'closed' or 'all'."""
    if status == "open":
        return stmt.where(Finding.status != FindingStatus.CLOSED)
    if status == "closed":
        return stmt.where(Finding.status == FindingStatus.CLOSED)
    return stmt


def findings(status: str = "open", unit_id: int | None = None) -> list[Finding]:
    """Findings by priority, then due date. status: 'open' (not closed), 'closed' or 'all'. Three queries."""
    stmt = _with_status(_finding_query(), status)
    if unit_id is not None:
        stmt = stmt.where(Finding.unit_id == unit_id)
    return list(db.session.execute(stmt).scalars())


def assessment_findings(assessment_id: int, page: int) -> Page:
    """One page of an assessment's findings, by priority then due date, with their count: an assessment of a
    large municipality holds hundreds."""
    return paginate(_finding_query().where(Finding.assessment_id == assessment_id), page)


def cis_refs(finding: Finding) -> list[Requirement]:
    return sorted((link.requirement for link in finding.requirement_links
                   if link.requirement.catalog.code == CIS_CATALOG), key=lambda r: r.position)


def other_refs(finding: Finding) -> list[Requirement]:
    return sorted((link.requirement for link in finding.requirement_links
                   if link.requirement.catalog.code != CIS_CATALOG),
                  key=lambda r: (r.catalog.sort_order, r.position))


@dataclass
class PlanGroup:
    key: object
    label: str
    findings: list = field(default_factory=list)  # Findings, or rows of PLAN_ROW
    total: int | None = None          # the whole group's size when only a page of it is shown
    overdue_total: int | None = None

    def overdue(self, today: dt.date) -> int:
        if self.overdue_total is not None:
            return self.overdue_total
        return sum(1 for f in self.findings if f.is_overdue(today))

    @property
    def size(self) -> int:
        return self.total if self.total is not None else len(self.findings)


def _cis_links():
    """(finding, CIS control) pairs: the key for grouping the plan by control."""
    return (sa.select(FindingRequirement.finding_id, Requirement.id.label("requirement_id"),
                      Requirement.position.label("position"))
            .join(Requirement, Requirement.id == FindingRequirement.requirement_id)
            .join(Catalog, Catalog.id == Requirement.catalog_id)
            .where(Catalog.code == CIS_CATALOG).subquery())


def unit_names() -> dict[int, str]:
    """Every unit's name by id: the plan's unit groups and kr. by unit are labelled and ordered by them."""
    return dict(db.session.execute(sa.select(Unit.id, Unit.name)).all())


@dataclass
class UnitFigures:
    """One unit's findings in the plan (None: those without a unit): how many, how many overdue, their kr. and
    how many have no amount."""

    unit_id: int | None
    count: int
    overdue: int
    amount: int
    without_amount: int


def unit_figures(status: str, today: dt.date) -> list[UnitFigures]:
    """The findings shown (status as in `findings`) grouped by unit, one statement: the plan's group sizes
    when grouped by unit and its kr. by unit."""
    overdue = sa.and_(Finding.status != FindingStatus.CLOSED, Finding.due_on < today)
    stmt = (sa.select(Finding.unit_id, sa.func.count(), sa.func.count().filter(overdue),
                      sa.func.coalesce(sa.func.sum(Finding.cost_estimate_dkk), 0),
                      sa.func.count().filter(Finding.cost_estimate_dkk.is_(None)))
            .group_by(Finding.unit_id))
    return [UnitFigures(unit_id, n, late, int(amount), without)
            for unit_id, n, late, amount, without in db.session.execute(_with_status(stmt, status))]


# What a row of the plan shows (gap.views.FindingRows), read as plain rows rather than whole findings.
PLAN_ROW = (Finding.id, Finding.external_id, Finding.title, Finding.severity, Finding.cost, Finding.cost_estimate_dkk,
            Finding.priority_override, Finding.owner, Finding.due_on, Finding.status, Unit.name.label("unit_name"))


def _window(groups: list[tuple[object, int]], offset: int, limit: int) -> tuple[list, int]:
    """The keys of the groups that rows offset..offset+limit of a list fall in, given the groups in the list's
    order with their sizes, and how many rows of the first of them come before the offset."""
    keys, skip, start = [], 0, 0
    for key, size in groups:
        if start + size > offset and start < offset + limit:
            if not keys:
                skip = offset - start
            keys.append(key)
        start += size
    return keys, skip


def _in_window(column, keys: list) -> tuple:
    """(condition, order): the rows whose `column` is one of `keys`, and their groups' order (None last) as
    ORDER BY terms."""
    known = [key for key in keys if key is not None]
    condition = column.in_(known) if known else sa.false()
    if None in keys:
        condition = sa.or_(condition, column.is_(None))
    if len(known) + (None in keys) < 2:  # one group: nothing to order by
        return condition, []
    return condition, [sa.case({key: i for i, key in enumerate(known)}, value=column, else_=len(known))]


def action_plan_page(by: str, status: str, page: int, today: dt.date, no_unit_label: str,
                     no_control_label: str, names: dict[int, str], by_unit: list[UnitFigures]
                     ) -> tuple[Page, list[PlanGroup]]:
    """One page of the action plan, grouped by unit or CIS control, with each group's full size and overdue
    count: a fixed number of queries however many findings there are. A finding on two controls is listed
    under both, as in the full plan. `names` and `by_unit` are unit_names() and unit_figures(status, today).

    The groups' sizes are counted first; grouped by unit or control, they tell which groups the page falls in,
    and only those groups' findings are read and sorted, not the whole plan's."""
    overdue = sa.and_(Finding.status != FindingStatus.CLOSED, Finding.due_on < today)
    order = _plan_order()
    totals: dict[object, tuple[int, int]] = {}
    if by == "priority":  # the municipality-wide list: every unit and CIS control, in priority order
        group_col = priority_sql()
        totals_stmt = (sa.select(*PRIORITY_INPUTS, sa.func.count(), sa.func.count().filter(overdue))
                       .group_by(*PRIORITY_INPUTS))
        for *inputs, n, late in db.session.execute(_with_status(totals_stmt, status)):
            key = effective_priority(*inputs).value
            before = totals.get(key, (0, 0))
            totals[key] = (before[0] + n, before[1] + late)

        def select_page(offset: int, limit: int):
            return _with_status(sa.select(Finding.id, group_col).order_by(*order), status).limit(limit).offset(offset)
    else:
        if by == "control":
            cis = _cis_links()
            group_col = cis.c.requirement_id
            base = sa.select(Finding.id, group_col).outerjoin(cis, cis.c.finding_id == Finding.id)
            # The findings on no control are counted as those not among the links, not by joining every finding
            # to the links: counting them was half the cost of a page grouped by control.
            unlinked = Finding.id.not_in(sa.select(cis.c.finding_id))
            totals_stmt = sa.union_all(
                _with_status(sa.select(group_col, cis.c.position, sa.func.count(), sa.func.count().filter(overdue))
                             .select_from(cis).join(Finding, Finding.id == cis.c.finding_id)
                             .group_by(group_col, cis.c.position), status),
                _with_status(sa.select(sa.null(), sa.null(), sa.func.count(), sa.func.count().filter(overdue))
                             .where(unlinked), status))
            sort_keys = {}
            for key, position, n, late in db.session.execute(totals_stmt):
                if n:
                    totals[key] = (n, late)
                    sort_keys[key] = (key is None, position or 0)
        else:
            group_col = Finding.unit_id
            base = sa.select(Finding.id, group_col)
            totals = {row.unit_id: (row.count, row.overdue) for row in by_unit}
            # units in name order (case-insensitive in every language, which SQLite's lower() is not), none last
            sort_keys = {key: (key is None, names.get(key, "").casefold(), key or 0) for key in totals}
        groups_in_order = sorted(totals, key=sort_keys.get)

        def select_page(offset: int, limit: int):
            keys, skip = _window([(key, totals[key][0]) for key in groups_in_order], offset, limit)
            if by == "control" and keys == [None]:  # only findings on no control: no join to sort them through
                stmt = sa.select(Finding.id, sa.null()).where(unlinked).order_by(*order)
            else:
                condition, group_order = _in_window(group_col, keys)
                stmt = base.where(condition).order_by(*group_order, *order)
            return _with_status(stmt, status).limit(limit).offset(skip)

    # A page of (finding id, group key) first, then that page's findings: sorting whole rows (descriptions and
    # all) to keep fifty took 9 of a page's 40 ms. The groups' sizes add up to the list's length.
    total = sum(n for n, _late in totals.values())
    result = paged(lambda offset, limit: db.session.execute(select_page(offset, limit)).all(), lambda: total, page,
                   total=total)
    wanted = {finding_id for finding_id, _key in result.items}
    # plain rows of what the table shows, the unit's name joined in: a second statement is a second round trip
    by_id = {row.id: row for row in db.session.execute(
        sa.select(*PLAN_ROW).outerjoin(Unit, Unit.id == Finding.unit_id).where(Finding.id.in_(wanted)))}
    result.items = [(by_id[finding_id], key) for finding_id, key in result.items]
    if by == "control":  # the page's controls only: the rows themselves need no links
        keys = {key for _finding, key in result.items if key is not None}
        controls = {r.id: f"{r.display_ref} {localized(r, 'title')}" for r in db.session.execute(
            sa.select(Requirement.id, Requirement.display_ref, Requirement.title_da, Requirement.title_en)
            .where(Requirement.id.in_(keys)))}
    groups: dict[object, PlanGroup] = {}
    for finding, key in result.items:
        if key not in groups:
            if by == "control":
                label = controls.get(key, no_control_label)
            elif by == "priority":
                label = str(Priority(key).label)
            else:
                label = names.get(key, no_unit_label) if key is not None else no_unit_label
            n, late = totals.get(key, (0, 0))
            groups[key] = PlanGroup(key, label, total=n, overdue_total=late)
        groups[key].findings.append(finding)
    result.items = [finding for finding, _key in result.items]
    return result, list(groups.values())


def group_findings(items: list[Finding], by: str, no_unit_label: str, no_control_label: str) -> list[PlanGroup]:
    """Group an ordered list by unit or by CIS control; a finding on two controls shows under both."""
    groups: dict[object, PlanGroup] = {}
    if by == "priority":
        for finding in items:
            key = int(finding.priority.value)
            groups.setdefault(key, PlanGroup(key, str(finding.priority.label))).findings.append(finding)
    elif by == "control":
        for finding in items:
            refs = cis_refs(finding)
            for req in refs or [None]:
                key = (0, req.position) if req else (1, 0)
                label = f"{req.display_ref} {localized(req, 'title')}" if req else no_control_label
                groups.setdefault(key, PlanGroup(key, label)).findings.append(finding)
    else:
        for finding in items:
            key = (0, finding.unit.name.casefold(), finding.unit.id) if finding.unit else (1, "", 0)
            groups.setdefault(key, PlanGroup(key, finding.unit.name if finding.unit else no_unit_label)
                              ).findings.append(finding)
    return [groups[k] for k in sorted(groups)]


@dataclass
class AmountTotal:
    """Findings and their estimated kr. for one priority or one unit."""

    label: str
    count: int
    amount: int  # kr., the findings with an amount
    without_amount: int  # findings with only a band, or no estimate


def _shown(finding_status: FindingStatus, status: str) -> bool:
    """Whether a finding with this status is in the list `status` ('open', 'closed' or 'all') chooses."""
    if status == "open":
        return finding_status != FindingStatus.CLOSED
    if status == "closed":
        return finding_status == FindingStatus.CLOSED
    return True


def plan_amounts(status: str, no_unit_label: str, groups: list["PriorityGroup"] | None = None,
                 names: dict[int, str] | None = None, by_unit: list[UnitFigures] | None = None) -> dict:
    """The plan's kr. by priority and by unit, over the whole municipality: the findings' `groups`
    (by_status_and_priority), the units' `names` (unit_names) and figures (`by_unit`, unit_figures) are read
    here where not given."""
    sums: dict[Priority, list[int]] = {}
    for group in groups if groups is not None else by_status_and_priority(local_today()):
        if _shown(group.status, status):
            row = sums.setdefault(group.priority, [0, 0, 0])
            row[0], row[1], row[2] = row[0] + group.count, row[1] + group.amount, row[2] + group.without_amount
    by_priority = [AmountTotal(str(key.label), *sums[key]) for key in sorted(sums, key=lambda p: int(p.value))]
    names = unit_names() if names is None else names
    by_unit = unit_figures(status, local_today()) if by_unit is None else by_unit
    unit_totals = sorted((AmountTotal(names.get(row.unit_id, no_unit_label) if row.unit_id else no_unit_label,
                                      row.count, row.amount, row.without_amount) for row in by_unit),
                         key=lambda t: (t.label == no_unit_label, t.label.casefold()))
    whole = AmountTotal("", sum(t.count for t in by_priority), sum(t.amount for t in by_priority),
                        sum(t.without_amount for t in by_priority))
    return {"priority": by_priority, "unit": unit_totals, "total": whole}


def plan_figures(status: str, today: dt.date, no_unit_label: str, names: dict[int, str],
                 by_unit: list[UnitFigures]) -> tuple["Progress", dict]:
    """The plan's progress and its kr. (plan_amounts): the findings are grouped by status and priority once
    for both, a scan of the findings fewer."""
    groups = by_status_and_priority(today)
    return _progress(groups), plan_amounts(status, no_unit_label, groups, names, by_unit)


def cis_labels(finding_ids) -> dict[int, list[str]]:
    """Each finding's CIS controls as 'CIS 7', for a page of the plan: one query."""
    rows = db.session.execute(
        sa.select(FindingRequirement.finding_id, Requirement.display_ref)
        .join(Requirement, Requirement.id == FindingRequirement.requirement_id)
        .join(Catalog, Catalog.id == Requirement.catalog_id)
        .where(Catalog.code == CIS_CATALOG, FindingRequirement.finding_id.in_(list(finding_ids)))
        .order_by(FindingRequirement.finding_id, Requirement.position))  # a few rows
    labels: dict[int, list[str]] = {}
    for finding_id, ref in rows:
        labels.setdefault(finding_id, []).append(ref)
    return labels


def link_requirement(finding: Finding, requirement_id: int) -> bool:
    """Add one requirement to the finding (False if it was already linked)."""
    current = {link.requirement_id for link in finding.requirement_links}
    if requirement_id in current:
        return False
    set_requirements(finding, current | {requirement_id})
    return True


def set_requirements(finding: Finding, requirement_ids: set[int]) -> None:
    """Make the finding's requirement links exactly these (links are tracked rows, kept where unchanged)."""
    state = sa.inspect(finding)
    if state.persistent and "requirement_links" in state.unloaded:  # callers need not eager-load the links
        set_committed_value(finding, "requirement_links", list(db.session.execute(
            sa.select(FindingRequirement).where(FindingRequirement.finding_id == finding.id)).scalars()))
    current = {link.requirement_id: link for link in finding.requirement_links}
    if current.keys() != requirement_ids:
        # The links are part of the finding: someone editing it from an older version is told, not overwritten.
        touch(finding)
    for req_id, link in current.items():
        if req_id not in requirement_ids:
            finding.requirement_links.remove(link)
    for req_id in sorted(requirement_ids - current.keys()):
        finding.requirement_links.append(FindingRequirement(requirement_id=req_id))


# Findings made from other parts start in the middle of the priority matrix; the owner re-rates them.
LINKED_SEVERITY = Severity.MEDIUM


def create_linked_finding(source_kind: FindingSource, source_id: int, source_label: str, title: str,
                          description: str | None, unit_id: int | None, due_on: dt.date | None,
                          requirement_ids: set[int], identified_on: dt.date) -> Finding:
    """A finding on the action plan from an exercise or incident, linked to the same requirements (flushes)."""
    finding = Finding(source_kind=source_kind, source_id=source_id, source_label=source_label[:300],
                      title=title[:500], description=description, severity=LINKED_SEVERITY, cost=None,
                      unit_id=unit_id, identified_on=identified_on, due_on=due_on, status=FindingStatus.OPEN,
                      requirement_links=[])
    set_requirements(finding, requirement_ids)
    db.session.add(finding)
    db.session.flush()
    return finding


def findings_linked(requirement_id: sa.ColumnElement[int]) -> sa.Select:
    """Findings linked to one requirement, open ones first, by priority then due date (requirements.links)."""
    return (sa.select(*ranked(Finding.id, Finding.status == FindingStatus.CLOSED, priority_rank_sql(),
                              Finding.due_on.is_(None), Finding.due_on, Finding.id))
            .join(FindingRequirement, FindingRequirement.finding_id == Finding.id)
            .where(FindingRequirement.requirement_id == requirement_id))


def finding_source(app, finding: Finding):
    """Where a finding from another part came from, as a LinkedItem, or None.

    The part that makes such findings resolves them: its blueprint sets
    `bp.finding_sources = {FindingSource.X: resolve}`, `resolve(finding)` returning a LinkedItem or None."""
    for blueprint in app.blueprints.values():
        resolve = getattr(blueprint, "finding_sources", {}).get(finding.source_kind)
        if resolve is not None:
            return resolve(finding)
    return None


def load_finding(finding_id: int) -> Finding | None:
    return db.session.execute(
        sa.select(Finding).where(Finding.id == finding_id)
        .options(selectinload(Finding.unit), selectinload(Finding.requirement_links),
                 selectinload(Finding.assessment))).scalar_one_or_none()


def finding_for_form(finding_id: int) -> Finding | None:
    """A finding with its requirement links alone: the edit form shows its own fields and which requirements
    are linked, not the requirements themselves, its unit or its assessment."""
    return db.session.execute(
        sa.select(Finding).where(Finding.id == finding_id)
        .options(selectinload(Finding.requirement_links).lazyload(FindingRequirement.requirement))
    ).scalar_one_or_none()


def finding_with_external_id(external_id: str, exclude_id: int | None = None) -> int | None:
    """The id of the finding carrying this id from a report, if any (other than exclude_id)."""
    stmt = sa.select(Finding.id).where(Finding.external_id == external_id)
    if exclude_id is not None:
        stmt = stmt.where(Finding.id != exclude_id)
    return db.session.execute(stmt).scalar_one_or_none()


def close_or_reopen(finding: Finding) -> None:
    """Keep the closed date in step with the status: set on closing, cleared on reopening."""
    if finding.status == FindingStatus.CLOSED:
        if finding.closed_on is None:
            finding.closed_on = local_today()
    else:
        finding.closed_on = None


def overdue_count(today: dt.date, unit_id: int | None = None) -> int:
    """Findings not closed whose due date has passed."""
    stmt = sa.select(sa.func.count(Finding.id)).where(
        Finding.status != FindingStatus.CLOSED, Finding.due_on < today)
    if unit_id is not None:
        stmt = stmt.where(Finding.unit_id == unit_id)
    return db.session.execute(stmt).scalar()


@dataclass
class Progress:
    """Action-plan progress figures (one query)."""

    total: int
    by_status: dict[FindingStatus, int]
    overdue: int
    open_by_priority: dict[Priority, int]

    @property
    def closed(self) -> int:
        return self.by_status.get(FindingStatus.CLOSED, 0)

    @property
    def open(self) -> int:
        return self.total - self.closed

    @property
    def percent_closed(self) -> int:
        return round(100 * self.closed / self.total) if self.total else 0


@dataclass
class PriorityGroup:
    """Findings of one status and priority: how many, how many overdue, their kr. and those without."""

    status: FindingStatus
    priority: Priority
    count: int
    overdue: int
    amount: int
    without_amount: int


def by_status_and_priority(today: dt.date, source: FindingSource | None = None) -> list[PriorityGroup]:
    """The findings grouped by status and priority: one statement."""
    overdue = sa.and_(Finding.status != FindingStatus.CLOSED, Finding.due_on < today)
    stmt = (sa.select(Finding.status, *PRIORITY_INPUTS, sa.func.count(Finding.id),
                      sa.func.count(Finding.id).filter(overdue),
                      sa.func.coalesce(sa.func.sum(Finding.cost_estimate_dkk), 0),
                      sa.func.count().filter(Finding.cost_estimate_dkk.is_(None)))
            .group_by(Finding.status, *PRIORITY_INPUTS))
    if source is not None:
        stmt = stmt.where(Finding.source_kind == source)
    return [PriorityGroup(FindingStatus(status), effective_priority(override, severity, cost), n, late, int(amount),
                          without)
            for status, override, severity, cost, n, late, amount, without in db.session.execute(stmt)]


def _progress(groups: list[PriorityGroup]) -> Progress:
    by_status: Counter = Counter()
    by_priority: Counter = Counter()
    for group in groups:
        by_status[group.status] += group.count
        if group.status != FindingStatus.CLOSED:
            by_priority[group.priority] += group.count
    return Progress(sum(by_status.values()), dict(by_status), sum(g.overdue for g in groups), dict(by_priority))


def action_plan_progress(today: dt.date, source: FindingSource | None = None) -> Progress:
    """Counts by status and open ones by priority, with overdue ones, for the plan and the board report."""
    return _progress(by_status_and_priority(today, source))


# --- Comparing two assessments --------------------------------------------------------------------

@dataclass
class ControlChange:
    requirement: Requirement
    before: ControlScore | None
    after: ControlScore | None

    @property
    def change(self) -> int | None:
        if self.before is None or self.after is None:
            return None
        if self.before.current_level is None or self.after.current_level is None:
            return None
        return self.after.current_level - self.before.current_level


@dataclass
class Comparison:
    then: Assessment
    now: Assessment
    controls: list[ControlChange]
    closed: Page  # each a page of findings in the plan's order, with the list's full size
    opened: Page
    still_open: Page

    @property
    def improved(self) -> int:
        return sum(1 for c in self.controls if (c.change or 0) > 0)

    @property
    def declined(self) -> int:
        return sum(1 for c in self.controls if (c.change or 0) < 0)


def compare_assessments(first: Assessment, second: Assessment, pages: dict[str, int] | None = None) -> Comparison:
    """Maturity per control then and now, and gap-analysis findings closed, opened and still open between.

    'Then' is the earlier assessment. The period runs from the day after its date to the later date:
    closed = closed in the period; opened = identified in the period; still open = identified by the
    earlier date and not closed by the later date. Each list is one page (`pages`: list name -> page number)
    counted and read in the database: ten years apart, the lists hold thousands of findings."""
    then, now = sorted([first, second], key=lambda a: (a.assessed_on, a.id))
    before = {s.requirement_id: s for s in scores_of(then)}
    after = {s.requirement_id: s for s in scores_of(now)}
    controls = [ControlChange(req, before.get(req.id), after.get(req.id)) for req in cis_controls()]
    start, end = then.assessed_on, now.assessed_on
    found = sa.and_(Finding.source_kind == FindingSource.GAP_ANALYSIS, Finding.identified_on <= end)
    conditions = {
        "closed": sa.and_(Finding.closed_on.is_not(None), Finding.closed_on > start, Finding.closed_on <= end),
        "opened": Finding.identified_on > start,
        "still_open": sa.and_(Finding.identified_on <= start,
                              sa.or_(Finding.closed_on.is_(None), Finding.closed_on > end)),
    }
    lists = {name: paginate(_finding_query().where(found, condition), (pages or {}).get(name, 1))
             for name, condition in conditions.items()}
    return Comparison(then, now, controls, lists["closed"], lists["opened"], lists["still_open"])
