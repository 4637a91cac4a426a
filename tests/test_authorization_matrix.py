"""Every route, visited as every role and anonymously: exactly who may read and who may change.

Routes are taken from the app's URL map, so a new route is covered the moment it exists; one without an
access decision fails test_permissions.test_every_route_declares_its_access. Every cell of the matrix is
asserted, permitted writes included (on records that do not exist, or with an empty form, so they are
refused by the view, never by the access check). One test per visitor walks all routes with one app, so the
whole matrix runs in seconds; each wrong cell is named in the failure.
"""
import pytest
from werkzeug.routing import IntegerConverter

from register import create_app
from register.core.permissions import PUBLIC, Role, access_of, role_can

from conftest import PASSWORD


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
            out.append((rule.endpoint, method, url, access))
    # Logging out ends the session the rest of the walk uses: last.
    return sorted(out, key=lambda route: route[0] == "accounts.logout")


ROUTES = _routes()


def test_the_matrix_covers_every_route_and_method():
    assert len(ROUTES) > 200 and not [r for r in ROUTES if r[3] is None]


def test_anonymous_visitors_only_reach_public_routes(app):
    client = app.test_client()
    wrong = []
    for endpoint, method, url, access in ROUTES:
        response = client.open(url, method=method)
        if access == PUBLIC:
            ok = response.status_code < 500 and "/konto/login?next" not in response.headers.get("Location", "")
        elif url.startswith("/api/"):  # API clients get a 401 that says how to authenticate, not a login page
            ok = response.status_code == 401 and response.headers.get("WWW-Authenticate") == "Bearer"
        else:
            ok = response.status_code == 302 and "/konto/login" in response.headers["Location"]
        if not ok:
            wrong.append(f"{method} {url} ({endpoint}): {response.status_code}")
    assert wrong == []


def _log_in(client, role):
    response = client.post("/konto/login", data={"email": f"{role}@test.example", "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_each_role_gets_exactly_what_its_permission_allows(app, users, role):
    client = app.test_client()
    _log_in(client, role)
    wrong = []
    for endpoint, method, url, access in ROUTES:
        if access == PUBLIC:
            continue
        allowed = role_can(Role(role), access)
        response = client.open(url, method=method)
        if allowed:
            ok = response.status_code not in (401, 403) and response.status_code < 500
            if response.status_code == 302 and "/konto/login" in response.headers.get("Location", ""):
                ok = endpoint == "accounts.logout"  # sent to log in: the session was lost
        else:
            ok = response.status_code == 403
        if not ok:
            wrong.append(f"{method} {url} ({endpoint}, {'allowed' if allowed else 'refused'}): "
                         f"{response.status_code}")
    assert wrong == []
