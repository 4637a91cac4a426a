"""Exercises (øvelser): planning, evaluation, improvement points and yearly targets."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import format_date
from flask_login import current_user
from wtforms import SelectChoice

from register.catalogs.forms import picked_requirement, requirement_pick_section
from register.core.concurrency import commit_or_refuse
from register.core.forms import ActionForm
from register.core.i18n import gettext as _, lazy_gettext as _l
from register.core.paging import page_arg
from register.core.history import history_page
from register.core.permissions import Permission, requires
from register.core.templating import NavItem, badge
from register.extensions import db
from register.gap.models import FindingSource
from register.preparedness import services
from register.preparedness.forms import EvaluationForm, ExerciseForm, ImprovementForm, TargetForm
from register.preparedness.models import (Exercise, ExerciseLevel, ExerciseState, ExerciseTarget, ExerciseType,
                                          ImprovementPoint, ImprovementStatus, TargetKind)
from register.preparedness.views import edit_record, int_or_none, strip_or_none
from register.requirements.links import LinkedItem, LinkProvider

bp = Blueprint("exercises", __name__, url_prefix="/oevelser")
bp.nav = [NavItem(41, _l("Øvelser"), "exercises.index",
                  _l("Øvelser for direktion og delplaner, evaluering, forbedringspunkter og årlige mål."))]


def requirement_exercises(exercises: list[Exercise]) -> list[LinkedItem]:
    """The requirement page's section of exercises that test the requirement."""
    today = services.today()
    return [LinkedItem(e.title, url_for("exercises.detail", exercise_id=e.id), e.state(today),
                       format_date(e.held_on or e.planned_on, "d. MMM y") if (e.held_on or e.planned_on) else "")
            for e in exercises]


def finding_source(finding) -> LinkedItem | None:
    """The exercise and improvement point a finding was made from."""
    point = services.improvement_of_finding(finding)
    if point is None:
        return None
    return LinkedItem(point.exercise.title, url_for("exercises.detail", exercise_id=point.exercise_id,
                                                    _anchor="forbedringer"),
                      detail=_("forbedringspunkt: %(title)s", title=point.title))


bp.requirement_links = [LinkProvider(70, _l("Øvelser, der afprøver kravet"), Exercise, services.exercises_linked,
                                     requirement_exercises, _l("Ingen øvelser afprøver kravet."))]
bp.finding_sources = {FindingSource.EXERCISE: finding_source}


@bp.route("/")
@requires(Permission.READ)
def index():
    today = services.today()
    # each type's, level's and state's text looked up once for the page's rows, not once per row
    return render_template("exercises/index.html", page=services.exercise_page(page_arg()), today=today,
                           progress=services.targets_progress(today), type_labels=ExerciseType.labels(),
                           level_labels=ExerciseLevel.labels(), state_badges={s: badge(s) for s in ExerciseState})


@bp.route("/<int:exercise_id>")
@requires(Permission.READ)
def detail(exercise_id: int):
    exercise = services.exercise_detail(exercise_id) or abort(404)
    return render_template("exercises/detail.html", exercise=exercise, today=services.today(),
                           action_form=ActionForm(), history=history_page(Exercise, exercise.id),
                           **requirement_pick_section(current_user.can(Permission.EDIT_PREPAREDNESS)))


@bp.route("/<int:exercise_id>/krav", methods=["POST"])
@requires(Permission.EDIT_PREPAREDNESS)
def link_requirement(exercise_id: int):
    exercise = services.exercise_detail(exercise_id) or abort(404)
    requirement_id = picked_requirement()
    if requirement_id is not None:
        if services.link_requirement(exercise, requirement_id):
            db.session.commit()
            flash(_("Kravet er knyttet til øvelsen."), "success")
        else:
            flash(_("Kravet er allerede knyttet til øvelsen."), "info")
    return redirect(url_for(".detail", exercise_id=exercise_id, _anchor="krav"))


