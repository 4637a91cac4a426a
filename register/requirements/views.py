"""The requirement list, a requirement's page, its assessment and evidence, bulk edit, dashboard, exports."""
import datetime as dt
from urllib.parse import parse_qs, urlencode

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup, escape
from wtforms import SelectChoice

from register.catalogs import loader
from register.catalogs import services as catalog_services
from register.catalogs.models import Requirement
from register.controls import services as control_services
from register.controls.hooks import StatusRollup
from register.core.concurrency import commit_or_refuse, save_versioned
from register.core.dates import local_today
from register.core.downloads import CSV, XLSX, attachment
from register.core.forms import ActionForm
from register.core.i18n import date_formatter, gettext as _, language, lazy_gettext as _l
from register.core.paging import page_arg
from register.core.permissions import Permission, requires
from register.core.templating import HomePanel, NavItem, badge, badges
from register.extensions import db
from register.organisation.services import unit_choices
from register.requirements import compliance, exports, services
from register.requirements.forms import (AssessmentForm, BulkEditForm, CatalogUploadForm, FileEvidenceForm,
                                         LinkControlForm, LinkEvidenceForm)
from register.requirements.links import link_sections
from register.requirements.models import (MATURITY_SCALE, ImplementationStatus, RequirementAssessment,
                                         RequirementEvidence)
from register.requirements.rollup import ROLLUP_RULE

bp = Blueprint("requirements", __name__, url_prefix="/krav")
bp.nav = [NavItem(10, _l("Krav"), "requirements.index",
                  _l("Alle krav med kommunens status, modenhed, ansvar og dokumentation; overblik og eksport."))]


def _home_panel() -> dict | None:
    total = compliance.compliance_totals(today=services.today())
    return {"compliance": total} if total.total else None


bp.home_panels = [HomePanel(10, "requirements/_home_panel.html", _home_panel)]
# A control saved, linked or unlinked: the requirements that take their status from it follow.
bp.status_rollup = StatusRollup(ROLLUP_RULE, services.refresh_rollups)


@bp.app_template_global()
def status_badge(assessment) -> Markup:
    """An assessment's status (or its absence) as a badge; a function, since the list draws one per row.
    Anything with `applicable` and `status` will do, such as a row of the requirement list."""
    if assessment and not assessment.applicable:
        return badge(_("Ikke relevant"), "neutral")
    if assessment and assessment.status:
        return badge(assessment.status)
    return badge(_("Ikke vurderet"), "neutral")


@bp.app_template_global()
def requirement_rows(rows, can_edit: bool, selected=None) -> Markup:
    """The requirement list's rows (rows of services._list_rows_by_id). A function rather than Jinja, with what
    the rows share prepared once (badges, the maturity scale's titles, the date format, the detail page's
    address): fifty rows each translated their texts and built their link again, most of the list's time."""
    status = badges(ImplementationStatus)
    not_relevant, not_assessed = badge(_("Ikke relevant"), "neutral"), badge(_("Ikke vurderet"), "neutral")
    from_controls = escape(_("(fra tiltag)"))  # no message inside an f-string: pybabel would not extract it
    from_controls = f' <span class="muted small">{from_controls}</span>'
    choose = Markup(_("Vælg %(ref)s"))  # as Jinja's gettext: the translation as markup, the reference escaped
    scale = {score: f'<abbr title="{escape(name)}: {escape(meaning)}">{score}</abbr>'
             for score, (name, meaning) in MATURITY_SCALE.items()}
    day = date_formatter()
    title = f"title_{language()}"  # as localized(): the language's title, else the Danish one
    detail = escape(url_for(".detail", requirement_id=0).removesuffix("0"))
    html = []
    for row in rows:
        checkbox = ""
        if can_edit:
            checked = " checked" if selected and row.id in selected else ""
            checkbox = (f'<td><input type="checkbox" class="row-select" name="ids" value="{row.id}" form="bulk-form" '
                        f'aria-label="{choose % {"ref": row.display_ref}}"{checked}></td>')
        if not row.applicable:
            state = not_relevant
        else:
            state = status[row.status] if row.status else not_assessed
        person = (f'<br><span class="muted small">{escape(row.responsible_person)}</span>'
                  if row.responsible_person else "")
        html.append(
            f"\n  <tr>\n    {checkbox}\n"
            f'    <td><span class="ref">{escape(row.display_ref)}</span><br><span class="muted small">'
            f"{escape(row.catalog_code)}</span></td>\n"
            f'    <td><a href="{detail}{row.id}">{escape(getattr(row, title, None) or row.title_da or "")}</a></td>\n'
            f"    <td>{escape(row.area_ref)}</td>\n"
            f"    <td>{state}{from_controls if row.status_from_controls else ''}</td>\n"
            f"    <td>{scale[row.maturity] if row.maturity is not None else ''}</td>\n"
            f"    <td>{escape(row.unit_name or '')}{person}</td>\n"
            f"    <td>{escape(day(row.next_review)) if row.next_review else ''}</td>\n"
            f'    <td class="num">{row.control_count or ""}</td>\n  </tr>')
    return Markup("".join(html))


