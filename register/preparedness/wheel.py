"""The annual wheel (årshjul): every dated preparedness item, its iCalendar feed and the private feed links."""
import datetime as dt
import functools
import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from register.core.db import utcnow
from register.core.enums import LabelledEnum
from register.core.i18n import gettext as _, lazy_gettext as _l
from register.extensions import db
from register.gap.models import Assessment, Finding, FindingSource, FindingStatus
from register.organisation.models import Unit
from register.preparedness import rules, services
from register.preparedness.models import (CalendarToken, Exercise, ExerciseType, ExerciseUnit, ImprovementPoint,
                                          ImprovementStatus, LeaderIntroduction, Milestone, Plan, PlanReview,
                                          PlanStatus, SubPlan)
from register.risks.models import Risk, RiskSource, RiskStatus
from register.suppliers.models import Criticality, Supplier


class ItemKind(LabelledEnum):
    MILESTONE = "milestone", _l("Milepæl"), "info"
    EXERCISE = "exercise", _l("Øvelse"), "info"
    REVIEW = "review", _l("Årlig gennemgang"), "info"
    SUB_PLAN = "sub_plan", _l("Delplan skal revideres"), "neutral"
    IMPROVEMENT = "improvement", _l("Forbedringspunkt"), "neutral"
    INTRODUCTION = "introduction", _l("Lederintroduktion"), "neutral"
    FINDING = "finding", _l("Fund på handlingsplanen"), "warning"
    RISK_REVIEW = "risk_review", _l("Risiko skal gennemgås"), "neutral"
    SUPPLIER_REVIEW = "supplier_review", _l("Leverandør skal gennemgås"), "neutral"
    SUPPLIER_CONTRACT = "supplier_contract", _l("Leverandørkontrakt udløber"), "warning"


# The pages items link to: a record's page, with the name of the record's id in its address, or a list (None).
LINKED_PAGES = {"preparedness.plan": "plan_id", "exercises.detail": "exercise_id", "gap.finding": "finding_id",
                "risks.detail": "risk_id", "suppliers.detail": "supplier_id",
                "preparedness.sub_plans": None, "preparedness.introductions": None}


@dataclass(slots=True)
class WheelItem:
    """One dated item. `key` is stable (feed UID, reminder record); `owner_unit_id` receives reminders.

    It links to `endpoint` (one of LINKED_PAGES): the page of the record `record_id`, or a list page.
    A year holds hundreds of items, so the fields are plain values and an item is built from plain columns."""

    key: str
    kind: ItemKind
    day: dt.date
    title: str
    endpoint: str
    record_id: int | None = None
    done: bool = False
    late: bool = False
    context: str = ""                      # the plan or exercise it belongs to
    window: str = ""                       # a milestone's planned months, in words
    owner_unit_id: int | None = None
    unit_ids: tuple = ()                   # the units it concerns (the page's unit filter)

    @property
    def url_args(self) -> dict:
        """The arguments of url_for(endpoint, ...)."""
        return {LINKED_PAGES[self.endpoint]: self.record_id} if self.record_id else {}


def _milestones(today: dt.date) -> list[WheelItem]:
    rows = db.session.execute(sa.select(Milestone.id, Milestone.plan_id, Milestone.title, Milestone.window_start,
                                        Milestone.window_end, Milestone.status, Milestone.completed_on,
                                        Milestone.responsible_unit_id, Plan.title.label("plan_title"),
                                        Plan.owner_unit_id.label("plan_unit_id"))
                              .join(Plan, Plan.id == Milestone.plan_id)).all()
    items = []
    for m in rows:
        deadline = rules.milestone_deadline(m.window_end)
        owner = m.responsible_unit_id or m.plan_unit_id
        items.append(WheelItem(
            f"milestone:{m.id}", ItemKind.MILESTONE, m.completed_on or deadline, m.title, "preparedness.plan",
            m.plan_id, done=m.status.closed,
            late=rules.milestone_is_late(m.window_end, m.status.closed, today), context=m.plan_title,
            window=rules.format_window(m.window_start, m.window_end), owner_unit_id=owner,
            unit_ids=(m.responsible_unit_id,) if m.responsible_unit_id else ()))
    return items


def _between(column, start: dt.date | None, end: dt.date | None):
    """Only rows dated within the period shown, when there is one (a decade of records is not one page)."""
    return column.between(start, end) if start and end else sa.true()


