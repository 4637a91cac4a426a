"""Calendar rules of preparedness work, as plain functions of their inputs and "today" (no database).

Council terms: municipal elections are held every four years on the third Tuesday of November; the
council elected then sits from 1 January of the following year to 31 December four years later
(valg.im.dk). Terms therefore start in 2022, 2026, 2030, ... and are computed, not listed.
"""
import calendar
import datetime as dt
import re
from dataclasses import dataclass

from flask_babel import format_date

from register.core.i18n import gettext as _
from register.preparedness.models import ExerciseLevel, LegalBasis, PlanStatus, TargetKind

TERM_LENGTH_YEARS = 4
KNOWN_TERM_START = 2022  # the 2021 election's council; any other term is this +/- 4n


@dataclass(frozen=True)
class CouncilTerm:
    start_year: int

    @property
    def end_year(self) -> int:
        return self.start_year + TERM_LENGTH_YEARS - 1

    @property
    def start(self) -> dt.date:
        return dt.date(self.start_year, 1, 1)

    @property
    def end(self) -> dt.date:
        return dt.date(self.end_year, 12, 31)

    @property
    def election_day(self) -> dt.date:
        """The election that chose this council: third Tuesday of November of the year before."""
        return third_tuesday_of_november(self.start_year - 1)

    @property
    def label(self) -> str:
        return f"{self.start_year}-{self.end_year}"

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def next(self) -> "CouncilTerm":
        return CouncilTerm(self.start_year + TERM_LENGTH_YEARS)

    def previous(self) -> "CouncilTerm":
        return CouncilTerm(self.start_year - TERM_LENGTH_YEARS)


def third_tuesday_of_november(year: int) -> dt.date:
    first = dt.date(year, 11, 1)
    first_tuesday = first + dt.timedelta(days=(calendar.TUESDAY - first.weekday()) % 7)
    return first_tuesday + dt.timedelta(weeks=2)


def is_term_start(year: int) -> bool:
    return (year - KNOWN_TERM_START) % TERM_LENGTH_YEARS == 0


def term_for(day: dt.date) -> CouncilTerm:
    """The council term that `day` falls in."""
    return CouncilTerm(day.year - (day.year - KNOWN_TERM_START) % TERM_LENGTH_YEARS)


def terms_around(day: dt.date, before: int = 1, after: int = 1) -> list[CouncilTerm]:
    current = term_for(day)
    return [CouncilTerm(current.start_year + TERM_LENGTH_YEARS * k) for k in range(-before, after + 1)]


# --- dates by month -----------------------------------------------------------------------------

def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day `months` later, clamped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