@bp.app_template_global()
def figure_rows(rows, links=None) -> Markup:
    """The rows of a table of compliance figures (Figures, with a link per key in `links`): a function rather
    than Jinja, which spent a macro's loop and look-ups per cell on the overview's sixty-odd rows."""
    html = []
    for f in rows:
        label = escape(f.label)
        if links and f.key in links:
            label = f'<a href="{escape(links[f.key])}">{label}</a>'
        cells = "".join(f'\n    <td class="num">{count} <span class="muted">({percent} %)</span></td>\n    '
                        for count, percent in f.cells())
        html.append(f'\n  <tr>\n    <th scope="row">{label}</th>\n    <td class="num">{f.applicable}</td>\n    '
                    f'{cells}\n    <td class="num">{f.not_applicable}</td>\n    <td class="num">{f.overdue}</td>'
                    "\n  </tr>\n  ")
    return Markup("".join(html))


def _bulk_form(units: list[SelectChoice]) -> BulkEditForm:
    """The bulk edit form; `units` are the list filter's units (unit_choices()), read once for both selects."""
    form = BulkEditForm()
    form.unit.choices = [SelectChoice("", _("(uændret)")), *(choice for choice in units if choice.value)]
    return form


@bp.route("/")
@requires(Permission.READ)
def index():
    f = services.RequirementFilter.from_args(request.args)
    page = services.requirement_page(f)
    units = unit_choices()
    return render_template("requirements/index.html", f=f, page=page, catalogs=services.catalog_options(),
                           areas=services.area_options(f.catalog, f.area), units=units,
                           bulk=_bulk_form(units), statuses=ImplementationStatus, maturity_scale=MATURITY_SCALE)


@bp.route("/masseredigering", methods=["POST"])
@requires(Permission.EDIT_SECURITY)
def bulk_edit():
    units = unit_choices()
    form = _bulk_form(units)
    back = services.RequirementFilter.from_args(
        {k: v[0] for k, v in parse_qs(request.form.get("return_to", "")).items()})
    if form.validate_on_submit():
        change = services.BulkChange(
            status=ImplementationStatus(form.status.data) if form.status.data else None,
            unit_id=int(form.unit.data) if form.unit.data else None,
            next_review=form.next_review.data)
        saved = commit_or_refuse(lambda: services.bulk_update(form.ids.data, change), services.AssessmentError)
        if saved.done:
            flash(_("%(n)d krav er ændret.", n=saved.value), "success")
            return redirect(url_for(".index", **back.args()))
    page = services.requirement_page(back)
    return render_template("requirements/index.html", f=back, page=page, catalogs=services.catalog_options(),
                           areas=services.area_options(back.catalog, back.area), units=units, bulk=form,
                           statuses=ImplementationStatus, maturity_scale=MATURITY_SCALE,
                           selected={int(i) for i in form.ids.data or [] if str(i).isdigit()}), 422


def _requirement(requirement_id: int) -> Requirement:
    return db.session.get(Requirement, requirement_id) or abort(404)


def _requirement_and_assessment(requirement_id: int) -> tuple[Requirement, RequirementAssessment | None]:
    return services.requirement_with_assessment(requirement_id) or abort(404)


