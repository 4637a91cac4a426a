"""The English catalogue: it covers the Danish strings in the code as it is now, and pages render in English.

The messages are re-extracted from the current code at test time (the same command as `make extract`), so
after a merge this test lists what other branches added and is still untranslated.
"""
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "register/translations/en/LC_MESSAGES/messages.po"
MO = PO.with_suffix(".mo")

# Strings are added in Danish by several branches at once and translated afterwards, so a few untranslated
# msgids must not turn main red: the test fails only above this share, and otherwise reports them as xfail.
TOLERATED_UNTRANSLATED = 0.05

PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[#0 +-]*\d*(?:\.\d+)?([sdifrxXeEgGc%])")


def _key(message_id) -> str:
    return message_id[0] if isinstance(message_id, (tuple, list)) else message_id


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The catalogue template extracted from the current code into a temporary .pot."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    command = [sys.executable, "-c", "import sys; from babel.messages.frontend import main; sys.exit(main())",
               "extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "-o", str(pot),
               "--ignore-dirs", ".* __pycache__ node_modules", "."]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    with pot.open("rb") as fh:
        return read_po(fh)


@pytest.fixture(scope="module")
def english():
    with PO.open("rb") as fh:
        return read_po(fh, locale="en")


def _strings(string) -> tuple[str, ...]:
    return tuple(string) if isinstance(string, (tuple, list)) else (string,)


def _placeholders(text: str) -> list[tuple[str, str]]:
    return sorted((name or "", kind) for name, kind in PLACEHOLDER.findall(text))


def test_extraction_finds_the_strings_of_python_and_templates(extracted):
    ids = {_key(m.id) for m in extracted if m.id}
    assert len(ids) > 500
    assert "Gem" in ids  # a template
    assert "Ugyldig e-mailadresse." in ids  # Python, lazy_gettext
    assert "%(count)s krav" in ids  # ngettext in a template
    assert "Ændringshistorik" in ids  # templates/_macros/: babel's default --ignore-dirs skips "_*" folders
    assert "Overblik over krav" in ids  # a template using {% do %}: babel.cfg must load jinja2.ext.do


def test_every_message_in_the_code_is_translated(extracted, english):
    """Untranslated (missing, empty or fuzzy) msgids are listed; more than 5 % fails."""
    untranslated = []
    for message in extracted:
        if not message.id:
            continue
        entry = english.get(message.id)
        strings = entry.string if entry is not None else ""
        strings = strings if isinstance(strings, tuple) else (strings,)
        if entry is None or entry.fuzzy or not all(s and s.strip() for s in strings):
            untranslated.append(_key(message.id))
    total = sum(1 for m in extracted if m.id)
    report = (f"{len(untranslated)} of {total} msgids have no English translation; run `make extract` and "
              f"translate them in {PO.relative_to(ROOT)}: " + "; ".join(repr(u) for u in sorted(untranslated)))
    assert len(untranslated) <= TOLERATED_UNTRANSLATED * total, report
    if untranslated:
        pytest.xfail(report)


def test_placeholders_match_between_danish_and_english(english):
    problems = []
    for message in english:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = _placeholders(ids[-1])
        for string in strings:
            if string and _placeholders(string) != wanted:
                problems.append(f"{ids[0]!r} -> {string!r}")
            names = {name for name, _kind in _placeholders(string) if name}
            try:  # the string must also format: a stray % breaks the page it is on
                string % ({name: 1 for name in names} if names else ())
            except (TypeError, ValueError, KeyError) as exc:
                problems.append(f"{string!r}: {exc}")
    assert not problems, "\n".join(problems)


def test_plural_forms_are_complete(english):
    assert english.num_plurals == 2
    for message in english:
        if message.pluralizable and message.string and any(message.string):
            assert len(message.string) == 2 and all(message.string), message.id


