"""The year's figures for the annual status report: the report's only database access.

Two questions, kept apart. By default the report says what was true in the year: the register as it is now,
read by the records' own dates (exercise held, incident became known, finding identified and closed, plan
adopted and in force, milestone completed, training completed, a status's effective date), so a 2025 report
made in 2026 from data entered in 2026 shows 2025. The audit view (`registered_on`) says what the register
held on a date: the change history replayed to the end of that day, read by the same own dates. Text is Danish
whatever the reader's language: the report is a document for the board, and the PDF and the HTML page render
the same Report object.
"""
import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cache

import sqlalchemy as sa
from register.core.i18n import force_locale

from register.catalogs.models import Catalog, Requirement
from register.core.dates import add_months, local_today, utc_to_local
from register.core.history import end_of_day
from register.extensions import db
from register.gap.models import Assessment, ControlScore, Finding, FindingStatus, Priority, Severity, priority_for
from register.incidents.models import Incident, IncidentReport, Lesson, LessonStatus, Significance
from register.incidents.services import StepState, reporting_clock
from register.organisation.models import Unit
from register.organisation.services import root_unit_name
from register.preparedness import rules
from register.preparedness.models import (Exercise, ExerciseSubPlan, ExerciseTarget, ImprovementPoint,
                                          ImprovementStatus, LegalBasis, Milestone, MilestoneStatus, Plan, PlanReview,
                                          PlanStatus, PreparednessSettings, SubPlan, TargetKind)
from register.reports import document as d
from register.reports import formatting as fmt
from register.reports.gcpause import collector_paused
from register.reports.snapshots import History, typed
from register.requirements.compliance import Figures, assessable_ids, compliance_overview
from register.requirements.models import ImplementationStatus, NOT_ASSESSED_LABEL, RequirementAssessment
from register.reports.risks import risk_section
from register.training import services as training
from register.training.models import (Approval, ApprovalRule, Campaign, CampaignUnit, ManagementBody,
                                      ManagementScope, Trainee, TrainingRecord, TrainingSettings)

TITLE = "Statusrapport for NIS2 og beredskab"
NIS2, CIS = "nis2", "cis-v8"
FIRST_YEAR = 2000
TOP_FINDINGS = 5
DEFAULT_REVIEW_MONTHS, DEFAULT_SUB_PLAN_MONTHS = 12, 24


class ReportError(ValueError):
    """A report that cannot be made for the year or date asked; the message is meant for the user."""

    def __init__(self, message: str, field: str = "year"):
        super().__init__(message)
        self.field = field


def default_as_of(year: int, today: dt.date) -> dt.date:
    """The end of the year, or today for the current year."""
    return today if year == today.year else dt.date(year, 12, 31)


def check_period(year: int, as_of: dt.date | None, today: dt.date,
                 registered_on: dt.date | None = None) -> dt.date:
    """The as-of date to use, or ReportError with a Danish message.

    In the audit view the as-of date defaults to the registration date, if that is earlier: the register of
    that day knew nothing later."""
    if not FIRST_YEAR <= year <= today.year:
        raise ReportError(f"Året skal ligge mellem {FIRST_YEAR} og {today.year}.")
    if registered_on is not None:
        if registered_on > today:
            raise ReportError("Registreringsdatoen må ikke ligge i fremtiden.", "registered_on")
        if registered_on < dt.date(year, 1, 1):
            raise ReportError(f"Registreringsdatoen skal ligge i {year} eller senere.", "registered_on")
    if as_of is None:
        as_of = default_as_of(year, today)
        if registered_on is not None:
            as_of = min(as_of, registered_on)
    if as_of > today:
        raise ReportError("Statusdatoen må ikke ligge i fremtiden.", "as_of")
    if as_of < dt.date(year, 1, 1):
        raise ReportError(f"Statusdatoen skal ligge i {year} eller senere.", "as_of")
    if registered_on is not None and as_of > registered_on:
        raise ReportError("Statusdatoen må ikke ligge efter registreringsdatoen i revisionsvisningen.", "as_of")
    return as_of


def build_report(year: int, as_of: dt.date | None = None, today: dt.date | None = None,
                 version: str = "udkast", registered_on: dt.date | None = None) -> d.Report:
    """The annual status report for `year` with statuses at the end of `as_of`.

    Without `registered_on`: what was true, from the register as it is now. With it: the audit view, what the
    register held at the end of that day."""
    today = today or local_today()
    as_of = check_period(year, as_of, today, registered_on)
    with force_locale("da"), collector_paused():
        data = _gather(year, as_of, registered_on or today, registered_on is not None)
        sections = [_summary(data), _nis2(data), _gap(data), _plan(data), _exercises(data),
                    _incidents_training(data), risk_section(data.history, year, as_of, data.recorded, data.units),
                    _appendix(data)]
    return d.Report(root_unit_name(), TITLE, year, as_of,
                    dt.datetime.now(dt.UTC), version, sections, registered_on=registered_on)


# --- gathering ------------------------------------------------------------------------------------------

@dataclass
class _Data:
    year: int
    as_of: dt.date
    previous: dt.date
    recorded: dt.date     # the change history is read to the end of this day (today, or the audit date)
    audit: bool = False
    catalogs: dict = field(default_factory=dict)    # id -> (code, title, sort_order)
    units: dict = field(default_factory=dict)       # id -> name
    overview: object = None
    overview_before: object = None
    reqs: dict = field(default_factory=dict)
    reqs_before: dict = field(default_factory=dict)
    assessments: dict = field(default_factory=dict)           # requirement id -> assessment snapshot
    assessments_before: dict = field(default_factory=dict)
    gap: dict = field(default_factory=dict)
    prep: dict = field(default_factory=dict)
    exercise: dict = field(default_factory=dict)
    incident: dict = field(default_factory=dict)
    training: dict = field(default_factory=dict)
    history: History = field(default_factory=History)


def _gather(year: int, as_of: dt.date, recorded: dt.date, audit: bool = False) -> _Data:
    data = _Data(year, as_of, add_months(as_of, -12), recorded, audit)
    history = data.history
    snapshots, states = history.snapshots, history.states
    data.catalogs = {c.id: (c.code, c.title_da, c.sort_order) for c in db.session.execute(
        sa.select(Catalog.id, Catalog.code, Catalog.title_da, Catalog.sort_order))}
    current_units = dict(db.session.execute(sa.select(Unit.id, Unit.name)).all())
    data.units = current_units | {uid: u.name for uid, u in snapshots(Unit, recorded).items()}
    # The catalogue is the register's (a requirement has no date of its own); each assessment is the state in
    # force on the day by its status's effective date. Read once, for the figures and the lists alike.
    requirement_states = states(Requirement, recorded)
    now_states, before_states = history.dated(RequirementAssessment, (as_of, data.previous), recorded,
                                              "status_effective_on")
    data.overview = compliance_overview(as_of=as_of, states=(requirement_states, now_states))
    data.overview_before = compliance_overview(as_of=data.previous, states=(requirement_states, before_states))
    data.reqs = snapshots(Requirement, recorded)
    data.reqs_before = data.reqs
    data.assessments = {a.requirement_id: a for a in typed(RequirementAssessment, now_states).values()}
    data.assessments_before = {a.requirement_id: a for a in typed(RequirementAssessment, before_states).values()}
    data.gap = _gather_gap(data)
    data.prep = _gather_preparedness(data)
    data.exercise = _gather_exercises(data)
    data.incident = _gather_incidents(data)
    data.training = _gather_training(data)
    return data


