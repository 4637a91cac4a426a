"""Language and time zone: Danish and Europe/Copenhagen by default, English selectable."""
import contextlib
import functools
import numbers

import flask_babel
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import format_date, format_datetime, format_decimal, get_locale, get_translations
from flask_babel.speaklater import LazyString
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup, escape

from register.core.memo import per_request


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
    """The request's language code ("da", "en"), looked up once per request: Flask-Babel's get_locale()
    passes through several context proxies on every call, and a long list asks hundreds of times."""
    memo = per_request()
    try:
        return memo["language"]
    except KeyError:
        memo["language"] = lang = str(get_locale() or "da")
        return lang


def translations():
    """The request's message catalogue, looked up once per request (as `language()`)."""
    memo = per_request()
    try:
        return memo["translations"]
    except KeyError:
        memo["translations"] = catalogue = get_translations()
        return catalogue


def gettext(string: str, **variables) -> str:
    """Flask-Babel's gettext, from the request's catalogue (looked up once per request)."""
    text = translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    """Flask-Babel's ngettext (`num` is also a variable), from the request's catalogue."""
    variables.setdefault("num", num)
    return translations().ungettext(singular, plural, num) % variables


class LazyText(LazyString):
    """A text translated when shown, as Flask-Babel's lazy_gettext, but from the request's catalogue: a menu
    or a list shows dozens of these, and Flask-Babel finds the catalogue afresh for each."""

    def __init__(self, string: str, **variables):
        super().__init__(None, string, **variables)

    def __str__(self) -> str:
        text = translations().ugettext(self._args[0])
        return text % self._kwargs if self._kwargs else text


def lazy_gettext(string: str, **variables) -> LazyText:
    return LazyText(string, **variables)


@contextlib.contextmanager
def force_locale(locale: str):
    """Flask-Babel's force_locale, which also sets aside the language and catalogue this request remembers:
    without that, a Danish report drawn for an English reader would come out in English (or the reverse)."""
    memo = per_request()
    saved = {key: memo.pop(key) for key in ("language", "translations") if key in memo}
    try:
        with flask_babel.force_locale(locale):
            yield
    finally:
        memo.pop("language", None)
        memo.pop("translations", None)
        memo.update(saved)


def _format_escaped(text: str, variables: dict) -> Markup:
    """Markup(text) % variables, without markupsafe's wrapper object per value (a list's per-row label cost
    more than the rest of its row): texts are escaped, numbers kept as numbers for %d."""
    return Markup(text % {key: value if isinstance(value, numbers.Number) else escape(value)
                          for key, value in variables.items()})


def _gettext_callables(catalogue_of) -> dict:
    """gettext and ngettext for templates, as Jinja's "newstyle" ones: the result is escaped where
    autoescaping is on, then formatted with the keyword arguments (ngettext also gets `num`).

    They take the evaluation context, not the whole context as Jinja's own do: Jinja copies the whole
    context (every global and block) for each call of a context function inside a block or loop."""

    @pass_eval_context
    def gettext(eval_ctx, string, **variables):
        text = catalogue_of().ugettext(string)
        if eval_ctx.autoescape:
            return _format_escaped(text, variables) if variables else Markup(text)
        return text % variables if variables else text

    @pass_eval_context
    def ngettext(eval_ctx, singular, plural, num, **variables):
        variables.setdefault("num", num)
        text = catalogue_of().ungettext(singular, plural, num)
        if eval_ctx.autoescape:
            return _format_escaped(text, variables)
        return text % variables

    # `_` too: Jinja's i18n extension makes it a context function that looks `gettext` up and calls it.
    return {"gettext": gettext, "ngettext": ngettext, "_": gettext}


def template_gettext() -> dict:
    """gettext and ngettext for one rendering, bound to this request's catalogue.

    Flask-Babel's template callables look the catalogue up on every call; these look it up once.
    """
    catalogue = translations()
    return _gettext_callables(lambda: catalogue)


# Formatting a date with Babel costs ~50 µs; lists show the same dates again on every view.
@functools.lru_cache(maxsize=8192)
def _format_date(value, fmt: str, lang: str) -> str:
    return format_date(value, fmt)


@functools.lru_cache(maxsize=8192)
def _format_datetime(value, fmt: str, lang: str, tz: str) -> str:
    return format_datetime(value, fmt)


@functools.lru_cache(maxsize=4096)
def _format_number(value, lang: str) -> str:
    return format_decimal(value)


def date_filter(value, fmt: str = "medium") -> str:
    """Danish: 5. nov. 2025."""
    return _format_date(value, fmt, language()) if value else ""


def datetime_filter(value, fmt: str | None = None) -> str:
    """In the reader's time zone and language."""
    if not value:
        return ""
    return _format_datetime(value, fmt or _datetime_pattern(), language(), current_app.config["BABEL_DEFAULT_TIMEZONE"])


def number_filter(value) -> str:
    """2.000 in Danish, 2,000 in English."""
    return _format_number(value, language())


def localized(obj, field: str) -> str:
    """Pick `field_da` or `field_en` by the current language, falling back to Danish."""
    lang = language() if has_request_context() else str(get_locale() or "da")
    value = getattr(obj, f"{field}_{lang}", None)
    return value or getattr(obj, f"{field}_da", "") or ""


def _datetime_pattern() -> str:
    """A short, readable timestamp in the reader's language (CLDR's own patterns add seconds or drop the year)."""
    return "d. MMM y HH:mm" if language() == "da" else "MMM d, y HH:mm"


def register(app: Flask) -> None:
    app.jinja_env.filters["date"] = date_filter
    app.jinja_env.filters["datetime"] = datetime_filter
    app.jinja_env.filters["number"] = number_filter
    app.jinja_env.globals["localized"] = localized
    app.jinja_env.globals["current_language"] = language
    app.context_processor(template_gettext)
    # Macros imported from another template do not see the rendering's context, so they used Flask-Babel's
    # callables (a catalogue lookup through several proxies per text; the incident list's deadline cell spent
    # a third of its time there). These read the request's catalogue.
    app.jinja_env.globals.update(_gettext_callables(translations))
    app.jinja_env.globals["request_path"] = lambda: request.full_path.rstrip("?")
