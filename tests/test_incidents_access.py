"""Only roles with EDIT_SECURITY change incidents; others get 403 and nothing changes."""
import datetime as dt

import pytest
import sqlalchemy as sa

from register.core.history import ChangeLog
from register.extensions import db
from register.incidents.models import Incident, IncidentRequirement, IncidentStatus, Lesson, LessonStatus, Significance

EDIT_URLS = [  # (method, url template)
    ("GET", "/haendelser/ny"),
    ("POST", "/haendelser/ny"),
    ("POST", "/haendelser/{incident}/rediger"),
    ("POST", "/haendelser/{incident}/indberetning/early_warning"),
    ("POST", "/haendelser/{incident}/krav"),
    ("POST", "/haendelser/{incident}/krav/{link}/fjern"),
    ("POST", "/haendelser/{incident}/erfaringer/ny"),
    ("POST", "/haendelser/erfaringer/{lesson}/rediger"),
]


@pytest.fixture
def records(app, catalogs, make_unit):
    unit = make_unit(name="IT-drift")
    aware = dt.datetime(2025, 9, 1, 8, 0, tzinfo=dt.UTC)
    with app.app_context():
        from register.incidents.services import requirement_by_key

        incident = Incident(title="Original", description="d", detected_at=aware, aware_at=aware,
                            significance=Significance.SIGNIFICANT, significance_reason="r",
                            status=IncidentStatus.HANDLING)
        db.session.add(incident)
        db.session.flush()
        link = IncidentRequirement(incident_id=incident.id, requirement_id=requirement_by_key("nis2:23").id)
        lesson = Lesson(incident_id=incident.id, description="l", owner_unit_id=unit, due_on=dt.date(2026, 1, 1),
                        status=LessonStatus.OPEN)
        db.session.add_all([link, lesson])
        db.session.commit()
        return {"incident": incident.id, "link": link.id, "lesson": lesson.id, "unit": unit}


def _log_size(app):
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count(ChangeLog.id))).scalar()


@pytest.mark.parametrize("role", ["board", "preparedness"])
@pytest.mark.parametrize("method,url", EDIT_URLS)
def test_roles_without_edit_security_get_403_and_nothing_changes(app, client, login, records, role, method, url):
    login(role)
    before = _log_size(app)
    data = {"title": "Ændret", "detected_at": "2025-09-01T10:00", "aware_at": "2025-09-01T10:00", "description": "x",
            "significance": "pending", "status": "closed", "version": "1", "submitted_at": "2025-09-01T12:00",
            "receipt_ref": "R", "requirement_id": "1", "owner_unit_id": str(records["unit"]), "due_on": "2026-02-01"}
    response = client.open(url.format(**records), method=method, data=data)
    assert response.status_code == 403
    assert _log_size(app) == before


@pytest.mark.parametrize("method,url", [u for u in EDIT_URLS if u[0] == "GET"])
def test_security_and_admin_may_open_edit_pages(client, login, records, method, url):
    for role in ("security", "admin"):
        login(role)
        assert client.open(url.format(**records), method=method).status_code == 200


def test_every_role_reads_incidents(client, login, records):
    for role in ("board", "preparedness", "security", "admin"):
        login(role)
        assert client.get("/haendelser/").status_code == 200
        assert client.get(f"/haendelser/{records['incident']}").status_code == 200
