"""Security incidents: register them, follow the NIS2 reporting clock, link requirements, record lessons."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import format_date
from markupsafe import Markup, escape

from register.core.concurrency import commit_or_refuse, save_versioned
from register.core.dates import local_today
from register.core.forms import ActionForm
from register.core.i18n import datetime_formatter, gettext as _, lazy_gettext as _l
from register.core.paging import page_arg
from register.core.history import history_page
from register.core.permissions import Permission, requires
from register.core.templating import HomePanel, NavItem, PageSection, badges
from register.extensions import db
from register.gap.models import FindingSource
from register.catalogs import services as catalog_services
from register.incidents import services
from register.controls import services as control_services
from register.incidents.forms import ControlLinkForm, IncidentForm, LessonForm, ReportForm, RequirementLinkForm
from register.incidents.models import (Incident, IncidentControl, IncidentRequirement, IncidentStatus,
                                       Lesson, LessonStatus, ReportKind, Significance)
from register.requirements.links import LinkedItem, LinkProvider

bp = Blueprint("incidents", __name__, url_prefix="/haendelser")
bp.nav = [NavItem(40, _l("Hændelser"), "incidents.index",
                  _l("Sikkerhedshændelser med NIS2-indberetningsfrister, berørte enheder og erfaringer."))]
bp.home_panels = [HomePanel(20, "incidents/_home_panel.html", services.home_panel)]


class NextStep:
    """A row's next reporting deadline: which report, when, and how long is left (or how late it is). What
    every row shares (the reports' names, the states' badges, the time format, the fixed texts) is prepared
    once per list. No message is written inside an f-string: pybabel does not extract them from there, and
    they would lose their translation."""

    def __init__(self):
        self.kinds, self.states, self.when = ReportKind.labels(), badges(services.StepState), datetime_formatter()
        self.provisional = " (" + escape(_("foreløbig")) + ")"
        self.all_sent = escape(_("Alle indberetninger er sendt"))
        self.not_assessed = _muted(_("Væsentlighed ikke vurderet"))
        self.no_duty = _muted(_("Ingen indberetningspligt"))

    def __call__(self, row: services.IncidentRow) -> Markup:
        step = row.next
        if step is not None:
            provisional = self.provisional if step.provisional else ""
            return Markup(f"{escape(self.kinds[step.kind])}: {escape(self.when(step.due))}{provisional}<br>\n"
                          f'{self.states[step.state]} <span class="deadline-remaining">'
                          f"{escape(step.remaining_text)}</span>")
        waiting = [s for s in row.steps if s.state == services.StepState.AFTER_HANDLING]
        if waiting:
            return Markup(f"{escape(self.kinds[waiting[0].kind])}: {self.states[waiting[0].state]}")
        if row.steps:
            late = [s for s in row.steps if s.state == services.StepState.LATE]
            return Markup(f"{self.all_sent} – {self.states[late[0].state]}" if late else self.all_sent)
        if row.incident.significance == Significance.PENDING:
            return self.not_assessed
        return self.no_duty


def _muted(text: str) -> Markup:
    return Markup('<span class="muted">%s</span>') % text


@bp.app_template_global()
def next_step(row: services.IncidentRow) -> Markup:
    """One row's next reporting deadline (the start page's few rows)."""
    return NextStep()(row)


@bp.app_template_global()
def incident_rows(rows: list[services.IncidentRow]) -> Markup:
    """The incident list's rows. A function rather than Jinja, with what the rows share prepared once: fifty
    rows each translated two badges and formatted two times again, most of the page's time."""
    step, when = NextStep(), datetime_formatter()
    significance, status = badges(Significance), badges(IncidentStatus)
    html = []
    for row in rows:
        incident = row.incident
        units = f'<br><span class="muted">{escape(row.unit_names)}</span>' if row.unit_names else ""
        html.append(f'<tr>\n<td><a href="{url_for("incidents.detail", incident_id=incident.id)}">'
                    f"{escape(incident.title)}</a>{units}</td>\n<td>{escape(when(incident.aware_at))}</td>\n"
                    f"<td>{significance[incident.significance]}</td>\n<td>{status[incident.status]}</td>\n"
                    f"<td>{step(row)}</td>\n</tr>\n")
    return Markup("".join(html))


def requirement_incidents(incidents: list[Incident]) -> list[LinkedItem]:
    """The requirement page's section of incidents that concern the requirement."""
    return [LinkedItem(i.title, url_for("incidents.detail", incident_id=i.id), i.status,
                       format_date(i.aware_at, "d. MMM y"))
            for i in incidents]


def finding_source(finding) -> LinkedItem | None:
    """The incident and lesson a finding was made from."""
    lesson = services.lesson_of_finding(finding)
    if lesson is None:
        return None
    return LinkedItem(lesson.incident.title, url_for("incidents.detail", incident_id=lesson.incident_id,
                                                     _anchor="erfaringer"),
                      detail=_("erfaring: %(text)s", text=services.lesson_title(lesson.description)))


