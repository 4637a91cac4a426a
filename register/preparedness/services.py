"""Reading and changing preparedness records; flushes, never commits."""
import datetime as dt
import functools
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload
from wtforms import SelectChoice

from register.catalogs.models import Catalog, Requirement
from register.core.concurrency import touch
from register.core.i18n import gettext as _, localized
from register.core.paging import Page, count_rows, paginate
from register.core.picker import CHOOSE_IN_FORM_UP_TO
from register.extensions import db
from register.gap import services as gap_services
from register.gap.models import Finding, FindingSource
from register.organisation.models import Unit
from register.preparedness import rules
from register.preparedness.models import (
    BodyKind, Exercise, ExerciseLevel, ExercisePlan, ExerciseRequirement, ExerciseState, ExerciseSubPlan,
    ExerciseTarget, ExerciseType, ExerciseUnit, GovernanceBody, ImprovementPoint, ImprovementStatus,
    LeaderIntroduction, Milestone,
    MilestoneStatus, Plan, PlanReview, PreparednessSettings, ResponsibleBody, SubPlan, exercise_state)
from register.requirements.links import ranked

DEFAULT_REVIEW_NOTE = ("Arbejdsgruppen for beredskab gennemgår beredskabsplanen årligt; ansvaret for planerne er "
                       "fortsat decentralt (Direktionens beslutning 26-03-2025).")
DEFAULT_SUB_PLAN_NOTE = ("Del- og indsatsplaner revideres mindst hvert andet år og i forbindelse med revisionen af "
                         "beredskabsplanen i hver valgperiode.")


class PreparednessError(ValueError):
    """Input that breaks a rule of the register; the message is meant for the user, `field` says where."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def today() -> dt.date:
    """Today's date in Copenhagen (views pass it on; rules never call it themselves)."""
    return dt.datetime.now(ZoneInfo("Europe/Copenhagen")).date()


# --- settings -----------------------------------------------------------------------------------

def settings(create: bool = False) -> PreparednessSettings:
    """The one settings row. Before the first save, one with the defaults that is stored only when saved
    (`create` stores it at once), so that reading the settings page writes nothing."""
    row = db.session.execute(sa.select(PreparednessSettings).order_by(PreparednessSettings.id).limit(1)).scalar()
    if row is None:
        row = PreparednessSettings(review_interval_months=12, review_interval_note=DEFAULT_REVIEW_NOTE,
                                   sub_plan_interval_months=24, sub_plan_interval_note=DEFAULT_SUB_PLAN_NOTE)
        if create:
            db.session.add(row)
            db.session.flush()
    return row


def interval_settings() -> tuple[int, int]:
    """(review interval, sub-plan interval) in months, without creating the row on a read-only page."""
    row = db.session.execute(sa.select(PreparednessSettings.review_interval_months,
                                       PreparednessSettings.sub_plan_interval_months)
                             .order_by(PreparednessSettings.id).limit(1)).first()
    return (row[0], row[1]) if row else (12, 24)


# --- plans and milestones -----------------------------------------------------------------------

# The newest council term first: the plan in force is what users look for.
PLAN_ORDER = (Plan.council_term_start.desc(), Plan.title)


def all_plans() -> list[Plan]:
    return list(db.session.execute(
        sa.select(Plan).options(selectinload(Plan.reviews), selectinload(Plan.owner_unit))
        .order_by(*PLAN_ORDER)).scalars())


def plan_choices() -> list[tuple[int, str]]:
    """(id, title) of every plan in all_plans' order: for choosing one in a form."""
    return [tuple(row) for row in db.session.execute(sa.select(Plan.id, Plan.title).order_by(*PLAN_ORDER))]


def plan_detail(plan_id: int) -> Plan | None:
    return db.session.execute(
        sa.select(Plan).where(Plan.id == plan_id)
        .options(selectinload(Plan.milestones).selectinload(Milestone.responsible_unit),
                 selectinload(Plan.reviews), selectinload(Plan.owner_unit), selectinload(Plan.follows))
    ).scalar_one_or_none()


