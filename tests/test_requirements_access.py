"""Every change in the requirement workspace needs its permission: others get 403 and nothing changes."""
import io

import pytest
import sqlalchemy as sa

from register.controls.models import Control, ControlRequirement, ControlStatus
from register.core.history import ChangeLog
from register.extensions import db
from register.requirements.models import EvidenceKind, RequirementEvidence

from conftest import html
from requirement_helpers import req_id

EDIT_URLS = [  # (method, url template, roles that must be refused)
    ("GET", "/krav/{req}/vurdering", ["board", "preparedness"]),  # preparedness: a NIS2 requirement
    ("POST", "/krav/{req}/vurdering", ["board", "preparedness"]),
    ("POST", "/krav/masseredigering", ["board", "preparedness"]),
    ("POST", "/krav/{req}/dokumentation/link", ["board", "preparedness"]),
    ("POST", "/krav/{req}/dokumentation/fil", ["board", "preparedness"]),
    ("POST", "/krav/dokumentation/{evidence}/slet", ["board", "preparedness"]),
    ("POST", "/krav/{req}/tiltag", ["board", "preparedness"]),
    ("GET", "/tiltag/ny", ["board", "preparedness"]),
    ("POST", "/tiltag/ny", ["board", "preparedness"]),
    ("POST", "/tiltag/{control}/rediger", ["board", "preparedness"]),
    ("POST", "/tiltag/{control}/krav", ["board", "preparedness"]),
    ("POST", "/tiltag/kobling/{link}/slet", ["board", "preparedness"]),
    ("GET", "/krav/kataloger/indlaes", ["board", "preparedness", "security"]),
    ("POST", "/krav/kataloger/indlaes", ["board", "preparedness", "security"]),
]
CASES = [(method, url, role) for method, url, roles in EDIT_URLS for role in roles]


@pytest.mark.parametrize("method,url,role", CASES)
def test_roles_without_permission_get_403_and_nothing_changes(app, client, login, catalogs, method, url, role):
    rid = req_id(app, "nis2:21.2.d")
    with app.app_context():
        control = Control(title="Tiltag", status=ControlStatus.PLANNED)
        db.session.add(control)
        db.session.flush()
        link = ControlRequirement(control_id=control.id, requirement_id=rid)
        evidence = RequirementEvidence(requirement_id=rid, kind=EvidenceKind.LINK, title="L", url="https://x.dk")
        db.session.add_all([link, evidence])
        db.session.commit()
        ids = {"req": rid, "control": control.id, "link": link.id, "evidence": evidence.id}
        before = db.session.execute(sa.select(sa.func.count(ChangeLog.id))).scalar()
    login(role)
    data = {"status": "implemented", "applicable": "yes", "version": "1", "ids": [str(rid)], "title": "Hacked",
            "url": "https://evil.example", "control_id": str(ids["control"]), "requirement": "CIS 7",
            "file": (io.BytesIO(b"%PDF-1.4"), "x.pdf")}
    response = client.open(url.format(**ids), method=method, data=data if method == "POST" else None,
                           content_type="multipart/form-data" if method == "POST" else None)
    assert response.status_code == 403
    assert "Ingen adgang" in html(response)
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(ChangeLog.id))).scalar() == before


@pytest.mark.parametrize("url", ["/krav/", "/krav/overblik", "/krav/anvendelighed", "/tiltag/", "/krav/eksport.csv"])
def test_every_role_reads(client, login, catalogs, url):
    for role in ("admin", "security", "preparedness", "board"):
        login(role)
        assert client.get(url).status_code == 200, (role, url)


def test_edit_buttons_are_hidden_from_readers(app, client, login, catalogs):
    rid = req_id(app, "cis-v8:7")
    login("board")
    page = html(client.get(f"/krav/{rid}"))
    assert "/vurdering" not in page and "Upload fil" not in page and "Tilknyt tiltag" not in page
    assert "Opret tiltag" not in html(client.get("/tiltag/"))
    login("security")
    assert "/vurdering" in html(client.get(f"/krav/{rid}"))


@pytest.mark.parametrize("ref", ["beredskab:hob.1", "beredskab:hob.9", "beredskab:pm.6"])
def test_preparedness_assesses_planning_elements_and_plan_material_through_the_ui(app, client, login, catalogs, ref):
    """The role table: the preparedness working group assesses the nine planning elements and the
    plan-material headings (and documents them); security data stays with security."""
    from register.requirements.models import RequirementAssessment

    rid = req_id(app, ref)
    login("preparedness")
    page = html(client.get(f"/krav/{rid}"))
    assert f"/krav/{rid}/vurdering" in page and "Tilføj link" in page
    assert client.get(f"/krav/{rid}/vurdering").status_code == 200
    response = client.post(f"/krav/{rid}/vurdering", data={
        "applicable": "yes", "applicability_reason": "", "status": "partly", "maturity": "2",
        "responsible_unit_id": "", "responsible_person": "Beredskabschefen", "next_review": "2026-09-01",
        "notes": "Øvelsesplan for 2026 mangler", "version": "0"})
    assert response.status_code == 302
    assert client.post(f"/krav/{rid}/dokumentation/link", data={
        "url": "https://intranet.example/beredskabsplan", "title": "Beredskabsplan"}).status_code == 302
    with app.app_context():
        assessment = db.session.execute(sa.select(RequirementAssessment).where(
            RequirementAssessment.requirement_id == rid)).scalar_one()
        assert assessment.status.value == "partly" and assessment.maturity == 2
        evidence = db.session.execute(sa.select(RequirementEvidence).where(
            RequirementEvidence.requirement_id == rid)).scalar_one()
    assert client.post(f"/krav/dokumentation/{evidence.id}/slet").status_code == 302


def test_preparedness_cannot_assess_security_requirements(app, client, login, catalogs):
    login("preparedness")
    for ref in ("nis2:21.2.c", "cis-v8:11"):
        rid = req_id(app, ref)
        assert f"/krav/{rid}/vurdering" not in html(client.get(f"/krav/{rid}")), ref
        assert client.get(f"/krav/{rid}/vurdering").status_code == 403, ref