def _catalog_id(data: _Data, code: str) -> int | None:
    return next((cid for cid, (c, _t, _s) in data.catalogs.items() if c == code), None)


def _priority(f) -> Priority:
    return f.priority_override or priority_for(f.severity, f.cost)


def _finding_on(f, day: dt.date):
    """The finding as it stood on `day` by its own dates: closed later means still open then."""
    if f.status == FindingStatus.CLOSED and f.closed_on is not None and f.closed_on > day:
        f.status, f.closed_on = FindingStatus.OPEN, None
    return f


def _gather_gap(data: _Data) -> dict:
    snapshots = data.history.snapshots
    as_of, recorded = data.as_of, data.recorded
    assessments = [a for a in snapshots(Assessment, recorded).values() if a.assessed_on and a.assessed_on <= as_of]
    assessments.sort(key=lambda a: (a.assessed_on, a.id))
    latest = assessments[-1] if assessments else None
    scores = {}
    if latest is not None:
        scores = {s.requirement_id: s for s in snapshots(ControlScore, recorded).values()
                  if s.assessment_id == latest.id}
    cis_id = _catalog_id(data, CIS)
    controls = sorted((r for r in data.reqs.values()
                       if r.catalog_id == cis_id and r.depth == 0 and not r.retired), key=lambda r: r.position)
    findings = [_finding_on(f, as_of) for f in snapshots(Finding, recorded).values() if f.identified_on <= as_of]
    open_ = [f for f in findings if f.status != FindingStatus.CLOSED]
    for f in findings:
        f.priority = _priority(f)
        f.overdue = f.status != FindingStatus.CLOSED and f.due_on is not None and f.due_on < as_of
    return {"latest": latest, "scores": scores, "controls": controls, "findings": findings, "open": open_,
            "overdue": sorted((f for f in open_ if f.overdue), key=lambda f: (f.priority.value, f.due_on, f.id)),
            "top": sorted(open_, key=lambda f: (f.priority.value, f.due_on or dt.date.max, f.id))[:TOP_FINDINGS]}


def _plans_on(plans: list, day: dt.date) -> list:
    """The plans as they stood on `day` by their own dates: adopted, submitted, in force and superseded then."""
    in_force_since = {p.id: p.in_force_from or p.adopted_on for p in plans if p.status.adopted}
    for p in plans:
        if not p.status.adopted or p.adopted_on is None:
            continue
        if p.adopted_on > day:  # adopted later: on the day it was still being prepared
            p.status, p.adopted_on, p.in_force_from = PlanStatus.DRAFT, None, None
            p.submitted_to_brs_on = None
            continue
        if p.submitted_to_brs_on and p.submitted_to_brs_on > day:
            p.submitted_to_brs_on = None
        successors = [in_force_since[s.id] for s in plans if s.follows_plan_id == p.id and s.id in in_force_since
                      and in_force_since[s.id] is not None]
        if p.status == PlanStatus.SUPERSEDED and successors and min(successors) > day:
            p.status = PlanStatus.IN_FORCE
        if p.status == PlanStatus.IN_FORCE and p.in_force_from and p.in_force_from > day:
            p.status = PlanStatus.APPROVED
    return plans


def _milestone_on(m, day: dt.date):
    """A milestone completed after `day` was not yet done on it."""
    if m.completed_on is not None and m.completed_on > day:
        m.completed_on = None
        if m.status == MilestoneStatus.DONE:
            m.status = MilestoneStatus.IN_PROGRESS
    return m


def _gather_preparedness(data: _Data) -> dict:
    snapshots = data.history.snapshots
    as_of, recorded = data.as_of, data.recorded
    plans = sorted(_plans_on(list(snapshots(Plan, recorded).values()), as_of),
                   key=lambda p: (p.council_term_start, p.id), reverse=True)
    reviews = defaultdict(list)
    for r in snapshots(PlanReview, recorded).values():
        if r.reviewed_on <= as_of:
            reviews[r.plan_id].append(r)
    settings = next(iter(snapshots(PreparednessSettings, recorded).values()), None)
    review_months = settings.review_interval_months if settings else DEFAULT_REVIEW_MONTHS
    sub_plan_months = settings.sub_plan_interval_months if settings else DEFAULT_SUB_PLAN_MONTHS
    milestones = defaultdict(list)
    for m in snapshots(Milestone, recorded).values():
        milestones[m.plan_id].append(_milestone_on(m, as_of))
    for items in milestones.values():
        items.sort(key=lambda m: (m.window_start, m.position, m.id))
    # A sub-plan's revision date is overwritten at each revision; the one in force on the day is read from the
    # states the history holds (a state without a revision date counts from the day it was saved).
    [in_force] = data.history.dated(SubPlan, (as_of,), recorded, "last_revised_on")
    revised = {sid: state.get("last_revised_on") for sid, state in in_force.items()}
    sub_plans = sorted((s for s in snapshots(SubPlan, recorded).values() if s.active), key=lambda s: s.title)
    for s in sub_plans:
        if s.last_revised_on is not None and s.last_revised_on > as_of:
            s.last_revised_on = dt.date.fromisoformat(revised[s.id]) if revised.get(s.id) else None
    due = {s.id: rules.next_due(s.last_revised_on, sub_plan_months, as_of) for s in sub_plans}
    warnings = (rules.section25_warnings(plans, as_of)
                + rules.review_warnings([(p, reviews[p.id]) for p in plans], review_months, as_of))
    return {"plans": plans, "milestones": milestones, "sub_plans": sub_plans, "sub_plan_due": due,
            "sub_plan_months": sub_plan_months, "warnings": warnings}


