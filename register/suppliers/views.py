"""The supplier register: list, a supplier's page, its form, services, links, reviews and exports."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from markupsafe import Markup, escape

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
from register.core.templating import NavItem, PageSection, badges
from register.extensions import db
from register.organisation.models import Unit
from register.organisation.services import unit_choices
from register.requirements.exports import csv_bytes, xlsx_bytes
from register.suppliers import services
from register.suppliers.forms import LinkForm, ReviewForm, ServiceForm, SupplierForm
from register.suppliers.models import Criticality, ReviewResult, Supplier, SupplierService

bp = Blueprint("suppliers", __name__, url_prefix="/leverandoerer")
bp.nav = [NavItem(27, _l("Leverandører"), "suppliers.index",
                  _l("Leverandører og deres systemer: kritikalitet, aftaler, forpligtelser og tilsyn."))]
bp.risk_sections = [PageSection(10, "suppliers/_risk_section.html",
                               lambda risk_id: {"suppliers": services.suppliers_of_risk(risk_id)})]

ATTENTION = {"review_due": _l("Gennemgang mangler eller forfalder inden for 90 dage"),
             "contract_ending": _l("Kontrakten udløber inden for 90 dage"),
             "no_dpa": _l("Mangler databehandleraftale")}


@bp.app_template_global()
def supplier_rows(rows: list[services.SupplierRow]) -> Markup:
    """The supplier list's rows. A function rather than Jinja, with the badges and the date format prepared
    once for the fifty rows: translating and formatting them per row was most of the list's time."""
    criticality, results, day = badges(Criticality), badges(ReviewResult), date_formatter()
    html = []
    for row in rows:
        s = row.supplier
        reviewed = ""
        if s.last_reviewed_on:
            result = results[s.last_review_result] if s.last_review_result else ""
            reviewed = f"{escape(day(s.last_reviewed_on))} {result}"
        html.append(
            f'<tr>\n<td><a href="{url_for("suppliers.detail", supplier_id=s.id)}">{escape(s.name)}</a></td>\n'
            f"<td>{escape(', '.join(row.services))}</td>\n<td>{criticality[s.criticality]}</td>\n"
            f"<td>{escape(s.unit_name or '')}</td>\n<td>{escape(day(s.contract_ends_on))}</td>\n"
            f"<td>{reviewed}</td>\n<td>{escape(day(s.next_review_on))}</td>\n"
            f"<td>{escape(', '.join(row.notes))}</td>\n</tr>\n")
    return Markup("".join(html))


def _filter() -> services.SupplierFilter:
    return services.SupplierFilter(criticality=request.args.get("criticality", ""), unit_id=int_arg("unit"),
                                   attention=request.args.get("attention", ""),
                                   q=(request.args.get("q") or "").strip()[:200])


@bp.route("/")
@requires(Permission.READ)
def index():
    f, today = _filter(), local_today()
    return render_template("suppliers/index.html", page=services.list_suppliers(f, page_arg(), today), f=f,
                           filters=f.args(), criticalities=Criticality, attention_choices=ATTENTION,
                           units=unit_choices())


def _supplier(supplier_id: int) -> Supplier:
    return db.session.get(Supplier, supplier_id) or abort(404)


def _link_forms() -> dict:
    forms = {}
    for kind, chooser in {"tiltag": control_services.control_picker(), "risici": services.risk_picker()}.items():
        form = LinkForm(formdata=None, prefix=kind)
        form.target_id.choices = chooser.choices
        forms[kind] = (form, chooser)
    return forms


def _render_detail(supplier: Supplier, service_form=None, review_form=None, status: int = 200):
    today = local_today()
    if review_form is None:
        review_form = ReviewForm(formdata=None)
        review_form.reviewed_on.data = today
    owner = db.session.get(Unit, supplier.owner_unit_id) if supplier.owner_unit_id else None
    return render_template(
        "suppliers/detail.html", supplier=supplier, owner=owner, services=services.services_of(supplier.id),
        links=services.links_of(supplier.id), reviews=services.reviews_of(supplier.id),
        notes=services.attention(supplier, today), link_forms=_link_forms(),
        service_form=service_form or ServiceForm(formdata=None), review_form=review_form,
        action_form=ActionForm(), history=history_page(Supplier, supplier.id)), status


@bp.route("/<int:supplier_id>")
@requires(Permission.READ)
def detail(supplier_id: int):
    return _render_detail(_supplier(supplier_id))


def _form(supplier: Supplier | None) -> SupplierForm:
    form = SupplierForm(obj=supplier)
    form.owner_unit_id.keep(supplier.owner_unit_id if supplier else None)
    if not form.is_submitted():
        form.version.data = supplier.version if supplier else 0
        if supplier is not None:
            form.owner_unit_id.data = str(supplier.owner_unit_id or "")
            form.criticality.data = supplier.criticality.value
        else:
            form.criticality.data = Criticality.MEDIUM.value
    return form


@bp.route("/ny", methods=["GET", "POST"])
@requires(Permission.EDIT_SECURITY)
def create():
    form = _form(None)
    if form.validate_on_submit():
        supplier = Supplier()
        saved = commit_or_refuse(
            lambda: services.save_supplier(supplier, form.values()),
            services.SupplierError, form, "name")
        if saved.done:
            flash(_("Leverandøren er oprettet."), "success")
            return redirect(url_for(".detail", supplier_id=supplier.id))
    return render_template("suppliers/form.html", form=form, supplier=None), (422 if form.errors else 200)