def _reviews(today: dt.date, review_months: int) -> list[WheelItem]:
    """Approved and in-force plans' reviews held, and each one's next review (plain columns)."""
    plans = db.session.execute(sa.select(Plan.id, Plan.title, Plan.status, Plan.owner_unit_id, Plan.in_force_from,
                                         Plan.adopted_on)
                               .where(Plan.status.in_([PlanStatus.APPROVED, PlanStatus.IN_FORCE]))).all()
    reviews: dict[int, list] = {plan.id: [] for plan in plans}
    if plans:
        for review in db.session.execute(sa.select(PlanReview.plan_id, PlanReview.id, PlanReview.reviewed_on)
                                         .where(PlanReview.plan_id.in_(list(reviews)))
                                         .order_by(PlanReview.reviewed_on.desc())):
            reviews[review.plan_id].append(review)
    items = []
    for plan in plans:
        units = (plan.owner_unit_id,) if plan.owner_unit_id else ()
        for review in reviews[plan.id]:
            items.append(WheelItem(f"review-done:{review.id}", ItemKind.REVIEW, review.reviewed_on, plan.title,
                                   "preparedness.plan", plan.id, done=True, context=plan.title,
                                   owner_unit_id=plan.owner_unit_id, unit_ids=units))
        due = rules.review_due(plan, reviews[plan.id], review_months, today)
        items.append(WheelItem(f"review:{plan.id}", ItemKind.REVIEW, due.due_on, plan.title, "preparedness.plan",
                               plan.id, late=due.overdue, context=plan.title,
                               owner_unit_id=plan.owner_unit_id, unit_ids=units))
    return items


def _sub_plans(today: dt.date, interval_months: int) -> list[WheelItem]:
    """Active sub-plans' next revisions (the sub-plan list's rule, from the columns alone)."""
    rows = db.session.execute(sa.select(SubPlan.id, SubPlan.title, SubPlan.unit_id, SubPlan.last_revised_on, Unit.name)
                              .join(Unit, Unit.id == SubPlan.unit_id).where(SubPlan.active.is_(True)))
    items = []
    for sp in rows:
        due = rules.next_due(sp.last_revised_on, interval_months, today)
        items.append(WheelItem(f"sub_plan:{sp.id}", ItemKind.SUB_PLAN, due.due_on, sp.title, "preparedness.sub_plans",
                               late=due.overdue, context=sp.name, owner_unit_id=sp.unit_id, unit_ids=(sp.unit_id,)))
    return items


@functools.cache
def _records_statement() -> sa.CompoundSelect:
    """The records of the kinds dated by a column between the parameters `start` and `end`, as rows alike, in
    one UNION ALL (these kinds are the hundreds of items of a year, and each statement is a round trip on
    PostgreSQL):

        kind, record id, day, title, done, detail (a stored enum's value), note, unit id, linked record id

    The context shown is the detail's label and the note (see `_records`). Built once per process (a statement,
    not its rows): building it took a third as long as running it."""
    text, no_text, no_id = sa.String(), sa.null(), sa.null()
    start, end = sa.bindparam("start", type_=sa.Date), sa.bindparam("end", type_=sa.Date)

    def value(column):  # an enum as its stored value: the union's column is text
        return sa.type_coerce(column, text)

    exercise_day = sa.func.coalesce(Exercise.held_on, Exercise.planned_on)
    introduction_day = sa.func.coalesce(LeaderIntroduction.introduced_on, LeaderIntroduction.planned_on)
    closed_points = [status for status in ImprovementStatus if status.closed]
    return sa.union_all(
        sa.select(sa.literal(ItemKind.FINDING.value), Finding.id, Finding.due_on, Finding.title,
                  Finding.status == FindingStatus.CLOSED, value(Finding.source_kind),
                  sa.func.coalesce(sa.func.nullif(Assessment.name, ""), Finding.source_label), Finding.unit_id,
                  Finding.id)
        .outerjoin(Assessment, Assessment.id == Finding.assessment_id)
        .where(Finding.due_on.between(start, end)),
        sa.select(sa.literal(ItemKind.RISK_REVIEW.value), Risk.id, Risk.next_review_on, Risk.title, sa.false(),
                  value(Risk.source), no_text, Risk.owner_unit_id, Risk.id)
        .where(Risk.status == RiskStatus.OPEN, Risk.next_review_on.between(start, end)),
        sa.select(sa.literal(ItemKind.SUPPLIER_REVIEW.value), Supplier.id, Supplier.next_review_on, Supplier.name,
                  sa.false(), value(Supplier.criticality), no_text, Supplier.owner_unit_id, Supplier.id)
        .where(Supplier.next_review_on.between(start, end)),
        sa.select(sa.literal(ItemKind.SUPPLIER_CONTRACT.value), Supplier.id, Supplier.contract_ends_on,
                  Supplier.name, sa.false(), value(Supplier.criticality), no_text, Supplier.owner_unit_id, Supplier.id)
        .where(Supplier.contract_ends_on.between(start, end)),
        sa.select(sa.literal(ItemKind.EXERCISE.value), Exercise.id, exercise_day, Exercise.title,
                  Exercise.held_on.is_not(None), value(Exercise.exercise_type), no_text, Exercise.responsible_unit_id,
                  Exercise.id)
        .where(exercise_day.between(start, end)),
        sa.select(sa.literal(ItemKind.IMPROVEMENT.value), ImprovementPoint.id, ImprovementPoint.due_on,
                  ImprovementPoint.title, ImprovementPoint.status.in_(closed_points), no_text, Exercise.title,
                  ImprovementPoint.owner_unit_id, ImprovementPoint.exercise_id)
        .join(Exercise, Exercise.id == ImprovementPoint.exercise_id)
        .where(ImprovementPoint.due_on.between(start, end)),
        sa.select(sa.literal(ItemKind.INTRODUCTION.value), LeaderIntroduction.id, introduction_day,
                  LeaderIntroduction.leader_name, LeaderIntroduction.introduced_on.is_not(None), no_text,
                  LeaderIntroduction.given_by, LeaderIntroduction.unit_id, no_id)
        .where(introduction_day.between(start, end)),
    )


