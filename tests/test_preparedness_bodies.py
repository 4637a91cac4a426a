"""The bodies of the role table: the working group with its members and mandate, the approving bodies
(kommunalbestyrelse, direktion, IT-security steering group), recorded and named on approvals and milestones."""
import sqlalchemy as sa

from register.extensions import db
from register.preparedness.models import BodyKind, GovernanceBody, ResponsibleBody
from register.training.models import Approval, ApprovalBody

from conftest import html


def _body(**overrides):
    return {"kind": "working_group", "name": "Arbejdsgruppen for beredskab",
            "mandate": "Reviderer planen for fortsat drift og gennemgår den årligt; refererer til direktionen.",
            "members": "Anne Holm, beredskabschef\nBo Lund, IT-sikkerhedskoordinator\n", "active": "y",
            "version": "0"} | overrides


def test_preparedness_records_the_working_group_with_members_and_mandate_through_the_ui(app, client, login):
    login("preparedness")
    assert client.get("/beredskab/organer/ny").status_code == 200
    response = client.post("/beredskab/organer/ny", data=_body())
    assert response.status_code == 302
    steering = client.post("/beredskab/organer/ny", data=_body(
        kind="steering", name="IT-sikkerhedsstyregruppen", mandate="Godkender sikkerhedsforanstaltningerne på "
        "direktionens vegne.", members="Kommunaldirektøren\nIT-chefen"))
    assert steering.status_code == 302
    page = html(client.get("/beredskab/organer/"))
    assert "Arbejdsgruppen for beredskab" in page and "Anne Holm, beredskabschef" in page
    assert "refererer til direktionen" in page and "IT-sikkerhedsstyregruppen" in page
    with app.app_context():
        group = db.session.execute(sa.select(GovernanceBody).where(
            GovernanceBody.kind == BodyKind.WORKING_GROUP)).scalar_one()
        assert group.member_lines == ["Anne Holm, beredskabschef", "Bo Lund, IT-sikkerhedskoordinator"]
        assert group.active is True
    # a change is in the history, read as a person reads it
    response = client.post(f"/beredskab/organer/{group.id}/rediger", data=_body(
        members="Anne Holm, beredskabschef\nCarl Berg, kommunikation", version="1"))
    assert response.status_code == 302
    edit = html(client.get(f"/beredskab/organer/{group.id}/rediger"))
    assert "Medlemmer" in edit and "Carl Berg, kommunikation" in edit and "Test preparedness" in edit


def test_a_body_needs_a_name_and_only_preparedness_and_admin_edit_bodies(app, client, login):
    login("preparedness")
    bad = client.post("/beredskab/organer/ny", data=_body(name=""))
    assert bad.status_code == 422 and "Organet skal have et navn." in html(bad)
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(GovernanceBody.id))).scalar() == 0
    for role in ("board", "security"):
        login(role)
        assert client.get("/beredskab/organer/").status_code == 200
        assert client.post("/beredskab/organer/ny", data=_body()).status_code == 403
        assert "Registrer organ" not in html(client.get("/beredskab/organer/"))


def test_approvals_and_milestones_can_name_the_it_security_steering_group(app, client, login):
    login("security")
    response = client.post("/uddannelse/godkendelser/ny", data={
        "approved_on": "2025-09-24", "body": "steering", "reference": "Styregruppemøde 3/2025, punkt 2",
        "subject": "Risikovurdering og foranstaltninger efter NIS 2-loven § 6", "version": "0"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.execute(sa.select(Approval.body)).scalar_one() == ApprovalBody.STEERING
    assert "IT-sikkerhedsstyregruppen" in html(client.get("/uddannelse/"))
    assert ResponsibleBody.IT_STYREGRUPPEN.label == "IT-sikkerhedsstyregruppen"
