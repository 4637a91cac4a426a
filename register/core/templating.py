"""What every template can use: the navigation, the municipality's name, badge tones."""
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, g, request, url_for
from flask_login import current_user
from markupsafe import Markup, escape

from register.core.hooks import hooks
from register.core.i18n import language
from register.core.memo import per_request
from register.core.permissions import Permission


@dataclass(frozen=True)
class NavItem:
    """A part of the register, linked from the header and the start page."""

    order: int
    label: object  # lazy string
    endpoint: str
    description: object = ""
    permission: object = None  # shown only to users who may use it


@dataclass(frozen=True)
class HomePanel:
    """A part's box on the start page: `context()` returns the template's variables, or None to hide it."""

    order: int
    template: str
    context: Callable[[], dict | None]


def home_panels(app: Flask) -> list[HomePanel]:
    panels = [panel for bp in app.blueprints.values() for panel in getattr(bp, "home_panels", ())]
    return sorted(panels, key=lambda panel: panel.order)


def nav_items(app: Flask) -> list[NavItem]:
    items = [item for bp in app.blueprints.values() for item in getattr(bp, "nav", ())]
    return sorted(items, key=lambda item: item.order)


@dataclass(frozen=True)
class NavLink:
    """A NavItem as one user sees it: translated, its address built."""

    url: str
    label: str
    description: str
    blueprint: str


NAV_LINKS_KEPT = 64  # menus kept per process: roles x languages x script roots, normally 8


def nav_links(app: Flask) -> list[NavLink]:
    """The parts this user may use. Built once per role and language: every page draws the menu, and building
    it afresh (a url_for and a translation per item) cost about a millisecond a page."""
    if not current_user.is_authenticated:
        return []
    built: dict = app.extensions.setdefault("register.nav_links", {})  # per role, language and script root
    key = (current_user.role, current_user.active, language(), request.script_root)
    try:
        return built[key]
    except KeyError:
        pass
    links = [NavLink(url_for(item.endpoint), str(item.label), str(item.description), item.endpoint.split(".")[0])
             for item in nav_items(app) if item.permission is None or current_user.can(item.permission)]
    if len(built) >= NAV_LINKS_KEPT:  # the script root comes from a request header behind a proxy: stay bounded
        built.clear()
    built[key] = links
    return links


def badge(value, tone: str | None = None) -> Markup:
    """A status as a badge: always its text; the colour (`tone`, else the value's own) only repeats it.

    A function rather than a Jinja macro: lists draw one or two per row, and a macro call costs about ten
    times as much.
    """
    tone = tone or getattr(value, "tone", None) or "neutral"
    return Markup(f'<span class="badge badge-{escape(tone)}">{escape(getattr(value, "label", value))}</span>')


_SENTINEL = 2_000_000_000  # an id no table reaches, so it cannot be mistaken for another part of the address


def _address_pattern(endpoint: str, names: tuple) -> str | None:
    """The endpoint's address with a {0}, {1}... where each integer argument goes, or None if it cannot be
    made one (an argument that is not a plain path segment, or braces in the address)."""
    url = url_for(endpoint, **{name: _SENTINEL + i for i, name in enumerate(names)})
    if "{" in url or "}" in url:
        return None
    for i in range(len(names)):
        if url.count(str(_SENTINEL + i)) != 1:
            return None
        url = url.replace(str(_SENTINEL + i), "{%d}" % i)
    return url


def row_url(endpoint: str, **ids) -> str:
    """url_for for a list row's link by integer ids: the address is built by Werkzeug once per endpoint and
    request, and each row's ids are put into it (a list draws hundreds of links at about 15 µs each)."""
    if not all(type(value) is int for value in ids.values()):
        return url_for(endpoint, **ids)
    memo = per_request()
    key = ("row_url", endpoint, tuple(ids))
    try:
        pattern = memo[key]
    except KeyError:
        pattern = memo[key] = _address_pattern(endpoint, tuple(ids))
    return pattern.format(*ids.values()) if pattern is not None else url_for(endpoint, **ids)


def page_url(arg: str, number: int, anchor: str | None = None) -> str:
    """This page's own address with page `number` of one of its lists in `?arg=` (a record's history, one
    list of several), its other arguments kept, scrolled to `anchor`."""
    path_args = request.view_args or {}
    # An argument named like a path part or like url_for's own (_anchor, _external...) is not passed on: it
    # would clash with them or change how the address is built.
    args = {name: values for name, values in request.args.lists()
            if name != arg and name not in path_args and not name.startswith("_")}
    if number > 1:
        args[arg] = [str(number)]
    return url_for(request.endpoint, **path_args, **args, _anchor=anchor)


def municipality_name() -> str:
    """The root unit's name, else the configured name; looked up once per request."""
    if "municipality_name" not in g:
        g.municipality_name = hooks().municipality_name()
    return g.municipality_name


def register(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")

    @app.context_processor
    def inject():
        return {"nav_links": nav_links(app), "municipality_name": municipality_name, "Permission": Permission}

    app.jinja_env.globals["badge"] = badge
    app.jinja_env.globals["row_url"] = row_url
    app.jinja_env.globals["page_url"] = page_url
    from register.core.rows import drawn_rows

    app.jinja_env.globals["drawn_rows"] = drawn_rows
