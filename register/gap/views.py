"""Gap-analyse: assessments, scores per CIS control, findings, import and the action plan."""
import datetime as dt

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_login import current_user
from markupsafe import Markup, escape
from wtforms import SelectChoice

from register.catalogs.forms import picked_requirement, requirement_pick_section
from register.catalogs.models import Catalog, Requirement
from register.core.concurrency import EditConflict, save_versioned
from register.core.dates import local_today
from register.core.downloads import XLSX, attachment
from register.core.history import history_page
from register.core.i18n import date_formatter, gettext as _, lazy_gettext as _l, localized, number_formatter
from register.core.paging import count_rows, page_arg
from register.core.params import int_arg
from register.core.picker import CHOOSE_IN_FORM_UP_TO
from register.core.permissions import Permission, requires
from register.core.templating import HomePanel, NavItem, badges
from register.extensions import db
from register.gap import export, importer, priority, services
from register.gap.forms import AssessmentForm, ConfirmImportForm, FindingForm, ImportForm, ScoresForm
from register.gap.models import (Assessment, AssessorKind, CostLevel, Finding, FindingSource, FindingStatus,
                                 ImplementationGroup, Priority, Severity, is_overdue, maturity_scale)
from register.requirements.links import LinkedItem, LinkProvider

bp = Blueprint("gap", __name__, url_prefix="/gap-analyse")
bp.nav = [NavItem(30, _l("Gap-analyse"), "gap.index",
                  _l("Modenhed pr. CIS-kontrol, fund fra gap-analyser og handlingsplanen, som direktionen følger."))]

GROUPINGS = {"enhed": "unit", "kontrol": "control", "prioritet": "priority"}
STATUS_FILTERS = {"aabne": "open", "alle": "all", "lukkede": "closed"}  # Danish URL word -> service word


def _today() -> dt.date:
    return local_today()


def home_panel() -> dict | None:
    """The start-page box: action-plan progress and the latest assessment's maturity."""
    progress = services.action_plan_progress(_today())
    latest = db.session.execute(
        sa.select(Assessment.id, Assessment.name).order_by(Assessment.assessed_on.desc(), Assessment.id.desc())
        .limit(1)).first()
    if latest is None and progress.total == 0:
        return None
    summary = services.maturity_summary(
        services.maturity_by_control(db.session.get(Assessment, latest.id))) if latest else None
    return {"gap_progress": progress, "gap_latest": latest, "gap_summary": summary}


bp.home_panels = [HomePanel(30, "gap/_home_panel.html", home_panel)]


class FindingRows:
    """Draws the rows of a page's findings tables. What every row shares (the badges, the overdue mark, the
    date and number formats) is prepared once per page; a function rather than Jinja, since the action plan
    draws fifty rows and the template's rows were a fifth of the page's time."""

    def __init__(self, today: dt.date, show_unit: bool, controls: dict[int, list[str]] | None):
        self.today, self.show_unit, self.controls = today, show_unit, controls
        self.priority, self.severity, self.status = badges(Priority), badges(Severity), badges(FindingStatus)
        self.cost = CostLevel.labels()
        self.day, self.number = date_formatter(), number_formatter()
        # no message inside an f-string: pybabel would not extract it
        overridden, overdue = escape(_("tilsidesat")), escape(_("Overskredet"))
        self.overridden = f' <span class="muted">({overridden})</span>'
        self.overdue = f' <span class="badge badge-error">{overdue}</span>'

    def __call__(self, findings) -> Markup:
        return Markup("".join(self.row(f) for f in findings))

    def row(self, f) -> str:
        """A Finding, or a plain row with its columns (services.PLAN_ROW)."""
        overdue = is_overdue(f.status, f.due_on, self.today)
        effective = priority.effective_priority(f.priority_override, f.severity, f.cost)
        cells = [f"<td>{self.priority[effective]}{self.overridden if f.priority_override else ''}</td>",
                 f'<td class="ref">{escape(f.external_id or "")}</td>',
                 f'<td><a href="{url_for("gap.finding", finding_id=f.id)}">{escape(f.title)}</a></td>']
        if self.controls is not None:
            cells.append(f"<td>{escape(', '.join(self.controls.get(f.id, [])) or '—')}</td>")
        cells.append(f"<td>{self.severity[f.severity]}</td>")
        if self.controls is not None:
            if f.cost_estimate_dkk is not None:
                amount = f"{self.number(f.cost_estimate_dkk)} kr."
            else:
                amount = f'<span class="muted">{escape(self.cost[f.cost])}</span>' if f.cost else "—"
            cells.append(f'<td class="num plan-amount">{amount}</td>')
        if self.show_unit:
            cells.append(f"<td>{escape(f.unit_name or '—')}</td>")
        cells += [f"<td>{escape(f.owner or '—')}</td>",
                  f"<td>{escape(self.day(f.due_on)) if f.due_on else '—'}{self.overdue if overdue else ''}</td>",
                  f"<td>{self.status[f.status]}</td>"]
        opening = '<tr class="overdue">' if overdue else "<tr>"
        return f"{opening}{''.join(cells)}</tr>\n"


