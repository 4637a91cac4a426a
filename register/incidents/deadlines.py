"""The NIS2 Art. 23(4) reporting clock, as plain functions on aware datetimes (all arithmetic in UTC).

- early warning: within 24 hours of becoming aware of the significant incident (23(4)(a));
- incident notification: within 72 hours of becoming aware (23(4)(b));
- final report: not later than one month after the incident notification was submitted (23(4)(d)).
  Until the notification is submitted that date is unknown; we show it provisionally, counted from the
  72-hour deadline (the latest the notification may be submitted on time);
- progress report: if the incident is still ongoing when the final report falls due, a progress report at that
  time, and the final report within one month of handling the incident (23(4)(e));
- intermediate report: upon request of the CSIRT or the authority (23(4)(c)); no deadline of its own.
Hours are elapsed hours (24 real hours, also across the nights the clocks change); "one month" is a
calendar month on the Danish local calendar, clamped to the month's end (31 Jan -> 28/29 Feb).
"""
import datetime as dt
from dataclasses import dataclass

from register.core.dates import LOCAL_TZ, add_local_months

EARLY_WARNING_HOURS = 24
NOTIFICATION_HOURS = 72


def early_warning_due(aware_at: dt.datetime) -> dt.datetime:
    return _utc(aware_at) + dt.timedelta(hours=EARLY_WARNING_HOURS)


def notification_due(aware_at: dt.datetime) -> dt.datetime:
    return _utc(aware_at) + dt.timedelta(hours=NOTIFICATION_HOURS)


@dataclass(frozen=True)
class FinalReportDue:
    due: dt.datetime
    provisional: bool  # True while the incident notification has not been submitted


def final_report_due(aware_at: dt.datetime, notification_submitted_at: dt.datetime | None,
                     tz_name: str = LOCAL_TZ) -> FinalReportDue:
    """One calendar month after the notification was submitted; provisional until it is."""
    if notification_submitted_at is not None:
        return FinalReportDue(add_local_months(_utc(notification_submitted_at), 1, tz_name), False)
    return FinalReportDue(add_local_months(notification_due(aware_at), 1, tz_name), True)


def ongoing_at_final_due(final_due: dt.datetime, handled_at: dt.datetime | None, now: dt.datetime) -> bool:
    """Still being handled when the final report falls due: handled after it, or not yet handled once it passed."""
    if handled_at is not None:
        return _utc(handled_at) > _utc(final_due)
    return _utc(now) > _utc(final_due)


def final_report_after_handling(handled_at: dt.datetime, tz_name: str = LOCAL_TZ) -> dt.datetime:
    """23(4)(e): the final report of an incident ongoing at the one-month mark, one month after handling it."""
    return add_local_months(_utc(handled_at), 1, tz_name)


def is_late(due: dt.datetime, submitted_at: dt.datetime) -> bool:
    """Submitted after the deadline (a submission at the deadline's exact instant is on time)."""
    return _utc(submitted_at) > _utc(due)


def _utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetime in deadline arithmetic")
    return value.astimezone(dt.UTC)
