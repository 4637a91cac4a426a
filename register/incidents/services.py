"""Incidents: saving them, their reporting clock, linked requirements and lessons learned."""
import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from register.catalogs.models import Catalog, Requirement
from register.core.db import utcnow
from register.core.enums import LabelledEnum
from register.core.i18n import gettext as _, lazy_gettext as _l, ngettext
from register.core.paging import Page, paginate
from register.controls.models import Control
from register.extensions import db
from register.gap import services as gap_services
from register.gap.models import Finding, FindingSource
from register.incidents import deadlines
from register.incidents.models import (Incident, IncidentControl, IncidentReport, IncidentRequirement, IncidentStatus,
                                       IncidentUnit, Lesson, LessonStatus, ReportKind, Significance)
from register.organisation.models import Unit
from register.organisation.services import unit_names
from register.requirements.links import ranked


class IncidentError(ValueError):
    """A change that would make the incident record wrong; the message is meant for the user."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field  # the form field the message belongs next to


class StepState(LabelledEnum):
    PENDING = "pending", _l("Afventer"), "warning"
    OVERDUE = "overdue", _l("Fristen er overskredet"), "error"
    ON_TIME = "on_time", _l("Indsendt rettidigt"), "success"
    LATE = "late", _l("Indsendt for sent"), "error"
    # a report due only if the authorities ask (23(4)(c))
    ON_REQUEST = "on_request", _l("Kun efter anmodning"), "neutral"
    SUBMITTED = "submitted", _l("Indsendt"), "success"  # sent, with no deadline to measure it against
    # the final report of an ongoing incident: due a month after it is handled
    AFTER_HANDLING = "after_handling", _l("Afventer, at hændelsen er håndteret"), "info"


LEGAL_REFS = {ReportKind.EARLY_WARNING: "art. 23, stk. 4, litra a", ReportKind.NOTIFICATION: "art. 23, stk. 4, litra b",
              ReportKind.INTERMEDIATE: "art. 23, stk. 4, litra c", ReportKind.PROGRESS: "art. 23, stk. 4, litra e",
              ReportKind.FINAL: "art. 23, stk. 4, litra d"}
# The states that mean a report was not made on time (the annual report and the API count these).
MISSED = (StepState.OVERDUE, StepState.LATE)


@dataclass
class ReportStep:
    """One Art. 23(4) report of a significant incident: its deadline and what became of it."""

    kind: ReportKind
    due: dt.datetime | None  # None: no deadline yet (on request, or until the incident is handled)
    provisional: bool
    report: IncidentReport | None
    state: StepState
    remaining: dt.timedelta | None  # until the deadline; negative once it has passed; None once submitted

    @property
    def legal_ref(self) -> str:
        if self.kind == ReportKind.FINAL and self.state == StepState.AFTER_HANDLING:
            return LEGAL_REFS[ReportKind.PROGRESS]
        return LEGAL_REFS[self.kind]

    @property
    def remaining_text(self) -> str:
        return describe_remaining(self.remaining) if self.remaining is not None else ""


def _step(kind, due, provisional, report, now) -> ReportStep:
    if report is not None:
        return ReportStep(kind, due, provisional, report,
                          StepState.LATE if deadlines.is_late(due, report.submitted_at) else StepState.ON_TIME, None)
    return ReportStep(kind, due, provisional, None, StepState.OVERDUE if now > due else StepState.PENDING, due - now)


def reporting_clock(incident: Incident, reports: list[IncidentReport], now: dt.datetime | None = None
                    ) -> list[ReportStep]:
    """The Art. 23(4) reports of a significant incident with their state; empty for any other incident.

    The final report is due a month after the incident notification (d). An incident still ongoing at that
    mark (not handled by then) owes a progress report at the mark instead, and the final report a month after
    it is handled (e); until it is handled that report has no deadline, so it is neither late nor overdue. An
    intermediate report (c) is owed only on request and has no deadline of its own here."""
    if incident.significance != Significance.SIGNIFICANT:
        return []
    now = now or utcnow()
    by_kind = {r.kind: r for r in reports}
    notification = by_kind.get(ReportKind.NOTIFICATION)
    final = deadlines.final_report_due(incident.aware_at, notification.submitted_at if notification else None)
    steps = [_step(ReportKind.EARLY_WARNING, deadlines.early_warning_due(incident.aware_at), False,
                   by_kind.get(ReportKind.EARLY_WARNING), now),
             _step(ReportKind.NOTIFICATION, deadlines.notification_due(incident.aware_at), False, notification, now)]
    intermediate = by_kind.get(ReportKind.INTERMEDIATE)
    steps.append(ReportStep(ReportKind.INTERMEDIATE, None, False, intermediate,
                            StepState.SUBMITTED if intermediate else StepState.ON_REQUEST, None))
    handled_at = incident.handled_at
    final_report = by_kind.get(ReportKind.FINAL)
    ongoing = (deadlines.ongoing_at_final_due(final.due, handled_at, now)
               # a closed incident without a handling time, or a final report sent by the month, ran its course
               and not (handled_at is None and incident.status == IncidentStatus.CLOSED)
               and not (final_report is not None and not deadlines.is_late(final.due, final_report.submitted_at)))
    if ongoing or ReportKind.PROGRESS in by_kind:
        steps.append(_step(ReportKind.PROGRESS, final.due, final.provisional, by_kind.get(ReportKind.PROGRESS), now))
    if ongoing:
        if handled_at is None:
            steps.append(ReportStep(ReportKind.FINAL, None, False, final_report,
                                    StepState.SUBMITTED if final_report else StepState.AFTER_HANDLING, None))
        else:
            steps.append(_step(ReportKind.FINAL, deadlines.final_report_after_handling(handled_at), False,
                               final_report, now))
    else:
        steps.append(_step(ReportKind.FINAL, final.due, final.provisional, final_report, now))
    return steps


def next_step(steps: list[ReportStep]) -> ReportStep | None:
    """The earliest report still to be submitted by a deadline."""
    waiting = [s for s in steps if s.report is None and s.due is not None]
    return min(waiting, key=lambda s: s.due) if waiting else None


def describe_remaining(delta: dt.timedelta) -> str:
    """'2 døgn og 3 timer tilbage' / 'overskredet med 5 timer' (two largest units, rounded down)."""
    seconds = int(abs(delta).total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = []
    if days:
        parts.append(ngettext("%(num)d døgn", "%(num)d døgn", days))
    if hours:
        parts.append(ngettext("%(num)d time", "%(num)d timer", hours))
    if minutes and not days:
        parts.append(ngettext("%(num)d minut", "%(num)d minutter", minutes))
    amount = _(" og ").join(parts[:2]) if parts else _("under et minut")
    if delta < dt.timedelta(0):
        return _("overskredet med %(amount)s", amount=amount)
    return _("%(amount)s tilbage", amount=amount)


# --- reading ---------------------------------------------------------------------------------------------

def _with_links(stmt):
    return stmt.options(selectinload(Incident.reports),
                        selectinload(Incident.units).joinedload(IncidentUnit.unit))


@dataclass(frozen=True)
class IncidentSummary:
    """What a list shows of an incident and what its reporting clock needs, as plain values: the start page
    keeps them between requests until the data changes, so never an ORM object; and the incident list reads
    no more (whole incidents, descriptions and all, with their reports and units as objects, were over a third
    of its time on PostgreSQL)."""

    id: int
    title: str
    status: IncidentStatus
    significance: Significance
    aware_at: dt.datetime
    handled_at: dt.datetime | None
    reports: tuple  # of sa.Row(kind, submitted_at), what reporting_clock reads of a report


_SUMMARY = (Incident.id, Incident.title, Incident.status, Incident.significance, Incident.aware_at,
            Incident.handled_at)
_NEWEST_FIRST = (Incident.aware_at.desc(), Incident.id.desc())  # the start page keeps it among equal deadlines


@dataclass
class IncidentRow:
    incident: IncidentSummary
    steps: list[ReportStep]
    next: ReportStep | None
    unit_names: str = ""  # the units concerned, in name order


def incident_page(page: int, now: dt.datetime | None = None) -> Page:
    """One page of the incident list, newest awareness first, each row with its reporting clock: the page's
    incidents, then their reports and units in one more statement."""
    result = paginate(sa.select(*_SUMMARY).order_by(*_NEWEST_FIRST), page, scalars=False)
    ids = [row.id for row in result.items]
    reports: dict[int, list] = {}
    units: dict[int, list[int]] = {}
    if ids:
        for row in db.session.execute(sa.union_all(
                sa.select(IncidentReport.incident_id, IncidentReport.kind, IncidentReport.submitted_at,
                          sa.cast(sa.null(), sa.Integer).label("unit_id")).where(IncidentReport.incident_id.in_(ids)),
                sa.select(IncidentUnit.incident_id, sa.null(), sa.null(), IncidentUnit.unit_id)
                .where(IncidentUnit.incident_id.in_(ids)))):
            if row.unit_id is None:  # a report's row (every unit link names a unit)
                reports.setdefault(row.incident_id, []).append(row)
            else:
                units.setdefault(row.incident_id, []).append(row.unit_id)
    names = unit_names()
    rows = []
    for row in result.items:
        summary = IncidentSummary(*row, reports=tuple(reports.get(row.id, ())))
        named = ", ".join(sorted((names.get(unit, "?") for unit in units.get(row.id, ())), key=str.lower))
        rows.append(clocked(summary, now, named))
    result.items = rows
    return result


def clocked(incident: IncidentSummary, now: dt.datetime | None, unit_names: str = "") -> IncidentRow:
    """An incident's row with its reporting clock at `now`, from the reports made so far."""
    steps = reporting_clock(incident, incident.reports, now)
    return IncidentRow(incident, steps, next_step(steps), unit_names)


