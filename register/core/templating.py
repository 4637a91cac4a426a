"""What every template can use: the navigation, the municipality's name, badge tones."""
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, g, request, url_for
from flask_login import current_user
from markupsafe import Markup, escape

from register.core.hooks import hooks
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


@dataclass(frozen=True)
class PageSection:
    """A part's section on another part's record page (a control's incidents, a risk's suppliers), so that the
    page's part need not import the part above it: `context(record_id)` returns the template's variables, which
    it reads as `section`."""

    order: int
    template: str
    context: Callable[[int], dict]


def page_sections(app: Flask, attribute: str, record_id: int) -> list[tuple[str, dict]]:
    """(template, its variables) of the sections the blueprints list under `attribute`, in order."""
    sections = sorted((s for bp in app.blueprints.values() for s in getattr(bp, attribute, ())),
                      key=lambda s: s.order)
    return [(s.template, s.context(record_id)) for s in sections]


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


def nav_links(app: Flask) -> list[NavLink]:
    """The parts this user may use."""
    if not current_user.is_authenticated:
        return []
    return [NavLink(url_for(item.endpoint), str(item.label), str(item.description), item.endpoint.split(".")[0])
            for item in nav_items(app) if item.permission is None or current_user.can(item.permission)]


def badge(value, tone: str | None = None) -> Markup:
    """A status as a badge: always its text; the colour (`tone`, else the value's own) only repeats it.

    A function rather than a Jinja macro: lists draw one or two per row, and a macro call costs about ten
    times as much.
    """
    tone = tone or getattr(value, "tone", None) or "neutral"
    return Markup(f'<span class="badge badge-{escape(tone)}">{escape(getattr(value, "label", value))}</span>')


def badges(enum) -> dict:
    """Every member of a labelled enum as its badge, each label translated once: for lists that draw a badge
    per row, where `badge` would look up the same translation again and again."""
    return {member: badge(member) for member in enum}


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
    app.jinja_env.globals["badges"] = badges
    app.jinja_env.globals["page_url"] = page_url