MONTHS = {  # Danish and English names and abbreviations, as people write them in minutes
    "jan": 1, "januar": 1, "january": 1, "feb": 2, "februar": 2, "february": 2, "mar": 3, "marts": 3,
    "march": 3, "apr": 4, "april": 4, "maj": 5, "may": 5, "jun": 6, "juni": 6, "june": 6, "jul": 7, "juli": 7,
    "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9, "okt": 10, "oktober": 10, "oct": 10,
    "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}
_ISO_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_ISO_RANGE = re.compile(r"^(\d{4}-\d{1,2})(?:\s*(?:\.\.|[-–—])\s*(\d{4}-\d{1,2}))?$")
_PART = re.compile(r"^([a-zæøå]+)\.?\s*(\d{4})?$")


class WindowError(ValueError):
    """A planned window that cannot be read; the message is meant for the user."""


def _parse_part(text: str) -> tuple[int, int | None]:
    text = text.strip().lower()
    iso = _ISO_MONTH.match(text)
    if iso and 1 <= int(iso.group(2)) <= 12:
        return int(iso.group(2)), int(iso.group(1))
    match = _PART.match(text)
    if not match or match.group(1) not in MONTHS:
        raise WindowError(text)
    return MONTHS[match.group(1)], int(match.group(2)) if match.group(2) else None


def parse_window(text: str, default_year: int | None = None) -> tuple[dt.date, dt.date]:
    """'Aug.-Sep. 2025', 'maj 2025', 'Feb. – marts 2025', '2025-02..2025-03' -> (first month, last month).

    A missing year is taken from the other end of the range, else from `default_year` (the line above
    in the minutes: "Aug. – sep." follows "Maj - juni 2025")."""
    cleaned = (text or "").strip()
    if not cleaned:
        raise WindowError(_("Angiv et tidsrum, fx „maj 2025“ eller „aug.-sep. 2025“."))
    iso = _ISO_RANGE.match(cleaned)
    if iso:
        parts = [p for p in iso.groups() if p]
    else:
        parts = [p for p in re.split(r"\s*[-–—]\s*", cleaned) if p]
    if len(parts) not in (1, 2):
        raise WindowError(_("Tidsrummet „%(text)s“ kan ikke læses; skriv fx „aug.-sep. 2025“.", text=text))
    try:
        parsed = [_parse_part(p) for p in parts]
    except WindowError:
        raise WindowError(_("Tidsrummet „%(text)s“ kan ikke læses; skriv fx „aug.-sep. 2025“.", text=text)) from None
    if len(parsed) == 1:
        parsed.append(parsed[0])
    (m1, y1), (m2, y2) = parsed
    y2 = y2 or y1 or default_year
    y1 = y1 or (y2 - 1 if y2 and m1 > m2 else y2)
    if y1 is None or y2 is None:
        raise WindowError(_("Tidsrummet „%(text)s“ mangler et årstal.", text=text))
    start, end = dt.date(y1, m1, 1), dt.date(y2, m2, 1)
    if end < start:
        raise WindowError(_("Tidsrummet „%(text)s“ slutter før det begynder.", text=text))
    return start, end


def format_window(start: dt.date, end: dt.date) -> str:
    """The window in the reader's language: 'maj 2025', 'aug.–sep. 2025', 'nov. 2025–jan. 2026'."""
    if start == end:
        return format_date(start, "LLLL y")
    if start.year == end.year:
        return f"{format_date(start, 'LLL')}–{format_date(end, 'LLL y')}"
    return f"{format_date(start, 'LLL y')}–{format_date(end, 'LLL y')}"


# --- deadlines ----------------------------------------------------------------------------------

def milestone_deadline(window_end: dt.date) -> dt.date:
    """A milestone planned for a window is due by the last day of its last month."""
    return month_end(window_end)


def milestone_is_late(window_end: dt.date, closed: bool, today: dt.date) -> bool:
    return not closed and today > milestone_deadline(window_end)


def completed_late(window_end: dt.date, completed_on: dt.date | None) -> bool:
    return completed_on is not None and completed_on > milestone_deadline(window_end)


DUE_SOON_DAYS = 30


@dataclass(frozen=True)
class Due:
    """When something is next due and how that stands today."""

    due_on: dt.date | None
    today: dt.date
    never_done: bool = False  # nothing recorded yet: due now and counted as overdue

    @property
    def days_left(self) -> int | None:
        return None if self.due_on is None else (self.due_on - self.today).days

    @property
    def overdue(self) -> bool:
        return self.never_done or (self.due_on is not None and self.due_on < self.today)

    @property
    def due_soon(self) -> bool:
        return not self.overdue and self.due_on is not None and 0 <= (self.due_on - self.today).days <= DUE_SOON_DAYS


def next_due(last_done: dt.date | None, interval_months: int, today: dt.date) -> Due:
    """Due `interval_months` after it was last done; never done means due now, and overdue."""
    if last_done is None:
        return Due(today, today, never_done=True)
    return Due(add_months(last_done, interval_months), today)


# --- § 25 and the annual review -----------------------------------------------------------------

@dataclass(frozen=True)
class RuleWarning:
    """A warning for the start page and the plan pages; `tone` is warning or error (text says why)."""

    tone: str
    text: str
    plan_id: int | None = None


def _term_dates(term: CouncilTerm) -> dict:
    return {"start": format_date(term.start, "d. MMMM y"), "end": format_date(term.end, "d. MMMM y"),
            "term": term.label}


def plan_for_term(plans, term: CouncilTerm):
    """The newest adopted, not superseded plan written for `term` (its council_term_start), or None."""
    written = [p for p in plans if p.status.adopted and p.status != PlanStatus.SUPERSEDED and p.adopted_on
               and p.council_term_start == term.start_year]
    return max(written, key=lambda p: p.adopted_on) if written else None


def section25_warnings(plans, today: dt.date) -> list[RuleWarning]:
    """Beredskabsloven § 25, stk. 3 (and sundhedsloven § 210): a revision adopted in every council term.

    A plan counts for the term in which the council adopted it (its `adopted_on`), whatever term it is
    written for: a plan "for 2026-2029" adopted in September 2025 was adopted by the previous council,
    so the council elected in November 2025 must still adopt a revision before 31 December 2029."""
    term = term_for(today)
    warnings = []
    for basis in (LegalBasis.BEREDSKABSLOVEN_25, LegalBasis.SUNDHEDSLOVEN_210):
        of_basis = [p for p in plans if p.legal_basis == basis]
        adopted_in_term = [p for p in of_basis
                           if p.status.adopted and p.adopted_on is not None and term.contains(p.adopted_on)]
        if adopted_in_term:
            continue
        days_left = (term.end - today).days
        # A plan written for this term and adopted before it began (by the outgoing council) is in force: the new
        # council's revision is only pressing in the term's last year, not a warning from its first day.
        if days_left >= 365 and plan_for_term(of_basis, term) is not None:
            continue
        tone = "error" if days_left < 365 else "warning"
        if not of_basis:
            text = _("Der er ingen plan efter %(basis)s i registret. Valgperioden %(term)s (%(start)s – %(end)s) "
                     "skal have en vedtaget plan.", basis=basis.label, **_term_dates(term))
        else:
            text = _("%(basis)s: kommunalbestyrelsen har endnu ikke vedtaget en revision i valgperioden %(term)s. "
                     "Fristen er %(end)s (%(days)d dage).", basis=basis.label, days=days_left, **_term_dates(term))
            earlier = sorted((p for p in of_basis if p.status.adopted and p.adopted_on and p.adopted_on < term.start),
                             key=lambda p: p.adopted_on)
            if earlier:
                text += " " + _("Seneste vedtagelse: „%(title)s“ den %(date)s, i den forrige valgperiode.",
                                title=earlier[-1].title, date=format_date(earlier[-1].adopted_on, "d. MMMM y"))
        warnings.append(RuleWarning(tone, text))
    for plan in plans:  # § 25, stk. 4: plans and revisions are submitted to Beredskabsstyrelsen once adopted
        current = plan.status.adopted and plan.status != PlanStatus.SUPERSEDED
        if plan.legal_basis == LegalBasis.BEREDSKABSLOVEN_25 and current:
            warnings += _submission_warnings(plan)
        if plan.legal_basis == LegalBasis.SUNDHEDSLOVEN_210 and current:
            warnings += _health_advice_warnings(plan)
    return warnings


def submission_in_order(plan) -> bool | None:
    """§ 25, stk. 4: the submission follows the council's adoption (None while either date is missing)."""
    if plan.submitted_to_brs_on is None or plan.adopted_on is None:
        return None
    return plan.submitted_to_brs_on >= plan.adopted_on


def _submission_warnings(plan) -> list[RuleWarning]:
    if plan.submitted_to_brs_on is None:
        return [RuleWarning("warning", _("„%(title)s“ er vedtaget, men det er ikke registreret, at den er indsendt til "
                                         "Beredskabsstyrelsen (§ 25, stk. 4).", title=plan.title), plan.id)]
    if submission_in_order(plan) is False:
        return [RuleWarning("error", _("„%(title)s“ er registreret som indsendt til Beredskabsstyrelsen %(sent)s, før "
                                       "kommunalbestyrelsen vedtog den %(adopted)s. Efter § 25, stk. 4 indsendes den "
                                       "vedtagne plan; et udkast sendt før vedtagelsen er en høring (til udtalelse).",
                                       title=plan.title, sent=format_date(plan.submitted_to_brs_on, "d. MMMM y"),
                                       adopted=format_date(plan.adopted_on, "d. MMMM y")), plan.id)]
    return []


def _health_advice_warnings(plan) -> list[RuleWarning]:
    """Sundhedsloven § 210: Sundhedsstyrelsen's advice is sought before the health plan is adopted."""
    if plan.sst_advice_on is None:
        return [RuleWarning("warning", _("„%(title)s“ er vedtaget, men det er ikke registreret, at rådgivningen fra "
                                         "Sundhedsstyrelsen er indhentet (sundhedsloven § 210).", title=plan.title),
                            plan.id)]
    if plan.adopted_on is not None and plan.sst_advice_on > plan.adopted_on:
        return [RuleWarning("error", _("Rådgivningen fra Sundhedsstyrelsen om „%(title)s“ er registreret efter "
                                       "vedtagelsen; den skal indhentes forud for vedtagelsen (sundhedsloven § 210).",
                                       title=plan.title), plan.id)]
    return []


def review_basis(plan, reviews) -> dt.date | None:
    """The review clock starts at the latest review, else when the plan came into force or was adopted."""
    dates = [r.reviewed_on for r in reviews]
    return max(dates) if dates else (plan.in_force_from or plan.adopted_on)


def review_due(plan, reviews, interval_months: int, today: dt.date) -> Due | None:
    """When the working group's next review of an approved or in-force plan is due (None: not applicable)."""
    if plan.status not in (PlanStatus.APPROVED, PlanStatus.IN_FORCE):
        return None
    return next_due(review_basis(plan, reviews), interval_months, today)


def review_warnings(plans_with_reviews, interval_months: int, today: dt.date) -> list[RuleWarning]:
    """The annual review by the working group (Direktionen, 26-03-2025): due within 30 days or overdue."""
    warnings = []
    for plan, reviews in plans_with_reviews:
        due = review_due(plan, reviews, interval_months, today)
        if due is None:
            continue
        when = format_date(due.due_on, "d. MMMM y")
        if due.overdue:
            warnings.append(RuleWarning("error", _("Arbejdsgruppens gennemgang af „%(title)s“ er overskredet: den "
                                                   "skulle være sket senest %(date)s.", title=plan.title, date=when),
                                        plan.id))
        elif due.due_soon:
            warnings.append(RuleWarning("warning", _("Arbejdsgruppens gennemgang af „%(title)s“ skal ske senest "
                                                     "%(date)s.", title=plan.title, date=when), plan.id))
    return warnings


# --- exercise targets ---------------------------------------------------------------------------

@dataclass
class TargetProgress:
    """How a yearly target stands: `achieved` of `required`, plus what is planned and what is missing."""

    target: object
    achieved: int
    required: int
    planned: int = 0
    missing: list = None

    @property
    def met(self) -> bool:
        return self.achieved >= self.required

    @property
    def on_track(self) -> bool:
        return self.achieved + self.planned >= self.required


def target_progress(target, exercises, sub_plans, exercised_sub_plans: dict, today: dt.date) -> TargetProgress:
    """Progress of one target on `today`.

    exercises: objects with level, planned_on, held_on; exercised_sub_plans: {sub_plan_id: last held date}."""
    if target.kind in (TargetKind.BOARD_EXERCISES_PER_YEAR, TargetKind.EXERCISES_PER_YEAR):
        relevant = [e for e in exercises
                    if target.kind == TargetKind.EXERCISES_PER_YEAR or e.level == ExerciseLevel.BOARD]
        held = sum(1 for e in relevant if e.held_on and e.held_on.year == today.year and e.held_on <= today)
        planned = sum(1 for e in relevant if e.held_on is None and e.planned_on
                      and e.planned_on.year == today.year and e.planned_on >= today)
        return TargetProgress(target, held, target.value, planned=planned, missing=[])
    since = add_months(today, -12 * target.value)
    active = [s for s in sub_plans if s.active]
    missing = [s for s in active if not (exercised_sub_plans.get(s.id) and exercised_sub_plans[s.id] >= since)]
    return TargetProgress(target, len(active) - len(missing), len(active), missing=missing)
