"""The calendar rules of preparedness work, tested at their edges with 'today' given explicitly."""
import datetime as dt
from types import SimpleNamespace

import pytest

from register.preparedness import rules
from register.preparedness.models import ExerciseLevel, LegalBasis, PlanStatus, TargetKind

D = dt.date.fromisoformat


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


@pytest.mark.parametrize("start_year,election", [(2022, "2021-11-16"), (2026, "2025-11-18"), (2030, "2029-11-20"),
                                                 (2018, "2017-11-21")])
def test_council_terms_are_computed_from_the_third_tuesday_of_november(start_year, election):
    term = rules.CouncilTerm(start_year)
    assert term.election_day == D(election) and term.election_day.weekday() == 1
    assert (term.start, term.end) == (dt.date(start_year, 1, 1), dt.date(start_year + 3, 12, 31))


@pytest.mark.parametrize("day,label", [("2021-12-31", "2018-2021"), ("2022-01-01", "2022-2025"),
                                       ("2025-12-31", "2022-2025"), ("2026-01-01", "2026-2029"),
                                       ("2029-12-31", "2026-2029"), ("2030-01-01", "2030-2033"),
                                       ("2033-12-31", "2030-2033")])
def test_term_for_a_day_at_the_edges(day, label):
    assert rules.term_for(D(day)).label == label


def test_terms_around_today_and_term_starts():
    assert [t.label for t in rules.terms_around(D("2026-11-23"))] == ["2022-2025", "2026-2029", "2030-2033"]
    assert rules.is_term_start(2030) and not rules.is_term_start(2027)


@pytest.mark.parametrize("text,default_year,start,end", [
    ("Feb. – marts 2025", None, "2025-02-01", "2025-03-01"),
    ("Maj 2025", None, "2025-05-01", "2025-05-01"),
    ("Maj - juni 2025", None, "2025-05-01", "2025-06-01"),
    ("Aug. – sep.", 2025, "2025-08-01", "2025-09-01"),          # the minutes leave out the year here
    ("Okt.-nov. 2025", None, "2025-10-01", "2025-11-01"),
    ("Januar 2026", None, "2026-01-01", "2026-01-01"),
    ("Aug.-Sep. 2025", None, "2025-08-01", "2025-09-01"),
    ("2025-02..2025-03", None, "2025-02-01", "2025-03-01"),
    ("2025-05", None, "2025-05-01", "2025-05-01"),
    ("nov.-jan. 2026", None, "2025-11-01", "2026-01-01"),       # across new year
    ("December 2025 - februar 2026", None, "2025-12-01", "2026-02-01"),
])
def test_parse_window(ctx, text, default_year, start, end):
    assert rules.parse_window(text, default_year) == (D(start), D(end))


@pytest.mark.parametrize("text,message", [("", "Angiv et tidsrum"), ("efterår 2025", "kan ikke læses"),
                                          ("aug.", "mangler et årstal"), ("2025-13", "kan ikke læses"),
                                          ("2026-03..2026-01", "slutter før")])
def test_unreadable_windows_are_refused_in_danish(ctx, text, message):
    with pytest.raises(rules.WindowError, match=message):
        rules.parse_window(text)


def test_windows_are_rendered_in_danish(ctx):
    assert rules.format_window(D("2025-05-01"), D("2025-05-01")) == "maj 2025"
    assert rules.format_window(D("2025-08-01"), D("2025-09-01")) == "aug.–sep. 2025"
    assert rules.format_window(D("2025-11-01"), D("2026-01-01")) == "nov. 2025–jan. 2026"


def test_milestone_is_late_only_after_the_last_day_of_its_window():
    window_end = D("2025-09-01")  # "aug.-sep. 2025"
    assert rules.milestone_deadline(window_end) == D("2025-09-30")
    assert not rules.milestone_is_late(window_end, closed=False, today=D("2025-09-30"))
    assert rules.milestone_is_late(window_end, closed=False, today=D("2025-10-01"))
    assert not rules.milestone_is_late(window_end, closed=True, today=D("2026-10-01"))
    assert rules.completed_late(window_end, D("2025-10-02")) and not rules.completed_late(window_end, D("2025-09-30"))


def test_add_months_clamps_to_the_end_of_the_month():
    assert rules.add_months(D("2025-01-31"), 1) == D("2025-02-28")
    assert rules.add_months(D("2024-02-29"), 12) == D("2025-02-28")
    assert rules.add_months(D("2025-11-15"), 3) == D("2026-02-15")


