"""Danish dates and numbers for the report (independent of the request's language).

Cached: a large report formats the same dates and counts thousands of times, and Babel's formatting costs
tens of microseconds a call. The results depend on the value alone (fixed locale and time zone).
"""
import datetime as dt
from functools import lru_cache

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent

LOCALE = "da_DK"
TZ = "Europe/Copenhagen"


@lru_cache(maxsize=4096)
def date(value: dt.date | None) -> str:
    return format_date(value, "d. MMMM y", locale=LOCALE) if value else "–"


@lru_cache(maxsize=4096)
def short_date(value: dt.date | None) -> str:
    return format_date(value, "dd.MM.y", locale=LOCALE) if value else "–"


def datetime(value: dt.datetime | None) -> str:
    return format_datetime(value, "d. MMMM y 'kl.' HH:mm", tzinfo=TZ, locale=LOCALE) if value else "–"


@lru_cache(maxsize=4096, typed=True)
def number(value: float | int | None, digits: int = 0) -> str:
    if value is None:
        return "–"
    return format_decimal(value, format="#,##0" + ("." + "0" * digits if digits else ""), locale=LOCALE)


@lru_cache(maxsize=4096, typed=True)
def percent(part: float, whole: float) -> str:
    if not whole:
        return "–"
    return format_percent(part / whole, format="#,##0 %", locale=LOCALE)


def count(value: int, singular: str, plural: str) -> str:
    """'1 kritisk fund', '2 kritiske fund': the noun phrase agrees with the number, as Danish reads it."""
    return f"{number(value)} {singular if value == 1 else plural}"
