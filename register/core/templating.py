"""What every template can use: the navigation, the municipality's name, badge tones."""
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, g
from flask_login import current_user

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


def municipality_name() -> str:
    """The root unit's name, else the configured name; looked up once per request."""
    if "municipality_name" not in g:
        from register.organisation.services import root_unit_name

        g.municipality_name = root_unit_name()
    return g.municipality_name


def register(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")

    @app.context_processor
    def inject():
        visible = [item for item in nav_items(app)
                   if item.permission is None or (current_user.is_authenticated and current_user.can(item.permission))]
        return {"nav_items": visible, "municipality_name": municipality_name, "Permission": Permission}
