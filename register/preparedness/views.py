"""The beredskabsplan: plans, revision timeline, annual reviews, sub-plans, settings, leader introductions."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from wtforms import SelectChoice

from register.core.concurrency import save_versioned
from register.core.history import history_page
from register.core.i18n import gettext as _, lazy_gettext as _l
from register.core.params import int_arg
from register.core.permissions import Permission, requires
from register.core.templating import HomePanel, NavItem
from register.extensions import db
from register.organisation import services as org_services
from register.preparedness import rules, services
from register.preparedness.forms import (BodyForm, IntroductionForm, MilestoneBatchForm, MilestoneForm, PlanForm,
                                         ReviewForm, SettingsForm, SubPlanForm)
from register.preparedness.models import (BodyKind, GovernanceBody, LeaderIntroduction, LegalBasis, Milestone,
                                          MilestoneStatus, Plan, PlanStatus, PreparednessSettings, ResponsibleBody,
                                          SubPlan, SubPlanKind)

bp = Blueprint("preparedness", __name__, url_prefix="/beredskab")
bp.nav = [NavItem(40, _l("Beredskabsplan"), "preparedness.index",
                  _l("Beredskabsplanen efter § 25, revisionens tidsplan, delplaner og indsatsplaner."))]
bp.home_panels = [HomePanel(20, "preparedness/_home_panel.html", services.home_panel_context)]
bp.add_app_template_global(rules.format_window, "format_window")


def int_or_none(value) -> int | None:
    return int(value) if value not in (None, "", "None") else None


def strip_or_none(value: str | None) -> str | None:
    return (value or "").strip() or None


def edit_record(obj, form, apply, template: str, done_url, **context):
    """Shared create/edit flow (core.concurrency.save_versioned): `apply()` fills the record in, a new one is
    added; 422 / 409 on failure."""
    def save():
        apply()
        if obj.id is None:
            db.session.add(obj)

    saved = save_versioned(form, obj, save, refused=services.PreparednessError)
    if saved.done:
        flash(_("Ændringerne er gemt."), "success")
        return redirect(done_url(obj) if callable(done_url) else done_url)
    return render_template(template, form=form, obj=obj, conflict=saved.conflict, **context), saved.status


# --- plans --------------------------------------------------------------------------------------

@bp.route("/")
@requires(Permission.READ)
def index():
    today = services.today()
    plans = services.all_plans()
    review_months, sub_plan_months = services.interval_settings()
    reviews = {p.id: rules.review_due(p, p.reviews, review_months, today) for p in plans}
    return render_template("preparedness/index.html", plans=plans, reviews=reviews, today=today,
                           warnings=services.warnings(today), term=rules.term_for(today),
                           review_months=review_months, sub_plan_months=sub_plan_months)


@bp.route("/plan/<int:plan_id>")
@requires(Permission.READ)
def plan(plan_id: int):
    today = services.today()
    plan = services.plan_detail(plan_id) or abort(404)
    review_months, _sub = services.interval_settings()
    form = ReviewForm()
    return render_template("preparedness/plan.html", plan=plan, today=today, review_form=form,
                           timeline=services.timeline(plan.milestones, today),
                           review=rules.review_due(plan, plan.reviews, review_months, today),
                           term=rules.CouncilTerm(plan.council_term_start), followers=services.followers_of(plan),
                           history=history_page(Plan, plan.id))


def _plan_form(plan: Plan) -> PlanForm:
    form = PlanForm(obj=plan)
    today = services.today()
    terms = rules.terms_around(today, before=2, after=1)
    if plan.council_term_start and rules.CouncilTerm(plan.council_term_start) not in terms:
        terms.append(rules.CouncilTerm(plan.council_term_start))
    form.council_term_start.choices = [SelectChoice(str(t.start_year), f"{t.label} (valgt {t.election_day:%d-%m-%Y})")
                                       for t in sorted(terms, key=lambda t: t.start_year)]
    others = [p for p in services.all_plans() if p.id != plan.id]
    form.follows_plan_id.choices = [SelectChoice("", "—")] + [SelectChoice(str(p.id), p.title) for p in others]
    form.owner_unit_id.keep(plan.owner_unit_id)
    if not form.is_submitted():
        form.council_term_start.data = str(plan.council_term_start or rules.term_for(today).start_year)
        form.follows_plan_id.data = str(plan.follows_plan_id or "")
        form.owner_unit_id.data = str(plan.owner_unit_id or "")
    return form


def _apply_plan(form: PlanForm, plan: Plan):
    def apply():
        form.populate_obj(plan)
        plan.legal_basis = LegalBasis(form.legal_basis.data)
        plan.status = PlanStatus(form.status.data)
        plan.council_term_start = int(form.council_term_start.data)
        plan.follows_plan_id = int_or_none(form.follows_plan_id.data)
        plan.owner_unit_id = int_or_none(form.owner_unit_id.data)
        for name in ("legal_basis_note", "facilitator", "note"):
            setattr(plan, name, strip_or_none(getattr(plan, name)))
        services.check_plan(plan)
    return apply


@bp.route("/plan/ny", methods=["GET", "POST"])
@requires(Permission.EDIT_PREPAREDNESS)
def plan_create():
    plan = Plan(title="", legal_basis=LegalBasis.BEREDSKABSLOVEN_25, status=PlanStatus.DRAFT)
    form = _plan_form(plan)
    return edit_record(plan, form, _apply_plan(form, plan), "preparedness/form.html",
                       lambda p: url_for(".plan", plan_id=p.id), heading=_("Registrer plan"),
                       cancel=url_for(".index"), hints=_plan_hints())


def _plan_hints() -> dict:
    return {"legal_basis": _("§ 25: vedtages i et møde, revideres mindst én gang i hver valgperiode og indsendes til "
                             "Beredskabsstyrelsen. Sundhedsloven § 210: vedtages én gang i hver valgperiode efter "
                             "rådgivning fra Sundhedsstyrelsen."),
            "council_term_start": _("Den valgperiode planen gælder for. En valgperiode løber fra 1. januar efter "
                                    "valget (tredje tirsdag i november) til 31. december fire år senere."),
            "adopted_on": _("Datoen for kommunalbestyrelsens møde. Den tæller for den valgperiode, mødet ligger i."),
            "brs_consulted_on": _("Hvis et udkast er sendt til Beredskabsstyrelsen til udtalelse før vedtagelsen. "
                                  "Det er ikke indsendelsen efter § 25, stk. 4."),
            "submitted_to_brs_on": _("§ 25, stk. 4: den vedtagne plan indsendes til Beredskabsstyrelsen, altså samme "
                                     "dag som vedtagelsen eller senere."),
            "sst_advice_on": _("Sundhedsloven § 210: rådgivningen fra Sundhedsstyrelsen indhentes, før planen for "
                               "sundhedsberedskabet vedtages."),
            "follows_plan_id": _("Fx sundhedsberedskabsplanen, der følger beredskabsplanen gennem den politiske "
                                 "godkendelse.")}


@bp.route("/plan/<int:plan_id>/rediger", methods=["GET", "POST"])
@requires(Permission.EDIT_PREPAREDNESS)
def plan_edit(plan_id: int):
    plan = db.session.get(Plan, plan_id) or abort(404)
    form = _plan_form(plan)
    return edit_record(plan, form, _apply_plan(form, plan), "preparedness/form.html",
                       lambda p: url_for(".plan", plan_id=p.id), heading=_("Rediger %(title)s", title=plan.title),
                       cancel=url_for(".plan", plan_id=plan.id), hints=_plan_hints())


@bp.route("/plan/<int:plan_id>/gennemgang", methods=["POST"])
@requires(Permission.EDIT_PREPAREDNESS)
def review_add(plan_id: int):
    plan = services.plan_detail(plan_id) or abort(404)
    form = ReviewForm()
    if form.validate_on_submit():
        services.add_review(plan, form.reviewed_on.data, strip_or_none(form.reviewed_by.data),
                            strip_or_none(form.note.data))
        db.session.commit()
        flash(_("Gennemgangen er registreret."), "success")
        return redirect(url_for(".plan", plan_id=plan.id))
    today = services.today()
    review_months, _sub = services.interval_settings()
    return render_template("preparedness/plan.html", plan=plan, today=today, review_form=form,
                           timeline=services.timeline(plan.milestones, today),
                           review=rules.review_due(plan, plan.reviews, review_months, today),
                           term=rules.CouncilTerm(plan.council_term_start), followers=services.followers_of(plan),
                           history=history_page(Plan, plan.id)), 422


# --- milestones ---------------------------------------------------------------------------------

@bp.route("/plan/<int:plan_id>/milepaele", methods=["GET", "POST"])
@requires(Permission.EDIT_PREPAREDNESS)
def milestones_add(plan_id: int):
    plan = db.session.get(Plan, plan_id) or abort(404)
    form = MilestoneBatchForm()
    line_errors = []
    if form.validate_on_submit():
        lines, line_errors = services.parse_milestone_lines(form.lines.data, org_services.all_units())
        if not line_errors:
            services.add_milestones(plan, lines)
            db.session.commit()
            flash(_("%(n)d milepæle er tilføjet.", n=len(lines)), "success")
            return redirect(url_for(".plan", plan_id=plan.id))
        form.lines.errors = list(form.lines.errors) + line_errors
    status = 422 if form.errors or line_errors else 200
    return render_template("preparedness/milestones_form.html", form=form, plan=plan,
                           bodies=list(ResponsibleBody)), status


def _responsible_choices() -> list[SelectChoice]:
    bodies = [SelectChoice(f"body:{b.value}", b.label, optgroup=_("Organer")) for b in ResponsibleBody]
    units = [SelectChoice(f"unit:{c.value}", c.label.strip(), optgroup=_("Enheder"))
             for c in org_services.unit_choices(include_blank=False)]
    return [SelectChoice("", "—")] + bodies + units


@bp.route("/milepael/<int:milestone_id>/rediger", methods=["GET", "POST"])
@requires(Permission.EDIT_PREPAREDNESS)
def milestone_edit(milestone_id: int):
    milestone = db.session.get(Milestone, milestone_id) or abort(404)
    form = MilestoneForm(obj=milestone)
    form.responsible.choices = _responsible_choices()
    if not form.is_submitted():
        form.window.data = rules.format_window(milestone.window_start, milestone.window_end)
        form.responsible.data = (f"body:{milestone.responsible_body.value}" if milestone.responsible_body
                                 else f"unit:{milestone.responsible_unit_id}" if milestone.responsible_unit_id else "")

    def apply():
        milestone.window_start, milestone.window_end = form.parsed_window
        milestone.title = form.title.data.strip()
        kind, _sep, value = form.responsible.data.partition(":")
        milestone.responsible_body = ResponsibleBody(value) if kind == "body" else None
        milestone.responsible_unit_id = int(value) if kind == "unit" else None
        milestone.status = MilestoneStatus(form.status.data)
        milestone.completed_on = form.completed_on.data
        milestone.note = strip_or_none(form.note.data)
        services.sync_milestone_status(milestone)

    return edit_record(milestone, form, apply, "preparedness/form.html",
                       url_for(".plan", plan_id=milestone.plan_id),
                       heading=_("Rediger milepæl"), cancel=url_for(".plan", plan_id=milestone.plan_id),
                       hints={"window": _("En måned („maj 2025“) eller et tidsrum („aug.-sep. 2025“).")})


# --- settings -----------------------------------------------------------------------------------

@bp.route("/indstillinger", methods=["GET", "POST"])
@requires(Permission.EDIT_PREPAREDNESS)
def settings():
    row = services.settings()
    form = SettingsForm(obj=row)

    def apply():
        form.populate_obj(row)
        row.review_interval_note = strip_or_none(row.review_interval_note)
        row.sub_plan_interval_note = strip_or_none(row.sub_plan_interval_note)

    return edit_record(row, form, apply, "preparedness/form.html", url_for(".index"),
                       heading=_("Indstillinger for beredskabsarbejdet"), cancel=url_for(".index"),
                       history=history_page(PreparednessSettings, row.id),
                       hints={"review_interval_months": _("Standard er 12 måneder: arbejdsgruppen gennemgår planen "
                                                          "én gang om året.")})


# --- sub-plans ----------------------------------------------------------------------------------

@bp.route("/delplaner/")
@requires(Permission.READ)
def sub_plans():
    today = services.today()
    unit_id = int_arg("enhed")
    rows = services.sub_plan_rows(today, unit_id)
    _review, interval = services.interval_settings()
    return render_template("preparedness/sub_plans.html", rows=rows, behind=services.units_behind(rows),
                           interval=interval, today=today, unit_id=unit_id,
                           unit_choices=org_services.unit_choices())


def _sub_plan_form(sub_plan: SubPlan) -> SubPlanForm:
    form = SubPlanForm(obj=sub_plan)
    form.unit_id.keep(sub_plan.unit_id)
    form.plan_id.choices = [SelectChoice("", "—")] + [SelectChoice(str(pid), title)
                                                      for pid, title in services.plan_choices()]
    if not form.is_submitted():
        form.unit_id.data = str(sub_plan.unit_id or "")
        form.plan_id.data = str(sub_plan.plan_id or "")
    return form


def _apply_sub_plan(form: SubPlanForm, sub_plan: SubPlan):
    def apply():
        form.populate_obj(sub_plan)
        sub_plan.kind = SubPlanKind(form.kind.data)
        sub_plan.unit_id = int(form.unit_id.data)
        sub_plan.plan_id = int_or_none(form.plan_id.data)
        sub_plan.area = strip_or_none(sub_plan.area)
        sub_plan.note = strip_or_none(sub_plan.note)
    return apply


@bp.route("/delplaner/ny", methods=["GET", "POST"])
@requires(Permission.EDIT_PREPAREDNESS)
def sub_plan_create():
    sub_plan = SubPlan(title="", kind=SubPlanKind.DELPLAN)
    form = _sub_plan_form(sub_plan)
    return edit_record(sub_plan, form, _apply_sub_plan(form, sub_plan), "preparedness/form.html",
                       url_for(".sub_plans"), heading=_("Opret del- eller indsatsplan"), cancel=url_for(".sub_plans"),
                       hints={"last_revised_on": _("Næste revision beregnes ud fra denne dato og intervallet "
                                                   "i indstillingerne.")})


@bp.route("/delplaner/<int:sub_plan_id>/rediger", methods=["GET", "POST"])
@requires(Permission.EDIT_PREPAREDNESS)
def sub_plan_edit(sub_plan_id: int):
    sub_plan = db.session.get(SubPlan, sub_plan_id) or abort(404)
    form = _sub_plan_form(sub_plan)
    return edit_record(sub_plan, form, _apply_sub_plan(form, sub_plan), "preparedness/form.html",
                       url_for(".sub_plans"), heading=_("Rediger %(title)s", title=sub_plan.title),
                       cancel=url_for(".sub_plans"), history=history_page(SubPlan, sub_plan.id))


# --- governance bodies --------------------------------------------------------------------------

@bp.route("/organer/")
@requires(Permission.READ)
def bodies():
    return render_template("preparedness/bodies.html", rows=services.bodies())


def _body_form(body: GovernanceBody) -> BodyForm:
    form = BodyForm(obj=body)
    if not form.is_submitted():
        form.kind.data = body.kind.value if body.kind else BodyKind.WORKING_GROUP.value
    return form


def _apply_body(form: BodyForm, body: GovernanceBody):
    def apply():
        form.populate_obj(body)
        body.kind = BodyKind(form.kind.data)
        body.name = body.name.strip()
        body.mandate = strip_or_none(body.mandate)
        body.members = strip_or_none(body.members)
    return apply


_BODY_HINTS = {"mandate": _l("Hvad organet skal og må: opgaver, beslutningskompetence, hvem det refererer til."),
               "members": _l("Ét medlem pr. linje, fx „Anne Holm, beredskabschef, Brand og redning“.")}


@bp.route("/organer/ny", methods=["GET", "POST"])
@requires(Permission.EDIT_PREPAREDNESS)
def body_create():
    body = GovernanceBody(name="", kind=BodyKind.WORKING_GROUP, active=True)
    form = _body_form(body)
    return edit_record(body, form, _apply_body(form, body), "preparedness/form.html", url_for(".bodies"),
                       heading=_("Registrer organ"), cancel=url_for(".bodies"), hints=_BODY_HINTS)


@bp.route("/organer/<int:body_id>/rediger", methods=["GET", "POST"])
@requires(Permission.EDIT_PREPAREDNESS)
def body_edit(body_id: int):
    body = db.session.get(GovernanceBody, body_id) or abort(404)
    form = _body_form(body)
    return edit_record(body, form, _apply_body(form, body), "preparedness/form.html", url_for(".bodies"),
                       heading=_("Rediger %(title)s", title=body.name), cancel=url_for(".bodies"),
                       hints=_BODY_HINTS, history=history_page(GovernanceBody, body.id))


# --- leader introductions -----------------------------------------------------------------------

@bp.route("/introduktioner/")
@requires(Permission.READ)
def introductions():
    return render_template("preparedness/introductions.html", rows=services.introductions(),
                           today=services.today())


def _introduction_form(intro: LeaderIntroduction) -> IntroductionForm:
    form = IntroductionForm(obj=intro)
    form.unit_id.keep(intro.unit_id)
    if not form.is_submitted():
        form.unit_id.data = str(intro.unit_id or "")
    return form


def _apply_introduction(form: IntroductionForm, intro: LeaderIntroduction):
    def apply():
        form.populate_obj(intro)
        intro.unit_id = int_or_none(form.unit_id.data)
        intro.given_by = strip_or_none(intro.given_by)
        intro.note = strip_or_none(intro.note)
    return apply


@bp.route("/introduktioner/ny", methods=["GET", "POST"])
@requires(Permission.EDIT_PREPAREDNESS)
def introduction_create():
    intro = LeaderIntroduction(leader_name="")
    form = _introduction_form(intro)
    return edit_record(intro, form, _apply_introduction(form, intro), "preparedness/form.html",
                       url_for(".introductions"), heading=_("Registrer introduktion til beredskab"),
                       cancel=url_for(".introductions"))


@bp.route("/introduktioner/<int:intro_id>/rediger", methods=["GET", "POST"])
@requires(Permission.EDIT_PREPAREDNESS)
def introduction_edit(intro_id: int):
    intro = db.session.get(LeaderIntroduction, intro_id) or abort(404)
    form = _introduction_form(intro)
    return edit_record(intro, form, _apply_introduction(form, intro), "preparedness/form.html",
                       url_for(".introductions"), heading=_("Rediger introduktion"),
                       cancel=url_for(".introductions"),
                       history=history_page(LeaderIntroduction, intro.id))