bp.add_app_template_global(FindingRows, "finding_rows")


def requirement_findings(findings: list[Finding]) -> list[LinkedItem]:
    """The requirement page's section of findings on the requirement."""
    return [LinkedItem(f.title, url_for("gap.finding", finding_id=f.id), f.status,
                       _("prioritet %(p)s", p=f.priority.label)
                       + (_(", frist %(d)s", d=format_date(f.due_on, "d. MMM y")) if f.due_on else ""))
            for f in findings]


bp.requirement_links = [LinkProvider(60, _l("Fund på handlingsplanen"), Finding, services.findings_linked,
                                     requirement_findings, _l("Ingen fund vedrører kravet."))]


# --- Overview and assessments ---------------------------------------------------------------------

@bp.route("/")
@requires(Permission.READ)
def index():
    return render_template("gap/index.html", assessments=services.assessments(),
                           progress=services.action_plan_progress(_today()))


def _assessment_or_404(assessment_id: int) -> Assessment:
    return db.session.get(Assessment, assessment_id) or abort(404)


def _assessment_form(assessment: Assessment | None) -> AssessmentForm:
    form = AssessmentForm(obj=assessment)
    if assessment is None:
        form.start_from.choices = [SelectChoice("", _l("Ingen – start forfra"))] + [
            SelectChoice(str(a.id), f"{a.name} ({a.assessed_on.isoformat()})") for a in services.assessments()]
        if not form.is_submitted():
            form.version.data = 0
            form.start_from.data = request.args.get("fra", "")
    else:
        del form.start_from
        if not form.is_submitted():
            form.version.data = assessment.version
    return form


def _fill_assessment(form: AssessmentForm, assessment: Assessment) -> None:
    assessment.name = form.name.data.strip()
    assessment.assessed_on = form.assessed_on.data
    assessment.assessor_kind = AssessorKind(form.assessor_kind.data)
    assessment.assessor_name = (form.assessor_name.data or "").strip() or None
    assessment.method = form.method.data.strip()
    assessment.scope = (form.scope.data or "").strip() or None


@bp.route("/vurderinger/ny", methods=["GET", "POST"])
@requires(Permission.EDIT_SECURITY)
def create_assessment():
    form = _assessment_form(None)
    if form.validate_on_submit():
        start_from = db.session.get(Assessment, int(form.start_from.data)) if form.start_from.data else None
        assessment = Assessment()
        _fill_assessment(form, assessment)
        services.create_assessment(assessment, start_from)
        db.session.commit()
        flash(_("Vurderingen er oprettet. Scorerne fra „%(name)s“ er kopieret og skal bekræftes.",
                name=start_from.name) if start_from else _("Vurderingen er oprettet."), "success")
        return redirect(url_for(".assessment", assessment_id=assessment.id))
    return render_template("gap/assessment_form.html", form=form, assessment=None), (422 if form.errors else 200)


@bp.route("/vurderinger/<int:assessment_id>")
@requires(Permission.READ)
def assessment(assessment_id: int):
    item = _assessment_or_404(assessment_id)
    rows = services.maturity_by_control(item)
    previous = db.session.get(Assessment, item.previous_id) if item.previous_id else None
    return render_template(
        "gap/assessment.html", assessment=item, rows=rows, summary=services.maturity_summary(rows),
        scale=maturity_scale(), previous=previous, others=[a for a in services.assessments() if a.id != item.id],
        findings=services.assessment_findings(item.id, page_arg()), today=_today(),
        history=history_page(Assessment, item.id))


@bp.route("/vurderinger/<int:assessment_id>/rediger", methods=["GET", "POST"])
@requires(Permission.EDIT_SECURITY)
def edit_assessment(assessment_id: int):
    item = _assessment_or_404(assessment_id)
    form = _assessment_form(item)
    saved = save_versioned(form, item, lambda: _fill_assessment(form, item))
    if saved.done:
        flash(_("Ændringerne er gemt."), "success")
        return redirect(url_for(".assessment", assessment_id=assessment_id))
    return (render_template("gap/assessment_form.html", form=form, assessment=item, conflict=saved.conflict),
            saved.status)