@bp.route("/<int:supplier_id>/rediger", methods=["GET", "POST"])
@requires(Permission.EDIT_SECURITY)
def edit(supplier_id: int):
    supplier = _supplier(supplier_id)
    form = _form(supplier)
    saved = save_versioned(form, supplier, lambda: services.save_supplier(supplier, form.values()),
                           refused=services.SupplierError, field="name")
    if saved.done:
        flash(_("Ændringerne er gemt."), "success")
        return redirect(url_for(".detail", supplier_id=supplier_id))
    return render_template("suppliers/form.html", form=form, supplier=supplier,
                           conflict=saved.conflict), saved.status


@bp.route("/<int:supplier_id>/ydelser", methods=["POST"])
@requires(Permission.EDIT_SECURITY)
def add_service(supplier_id: int):
    supplier = _supplier(supplier_id)
    form = ServiceForm()
    if form.validate_on_submit():
        services.add_service(supplier, form.name.data, form.description.data, Criticality(form.criticality.data))
        db.session.commit()
        flash(_("Systemet eller ydelsen er tilføjet."), "success")
        return redirect(url_for(".detail", supplier_id=supplier_id, _anchor="ydelser"))
    return _render_detail(supplier, service_form=form, status=422)


@bp.route("/<int:supplier_id>/ydelser/<int:service_id>/fjern", methods=["POST"])
@requires(Permission.EDIT_SECURITY)
def remove_service(supplier_id: int, service_id: int):
    supplier = _supplier(supplier_id)
    service = db.session.get(SupplierService, service_id)
    if service is None or service.supplier_id != supplier_id:
        abort(404)
    if ActionForm().validate_on_submit():
        services.remove_service(supplier, service)
        db.session.commit()
        flash(_("Systemet eller ydelsen er fjernet."), "success")
    return redirect(url_for(".detail", supplier_id=supplier_id, _anchor="ydelser"))


@bp.route("/<int:supplier_id>/kobling/<kind>", methods=["POST"])
@requires(Permission.EDIT_SECURITY)
def link(supplier_id: int, kind: str):
    supplier = _supplier(supplier_id)
    if kind not in services.LINK_KINDS:
        abort(404)
    form = LinkForm(prefix=kind)
    form.target_id.model = services.LINK_KINDS[kind].target
    return link_view(form, lambda target_id, note: services.link(supplier, kind, target_id, note),
                     services.SupplierError, url_for(".detail", supplier_id=supplier_id, _anchor=kind))


@bp.route("/<int:supplier_id>/kobling/<kind>/<int:link_id>/fjern", methods=["POST"])
@requires(Permission.EDIT_SECURITY)
def unlink(supplier_id: int, kind: str, link_id: int):
    supplier = _supplier(supplier_id)
    if kind not in services.LINK_KINDS:
        abort(404)
    return unlink_view(supplier, "supplier_id", services.LINK_KINDS[kind], link_id,
                       url_for(".detail", supplier_id=supplier_id, _anchor=kind))


@bp.route("/<int:supplier_id>/gennemgang", methods=["POST"])
@requires(Permission.EDIT_SECURITY)
def review(supplier_id: int):
    supplier = _supplier(supplier_id)
    form = ReviewForm()
    if form.validate_on_submit():
        saved = commit_or_refuse(
            lambda: services.record_review(supplier, form.reviewed_on.data, form.reviewed_by.data,
                                           ReviewResult(form.result.data), form.note.data, form.next_review_on.data),
            services.SupplierError, form, "reviewed_on")
        if saved.done:
            flash(_("Gennemgangen er registreret."), "success")
            return redirect(url_for(".detail", supplier_id=supplier_id, _anchor="gennemgange"))
    return _render_detail(_supplier(supplier_id), review_form=form, status=422)


EXPORT_HEADERS = [_l("ID"), _l("Navn"), _l("CVR-nummer"), _l("Kritikalitet"), _l("Ansvarlig enhed"),
                  _l("Systemer og ydelser"), _l("Kontaktperson"), _l("Kontakt-e-mail"), _l("Kontrakt indgået"),
                  _l("Kontrakten udløber"), _l("Behandler personoplysninger"), _l("Databehandleraftale indgået"),
                  _l("Hændelsesunderretning"), _l("Sikkerhedskrav"), _l("Revisionsret"),
                  _l("Godkendelse af underleverandører"), _l("Øvrige forpligtelser"), _l("Senest gennemgået"),
                  _l("Resultat"), _l("Næste gennemgang")]


def _export_rows() -> list[list]:
    yes, no = _("Ja"), _("Nej")
    rows = []
    for row in services.all_suppliers(_filter(), local_today()):
        s = row.supplier.Supplier
        rows.append([s.id, s.name, s.cvr, s.criticality.label, row.supplier.unit_name, ", ".join(row.services),
                     s.contact_name, s.contact_email, s.contract_signed_on, s.contract_ends_on,
                     yes if s.processes_personal_data else no, s.dpa_signed_on,
                     *[yes if flag else no for flag in (s.obliged_incident_notice, s.obliged_security_requirements,
                                                        s.obliged_audit_right, s.obliged_subcontractor_approval)],
                     s.obligations_note, s.last_reviewed_on,
                     s.last_review_result.label if s.last_review_result else None, s.next_review_on])
    return rows


@bp.route("/eksport.xlsx")
@requires(Permission.READ)
def export_xlsx():
    data = xlsx_bytes(_("Leverandører"), [str(h) for h in EXPORT_HEADERS], _export_rows())
    return attachment(data, f"leverandoerer-{local_today().isoformat()}.xlsx", XLSX)


@bp.route("/eksport.csv")
@requires(Permission.READ)
def export_csv():
    data = csv_bytes([str(h) for h in EXPORT_HEADERS], _export_rows())
    return attachment(data, f"leverandoerer-{local_today().isoformat()}.csv", CSV)
