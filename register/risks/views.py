"""The risk register: list with heat map, a risk's page, its form, links, reviews, acceptances and exports."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from markupsafe import Markup, escape

from register.catalogs import services as catalog_services
from register.controls import services as control_services
from register.core.concurrency import commit_or_refuse, save_versioned
from register.core.dates import local_today
from register.core.downloads import CSV, XLSX, attachment
from register.core.forms import ActionForm
from register.core.history import history_page
from register.core.i18n import date_formatter, gettext as _, lazy_gettext as _l
from register.core.paging import page_arg
from register.core.params import int_arg
from register.core.permissions import Permission, requires
from register.core.record_links import link_view, unlink_view
from register.core.templating import NavItem, badge, badges, page_sections
from register.extensions import db
from register.organisation.models import Unit
from register.organisation.services import unit_choices
from register.requirements.exports import csv_bytes, xlsx_bytes
from register.requirements.links import LinkedItem, LinkProvider
from register.risks import services
from register.risks.forms import AcceptanceForm, LinkForm, ReviewForm, RiskForm
from register.risks.models import AcceptanceBody, Risk, RiskSource, RiskStatus, Treatment

bp = Blueprint("risks", __name__, url_prefix="/risici")
bp.nav = [NavItem(25, _l("Risici"), "risks.index",
                  _l("Cyber- og beredskabsrisici (RSV): vurdering, behandling, accept og risikomatrix."))]



@bp.app_template_global()
def risk_rows(items: list[services.RiskRow], words: dict) -> Markup:
    """The risk list's rows. A function rather than Jinja, with the badges, labels and date format prepared
    once for the fifty rows: each row drew four badges, and translating them per row was a third of the page."""
    levels, sources, statuses = badges(services.Level), badges(RiskSource), badges(RiskStatus)
    treatments, day = Treatment.labels(), date_formatter()

    def level(value) -> str:
        return levels.get(value) or badge(value)

    html = []
    for item in items:
        r = item.risk
        closed = f" {statuses[r.status]}" if r.status == RiskStatus.CLOSED else ""
        if r.residual_likelihood:
            residual = f"{r.residual_likelihood} × {r.residual_consequence} {level(item.current)}"
        else:
            residual = f'<span class="muted">{escape(words["not_assessed"])}</span>'
        review = escape(day(r.next_review_on)) if r.next_review_on else ""
        if item.review_overdue:
            review += f" {words['overdue']}"
        html.append(
            f'<tr><td><a href="{url_for("risks.detail", risk_id=r.id)}">{escape(r.title)}</a>{closed}</td>'
            f"<td>{sources[r.source]}</td><td>{escape(r.unit_name)}</td>"
            f"<td>{r.inherent_likelihood} × {r.inherent_consequence} {level(item.inherent)}</td><td>{residual}</td>"
            f"<td>{escape(treatments[r.treatment]) if r.treatment else ''}</td><td>{review}</td></tr>\n")
    return Markup("".join(html))


def requirement_risks(risks: list[Risk]) -> list[LinkedItem]:
    """The requirement page's section of risks that concern the requirement."""
    the_scale = services.scale()
    return [LinkedItem(r.title, url_for("risks.detail", risk_id=r.id), the_scale.level(*services.current(r)),
                       r.source.label) for r in risks]


bp.requirement_links = [LinkProvider(85, _l("Risici, der vedrører kravet"), Risk, services.risks_linked,
                                     requirement_risks, _l("Ingen risici er knyttet til kravet."))]


def _filter() -> services.RiskFilter:
    status = request.args.get("status", "open")
    return services.RiskFilter(
        source=request.args.get("source", ""), status="" if status == "alle" else status, unit_id=int_arg("unit"),
        treatment=request.args.get("treatment", ""), level=request.args.get("level", ""),
        likelihood=int_arg("l", 1, 100), consequence=int_arg("c", 1, 100),
        q=(request.args.get("q") or "").strip()[:200])