# Where each kind read by `_records` links to: its record's page, or the list of introductions.
RECORD_PAGES = {ItemKind.FINDING: "gap.finding", ItemKind.RISK_REVIEW: "risks.detail",
                ItemKind.SUPPLIER_REVIEW: "suppliers.detail", ItemKind.SUPPLIER_CONTRACT: "suppliers.detail",
                ItemKind.EXERCISE: "exercises.detail", ItemKind.IMPROVEMENT: "exercises.detail",
                ItemKind.INTRODUCTION: "preparedness.introductions"}


def _records(today: dt.date, start: dt.date | None, end: dt.date | None) -> list[WheelItem]:
    """The items of the records dated by a column: findings on the action plan (by the source they came from),
    open risks' and suppliers' next reviews (by the risk's source, the supplier's criticality), suppliers'
    contract ends, exercises (held, else planned; by type), improvement points (by exercise) and leader
    introductions (done, else planned; by who gives them). Each is owned by its record's unit; an exercise
    also concerns the units taking part."""
    criticality = {level: _("Kritikalitet: %(level)s", level=label) for level, label in Criticality.labels().items()}
    labels = {ItemKind.FINDING: FindingSource.labels(), ItemKind.RISK_REVIEW: RiskSource.labels(),
              ItemKind.SUPPLIER_REVIEW: criticality, ItemKind.SUPPLIER_CONTRACT: criticality,
              ItemKind.EXERCISE: ExerciseType.labels()}
    taking_part = _exercise_units(start, end)
    kinds = {kind.value: kind for kind in RECORD_PAGES}
    items = []
    period = {"start": start or dt.date.min, "end": end or dt.date.max}
    for kind_value, record_id, day, title, done, detail, note, unit_id, link_id in db.session.execute(
            _records_statement(), period).all():  # all(): fetched at once, not row by row
        kind = kinds[kind_value]
        if detail is None:
            context = note or ""
        else:
            label = labels[kind][detail]
            context = f"{label}: {note}" if note else label  # a finding: 'Hændelse: Phishing mod lønkontoret'
        units = (unit_id,) if unit_id else ()
        if kind is ItemKind.EXERCISE and record_id in taking_part:
            units = tuple(taking_part[record_id] | set(units))
        items.append(WheelItem(f"{kind_value}:{record_id}", kind, day, title, RECORD_PAGES[kind], link_id,
                               done=bool(done), late=not done and day < today, context=context,
                               owner_unit_id=unit_id, unit_ids=units))
    return items


def _exercise_units(start: dt.date | None, end: dt.date | None) -> dict[int, set[int]]:
    """The units taking part in each exercise of the period."""
    day = sa.func.coalesce(Exercise.held_on, Exercise.planned_on)
    units: dict[int, set[int]] = {}
    for exercise_id, unit_id in db.session.execute(sa.select(ExerciseUnit.exercise_id, ExerciseUnit.unit_id)
                                                   .join(Exercise, Exercise.id == ExerciseUnit.exercise_id)
                                                   .where(day.is_not(None), _between(day, start, end))):
        units.setdefault(exercise_id, set()).add(unit_id)
    return units