def followers_of(plan: Plan) -> list[Plan]:
    return list(db.session.execute(sa.select(Plan).where(Plan.follows_plan_id == plan.id).order_by(Plan.title))
                .scalars())


def check_plan(plan: Plan) -> None:
    """A plan's own invariants, checked before saving."""
    if not rules.is_term_start(plan.council_term_start):
        raise PreparednessError(_("%(year)d er ikke første år i en valgperiode.", year=plan.council_term_start),
                                "council_term_start")
    if plan.status.adopted and plan.adopted_on is None:
        raise PreparednessError(_("En godkendt eller gældende plan skal have en vedtagelsesdato "
                                  "(vedtaget af kommunalbestyrelsen i et møde)."), "adopted_on")
    if plan.submitted_to_brs_on is not None and (plan.adopted_on is None
                                                 or plan.submitted_to_brs_on < plan.adopted_on):
        # § 25, stk. 4: what is submitted is the adopted plan; a draft sent earlier is a consultation
        raise PreparednessError(_("Indsendelsen til Beredskabsstyrelsen (§ 25, stk. 4) er den vedtagne plan og kan "
                                  "ikke ligge før kommunalbestyrelsens vedtagelse. Er et udkast sendt til "
                                  "udtalelse, så registrer det som „Sendt til udtalelse hos "
                                  "Beredskabsstyrelsen“."), "submitted_to_brs_on")
    if plan.sst_advice_on is not None and plan.adopted_on is not None and plan.sst_advice_on > plan.adopted_on:
        raise PreparednessError(_("Rådgivningen fra Sundhedsstyrelsen skal indhentes før vedtagelsen "
                                  "(sundhedsloven § 210)."), "sst_advice_on")
    if plan.follows_plan_id is not None and plan.follows_plan_id == plan.id:
        raise PreparednessError(_("En plan kan ikke følge sig selv."), "follows_plan_id")


def warnings(today_: dt.date) -> list[rules.RuleWarning]:
    """§ 25 and annual-review warnings for the current state of the register."""
    plans = all_plans()
    review_months, _sub = interval_settings()
    return (rules.section25_warnings(plans, today_)
            + rules.review_warnings([(p, p.reviews) for p in plans], review_months, today_))


def add_review(plan: Plan, reviewed_on: dt.date, reviewed_by: str | None, note: str | None) -> PlanReview:
    review = PlanReview(plan_id=plan.id, reviewed_on=reviewed_on, reviewed_by=reviewed_by, note=note)
    db.session.add(review)
    db.session.flush()
    return review


@dataclass
class Responsible:
    body: ResponsibleBody | None = None
    unit_id: int | None = None


def parse_responsible(text: str, units: list[Unit]) -> Responsible:
    """A body's name ('Direktionen', 'brand og redning') or a unit's name, case-insensitively."""
    wanted = (text or "").strip().casefold()
    if not wanted:
        return Responsible()
    for body in ResponsibleBody:
        if wanted in (body.label.casefold(), body.value.replace("_", " ")):
            return Responsible(body=body)
    for unit in units:
        if unit.name.casefold() == wanted:
            return Responsible(unit_id=unit.id)
    raise PreparednessError(_("„%(name)s“ er hverken et organ (%(bodies)s) eller en enhed.", name=text.strip(),
                              bodies=", ".join(b.label for b in ResponsibleBody)))


@dataclass
class MilestoneLine:
    line_no: int
    window_start: dt.date
    window_end: dt.date
    title: str
    responsible: Responsible
    completed_on: dt.date | None


