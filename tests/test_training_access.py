"""Only roles with EDIT_SECURITY change training records and approvals; others get 403 and nothing changes."""
import datetime as dt

import pytest
import sqlalchemy as sa

from register.core.history import ChangeLog
from register.extensions import db
from register.training.models import (Approval, ApprovalBody, Campaign, CampaignKind, CampaignUnit, ManagementBody,
                                      Trainee, TrainingRecord)

EDIT_URLS = [
    ("GET", "/uddannelse/personer/ny"),
    ("POST", "/uddannelse/personer/ny"),
    ("POST", "/uddannelse/personer/{trainee}/rediger"),
    ("POST", "/uddannelse/personer/{trainee}/kurser/ny"),
    ("POST", "/uddannelse/kurser/{record}/rediger"),
    ("POST", "/uddannelse/kampagner/ny"),
    ("POST", "/uddannelse/kampagner/{campaign}/rediger"),
    ("POST", "/uddannelse/kampagner/{campaign}/enheder/ny"),
    ("POST", "/uddannelse/kampagner/enheder/{row}/rediger"),
    ("POST", "/uddannelse/godkendelser/ny"),
    ("POST", "/uddannelse/godkendelser/{approval}/rediger"),
]


@pytest.fixture
def records(app, make_unit):
    unit = make_unit(name="Skoler")
    with app.app_context():
        trainee = Trainee(name="Original", body=ManagementBody.COUNCIL)
        campaign = Campaign(title="Original", kind=CampaignKind.AWARENESS, held_on=dt.date(2025, 1, 1))
        approval = Approval(approved_on=dt.date(2025, 1, 1), body=ApprovalBody.EXECUTIVE, reference="r", subject="s")
        db.session.add_all([trainee, campaign, approval])
        db.session.flush()
        record = TrainingRecord(trainee_id=trainee.id, course="c", completed_on=dt.date(2025, 1, 1))
        row = CampaignUnit(campaign_id=campaign.id, unit_id=unit, staff_targeted=5, staff_completed=1)
        db.session.add_all([record, row])
        db.session.commit()
        return {"trainee": trainee.id, "campaign": campaign.id, "approval": approval.id, "record": record.id,
                "row": row.id, "unit": unit}


@pytest.mark.parametrize("role", ["board", "preparedness"])
@pytest.mark.parametrize("method,url", EDIT_URLS)
def test_roles_without_edit_security_get_403_and_nothing_changes(app, client, login, records, role, method, url):
    login(role)
    with app.app_context():
        before = db.session.execute(sa.select(sa.func.count(ChangeLog.id))).scalar()
    data = {"name": "Ændret", "title": "Ændret", "body": "council", "kind": "hygiene", "held_on": "2025-02-01",
            "course": "x", "completed_on": "2025-02-01", "unit_id": str(records["unit"]), "staff_targeted": "9",
            "staff_completed": "9", "approved_on": "2025-02-01", "reference": "x", "subject": "x", "version": "1"}
    response = client.open(url.format(**records), method=method, data=data)
    assert response.status_code == 403
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(ChangeLog.id))).scalar() == before


def test_every_role_reads_training(client, login, records):
    for role in ("board", "preparedness", "security", "admin"):
        login(role)
        for url in ("/uddannelse/", f"/uddannelse/personer/{records['trainee']}",
                    f"/uddannelse/kampagner/{records['campaign']}"):
            assert client.get(url).status_code == 200, (role, url)