def _render_detail(requirement_id: int, status: int = 200, **forms):
    """The requirement's page; after a refused form (`forms`), with that form's errors and what was entered."""
    place, assessment = services.requirement_context(requirement_id) or abort(404)
    req = place.requirement
    link_form = forms.get("link_form") or LinkEvidenceForm(formdata=None)
    file_form = forms.get("file_form") or FileEvidenceForm(formdata=None)
    control_form = forms.get("control_form") or LinkControlForm(formdata=None)
    control_picker = control_services.control_picker()
    control_form.control_id.choices = control_picker.choices
    controls = control_services.controls_of(req.id)
    return render_template(
        "requirements/detail.html", req=req, assessment=assessment,
        can_assess=services.may_assess(current_user, req), today=local_today(),
        path=place.path, children=place.children, mapped=place.mapped, controls=controls,
        evidence=services.evidence_of(req.id), sections=link_sections(current_app, req.id),
        history=services.requirement_history(req, page_arg("historik"),
                                             known_titles={c.control.id: c.control.title for c in controls}),
        units=services.unit_names(),
        field_labels=services.FIELD_LABELS, describe=services.describe_value, maturity_scale=MATURITY_SCALE,
        rollup_rule=ROLLUP_RULE, link_form=link_form, file_form=file_form, control_form=control_form,
        control_picker=control_picker,
        action_form=ActionForm(), max_mb=services.max_upload_bytes() // (1024 * 1024),
        allowed_types=", ".join(sorted(services.ALLOWED_UPLOADS))), status


@bp.route("/<int:requirement_id>")
@requires(Permission.READ)
def detail(requirement_id: int):
    return _render_detail(requirement_id)


def _assessable(req: Requirement) -> Requirement:
    """403 unless the user may assess this requirement (preparedness: the preparedness catalogue only)."""
    if not services.may_assess(current_user, req):
        abort(403)
    return req


@bp.route("/<int:requirement_id>/vurdering", methods=["GET", "POST"])
@requires(Permission.ASSESS_REQUIREMENTS)
def assess(requirement_id: int):
    req, assessment = _requirement_and_assessment(requirement_id)
    _assessable(req)
    form = AssessmentForm(obj=assessment)
    form.responsible_unit_id.keep(assessment.responsible_unit_id if assessment else None)
    if not form.is_submitted():
        form.applicable.data = "no" if assessment and not assessment.applicable else "yes"
        form.status.data = assessment.status.value if assessment and assessment.status else ""
        form.maturity.data = str(assessment.maturity) if assessment and assessment.maturity is not None else ""
        form.responsible_unit_id.data = str(assessment.responsible_unit_id or "") if assessment else ""
    # An assessment made by someone else since this form was opened (on none) is a conflict too: it is read
    # afresh here, at version 1 or more, and the form says 0.
    saved = save_versioned(form, assessment, lambda: services.save_assessment(req, assessment, form.values()),
                           refused=services.AssessmentError, field="applicability_reason")
    if saved.done:
        flash(_("Vurderingen er gemt."), "success")
        return redirect(url_for(".detail", requirement_id=requirement_id))  # req.id would reload it
    return render_template("requirements/assess.html", req=req, form=form, conflict=saved.conflict,
                           maturity_scale=MATURITY_SCALE, rollup_rule=ROLLUP_RULE), saved.status


@bp.route("/<int:requirement_id>/dokumentation/link", methods=["POST"])
@requires(Permission.ASSESS_REQUIREMENTS)
def add_link(requirement_id: int):
    req = _assessable(_requirement(requirement_id))
    form = LinkEvidenceForm()
    if form.validate_on_submit():
        saved = commit_or_refuse(
            lambda: services.add_link_evidence(req, (form.title.data or "").strip(), form.url.data.strip()),
            services.EvidenceError, form, "url")
        if saved.done:
            flash(_("Linket er tilføjet."), "success")
            return redirect(url_for(".detail", requirement_id=req.id, _anchor="dokumentation"))
    return _render_detail(requirement_id, 422, link_form=form)


@bp.route("/<int:requirement_id>/dokumentation/fil", methods=["POST"])
@requires(Permission.ASSESS_REQUIREMENTS)
def add_file(requirement_id: int):
    req = _assessable(_requirement(requirement_id))
    form = FileEvidenceForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.stream.read(services.max_upload_bytes() + 1)
        saved = commit_or_refuse(
            lambda: services.add_file_evidence(req, (form.title.data or "").strip(), upload.filename, data),
            services.EvidenceError, form, "file")
        if saved.done:
            flash(_("Filen er gemt."), "success")
            return redirect(url_for(".detail", requirement_id=req.id, _anchor="dokumentation"))
    return _render_detail(requirement_id, 422, file_form=form)


