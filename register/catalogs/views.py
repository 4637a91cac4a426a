"""Browse catalogues and read requirements."""
from flask import Blueprint, abort, redirect, render_template, url_for

from register.catalogs import loader, services
from register.catalogs.models import Requirement
from register.core.i18n import lazy_gettext as _l
from register.core.permissions import Permission, requires
from register.core.templating import NavItem
from register.extensions import db

bp = Blueprint("catalogs", __name__, url_prefix="/kataloger")
bp.nav = [NavItem(80, _l("Kataloger"), "catalogs.index",
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
    """A requirement's one page (text, assessment, links, history) lives with the requirements."""
    req = db.session.get(Requirement, requirement_id) or abort(404)
    return redirect(url_for("requirements.detail", requirement_id=req.id), 301)