bp.requirement_links = [LinkProvider(80, _l("Hændelser, der vedrører kravet"), Incident, services.incidents_linked,
                                     requirement_incidents, _l("Ingen hændelser er knyttet til kravet."))]
bp.finding_sources = {FindingSource.INCIDENT: finding_source}
bp.control_sections = [PageSection(10, "incidents/_control_section.html",
                                  lambda control_id: {"incidents": services.incidents_of_control(control_id)})]


def _status(form, conflict=None) -> int:
    return 409 if conflict else (422 if form.errors else 200)


@bp.route("/")
@requires(Permission.READ)
def index():
    return render_template("incidents/index.html", page=services.incident_page(page_arg()))


@bp.route("/<int:incident_id>")
@requires(Permission.READ)
def detail(incident_id: int):
    incident = services.get_incident(incident_id) or abort(404)
    link_form = RequirementLinkForm()
    requirement_picker = catalog_services.requirement_picker()
    link_form.requirement_id.choices = requirement_picker.choices
    control_form = ControlLinkForm()
    control_picker = control_services.control_picker()
    control_form.control_id.choices = control_picker.choices
    return render_template("incidents/detail.html", incident=incident,
                           steps=services.reporting_clock(incident, incident.reports),
                           links=services.requirement_links(incident), lessons=services.lessons_of(incident),
                           control_links=services.control_links(incident), control_form=control_form,
                           requirement_picker=requirement_picker, control_picker=control_picker,
                           link_form=link_form, action_form=ActionForm(),
                           history=history_page(Incident, incident.id))


def _incident_form(incident: Incident | None) -> IncidentForm:
    form = IncidentForm(obj=incident)
    form.unit_ids.keep([link.unit_id for link in incident.units] if incident else [])
    if not form.is_submitted():
        if incident is None:
            form.version.data = 0
        else:
            form.version.data = incident.version
            form.unit_ids.data = [str(link.unit_id) for link in incident.units]
            form.significance.data = incident.significance.value
            form.status.data = incident.status.value
    return form


def _save_incident(form: IncidentForm, incident: Incident) -> None:
    values = {name: form[name].data for name in ("title", "detected_at", "aware_at", "handled_at",
                                                 "systems_affected", "description", "significance_reason")}
    values["significance"] = Significance(form.significance.data)
    values["status"] = IncidentStatus(form.status.data)
    services.save_incident(incident, values, [int(v) for v in form.unit_ids.data])


@bp.route("/ny", methods=["GET", "POST"])
@requires(Permission.EDIT_SECURITY)
def create():
    form = _incident_form(None)
    if form.validate_on_submit():
        incident = Incident()
        saved = commit_or_refuse(lambda: _save_incident(form, incident), services.IncidentError, form, "title")
        if saved.done:
            flash(_("Hændelsen er registreret."), "success")
            return redirect(url_for(".detail", incident_id=incident.id))
    return render_template("incidents/form.html", form=form, incident=None), _status(form)


@bp.route("/<int:incident_id>/rediger", methods=["GET", "POST"])
@requires(Permission.EDIT_SECURITY)
def edit(incident_id: int):
    incident = services.get_incident(incident_id) or abort(404)
    form = _incident_form(incident)
    saved = save_versioned(form, incident, lambda: _save_incident(form, incident), refused=services.IncidentError,
                           field="title")
    if saved.done:
        flash(_("Ændringerne er gemt."), "success")
        return redirect(url_for(".detail", incident_id=incident_id))
    return render_template("incidents/form.html", form=form, incident=incident, conflict=saved.conflict), saved.status


@bp.route("/<int:incident_id>/indberetning/<kind>", methods=["GET", "POST"])
@requires(Permission.EDIT_SECURITY)
def report(incident_id: int, kind: str):
    incident = services.get_incident(incident_id) or abort(404)
    try:
        report_kind = ReportKind(kind)
    except ValueError:
        abort(404)
    if not incident.is_significant:
        abort(404)
    existing = next((r for r in incident.reports if r.kind == report_kind), None)
    # a progress report may be sent before the one-month mark makes it due
    step = next((s for s in services.reporting_clock(incident, incident.reports) if s.kind == report_kind),
                None) or services.ReportStep(report_kind, None, False, existing, services.StepState.PENDING, None)
    form = ReportForm(obj=existing)
    saved = save_versioned(form, existing, lambda: services.record_report(
        incident, report_kind, form.submitted_at.data, form.receipt_ref.data, form.note.data, existing),
        refused=services.IncidentError, field="submitted_at")
    if saved.done:
        flash(_("Indberetningen er registreret."), "success")
        return redirect(url_for(".detail", incident_id=incident_id))
    return render_template("incidents/report_form.html", form=form, incident=incident, step=step,
                           conflict=saved.conflict), saved.status