@bp.route("/dokumentation/<int:evidence_id>")
@requires(Permission.READ)
def download(evidence_id: int):
    evidence = db.session.get(RequirementEvidence, evidence_id) or abort(404)
    if not evidence.stored_name:
        abort(404)
    path = services.evidence_file(evidence)
    if not path.is_file():
        abort(404)
    # Always a download, never rendered in the browser: an uploaded file cannot run as a page of ours.
    return attachment(path.read_bytes(), evidence.filename or "fil", "application/octet-stream")


@bp.route("/dokumentation/<int:evidence_id>/slet", methods=["POST"])
@requires(Permission.ASSESS_REQUIREMENTS)
def delete_evidence(evidence_id: int):
    evidence = db.session.get(RequirementEvidence, evidence_id) or abort(404)
    _assessable(_requirement(evidence.requirement_id))
    if not ActionForm().validate_on_submit():
        abort(400)
    requirement_id = evidence.requirement_id
    path = services.delete_evidence(evidence)
    db.session.commit()
    if path is not None:
        path.unlink(missing_ok=True)
    flash(_("Dokumentationen er slettet."), "success")
    return redirect(url_for(".detail", requirement_id=requirement_id, _anchor="dokumentation"))


@bp.route("/<int:requirement_id>/tiltag", methods=["POST"])
@requires(Permission.EDIT_SECURITY)
def link_control(requirement_id: int):
    req = _requirement(requirement_id)
    form = LinkControlForm()
    if form.validate_on_submit():
        control = db.session.get(control_services.Control, int(form.control_id.data)) or abort(404)
        saved = commit_or_refuse(
            lambda: control_services.link(control, req),
            control_services.ControlError, form, "control_id")
        if saved.done:
            flash(_("Tiltaget er tilknyttet."), "success")
            return redirect(url_for(".detail", requirement_id=req.id, _anchor="tiltag"))
    return _render_detail(requirement_id, 422, control_form=form)


@bp.route("/overblik")
@requires(Permission.READ)
def dashboard():
    as_of = None
    if request.args.get("as_of"):
        try:
            as_of = dt.date.fromisoformat(request.args["as_of"])
        except ValueError:
            flash(_("Ugyldig dato; viser status i dag."), "warning")
    today = services.today()
    chosen = request.args.get("omraader", "")

    catalogs = {c.id: c for c in services.catalog_options()}

    def shown_areas(catalog_figures, area_counts) -> list[int]:
        """Every catalogue's areas, unless there are too many to read: then one catalogue's at a time."""
        keys = [c.key for c in catalog_figures]
        if sum(area_counts.get(key, 0) for key in keys) > services.AREAS_ACROSS_CATALOGUES:
            keys = [key for key in keys if catalogs[key].code == chosen] or keys[:1]
        return keys

    overview = compliance.compliance_overview(as_of=as_of, today=today, overdue_limit=OVERDUE_SHOWN,
                                              areas_for=shown_areas)
    area_catalogs = shown_areas(overview.catalogs, overview.area_counts)
    # Each figure links to the list filtered to it: the list's address built once, each filter put to it.
    base = url_for(".index")
    links = {"catalogs": {c.key: f"{base}?{urlencode({'catalog': catalogs[c.key].code})}"
                          for c in overview.catalogs},
             "units": {u.key: f"{base}?{urlencode({'unit': u.key})}" for u in overview.units if u.key},
             "areas": {key: {a.key: f"{base}?{urlencode({'catalog': catalogs[key].code, 'area': a.key})}"
                             for a in overview.areas[key]} for key in area_catalogs}}
    return render_template("requirements/dashboard.html", as_of=as_of, overview=overview, catalogs=catalogs,
                           area_catalogs=area_catalogs, overdue_shown=OVERDUE_SHOWN, links=links)


OVERDUE_SHOWN = 20  # the oldest; the requirement list shows them all, paged


EXPORT_HEADERS = [_l("Katalog"), _l("Reference"), _l("Titel"), _l("Område"), _l("Relevant"),
                  _l("Begrundelse for relevans"), _l("Status"), _l("Status fra tiltag"), _l("Modenhed"),
                  _l("Ansvarlig enhed"), _l("Ansvarlig person"), _l("Næste gennemgang"), _l("Antal tiltag"),
                  _l("Noter")]


