"""Demo data for the preparedness part: the revision timeline from the minutes, sub-plans, exercises."""
import datetime as dt

import sqlalchemy as sa

from register.catalogs.models import Catalog, Requirement
from register.extensions import db
from register.organisation.models import Unit
from register.preparedness import rules, services
from register.preparedness.models import (
    BodyKind, Exercise, ExerciseLevel, ExerciseTarget, ExerciseType, GovernanceBody, ImprovementPoint,
    ImprovementStatus, LeaderIntroduction, LegalBasis, Plan, PlanStatus, SubPlan, SubPlanKind, TargetKind)

D = dt.date.fromisoformat

SUB_PLANS = [  # (title, kind, unit, area, last revised)
    ("Delplan for IT-nedbrud", SubPlanKind.DELPLAN, "IT-drift", "Digitalisering", "2025-11-12"),
    ("Delplan for Sundhed og Omsorg", SubPlanKind.DELPLAN, "Sundhed og Omsorg", "Ældrepleje", "2023-05-02"),
    ("Indsatsplan for langvarig strømafbrydelse på plejecentre", SubPlanKind.INDSATSPLAN, "Sundhed og Omsorg",
     "Ældrepleje", "2025-10-28"),
    ("Delplan for skoler", SubPlanKind.DELPLAN, "Skoler", "Undervisning", "2024-08-20"),
    ("Indsatsplan for oversvømmelse af kommunale bygninger", SubPlanKind.INDSATSPLAN, "Kommunale ejendomme",
     "Bygninger", None),
    ("Delplan for vej og park", SubPlanKind.DELPLAN, "Vej og Park", "Veje og vintertjeneste", "2025-11-05"),
    ("Indsatsplan for krisekommunikation", SubPlanKind.INDSATSPLAN, "Kommunikation", "Kommunikation",
     "2026-02-10"),
]