def _gather_exercises(data: _Data) -> dict:
    snapshots = data.history.snapshots
    as_of, recorded = data.as_of, data.recorded
    exercises = list(snapshots(Exercise, recorded).values())
    for e in exercises:  # held or evaluated after the day: not yet on it
        if e.held_on and e.held_on > as_of:
            e.held_on = None
        if e.evaluated_on and e.evaluated_on > as_of:
            e.evaluated_on = None
    held = {e.id: e.held_on for e in exercises if e.held_on and e.held_on <= as_of}
    exercised: dict[int, dt.date] = {}
    for link in snapshots(ExerciseSubPlan, recorded).values():
        when = held.get(link.exercise_id)
        if when and (link.sub_plan_id not in exercised or exercised[link.sub_plan_id] < when):
            exercised[link.sub_plan_id] = when
    targets = sorted((t for t in snapshots(ExerciseTarget, recorded).values() if t.active), key=lambda t: t.id)
    progress = [rules.target_progress(t, exercises, data.prep["sub_plans"], exercised, as_of) for t in targets]
    improvements = defaultdict(list)
    for point in snapshots(ImprovementPoint, recorded).values():
        if point.exercise_id in held:
            if point.status == ImprovementStatus.DONE and point.completed_on and point.completed_on > as_of:
                point.status, point.completed_on = ImprovementStatus.IN_PROGRESS, None  # done later: open then
            improvements[point.exercise_id].append(point)
    return {"exercises": exercises, "progress": progress, "improvements": improvements}


def _gather_incidents(data: _Data) -> dict:
    snapshots = data.history.snapshots
    # The year's incidents are those the municipality became aware of in the year, whatever the as-of date.
    start = end_of_day(dt.date(data.year - 1, 12, 31))
    end = min(end_of_day(dt.date(data.year, 12, 31)), end_of_day(data.as_of))
    incidents = sorted((i for i in snapshots(Incident, data.recorded).values() if start < i.aware_at <= end),
                       key=lambda i: i.aware_at)
    reports = defaultdict(list)
    now = end_of_day(data.as_of)
    for r in snapshots(IncidentReport, data.recorded).values():
        if r.submitted_at is None or r.submitted_at <= now:  # submitted later: still outstanding on the day
            reports[r.incident_id].append(r)
    lessons = defaultdict(list)
    for lesson in snapshots(Lesson, data.recorded).values():
        lessons[lesson.incident_id].append(lesson)
    clocks = {i.id: reporting_clock(i, reports[i.id], now=now) for i in incidents}
    return {"incidents": incidents, "clocks": clocks, "lessons": lessons}


def _gather_training(data: _Data) -> dict:
    snapshots = data.history.snapshots
    as_of, recorded = data.as_of, data.recorded
    trainees = [t for t in snapshots(Trainee, recorded).values() if t.active]
    last: dict[int, dt.date] = {}
    for record in snapshots(TrainingRecord, recorded).values():
        if record.completed_on <= as_of and (record.trainee_id not in last
                                             or last[record.trainee_id] < record.completed_on):
            last[record.trainee_id] = record.completed_on
    rules_row = next(iter(snapshots(TrainingSettings, recorded).values()), None)
    refresh = rules_row.validity_months if rules_row else training.refresh_months()
    scope = rules_row.management_scope if rules_row else ManagementScope.BOTH
    window = training.due_window_months()
    overall, by_body = training.Coverage(), {body: training.Coverage() for body in ManagementBody}
    for t in trainees:
        status, _until = training.training_status(last.get(t.id), as_of, refresh, window)
        if t.body in scope.bodies:  # only members of the management body the municipality named
            overall.add(status)
        by_body[t.body].add(status)
    approvals = sorted((a for a in snapshots(Approval, recorded).values()
                        if a.approved_on.year == data.year and a.approved_on <= as_of), key=lambda a: a.approved_on)
    campaigns = [c for c in snapshots(Campaign, recorded).values()
                 if c.held_on.year == data.year and c.held_on <= as_of]
    participation = defaultdict(lambda: [0, 0])
    for row in snapshots(CampaignUnit, recorded).values():
        participation[row.campaign_id][0] += row.staff_targeted
        participation[row.campaign_id][1] += row.staff_completed
    return {"overall": overall, "by_body": by_body, "approvals": approvals,
            "campaigns": sorted(campaigns, key=lambda c: c.held_on), "participation": participation,
            "refresh": refresh, "scope": scope, "validity_note": rules_row.validity_note if rules_row else None,
            "rule": rules_row.approval_rule if rules_row else ApprovalRule.NONE,
            "approval_note": rules_row.approval_note if rules_row else None}


# --- helpers ------------------------------------------------------------------------------------------

def _signed(value: int) -> str:
    return "±0" if value == 0 else (f"+{fmt.number(value)}" if value > 0 else f"−{fmt.number(-value)}")


def _points(now: Figures | None, before: Figures | None) -> str:
    """Change in the implemented share, in percentage points."""
    if now is None or not now.applicable:
        return "–"
    if before is None or not before.applicable:
        return "ny"
    change = round(now.share("implemented") - before.share("implemented"))
    return _signed(change) + " pct.-point"


def _share(f: Figures) -> str:
    return fmt.percent(f.implemented, f.applicable)


@cache
def _label(member) -> str:
    """An enum member's Danish label, looked up once: the report is always Danish, and gettext per row adds up."""
    with force_locale("da"):
        return member.label


def _status_label(a) -> str:
    if a is not None and not a.applicable:
        return "Ikke relevant"
    status = a.status if a is not None else None
    return _label(status) if isinstance(status, ImplementationStatus) else _not_assessed()


@cache
def _not_assessed() -> str:
    with force_locale("da"):
        return str(NOT_ASSESSED_LABEL)


def _unit(data: _Data, unit_id: int | None, none: str = "–") -> str:
    return data.units.get(unit_id, none) if unit_id else none


def _nis2_figures(data: _Data) -> tuple[Figures | None, Figures | None]:
    nis2 = _catalog_id(data, NIS2)
    now = next((f for f in data.overview.catalogs if f.key == nis2), None)
    before = next((f for f in data.overview_before.catalogs if f.key == nis2), None)
    return now, before


def _late_milestones(data: _Data, plan) -> list:
    """The plan's milestones past their deadline on the as-of date and neither completed nor cancelled."""
    return [m for m in data.prep["milestones"].get(plan.id, [])
            if m.status != MilestoneStatus.CANCELLED and m.completed_on is None and m.status != MilestoneStatus.DONE
            and rules.milestone_is_late(m.window_end, False, data.as_of)]