def parse_milestone_lines(text: str, units: list[Unit]) -> tuple[list[MilestoneLine], list[str]]:
    """One milestone per line: 'tidsrum <TAB or |> hvad [| ansvarlig [| gennemført dato]]'.

    Lines copied from the minutes' timeline (window, a tab, the text) work as they are; a window
    without a year takes the year of the line above."""
    parsed, errors, year = [], [], None
    for number, raw in enumerate((text or "").splitlines(), start=1):
        if not raw.strip():
            continue
        cells = [c.strip() for c in (raw.split("|") if "|" in raw else raw.split("\t"))]
        cells = [c for c in cells if c != ""]
        if len(cells) < 2:
            errors.append(_("Linje %(n)d: skriv tidsrum og milepæl adskilt af | eller tabulator.", n=number))
            continue
        try:
            start, end = rules.parse_window(cells[0], default_year=year)
            responsible = parse_responsible(cells[2], units) if len(cells) > 2 else Responsible()
            done = None
            if len(cells) > 3:
                try:
                    done = dt.date.fromisoformat(cells[3])
                except ValueError:
                    raise PreparednessError(_("„%(value)s“ er ikke en dato (skriv ÅÅÅÅ-MM-DD).",
                                              value=cells[3])) from None
        except (rules.WindowError, PreparednessError) as exc:
            errors.append(_("Linje %(n)d: %(error)s", n=number, error=str(exc)))
            continue
        year = end.year
        parsed.append(MilestoneLine(number, start, end, cells[1][:500], responsible, done))
    if not parsed and not errors:
        errors.append(_("Skriv mindst én milepæl."))
    return parsed, errors


def add_milestones(plan: Plan, lines: list[MilestoneLine]) -> list[Milestone]:
    """Append parsed milestones to the plan's timeline."""
    start = (db.session.execute(sa.select(sa.func.max(Milestone.position)).where(Milestone.plan_id == plan.id))
             .scalar() or 0)
    created = []
    for offset, line in enumerate(lines, start=1):
        milestone = Milestone(plan_id=plan.id, position=start + offset, title=line.title,
                              window_start=line.window_start, window_end=line.window_end,
                              responsible_body=line.responsible.body, responsible_unit_id=line.responsible.unit_id,
                              completed_on=line.completed_on,
                              status=MilestoneStatus.DONE if line.completed_on else MilestoneStatus.PLANNED)
        db.session.add(milestone)
        created.append(milestone)
    db.session.flush()
    return created


def sync_milestone_status(milestone: Milestone) -> None:
    """A completion date means the milestone is done; 'done' without a date is refused."""
    if milestone.completed_on and milestone.status in (MilestoneStatus.PLANNED, MilestoneStatus.IN_PROGRESS):
        milestone.status = MilestoneStatus.DONE
    if milestone.status == MilestoneStatus.DONE and milestone.completed_on is None:
        raise PreparednessError(_("Angiv hvornår milepælen blev gennemført."), "completed_on")


@dataclass
class TimelineRow:
    milestone: Milestone | None
    late: bool = False
    completed_late: bool = False
    today_marker: bool = False
    deadline: dt.date | None = None


def timeline(milestones: list[Milestone], today_: dt.date) -> list[TimelineRow]:
    """Milestones in order with lateness, and a 'today' row placed where today falls."""
    rows, marked = [], False
    for m in milestones:
        if not marked and today_ < m.window_start:
            rows.append(TimelineRow(None, today_marker=True))
            marked = True
        rows.append(TimelineRow(m, late=rules.milestone_is_late(m.window_end, m.status.closed, today_),
                                completed_late=rules.completed_late(m.window_end, m.completed_on),
                                deadline=rules.milestone_deadline(m.window_end)))
    if not marked:
        rows.append(TimelineRow(None, today_marker=True))
    return rows


# --- sub-plans ----------------------------------------------------------------------------------

@dataclass
class SubPlanRow:
    sub_plan: SubPlan
    due: rules.Due