def _export_rows(f: services.RequirementFilter) -> list[list]:
    rows = []
    yes, no = _("Ja"), _("Nej")
    # Each status translated once, not once a row.
    labels = {None: _("Ikke vurderet"), **{s: str(s.label) for s in ImplementationStatus}}
    # Unpacked by position, in the order export_rows selects them: reading a row's values by name cost more
    # than building the export's row.
    for (catalog, ref, title, area_ref, area_title, applicable, reason, status, from_controls, maturity, unit,
         person, next_review, controls, notes) in services.export_rows(f):
        rows.append([catalog, ref, title, f"{area_ref} {area_title}".strip(), yes if applicable else no, reason,
                     labels[status], yes if from_controls else no, maturity, unit, person, next_review,
                     controls or 0, notes])
    return rows


@bp.route("/eksport.xlsx")
@requires(Permission.READ)
def export_xlsx():
    f = services.RequirementFilter.from_args(request.args)
    data = exports.xlsx_bytes(_("Krav"), [str(h) for h in EXPORT_HEADERS], _export_rows(f))
    return attachment(data, f"krav-{services.today().isoformat()}.xlsx", XLSX)


@bp.route("/eksport.csv")
@requires(Permission.READ)
def export_csv():
    f = services.RequirementFilter.from_args(request.args)
    data = exports.csv_bytes([str(h) for h in EXPORT_HEADERS], _export_rows(f))
    return attachment(data, f"krav-{services.today().isoformat()}.csv", CSV)


SOA_HEADERS = [_l("Reference"), _l("Titel"), _l("Område"), _l("Relevant"), _l("Begrundelse"), _l("Status"),
               _l("Tiltag"), _l("Ansvarlig enhed")]


@bp.route("/anvendelighed")
@requires(Permission.READ)
def applicability():
    catalogs = services.catalog_options()
    code = request.args.get("catalog") or (catalogs[0].code if catalogs else "")
    catalog = catalog_services.catalog_by_code(code) if code else None
    rows = services.applicability_statement(catalog) if catalog else []
    return render_template("requirements/applicability.html", catalogs=catalogs, catalog=catalog, rows=rows)


@bp.route("/anvendelighed.xlsx")
@requires(Permission.READ)
def applicability_xlsx():
    catalog = catalog_services.catalog_by_code(request.args.get("catalog", "")) or abort(404)
    rows = [[r.requirement.display_ref, r.requirement.title_da, r.area_label,
             _("Ja") if r.applicable else _("Nej"), r.reason, r.status_label, ", ".join(r.controls), r.unit]
            for r in services.applicability_statement(catalog)]
    data = exports.xlsx_bytes(_("Anvendelighed"), [str(h) for h in SOA_HEADERS], rows)
    return attachment(data, f"anvendelighedserklaering-{catalog.code}-{services.today().isoformat()}.xlsx", XLSX)


@bp.route("/kataloger/indlaes", methods=["GET", "POST"])
@requires(Permission.ADMINISTER)
def upload_catalog():
    form = CatalogUploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        raw = upload.stream.read()
        upload.close()  # a large upload is spooled to a temporary file: free it now, not at garbage collection
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            form.file.errors.append(_("Filen skal være UTF-8-kodet tekst (YAML)."))
        else:
            try:
                result = loader.load_text(text, upload.filename or "katalog.yaml")
            except loader.CatalogFileError as exc:
                db.session.rollback()  # all or nothing
                form.file.errors.append(_("Intet er indlæst. %(error)s", error=str(exc)))
            else:
                db.session.commit()
                if isinstance(result, loader.LoadResult):
                    flash(_("%(code)s version %(version)s: %(created)d nye, %(updated)d ændrede, %(retired)d udgåede, "
                            "%(unchanged)d uændrede krav.", code=result.code, version=result.version,
                            created=result.created, updated=result.updated, retired=result.retired,
                            unchanged=result.unchanged), "success")
                    return redirect(url_for("catalogs.catalog", code=result.code))
                flash(_("Koblinger: %(created)d nye, %(updated)d ændrede, %(unchanged)d uændrede.",
                        created=result.created, updated=result.updated, unchanged=result.unchanged), "success")
                return redirect(url_for("catalogs.index"))
    return render_template("requirements/upload_catalog.html", form=form), (422 if form.errors else 200)