def _plan_reading(data: _Data, basis: LegalBasis, with_late: bool = True) -> tuple[str, str, str]:
    """(value, note, tone) of the plan a law requires each council term, as the board reads it.

    A plan adopted in the term, or written for it and adopted before it began, is "Vedtaget"; the new council's
    revision is raised in the term's last year, or when the revision's milestones are late."""
    term = rules.term_for(data.as_of)
    name = "beredskabsplan" if basis == LegalBasis.BEREDSKABSLOVEN_25 else "plan for sundhedsberedskabet"
    plans = [p for p in data.prep["plans"] if p.legal_basis == basis]
    last_year = (term.end - data.as_of).days < 365
    late = [m for p in plans if p.status != PlanStatus.SUPERSEDED for m in _late_milestones(data, p)] \
        if with_late else []
    late_note = (" " + fmt.count(len(late), "milepæl i revisionen er forsinket.",
                                 "milepæle i revisionen er forsinkede.") if late else "")
    adopted = [p for p in plans if p.status.adopted and p.adopted_on and term.contains(p.adopted_on)]
    written_for = rules.plan_for_term(plans, term)
    if adopted or written_for is not None:
        if adopted:
            plan = max(adopted, key=lambda p: p.adopted_on)
            note, tone = f"Vedtaget {fmt.short_date(plan.adopted_on)} i valgperioden {term.label}.", "success"
        else:
            plan = written_for
            note = (f"Vedtaget {fmt.short_date(plan.adopted_on)} for valgperioden {term.label}. Kommunalbestyrelsen "
                    f"skal vedtage en revision i valgperioden, senest {fmt.short_date(term.end)}.")
            tone = "warning" if last_year or late else "success"
        note += late_note
        if basis == LegalBasis.BEREDSKABSLOVEN_25 and plan.submitted_to_brs_on is None:
            return "Vedtaget", note + " Ikke indsendt til Beredskabsstyrelsen.", "warning"
        return "Vedtaget", note, tone if not late else "warning"
    if not plans:
        return "Ingen plan", f"Der er ingen {name} efter {basis.label} i registret.", "error"
    tone = "error" if last_year else ("warning" if late else "neutral")
    return ("Ikke vedtaget", f"Revision mangler i valgperioden {term.label}; frist {fmt.short_date(term.end)}."
            + late_note, tone)


def _section25(data: _Data) -> tuple[str, str, str]:
    """(value, note, tone) of the § 25 plan for the summary."""
    return _plan_reading(data, LegalBasis.BEREDSKABSLOVEN_25)


def _target_label(target) -> str:
    """The target as the board reads it: 'Hver delplan øvet inden for 3 år', not the form's 'N år'."""
    if target.kind == TargetKind.SUB_PLAN_EXERCISED_WITHIN:
        return f"Hver delplan øvet inden for {fmt.count(target.value, 'år', 'år')}"
    return _label(target.kind)


def _exercise_target(data: _Data) -> tuple[str, str, str]:
    yearly = [p for p in data.exercise["progress"] if p.target.kind.value != "sub_plan_exercised_within"]
    held = [e for e in data.exercise["exercises"]
            if e.held_on and e.held_on.year == data.year and e.held_on <= data.as_of]
    if not yearly:
        return fmt.number(len(held)), "Øvelser afholdt i året; der er ikke fastsat et mål.", "neutral"
    total = next((p for p in yearly if p.target.kind.value == "exercises_per_year"), yearly[0])
    tone = "success" if all(p.met for p in yearly) else ("warning" if all(p.on_track for p in yearly) else "error")
    note = "; ".join(f"{_target_label(p.target)}: {p.achieved} af {p.required}" for p in yearly)
    return f"{total.achieved} af {total.required}", note, tone


# --- sections ---------------------------------------------------------------------------------------------

def _decisions(data: _Data) -> list[str]:
    out = []
    gap = data.gap
    if gap["overdue"]:
        worst = sum(1 for f in gap["overdue"] if f.priority in (Priority.P1, Priority.P2))
        n = len(gap["overdue"])
        out.append(f"{fmt.count(n, 'fund', 'fund')} i handlingsplanen er over {'sin' if n == 1 else 'deres'} frist "
                   f"({fmt.number(worst)} med prioritet 1 eller 2). Direktionen bør fastsætte nye frister eller "
                   "tilføre ressourcer.")
    critical = sum(1 for f in gap["open"] if f.severity == Severity.CRITICAL)
    if critical:
        out.append(fmt.count(critical, "kritisk fund er stadig åbent og bør", "kritiske fund er stadig åbne og bør")
                   + " have direktionens opmærksomhed.")
    for basis, what in ((LegalBasis.BEREDSKABSLOVEN_25, "Beredskabsplanen (§ 25)"),
                        (LegalBasis.SUNDHEDSLOVEN_210, "Planen for sundhedsberedskabet (sundhedsloven § 210)")):
        # late milestones get their own point below
        _value, plan_note, plan_tone = _plan_reading(data, basis, with_late=False)
        if plan_tone in ("warning", "error"):
            out.append(f"{what}: {plan_note}")
    for plan in data.prep["plans"]:
        if plan.status == PlanStatus.SUPERSEDED:
            continue
        late = _late_milestones(data, plan)
        if late:
            listed = "; ".join(f"{m.title} (frist {fmt.short_date(rules.milestone_deadline(m.window_end))})"
                               for m in late)
            out.append(f"Revisionen af „{plan.title}“: "
                       f"{fmt.count(len(late), 'milepæl er forsinket', 'milepæle er forsinkede')}: {listed}.")
    out += [w.text for w in data.prep["warnings"] if w.plan_id is not None and w.tone == "error"]
    overdue_sub = [s for s in data.prep["sub_plans"] if data.prep["sub_plan_due"][s.id].overdue]
    if overdue_sub:
        out.append(f"{fmt.count(len(overdue_sub), 'delplan er', 'delplaner er')} ikke revideret inden for "
                   f"{fmt.count(data.prep['sub_plan_months'], 'måned', 'måneder')}; de ansvarlige enheder bør "
                   "pålægges at revidere dem.")
    for p in data.exercise["progress"]:
        if not p.on_track:
            out.append(f"Øvelsesmålet „{_target_label(p.target)}“ er ikke nået ({p.achieved} af {p.required}), "
                       "og der er ikke planlagt nok øvelser til at nå det.")
    tr = data.training
    for body in tr["rule"].bodies:  # only the approvals the municipality's own rule asks for
        if not any(a.body == body for a in tr["approvals"]):
            out.append(f"Der er ikke registreret en godkendelse i {body.label.lower()} i {data.year} af "
                       "cybersikkerhedsforanstaltningerne (NIS2 art. 20, stk. 1; kommunens regel: "
                       f"{tr['rule'].label.lower()}). {body.label} bør godkende dem.")
    overall = tr["overall"]
    missing = overall.total - overall.covered
    if missing:
        out.append(f"{fmt.number(missing)} af {fmt.count(overall.total, 'medlem', 'medlemmer')} af ledelsen "
                   "mangler gyldig uddannelse i cybersikkerhed (NIS2 art. 20, stk. 2).")
    late = sum(1 for steps in data.incident["clocks"].values()
               if any(s.state in (StepState.LATE, StepState.OVERDUE) for s in steps))
    if late:
        out.append(fmt.count(late, "væsentlig hændelse blev", "væsentlige hændelser blev")
                   + " ikke indberettet rettidigt efter NIS2 art. 23.")
    if data.overview.total and data.overview.total.overdue:
        n = data.overview.total.overdue
        out.append(f"{fmt.count(n, 'krav', 'krav')} er over {'sin' if n == 1 else 'deres'} dato for næste gennemgang.")
    return out


