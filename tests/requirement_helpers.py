"""Helpers for tests that need requirements and their assessments: ids by reference, assessments stored directly."""
import sqlalchemy as sa

from register.catalogs.models import Catalog, Requirement
from register.extensions import db
from register.requirements import services
from register.requirements.models import RequirementAssessment


def req_id(app, full_ref: str) -> int:
    code, ref = full_ref.split(":", 1)
    with app.app_context():
        return db.session.execute(sa.select(Requirement.id).join(Catalog)
                                  .where(Catalog.code == code, Requirement.ref == ref)).scalar_one()


def assess(app, full_ref, **values):
    """Store an assessment directly (a test factory)."""
    with app.app_context():
        req = db.session.get(Requirement, req_id(app, full_ref))
        defaults = {"applicable": True, "status_from_controls": False}
        services.save_assessment(req, services.assessment_for(req.id), defaults | values)
        db.session.commit()


def assessment(app, full_ref) -> RequirementAssessment | None:
    with app.app_context():
        a = services.assessment_for(req_id(app, full_ref))
        if a is not None:
            db.session.expunge(a)
        return a
