"""Controls (tiltag): list, read, create, edit, and link to requirements."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from register.controls import services
from register.controls.forms import ControlForm, LinkRequirementForm
from register.controls.hooks import status_rollup
from register.controls.models import Control, ControlRequirement, ControlStatus
from register.core.concurrency import commit_or_refuse, save_versioned
from register.core.dates import local_today
from register.core.forms import ActionForm
from register.core.history import history_page
from register.core.i18n import gettext as _, lazy_gettext as _l
from register.core.paging import page_arg
from register.core.params import int_arg
from register.core.permissions import Permission, requires
from register.core.templating import NavItem, badge, page_sections
from register.extensions import db
from register.organisation.models import Unit
from register.organisation.services import unit_choices

bp = Blueprint("controls", __name__, url_prefix="/tiltag")
bp.nav = [NavItem(20, _l("Tiltag"), "controls.index",
                  _l("Det kommunen gør for at opfylde kravene: ansvar, status og frist."))]


@bp.route("/")
@requires(Permission.READ)
def index():
    status = request.args.get("status", "")
    unit = int_arg("unit")
    q = (request.args.get("q") or "").strip()[:200]
    overdue = request.args.get("overdue") == "1"
    today = local_today()
    page = services.list_controls(status, unit, q, page_arg(), overdue_on=today if overdue else None)
    filters = {k: v for k, v in {"status": status, "unit": unit, "q": q, "overdue": "1" if overdue else ""}.items()
               if v}
    return render_template("controls/index.html", page=page, filters=filters, status=status,
                           unit=unit, q=q, overdue=overdue, today=today, overdue_count=services.overdue_count(today),
                           statuses=ControlStatus, units=unit_choices(),
                           status_badges={s: badge(s) for s in ControlStatus})  # each status's text once, not per row


def _control(control_id: int) -> Control:
    return db.session.get(Control, control_id) or abort(404)


def _render_detail(control: Control, link_form: LinkRequirementForm | None = None, status: int = 200):
    owner = None
    if control.owner_unit_id:
        owner = db.session.get(Unit, control.owner_unit_id)
    return render_template(
        "controls/detail.html", control=control, owner=owner, requirements=services.requirements_of(control),
        sections=page_sections(current_app, "control_sections", control.id),
        history=history_page(Control, control.id), link_form=link_form or LinkRequirementForm(formdata=None),
        action_form=ActionForm(), rollup=status_rollup(current_app), today=local_today()), status


@bp.route("/<int:control_id>")
@requires(Permission.READ)
def detail(control_id: int):
    return _render_detail(_control(control_id))


def _form(control: Control | None) -> ControlForm:
    form = ControlForm(obj=control)
    form.owner_unit_id.keep(control.owner_unit_id if control else None)
    if not form.is_submitted():
        form.version.data = control.version if control else 0
        if control is not None:
            form.owner_unit_id.data = str(control.owner_unit_id or "")
            form.status.data = control.status.value
        else:
            form.status.data = ControlStatus.PLANNED.value
    return form


@bp.route("/ny", methods=["GET", "POST"])
@requires(Permission.EDIT_SECURITY)
def create():
    form = _form(None)
    if form.validate_on_submit():
        control = services.save_control(Control(), form.values())
        db.session.commit()
        flash(_("Tiltaget er oprettet."), "success")
        return redirect(url_for(".detail", control_id=control.id))
    return render_template("controls/form.html", form=form, control=None), (422 if form.errors else 200)


@bp.route("/<int:control_id>/rediger", methods=["GET", "POST"])
@requires(Permission.EDIT_SECURITY)
def edit(control_id: int):
    control = _control(control_id)
    form = _form(control)
    saved = save_versioned(form, control, lambda: services.save_control(control, form.values()))
    if saved.done:
        flash(_("Ændringerne er gemt."), "success")
        return redirect(url_for(".detail", control_id=control_id))  # control.id would reload it
    return render_template("controls/form.html", form=form, control=control, conflict=saved.conflict), saved.status


@bp.route("/<int:control_id>/krav", methods=["POST"])
@requires(Permission.EDIT_SECURITY)
def link_requirement(control_id: int):
    control = _control(control_id)
    form = LinkRequirementForm()
    if form.validate_on_submit():
        def link():
            requirement = services.find_requirement(form.requirement.data)
            services.link(control, requirement, (form.note.data or "").strip())
            return requirement

        saved = commit_or_refuse(link, services.ControlError, form, "requirement")
        if saved.done:
            flash(_("Kravet %(ref)s er tilknyttet.", ref=saved.value.display_ref), "success")
            return redirect(url_for(".detail", control_id=control.id, _anchor="krav"))
    return _render_detail(control, form, 422)


@bp.route("/kobling/<int:link_id>/slet", methods=["POST"])
@requires(Permission.EDIT_SECURITY)
def unlink(link_id: int):
    item = db.session.get(ControlRequirement, link_id) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    control_id, requirement_id = item.control_id, item.requirement_id
    services.unlink(item)
    db.session.commit()
    flash(_("Koblingen er fjernet."), "success")
    if request.form.get("back") == "requirement":
        return redirect(url_for("requirements.detail", requirement_id=requirement_id, _anchor="tiltag"))
    return redirect(url_for(".detail", control_id=control_id, _anchor="krav"))