def _basis(data: _Data) -> str:
    """What the report is read from, in the board's words: the year's own dates, or the audit view."""
    if data.audit:
        return (f"Revisionsvisning: rapporten viser, hvad registret indeholdt ved udgangen af "
                f"{fmt.date(data.recorded)} ifølge ændringshistorikken, med status pr. {fmt.date(data.as_of)}. "
                "Oplysninger registreret senere indgår ikke. Tal for ændringer sammenligner med samme dato året "
                "før.")
    return (f"Rapporten viser {data.year} ud fra registreringernes egne datoer: øvelsernes dato, hvornår "
            "kommunen blev opmærksom på hændelserne, hvornår fund blev konstateret og lukket, planernes "
            "vedtagelse, milepælenes gennemførelse, uddannelsens dato og den dato, en status gælder fra. "
            f"Status er opgjort ved udgangen af {fmt.date(data.as_of)}; oplysninger om året, der er registreret "
            "senere, tæller med. Tal for ændringer sammenligner med samme dato året før.")


def _summary(data: _Data) -> d.Section:
    nis2, before = _nis2_figures(data)
    if nis2 and nis2.applicable:
        nis2_fig = d.Figure("NIS2-krav implementeret",
                            f"{fmt.number(nis2.implemented)} af {fmt.number(nis2.applicable)}",
                            f"{_share(nis2)}; ændring siden {fmt.short_date(data.previous)}: {_points(nis2, before)}",
                            "success" if nis2.implemented == nis2.applicable else "warning")
    else:
        nis2_fig = d.Figure("NIS2-krav implementeret", "–", "NIS2-kataloget er ikke indlæst.", "neutral")
    plan_value, plan_note, plan_tone = _section25(data)
    health_value, health_note, health_tone = _plan_reading(data, LegalBasis.SUNDHEDSLOVEN_210)
    ex_value, ex_note, ex_tone = _exercise_target(data)
    gap = data.gap
    figures = d.Figures([
        nis2_fig,
        d.Figure("Beredskabsplan (§ 25)", plan_value, plan_note, plan_tone),
        d.Figure("Sundhedsberedskabsplan (sundhedsloven § 210)", health_value, health_note, health_tone),
        d.Figure("Øvelser afholdt mod mål", ex_value, ex_note, ex_tone),
        d.Figure("Åbne fund i handlingsplanen", fmt.number(len(gap["open"])),
                 fmt.count(sum(1 for f in gap["open"] if f.severity == Severity.CRITICAL), "kritisk", "kritiske"),
                 "warning" if gap["open"] else "success"),
        d.Figure("Fund over frist", fmt.number(len(gap["overdue"])), "Åbne fund, hvis frist er passeret",
                 "error" if gap["overdue"] else "success"),
        d.Figure("Væsentlige hændelser i året",
                 fmt.number(sum(1 for i in data.incident["incidents"] if i.significance == Significance.SIGNIFICANT)),
                 "af " + fmt.count(len(data.incident["incidents"]), "registreret hændelse", "registrerede hændelser"),
                 "neutral"),
    ])
    top = d.Table(["Fund", "Kritikalitet", "Prioritet", "Ansvarlig", "Frist"],
                  [[f.title, _label(f.severity), _label(f.priority), _unit(data, f.unit_id, f.owner or "–"),
                    fmt.short_date(f.due_on) + (" (overskredet)" if f.overdue else "")] for f in gap["top"]],
                  caption="De vigtigste åbne fund (efter prioritet og frist)", widths=[4, 1.3, 1.3, 2, 1.6],
                  empty="Der er ingen åbne fund.")
    decisions = _decisions(data)
    blocks = [
        d.Para(_basis(data), "lead"),
        figures, top,
        d.Para("Beslutninger, som direktionen bør tage stilling til", "warning"),
        d.Bullets(decisions) if decisions else d.Para("Registret giver ikke anledning til beslutninger på denne dato."),
    ]
    return d.Section("Sammenfatning for direktionen", blocks)


def _figure_row(label: str, f: Figures, before: Figures | None) -> list[str]:
    return [label, fmt.number(f.applicable), fmt.number(f.implemented), fmt.number(f.partly),
            fmt.number(f.planned + f.not_started), fmt.number(f.not_assessed), _share(f), _points(f, before)]


FIGURE_COLUMNS = ["Krav", "Implementeret", "Delvist", "Ikke i gang", "Ikke vurderet",
                  "Andel impl.", "Ændring"]
FIGURE_WIDTHS = [1.2, 2.3, 1.4, 1.6, 1.5, 1.2, 1.9]


def _area_figures(data: _Data, reqs: dict, assessments: dict) -> list[Figures]:
    """NIS2 Art. 21(2)(a)-(j): each measure with the requirements under it."""
    nis2 = _catalog_id(data, NIS2)
    root = next((r for r in reqs.values() if r.catalog_id == nis2 and r.ref == "21.2" and not r.retired), None)
    if root is None:
        return []
    areas = {r.id: Figures(r.id, f"{r.display_ref} {r.title_da}")
             for r in sorted(reqs.values(), key=lambda r: r.position) if r.parent_id == root.id and not r.retired}
    counted = assessable_ids(list(reqs.values()))
    for r in reqs.values():
        if r.id not in counted:
            continue
        node, seen = r, set()
        while node is not None and node.id not in areas and node.id not in seen:
            seen.add(node.id)
            node = reqs.get(node.parent_id)
        if node is not None and node.id in areas:
            a = assessments.get(r.id)
            areas[node.id].add(a.status.value if a is not None and isinstance(a.status, ImplementationStatus)
                               else None, a.applicable if a is not None else True, False)
    return list(areas.values())