@dataclass
class UnitStanding:
    unit: Unit
    total: int = 0
    overdue: int = 0
    due_soon: int = 0


def _sub_plan_order(unit_name: str, due_on: dt.date, title: str) -> tuple:
    """By unit, then the revision due first: the order of the sub-plan list and of the form's choices."""
    return unit_name, due_on, title


def sub_plan_rows(today_: dt.date, unit_id: int | None = None) -> list[SubPlanRow]:
    _review, interval = interval_settings()
    stmt = (sa.select(SubPlan).options(selectinload(SubPlan.unit), selectinload(SubPlan.plan))
            .where(SubPlan.active.is_(True)))
    if unit_id:
        stmt = stmt.where(SubPlan.unit_id == unit_id)
    rows = [SubPlanRow(sp, rules.next_due(sp.last_revised_on, interval, today_))
            for sp in db.session.execute(stmt).scalars()]
    return sorted(rows, key=lambda r: _sub_plan_order(r.sub_plan.unit.name, r.due.due_on, r.sub_plan.title))


def sub_plan_choices(today_: dt.date, keep=()) -> list[tuple[int, str]]:
    """(id, "title (unit)") of the active sub-plans in sub_plan_rows' order, from their columns alone; then those
    in `keep` (an exercise's own) that have since been made inactive, so that saving the exercise keeps its
    links to them."""
    _review, interval = interval_settings()
    rows = db.session.execute(sa.select(SubPlan.id, SubPlan.title, SubPlan.last_revised_on, Unit.name)
                              .join(Unit, Unit.id == SubPlan.unit_id).where(SubPlan.active.is_(True)))
    ordered = sorted(rows, key=lambda r: _sub_plan_order(
        r.name, rules.next_due(r.last_revised_on, interval, today_).due_on, r.title))
    choices = [(r.id, f"{r.title} ({r.name})") for r in ordered]
    inactive = set(keep) - {sub_plan_id for sub_plan_id, _label in choices}
    if inactive:
        rows = db.session.execute(sa.select(SubPlan.id, SubPlan.title, Unit.name)
                                  .join(Unit, Unit.id == SubPlan.unit_id).where(SubPlan.id.in_(inactive))
                                  .order_by(SubPlan.title))
        choices += [(r.id, _("%(name)s (inaktiv)", name=f"{r.title} ({r.name})")) for r in rows]
    return choices


def units_behind(rows: list[SubPlanRow]) -> list[UnitStanding]:
    """Units with sub-plans past or near their due date, the most behind first."""
    by_unit: dict[int, UnitStanding] = {}
    for row in rows:
        standing = by_unit.setdefault(row.sub_plan.unit_id, UnitStanding(row.sub_plan.unit))
        standing.total += 1
        standing.overdue += row.due.overdue
        standing.due_soon += row.due.due_soon
    behind = [s for s in by_unit.values() if s.overdue or s.due_soon]
    return sorted(behind, key=lambda s: (-s.overdue, -s.due_soon, s.unit.name))


# --- exercises ----------------------------------------------------------------------------------

def exercise_query():
    return sa.select(Exercise).options(
        selectinload(Exercise.unit_links), selectinload(Exercise.responsible_unit),
        selectinload(Exercise.plan_links), selectinload(Exercise.sub_plan_links),
        selectinload(Exercise.requirement_links), selectinload(Exercise.improvements))


def _exercise_order():
    """Newest first by the day held, else planned; undated last; ties by title, then id for a stable page."""
    day = sa.func.coalesce(Exercise.held_on, Exercise.planned_on)
    return day.desc().nulls_last(), Exercise.title, Exercise.id


@dataclass
class ExerciseListRow:
    id: int
    title: str
    exercise_type: ExerciseType
    level: ExerciseLevel
    held_on: dt.date | None
    planned_on: dt.date | None
    evaluation_complete: bool
    open_improvements: int
    participants: str = ""  # the units taking part, as registered

    def state(self, today: dt.date) -> ExerciseState:
        return exercise_state(self.held_on, self.planned_on, self.evaluation_complete, today)