def by_deadline(rows: list[IncidentRow]) -> list[IncidentRow]:
    """The nearest unmet reporting deadline first; those without one after, in the order given."""
    far_future = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(rows, key=lambda r: (r.next is None, r.next.due if r.next else far_future))


def get_incident(incident_id: int) -> Incident | None:
    return db.session.execute(_with_links(sa.select(Incident)).where(Incident.id == incident_id)).scalar_one_or_none()


def requirement_links(incident: Incident) -> list[IncidentRequirement]:
    return list(db.session.execute(
        sa.select(IncidentRequirement).where(IncidentRequirement.incident_id == incident.id)
        .options(selectinload(IncidentRequirement.requirement))
        .join(Requirement).order_by(Requirement.catalog_id, Requirement.position)).scalars())


def lessons_of(incident: Incident) -> list[Lesson]:
    return list(db.session.execute(
        sa.select(Lesson).where(Lesson.incident_id == incident.id)
        .options(selectinload(Lesson.owner_unit), selectinload(Lesson.finding))
        .order_by(Lesson.due_on, Lesson.id)).scalars())


def incidents_linked(requirement_id: sa.ColumnElement[int]) -> sa.Select:
    """Incidents linked to one requirement, newest first (requirements.links)."""
    return (sa.select(*ranked(Incident.id, Incident.aware_at.desc(), Incident.id))
            .join(IncidentRequirement, IncidentRequirement.incident_id == Incident.id)
            .where(IncidentRequirement.requirement_id == requirement_id))