def test_compiled_catalogue_matches_the_po(english):
    """The app reads the .mo; a stale one shows Danish although the .po is translated."""
    from babel.messages.mofile import read_mo

    assert MO.exists(), "run `make translations`"
    with MO.open("rb") as fh:
        compiled = {_key(m.id): _strings(m.string) for m in read_mo(fh) if m.id}
    stale = [_key(m.id) for m in english
             if m.id and any(_strings(m.string)) and not m.fuzzy and compiled.get(_key(m.id)) != _strings(m.string)]
    assert not stale, f"{len(stale)} translations are not compiled; run `make translations`"


DANISH_WORDS = ["Gem", "Opret", "Annuller", "Forside", "Log ud", "Hovedmenu", "Søg", "Rediger", "Krav", "Tiltag",
                "Beredskabsplan", "Adgangskode", "Log ind", "Gå til sidens indhold"]


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def _danish_words_in(html: str) -> list[str]:
    text = _visible_text(html)
    return [w for w in DANISH_WORDS if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text)]


def _switch_to_english(client, next_url="/"):
    response = client.post("/konto/sprog", data={"language": "en", "next": next_url})
    assert response.status_code == 302


def test_login_page_in_english(client):
    assert "Log ind" in client.get("/konto/login").get_data(as_text=True)
    _switch_to_english(client, "/konto/login")
    html = client.get("/konto/login").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Log in" in html and "Password" in html
    assert _danish_words_in(html) == []


