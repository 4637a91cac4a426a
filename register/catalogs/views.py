"""Browse catalogues and read requirements."""
from flask import Blueprint, abort, render_template
from flask_babel import lazy_gettext as _l

from register.catalogs import loader, services
from register.catalogs.models import Requirement
from register.core.history import history_of
from register.core.permissions import Permission, requires
from register.core.templating import NavItem
from register.extensions import db

bp = Blueprint("catalogs", __name__, url_prefix="/kataloger")
bp.nav = [NavItem(10, _l("Krav"), "catalogs.index",
                  _l("NIS2, CIS Controls og beredskabskrav med kilde og placering."))]


@bp.route("/")
@requires(Permission.READ)
def index():
    return render_template("catalogs/index.html", catalogs=loader.catalog_summaries())


@bp.route("/<code>")
@requires(Permission.READ)
def catalog(code: str):
    cat = services.catalog_by_code(code) or abort(404)
    return render_template("catalogs/catalog.html", catalog=cat, requirements=services.catalog_requirements(cat))


@bp.route("/krav/<int:requirement_id>")
@requires(Permission.READ)
def requirement(requirement_id: int):
    req = db.session.get(Requirement, requirement_id) or abort(404)
    return render_template(
        "catalogs/requirement.html", req=req, path=services.requirement_path(req),
        children=services.children_of(req), mapped=services.mapped_requirements(req),
        history=history_of(db.session, Requirement, req.id))