def _nis2(data: _Data) -> d.Section:
    now, before = _nis2_figures(data)
    blocks = [d.Para(f"Status for kravene pr. {fmt.date(data.as_of)}, sammenlignet med {fmt.date(data.previous)}. "
                     "Kun krav, der vurderes, tælles; krav vurderet som ikke relevante indgår ikke i andelene. "
                     "„Ikke i gang“ er planlagte og ikke påbegyndte krav.")]
    before_by_key = {f.key: f for f in data.overview_before.catalogs}
    blocks.append(d.Table(["Katalog"] + FIGURE_COLUMNS,
                          [_figure_row(f.label, f, before_by_key.get(f.key)) for f in data.overview.catalogs],
                          caption="Alle kataloger", widths=[3.2] + FIGURE_WIDTHS,
                          numeric={1, 2, 3, 4, 5, 6, 7}, empty="Der er ingen kataloger i registret."))
    areas = _area_figures(data, data.reqs, data.assessments)
    areas_before = {f.key: f for f in _area_figures(data, data.reqs_before, data.assessments_before)}
    blocks.append(d.Section("Foranstaltninger efter NIS2 art. 21, stk. 2", [
        d.Table(["Område"] + FIGURE_COLUMNS, [_figure_row(f.label, f, areas_before.get(f.key)) for f in areas],
                caption="Art. 21, stk. 2, litra a–j", widths=[3.2] + FIGURE_WIDTHS,
                numeric={1, 2, 3, 4, 5, 6, 7}, empty="NIS2-kataloget er ikke indlæst.")], level=2))
    units_before = {f.key: f for f in data.overview_before.units}
    blocks.append(d.Section("Status pr. ansvarlig enhed", [
        d.Table(["Enhed"] + FIGURE_COLUMNS + ["Gennemgang overskredet"],
                [_figure_row(_unit(data, f.key, f.label) if f.key else f.label, f, units_before.get(f.key))
                 + [fmt.number(f.overdue)] for f in data.overview.units],
                caption="Alle kataloger, fordelt på den ansvarlige enhed",
                widths=[2.8] + FIGURE_WIDTHS + [2.3], numeric={1, 2, 3, 4, 5, 6, 7, 8},
                empty="Ingen krav er tildelt en enhed.")], level=2))
    if now is not None:
        blocks.insert(1, d.Para(f"NIS2: {fmt.number(now.implemented)} af {fmt.number(now.applicable)} relevante krav "
                                f"er implementeret ({_share(now)}); ændring: {_points(now, before)}."))
    return d.Section("NIS2-status", blocks)


def _gap(data: _Data) -> d.Section:
    gap = data.gap
    latest = gap["latest"]
    blocks = []
    if latest is None:
        blocks.append(d.Para("Der er ikke gennemført en gap-analyse pr. denne dato."))
    else:
        rows = []
        current_values, target_values, names = [], [], []
        for control in gap["controls"]:
            score = gap["scores"].get(control.id)
            cur = score.current_level if score else None
            tgt = score.target_level if score else None
            names.append(f"{control.display_ref} {control.title_da}"[:34])
            current_values.append(cur or 0)
            target_values.append(tgt or 0)
            rows.append([control.display_ref, control.title_da, "–" if cur is None else str(cur),
                         "–" if tgt is None else str(tgt),
                         "–" if cur is None or tgt is None else _signed(cur - tgt) if cur < tgt else "nået",
                         score.implementation_group.short if score and score.implementation_group else "–"])
        scored = [s for s in gap["scores"].values() if s.current_level is not None]
        avg_cur = sum(s.current_level for s in scored) / len(scored) if scored else None
        targeted = [s for s in gap["scores"].values() if s.target_level is not None]
        avg_tgt = sum(s.target_level for s in targeted) / len(targeted) if targeted else None
        below = sum(1 for s in scored if s.target_level is not None and s.current_level < s.target_level)
        blocks += [
            d.Para(f"Seneste gap-analyse: „{latest.name}“ ({fmt.date(latest.assessed_on)}), "
                   f"metode: {latest.method}. Modenhed måles på en skala fra 0 til 5."),
            d.Figures([d.Figure("Gennemsnitlig modenhed", fmt.number(avg_cur, 1), "Nuværende niveau"),
                       d.Figure("Gennemsnitligt mål", fmt.number(avg_tgt, 1), "Målniveau"),
                       d.Figure("Kontroller under mål", f"{below} af {len(gap['controls'])}",
                                "CIS-kontroller med nuværende niveau under målet",
                                "warning" if below else "success")]),
            d.BarChart("Modenhed pr. CIS-kontrol", names,
                       [d.Series("Nuværende", current_values), d.Series("Mål", target_values)], 5,
                       unit="Modenhed (0–5)",
                       description="; ".join(f"{n}: nuværende {c}, mål {t}"
                                             for n, c, t in zip(names, current_values, target_values, strict=True))),
            d.Table(["Kontrol", "Titel", "Nuværende", "Mål", "Afstand", "IG"], rows,
                    caption="Modenhed pr. CIS-kontrol", widths=[0.8, 5, 1.1, 0.8, 1, 0.7], numeric={2, 3, 4}),
        ]
    findings = gap["findings"]
    by_status = Counter(f.status for f in findings)
    by_priority = Counter(f.priority for f in gap["open"])
    closed_in_year = sum(1 for f in findings if f.status == FindingStatus.CLOSED and f.closed_on
                         and f.closed_on.year == data.year)
    plan_blocks = [
        d.Figures([d.Figure("Fund i alt", fmt.number(len(findings))),
                   d.Figure("Lukket", fmt.number(by_status[FindingStatus.CLOSED]),
                            f"{fmt.percent(by_status[FindingStatus.CLOSED], len(findings))}; "
                            f"{fmt.number(closed_in_year)} lukket i {data.year}", "success"),
                   d.Figure("Over frist", fmt.number(len(gap["overdue"])), "Åbne fund, hvis frist er passeret",
                            "error" if gap["overdue"] else "success")]),
        d.Table(["Status", "Antal"], [[s.label, fmt.number(by_status[s])] for s in FindingStatus],
                caption="Fund efter status", widths=[3, 1], numeric={1}),
        d.Table(["Prioritet", "Åbne fund", "Heraf over frist"],
                [[p.label, fmt.number(by_priority[p]),
                  fmt.number(sum(1 for f in gap["overdue"] if f.priority == p))] for p in Priority],
                caption="Åbne fund efter prioritet", widths=[3, 1, 1], numeric={1, 2}),
        d.Table(["Fund", "Kritikalitet", "Prioritet", "Ansvarlig", "Frist", "Dage over"],
                [[f.title, _label(f.severity), _label(f.priority), _unit(data, f.unit_id, f.owner or "–"),
                  fmt.short_date(f.due_on), fmt.number((data.as_of - f.due_on).days)] for f in gap["overdue"]],
                caption="Fund over frist", widths=[4, 1.3, 1.2, 2, 1.3, 1], numeric={5},
                empty="Ingen fund er over deres frist."),
    ]
    blocks.append(d.Section("Handlingsplanens fremdrift", plan_blocks, level=2))
    return d.Section("Gap-analyse", blocks)


def _milestone_state(m, as_of: dt.date) -> str:
    deadline = rules.milestone_deadline(m.window_end)
    if m.status == MilestoneStatus.CANCELLED:
        return "Udgået"
    if m.status == MilestoneStatus.DONE or m.completed_on:
        if m.completed_on and m.completed_on > deadline:
            return f"Nået for sent ({fmt.short_date(m.completed_on)})"
        return f"Nået ({fmt.short_date(m.completed_on)})"
    if as_of > deadline:
        return "Forsinket"
    return m.status.label