@functools.cache
def _exercise_list_statement() -> sa.Select:
    """Built once per process: building it took as long as running it."""
    open_count = (sa.select(sa.func.count(ImprovementPoint.id))
                  .where(ImprovementPoint.exercise_id == Exercise.id,
                         ImprovementPoint.status.not_in([s for s in ImprovementStatus if s.closed]))
                  .correlate(Exercise).scalar_subquery())
    return (sa.select(Exercise.id, Exercise.title, Exercise.exercise_type, Exercise.level, Exercise.held_on,
                      Exercise.planned_on, Exercise.evaluation_complete_sql().label("evaluation_complete"),
                      sa.func.coalesce(open_count, 0).label("open_improvements"))
            .order_by(*_exercise_order()))


def exercise_page(page: int) -> Page:
    """One page of the exercise list as plain columns: what its rows show, the open improvements counted
    and the evaluation's completeness worked out in the database, and the participants in one more query.
    Whole exercises (scenario and evaluation texts) and their links as objects were half of the page's time."""
    result = paginate(_exercise_list_statement(), page, scalars=False)
    rows = {row.id: ExerciseListRow(**row._mapping) for row in result.items}
    if rows:
        participants: dict[int, list[str]] = {}
        for exercise_id, name in db.session.execute(
                sa.select(ExerciseUnit.exercise_id, Unit.name).join(Unit, Unit.id == ExerciseUnit.unit_id)
                .where(ExerciseUnit.exercise_id.in_(list(rows))).order_by(ExerciseUnit.id)):
            participants.setdefault(exercise_id, []).append(name)
        for exercise_id, names in participants.items():
            rows[exercise_id].participants = ", ".join(names)
    result.items = list(rows.values())
    return result


def exercise_for_form(exercise_id: int) -> Exercise | None:
    """An exercise with the links its form shows (not the improvements and findings its page shows). The form
    needs the linked ids only: the units, plans, sub-plans and requirements (with their catalogues) that the
    links otherwise bring along were more than half of the form's time."""
    return db.session.execute(sa.select(Exercise).where(Exercise.id == exercise_id).options(
        selectinload(Exercise.unit_links).lazyload(ExerciseUnit.unit),
        selectinload(Exercise.plan_links).lazyload(ExercisePlan.plan),
        selectinload(Exercise.sub_plan_links).lazyload(ExerciseSubPlan.sub_plan),
        selectinload(Exercise.requirement_links).lazyload(ExerciseRequirement.requirement))).scalar_one_or_none()


def exercise_detail(exercise_id: int) -> Exercise | None:
    return db.session.execute(
        exercise_query().where(Exercise.id == exercise_id)
        .options(selectinload(Exercise.improvements).selectinload(ImprovementPoint.owner_unit),
                 selectinload(Exercise.improvements).selectinload(ImprovementPoint.finding))
    ).scalar_one_or_none()


def next_exercises(today_: dt.date, limit: int = 3) -> list[sa.Row]:
    """The next planned exercises (id, title, planned_on, exercise_type)."""
    return db.session.execute(
        sa.select(Exercise.id, Exercise.title, Exercise.planned_on, Exercise.exercise_type)
        .where(Exercise.held_on.is_(None), Exercise.planned_on >= today_)
        .order_by(Exercise.planned_on, Exercise.id).limit(limit)).all()


def set_links(exercise: Exercise, relation: str, model, key: str, ids: set[int]) -> None:
    """Make the exercise's links of one kind exactly `ids`, adding and removing link records."""
    links = getattr(exercise, relation)
    current = {getattr(link, key): link for link in links}
    if current.keys() != ids:
        # The links are part of the exercise: someone editing it from an older version is told, not overwritten.
        touch(exercise)
    for missing in set(current) - ids:
        links.remove(current[missing])
    for new in sorted(ids - set(current)):
        links.append(model(**{key: new}))