def plan(basis=LegalBasis.BEREDSKABSLOVEN_25, status=PlanStatus.IN_FORCE, adopted=None, submitted="2025-10-01",
         title="Plan for fortsat drift", **kw):
    return SimpleNamespace(id=kw.get("id", 1), title=title, legal_basis=basis, status=status,
                           council_term_start=kw.get("term", 2022), adopted_on=D(adopted) if adopted else None,
                           submitted_to_brs_on=D(submitted) if submitted else None,
                           brs_consulted_on=D(kw["consulted"]) if kw.get("consulted") else None,
                           sst_advice_on=D(kw.get("sst", "2025-08-01")) if kw.get("sst", "2025-08-01") else None,
                           in_force_from=D(kw["in_force"]) if kw.get("in_force") else None)


def section25_texts(plans, today):
    return [w.text for w in rules.section25_warnings(plans, D(today))
            if "§ 25" in w.text and "indsendt" not in w.text]


def test_section_25_at_the_edges_of_a_council_term(ctx):
    plans = [plan(adopted="2025-09-24"), plan(LegalBasis.SUNDHEDSLOVEN_210, adopted="2025-09-24", id=2)]
    # Adopted in September 2025: fine for the 2022-2025 council up to its last day ...
    assert rules.section25_warnings(plans, D("2025-12-31")) == []
    # ... but the council elected on 18 November 2025 has not adopted a revision yet on 1 January 2026.
    texts = section25_texts(plans, "2026-01-01")
    assert len(texts) == 1 and "2026-2029" in texts[0] and "31. december 2029" in texts[0]
    assert "forrige valgperiode" in texts[0]
    warnings = rules.section25_warnings(plans, D("2026-01-01"))
    assert {w.tone for w in warnings} == {"warning"} and len(warnings) == 2  # § 25 and § 210
    # In the last year of the term the warning becomes an error; on the term's last day it is still the same term.
    assert {w.tone for w in rules.section25_warnings(plans, D("2029-01-02"))} == {"error"}
    assert "(0 dage)" in section25_texts(plans, "2029-12-31")[0]


def test_a_plan_written_for_the_term_and_adopted_before_it_is_not_a_warning_until_the_last_year(ctx):
    """Adopted in September 2025 "for 2026-2029" by the outgoing council: in force for the term. The new council's
    revision is raised in the term's last year, not from its first day."""
    plans = [plan(adopted="2025-09-24", term=2026), plan(LegalBasis.SUNDHEDSLOVEN_210, adopted="2025-09-24", id=2,
                                                        term=2026)]
    assert rules.section25_warnings(plans, D("2026-01-01")) == []
    assert rules.section25_warnings(plans, D("2028-12-31")) == []
    late = rules.section25_warnings(plans, D("2029-01-02"))
    assert {w.tone for w in late} == {"error"} and len(late) == 2
    assert rules.plan_for_term(plans, rules.term_for(D("2026-06-01"))).id == 1
    assert rules.plan_for_term(plans, rules.term_for(D("2030-06-01"))) is None


def test_section_25_is_satisfied_by_an_adoption_inside_the_term(ctx):
    adopted = [plan(adopted="2026-01-01", submitted="2026-01-12"),
               plan(LegalBasis.SUNDHEDSLOVEN_210, adopted="2029-12-31", id=2)]
    assert rules.section25_warnings(adopted, D("2029-12-31")) == []
    # The next term starts the next day with no adoption yet.
    assert len(rules.section25_warnings(adopted, D("2030-01-01"))) == 2


def test_section_25_ignores_drafts_and_flags_missing_plans_and_submission(ctx):
    draft = plan(status=PlanStatus.DRAFT, adopted=None, submitted=None)
    texts = [w.text for w in rules.section25_warnings([draft], D("2026-06-01"))]
    assert any("endnu ikke vedtaget" in t for t in texts)
    assert any("ingen plan efter Sundhedsloven § 210" in t for t in texts)
    unsubmitted = plan(adopted="2026-03-01", submitted=None)
    texts = [w.text for w in rules.section25_warnings([unsubmitted], D("2026-06-01"))]
    assert any("indsendt til Beredskabsstyrelsen" in t for t in texts)


def test_annual_review_is_due_a_setting_of_months_after_the_last_one(ctx):
    p = plan(adopted="2025-09-24", in_force="2026-01-01")
    reviews = [SimpleNamespace(reviewed_on=D("2026-06-17"))]
    assert rules.review_due(p, [], 12, D("2026-01-02")).due_on == D("2027-01-01")
    due = rules.review_due(p, reviews, 12, D("2027-05-18"))
    assert due.due_on == D("2027-06-17") and due.due_soon and not due.overdue
    assert not rules.review_due(p, reviews, 12, D("2027-05-17")).due_soon
    assert rules.review_due(p, reviews, 12, D("2027-06-18")).overdue
    assert rules.review_due(p, reviews, 6, D("2026-12-18")).overdue
    assert rules.review_due(plan(status=PlanStatus.DRAFT), [], 12, D("2026-01-01")) is None
    texts = [w.text for w in rules.review_warnings([(p, reviews)], 12, D("2027-06-18"))]
    assert texts == ["Arbejdsgruppens gennemgang af „Plan for fortsat drift“ er overskredet: den skulle være sket "
                     "senest 17. juni 2027."]