@bp.route("/vurderinger/<int:assessment_id>/modenhed", methods=["GET", "POST"])
@requires(Permission.EDIT_SECURITY)
def edit_scores(assessment_id: int):
    item = _assessment_or_404(assessment_id)
    rows = services.maturity_by_control(item)
    if not rows:
        flash(_("CIS Controls-kataloget er ikke indlæst; der er ingen kontroller at score."), "error")
        return redirect(url_for(".assessment", assessment_id=item.id))
    form = ScoresForm()
    if not form.is_submitted():
        for row in rows:
            score = row.score
            form.rows.append_entry({
                "requirement_id": row.requirement.id, "version": score.version if score else 0,
                "current_level": "" if row.current is None else str(row.current),
                "target_level": "" if row.target is None else str(row.target),
                "implementation_group": (score.implementation_group.value
                                         if score and score.implementation_group else ""),
                "justification": score.justification if score else "", "confirm": False})
    by_id = {row.requirement.id: row for row in rows}
    conflict = None
    if form.validate_on_submit():
        try:
            inputs = [_score_input(entry.form) for entry in form.rows]
            if {i.requirement_id for i in inputs} - by_id.keys():
                abort(400)
            changed = services.save_scores(item, inputs)
        except EditConflict as exc:
            conflict = exc.changes
            db.session.rollback()
            current = {s.requirement_id: s.version for s in services.scores_of(item)}
            for entry in form.rows:  # a second save, after reading what changed, applies the user's input
                entry.form.version.data = current.get(_row_id(entry.form), 0)
        else:
            db.session.commit()
            flash(_("Modenheden er gemt (%(n)d kontroller ændret eller bekræftet).", n=changed), "success")
            return redirect(url_for(".assessment", assessment_id=item.id))
    entries = [(entry, by_id.get(_row_id(entry.form))) for entry in form.rows]
    status = 409 if conflict is not None else (422 if form.errors else 200)
    return render_template("gap/scores_form.html", form=form, assessment=item, entries=entries,
                           scale=maturity_scale(), conflict=conflict), status


def _row_id(sub) -> int:
    """The row's control id as posted; a tampered value matches no row instead of failing."""
    value = str(sub.requirement_id.data or "")
    return int(value) if value.isdigit() and len(value) < 10 else 0


def _score_input(sub) -> services.ScoreInput:
    try:
        requirement_id = int(sub.requirement_id.data)
        version = int(sub.version.data or 0)
    except (TypeError, ValueError):
        abort(400)
    return services.ScoreInput(
        requirement_id=requirement_id,
        current_level=int(sub.current_level.data) if sub.current_level.data else None,
        target_level=int(sub.target_level.data) if sub.target_level.data else None,
        implementation_group=(ImplementationGroup(sub.implementation_group.data)
                              if sub.implementation_group.data else None),
        justification=(sub.justification.data or "").strip() or None,
        confirm=bool(sub.confirm.data), version=version)


@bp.route("/sammenlign")
@requires(Permission.READ)
def compare():
    choices = services.assessments()
    first = db.session.get(Assessment, int_arg("fra") or 0)
    second = db.session.get(Assessment, int_arg("til") or 0)
    pages = {name: page_arg(arg) for name, arg in COMPARISON_PAGE_ARGS.items()}
    comparison = services.compare_assessments(first, second, pages) \
        if first and second and first.id != second.id else None
    return render_template("gap/compare.html", assessments=choices, comparison=comparison, first=first,
                           second=second, today=_today(), page_args=COMPARISON_PAGE_ARGS)


# Each of the comparison's three lists is paged on its own; the Danish words name the page in the address.
COMPARISON_PAGE_ARGS = {"closed": "lukkede", "opened": "nye", "still_open": "aabne"}


# --- Import ---------------------------------------------------------------------------------------

@bp.route("/import/skabelon.xlsx")
@requires(Permission.READ)
def import_template():
    return attachment(importer.template_xlsx(), "fund-skabelon.xlsx", XLSX)