def _plan_status(plan) -> str:
    """The plan's status in the board's words: the council "vedtager" a plan."""
    if plan.status == PlanStatus.APPROVED:
        return f"Vedtaget, gældende fra {fmt.short_date(plan.in_force_from)}" if plan.in_force_from else "Vedtaget"
    if plan.status == PlanStatus.IN_FORCE:
        return "Vedtaget, gældende"
    return _label(plan.status)


def _plan(data: _Data) -> d.Section:
    prep = data.prep
    blocks = [d.Para(LegalBasis.BEREDSKABSLOVEN_25.rule)]
    blocks.append(d.Table(["Plan", "Grundlag", "Valgperiode", "Status", "Vedtaget", "Indsendt til BRS"],
                          [[p.title, p.legal_basis.label,
                            rules.CouncilTerm(p.council_term_start).label, _plan_status(p),
                            fmt.short_date(p.adopted_on), fmt.short_date(p.submitted_to_brs_on)]
                           for p in prep["plans"]],
                          caption="Planer", widths=[3.5, 2, 1.3, 1.2, 1.2, 1.3],
                          empty="Der er ingen planer i registret."))
    if prep["warnings"]:
        blocks.append(d.Section("Opmærksomhedspunkter", [d.Bullets([w.text for w in prep["warnings"]])], level=2))
    for plan in prep["plans"]:
        items = prep["milestones"].get(plan.id)
        if not items or plan.status == PlanStatus.SUPERSEDED:
            continue
        states = [_milestone_state(m, data.as_of) for m in items]
        met = sum(1 for s in states if s.startswith("Nået ("))
        met_late = sum(1 for s in states if s.startswith("Nået for sent"))
        late = states.count("Forsinket")
        rows = [[rules.format_window(m.window_start, m.window_end), m.title,
                 m.responsible_body.label if m.responsible_body else _unit(data, m.responsible_unit_id),
                 fmt.short_date(rules.milestone_deadline(m.window_end)), s] for m, s in zip(items, states, strict=True)]
        blocks.append(d.Section(f"Revisionstidslinje: {plan.title}", [
            d.Para(f"{fmt.count(met, 'milepæl', 'milepæle')} nået til tiden, {fmt.number(met_late)} nået for sent, "
                   f"{fmt.count(late, 'forsinket', 'forsinkede')} og {fmt.number(len(items) - met - met_late - late)} "
                   f"kommende eller udgåede, af {fmt.number(len(items))} i alt."),
            d.Table(["Tidsrum", "Milepæl", "Ansvarlig", "Frist", "Status"], rows, caption="Milepæle",
                    widths=[1.6, 4, 2, 1.2, 2])], level=2))
    due = prep["sub_plan_due"]
    overdue = [s for s in prep["sub_plans"] if due[s.id].overdue]
    blocks.append(d.Section("Delplaner og indsatsplaner", [
        d.Para(f"{fmt.number(len(overdue))} af "
               + fmt.count(len(prep["sub_plans"]), "aktiv delplan eller indsatsplan",
                           "aktive delplaner og indsatsplaner")
               + f" er ikke revideret inden for {fmt.count(prep['sub_plan_months'], 'måned', 'måneder')}."),
        d.Table(["Plan", "Type", "Enhed", "Senest revideret", "Skulle revideres"],
                [[s.title, _label(s.kind), _unit(data, s.unit_id), fmt.short_date(s.last_revised_on),
                  "aldrig revideret" if due[s.id].never_done else fmt.short_date(due[s.id].due_on)]
                 for s in sorted(overdue, key=lambda s: (_unit(data, s.unit_id), s.title))],
                caption="Delplaner over frist for revision", widths=[3.5, 1.3, 2.5, 1.5, 1.5],
                empty="Ingen delplaner er over frist.")], level=2))
    return d.Section("Beredskabsplanen", blocks)


def _evaluated(e) -> bool:
    return bool(e.evaluation_purpose and e.observations and e.criteria_assessment)


def _exercises(data: _Data) -> d.Section:
    ex = data.exercise
    held = sorted((e for e in ex["exercises"] if e.held_on and e.held_on.year == data.year and e.held_on <= data.as_of),
                  key=lambda e: (e.held_on, e.id))
    planned = sorted((e for e in ex["exercises"] if e.held_on is None and e.planned_on
                      and e.planned_on.year == data.year), key=lambda e: (e.planned_on, e.id))
    blocks = [d.Table(["Mål", "Opnået", "Krævet", "Planlagt resten af året", "Status"],
                      [[_target_label(p.target),
                        fmt.number(p.achieved), fmt.number(p.required), fmt.number(p.planned),
                        "Nået" if p.met else ("På vej" if p.on_track else "Ikke nået")] for p in ex["progress"]],
                      caption=f"Øvelsesmål pr. {fmt.date(data.as_of)}", widths=[4, 1, 1, 1.6, 1.2],
                      numeric={1, 2, 3}, empty="Der er ikke fastsat øvelsesmål.")]
    rows = []
    for e in held:
        points = ex["improvements"].get(e.id, [])
        open_points = sum(1 for p in points if not p.status.closed)
        rows.append([fmt.short_date(e.held_on), e.title, _label(e.exercise_type), _label(e.level),
                     f"Evalueret {fmt.short_date(e.evaluated_on)}" if _evaluated(e) else "Mangler evaluering",
                     f"{fmt.count(open_points, 'åbent', 'åbne')} af {fmt.number(len(points))}" if points else "–"])
    blocks.append(d.Section(f"Øvelser afholdt i {data.year}", [
        d.Table(["Dato", "Øvelse", "Type", "Niveau", "Evaluering", "Forbedringspunkter"], rows,
                caption="Afholdte øvelser", widths=[1.2, 3.5, 1.8, 1.6, 1.8, 1.5],
                empty="Der er ikke afholdt øvelser i året."),
        d.Table(["Planlagt", "Øvelse", "Type", "Niveau", "Status"],
                [[fmt.short_date(e.planned_on), e.title, _label(e.exercise_type), _label(e.level),
                  "Planlagt dato passeret" if e.planned_on < data.as_of else "Planlagt"] for e in planned],
                caption="Planlagte, ikke afholdte øvelser i året", widths=[1.2, 4, 1.8, 1.6, 2],
                empty="Ingen planlagte øvelser udestår.")], level=2))
    titles = {e.id: e.title for e in ex["exercises"]}
    follow = [p for points in ex["improvements"].values() for p in points if not p.status.closed]
    follow.sort(key=lambda p: (p.due_on or dt.date.max, p.id))
    blocks.append(d.Section("Opfølgning på forbedringspunkter", [
        d.Table(["Forbedringspunkt", "Øvelse", "Ansvarlig", "Frist", "Status"],
                [[p.title, titles.get(p.exercise_id, "–"), _unit(data, p.owner_unit_id), fmt.short_date(p.due_on),
                  "Over frist" if p.due_on and p.due_on < data.as_of else _label(p.status)] for p in follow],
                caption="Åbne forbedringspunkter fra øvelser", widths=[3.5, 3, 2, 1.2, 1.3],
                empty="Der er ingen åbne forbedringspunkter.")], level=2))
    return d.Section("Øvelser", blocks)