def load_preparedness_demo(data: dict) -> dict:
    """Create the demo plans, timeline, sub-plans and exercises of `data` (the demo file's plan_revision) once
    (flushes; the caller commits)."""
    if db.session.execute(sa.select(sa.func.count(Plan.id))).scalar():
        return {"created": False}
    units = list(db.session.execute(sa.select(Unit)).scalars())
    unit = {u.name: u for u in units}
    settings = services.settings(create=True)

    previous = Plan(title="Politik og Plan for Fortsat Drift 2022-2025", legal_basis=LegalBasis.BEREDSKABSLOVEN_25,
                    council_term_start=2022, status=PlanStatus.SUPERSEDED, adopted_on=D("2022-03-24"),
                    submitted_to_brs_on=D("2022-04-04"), in_force_from=D("2022-04-01"),
                    owner_unit_id=unit["Direktionssekretariatet"].id, facilitator=data["facilitator"], is_demo=True)
    term = int(data["council_term"].split("-")[0])
    milestones = data["milestones"]
    adoption = next(m for m in milestones if m["responsible"] == "Kommunalbestyrelsen" and "godkend" in m["title"])
    # § 25, stk. 4: the adopted plan is submitted after the council's adoption; the earlier draft went for comments
    submission = next(m for m in milestones if m["responsible"] == "Beredskabsstyrelsen" and "indsendes" in m["title"])
    consultation = next(m for m in milestones if "udtalelse" in m["title"])
    plan = Plan(title=data["plan"], legal_basis=LegalBasis.BEREDSKABSLOVEN_25, council_term_start=term,
                status=PlanStatus.IN_FORCE, adopted_on=D(adoption["done"]),
                submitted_to_brs_on=D(submission["done"]), brs_consulted_on=D(consultation["done"]),
                in_force_from=D(milestones[-1]["done"]),
                owner_unit_id=unit["Direktionssekretariatet"].id, facilitator=data["facilitator"], is_demo=True,
                note="Revideret efter tidsplanen i Direktionens referat af 19-02-2025 (punkt 1). Arbejdsgruppen for "
                     "beredskab gennemgår planen årligt (referat 26-03-2025, punkt 2).")
    db.session.add_all([previous, plan])
    db.session.flush()
    health = Plan(title="Sundhedsberedskabsplan 2026-2029", legal_basis=LegalBasis.SUNDHEDSLOVEN_210,
                  council_term_start=term, status=PlanStatus.IN_FORCE, adopted_on=plan.adopted_on,
                  in_force_from=plan.in_force_from, follows_plan_id=plan.id, owner_unit_id=unit["Sundhed og Omsorg"].id,
                  sst_advice_on=D("2025-08-20"),
                  legal_basis_note="Delplan til beredskabsplanen, hjemlet i sundhedsloven; følger Politik og Plan for "
                                   "Fortsat Drift i den politiske godkendelse. Rådgivning fra Sundhedsstyrelsen "
                                   "indhentet forud for vedtagelsen.", is_demo=True)
    db.session.add(health)
    db.session.add_all([  # fictional people of the fictional demo municipality
        GovernanceBody(kind=BodyKind.WORKING_GROUP, name="Arbejdsgruppen for beredskab", active=True,
                       mandate="Reviderer Politik og Plan for Fortsat Drift i hver valgperiode, gennemgår planen "
                               "årligt og følger op på øvelser. Refererer til direktionen.",
                       members="Beredskabskoordinator, Direktionssekretariatet\nIT-sikkerhedskoordinator, "
                               "Digitalisering og IT\nKommunikationskonsulent\nRepræsentant for brand og redning"),
        GovernanceBody(kind=BodyKind.STEERING, name="IT-sikkerhedsstyregruppen", active=True,
                       mandate="Godkender risikovurderinger og sikkerhedsforanstaltninger på direktionens vegne og "
                               "følger handlingsplanen.",
                       members="Kommunaldirektør (formand)\nIT-chef\nInformationssikkerhedskoordinator")])
    lines = []
    for number, m in enumerate(milestones, start=1):
        start, end = rules.parse_window(m["window"])
        lines.append(services.MilestoneLine(number, start, end, m["title"],
                                            services.parse_responsible(m["responsible"], units),
                                            D(m["done"]) if m["done"] else None))
    services.add_milestones(plan, lines)
    services.add_review(plan, D("2026-06-17"), "Arbejdsgruppen for beredskab",
                        "Planen gennemgået; kontaktlister opdateret, kriserum flyttet til rådhusets kælder.")

    sub_plans = [SubPlan(title=t, kind=k, unit_id=unit[u].id, area=a, plan_id=plan.id,
                         last_revised_on=D(r) if r else None) for t, k, u, a, r in SUB_PLANS]
    db.session.add_all(sub_plans)
    db.session.flush()

    hob7 = db.session.execute(sa.select(Requirement).join(Catalog)
                              .where(Catalog.code == "beredskab", Requirement.ref == "hob.7")).scalar()
    board = Exercise(title="Dilemmaøvelse for krisestaben: langvarig strømafbrydelse",
                     exercise_type=ExerciseType.DILEMMA, level=ExerciseLevel.BOARD,
                     responsible_unit_id=unit["Direktionssekretariatet"].id, planned_on=D("2026-04-15"),
                     held_on=D("2026-04-15"), is_demo=True,
                     scenario="Strømmen er væk i hele kommunen i 36 timer; mobilnettet falder ud efter 4 timer.",
                     evaluation_purpose="Afprøve aktivering af krisestaben og beslutninger om prioritering af "
                                        "kritiske funktioner.",
                     observations="Observatører noterede tidspunkter for aktivering, beslutninger og "
                                  "kommunikation; deltagerne udfyldte et spørgeskema.",
                     criteria_assessment="Aktivering inden for 60 minutter: nået (45 min.). Situationsbillede "
                                         "delt inden for 2 timer: ikke nået.",
                     went_well="Hurtig aktivering; klar rollefordeling.",
                     must_improve="Fælles situationsbillede og reservekommunikation.", evaluated_on=D("2026-05-06"),
                     unit_links=[], plan_links=[], sub_plan_links=[], requirement_links=[])
    services.save_exercise_links(board, [unit["Direktionssekretariatet"].id, unit["Kommunikation"].id,
                                         unit["IT-drift"].id], [plan.id], [sub_plans[0].id],
                                 [hob7.id] if hob7 else [])
    school = Exercise(title="Evakuering af skoler", exercise_type=ExerciseType.PROCEDURE,
                      level=ExerciseLevel.SUB_PLAN, responsible_unit_id=unit["Skoler"].id,
                      planned_on=D("2026-09-10"), held_on=D("2026-09-10"), went_well="Alle elever ude på 6 minutter.",
                      is_demo=True, unit_links=[], plan_links=[], sub_plan_links=[], requirement_links=[])
    services.save_exercise_links(school, [unit["Skoler"].id], [], [sub_plans[3].id], [])
    planned = Exercise(title="Krisestyringsøvelse: cyberangreb mod kommunens systemer",
                       exercise_type=ExerciseType.CRISIS_MANAGEMENT, level=ExerciseLevel.BOARD,
                       responsible_unit_id=unit["Digitalisering og IT"].id, planned_on=D("2027-02-10"), is_demo=True,
                       scenario="Ransomware krypterer fagsystemer; borgerrettede selvbetjeningsløsninger er nede.",
                       unit_links=[], plan_links=[], sub_plan_links=[], requirement_links=[])
    services.save_exercise_links(planned, [unit["Digitalisering og IT"].id, unit["Kommunikation"].id], [plan.id],
                                 [sub_plans[0].id, sub_plans[6].id], [hob7.id] if hob7 else [])
    db.session.add_all([board, school, planned])
    db.session.flush()
    db.session.add_all([
        ImprovementPoint(exercise_id=board.id, title="Fælles situationsbillede i krisestaben",
                         description="Skabelon og ansvarlig for situationsbilledet.",
                         owner_unit_id=unit["Direktionssekretariatet"].id, due_on=D("2026-10-01"),
                         status=ImprovementStatus.IN_PROGRESS),
        ImprovementPoint(exercise_id=board.id, title="Reservekommunikation uden mobilnet",
                         owner_unit_id=unit["IT-drift"].id, due_on=D("2026-12-15"), status=ImprovementStatus.OPEN),
        ExerciseTarget(kind=TargetKind.BOARD_EXERCISES_PER_YEAR, value=1,
                       note="Mindst én øvelse for direktionen/krisestaben om året (fokusområde 2026-2029)."),
        ExerciseTarget(kind=TargetKind.SUB_PLAN_EXERCISED_WITHIN, value=3,
                       note="Hver delplan og indsatsplan øves mindst én gang på tre år."),
        LeaderIntroduction(leader_name="Kasper Holm", unit_id=unit["Direktionssekretariatet"].id,
                           started_on=D("2026-02-01"), introduced_on=D("2026-03-12"), given_by="Brand og redning"),
        LeaderIntroduction(leader_name="Louise Borg", unit_id=unit["Dagtilbud"].id, started_on=D("2026-08-01"),
                           planned_on=D("2026-12-03"), given_by="Arbejdsgruppen for beredskab"),
    ])
    db.session.flush()
    return {"created": True, "plans": 3, "milestones": len(lines), "sub_plans": len(sub_plans), "settings": settings.id}