def _exercise_form(exercise: Exercise) -> ExerciseForm:
    form = ExerciseForm(obj=exercise)
    form.responsible_unit_id.keep(exercise.responsible_unit_id)
    form.unit_ids.keep(link.unit_id for link in exercise.unit_links)
    form.plan_ids.choices = [SelectChoice(str(pid), title) for pid, title in services.plan_choices()]
    form.sub_plan_ids.choices = [SelectChoice(str(sid), label) for sid, label in services.sub_plan_choices(
        services.today(), keep={link.sub_plan_id for link in exercise.sub_plan_links})]
    linked = {link.requirement_id for link in exercise.requirement_links}
    form.requirement_ids.choices, form.requirement_ids.as_checkboxes = services.requirement_choices(linked)
    if not form.is_submitted():
        form.responsible_unit_id.data = str(exercise.responsible_unit_id or "")
        if exercise.id is not None:
            form.unit_ids.data = [str(link.unit_id) for link in exercise.unit_links]
            form.plan_ids.data = [str(link.plan_id) for link in exercise.plan_links]
            form.sub_plan_ids.data = [str(link.sub_plan_id) for link in exercise.sub_plan_links]
            form.requirement_ids.data = [str(link.requirement_id) for link in exercise.requirement_links]
    return form


def _apply_exercise(form: ExerciseForm, exercise: Exercise):
    def apply():
        exercise.title = form.title.data.strip()
        exercise.exercise_type = ExerciseType(form.exercise_type.data)
        exercise.level = ExerciseLevel(form.level.data)
        exercise.responsible_unit_id = int_or_none(form.responsible_unit_id.data)
        exercise.planned_on = form.planned_on.data
        exercise.held_on = form.held_on.data
        exercise.scenario = strip_or_none(form.scenario.data)
        services.check_exercise(exercise, services.today())
        services.save_exercise_links(exercise, map(int, form.unit_ids.data), map(int, form.plan_ids.data),
                                     map(int, form.sub_plan_ids.data), map(int, form.requirement_ids.data))
    return apply


@bp.route("/ny", methods=["GET", "POST"])
@requires(Permission.EDIT_PREPAREDNESS)
def create():
    exercise = Exercise(title="", unit_links=[], plan_links=[], sub_plan_links=[], requirement_links=[])
    form = _exercise_form(exercise)
    return edit_record(exercise, form, _apply_exercise(form, exercise), "preparedness/form.html",
                       lambda e: url_for(".detail", exercise_id=e.id), heading=_("Planlæg øvelse"),
                       cancel=url_for(".index"), hints=_exercise_hints(form, exercise))


@bp.route("/<int:exercise_id>/rediger", methods=["GET", "POST"])
@requires(Permission.EDIT_PREPAREDNESS)
def edit(exercise_id: int):
    exercise = services.exercise_for_form(exercise_id) or abort(404)
    form = _exercise_form(exercise)
    return edit_record(exercise, form, _apply_exercise(form, exercise), "preparedness/form.html",
                       url_for(".detail", exercise_id=exercise.id), heading=_("Rediger øvelse"),
                       cancel=url_for(".detail", exercise_id=exercise.id), hints=_exercise_hints(form, exercise))


def _exercise_hints(form: ExerciseForm, exercise: Exercise) -> dict:
    if not form.requirement_ids.as_checkboxes:
        requirements = _("Fx HOB 7 Øvelser eller NIS2-krav, som øvelsen afprøver.")
    elif exercise.id is None:
        requirements = _("Gem øvelsen først; derefter kan du søge krav frem og tilknytte dem på øvelsens side.")
    else:
        requirements = _("Fjern markeringen for at fjerne et krav. Flere krav tilknyttes ved at søge på øvelsens "
                         "side.")
    return {"exercise_type": _("Beredskabsstyrelsens øvelsestyper."),
            "unit_ids": _("Hold Ctrl (Cmd på Mac) nede for at vælge flere."), "requirement_ids": requirements}


@bp.route("/<int:exercise_id>/evaluering", methods=["GET", "POST"])
@requires(Permission.EDIT_PREPAREDNESS)
def evaluation(exercise_id: int):
    exercise = db.session.get(Exercise, exercise_id) or abort(404)
    form = EvaluationForm(obj=exercise)

    def apply():
        if exercise.held_on is None:
            raise services.PreparednessError(_("Øvelsen skal være afholdt, før den kan evalueres."),
                                             "evaluation_purpose")
        for name in ("evaluation_purpose", "observations", "criteria_assessment", "went_well", "must_improve"):
            setattr(exercise, name, strip_or_none(getattr(form, name).data))
        exercise.evaluated_on = form.evaluated_on.data

    return edit_record(exercise, form, apply, "preparedness/form.html", url_for(".detail", exercise_id=exercise.id),
                       heading=_("Evaluering af %(title)s", title=exercise.title),
                       cancel=url_for(".detail", exercise_id=exercise.id),
                       intro=_("En evaluering er mere end en debriefing: angiv formålet, de indsamlede observationer "
                               "og en vurdering mod klare kriterier (Beredskabsstyrelsen, „Evalueringer“). Opret "
                               "derefter hvert forbedringspunkt med ansvarlig og frist."))


