"""The NIS2 Art. 23(4) reporting clock at its edges: month ends, leap day, the nights the clocks change."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from register.core.dates import NonexistentLocalTime, add_local_months, add_months, local_to_utc
from register.incidents import deadlines
from register.incidents.models import Incident, IncidentReport, ReportKind, Significance
from register.incidents.services import StepState, describe_remaining, next_step, reporting_clock

CPH = ZoneInfo("Europe/Copenhagen")
UTC = dt.UTC


def local(*args) -> dt.datetime:
    """An aware Copenhagen time (first occurrence if ambiguous)."""
    return dt.datetime(*args, tzinfo=CPH)


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize("day,months,expected", [
    (dt.date(2025, 1, 31), 1, dt.date(2025, 2, 28)),
    (dt.date(2024, 1, 31), 1, dt.date(2024, 2, 29)),   # leap year
    (dt.date(2024, 2, 29), 1, dt.date(2024, 3, 29)),   # from the leap day
    (dt.date(2024, 2, 29), 12, dt.date(2025, 2, 28)),  # a year on from the leap day
    (dt.date(2025, 3, 31), 1, dt.date(2025, 4, 30)),
    (dt.date(2025, 12, 31), 1, dt.date(2026, 1, 31)),  # across the year end
    (dt.date(2026, 3, 31), -1, dt.date(2026, 2, 28)),
    (dt.date(2025, 5, 15), 24, dt.date(2027, 5, 15)),
])
def test_add_months_clamps_to_the_end_of_the_month(day, months, expected):
    assert add_months(day, months) == expected


def test_early_warning_is_24_real_hours_also_across_the_march_night():
    aware = local(2025, 3, 29, 10, 0)  # Saturday, winter time; clocks go forward that night
    due = deadlines.early_warning_due(aware)
    assert due == utc(2025, 3, 30, 9, 0)
    assert due.astimezone(CPH).replace(tzinfo=None) == dt.datetime(2025, 3, 30, 11, 0)  # 11:00 summer time


def test_early_warning_across_the_october_night():
    aware = local(2025, 10, 25, 10, 0)  # summer time; clocks go back that night
    due = deadlines.early_warning_due(aware)
    assert due - aware == dt.timedelta(hours=24)
    assert due.astimezone(CPH).replace(tzinfo=None) == dt.datetime(2025, 10, 26, 9, 0)


def test_notification_is_72_hours_after_awareness():
    assert deadlines.notification_due(utc(2025, 9, 1, 6, 15)) == utc(2025, 9, 4, 6, 15)


@pytest.mark.parametrize("submitted,expected_local", [
    (local(2025, 1, 31, 12, 0), dt.datetime(2025, 2, 28, 12, 0)),
    (local(2024, 1, 31, 12, 0), dt.datetime(2024, 2, 29, 12, 0)),   # leap year
    (local(2024, 2, 29, 9, 30), dt.datetime(2024, 3, 29, 9, 30)),   # from the leap day
    (local(2025, 3, 31, 16, 0), dt.datetime(2025, 4, 30, 16, 0)),
    (local(2025, 12, 31, 8, 0), dt.datetime(2026, 1, 31, 8, 0)),
    (local(2025, 3, 10, 12, 0), dt.datetime(2025, 4, 10, 12, 0)),   # winter -> summer time: wall clock kept
    (local(2025, 10, 10, 12, 0), dt.datetime(2025, 11, 10, 12, 0)),  # summer -> winter time
    (local(2027, 2, 28, 2, 30), dt.datetime(2027, 3, 28, 3, 30)),   # 02:30 does not exist on 28 Mar 2027
    (local(2025, 9, 26, 2, 30), dt.datetime(2025, 10, 26, 2, 30)),  # 02:30 happens twice: first is kept
])
def test_final_report_is_one_calendar_month_after_the_notification_in_danish_time(submitted, expected_local):
    result = deadlines.final_report_due(utc(2020, 1, 1), submitted)
    assert not result.provisional
    assert result.due.tzinfo is not None
    assert result.due.astimezone(CPH).replace(tzinfo=None) == expected_local


def test_the_month_is_counted_on_the_danish_calendar_not_the_utc_one():
    submitted = utc(2025, 2, 28, 23, 30)  # already 1 March 00:30 in Denmark
    due = deadlines.final_report_due(utc(2025, 2, 26), submitted).due
    assert due == utc(2025, 3, 31, 22, 30)  # 1 April 00:30 summer time, not 28 March
    assert due - submitted == dt.timedelta(days=31, hours=-1)  # the March night is one hour short


def test_final_report_is_provisional_from_the_72_hour_deadline_until_the_notification_is_submitted():
    aware = local(2025, 1, 28, 12, 0)
    result = deadlines.final_report_due(aware, None)
    assert result.provisional
    assert result.due.astimezone(CPH).replace(tzinfo=None) == dt.datetime(2025, 2, 28, 12, 0)  # 31 Jan + 1 month


def test_a_report_at_the_deadline_is_on_time_one_second_later_is_late():
    due = utc(2025, 9, 2, 8, 0)
    assert not deadlines.is_late(due, due)
    assert deadlines.is_late(due, due + dt.timedelta(seconds=1))
    assert not deadlines.is_late(due, local(2025, 9, 2, 10, 0))  # the same instant written in Danish time


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        deadlines.early_warning_due(dt.datetime(2025, 1, 1, 12, 0))


def test_local_input_skipped_in_march_is_refused_and_the_october_hour_is_read_as_summer_time():
    with pytest.raises(NonexistentLocalTime):
        local_to_utc(dt.datetime(2025, 3, 30, 2, 30))
    assert local_to_utc(dt.datetime(2025, 10, 26, 2, 30)) == utc(2025, 10, 26, 0, 30)
    assert local_to_utc(dt.datetime(2025, 1, 15, 8, 0)) == utc(2025, 1, 15, 7, 0)
    assert local_to_utc(dt.datetime(2025, 7, 15, 8, 0)) == utc(2025, 7, 15, 6, 0)


def test_add_local_months_keeps_aware_utc():
    assert add_local_months(utc(2025, 1, 15, 11, 0)).tzinfo == UTC


def _incident(aware, significance=Significance.SIGNIFICANT, handled_at=None):
    return Incident(title="x", description="x", aware_at=aware, detected_at=aware, significance=significance,
                    handled_at=handled_at)


def _report(kind, at):
    return IncidentReport(kind=kind, submitted_at=at, receipt_ref=kind.value)


_ON_TIME_START = (_report(ReportKind.EARLY_WARNING, utc(2025, 9, 1, 20, 0)),
                  _report(ReportKind.NOTIFICATION, utc(2025, 9, 3, 8, 0)))  # final report due 3 Oct 08:00 UTC


def _states(steps):
    return {s.kind: s.state for s in steps}


def test_an_intermediate_report_is_owed_only_on_request_and_never_late():
    """Art. 23(4)(c): a "foreløbig rapport" when the CSIRT or the authority asks; it has no deadline here."""
    aware = utc(2025, 9, 1, 8, 0)
    steps = reporting_clock(_incident(aware), list(_ON_TIME_START), now=utc(2025, 9, 20))
    step = next(s for s in steps if s.kind == ReportKind.INTERMEDIATE)
    assert step.due is None and step.state == StepState.ON_REQUEST and step.legal_ref.endswith("litra c")
    assert ReportKind.INTERMEDIATE.label == "Foreløbig rapport"
    sent = reporting_clock(_incident(aware), [*_ON_TIME_START, _report(ReportKind.INTERMEDIATE, utc(2025, 9, 10))],
                           now=utc(2025, 9, 20))
    assert _states(sent)[ReportKind.INTERMEDIATE] == StepState.SUBMITTED
    assert next_step(sent).kind == ReportKind.FINAL  # the request does not become the next deadline


def test_before_the_one_month_mark_the_final_report_is_due_as_usual():
    aware = utc(2025, 9, 1, 8, 0)
    steps = reporting_clock(_incident(aware), list(_ON_TIME_START), now=utc(2025, 10, 1))
    assert ReportKind.PROGRESS not in _states(steps)
    assert steps[-1].kind == ReportKind.FINAL and steps[-1].due == utc(2025, 10, 3, 8, 0)


def test_an_incident_still_ongoing_at_the_mark_owes_a_progress_report_then_and_the_final_report_after_handling():
    """Art. 23(4)(e): ongoing when the final report falls due -> progress report at that time, final report
    within one month of handling the incident."""
    aware = utc(2025, 9, 1, 8, 0)
    # not handled yet, the mark has passed and no progress report: that one is overdue
    steps = reporting_clock(_incident(aware), list(_ON_TIME_START), now=utc(2025, 10, 5))
    states = _states(steps)
    assert states[ReportKind.PROGRESS] == StepState.OVERDUE
    assert states[ReportKind.FINAL] == StepState.AFTER_HANDLING
    final = steps[-1]
    assert final.due is None and final.legal_ref.endswith("litra e")
    progress = next(s for s in steps if s.kind == ReportKind.PROGRESS)
    assert progress.due == utc(2025, 10, 3, 8, 0) and progress.legal_ref.endswith("litra e")

    # a progress report on time: nothing is late, whatever the day
    reports = [*_ON_TIME_START, _report(ReportKind.PROGRESS, utc(2025, 10, 2, 12, 0))]
    for now in (utc(2025, 10, 5), utc(2026, 3, 1)):
        states = _states(reporting_clock(_incident(aware), reports, now=now))
        assert not {StepState.LATE, StepState.OVERDUE} & set(states.values()), now
        assert states[ReportKind.PROGRESS] == StepState.ON_TIME

    # handled on 20 November (Danish time): the final report is due a month later
    handled = local(2025, 11, 20, 15, 0)
    steps = reporting_clock(_incident(aware, handled_at=handled), reports, now=utc(2025, 12, 1))
    final = steps[-1]
    assert final.state == StepState.PENDING
    assert final.due.astimezone(CPH).replace(tzinfo=None) == dt.datetime(2025, 12, 20, 15, 0)
    late = reporting_clock(_incident(aware, handled_at=handled), reports, now=local(2025, 12, 21))
    assert late[-1].state == StepState.OVERDUE
    sent = reporting_clock(_incident(aware, handled_at=handled),
                           [*reports, _report(ReportKind.FINAL, local(2025, 12, 19, 9, 0))], now=local(2025, 12, 21))
    assert _states(sent)[ReportKind.FINAL] == StepState.ON_TIME


def test_an_incident_handled_before_the_mark_keeps_the_ordinary_final_report():
    aware = utc(2025, 9, 1, 8, 0)
    steps = reporting_clock(_incident(aware, handled_at=utc(2025, 9, 15)), list(_ON_TIME_START),
                            now=utc(2025, 10, 5))
    assert ReportKind.PROGRESS not in _states(steps)
    assert _states(steps)[ReportKind.FINAL] == StepState.OVERDUE  # due 3 October, not sent
    # and a final report sent within the month closes the clock even if the handling time was never entered
    done = reporting_clock(_incident(aware), [*_ON_TIME_START, _report(ReportKind.FINAL, utc(2025, 10, 1))],
                           now=utc(2025, 12, 1))
    assert ReportKind.PROGRESS not in _states(done) and _states(done)[ReportKind.FINAL] == StepState.ON_TIME


def test_clock_marks_late_on_time_overdue_and_pending():
    aware = utc(2025, 9, 1, 8, 0)
    reports = [IncidentReport(kind=ReportKind.EARLY_WARNING, submitted_at=utc(2025, 9, 2, 9, 0), receipt_ref="A"),
               IncidentReport(kind=ReportKind.NOTIFICATION, submitted_at=utc(2025, 9, 3, 8, 0), receipt_ref="B")]
    steps = reporting_clock(_incident(aware), reports, now=utc(2025, 9, 20))
    states = {s.kind: s.state for s in steps}
    assert states == {ReportKind.EARLY_WARNING: StepState.LATE, ReportKind.NOTIFICATION: StepState.ON_TIME,
                      ReportKind.INTERMEDIATE: StepState.ON_REQUEST, ReportKind.FINAL: StepState.PENDING}
    final = steps[-1]
    assert not final.provisional and final.due == utc(2025, 10, 3, 8, 0)
    assert final.remaining == dt.timedelta(days=13, hours=8)
    assert next_step(steps) is final

    overdue = reporting_clock(_incident(aware), [], now=utc(2025, 9, 2, 9, 0))
    assert [s.state for s in overdue] == [StepState.OVERDUE, StepState.PENDING, StepState.ON_REQUEST,
                                          StepState.PENDING]
    assert overdue[-1].provisional
    assert overdue[0].remaining == dt.timedelta(hours=-1)


def test_only_significant_incidents_have_a_clock():
    aware = utc(2025, 9, 1, 8, 0)
    assert reporting_clock(_incident(aware, Significance.NOT_SIGNIFICANT), [], now=aware) == []
    assert reporting_clock(_incident(aware, Significance.PENDING), [], now=aware) == []


@pytest.mark.parametrize("delta,text", [
    (dt.timedelta(days=2, hours=3, minutes=10), "2 døgn og 3 timer tilbage"),
    (dt.timedelta(hours=5, minutes=12), "5 timer og 12 minutter tilbage"),
    (dt.timedelta(hours=1), "1 time tilbage"),
    (dt.timedelta(seconds=20), "under et minut tilbage"),
    (dt.timedelta(hours=-3), "overskredet med 3 timer"),
    (dt.timedelta(days=-1, minutes=-1), "overskredet med 1 døgn"),
])
def test_time_left_is_described_in_danish(app, delta, text):
    with app.test_request_context():
        assert describe_remaining(delta) == text