@bp.route("/vurderinger/<int:assessment_id>/import", methods=["GET", "POST"])
@requires(Permission.EDIT_SECURITY)
def import_findings(assessment_id: int):
    item = _assessment_or_404(assessment_id)
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read()
        upload.close()  # a large upload is spooled to a temporary file: free it now, not at garbage collection
        try:
            plan = importer.plan_import(data, upload.filename, item)
        except importer.ImportFileError as exc:
            form.file.errors.append(str(exc))
        else:
            keep = plan.ok or bool(plan.unplaced)  # unplaced columns are placed on the kept file
            token = importer.store_upload(data, upload.filename, current_user.id) if keep else None
            return _preview(item, plan, token, upload.filename)
    return render_template("gap/import.html", form=form, assessment=item), (422 if form.errors else 200)


def _preview(item: Assessment, plan: importer.ImportPlan, token: str | None, filename: str):
    confirm = ConfirmImportForm(formdata=None, token=token)
    field_choices = [(name, label) for name, (label, _variants) in importer.COLUMNS.items()]
    return render_template("gap/import_preview.html", assessment=item, plan=plan, confirm=confirm,
                           filename=filename, priority_of=importer.computed_priority,
                           field_choices=field_choices, ignore=importer.IGNORE), (200 if plan.ok else 422)


def _replanned_upload(item: Assessment, form: ConfirmImportForm):
    """(data, filename, plan) of the user's stored upload, planned again; or a redirect saying why not."""
    kept = importer.stored_upload(form.token.data, current_user.id) if form.validate_on_submit() else None
    if kept is None:
        flash(_("Importen er udløbet eller allerede gennemført. Indlæs filen igen."), "error")
        return redirect(url_for(".import_findings", assessment_id=item.id))
    data, filename = kept
    try:
        return data, filename, importer.plan_import(data, filename, item)
    except importer.ImportFileError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".import_findings", assessment_id=item.id))


@bp.route("/vurderinger/<int:assessment_id>/import/kolonner", methods=["POST"])
@requires(Permission.EDIT_SECURITY)
def place_import_columns(assessment_id: int):
    """The user says what each unplaced column holds (or to ignore it); the choice is kept for the source."""
    item = _assessment_or_404(assessment_id)
    form = ConfirmImportForm()
    replanned = _replanned_upload(item, form)
    if not isinstance(replanned, tuple):
        return replanned
    data, filename, plan = replanned
    allowed = set(importer.COLUMNS) | {importer.IGNORE}
    choices = {column.key: request.form.get(f"kolonne_{column.index}", "") for column in plan.unplaced}
    importer.remember_columns(plan.source, {k: v for k, v in choices.items() if v in allowed})
    db.session.commit()
    plan = importer.plan_import(data, filename, item)
    if not (plan.ok or plan.unplaced):
        importer.discard_upload(form.token.data, current_user.id)
        return _preview(item, plan, None, filename)
    return _preview(item, plan, form.token.data, filename)


@bp.route("/vurderinger/<int:assessment_id>/import/bekraeft", methods=["POST"])
@requires(Permission.EDIT_SECURITY)
def confirm_import(assessment_id: int):
    item = _assessment_or_404(assessment_id)
    form = ConfirmImportForm()
    replanned = _replanned_upload(item, form)  # again: the data may have changed since the preview
    if not isinstance(replanned, tuple):
        return replanned
    _data, filename, plan = replanned
    if not plan.ok:
        return _preview(item, plan, form.token.data, filename)
    result = importer.apply_import(plan, item)
    db.session.commit()
    importer.discard_upload(form.token.data, current_user.id)
    flash(_("Importen er gennemført: %(created)d oprettet, %(updated)d opdateret, %(unchanged)d uændret.",
            **result), "success")
    return redirect(url_for(".assessment", assessment_id=item.id))


# --- Action plan ----------------------------------------------------------------------------------

def _plan_args() -> tuple[str, str]:
    grouping = request.args.get("gruppering", "enhed")
    status = request.args.get("status", "aabne")
    return (grouping if grouping in GROUPINGS else "enhed", status if status in STATUS_FILTERS else "aabne")


def _plan_groups(grouping: str, status: str):
    items = services.findings(status=STATUS_FILTERS[status])
    return items, services.group_findings(items, GROUPINGS[grouping], str(_l("Ingen ansvarlig enhed")),
                                          str(_l("Ingen CIS-kontrol angivet")))


