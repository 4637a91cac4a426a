"""Calendar arithmetic in Danish local time: months with end-of-month clamping, local input to UTC."""
import calendar
import datetime as dt
from zoneinfo import ZoneInfo

LOCAL_TZ = "Europe/Copenhagen"


class NonexistentLocalTime(ValueError):
    """A wall-clock time skipped when clocks go forward (e.g. 02:30 on the last Sunday of March)."""


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months later, clamped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def local_to_utc(naive: dt.datetime, tz_name: str = LOCAL_TZ) -> dt.datetime:
    """A wall-clock time in `tz_name` as an aware UTC instant.

    A time that occurs twice (the October night) is read as the first occurrence (summer time);
    a time that never occurs (the March night) is refused rather than silently moved."""
    if naive.tzinfo is not None:
        raise ValueError("expected a naive local datetime")
    tz = ZoneInfo(tz_name)
    local = naive.replace(tzinfo=tz, fold=0)
    instant = local.astimezone(dt.UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != naive:
        raise NonexistentLocalTime(naive.isoformat())
    return instant


def utc_to_local(instant: dt.datetime, tz_name: str = LOCAL_TZ) -> dt.datetime:
    """An aware instant as a naive wall-clock time in `tz_name` (for filling in forms)."""
    return instant.astimezone(ZoneInfo(tz_name)).replace(tzinfo=None)


def add_local_months(instant: dt.datetime, months: int = 1, tz_name: str = LOCAL_TZ) -> dt.datetime:
    """`months` calendar months after `instant`, counted on the local calendar and clock, returned in UTC.

    The local wall-clock time is kept; the date is clamped to the month's end. If that wall-clock time does
    not exist on the target day (clocks go forward), it is moved forward by the skipped hour (02:30 -> 03:30)."""
    tz = ZoneInfo(tz_name)
    local = instant.astimezone(tz)
    target_day = add_months(local.date(), months)
    naive = dt.datetime.combine(target_day, local.time().replace(tzinfo=None, fold=0))
    try:
        return local_to_utc(naive, tz_name)
    except NonexistentLocalTime:
        # fold=0 reads a skipped time with the offset before the change (PEP 495): 02:30 is 03:30 summer time
        return naive.replace(tzinfo=tz, fold=0).astimezone(dt.UTC)


def local_today(tz_name: str = LOCAL_TZ) -> dt.date:
    """Today's date in Denmark (the server may run in UTC)."""
    return dt.datetime.now(ZoneInfo(tz_name)).date()