def all_items(today: dt.date, start: dt.date | None = None, end: dt.date | None = None) -> list[WheelItem]:
    """Every dated item, sorted by date (a few statements, whatever the number of records); the records dated
    by a column only between `start` and `end` when given (milestones, reviews and sub-plans are few, and their
    dates are worked out in Python)."""
    review_months, sub_plan_months = services.interval_settings()
    items = (_milestones(today) + _reviews(today, review_months) + _sub_plans(today, sub_plan_months)
             + _records(today, start, end))
    return sorted(items, key=lambda i: (i.day, i.kind, i.title))  # a StrEnum orders as its value


def unit_and_descendants(unit_id: int) -> set[int]:
    rows = db.session.execute(sa.select(Unit.id, Unit.parent_id)).all()
    children: dict[int, list[int]] = {}
    for uid, parent in rows:
        children.setdefault(parent, []).append(uid)
    found, stack = set(), [unit_id]
    while stack:
        current = stack.pop()
        if current not in found:
            found.add(current)
            stack.extend(children.get(current, []))
    return found


def items_between(start: dt.date, end: dt.date, today: dt.date, unit_id: int | None = None) -> list[WheelItem]:
    """Items dated in [start, end]; with a unit, only items of that unit or the units under it."""
    items = [i for i in all_items(today, start, end) if start <= i.day <= end]
    if unit_id:
        wanted = unit_and_descendants(unit_id)
        items = [i for i in items if not wanted.isdisjoint(i.unit_ids) or i.owner_unit_id in wanted]
    return items


def months_of(year: int, items: list[WheelItem]) -> list[tuple[dt.date, list[WheelItem]]]:
    """The twelve months of a year, each with its items."""
    months = [(dt.date(year, m, 1), []) for m in range(1, 13)]
    for item in items:
        if item.day.year == year:
            months[item.day.month - 1][1].append(item)
    return months


# --- iCalendar feed -----------------------------------------------------------------------------

def build_calendar(items: list[WheelItem], name: str, url_for_item) -> bytes:
    """An iCalendar document with one all-day event per item."""
    import icalendar  # imported when a feed is built, not at start-up

    cal = icalendar.Calendar()
    cal.add("prodid", "-//Register//Årshjul//DA")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Europe/Copenhagen")
    stamp = utcnow()
    for item in items:
        event = icalendar.Event()
        event.add("uid", f"{item.key}@register")
        event.add("dtstamp", stamp)
        event.add("dtstart", item.day)
        event.add("dtend", item.day + dt.timedelta(days=1))
        event.add("summary", f"{item.kind.label}: {item.title}")
        lines = [line for line in (item.context, item.window and _("Planlagt: %(window)s", window=item.window),
                                   _("Gennemført") if item.done else (_("Overskredet") if item.late else ""))
                 if line]
        event.add("description", "\n".join(lines))
        event.add("categories", [item.kind.label])
        event.add("transp", "TRANSPARENT")
        url = url_for_item(item)
        if url:
            event.add("url", url)
        cal.add_component(event)
    return cal.to_ical()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def active_token(user_id: int) -> CalendarToken | None:
    return db.session.execute(sa.select(CalendarToken).where(CalendarToken.user_id == user_id,
                                                             CalendarToken.revoked_at.is_(None))).scalar()


def create_token(user_id: int) -> str:
    """A new private feed token for the user; earlier ones stop working. Only its hash is stored."""
    revoke_tokens(user_id)
    token = secrets.token_urlsafe(32)
    db.session.add(CalendarToken(user_id=user_id, token_hash=hash_token(token)))
    db.session.flush()
    return token


def revoke_tokens(user_id: int) -> int:
    tokens = db.session.execute(sa.select(CalendarToken).where(CalendarToken.user_id == user_id,
                                                               CalendarToken.revoked_at.is_(None))).scalars().all()
    for token in tokens:
        token.revoked_at = utcnow()
    db.session.flush()
    return len(tokens)


def token_owner(token: str):
    """The active user behind a feed token, or None for unknown, revoked or deactivated."""
    row = db.session.execute(sa.select(CalendarToken).where(CalendarToken.token_hash == hash_token(token or ""),
                                                            CalendarToken.revoked_at.is_(None))).scalar()
    if row is None or not row.user.active:
        return None
    row.last_used_at = utcnow()
    return row.user


FEED_DAYS_BACK = 365
FEED_DAYS_AHEAD = 2 * 365


def feed_items(today: dt.date) -> list[WheelItem]:
    return items_between(today - dt.timedelta(days=FEED_DAYS_BACK), today + dt.timedelta(days=FEED_DAYS_AHEAD),
                         today)

