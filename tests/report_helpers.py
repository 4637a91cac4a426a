"""The annual-report tests' known dataset: a small municipality whose figures the tests assert."""
import datetime as dt

import sqlalchemy as sa

from register.catalogs.models import Catalog, Requirement
from register.extensions import db
from register.gap.models import (Assessment, AssessorKind, ControlScore, CostLevel, Finding, FindingSource,
                                 FindingStatus, Severity)
from register.incidents.models import Incident, IncidentStatus, Significance
from register.preparedness.models import (Exercise, ExerciseLevel, ExerciseTarget, ExerciseType, LegalBasis,
                                          Milestone, MilestoneStatus, Plan, PlanStatus, SubPlan, SubPlanKind,
                                          TargetKind)
from register.requirements.models import ImplementationStatus as S
from register.training.models import Approval, ApprovalBody

from requirement_helpers import assess

RECORDED = dt.datetime(2025, 3, 1, 12, tzinfo=dt.UTC)  # when the known dataset "was entered"
AS_OF = dt.date(2025, 3, 31)


def _req(code: str, ref: str) -> int:
    return db.session.execute(sa.select(Requirement.id).join(Catalog).where(
        Catalog.code == code, Requirement.ref == ref)).scalar_one()


def enter_known(app, make_unit):
    """A small municipality whose figures we know; returns {'unit': id}. The `known` fixture enters it."""
    it = make_unit(name="Digitalisering og IT")
    assess(app, "nis2:21.2.a", status=S.IMPLEMENTED, responsible_unit_id=it)
    assess(app, "nis2:21.2.b", status=S.PARTLY, responsible_unit_id=it)
    assess(app, "nis2:21.2.c", status=S.IMPLEMENTED)
    assess(app, "nis2:20.1", applicable=False, applicability_reason="Varetages af kommunalbestyrelsen")
    with app.app_context():
        gap = Assessment(name="Gap-analyse 2025", assessed_on=dt.date(2025, 2, 15),
                         assessor_kind=AssessorKind.EXTERNAL, method="CIS Controls v8")
        db.session.add(gap)
        db.session.flush()
        db.session.add_all([
            ControlScore(assessment_id=gap.id, requirement_id=_req("cis-v8", "1"), current_level=2, target_level=4),
            ControlScore(assessment_id=gap.id, requirement_id=_req("cis-v8", "2"), current_level=3, target_level=3),
            Finding(title="Mangler totrinsgodkendelse", severity=Severity.CRITICAL, cost=CostLevel.LOW,
                    identified_on=dt.date(2025, 2, 15), due_on=dt.date(2025, 2, 20), unit_id=it,
                    source_kind=FindingSource.GAP_ANALYSIS),
            Finding(title="Gammel printerserver", severity=Severity.LOW, identified_on=dt.date(2025, 2, 15),
                    status=FindingStatus.CLOSED, closed_on=dt.date(2025, 2, 25)),
        ])
        plan = Plan(title="Beredskabsplan 2022-2025", legal_basis=LegalBasis.BEREDSKABSLOVEN_25,
                    council_term_start=2022, status=PlanStatus.IN_FORCE, adopted_on=dt.date(2022, 6, 1),
                    submitted_to_brs_on=dt.date(2022, 7, 1))
        db.session.add(plan)
        db.session.flush()
        db.session.add_all([
            Milestone(plan_id=plan.id, title="Risikoprofil opdateret", window_start=dt.date(2025, 1, 1),
                      window_end=dt.date(2025, 2, 1), status=MilestoneStatus.DONE, completed_on=dt.date(2025, 2, 10)),
            Milestone(plan_id=plan.id, title="Udkast til høring", window_start=dt.date(2025, 1, 1),
                      window_end=dt.date(2025, 1, 1)),
            SubPlan(title="Delplan for Skoler", kind=SubPlanKind.DELPLAN, unit_id=it,
                    last_revised_on=dt.date(2022, 1, 1)),
            Exercise(title="Krisestyringsøvelse for direktionen", exercise_type=ExerciseType.CRISIS_MANAGEMENT,
                     level=ExerciseLevel.BOARD, held_on=dt.date(2025, 2, 10), evaluation_purpose="Formål",
                     observations="Observationer", criteria_assessment="Vurdering", evaluated_on=dt.date(2025, 2, 20)),
            ExerciseTarget(kind=TargetKind.BOARD_EXERCISES_PER_YEAR, value=1),
            Incident(title="Ransomware på filserver", detected_at=dt.datetime(2025, 2, 1, 9, tzinfo=dt.UTC),
                     aware_at=dt.datetime(2025, 2, 1, 10, tzinfo=dt.UTC), description="Kryptering",
                     significance=Significance.SIGNIFICANT, status=IncidentStatus.HANDLING),
            Approval(approved_on=dt.date(2025, 2, 5), body=ApprovalBody.EXECUTIVE, reference="Sag 12",
                     subject="Godkendelse af cybersikkerhedsforanstaltninger"),
        ])
        db.session.commit()
    return {"unit": it}