@bp.route("/")
@requires(Permission.READ)
def index():
    f = _filter()
    heat = services.heat_map(f)
    cell_args = {k: v for k, v in f.args().items() if k not in ("l", "c")}
    base = url_for(".index", **cell_args)  # one address for every cell, each cell's rating put in
    joiner = "&" if "?" in base else "?"
    for row in heat.rows:
        for cell in row:
            cell.url = f"{base}{joiner}l={cell.likelihood}&c={cell.consequence}#liste"
    return render_template("risks/index.html", page=services.list_risks(f, page_arg(), local_today()), f=f,
                           filters=f.args(), cell_args=cell_args, heat=heat, scale=services.scale(),
                           sources=RiskSource, statuses=RiskStatus, treatments=Treatment, levels=services.Level,
                           units=unit_choices())


def _risk(risk_id: int) -> Risk:
    return db.session.get(Risk, risk_id) or abort(404)


def _link_forms() -> dict:
    forms = {}
    pickers = {"tiltag": control_services.control_picker(), "fund": services.finding_picker(),
               "krav": catalog_services.requirement_picker()}
    for kind, chooser in pickers.items():
        form = LinkForm(formdata=None, prefix=kind)
        form.target_id.choices = chooser.choices
        forms[kind] = (form, chooser)
    return forms


def _render_detail(risk: Risk, review_form=None, acceptance_form=None, status: int = 200):
    today = local_today()
    acceptances = services.acceptances_of(risk.id)
    if review_form is None:
        review_form = ReviewForm(formdata=None)
        review_form.reviewed_on.data = today
    if acceptance_form is None:
        acceptance_form = AcceptanceForm(formdata=None)
        acceptance_form.decided_on.data = today
    return render_template(
        "risks/detail.html", risk=risk, owner=db.session.get(Unit, risk.owner_unit_id), scale=services.scale(),
        current=services.current(risk), links=services.links_of(risk.id), reviews=services.reviews_of(risk.id),
        sections=page_sections(current_app, "risk_sections", risk.id),
        acceptances=acceptances, acceptance=services.acceptance_state(risk, acceptances, today),
        overdue=services.review_overdue(risk, today), link_forms=_link_forms(), review_form=review_form,
        acceptance_form=acceptance_form, action_form=ActionForm(), history=history_page(Risk, risk.id)), status


@bp.route("/<int:risk_id>")
@requires(Permission.READ)
def detail(risk_id: int):
    return _render_detail(_risk(risk_id))


def _form(risk: Risk | None) -> RiskForm:
    form = RiskForm(obj=risk)
    form.set_scale(services.scale())
    form.owner_unit_id.keep(risk.owner_unit_id if risk else None)
    if not form.is_submitted():
        form.version.data = risk.version if risk else 0
        if risk is not None:
            form.owner_unit_id.data = str(risk.owner_unit_id)
            form.source.data = risk.source.value
            form.status.data = risk.status.value
            form.treatment.data = risk.treatment.value if risk.treatment else ""
            for name in ("inherent_likelihood", "inherent_consequence", "residual_likelihood",
                         "residual_consequence"):
                value = getattr(risk, name)
                form[name].data = str(value) if value else ""
        else:
            form.source.data = request.args.get("source", RiskSource.CYBER.value)
            form.status.data = RiskStatus.OPEN.value
    return form


def _save(form: RiskForm, risk: Risk) -> None:
    services.save_risk(risk, form.values())


@bp.route("/ny", methods=["GET", "POST"])
@requires(Permission.EDIT_SECURITY)
def create():
    form = _form(None)
    if form.validate_on_submit():
        risk = Risk()
        saved = commit_or_refuse(lambda: _save(form, risk), services.RiskError, form, "title")
        if saved.done:
            flash(_("Risikoen er oprettet."), "success")
            return redirect(url_for(".detail", risk_id=risk.id))
    return render_template("risks/form.html", form=form, risk=None), (422 if form.errors else 200)


@bp.route("/<int:risk_id>/rediger", methods=["GET", "POST"])
@requires(Permission.EDIT_SECURITY)
def edit(risk_id: int):
    risk = _risk(risk_id)
    form = _form(risk)
    saved = save_versioned(form, risk, lambda: _save(form, risk), refused=services.RiskError, field="title")
    if saved.done:
        flash(_("Ændringerne er gemt."), "success")
        return redirect(url_for(".detail", risk_id=risk_id))
    return render_template("risks/form.html", form=form, risk=risk, conflict=saved.conflict), saved.status


