"""Browse the organisation and (administrators) maintain it."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for

from register.core.concurrency import save_versioned
from register.core.history import history_page
from register.core.i18n import gettext as _, lazy_gettext as _l
from register.core.permissions import Permission, requires
from register.core.templating import NavItem
from register.extensions import db
from register.organisation import services
from register.organisation.forms import UnitForm
from register.organisation.models import Unit, UnitKind

bp = Blueprint("organisation", __name__, url_prefix="/organisation")
bp.nav = [NavItem(90, _l("Organisation"), "organisation.index",
                  _l("Direktørområder, centre og afdelinger med leder og kontakt."))]


@bp.route("/")
@requires(Permission.READ)
def index():
    forest = services.unit_tree()
    return render_template("organisation/index.html", nodes=services.flatten(forest))


@bp.route("/<int:unit_id>")
@requires(Permission.READ)
def detail(unit_id: int):
    unit = db.session.get(Unit, unit_id) or abort(404)
    children = [u for u in services.all_units() if u.parent_id == unit.id]
    return render_template("organisation/detail.html", unit=unit, path=services.ancestors(unit),
                           children=children, history=history_page(Unit, unit.id))


def _form(unit: Unit | None) -> UnitForm:
    form = UnitForm(obj=unit)
    form.parent_id.keep(unit.parent_id if unit else None)
    if unit is not None and not form.is_submitted():
        form.parent_id.data = str(unit.parent_id or "")
        form.version.data = unit.version
    return form


def _save(form: UnitForm, unit: Unit) -> None:
    parent_id = int(form.parent_id.data) if form.parent_id.data else None
    services.check_parent(unit, parent_id)
    form.populate_obj(unit)
    unit.parent_id = parent_id
    unit.kind = UnitKind(form.kind.data)
    for field in ("leader_name", "contact_email", "contact_phone"):
        setattr(unit, field, (getattr(unit, field) or "").strip() or None)


@bp.route("/ny", methods=["GET", "POST"])
@requires(Permission.ADMINISTER)
def create():
    form = _form(None)
    if not form.is_submitted():
        form.version.data = 0
    if form.validate_on_submit():
        unit = Unit(name="", kind=UnitKind.DEPARTMENT)
        try:
            _save(form, unit)
        except services.UnitError as exc:
            form.parent_id.errors.append(str(exc))
        else:
            db.session.add(unit)
            db.session.commit()
            flash(_("Enheden er oprettet."), "success")
            return redirect(url_for(".detail", unit_id=unit.id))
    return render_template("organisation/form.html", form=form, unit=None), (422 if form.errors else 200)


@bp.route("/<int:unit_id>/rediger", methods=["GET", "POST"])
@requires(Permission.ADMINISTER)
def edit(unit_id: int):
    unit = db.session.get(Unit, unit_id) or abort(404)
    form = _form(unit)
    saved = save_versioned(form, unit, lambda: _save(form, unit), refused=services.UnitError, field="parent_id")
    if saved.done:
        flash(_("Ændringerne er gemt."), "success")
        return redirect(url_for(".detail", unit_id=unit_id))
    return render_template("organisation/form.html", form=form, unit=unit, conflict=saved.conflict), saved.status