def _improvement_form(point: ImprovementPoint) -> ImprovementForm:
    form = ImprovementForm(obj=point)
    form.owner_unit_id.keep(point.owner_unit_id)
    if not form.is_submitted():
        form.owner_unit_id.data = str(point.owner_unit_id or "")
    return form


def _apply_improvement(form: ImprovementForm, point: ImprovementPoint):
    def apply():
        point.title = form.title.data.strip()
        point.description = strip_or_none(form.description.data)
        point.owner_unit_id = int_or_none(form.owner_unit_id.data)
        point.due_on = form.due_on.data
        point.status = ImprovementStatus(form.status.data)
        point.completed_on = form.completed_on.data
        if point.status == ImprovementStatus.DONE and point.completed_on is None:
            point.completed_on = services.today()
    return apply


@bp.route("/<int:exercise_id>/forbedringer/ny", methods=["GET", "POST"])
@requires(Permission.EDIT_PREPAREDNESS)
def improvement_create(exercise_id: int):
    exercise = db.session.get(Exercise, exercise_id) or abort(404)
    point = ImprovementPoint(exercise_id=exercise.id, title="", status=ImprovementStatus.OPEN)
    form = _improvement_form(point)
    return edit_record(point, form, _apply_improvement(form, point), "preparedness/form.html",
                       url_for(".detail", exercise_id=exercise.id),
                       heading=_("Nyt forbedringspunkt fra %(title)s", title=exercise.title),
                       cancel=url_for(".detail", exercise_id=exercise.id))


@bp.route("/forbedring/<int:point_id>/rediger", methods=["GET", "POST"])
@requires(Permission.EDIT_PREPAREDNESS)
def improvement_edit(point_id: int):
    point = db.session.get(ImprovementPoint, point_id) or abort(404)
    form = _improvement_form(point)
    return edit_record(point, form, _apply_improvement(form, point), "preparedness/form.html",
                       url_for(".detail", exercise_id=point.exercise_id), heading=_("Rediger forbedringspunkt"),
                       cancel=url_for(".detail", exercise_id=point.exercise_id),
                       history=history_page(ImprovementPoint, point.id))


@bp.route("/forbedring/<int:point_id>/fund", methods=["POST"])
@requires(Permission.EDIT_SECURITY)  # a finding is gap analysis, which the role table gives to IT security
def improvement_finding(point_id: int):
    point = db.session.get(ImprovementPoint, point_id) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    saved = commit_or_refuse(
        lambda: services.finding_from_improvement(point, services.today()),
        services.PreparednessError)
    if not saved.done:
        return redirect(url_for(".detail", exercise_id=point.exercise_id, _anchor="forbedringer"))
    finding = saved.value
    flash(_("Forbedringspunktet er sat på handlingsplanen som et fund. Vurdér kritikalitet og omkostning."),
          "success")
    return redirect(url_for("gap.finding", finding_id=finding.id))


def _apply_target(form: TargetForm, target: ExerciseTarget):
    def apply():
        target.kind = TargetKind(form.kind.data)
        target.value = form.value.data
        target.note = strip_or_none(form.note.data)
        target.active = form.active.data
    return apply


@bp.route("/maal/ny", methods=["GET", "POST"])
@requires(Permission.EDIT_PREPAREDNESS)
def target_create():
    target = ExerciseTarget(kind=TargetKind.BOARD_EXERCISES_PER_YEAR, value=1, active=True)
    form = TargetForm(obj=target)
    return edit_record(target, form, _apply_target(form, target), "preparedness/form.html", url_for(".index"),
                       heading=_("Nyt mål for øvelser"), cancel=url_for(".index"))


@bp.route("/maal/<int:target_id>/rediger", methods=["GET", "POST"])
@requires(Permission.EDIT_PREPAREDNESS)
def target_edit(target_id: int):
    target = db.session.get(ExerciseTarget, target_id) or abort(404)
    form = TargetForm(obj=target)
    return edit_record(target, form, _apply_target(form, target), "preparedness/form.html", url_for(".index"),
                       heading=_("Rediger mål"), cancel=url_for(".index"),
                       history=history_page(ExerciseTarget, target.id))