def control_links(incident: Incident) -> list[IncidentControl]:
    return list(db.session.execute(
        sa.select(IncidentControl).where(IncidentControl.incident_id == incident.id)
        .options(selectinload(IncidentControl.control)).join(Control)
        .order_by(Control.title, IncidentControl.id)).scalars())


def incidents_of_control(control_id: int) -> list[tuple[IncidentControl, Incident]]:
    """Incidents linked to the control, newest first (one query; the control page's section)."""
    return [tuple(row) for row in db.session.execute(
        sa.select(IncidentControl, Incident).join(Incident, Incident.id == IncidentControl.incident_id)
        .where(IncidentControl.control_id == control_id).order_by(Incident.aware_at.desc(), Incident.id))]


def requirement_by_key(key: str) -> Requirement | None:
    """A requirement by 'catalogue:ref', e.g. 'nis2:21.2.b'."""
    code, _sep, ref = key.partition(":")
    return db.session.execute(sa.select(Requirement).join(Catalog)
                              .where(Catalog.code == code, Requirement.ref == ref)).scalar_one_or_none()


# --- changing --------------------------------------------------------------------------------------------

def set_units(incident: Incident, unit_ids: list[int]) -> None:
    """Make the incident's affected units exactly `unit_ids` (added and removed rows enter the history)."""
    wanted = set(unit_ids)
    if wanted:
        found = set(db.session.execute(sa.select(Unit.id).where(Unit.id.in_(wanted))).scalars())
        if found != wanted:
            raise IncidentError(_("En af de valgte enheder findes ikke."), "unit_ids")
    for link in list(incident.units):
        if link.unit_id not in wanted:
            db.session.delete(link)  # explicitly: a delete-orphan cascade alone would bypass the change history
            incident.units.remove(link)
    present = {link.unit_id for link in incident.units}
    for unit_id in sorted(wanted - present):
        incident.units.append(IncidentUnit(unit_id=unit_id))


