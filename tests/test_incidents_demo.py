"""The demo loader adds fictional incidents and training data to the demo municipality."""
import sqlalchemy as sa

from register.extensions import db
from register.incidents.models import Incident, IncidentRequirement, Lesson, Significance
from register.incidents.services import StepState, incident_page
from register.training import services as training
from register.training.models import Approval, CampaignUnit
from register.training.services import TrainingStatus

from conftest import html


def test_demo_has_a_significant_incident_with_a_late_report_and_training_in_every_state(app, catalogs, client):
    runner = app.test_cli_runner()
    assert "Demo data loaded." in runner.invoke(args=["demo"]).output
    assert "already loaded" in runner.invoke(args=["demo"]).output
    with app.app_context():
        rows = incident_page(1).items
        assert len(rows) == 3
        significant = [r for r in rows if r.incident.significance == Significance.SIGNIFICANT]
        assert len(significant) == 1
        states = [s.state for s in significant[0].steps]
        assert states == [StepState.LATE, StepState.ON_TIME, StepState.ON_REQUEST, StepState.PENDING]
        assert db.session.execute(sa.select(sa.func.count(IncidentRequirement.id))).scalar() == 2
        assert db.session.execute(sa.select(sa.func.count(Lesson.id))).scalar() == 2
        statuses = {row.status for row in training.trainee_rows()}
        assert statuses == set(TrainingStatus)
        assert db.session.execute(sa.select(sa.func.count(CampaignUnit.id))).scalar() == 3
        assert db.session.execute(sa.select(sa.func.count(Approval.id))).scalar() == 2
        assert db.session.execute(sa.select(sa.func.count(Incident.id))).scalar() == 3
    assert client.post("/konto/login", data={"email": "direktion@nordsoe.example",
                                             "password": "demo-register-2026"}).status_code == 302
    home = html(client.get("/"))
    assert "Ransomware på filserver" in home and "Claus Kommunalbestyrelse" in home
