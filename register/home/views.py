"""The start page and the health check."""
from flask import Blueprint, current_app, jsonify, render_template

from register.core.permissions import Permission, public, requires
from register.core.templating import home_panels
from register.core.transactions import writes_on_get
from register.home import services

bp = Blueprint("home", __name__)


@bp.route("/")
@requires(Permission.READ)
def index():
    panels = [(panel.template, ctx) for panel in home_panels(current_app) if (ctx := panel.context()) is not None]
    return render_template("home/index.html", figures=services.overview(), panels=panels)


@bp.route("/tilgaengelighed")
@public
def accessibility():
    return render_template("home/accessibility.html", contact=current_app.config.get("ACCESSIBILITY_CONTACT"))


@bp.route("/healthz")
@public
@writes_on_get  # tries a write, and rolls it back
def healthz():
    ok, detail = services.database_ok()
    if ok:
        return jsonify(status="ok", database="ok")
    return jsonify(status="error", database=detail), 503