# The board's short words for a report's state in the incidents table.
_CLOCK_WORDS = {StepState.PENDING: "afventer", StepState.OVERDUE: "over frist", StepState.ON_TIME: "indsendt rettidigt",
                StepState.LATE: "indsendt for sent", StepState.SUBMITTED: "indsendt",
                StepState.AFTER_HANDLING: "afventer håndtering"}


def _clock_text(steps) -> str:
    if not steps:
        return "–"
    counts = Counter(s.state for s in steps if s.state != StepState.ON_REQUEST)  # not owed unless asked for
    return ", ".join(f"{fmt.number(counts[state])} {_CLOCK_WORDS[state]}" for state in StepState if counts[state])


def _approval_rule_text(tr: dict) -> str:
    rule = tr["rule"]
    if rule == ApprovalRule.NONE:
        text = ("NIS2 art. 20, stk. 1: ledelsesorganerne godkender cybersikkerhedsforanstaltningerne. Loven overlader "
                "det til kommunen at fastlægge, hvilket organ der godkender; kommunen har ikke fastsat en regel, så "
                "rapporten viser årets godkendelser uden at kræve en bestemt.")
    else:
        text = (f"NIS2 art. 20, stk. 1: ledelsesorganerne godkender cybersikkerhedsforanstaltningerne. Efter kommunens "
                f"egen regel godkender {rule.label.lower()} dem hvert år; loven overlader valget til kommunen.")
    return text + (f" Begrundelse: {tr['approval_note']}" if tr["approval_note"] else "")


def _incidents_training(data: _Data) -> d.Section:
    inc = data.incident
    incidents = inc["incidents"]
    significant = [i for i in incidents if i.significance == Significance.SIGNIFICANT]
    open_lessons = [lesson for i in incidents for lesson in inc["lessons"].get(i.id, [])
                    if lesson.status == LessonStatus.OPEN]
    blocks = [d.Section(f"Hændelser i {data.year}", [
        d.Figures([d.Figure("Registrerede hændelser", fmt.number(len(incidents))),
                   d.Figure("Væsentlige (NIS2 art. 23)", fmt.number(len(significant)), "", "warning" if significant
                            else "neutral"),
                   d.Figure("Åbne erfaringspunkter", fmt.number(len(open_lessons)), "Fra årets hændelser")]),
        d.Table(["Opdaget", "Hændelse", "Vurdering", "Status", "Indberetninger (art. 23)"],
                [[fmt.short_date(utc_to_local(i.detected_at).date()), i.title, _label(i.significance),
                  _label(i.status), _clock_text(inc["clocks"][i.id])] for i in incidents],
                caption="Hændelser", widths=[1.2, 3.5, 1.8, 1.5, 3], empty="Der er ikke registreret hændelser i året."),
    ], level=2, page_break=False)]
    tr = data.training
    body_rows = []
    for body, cov in tr["by_body"].items():
        if cov.total and body in tr["scope"].bodies:
            body_rows.append([body.label, fmt.number(cov.total), fmt.number(cov.covered),
                              fmt.number(cov.total - cov.covered), fmt.percent(cov.covered, cov.total)])
    overall = tr["overall"]
    if overall.total:
        body_rows.append(["I alt", fmt.number(overall.total), fmt.number(overall.covered),
                          fmt.number(overall.total - overall.covered), fmt.percent(overall.covered, overall.total)])
    blocks.append(d.Section("Ledelsens uddannelse og godkendelser", [
        d.Para("NIS2 art. 20, stk. 2 (NIS 2-loven § 7, stk. 2): ledelsen skal deltage i relevante kurser. "
               "Som ledelsen tæller: "
               f"{tr['scope'].label.lower()}. Uddannelse regnes som gyldig i "
               f"{fmt.count(tr['refresh'], 'måned', 'måneder')} efter seneste kursus; det er kommunens egen regel, "
               "ikke lovens." + (f" Begrundelse: {tr['validity_note']}" if tr["validity_note"] else "")),
        d.Para(_approval_rule_text(tr)),
        d.Table(["Ledelsesorgan", "Personer", "Gyldig uddannelse", "Mangler", "Andel"], body_rows,
                caption=f"Ledelsens uddannelse pr. {fmt.date(data.as_of)}", widths=[3, 1, 1.5, 1, 1],
                numeric={1, 2, 3, 4}, empty="Der er ikke registreret medlemmer af ledelsen."),
        d.Table(["Dato", "Organ", "Sag", "Emne"],
                [[fmt.short_date(a.approved_on), a.body.label, a.reference, a.subject] for a in tr["approvals"]],
                caption=f"Godkendelser i {data.year}", widths=[1.2, 2, 2, 5],
                empty="Der er ikke registreret godkendelser i året."),
        d.Table(["Dato", "Kampagne", "Målgruppe", "Gennemført", "Andel"],
                [[fmt.short_date(c.held_on), c.title, fmt.number(tr["participation"][c.id][0]),
                  fmt.number(tr["participation"][c.id][1]),
                  fmt.percent(tr["participation"][c.id][1], tr["participation"][c.id][0])] for c in tr["campaigns"]],
                caption=f"Awareness-kampagner i {data.year}", widths=[1.2, 4, 1.2, 1.2, 1], numeric={2, 3, 4},
                empty="Der er ikke registreret kampagner i året."),
    ], level=2, page_break=False))
    return d.Section("Hændelser og ledelsens uddannelse", blocks)


def _appendix(data: _Data) -> d.Section:
    counted = assessable_ids(list(data.reqs.values()))
    by_catalog = defaultdict(list)
    for r in data.reqs.values():
        if r.id in counted:
            by_catalog[r.catalog_id].append(r)
    blocks = [d.Para(f"Alle krav, der vurderes, med status pr. {fmt.date(data.as_of)}.")]
    for cid in sorted(by_catalog, key=lambda c: (data.catalogs.get(c, ("", "", 0))[2], c)):
        rows = []
        for r in sorted(by_catalog[cid], key=lambda r: r.position):
            a = data.assessments.get(r.id)
            rows.append([r.display_ref, r.title_da, _status_label(a),
                         _unit(data, a.responsible_unit_id) if a else "–",
                         fmt.short_date(a.next_review) if a else "–"])
        blocks.append(d.Section(data.catalogs.get(cid, ("", "Katalog", 0))[1], [
            d.Table(["Ref.", "Krav", "Status", "Ansvarlig enhed", "Næste gennemgang"], rows,
                    widths=[1, 5, 1.5, 2.2, 1.4])], level=2, page_break=False))
    return d.Section("Bilag: Kravliste", blocks)
