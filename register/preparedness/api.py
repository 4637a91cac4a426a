"""Plans, milestones, sub-plans, exercises and improvement points in the read API."""
import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from register.api.resources import (Field, Filter, Resource, date_filters, enum_filter, enum_values,
                                    register_resource, today)
from register.preparedness import rules
from register.preparedness.models import (Exercise, ExerciseLevel, ExercisePlan, ExerciseState, ExerciseSubPlan,
                                          ExerciseType, ExerciseUnit, ImprovementPoint, ImprovementStatus,
                                          LegalBasis, Milestone, MilestoneStatus, Plan, PlanStatus,
                                          ResponsibleBody, SubPlan, SubPlanKind)


def _name(unit) -> str | None:
    return unit.name if unit is not None else None


register_resource(Resource(
    name="plans", title="Beredskabsplaner", model=Plan,
    select=lambda: sa.select(Plan).options(joinedload(Plan.owner_unit)),
    fields=[
        Field("id", "ID", "integer", lambda p: p.id, nullable=False),
        Field("title", "Titel", "string", lambda p: p.title, nullable=False),
        Field("legal_basis", "Lovgrundlag", "string", lambda p: p.legal_basis, nullable=False,
              enum=enum_values(LegalBasis)),
        Field("council_term_start", "Valgperiode (første år)", "integer", lambda p: p.council_term_start,
              nullable=False),
        Field("status", "Status", "string", lambda p: p.status, nullable=False, enum=enum_values(PlanStatus)),
        Field("adopted_on", "Vedtaget", "date", lambda p: p.adopted_on),
        Field("brs_consulted_on", "Sendt til udtalelse hos Beredskabsstyrelsen", "date", lambda p: p.brs_consulted_on),
        Field("submitted_to_brs_on", "Indsendt til Beredskabsstyrelsen", "date", lambda p: p.submitted_to_brs_on,
              description="Den vedtagne plan (beredskabsloven § 25, stk. 4); samme dag som vedtagelsen eller senere"),
        Field("sst_advice_on", "Rådgivning fra Sundhedsstyrelsen indhentet", "date", lambda p: p.sst_advice_on),
        Field("in_force_from", "Gældende fra", "date", lambda p: p.in_force_from),
        Field("follows_plan_id", "Følger plan (ID)", "integer", lambda p: p.follows_plan_id),
        Field("owner_unit_id", "Ansvarlig enhed (ID)", "integer", lambda p: p.owner_unit_id),
        Field("owner_unit", "Ansvarlig enhed", "string", lambda p: _name(p.owner_unit)),
        Field("facilitator", "Tovholder", "string", lambda p: p.facilitator),
        Field("note", "Note", "string", lambda p: p.note),
    ],
    filters=[
        enum_filter("status", Plan.status, PlanStatus, "Status"),
        enum_filter("legal_basis", Plan.legal_basis, LegalBasis, "Lovgrundlag"),
        Filter("council_term_start", "integer", lambda s, v: s.where(Plan.council_term_start == v),
               "Valgperiodens første år"),
        Filter("unit_id", "integer", lambda s, v: s.where(Plan.owner_unit_id == v), "Ansvarlig enhed (ID)"),
    ],
))

MILESTONE_CLOSED = (MilestoneStatus.DONE, MilestoneStatus.CANCELLED)


def _milestone_overdue(stmt, value: bool):
    # Due by the end of the window's last month (rules.milestone_deadline): late once that month is over.
    late = sa.and_(Milestone.status.not_in(MILESTONE_CLOSED), Milestone.window_end < today().replace(day=1))
    return stmt.where(late if value else sa.not_(late))


register_resource(Resource(
    name="milestones", title="Milepæle i planrevisioner", model=Milestone,
    select=lambda: sa.select(Milestone).options(joinedload(Milestone.plan), joinedload(Milestone.responsible_unit)),
    fields=[
        Field("id", "ID", "integer", lambda m: m.id, nullable=False),
        Field("plan_id", "Plan (ID)", "integer", lambda m: m.plan_id, nullable=False),
        Field("plan", "Plan", "string", lambda m: m.plan.title, nullable=False),
        Field("position", "Rækkefølge", "integer", lambda m: m.position, nullable=False),
        Field("title", "Milepæl", "string", lambda m: m.title, nullable=False),
        Field("window_start", "Periode fra (måned)", "date", lambda m: m.window_start, nullable=False),
        Field("window_end", "Periode til (måned)", "date", lambda m: m.window_end, nullable=False),
        Field("deadline", "Frist", "date", lambda m: rules.milestone_deadline(m.window_end), nullable=False,
              description="Sidste dag i periodens sidste måned"),
        Field("responsible_body", "Ansvarligt organ", "string", lambda m: m.responsible_body,
              enum=enum_values(ResponsibleBody)),
        Field("responsible_unit_id", "Ansvarlig enhed (ID)", "integer", lambda m: m.responsible_unit_id),
        Field("responsible_unit", "Ansvarlig enhed", "string", lambda m: _name(m.responsible_unit)),
        Field("status", "Status", "string", lambda m: m.status, nullable=False, enum=enum_values(MilestoneStatus)),
        Field("completed_on", "Gennemført", "date", lambda m: m.completed_on),
        Field("overdue", "Frist overskredet", "boolean",
              lambda m: rules.milestone_is_late(m.window_end, m.status.closed, today()), nullable=False),
        Field("note", "Note", "string", lambda m: m.note),
    ],
    filters=[
        Filter("plan_id", "integer", lambda s, v: s.where(Milestone.plan_id == v), "Plan (ID)"),
        enum_filter("status", Milestone.status, MilestoneStatus, "Status"),
        Filter("unit_id", "integer", lambda s, v: s.where(Milestone.responsible_unit_id == v),
               "Ansvarlig enhed (ID)"),
        *date_filters("window_end", Milestone.window_end, "Periodens sidste måned"),
        Filter("overdue", "boolean", _milestone_overdue, "Fristen er overskredet, og milepælen er ikke afsluttet"),
    ],
))