def exercise(level, planned=None, held=None):
    return SimpleNamespace(level=level, planned_on=D(planned) if planned else None, held_on=D(held) if held else None)


def test_board_exercise_target_on_known_data():
    target = SimpleNamespace(kind=TargetKind.BOARD_EXERCISES_PER_YEAR, value=2)
    exercises = [exercise(ExerciseLevel.BOARD, held="2026-04-15"), exercise(ExerciseLevel.BOARD, held="2025-11-01"),
                 exercise(ExerciseLevel.SUB_PLAN, held="2026-09-10"),
                 exercise(ExerciseLevel.BOARD, planned="2026-12-01")]
    progress = rules.target_progress(target, exercises, [], {}, D("2026-11-23"))
    assert (progress.achieved, progress.required, progress.planned) == (1, 2, 1)
    assert not progress.met and progress.on_track
    after = rules.target_progress(target, exercises, [], {}, D("2026-12-02"))
    assert (after.achieved, after.planned, after.on_track) == (1, 0, False)
    total = SimpleNamespace(kind=TargetKind.EXERCISES_PER_YEAR, value=2)
    assert rules.target_progress(total, exercises, [], {}, D("2026-11-23")).met


def test_sub_plans_exercised_within_n_years_on_known_data():
    target = SimpleNamespace(kind=TargetKind.SUB_PLAN_EXERCISED_WITHIN, value=3)
    subs = [SimpleNamespace(id=i, active=True, title=f"Delplan {i}") for i in (1, 2, 3)]
    subs.append(SimpleNamespace(id=4, active=False, title="Nedlagt"))
    exercised = {1: D("2023-11-23"), 2: D("2023-11-22")}  # exactly three years before today counts
    progress = rules.target_progress(target, [], subs, exercised, D("2026-11-23"))
    assert (progress.achieved, progress.required) == (1, 3)
    assert [s.title for s in progress.missing] == ["Delplan 2", "Delplan 3"]


def test_section_25_4_submission_is_the_adopted_plan_and_the_order_is_checked(ctx):
    """§ 25, stk. 4: "indsendes" is the adopted plan, so on or after the council's adoption; a draft sent before
    is a consultation (til udtalelse), recorded as its own step and never mistaken for the submission."""
    in_order = plan(adopted="2026-03-01", submitted="2026-03-10", consulted="2025-12-01")
    assert rules.submission_in_order(in_order) is True
    assert not [w for w in rules.section25_warnings([in_order], D("2026-06-01")) if "Beredskabsstyrelsen" in w.text]
    same_day = plan(adopted="2026-03-01", submitted="2026-03-01")
    assert rules.submission_in_order(same_day) is True
    early = plan(adopted="2026-03-01", submitted="2026-01-15")
    assert rules.submission_in_order(early) is False
    [warning] = [w for w in rules.section25_warnings([early], D("2026-06-01")) if "Beredskabsstyrelsen" in w.text]
    assert warning.tone == "error" and "før kommunalbestyrelsen vedtog den" in warning.text
    assert "til udtalelse" in warning.text
    assert rules.submission_in_order(plan(adopted=None, submitted=None, status=PlanStatus.DRAFT)) is None


def test_sundhedsstyrelsens_advice_is_a_tracked_step_before_adoption(ctx):
    health = LegalBasis.SUNDHEDSLOVEN_210
    advised = plan(health, adopted="2026-03-01", sst="2026-01-20")
    assert not [w for w in rules.section25_warnings([advised], D("2026-06-01")) if "Sundhedsstyrelsen" in w.text]
    missing = plan(health, adopted="2026-03-01", sst=None)
    [warning] = [w for w in rules.section25_warnings([missing], D("2026-06-01")) if "Sundhedsstyrelsen" in w.text]
    assert warning.tone == "warning" and "§ 210" in warning.text
    late = plan(health, adopted="2026-03-01", sst="2026-04-01")
    [warning] = [w for w in rules.section25_warnings([late], D("2026-06-01")) if "Sundhedsstyrelsen" in w.text]
    assert warning.tone == "error" and "forud for vedtagelsen" in warning.text
