"""The annual status report: choose a year, read it as HTML, download the PDF, keep the official version."""
import datetime as dt

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from register.core.dates import local_today
from register.core.downloads import attachment
from register.core.i18n import gettext as _, lazy_gettext as _l
from register.core.permissions import Permission, requires
from register.core.templating import NavItem
from register.extensions import db
from register.reports import services
from register.reports.data import ReportError, build_report, check_period
from register.reports.forms import ArchiveForm, ReportQueryForm
from register.reports.models import ArchivedReport

bp = Blueprint("reports", __name__, url_prefix="/rapporter")
bp.nav = [NavItem(80, _l("Rapporter"), "reports.index",
                  _l("Årets statusrapport til direktionen som PDF og webside; arkiv over godkendte rapporter."))]


def _index(query: ReportQueryForm, archive_form: ArchiveForm, status: int = 200):
    return render_template("reports/index.html", query=query, archive_form=archive_form,
                           archive=services.archive_list(), status_code=status), status


def _defaults(form) -> None:
    if form.year.data is None and not form.year.raw_data:
        form.year.data = local_today().year


@bp.route("/")
@requires(Permission.READ)
def index():
    query = ReportQueryForm(request.args if request.args else None)
    _defaults(query)
    archive_form = ArchiveForm(formdata=None)
    archive_form.year.data = query.year.data
    return _index(query, archive_form)


def _requested() -> tuple[int, dt.date, dt.date | None] | Response:
    """The year, as-of date and audit date (or None) asked for, or the form page again with the errors (422)."""
    query = ReportQueryForm(request.args)
    if query.validate():
        registered_on = query.registered_on.data
        try:
            return (query.year.data, check_period(query.year.data, query.as_of.data, local_today(), registered_on),
                    registered_on)
        except ReportError as exc:
            getattr(query, exc.field).errors = [str(exc)]
    archive_form = ArchiveForm(formdata=None)
    body, status = _index(query, archive_form, 422)
    return Response(body, status)


@bp.route("/vis")
@requires(Permission.READ)
def view():
    requested = _requested()
    if isinstance(requested, Response):
        return requested
    year, as_of, registered_on = requested
    return render_template("reports/report.html", report=build_report(year, as_of, registered_on=registered_on))


@bp.route("/pdf")
@requires(Permission.READ)
def pdf():
    from register.reports.pdf import render_pdf  # ReportLab is imported when a PDF is drawn, not at start-up

    requested = _requested()
    if isinstance(requested, Response):
        return requested
    year, as_of, registered_on = requested
    report = build_report(year, as_of, registered_on=registered_on)
    return attachment(render_pdf(report), report.filename, "application/pdf")


@bp.route("/arkiv", methods=["POST"])
@requires(Permission.ADMINISTER)
def archive():
    form = ArchiveForm()
    if form.validate_on_submit():
        try:
            entry = services.archive_report(form.year.data, form.as_of.data, current_user.email,
                                            form.approved_by.data, form.approved_on.data, form.note.data)
        except ReportError as exc:
            getattr(form, exc.field).errors = [str(exc)]
        else:
            db.session.commit()
            flash(_("Rapporten for %(year)d er arkiveret som den officielle version.", year=entry.year), "success")
            return redirect(url_for("reports.index"))
    query = ReportQueryForm(formdata=None)
    query.year.data = form.year.data
    return _index(query, form, 422)


@bp.route("/arkiv/<int:report_id>.pdf")
@requires(Permission.READ)
def download(report_id: int):
    entry = db.session.get(ArchivedReport, report_id) or abort(404)
    return attachment(entry.pdf, entry.filename, "application/pdf", {"X-Content-SHA256": entry.sha256})