def save_incident(incident: Incident, values: dict, unit_ids: list[int]) -> Incident:
    """Create or update an incident (flushes)."""
    if values["aware_at"] < values["detected_at"]:
        raise IncidentError(_("Kommunen kan ikke have fået kendskab til hændelsen, før den blev opdaget."),
                            "aware_at")
    reason = (values.get("significance_reason") or "").strip() or None
    if values["significance"] != Significance.PENDING and reason is None:
        raise IncidentError(_("Begrund vurderingen af, om hændelsen er væsentlig."), "significance_reason")
    handled_at = values.get("handled_at")
    if handled_at is not None and handled_at < values["aware_at"]:
        raise IncidentError(_("Hændelsen kan ikke være håndteret, før kommunen fik kendskab til den."), "handled_at")
    for key in ("title", "detected_at", "aware_at", "description", "significance", "status"):
        setattr(incident, key, values[key])
    incident.handled_at = handled_at
    incident.title = incident.title.strip()
    incident.systems_affected = (values.get("systems_affected") or "").strip() or None
    incident.significance_reason = reason
    set_units(incident, unit_ids)  # before add: a pending object's collection would try to lazy-load
    if incident.id is None:
        db.session.add(incident)
    db.session.flush()
    return incident


def record_report(incident: Incident, kind: ReportKind, submitted_at: dt.datetime, receipt_ref: str,
                  note: str | None, report: IncidentReport | None = None) -> IncidentReport:
    """Record (or correct) when a report was submitted through virk.dk and its receipt (flushes)."""
    if incident.significance != Significance.SIGNIFICANT:
        raise IncidentError(_("Kun væsentlige hændelser skal indberettes."))
    if submitted_at < incident.aware_at:
        raise IncidentError(_("Indberetningen kan ikke være sendt, før kommunen fik kendskab til hændelsen."))
    if report is None:
        report = IncidentReport(incident_id=incident.id, kind=kind)
        db.session.add(report)
    report.submitted_at = submitted_at
    report.receipt_ref = receipt_ref.strip()
    report.note = (note or "").strip() or None
    db.session.flush()
    return report


def link_requirement(incident: Incident, requirement_id: int, note: str | None) -> IncidentRequirement:
    exists = db.session.execute(sa.select(IncidentRequirement.id).where(
        IncidentRequirement.incident_id == incident.id,
        IncidentRequirement.requirement_id == requirement_id)).first()
    if exists:
        raise IncidentError(_("Hændelsen er allerede knyttet til det krav."))
    link = IncidentRequirement(incident_id=incident.id, requirement_id=requirement_id,
                               note=(note or "").strip() or None)
    db.session.add(link)
    db.session.flush()
    return link


