"""Language and time zone: Danish and Europe/Copenhagen by default, English selectable."""
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_login import current_user


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


def localized(obj, field: str) -> str:
    """Pick `field_da` or `field_en` by the current language, falling back to Danish."""
    lang = str(get_locale() or "da")
    value = getattr(obj, f"{field}_{lang}", None)
    return value or getattr(obj, f"{field}_da", "") or ""


def _datetime_pattern() -> str:
    """A short, readable timestamp in the reader's language (CLDR's own patterns add seconds or drop the year)."""
    return "d. MMM y HH:mm" if str(get_locale() or "da") == "da" else "MMM d, y HH:mm"


def register(app: Flask) -> None:
    app.jinja_env.filters["date"] = lambda d, fmt="medium": format_date(d, fmt) if d else ""  # Danish: 5. nov. 2025
    app.jinja_env.filters["datetime"] = lambda d, fmt=None: format_datetime(d, fmt or _datetime_pattern()) if d else ""
    app.jinja_env.filters["number"] = lambda n: format_decimal(n)  # 2.000 in Danish, 2,000 in English
    app.jinja_env.globals["localized"] = localized
    app.jinja_env.globals["current_language"] = lambda: str(get_locale() or "da")
    app.jinja_env.globals["request_path"] = lambda: request.full_path.rstrip("?")
