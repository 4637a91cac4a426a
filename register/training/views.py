"""Staff awareness campaigns, management training and management approvals of the security measures."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for

from register.core.concurrency import save_versioned
from register.core.history import history_page
from register.core.i18n import gettext as _, lazy_gettext as _l
from register.core.permissions import Permission, requires
from register.core.templating import HomePanel, NavItem
from register.extensions import db
from register.training import services
from register.training.forms import (ApprovalForm, CampaignForm, ParticipationForm, SettingsForm, TraineeForm,
                                     TrainingRecordForm)
from register.training.models import (Approval, ApprovalBody, ApprovalRule, Campaign, CampaignKind, CampaignUnit,
                                      ManagementBody, ManagementScope, Trainee, TrainingRecord, TrainingSettings)

bp = Blueprint("training", __name__, url_prefix="/uddannelse")
bp.nav = [NavItem(50, _l("Uddannelse"), "training.index",
                  _l("Awareness-kampagner for medarbejdere, ledelsens uddannelse og godkendelser (NIS2 art. 20)."))]
bp.home_panels = [HomePanel(30, "training/_home_panel.html", services.home_panel)]


def _form_page(form, record, template, save, done, **context):
    """Show and save a create/edit form (core.concurrency.save_versioned); `save(form)` returns the saved
    record."""
    saved = save_versioned(form, record, lambda: save(form), refused=services.TrainingError)
    if saved.done:
        flash(_("Ændringerne er gemt.") if context.get("editing") else _("Oprettet."), "success")
        return redirect(done(saved.value))
    return render_template(template, form=form, record=record, conflict=saved.conflict, **context), saved.status


@bp.route("/")
@requires(Permission.READ)
def index():
    rows = services.trainee_rows()
    rules = services.settings()
    overall, by_body = services.management_coverage(rows, rules.management_scope.bodies)
    return render_template("training/index.html", trainees=rows, overall=overall, by_body=by_body,
                           campaigns=services.campaign_rows(), approvals=services.approvals(),
                           refresh_months=services.refresh_months(), due_window=services.due_window_months(),
                           rules=rules)


@bp.route("/indstillinger", methods=["GET", "POST"])
@requires(Permission.EDIT_SECURITY)
def settings():
    row = services.settings()
    form = SettingsForm(obj=row)

    def save(form):
        row.approval_rule = ApprovalRule(form.approval_rule.data)
        row.approval_note = (form.approval_note.data or "").strip() or None
        row.management_scope = ManagementScope(form.management_scope.data)
        row.validity_months = form.validity_months.data
        row.validity_note = (form.validity_note.data or "").strip() or None
        if row.id is None:
            db.session.add(row)
        return row

    saved = save_versioned(form, row, lambda: save(form), refused=services.TrainingError)
    if saved.done:
        flash(_("Ændringerne er gemt."), "success")
        return redirect(url_for(".index"))
    return render_template("preparedness/form.html", form=form, obj=row, conflict=saved.conflict,
                           heading=_("Kommunens regler for ledelsens godkendelse og uddannelse"),
                           intro=_("NIS2 art. 20 og NIS 2-loven § 7 kræver, at ledelsesorganerne godkender "
                                   "foranstaltningerne og deltager i uddannelse, men fastlægger hverken hvilket organ "
                                   "i en kommune der godkender, eller hvor længe uddannelse gælder. Det er kommunens "
                                   "egne regler; skriv begrundelsen ved hver."),
                           cancel=url_for(".index"), history=history_page(TrainingSettings, row.id)), saved.status


# --- staff campaigns ---------------------------------------------------------------------------------------

@bp.route("/kampagner/<int:campaign_id>")
@requires(Permission.READ)
def campaign(campaign_id: int):
    record = db.session.get(Campaign, campaign_id) or abort(404)
    rows = services.participations(record)
    return render_template("training/campaign.html", campaign=record, rows=rows,
                           totals=services.campaign_totals(rows), history=history_page(Campaign, record.id))


def _save_campaign(record):
    return lambda form: services.save_campaign(record, form.title.data, CampaignKind(form.kind.data),
                                               form.held_on.data, form.description.data)


@bp.route("/kampagner/ny", methods=["GET", "POST"])
@requires(Permission.EDIT_SECURITY)
def create_campaign():
    record = Campaign()
    return _form_page(CampaignForm(), record, "training/campaign_form.html", _save_campaign(record),
                      lambda c: url_for(".campaign", campaign_id=c.id))


@bp.route("/kampagner/<int:campaign_id>/rediger", methods=["GET", "POST"])
@requires(Permission.EDIT_SECURITY)
def edit_campaign(campaign_id: int):
    record = db.session.get(Campaign, campaign_id) or abort(404)
    return _form_page(CampaignForm(obj=record), record, "training/campaign_form.html", _save_campaign(record),
                      lambda c: url_for(".campaign", campaign_id=c.id), editing=True)


def _participation_form(row: CampaignUnit) -> ParticipationForm:
    form = ParticipationForm(obj=row if row.id else None)
    form.unit_id.keep(row.unit_id)
    if row.id and not form.is_submitted():
        form.unit_id.data = str(row.unit_id)
    return form


def _save_participation(row):
    return lambda form: services.save_participation(row, int(form.unit_id.data), form.staff_targeted.data,
                                                    form.staff_completed.data)


@bp.route("/kampagner/<int:campaign_id>/enheder/ny", methods=["GET", "POST"])
@requires(Permission.EDIT_SECURITY)
def create_participation(campaign_id: int):
    record = db.session.get(Campaign, campaign_id) or abort(404)
    row = CampaignUnit(campaign_id=record.id)
    return _form_page(_participation_form(row), row, "training/participation_form.html", _save_participation(row),
                      lambda r: url_for(".campaign", campaign_id=campaign_id), campaign=record)


@bp.route("/kampagner/enheder/<int:row_id>/rediger", methods=["GET", "POST"])
@requires(Permission.EDIT_SECURITY)
def edit_participation(row_id: int):
    row = db.session.get(CampaignUnit, row_id) or abort(404)
    record = db.session.get(Campaign, row.campaign_id)
    return _form_page(_participation_form(row), row, "training/participation_form.html", _save_participation(row),
                      lambda r: url_for(".campaign", campaign_id=record.id), campaign=record, editing=True)


# --- management training -----------------------------------------------------------------------------------

@bp.route("/personer/<int:trainee_id>")
@requires(Permission.READ)
def trainee(trainee_id: int):
    person = services.get_trainee(trainee_id) or abort(404)
    last = person.courses[0] if person.courses else None
    status, valid_until = services.training_status(last.completed_on if last else None,
                                                   services.local_today(), services.refresh_months(),
                                                   services.due_window_months())
    return render_template("training/trainee.html", person=person, status=status, valid_until=valid_until,
                           refresh_months=services.refresh_months(),
                           history=history_page(Trainee, person.id))


def _trainee_form(person: Trainee) -> TraineeForm:
    form = TraineeForm(obj=person if person.id else None)
    form.unit_id.keep(person.unit_id)
    if person.id and not form.is_submitted():
        form.unit_id.data = str(person.unit_id or "")
    return form


def _save_trainee(person):
    return lambda form: services.save_trainee(person, form.name.data, form.role_title.data,
                                              ManagementBody(form.body.data),
                                              int(form.unit_id.data) if form.unit_id.data else None,
                                              form.active.data)


@bp.route("/personer/ny", methods=["GET", "POST"])
@requires(Permission.EDIT_SECURITY)
def create_trainee():
    person = Trainee()
    return _form_page(_trainee_form(person), person, "training/trainee_form.html", _save_trainee(person),
                      lambda p: url_for(".trainee", trainee_id=p.id))


@bp.route("/personer/<int:trainee_id>/rediger", methods=["GET", "POST"])
@requires(Permission.EDIT_SECURITY)
def edit_trainee(trainee_id: int):
    person = db.session.get(Trainee, trainee_id) or abort(404)
    return _form_page(_trainee_form(person), person, "training/trainee_form.html", _save_trainee(person),
                      lambda p: url_for(".trainee", trainee_id=p.id), editing=True)


def _save_record(record):
    return lambda form: services.save_record(record, form.course.data, form.provider.data, form.completed_on.data,
                                             form.note.data)


@bp.route("/personer/<int:trainee_id>/kurser/ny", methods=["GET", "POST"])
@requires(Permission.EDIT_SECURITY)
def create_record(trainee_id: int):
    person = db.session.get(Trainee, trainee_id) or abort(404)
    record = TrainingRecord(trainee_id=person.id)
    return _form_page(TrainingRecordForm(), record, "training/record_form.html", _save_record(record),
                      lambda r: url_for(".trainee", trainee_id=person.id), person=person)


@bp.route("/kurser/<int:record_id>/rediger", methods=["GET", "POST"])
@requires(Permission.EDIT_SECURITY)
def edit_record(record_id: int):
    record = db.session.get(TrainingRecord, record_id) or abort(404)
    person = db.session.get(Trainee, record.trainee_id)
    return _form_page(TrainingRecordForm(obj=record), record, "training/record_form.html", _save_record(record),
                      lambda r: url_for(".trainee", trainee_id=person.id), person=person, editing=True)


# --- approvals ---------------------------------------------------------------------------------------------

def _save_approval(approval):
    return lambda form: services.save_approval(approval, form.approved_on.data, ApprovalBody(form.body.data),
                                               form.reference.data, form.subject.data, form.note.data)


@bp.route("/godkendelser/ny", methods=["GET", "POST"])
@requires(Permission.EDIT_SECURITY)
def create_approval():
    approval = Approval()
    return _form_page(ApprovalForm(), approval, "training/approval_form.html", _save_approval(approval),
                      lambda a: url_for(".index", _anchor="godkendelser"))


@bp.route("/godkendelser/<int:approval_id>/rediger", methods=["GET", "POST"])
@requires(Permission.EDIT_SECURITY)
def edit_approval(approval_id: int):
    approval = db.session.get(Approval, approval_id) or abort(404)
    return _form_page(ApprovalForm(obj=approval), approval, "training/approval_form.html", _save_approval(approval),
                      lambda a: url_for(".index", _anchor="godkendelser"), editing=True)
