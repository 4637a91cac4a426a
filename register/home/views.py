"""The start page and the health check."""
from flask import Blueprint, jsonify, render_template

from register.core.permissions import Permission, public, requires
from register.home import services

bp = Blueprint("home", __name__)


@bp.route("/")
@requires(Permission.READ)
def index():
    return render_template("home/index.html", figures=services.overview())


@bp.route("/healthz")
@public
def healthz():
    ok, detail = services.database_ok()
    if ok:
        return jsonify(status="ok", database="ok")
    return jsonify(status="error", database=detail), 503
