"""Language and time zone: Danish and Europe/Copenhagen by default, English selectable.

Texts are translated by Flask-Babel (re-exported here, so imports stay short); its Jinja i18n extension gives
templates `_`, `gettext` and `ngettext`. This module adds what Flask-Babel lacks: choosing the language, the
language's code, Danish date and number filters and picking a record's Danish or English field.
"""
import datetime as dt

from babel.numbers import get_group_symbol, get_minus_sign_symbol
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import (force_locale, format_date, format_datetime, format_decimal, get_locale, get_timezone, gettext,
                         lazy_gettext, ngettext)
from flask_login import current_user

__all__ = ["force_locale", "gettext", "lazy_gettext", "ngettext", "language", "localized", "date_filter",
           "date_formatter", "datetime_filter", "datetime_formatter", "number_filter", "number_formatter"]


def select_locale() -> str:
    """The user's saved choice, else this session's choice, else Danish."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI and jobs speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    if session.get("language") in languages:
        return session["language"]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def language() -> str:
    """The current language's code ("da", "en")."""
    return str(get_locale() or "da")


def date_filter(value, fmt: str = "medium") -> str:
    """Danish: 5. nov. 2025."""
    return format_date(value, fmt) if value else ""


def short_month_names() -> dict[int, str]:
    """The abbreviated month names (1: 'jan.') for writing the date filter's 'd. MMM' (5. nov.) for many dates
    in a row: a CLDR pattern is parsed and applied per date otherwise (the årshjul shows hundreds)."""
    from babel.dates import get_month_names

    return dict(get_month_names("abbreviated", context="format", locale=get_locale()))


def datetime_filter(value, fmt: str | None = None) -> str:
    """In the reader's time zone and language."""
    return format_datetime(value, fmt or _datetime_pattern()) if value else ""


def datetime_formatter():
    """The datetime filter as a function for many times in a row (a list's deadlines): the pattern, language
    and time zone looked up once, not per value. A time without a zone is UTC, as the filter takes it."""
    from babel.dates import parse_pattern

    locale, zone, pattern = get_locale(), get_timezone(), parse_pattern(_datetime_pattern())

    def formatted(value) -> str:
        if not value:
            return ""
        local = (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).astimezone(zone)
        return pattern.apply(zone.normalize(local) if hasattr(zone, "normalize") else local, locale)

    return formatted


def date_formatter():
    """The date filter (5. nov. 2025) as a function for many dates in a row, the pattern looked up once: a list
    shows a date per row."""
    from babel.dates import get_date_format

    locale = get_locale()
    pattern = get_date_format("medium", locale=locale)
    return lambda value: pattern.apply(value, locale) if value else ""


def number_formatter():
    """The number filter as a function for many numbers in a row (a table of amounts), the language's signs
    looked up once."""
    locale = get_locale()
    group, minus = get_group_symbol(locale), get_minus_sign_symbol(locale)

    def number(value) -> str:
        if type(value) is not int:
            return format_decimal(value)
        # A whole number needs only the group and minus signs: Babel's general pattern took many times longer.
        text = f"{abs(value):,}".replace(",", group)
        return minus + text if value < 0 else text

    return number


def number_filter(value) -> str:
    """2.000 in Danish, 2,000 in English."""
    return number_formatter()(value)


def localized(obj, field: str) -> str:
    """Pick `field_da` or `field_en` by the current language, falling back to Danish."""
    value = getattr(obj, f"{field}_{language()}", None)
    return value or getattr(obj, f"{field}_da", "") or ""


def _datetime_pattern() -> str:
    """A short, readable timestamp in the reader's language (CLDR's own patterns add seconds or drop the year)."""
    return "d. MMM y HH:mm" if language() == "da" else "MMM d, y HH:mm"


def register(app: Flask) -> None:
    app.jinja_env.filters["date"] = date_filter
    app.jinja_env.filters["datetime"] = datetime_filter
    app.jinja_env.filters["number"] = number_filter
    app.jinja_env.globals["localized"] = localized
    app.jinja_env.globals["date_formatter"] = date_formatter
    app.jinja_env.globals["number_formatter"] = number_formatter
    app.jinja_env.globals["current_language"] = language
    app.jinja_env.globals["request_path"] = lambda: request.full_path.rstrip("?")