@bp.route("/<int:risk_id>/kobling/<kind>", methods=["POST"])
@requires(Permission.EDIT_SECURITY)
def link(risk_id: int, kind: str):
    risk = _risk(risk_id)
    if kind not in services.LINK_KINDS:
        abort(404)
    form = LinkForm(prefix=kind)
    form.target_id.model = services.LINK_KINDS[kind].target
    return link_view(form, lambda target_id, note: services.link(risk, kind, target_id, note), services.RiskError,
                     url_for(".detail", risk_id=risk_id, _anchor=kind))


@bp.route("/<int:risk_id>/kobling/<kind>/<int:link_id>/fjern", methods=["POST"])
@requires(Permission.EDIT_SECURITY)
def unlink(risk_id: int, kind: str, link_id: int):
    risk = _risk(risk_id)
    if kind not in services.LINK_KINDS:
        abort(404)
    return unlink_view(risk, "risk_id", services.LINK_KINDS[kind], link_id,
                       url_for(".detail", risk_id=risk_id, _anchor=kind))


@bp.route("/<int:risk_id>/gennemgang", methods=["POST"])
@requires(Permission.EDIT_SECURITY)
def review(risk_id: int):
    risk = _risk(risk_id)
    form = ReviewForm()
    if form.validate_on_submit():
        saved = commit_or_refuse(
            lambda: services.record_review(risk, form.reviewed_on.data, form.reviewed_by.data, form.note.data,
                                           form.next_review_on.data),
            services.RiskError, form, "reviewed_on")
        if saved.done:
            flash(_("Gennemgangen er registreret."), "success")
            return redirect(url_for(".detail", risk_id=risk_id, _anchor="gennemgange"))
    return _render_detail(_risk(risk_id), review_form=form, status=422)


@bp.route("/<int:risk_id>/accept", methods=["POST"])
@requires(Permission.EDIT_SECURITY)
def accept(risk_id: int):
    risk = _risk(risk_id)
    form = AcceptanceForm()
    if form.validate_on_submit():
        saved = commit_or_refuse(
            lambda: services.record_acceptance(risk, AcceptanceBody(form.body.data), form.body_name.data,
                                               form.decided_on.data, form.reference.data, form.valid_until.data,
                                               form.note.data),
            services.RiskError, form, "decided_on")
        if saved.done:
            flash(_("Accepten er registreret."), "success")
            return redirect(url_for(".detail", risk_id=risk_id, _anchor="accept"))
    return _render_detail(_risk(risk_id), acceptance_form=form, status=422)


EXPORT_HEADERS = [_l("ID"), _l("Titel"), _l("Kilde"), _l("Status"), _l("Ansvarlig enhed"),
                  _l("Sandsynlighed (iboende)"), _l("Konsekvens (iboende)"), _l("Iboende niveau"),
                  _l("Sandsynlighed (restrisiko)"), _l("Konsekvens (restrisiko)"), _l("Restrisikoens niveau"),
                  _l("Behandling"), _l("Begrundelse for behandlingen"), _l("Senest gennemgået"),
                  _l("Næste gennemgang"), _l("Beskrivelse")]


def _export_rows() -> list[list]:
    the_scale = services.scale()
    rows = []
    for r in services.all_risks(_filter()):
        inherent = the_scale.level(r.inherent_likelihood, r.inherent_consequence)
        lk, cq = services.current(r)
        rows.append([r.id, r.title, r.source.label, r.status.label, r.unit_name, r.inherent_likelihood,
                     r.inherent_consequence, inherent.label if inherent else None, lk, cq,
                     the_scale.level(lk, cq).label, r.treatment.label if r.treatment else None, r.treatment_note,
                     r.last_reviewed_on, r.next_review_on, r.description])
    return rows


@bp.route("/eksport.xlsx")
@requires(Permission.READ)
def export_xlsx():
    data = xlsx_bytes(_("Risici"), [str(h) for h in EXPORT_HEADERS], _export_rows())
    return attachment(data, f"risici-{local_today().isoformat()}.xlsx", XLSX)


@bp.route("/eksport.csv")
@requires(Permission.READ)
def export_csv():
    data = csv_bytes([str(h) for h in EXPORT_HEADERS], _export_rows())
    return attachment(data, f"risici-{local_today().isoformat()}.csv", CSV)