register_resource(Resource(
    name="sub-plans", title="Delplaner og indsatsplaner", model=SubPlan,
    select=lambda: sa.select(SubPlan).options(joinedload(SubPlan.unit)),
    fields=[
        Field("id", "ID", "integer", lambda p: p.id, nullable=False),
        Field("title", "Titel", "string", lambda p: p.title, nullable=False),
        Field("kind", "Type", "string", lambda p: p.kind, nullable=False, enum=enum_values(SubPlanKind)),
        Field("unit_id", "Enhed (ID)", "integer", lambda p: p.unit_id, nullable=False),
        Field("unit", "Enhed", "string", lambda p: p.unit.name, nullable=False),
        Field("area", "Område", "string", lambda p: p.area),
        Field("plan_id", "Plan (ID)", "integer", lambda p: p.plan_id),
        Field("last_revised_on", "Senest revideret", "date", lambda p: p.last_revised_on),
        Field("active", "Aktiv", "boolean", lambda p: p.active, nullable=False),
        Field("note", "Note", "string", lambda p: p.note),
    ],
    filters=[
        enum_filter("kind", SubPlan.kind, SubPlanKind, "Delplan eller indsatsplan"),
        Filter("unit_id", "integer", lambda s, v: s.where(SubPlan.unit_id == v), "Enhed (ID)"),
        Filter("plan_id", "integer", lambda s, v: s.where(SubPlan.plan_id == v), "Plan (ID)"),
        Filter("active", "boolean", lambda s, v: s.where(SubPlan.active.is_(v)), "Kun aktive (true) eller inaktive"),
        *date_filters("revised", SubPlan.last_revised_on, "Senest revideret"),
    ],
))


def _filled(column):
    return sa.func.coalesce(column, "") != ""


def _exercise_state(stmt, value: str):
    """The state Exercise.state() derives, as SQL."""
    complete = sa.and_(_filled(Exercise.evaluation_purpose), _filled(Exercise.observations),
                       _filled(Exercise.criteria_assessment))
    held, day = Exercise.held_on.is_not(None), today()
    return stmt.where({
        ExerciseState.OVERDUE: sa.and_(~held, Exercise.planned_on < day),
        ExerciseState.PLANNED: sa.and_(~held, sa.or_(Exercise.planned_on.is_(None), Exercise.planned_on >= day)),
        ExerciseState.EVALUATED: sa.and_(held, complete),
        ExerciseState.HELD: sa.and_(held, ~complete),
    }[ExerciseState(value)])


def _exercise_unit(stmt, unit_id: int):
    return stmt.where(sa.or_(Exercise.responsible_unit_id == unit_id, sa.exists().where(
        ExerciseUnit.exercise_id == Exercise.id, ExerciseUnit.unit_id == unit_id)))


