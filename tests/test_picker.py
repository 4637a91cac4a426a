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


# --- The requirements a finding or exercise concerns, among thousands -------------------------------------

@pytest.fixture
def many_requirements(app, catalogs):
    """A catalogue large enough that forms stop listing every requirement; returns ids by title."""
    from register.catalogs.models import Catalog
    from register.core.picker import CHOOSE_IN_FORM_UP_TO

    with app.app_context():
        catalog = Catalog(code="stor", version="1", title_da="Stort katalog", sort_order=200)
        db.session.add(catalog)
        db.session.flush()
        titles = [f"Krav {i:04d}" for i in range(CHOOSE_IN_FORM_UP_TO + 20)] + ["Sikkerhedskopiering af borgerdata"]
        db.session.add_all(Requirement(catalog_id=catalog.id, ref=f"S.{i}", display_ref=f"S.{i}", position=i,
                                       title_da=title, search_text=title.lower()) for i, title in enumerate(titles))
        db.session.commit()
        return dict(db.session.execute(sa.select(Requirement.title_da, Requirement.id)
                                       .where(Requirement.catalog_id == catalog.id)).all())


def _finding_links(app, finding_id):
    from register.gap.models import FindingRequirement

    with app.app_context():
        return set(db.session.execute(sa.select(FindingRequirement.requirement_id)
                                      .where(FindingRequirement.finding_id == finding_id)).scalars())


def test_a_finding_form_keeps_the_linked_requirements_and_the_page_searches_for_more(app, client, login,
                                                                                    many_requirements):
    from register.gap.models import Finding, FindingSource, FindingStatus, Severity
    from register.gap.services import set_requirements

    first, backup = many_requirements["Krav 0003"], many_requirements["Sikkerhedskopiering af borgerdata"]
    with app.app_context():
        finding = Finding(title="Ingen test af gendannelse", severity=Severity.HIGH, status=FindingStatus.OPEN,
                          source_kind=FindingSource.OTHER, identified_on=dt.date(2026, 3, 1))
        db.session.add(finding)
        set_requirements(finding, {first})
        db.session.commit()
        finding_id, version = finding.id, finding.version
    login("security")
    form = html(client.get(f"/gap-analyse/fund/{finding_id}/rediger"))
    assert form.count('name="requirements"') == 1 and f'value="{first}" checked' in form
    assert "Krav 0004" not in form and len(form) < 60_000  # not a select of 520 requirements
    assert "Gem fundet først" in html(client.get("/gap-analyse/fund/ny"))

    page = html(client.get(f"/gap-analyse/fund/{finding_id}"))
    assert 'name="krav_soeg"' in page and "Krav 0004</option>" not in page
    found = html(client.get(f"/gap-analyse/fund/{finding_id}?krav_soeg=sikkerhedskopiering"))
    assert "Sikkerhedskopiering af borgerdata</option>" in found
    response = client.post(f"/gap-analyse/fund/{finding_id}/krav", data={"requirement_id": str(backup)})
    assert response.status_code == 302 and response.headers["Location"].endswith("#krav")
    assert _finding_links(app, finding_id) == {first, backup}
    assert "Kravet er knyttet til fundet." in html(client.get(f"/gap-analyse/fund/{finding_id}"))

    # A form opened before the link was added is refused, not allowed to drop the new link unseen.
    data = {"title": "Ingen test af gendannelse", "severity": "high", "status": "open", "identified_on": "2026-03-01",
            "cost": "", "assessment_id": "", "unit_id": "", "priority_override": "", "requirements": [str(first)]}
    stale = client.post(f"/gap-analyse/fund/{finding_id}/rediger", data=data | {"version": str(version)})
    assert stale.status_code == 409 and _finding_links(app, finding_id) == {first, backup}
    # Unticking a linked requirement in a current form removes just that one.
    with app.app_context():
        version = db.session.get(Finding, finding_id).version
    saved = client.post(f"/gap-analyse/fund/{finding_id}/rediger",
                        data=data | {"version": str(version), "requirements": [str(backup)]})
    assert saved.status_code == 302, html(saved)
    assert _finding_links(app, finding_id) == {backup}
    # A requirement that was never offered in the form cannot be slipped in.
    other = many_requirements["Krav 0100"]
    with app.app_context():
        version = db.session.get(Finding, finding_id).version
    assert client.post(f"/gap-analyse/fund/{finding_id}/rediger", data=data | {
        "version": str(version), "requirements": [str(backup), str(other)]}).status_code == 422
    assert _finding_links(app, finding_id) == {backup}


@pytest.mark.parametrize("value", ["", "abc", "99999999"])
def test_linking_a_missing_requirement_to_a_finding_changes_nothing(app, client, login, many_requirements, value):
    from register.gap.models import Finding, FindingSource, FindingStatus, Severity

    with app.app_context():
        finding = Finding(title="Fund", severity=Severity.LOW, status=FindingStatus.OPEN,
                          source_kind=FindingSource.OTHER, identified_on=dt.date(2026, 3, 1))
        db.session.add(finding)
        db.session.commit()
        finding_id = finding.id
    login("security")
    response = client.post(f"/gap-analyse/fund/{finding_id}/krav", data={"requirement_id": value})
    assert response.status_code == 302 and _finding_links(app, finding_id) == set()
    assert "alert-error" in html(client.get(response.headers["Location"]))
    login("board")
    assert client.post(f"/gap-analyse/fund/{finding_id}/krav", data={"requirement_id": "1"}).status_code == 403


def test_an_exercise_form_keeps_the_tested_requirements_and_the_page_searches_for_more(app, client, login,
                                                                                      many_requirements):
    from register.preparedness.models import Exercise, ExerciseLevel, ExerciseRequirement, ExerciseType

    first, backup = many_requirements["Krav 0003"], many_requirements["Sikkerhedskopiering af borgerdata"]
    with app.app_context():
        exercise = Exercise(title="Gendannelse af borgerdata", exercise_type=ExerciseType.PROCEDURE,
                            level=ExerciseLevel.SUB_PLAN, planned_on=dt.date(2026, 12, 1),
                            requirement_links=[ExerciseRequirement(requirement_id=first)])
        db.session.add(exercise)
        db.session.commit()
        exercise_id, version = exercise.id, exercise.version

    def links():
        with app.app_context():
            return set(db.session.execute(sa.select(ExerciseRequirement.requirement_id)
                                          .where(ExerciseRequirement.exercise_id == exercise_id)).scalars())

    login("preparedness")
    form = html(client.get(f"/oevelser/{exercise_id}/rediger"))
    assert form.count('name="requirement_ids"') == 1 and "Krav 0004" not in form and len(form) < 60_000
    found = html(client.get(f"/oevelser/{exercise_id}?krav_soeg=borgerdata"))
    assert "Sikkerhedskopiering af borgerdata</option>" in found
    assert client.post(f"/oevelser/{exercise_id}/krav", data={"requirement_id": str(backup)}).status_code == 302
    assert links() == {first, backup}
    data = {"title": "Gendannelse af borgerdata", "exercise_type": "procedure", "level": "sub_plan",
            "responsible_unit_id": "", "planned_on": "2026-12-01", "requirement_ids": [str(first)]}
    assert client.post(f"/oevelser/{exercise_id}/rediger", data=data | {"version": str(version)}).status_code == 409
    assert links() == {first, backup}
    with app.app_context():
        version = db.session.get(Exercise, exercise_id).version
    assert client.post(f"/oevelser/{exercise_id}/rediger",
                       data=data | {"version": str(version)}).status_code == 302
    assert links() == {first}