@bp.route("/handlingsplan")
@requires(Permission.READ)
def action_plan():
    grouping, status = _plan_args()
    no_unit = str(_l("Ingen ansvarlig enhed"))
    # the units' names and figures serve both the kr. by unit and, grouped by unit, the groups' sizes
    names, by_unit = services.unit_names(), services.unit_figures(STATUS_FILTERS[status], _today())
    page, groups = services.action_plan_page(
        GROUPINGS[grouping], STATUS_FILTERS[status], page_arg(), _today(), no_unit,
        str(_l("Ingen CIS-kontrol angivet")), names, by_unit)
    progress, amounts = services.plan_figures(STATUS_FILTERS[status], _today(), no_unit, names, by_unit)
    return render_template("gap/action_plan.html", groups=groups, page=page, grouping=grouping,
                           status=status, today=_today(), progress=progress,
                           matrix=priority.matrix_rows(), cost_levels=list(CostLevel), amounts=amounts,
                           controls=services.cis_labels(f.id for f in page.items))


@bp.route("/handlingsplan.xlsx")
@requires(Permission.READ)
def action_plan_xlsx():
    grouping, status = _plan_args()
    _items, groups = _plan_groups(grouping, status)
    title = {"enhed": _("Gruppe (enhed)"), "kontrol": _("Gruppe (CIS-kontrol)"),
             "prioritet": _("Gruppe (prioritet)")}[grouping]
    amounts = services.plan_amounts(STATUS_FILTERS[status], str(_l("Ingen ansvarlig enhed")))
    data = export.action_plan_xlsx(groups, _today(), title, amounts)
    name = f"handlingsplan-{_today().isoformat()}.xlsx"
    return attachment(data, name, XLSX)


# --- Findings -------------------------------------------------------------------------------------

@bp.route("/fund/<int:finding_id>")
@requires(Permission.READ)
def finding(finding_id: int):
    item = services.load_finding(finding_id) or abort(404)
    return render_template("gap/finding.html", finding=item, today=_today(), cis=services.cis_refs(item),
                           source=services.finding_source(current_app, item),
                           others=services.other_refs(item), matrix=priority.matrix_rows(),
                           cost_levels=list(CostLevel), history=history_page(Finding, item.id),
                           **requirement_pick_section(current_user.can(Permission.EDIT_SECURITY),
                                                      exclude_catalog=services.CIS_CATALOG))


@bp.route("/fund/<int:finding_id>/krav", methods=["POST"])
@requires(Permission.EDIT_SECURITY)
def link_finding_requirement(finding_id: int):
    item = services.load_finding(finding_id) or abort(404)
    requirement_id = picked_requirement()
    if requirement_id is not None:
        if services.link_requirement(item, requirement_id):
            db.session.commit()
            flash(_("Kravet er knyttet til fundet."), "success")
        else:
            flash(_("Kravet er allerede knyttet til fundet."), "info")
    return redirect(url_for(".finding", finding_id=finding_id, _anchor="krav"))


def _requirement_choices(linked: set[int]) -> tuple[list[SelectChoice], list[SelectChoice], int]:
    """The CIS controls, and the other requirements: every one while there are few, else only those already
    linked (more are found by search on the finding's page, so the form does not grow with the catalogues).
    The third value is how many other requirements there are."""
    cis = Catalog.code == services.CIS_CATALOG
    base = (sa.select(Requirement.id, Requirement.display_ref, Requirement.title_da, Requirement.title_en,
                      Requirement.depth, Catalog.code, Catalog.title_da.label("catalog_title_da"),
                      Catalog.title_en.label("catalog_title_en"))
            .join(Catalog, Requirement.catalog_id == Catalog.id).where(Requirement.retired.is_(False))
            .order_by(Catalog.sort_order, Requirement.position))
    others_total = count_rows(
        sa.select(Requirement.id).join(Catalog, Requirement.catalog_id == Catalog.id)
        .where(Requirement.retired.is_(False), ~cis))
    # By the catalogue's id, not its code: the database then reads the CIS controls and the linked requirements
    # from indexes instead of scanning every requirement.
    cis_id = sa.select(Catalog.id).where(Catalog.code == services.CIS_CATALOG).scalar_subquery()
    shown = sa.and_(Requirement.catalog_id == cis_id, Requirement.depth == 0)
    if others_total <= CHOOSE_IN_FORM_UP_TO:
        shown = sa.or_(shown, ~cis)
    if linked:  # a linked requirement is always offered, so saving the form never drops it unseen
        shown = sa.or_(shown, Requirement.id.in_(linked))
    controls, others = [], []
    for row in db.session.execute(base.where(shown)):
        label = f"{row.display_ref} {localized(row, 'title')}"
        if row.code == services.CIS_CATALOG and row.depth == 0:
            controls.append(SelectChoice(str(row.id), label))
        else:
            others.append(SelectChoice(str(row.id), label, optgroup=localized(row, "catalog_title")))
    return controls, others, others_total