def unlink_requirement(link: IncidentRequirement) -> None:
    db.session.delete(link)
    db.session.flush()


def link_control(incident: Incident, control_id: int, note: str | None) -> IncidentControl:
    if db.session.get(Control, control_id) is None:
        raise IncidentError(_("Tiltaget findes ikke."))
    exists = db.session.execute(sa.select(IncidentControl.id).where(
        IncidentControl.incident_id == incident.id, IncidentControl.control_id == control_id)).first()
    if exists:
        raise IncidentError(_("Hændelsen er allerede knyttet til det tiltag."))
    link = IncidentControl(incident_id=incident.id, control_id=control_id, note=(note or "").strip() or None)
    db.session.add(link)
    db.session.flush()
    return link


def unlink_control(link: IncidentControl) -> None:
    db.session.delete(link)
    db.session.flush()


def lesson_title(description: str) -> str:
    """A finding's title from a lesson: its first line, shortened to a readable length."""
    first = description.strip().splitlines()[0].strip() if description.strip() else ""
    return first if len(first) <= 200 else first[:199] + "…"


def finding_from_lesson(lesson: Lesson, today_: dt.date) -> Finding:
    """Put a lesson on the action plan as a finding on the requirements the incident is linked to."""
    if lesson.finding_id is not None:
        raise IncidentError(_("Erfaringen har allerede et fund på handlingsplanen."))
    incident = db.session.get(Incident, lesson.incident_id)
    title = lesson_title(lesson.description)
    requirement_ids = set(db.session.execute(sa.select(IncidentRequirement.requirement_id)
                                             .where(IncidentRequirement.incident_id == incident.id)).scalars())
    description = lesson.description if lesson.description.strip() != title else None  # no need to say it twice
    finding = gap_services.create_linked_finding(
        FindingSource.INCIDENT, lesson.id, incident.title, title, description, lesson.owner_unit_id, lesson.due_on,
        requirement_ids, today_)
    lesson.finding_id = finding.id
    db.session.flush()
    return finding


def lesson_of_finding(finding: Finding) -> Lesson | None:
    """The lesson a finding was made from, with its incident (one query)."""
    if finding.source_kind != FindingSource.INCIDENT or finding.source_id is None:
        return None
    return db.session.execute(sa.select(Lesson).where(Lesson.id == finding.source_id)
                              .options(joinedload(Lesson.incident))).scalar_one_or_none()


def save_lesson(lesson: Lesson, description: str, owner_unit_id: int, due_on: dt.date,
                status: LessonStatus) -> Lesson:
    lesson.description = description.strip()
    lesson.owner_unit_id = owner_unit_id
    lesson.due_on = due_on
    lesson.status = status
    if lesson.id is None:
        db.session.add(lesson)
    db.session.flush()
    return lesson


def _open_incidents() -> tuple[IncidentSummary, ...]:
    incidents = db.session.execute(
        sa.select(*_SUMMARY).where(Incident.status != IncidentStatus.CLOSED).order_by(*_NEWEST_FIRST)).all()
    if not incidents:
        return ()
    reports: dict[int, list] = {}
    for report in db.session.execute(
            sa.select(IncidentReport.incident_id, IncidentReport.kind, IncidentReport.submitted_at)
            .join(Incident).where(Incident.status != IncidentStatus.CLOSED)):
        reports.setdefault(report.incident_id, []).append(report)
    return tuple(IncidentSummary(*row, reports=tuple(reports.get(row.id, ()))) for row in incidents)


def home_panel(now: dt.datetime | None = None) -> dict | None:
    """Open incidents, nearest deadline first (the five most urgent); hidden when there are none."""
    incidents = _open_incidents()
    if not incidents:
        return None
    now = now or utcnow()
    rows = by_deadline([clocked(incident, now) for incident in incidents])
    return {"rows": rows[:5], "total": len(rows)}