def save_exercise_links(exercise: Exercise, unit_ids, plan_ids, sub_plan_ids, requirement_ids) -> None:
    set_links(exercise, "unit_links", ExerciseUnit, "unit_id", set(unit_ids))
    set_links(exercise, "plan_links", ExercisePlan, "plan_id", set(plan_ids))
    set_links(exercise, "sub_plan_links", ExerciseSubPlan, "sub_plan_id", set(sub_plan_ids))
    set_links(exercise, "requirement_links", ExerciseRequirement, "requirement_id", set(requirement_ids))


def exercise_label(exercise: Exercise) -> str:
    """The exercise as a finding names its source: title and the day it was held (or planned)."""
    day = exercise.held_on or exercise.planned_on
    return f"{exercise.title} ({day.strftime('%d-%m-%Y')})" if day else exercise.title


def finding_from_improvement(point: ImprovementPoint, today_: dt.date) -> Finding:
    """Put an improvement point on the action plan as a finding on the requirements the exercise tests."""
    if point.finding_id is not None:
        raise PreparednessError(_("Forbedringspunktet har allerede et fund på handlingsplanen."))
    exercise = db.session.execute(sa.select(Exercise).where(Exercise.id == point.exercise_id)
                                  .options(selectinload(Exercise.requirement_links))).scalar_one()
    finding = gap_services.create_linked_finding(
        FindingSource.EXERCISE, point.id, exercise_label(exercise), point.title, point.description,
        point.owner_unit_id, point.due_on, {link.requirement_id for link in exercise.requirement_links}, today_)
    point.finding_id = finding.id
    db.session.flush()
    return finding


def improvement_of_finding(finding: Finding) -> ImprovementPoint | None:
    """The improvement point a finding was made from, with its exercise (one query)."""
    if finding.source_kind != FindingSource.EXERCISE or finding.source_id is None:
        return None
    return db.session.execute(sa.select(ImprovementPoint).where(ImprovementPoint.id == finding.source_id)
                              .options(joinedload(ImprovementPoint.exercise))).scalar_one_or_none()


def exercises_linked(requirement_id: sa.ColumnElement[int]) -> sa.Select:
    """Exercises that test one requirement, newest first (requirements.links)."""
    on = sa.func.coalesce(Exercise.held_on, Exercise.planned_on)
    return (sa.select(*ranked(Exercise.id, on.desc().nulls_last(), Exercise.title, Exercise.id))
            .join(ExerciseRequirement, ExerciseRequirement.exercise_id == Exercise.id)
            .where(ExerciseRequirement.requirement_id == requirement_id))


def check_exercise(exercise: Exercise, today_: dt.date) -> None:
    if exercise.planned_on is None and exercise.held_on is None:
        raise PreparednessError(_("Angiv en planlagt dato eller datoen for afholdelsen."), "planned_on")
    if exercise.held_on and exercise.held_on > today_:
        raise PreparednessError(_("En øvelse kan ikke være afholdt i fremtiden; brug den planlagte dato."), "held_on")


def last_exercised_sub_plans() -> dict[int, dt.date]:
    """{sub_plan_id: date of the latest held exercise that tested it}, in one query."""
    rows = db.session.execute(
        sa.select(ExerciseSubPlan.sub_plan_id, sa.func.max(Exercise.held_on))
        .join(Exercise, Exercise.id == ExerciseSubPlan.exercise_id)
        .where(Exercise.held_on.is_not(None)).group_by(ExerciseSubPlan.sub_plan_id))
    return {sub_plan_id: held for sub_plan_id, held in rows}


