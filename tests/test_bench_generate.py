"""The benchmark dataset generator: consistent rows, ten years of history, a hash chain that verifies."""
import datetime as dt

import sqlalchemy as sa

from bench.generate import Scale, generate
from register.catalogs.models import Catalog, Requirement
from register.core.history import ChangeLog, snapshot, state_as_of, verify_chain
from register.extensions import db
from register.gap.models import Finding
from register.requirements.models import RequirementAssessment
from register.risks.models import Risk
from register.suppliers.models import Supplier


def test_generated_data_has_verifiable_backdated_history(app, catalogs):
    scale = Scale(requirements=700, controls=30, findings=25, exercises=6, units=12, incidents=4, years=10,
                  risks=40, suppliers=10)
    with app.app_context():
        made = generate(scale, today=dt.date(2026, 6, 1))
        assert made["findings"] == 25 and made["exercises"] == 6 and made["controls"] == 30
        assert made["risks"] == 40 and made["suppliers"] == 10
        assert db.session.execute(sa.select(sa.func.count(Requirement.id))).scalar() == 700
        assert db.session.execute(sa.select(Catalog.id).where(Catalog.code == "bench-1")).scalar() is not None
        assert verify_chain(db.session).ok
        first, last = db.session.execute(sa.select(sa.func.min(ChangeLog.at), sa.func.max(ChangeLog.at))).one()
        assert (last - first).days > 9 * 365
        # The newest history state of every generated record is exactly the stored row.
        for model in (RequirementAssessment, Finding, Risk, Supplier):
            for obj in db.session.execute(sa.select(model)).scalars():
                assert state_as_of(db.session, model, obj.id, dt.date(2026, 6, 1)) == snapshot(obj)
        # And the past differs: some assessments were 'not started' before they got their status.
        history_statuses = {row.changes["status"][0] for row in db.session.execute(
            sa.select(ChangeLog).where(ChangeLog.entity == "requirement_assessment", ChangeLog.action == "update"))
            .scalars() if "status" in row.changes}
        assert "not_started" in history_statuses
