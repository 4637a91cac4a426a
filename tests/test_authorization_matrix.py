"""Every route, visited as every role and anonymously: exactly who may read and who may change.

Routes are taken from the app's URL map, so a new route is covered the moment it exists; one without an
access decision fails test_permissions.test_every_route_declares_its_access.
"""
import pytest
from werkzeug.routing import IntegerConverter

from register import create_app
from register.core.permissions import PUBLIC, Role, access_of, role_can

from conftest import html


def _routes():
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        access = access_of(app.view_functions[rule.endpoint])
        values = {arg: (999999 if isinstance(rule._converters[arg], IntegerConverter) else "x")
                  for arg in rule.arguments}
        url = rule.build(values, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append(pytest.param(rule.endpoint, method, url, access, id=f"{method} {rule.rule}"))
    return out


ROUTES = _routes()


@pytest.mark.parametrize("endpoint,method,url,access", ROUTES)
def test_anonymous_visitors_only_reach_public_routes(client, endpoint, method, url, access):
    response = client.open(url, method=method)
    if access == PUBLIC:
        assert response.status_code < 500
        assert "/konto/login?next" not in response.headers.get("Location", "")
    elif url.startswith("/api/"):  # API clients get a 401 that says how to authenticate, not a login page
        assert response.status_code == 401 and response.headers["WWW-Authenticate"] == "Bearer"
    else:
        assert response.status_code == 302 and "/konto/login" in response.headers["Location"]


@pytest.mark.parametrize("role", [r.value for r in Role])
@pytest.mark.parametrize("endpoint,method,url,access", [r for r in ROUTES if r.values[3] != PUBLIC])
def test_each_role_gets_exactly_what_its_permission_allows(client, login, role, endpoint, method, url, access):
    allowed = role_can(Role(role), access)
    if method != "GET" and allowed:
        pytest.skip("permitted writes are tested with real data in each part's tests")
    login(role)
    response = client.open(url, method=method)
    if allowed:
        assert response.status_code not in (401, 403) and response.status_code < 500, html(response)[:300]
    else:
        assert response.status_code == 403
