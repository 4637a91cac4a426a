"""Danish dates and numbers for the report (independent of the request's language)."""
import datetime as dt

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent

LOCALE = "da_DK"
TZ = "Europe/Copenhagen"


def date(value: dt.date | None) -> str:
    return format_date(value, "d. MMMM y", locale=LOCALE) if value else "–"


def short_date(value: dt.date | None) -> str:
    return format_date(value, "dd.MM.y", locale=LOCALE) if value else "–"


def datetime(value: dt.datetime | None) -> str:
    return format_datetime(value, "d. MMMM y 'kl.' HH:mm", tzinfo=TZ, locale=LOCALE) if value else "–"


def number(value: float | int | None, digits: int = 0) -> str:
    if value is None:
        return "–"
    return format_decimal(value, format="#,##0" + ("." + "0" * digits if digits else ""), locale=LOCALE)


def percent(part: float, whole: float) -> str:
    if not whole:
        return "–"
    return format_percent(part / whole, format="#,##0 %", locale=LOCALE)
