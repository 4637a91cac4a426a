"""Linking one of thousands of records: a search narrows the choice, so the page does not grow with the data."""
import datetime as dt

import pytest
import sqlalchemy as sa

from register.catalogs.models import Requirement
from register.controls.models import Control, ControlRequirement, ControlStatus
from register.core.picker import SHOW_ALL_UP_TO
from register.extensions import db
from register.core.db import utcnow
from register.incidents.models import Incident, IncidentControl

from conftest import html


@pytest.fixture
def many_controls(app, catalogs):
    with app.app_context():
        for i in range(SHOW_ALL_UP_TO + 50):
            db.session.add(Control(title=f"Tiltag {i:04d}", status=ControlStatus.PLANNED))
        db.session.add(Control(title="Logning af administratoradgang", status=ControlStatus.PLANNED))
        db.session.commit()
        return {
            "req": db.session.execute(sa.select(Requirement.id).where(Requirement.ref == "21.2.d")).scalar_one(),
            "logging": db.session.execute(sa.select(Control.id).where(Control.title.like("Logning%"))).scalar_one(),
        }


def test_a_few_controls_are_offered_in_one_select(app, client, login, catalogs):
    login("security")
    with app.app_context():
        db.session.add(Control(title="Backup af servere", status=ControlStatus.PLANNED))
        db.session.commit()
        rid = db.session.execute(sa.select(Requirement.id).where(Requirement.ref == "21.2.d")).scalar_one()
    page = html(client.get(f"/krav/{rid}"))
    assert "Backup af servere</option>" in page and 'name="tiltag_soeg"' not in page


def test_many_controls_are_searched_first_then_picked(app, client, login, many_controls):
    login("security")
    rid = many_controls["req"]
    page = html(client.get(f"/krav/{rid}"))
    assert 'name="tiltag_soeg"' in page and "Der er 151 tiltag" in page
    assert "Tiltag 0001</option>" not in page  # no select with every control
    found = html(client.get(f"/krav/{rid}?tiltag_soeg=logning"))
    assert "Logning af administratoradgang</option>" in found and "Tiltag 0001</option>" not in found
    assert "1 passer." in found
    broad = html(client.get(f"/krav/{rid}?tiltag_soeg=tiltag"))
    assert "150 passer; de første 50 kan vælges" in broad and broad.count("</option>") == 51
    assert "Intet passer til „zzz“" in html(client.get(f"/krav/{rid}?tiltag_soeg=zzz"))
    response = client.post(f"/krav/{rid}/tiltag", data={"control_id": str(many_controls["logging"])})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.execute(sa.select(ControlRequirement).where(
            ControlRequirement.requirement_id == rid)).scalar_one().control_id == many_controls["logging"]


@pytest.mark.parametrize("value, message", [("", "Vælg et tiltag."), ("abc", "Ugyldigt valg."),
                                            ("999999", "findes ikke"), ("99999999999999", "findes ikke")])
def test_a_missing_or_tampered_choice_is_refused_and_saves_nothing(app, client, login, many_controls, value,
                                                                   message):
    login("security")
    response = client.post(f"/krav/{many_controls['req']}/tiltag", data={"control_id": value})
    assert response.status_code == 422 and message in html(response)
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(ControlRequirement.id))).scalar() == 0


def test_the_incident_page_searches_requirements_and_controls(app, client, login, many_controls):
    login("security")
    with app.app_context():
        incident = Incident(title="Phishing", detected_at=utcnow() - dt.timedelta(hours=2),
                            aware_at=utcnow() - dt.timedelta(hours=1), description="Mails med falsk link")
        db.session.add(incident)
        db.session.commit()
        incident_id = incident.id
    page = html(client.get(f"/haendelser/{incident_id}"))
    assert 'name="tiltag_soeg"' in page and "Tiltag 0001</option>" not in page
    found = html(client.get(f"/haendelser/{incident_id}?tiltag_soeg=logning&krav_soeg=21(2)(d)"))
    assert "Logning af administratoradgang</option>" in found
    assert client.post(f"/haendelser/{incident_id}/tiltag", data={"control_id": str(many_controls["logging"]),
                                                                   "note": "Manglede"}).status_code == 302
    with app.app_context():
        assert db.session.execute(sa.select(IncidentControl.control_id)).scalar_one() == many_controls["logging"]
    assert client.post(f"/haendelser/{incident_id}/tiltag", data={"control_id": "abc"}).status_code == 302
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(IncidentControl.id))).scalar() == 1
