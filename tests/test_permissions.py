"""Roles are enforced on the server; every route declares who may use it."""
import pytest
import sqlalchemy as sa

from register.core.permissions import PUBLIC, Permission, Role, access_of, role_can
from register.extensions import db
from register.organisation.models import Unit

from conftest import html

EDIT_URLS = [  # (method, url template, permission the route requires)
    ("POST", "/organisation/ny", Permission.ADMINISTER),
    ("POST", "/organisation/{unit}/rediger", Permission.ADMINISTER),
    ("GET", "/organisation/ny", Permission.ADMINISTER),
]


def test_every_route_declares_its_access(app):
    undeclared = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        if access_of(app.view_functions[rule.endpoint]) is None:
            undeclared.append(rule.rule)
    assert undeclared == [], f"routes without @public or @requires: {undeclared}"


def test_only_login_language_accessibility_health_and_calendar_feed_are_public(app):
    public = sorted(rule.endpoint for rule in app.url_map.iter_rules()
                    if rule.endpoint != "static" and access_of(app.view_functions[rule.endpoint]) == PUBLIC)
    assert public == ["accounts.login", "accounts.oidc_callback", "accounts.oidc_login", "accounts.set_language",
                      "api.openapi_document", "home.accessibility", "home.healthz",
                      "wheel.feed"]  # the feed checks its own token


def test_role_permissions():
    assert role_can(Role.ADMIN, Permission.ADMINISTER)
    assert role_can(Role.SECURITY, Permission.EDIT_SECURITY)
    assert not role_can(Role.SECURITY, Permission.EDIT_PREPAREDNESS)
    assert role_can(Role.PREPAREDNESS, Permission.EDIT_PREPAREDNESS)
    assert not role_can(Role.PREPAREDNESS, Permission.EDIT_SECURITY)
    assert [p for p in Permission if role_can(Role.BOARD, p)] == [Permission.READ]


@pytest.mark.parametrize("role", ["board", "security", "preparedness"])
@pytest.mark.parametrize("method,url,permission", EDIT_URLS)
def test_roles_without_permission_get_403_and_nothing_changes(app, client, login, make_unit, role, method, url,
                                                             permission):
    unit_id = make_unit(name="Original")
    login(role)
    with app.app_context():
        before = db.session.execute(sa.select(Unit.id, Unit.name, Unit.version)).all()
    response = client.open(url.format(unit=unit_id), method=method,
                           data={"name": "Ændret", "kind": "centre", "parent_id": "", "version": "1"})
    assert response.status_code == 403
    assert "Ingen adgang" in html(response)
    with app.app_context():
        assert db.session.execute(sa.select(Unit.id, Unit.name, Unit.version)).all() == before


@pytest.mark.parametrize("url", ["/", "/organisation/", "/kataloger/"])
def test_every_role_reads(client, login, catalogs, url):
    for role in Role:
        login(role.value)
        assert client.get(url).status_code == 200, (role, url)


def test_anonymous_post_to_edit_url_goes_to_login_and_changes_nothing(app, client, make_unit):
    unit_id = make_unit(name="Original")
    response = client.post(f"/organisation/{unit_id}/rediger", data={"name": "Hacked"})
    assert response.status_code == 302 and "/konto/login" in response.headers["Location"]
    with app.app_context():
        assert db.session.get(Unit, unit_id).name == "Original"


def test_edit_buttons_are_hidden_from_readers(client, login, make_unit):
    unit_id = make_unit(name="Original")
    login("board")
    assert "Opret enhed" not in html(client.get("/organisation/"))
    assert "/rediger" not in html(client.get(f"/organisation/{unit_id}"))
    login("admin")
    assert "Opret enhed" in html(client.get("/organisation/"))