def targets_progress(today_: dt.date) -> list[rules.TargetProgress]:
    """How each active yearly target stands on `today_`."""
    targets = db.session.execute(sa.select(ExerciseTarget.id, ExerciseTarget.kind, ExerciseTarget.value,
                                           ExerciseTarget.note)
                                 .where(ExerciseTarget.active.is_(True)).order_by(ExerciseTarget.id)).all()
    if not targets:
        return []
    # The yearly targets count this year's exercises (held by today, or planned from today): only those are read.
    year_start, year_end = today_.replace(month=1, day=1), today_.replace(month=12, day=31)
    exercises = db.session.execute(sa.select(Exercise.level, Exercise.planned_on, Exercise.held_on).where(sa.or_(
        Exercise.held_on.between(year_start, today_),
        sa.and_(Exercise.held_on.is_(None), Exercise.planned_on.between(today_, year_end))))).all()
    # plain rows: progress needs a sub-plan's id and whether it is active, the list shows its title
    sub_plans = db.session.execute(sa.select(SubPlan.id, SubPlan.title, SubPlan.active)
                                   .where(SubPlan.active.is_(True)).order_by(SubPlan.title)).all()
    exercised = last_exercised_sub_plans()
    return [rules.target_progress(t, exercises, sub_plans, exercised, today_) for t in targets]


def requirement_choices(linked: set[int]) -> tuple[list, bool]:
    """Requirements to link, grouped by catalogue, the beredskab catalogue first; and whether there are too many
    for one list, in which case only the linked ones are offered (more are searched for on the exercise's page)."""
    live = Requirement.retired.is_(False)
    # counted only up to one more than the list takes, so the count costs the same for any number of requirements
    many = count_rows(sa.select(Requirement.id).where(live).limit(CHOOSE_IN_FORM_UP_TO + 1)) > CHOOSE_IN_FORM_UP_TO
    # Every requirement up to CHOOSE_IN_FORM_UP_TO; beyond, the linked ones.
    stmt = (sa.select(Requirement.id, Requirement.display_ref, Requirement.title_da, Requirement.title_en,
                      Catalog.title_da.label("catalog_title_da"), Catalog.title_en.label("catalog_title_en"))
            .join(Catalog, Catalog.id == Requirement.catalog_id)
            .where(Requirement.id.in_(linked) if many else live)
            .order_by(sa.case((Catalog.code == "beredskab", 0), else_=1), Requirement.catalog_id,
                      Requirement.position))
    return [SelectChoice(str(r.id), f"{r.display_ref} {localized(r, 'title')}",
                         optgroup=localized(r, "catalog_title")) for r in db.session.execute(stmt)], many


def link_requirement(exercise: Exercise, requirement_id: int) -> bool:
    """Add one tested requirement (False if it was already linked)."""
    current = {link.requirement_id for link in exercise.requirement_links}
    if requirement_id in current:
        return False
    set_links(exercise, "requirement_links", ExerciseRequirement, "requirement_id", current | {requirement_id})
    return True


# --- leader introductions -----------------------------------------------------------------------

def bodies() -> list[GovernanceBody]:
    """The governance bodies, active first, in the order of their kind (council first, working groups last)."""
    order = sa.case({kind.value: n for n, kind in enumerate(BodyKind)}, value=GovernanceBody.kind)
    return list(db.session.execute(sa.select(GovernanceBody).order_by(
        GovernanceBody.active.desc(), order, GovernanceBody.name)).scalars())


def introductions() -> list[LeaderIntroduction]:
    return list(db.session.execute(
        sa.select(LeaderIntroduction).options(selectinload(LeaderIntroduction.unit))
        .order_by(LeaderIntroduction.introduced_on.is_not(None), LeaderIntroduction.introduced_on.desc(),
                  LeaderIntroduction.leader_name)).scalars())


def home_panel_context() -> dict | None:
    """The start page's preparedness box: § 25 and review warnings, the next exercises."""
    today_ = today()
    return {"warnings": warnings(today_), "exercises": next_exercises(today_), "today": today_}

