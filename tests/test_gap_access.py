"""Only roles with EDIT_SECURITY change gap-analysis data; readers get 403 on every edit URL and nothing changes."""
import io

import pytest
import sqlalchemy as sa

from register.core.history import ChangeLog
from register.core.permissions import Permission, access_of
from register.extensions import db
from register.gap.models import Assessment, ControlScore, Finding, FindingRequirement, ImportColumn

from conftest import html
from gap_helpers import csv_bytes

EDIT_URLS = [  # (method, url template)
    ("GET", "/gap-analyse/vurderinger/ny"),
    ("POST", "/gap-analyse/vurderinger/ny"),
    ("GET", "/gap-analyse/vurderinger/{a}/rediger"),
    ("POST", "/gap-analyse/vurderinger/{a}/rediger"),
    ("GET", "/gap-analyse/vurderinger/{a}/modenhed"),
    ("POST", "/gap-analyse/vurderinger/{a}/modenhed"),
    ("GET", "/gap-analyse/vurderinger/{a}/import"),
    ("POST", "/gap-analyse/vurderinger/{a}/import"),
    ("POST", "/gap-analyse/vurderinger/{a}/import/bekraeft"),
    ("POST", "/gap-analyse/vurderinger/{a}/import/kolonner"),
    ("GET", "/gap-analyse/fund/ny"),
    ("POST", "/gap-analyse/fund/ny"),
    ("GET", "/gap-analyse/fund/{f}/rediger"),
    ("POST", "/gap-analyse/fund/{f}/rediger"),
    ("POST", "/gap-analyse/fund/{f}/krav"),
]
READ_URLS = ["/gap-analyse/", "/gap-analyse/vurderinger/{a}", "/gap-analyse/handlingsplan",
             "/gap-analyse/handlingsplan.xlsx", "/gap-analyse/fund/{f}", "/gap-analyse/sammenlign?fra={a}&til={a}",
             "/gap-analyse/import/skabelon.xlsx"]


def _state(app):
    with app.app_context():
        return [db.session.execute(sa.select(model.id, *([model.version] if hasattr(model, "version") else []))
                                   .order_by(model.id)).all()
                for model in (Assessment, ControlScore, Finding, FindingRequirement, ImportColumn, ChangeLog)]


def test_every_gap_edit_route_is_in_the_access_test(app):
    routes = {rule.rule.replace("<int:assessment_id>", "{a}").replace("<int:finding_id>", "{f}")
              for rule in app.url_map.iter_rules()
              if rule.endpoint.startswith("gap.") and access_of(app.view_functions[rule.endpoint]) != Permission.READ}
    assert routes == {url for _method, url in EDIT_URLS}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("gap."):
            assert access_of(app.view_functions[rule.endpoint]) in (Permission.READ, Permission.EDIT_SECURITY)


@pytest.mark.parametrize("role", ["board", "preparedness"])
@pytest.mark.parametrize("method,url", EDIT_URLS)
def test_roles_without_edit_security_get_403_and_nothing_changes(app, client, login, make_assessment,
                                                                 make_finding, role, method, url):
    a = make_assessment(scores={"1": (1, 3)})
    f = make_finding(title="Original", controls=["1"], assessment_id=a)
    login(role)
    before = _state(app)
    data = {"name": "Ændret", "title": "Ændret", "severity": "low", "status": "open", "identified_on": "2025-01-01",
            "assessed_on": "2025-01-01", "assessor_kind": "internal", "method": "X", "version": "1",
            "rows-0-requirement_id": "1", "requirement_id": "1", "rows-0-version": "1", "rows-0-current_level": "5",
            "token": "A" * 32,
            "file": (io.BytesIO(csv_bytes([["Id", "Titel", "Kritikalitet"], ["X", "Y", "Lav"]])), "f.csv")}
    response = client.open(url.format(a=a, f=f), method=method, data=data if method == "POST" else None,
                           content_type="multipart/form-data" if method == "POST" else None)
    assert response.status_code == 403
    assert "Ingen adgang" in html(response)
    assert _state(app) == before


@pytest.mark.parametrize("url", ["/gap-analyse/vurderinger/ny", "/gap-analyse/fund/{f}/rediger"])
def test_anonymous_users_are_sent_to_login(app, client, make_finding, catalogs, url):
    f = make_finding()
    response = client.post(url.format(f=f), data={"title": "Hacked"})
    assert response.status_code == 302 and "/konto/login" in response.headers["Location"]
    with app.app_context():
        assert db.session.get(Finding, f).title == "Fund"


@pytest.mark.parametrize("role", ["board", "preparedness", "security", "admin"])
def test_every_role_reads_every_gap_page(client, login, make_assessment, make_finding, role):
    a = make_assessment()
    f = make_finding(assessment_id=a)
    login(role)
    for url in READ_URLS:
        assert client.get(url.format(a=a, f=f)).status_code == 200, url


def test_edit_buttons_are_hidden_from_readers(client, login, make_assessment, make_finding):
    a = make_assessment()
    f = make_finding(assessment_id=a)
    login("board")
    assert "/modenhed" not in html(client.get(f"/gap-analyse/vurderinger/{a}"))
    assert "/rediger" not in html(client.get(f"/gap-analyse/fund/{f}"))
    assert "Opret fund" not in html(client.get("/gap-analyse/handlingsplan"))
    login("security")
    assert "/modenhed" in html(client.get(f"/gap-analyse/vurderinger/{a}"))