@bp.route("/<int:incident_id>/krav", methods=["POST"])
@requires(Permission.EDIT_SECURITY)
def link_requirement(incident_id: int):
    incident = db.session.get(Incident, incident_id) or abort(404)
    form = RequirementLinkForm()
    if form.validate_on_submit():
        saved = commit_or_refuse(
            lambda: services.link_requirement(incident, int(form.requirement_id.data), form.note.data),
            services.IncidentError)
        if saved.done:
            flash(_("Kravet er knyttet til hændelsen."), "success")
    else:
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
    return redirect(url_for(".detail", incident_id=incident_id, _anchor="krav"))


@bp.route("/<int:incident_id>/krav/<int:link_id>/fjern", methods=["POST"])
@requires(Permission.EDIT_SECURITY)
def unlink_requirement(incident_id: int, link_id: int):
    link = db.session.get(IncidentRequirement, link_id)
    if link is None or link.incident_id != incident_id:
        abort(404)
    if ActionForm().validate_on_submit():
        services.unlink_requirement(link)
        db.session.commit()
        flash(_("Kravet er ikke længere knyttet til hændelsen."), "success")
    return redirect(url_for(".detail", incident_id=incident_id, _anchor="krav"))


@bp.route("/<int:incident_id>/tiltag", methods=["POST"])
@requires(Permission.EDIT_SECURITY)
def link_control(incident_id: int):
    incident = db.session.get(Incident, incident_id) or abort(404)
    form = ControlLinkForm()
    if form.validate_on_submit():
        saved = commit_or_refuse(
            lambda: services.link_control(incident, int(form.control_id.data), form.note.data),
            services.IncidentError)
        if saved.done:
            flash(_("Tiltaget er knyttet til hændelsen."), "success")
    else:
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
    return redirect(url_for(".detail", incident_id=incident_id, _anchor="tiltag"))


@bp.route("/<int:incident_id>/tiltag/<int:link_id>/fjern", methods=["POST"])
@requires(Permission.EDIT_SECURITY)
def unlink_control(incident_id: int, link_id: int):
    link = db.session.get(IncidentControl, link_id)
    if link is None or link.incident_id != incident_id:
        abort(404)
    if ActionForm().validate_on_submit():
        services.unlink_control(link)
        db.session.commit()
        flash(_("Tiltaget er ikke længere knyttet til hændelsen."), "success")
    return redirect(url_for(".detail", incident_id=incident_id, _anchor="tiltag"))


@bp.route("/erfaringer/<int:lesson_id>/fund", methods=["POST"])
@requires(Permission.EDIT_SECURITY)
def lesson_finding(lesson_id: int):
    lesson = db.session.get(Lesson, lesson_id) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    saved = commit_or_refuse(lambda: services.finding_from_lesson(lesson, local_today()), services.IncidentError)
    if not saved.done:
        return redirect(url_for(".detail", incident_id=lesson.incident_id, _anchor="erfaringer"))
    finding = saved.value
    flash(_("Erfaringen er sat på handlingsplanen som et fund. Vurdér kritikalitet og omkostning."), "success")
    return redirect(url_for("gap.finding", finding_id=finding.id))


def _lesson_form(lesson: Lesson | None) -> LessonForm:
    form = LessonForm(obj=lesson)
    form.owner_unit_id.keep(lesson.owner_unit_id if lesson else None)
    if not form.is_submitted():
        form.version.data = lesson.version if lesson else 0
        if lesson is not None:
            form.owner_unit_id.data = str(lesson.owner_unit_id)
            form.status.data = lesson.status.value
    return form


def _lesson_page(form, incident, lesson, conflict=None):
    return render_template("incidents/lesson_form.html", form=form, incident=incident, lesson=lesson,
                           conflict=conflict), _status(form, conflict)


@bp.route("/<int:incident_id>/erfaringer/ny", methods=["GET", "POST"])
@requires(Permission.EDIT_SECURITY)
def create_lesson(incident_id: int):
    incident = db.session.get(Incident, incident_id) or abort(404)
    form = _lesson_form(None)
    if form.validate_on_submit():
        services.save_lesson(Lesson(incident_id=incident.id), form.description.data, int(form.owner_unit_id.data),
                             form.due_on.data, LessonStatus(form.status.data))
        db.session.commit()
        flash(_("Erfaringen er registreret."), "success")
        return redirect(url_for(".detail", incident_id=incident.id, _anchor="erfaringer"))
    return _lesson_page(form, incident, None)


@bp.route("/erfaringer/<int:lesson_id>/rediger", methods=["GET", "POST"])
@requires(Permission.EDIT_SECURITY)
def edit_lesson(lesson_id: int):
    lesson = db.session.get(Lesson, lesson_id) or abort(404)
    incident = db.session.get(Incident, lesson.incident_id)
    form = _lesson_form(lesson)
    saved = save_versioned(form, lesson, lambda: services.save_lesson(
        lesson, form.description.data, int(form.owner_unit_id.data), form.due_on.data, LessonStatus(form.status.data)))
    if saved.done:
        flash(_("Ændringerne er gemt."), "success")
        return redirect(url_for(".detail", incident_id=incident.id, _anchor="erfaringer"))
    return _lesson_page(form, incident, lesson, saved.conflict)