@pytest.mark.parametrize("url, english_text", [
    ("/", "Key figures"),
    ("/krav/", "Filter requirements"),
    ("/beredskab/", "Emergency plan"),
    ("/tiltag/", "Filter controls"),
    ("/krav/overblik", "Requirements overview"),
])
def test_pages_in_english_after_switching(client, login, catalogs, url, english_text):
    login("admin")
    assert _danish_words_in(client.get(url).get_data(as_text=True)) != []  # Danish until switched
    _switch_to_english(client, url)
    response = client.get(url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="en">' in html
    assert english_text in html
    assert _danish_words_in(html) == []


def test_language_choice_is_kept_after_logging_in_again(client, login):
    login("security")
    _switch_to_english(client)
    login("security")
    assert "Home" in client.get("/").get_data(as_text=True)


def test_template_gettext_formats_escapes_and_pluralises_in_the_readers_language(app):
    """Templates translate with Jinja's newstyle gettext: formatted, escaped and pluralised."""
    from flask import render_template_string
    from flask_babel import force_locale

    source = ("{{ _('Side %(page)d af %(pages)d', page=2, pages=3) }}|"
              "{{ _('%(first)s–%(last)s af %(total)s', first='<b>', last=1, total=2) }}|"
              "{{ ngettext('%(num)d dateret punkt', '%(num)d daterede punkter', 1) }}|"
              "{{ ngettext('%(num)d dateret punkt', '%(num)d daterede punkter', 4) }}|"
              "{{ 3000|number }}")
    with app.test_request_context("/"):
        assert render_template_string(source) == "Side 2 af 3|&lt;b&gt;–1 af 2|1 dateret punkt|4 daterede punkter|3.000"
    with app.test_request_context("/"), force_locale("en"):
        assert render_template_string(source) == "Page 2 of 3|&lt;b&gt;–1 of 2|1 dated item|4 dated items|3,000"


def test_python_ngettext_pluralises_in_the_readers_language(app):
    from register.core.i18n import force_locale, ngettext
    from register.incidents.services import describe_remaining
    import datetime as dt

    with app.test_request_context("/"):
        assert ngettext("%(num)d time", "%(num)d timer", 1) == "1 time"
        assert describe_remaining(dt.timedelta(days=-2, hours=-3)) == "overskredet med 2 døgn og 3 timer"
        with force_locale("en"):
            assert ngettext("%(num)d time", "%(num)d timer", 5) == "5 hours"
            assert describe_remaining(dt.timedelta(hours=1, minutes=5)) == "1 hour and 5 minutes left"


def test_a_forced_language_applies_inside_and_the_readers_language_after(app):
    """The Danish report is drawn for readers of any language: labels and lazy texts inside force_locale are
    Danish, and the reader's English is back afterwards (nothing translated inside is remembered for later)."""
    from flask import session

    from register.core.i18n import force_locale, language, lazy_gettext
    from register.requirements.models import ImplementationStatus

    heading = lazy_gettext("Krav")
    with app.test_request_context("/"):
        session["language"] = "en"
        assert (language(), str(heading), ImplementationStatus.PLANNED.label) == ("en", "Requirements", "Planned")
        with force_locale("da"):
            assert (language(), str(heading)) == ("da", "Krav")
            assert (ImplementationStatus.PLANNED.label, ImplementationStatus.PARTLY.label) == ("Planlagt", "Delvist")
        assert (language(), str(heading), ImplementationStatus.PARTLY.label) == ("en", "Requirements", "Partial")


def test_no_message_is_written_inside_an_f_string():
    """pybabel does not extract messages from f-strings: one written there drops out of the catalogue at the
    next `make extract`, and English readers see it in Danish."""
    import tokenize

    found = []
    for path in sorted((Path(__file__).resolve().parent.parent / "register").rglob("*.py")):
        with tokenize.open(path) as source:
            for token in tokenize.generate_tokens(source.readline):
                prefix = re.match(r"[A-Za-z]*", token.string).group().lower()
                if token.type == tokenize.STRING and "f" in prefix and re.search(
                        r"(?<![A-Za-z0-9_])(_|_l|gettext|ngettext|lazy_gettext)\(", token.string):
                    found.append(f"{path.name}:{token.start[0]}")
    assert found == []


def test_every_wtforms_message_has_a_danish_text_with_the_same_placeholders():
    """WTForms ships no Danish catalogue; ours (core.forms) must cover each message of the installed WTForms,
    so an upgrade that adds one shows up here rather than in English on a Danish page."""
    import wtforms

    from register.core.forms import DANISH_WTFORMS_MESSAGES

    with open(Path(wtforms.__file__).parent / "locale" / "wtforms.pot", "rb") as pot:
        catalog = read_po(pot)
    wanted = [text for message in catalog if message.id
              for text in (message.id if isinstance(message.id, tuple) else (message.id,))]
    assert wanted and not [text for text in wanted if text not in DANISH_WTFORMS_MESSAGES]
    for english, danish in DANISH_WTFORMS_MESSAGES.items():
        assert sorted(PLACEHOLDER.findall(english)) == sorted(PLACEHOLDER.findall(danish)), english


@pytest.mark.parametrize("language", ["da", "en"])
def test_number_and_date_formatters_write_what_babel_writes(app, language):
    """Lists format their figures and dates with functions that look the language up once; they write the
    same text as Babel's own formatting."""
    import datetime as dt

    from flask_babel import force_locale, format_date, format_decimal

    from register.core.i18n import date_formatter, number_filter, number_formatter

    with app.test_request_context(), force_locale(language):
        number, day = number_formatter(), date_formatter()
        for value in [0, 7, -7, 999, 1000, -1000, 45_000, 1_234_567, -98_765_432, 10**12, 2.5, -0.25]:
            assert number(value) == number_filter(value) == format_decimal(value), value
        for offset in range(0, 800, 17):
            date = dt.date(2025, 1, 1) + dt.timedelta(days=offset)
            assert day(date) == format_date(date, "medium")
        assert day(None) == ""


@pytest.mark.parametrize("language", ["da", "en"])
def test_datetime_formatter_writes_what_the_filter_writes_across_summer_time(app, language):
    import datetime as dt

    from flask_babel import force_locale

    from register.core.i18n import datetime_filter, datetime_formatter

    with app.test_request_context(), force_locale(language):
        when = datetime_formatter()
        start = dt.datetime(2025, 3, 29, 20, 0, tzinfo=dt.UTC)  # across the spring and autumn changes of 2025
        for hours in [*range(0, 30), *range(5000, 5050)]:
            moment = start + dt.timedelta(hours=hours, minutes=7 * hours % 60)
            assert when(moment) == datetime_filter(moment)
            assert when(moment.replace(tzinfo=None)) == datetime_filter(moment.replace(tzinfo=None))  # naive: UTC
        assert when(None) == ""