def _finding_form(item: Finding | None) -> FindingForm:
    form = FindingForm(obj=item)
    linked = {link.requirement_id for link in item.requirement_links} if item else set()
    form.controls.choices, form.requirements.choices, others_total = _requirement_choices(linked)
    # Thousands of requirements: the form keeps the linked ones; more are searched for on the finding's page.
    form.requirements.as_checkboxes = others_total > CHOOSE_IN_FORM_UP_TO
    form.unit_id.keep(item.unit_id if item else None)
    form.assessment_id.choices = [SelectChoice("", _l("Ingen (fund fra anden kilde)"))] + [
        SelectChoice(str(a.id), a.name) for a in services.assessments()]
    if form.is_submitted():
        return form
    if item is None:
        form.version.data = 0
        form.assessment_id.data = request.args.get("vurdering", "")
        form.identified_on.data = _today()
        return form
    form.version.data = item.version
    form.controls.data = [c.value for c in form.controls.choices if int(c.value) in linked]
    form.requirements.data = [c.value for c in form.requirements.choices if int(c.value) in linked]
    form.assessment_id.data = str(item.assessment_id or "")
    form.unit_id.data = str(item.unit_id or "")
    form.severity.data = item.severity.value
    form.cost.data = item.cost.value if item.cost else ""
    form.priority_override.data = item.priority_override.value if item.priority_override else ""
    form.status.data = item.status.value
    return form


def _fill_finding(form: FindingForm, item: Finding) -> None:
    item.external_id = (form.external_id.data or "").strip() or None
    for name in ("title", "description", "effort", "owner", "closure_evidence", "priority_override_reason"):
        setattr(item, name, (getattr(form, name).data or "").strip() or None)
    item.assessment_id = int(form.assessment_id.data) if form.assessment_id.data else None
    item.severity = Severity(form.severity.data)
    item.cost = CostLevel(form.cost.data) if form.cost.data else None
    item.cost_estimate_dkk = form.cost_estimate_dkk.data
    item.priority_override = Priority(form.priority_override.data) if form.priority_override.data else None
    if item.priority_override is None:
        item.priority_override_reason = None
    item.unit_id = int(form.unit_id.data) if form.unit_id.data else None
    item.identified_on = form.identified_on.data
    item.due_on = form.due_on.data
    item.status = FindingStatus(form.status.data)
    item.closed_on = form.closed_on.data
    services.close_or_reopen(item)
    services.set_requirements(item, {int(v) for v in (form.controls.data or []) + (form.requirements.data or [])})


def _save_finding(form: FindingForm, item: Finding | None) -> Finding:
    """Fill in a new or existing finding from the form. The id from the report identifies one finding only
    (re-imports match on it)."""
    external_id = (form.external_id.data or "").strip()
    if external_id and services.finding_with_external_id(external_id, exclude_id=item.id if item else None):
        raise services.GapError(_("Et andet fund har allerede id „%(id)s“.", id=external_id), "external_id")
    if item is None:
        item = Finding(source_kind=FindingSource.GAP_ANALYSIS if form.assessment_id.data else FindingSource.OTHER)
        _fill_finding(form, item)
        db.session.add(item)  # filled first: a half-made finding must not be flushed
    else:
        _fill_finding(form, item)
    return item


@bp.route("/fund/ny", methods=["GET", "POST"])
@requires(Permission.EDIT_SECURITY)
def create_finding():
    form = _finding_form(None)
    saved = save_versioned(form, None, lambda: _save_finding(form, None), refused=services.GapError)
    if saved.done:
        flash(_("Fundet er oprettet."), "success")
        return redirect(url_for(".finding", finding_id=saved.value.id))
    return render_template("gap/finding_form.html", form=form, finding=None), saved.status


@bp.route("/fund/<int:finding_id>/rediger", methods=["GET", "POST"])
@requires(Permission.EDIT_SECURITY)
def edit_finding(finding_id: int):
    item = services.finding_for_form(finding_id) or abort(404)
    form = _finding_form(item)
    saved = save_versioned(form, item, lambda: _save_finding(form, item), refused=services.GapError)
    if saved.done:
        flash(_("Ændringerne er gemt."), "success")
        return redirect(url_for(".finding", finding_id=finding_id))
    return render_template("gap/finding_form.html", form=form, finding=item, conflict=saved.conflict), saved.status