register_resource(Resource(
    name="exercises", title="Øvelser", model=Exercise,
    select=lambda: sa.select(Exercise).options(
        joinedload(Exercise.responsible_unit), selectinload(Exercise.unit_links),
        selectinload(Exercise.plan_links), selectinload(Exercise.sub_plan_links),
        selectinload(Exercise.requirement_links)),
    fields=[
        Field("id", "ID", "integer", lambda e: e.id, nullable=False),
        Field("title", "Titel", "string", lambda e: e.title, nullable=False),
        Field("exercise_type", "Øvelsestype", "string", lambda e: e.exercise_type, nullable=False,
              enum=enum_values(ExerciseType)),
        Field("level", "Niveau", "string", lambda e: e.level, nullable=False, enum=enum_values(ExerciseLevel)),
        Field("state", "Tilstand", "string", lambda e: e.state(today()), nullable=False,
              enum=enum_values(ExerciseState), description="Afledt af datoerne og evalueringen"),
        Field("responsible_unit_id", "Ansvarlig enhed (ID)", "integer", lambda e: e.responsible_unit_id),
        Field("responsible_unit", "Ansvarlig enhed", "string", lambda e: _name(e.responsible_unit)),
        Field("planned_on", "Planlagt", "date", lambda e: e.planned_on),
        Field("held_on", "Afholdt", "date", lambda e: e.held_on),
        Field("evaluated_on", "Evalueret", "date", lambda e: e.evaluated_on),
        Field("evaluation_complete", "Evaluering fuldstændig", "boolean", lambda e: e.evaluation_complete,
              nullable=False),
        Field("unit_ids", "Deltagende enheder (ID'er)", "array",
              lambda e: sorted(link.unit_id for link in e.unit_links), nullable=False),
        Field("plan_ids", "Planer (ID'er)", "array", lambda e: sorted(link.plan_id for link in e.plan_links),
              nullable=False),
        Field("sub_plan_ids", "Delplaner (ID'er)", "array",
              lambda e: sorted(link.sub_plan_id for link in e.sub_plan_links), nullable=False),
        Field("requirement_refs", "Krav", "string", lambda e: ", ".join(sorted(
            f"{link.requirement.catalog.code}:{link.requirement.ref}" for link in e.requirement_links)),
              nullable=False, description="Kravnøgler, fx beredskab:hob.7"),
        Field("scenario", "Scenarie", "string", lambda e: e.scenario),
    ],
    filters=[
        enum_filter("exercise_type", Exercise.exercise_type, ExerciseType, "Øvelsestype"),
        enum_filter("level", Exercise.level, ExerciseLevel, "Niveau"),
        Filter("state", "string", _exercise_state, "Tilstand", enum=enum_values(ExerciseState)),
        Filter("unit_id", "integer", _exercise_unit, "Ansvarlig eller deltagende enhed (ID)"),
        Filter("plan_id", "integer", lambda s, v: s.where(sa.exists().where(
            ExercisePlan.exercise_id == Exercise.id, ExercisePlan.plan_id == v)), "Øvelser der afprøver planen"),
        Filter("sub_plan_id", "integer", lambda s, v: s.where(sa.exists().where(
            ExerciseSubPlan.exercise_id == Exercise.id, ExerciseSubPlan.sub_plan_id == v)),
            "Øvelser der afprøver delplanen"),
        *date_filters("planned", Exercise.planned_on, "Planlagt"),
        *date_filters("held", Exercise.held_on, "Afholdt"),
    ],
))

IMPROVEMENT_CLOSED = (ImprovementStatus.DONE, ImprovementStatus.DROPPED)


def _improvement_overdue(stmt, value: bool):
    late = sa.and_(ImprovementPoint.status.not_in(IMPROVEMENT_CLOSED), ImprovementPoint.due_on < today())
    return stmt.where(late if value else sa.not_(sa.func.coalesce(late, False)))


register_resource(Resource(
    name="improvement-points", title="Forbedringspunkter fra øvelser", model=ImprovementPoint,
    select=lambda: sa.select(ImprovementPoint).options(joinedload(ImprovementPoint.exercise),
                                                       joinedload(ImprovementPoint.owner_unit)),
    fields=[
        Field("id", "ID", "integer", lambda i: i.id, nullable=False),
        Field("exercise_id", "Øvelse (ID)", "integer", lambda i: i.exercise_id, nullable=False),
        Field("exercise", "Øvelse", "string", lambda i: i.exercise.title, nullable=False),
        Field("title", "Titel", "string", lambda i: i.title, nullable=False),
        Field("description", "Beskrivelse", "string", lambda i: i.description),
        Field("owner_unit_id", "Ansvarlig enhed (ID)", "integer", lambda i: i.owner_unit_id),
        Field("owner_unit", "Ansvarlig enhed", "string", lambda i: _name(i.owner_unit)),
        Field("due_on", "Frist", "date", lambda i: i.due_on),
        Field("status", "Status", "string", lambda i: i.status, nullable=False, enum=enum_values(ImprovementStatus)),
        Field("completed_on", "Gennemført", "date", lambda i: i.completed_on),
        Field("overdue", "Frist overskredet", "boolean",
              lambda i: not i.status.closed and i.due_on is not None and i.due_on < today(), nullable=False),
    ],
    filters=[
        enum_filter("status", ImprovementPoint.status, ImprovementStatus, "Status"),
        Filter("exercise_id", "integer", lambda s, v: s.where(ImprovementPoint.exercise_id == v), "Øvelse (ID)"),
        Filter("unit_id", "integer", lambda s, v: s.where(ImprovementPoint.owner_unit_id == v),
               "Ansvarlig enhed (ID)"),
        *date_filters("due", ImprovementPoint.due_on, "Frist"),
        Filter("overdue", "boolean", _improvement_overdue, "Fristen er overskredet, og punktet er ikke afsluttet"),
    ],
))
