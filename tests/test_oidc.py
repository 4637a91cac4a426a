"""Single sign-on with OpenID Connect, against a real provider (oidc-provider-mock) on loopback.

Our side runs in the Flask test client; every call to the provider (metadata, authorize, token, keys)
is real HTTP, made by Authlib or by the test playing the browser.
"""
import uuid
import warnings
from urllib.parse import parse_qs, urlencode, urlsplit

import authlib.deprecate  # noqa: F401  it installs an "always" filter; ours below must come after it
import pytest
import requests
import sqlalchemy as sa

with warnings.catch_warnings():  # the provider imports Authlib modules that Authlib itself deprecates
    warnings.simplefilter("ignore", DeprecationWarning)
    from oidc_provider_mock import run_server_in_thread

from register.accounts.models import User
from register.core.history import history_of
from register.core.permissions import Role
from register.extensions import db

from conftest import PASSWORD, html

# The provider (not our code) uses an Authlib server hook deprecated in Authlib 1.7.
pytestmark = pytest.mark.filterwarnings("ignore:get_jwt_config:DeprecationWarning")

GROUPS = {"grp-admin": "admin", "grp-sikkerhed": "security", "grp-beredskab": "preparedness",
          "grp-direktion": "board"}


@pytest.fixture(scope="session")
def idp():
    """The provider's base URL, e.g. http://localhost:41234 (its issuer too)."""
    with run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture
def sso(app, idp):
    """Single sign-on switched on for this test's app, pointing at the loopback provider."""
    app.config.update(OIDC_ENABLED=True, OIDC_METADATA_URL=f"{idp}/.well-known/openid-configuration",
                      OIDC_CLIENT_ID="register-test", OIDC_CLIENT_SECRET="hemmelig", OIDC_ROLE_GROUPS=GROUPS)
    return app


def set_idp_user(idp, sub, **claims):
    """What the provider will say about this person at their next login."""
    response = requests.put(f"{idp}/users/{sub}", json=claims, timeout=5)
    assert response.status_code == 204, response.text


def start_login(client, next_url=None):
    """Our login redirect; returns the provider's authorization URL."""
    response = client.get("/konto/oidc/login" + (f"?{urlencode({'next': next_url})}" if next_url else ""))
    assert response.status_code == 302, html(response)
    return response.headers["Location"]


def approve_at_idp(authorize_url, sub):
    """The person signs in at the provider; returns the callback path+query it sends the browser to."""
    response = requests.post(authorize_url, data={"sub": sub}, allow_redirects=False, timeout=5)
    assert response.status_code == 302, response.text
    callback = urlsplit(response.headers["Location"])
    assert callback.path == "/konto/oidc/callback"
    return f"{callback.path}?{callback.query}"


def sso_login(client, idp, sub, next_url=None, **claims):
    """The whole round trip; returns our callback's response."""
    if claims:
        set_idp_user(idp, sub, **claims)
    return client.get(approve_at_idp(start_login(client, next_url), sub))


def new_sub():
    return f"sub-{uuid.uuid4().hex}"


def user_by_email(app, email):
    with app.app_context():
        user = db.session.execute(sa.select(User).where(User.email == email)).scalar_one_or_none()
        if user is not None:
            db.session.expunge(user)
        return user


def user_count(app):
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count(User.id))).scalar()


def test_first_login_creates_the_user_with_the_highest_role_of_their_groups(sso, client, idp):
    sub = new_sub()
    response = sso_login(client, idp, sub, next_url="/organisation/", email="Mette.Hansen@Kommune.example",
                         name="Mette Hansen", groups=["grp-direktion", "grp-sikkerhed", "ukendt-gruppe"])
    assert response.status_code == 302 and response.headers["Location"] == "/organisation/"
    assert client.get("/organisation/").status_code == 200
    user = user_by_email(sso, "mette.hansen@kommune.example")
    assert (user.name, user.role, user.password_hash) == ("Mette Hansen", Role.SECURITY, None)
    assert (user.oidc_issuer, user.oidc_subject) == (idp, sub)
    assert user.last_login_at is not None
    with sso.app_context():
        assert [(e.action.value, e.actor) for e in history_of(db.session, User, user.id)] == [("insert", "sso")]


def test_email_falls_back_to_preferred_username(sso, client, idp):
    response = sso_login(client, idp, new_sub(), preferred_username="lars@kommune.example", name="Lars",
                         groups=["grp-direktion"])
    assert response.status_code == 302
    assert user_by_email(sso, "lars@kommune.example").role == Role.BOARD


@pytest.mark.parametrize("groups,role", [
    (["grp-direktion", "grp-admin", "grp-sikkerhed"], Role.ADMIN),
    (["grp-beredskab", "grp-sikkerhed"], Role.SECURITY),
    (["grp-direktion", "grp-beredskab"], Role.PREPAREDNESS),
    (["grp-direktion"], Role.BOARD),
    ("grp-beredskab", Role.PREPAREDNESS),  # a single group may arrive as a bare string
])
def test_the_highest_privilege_mapped_group_wins(sso, client, idp, groups, role):
    email = f"{uuid.uuid4().hex[:8]}@kommune.example"
    assert sso_login(client, idp, new_sub(), email=email, name="X", groups=groups).status_code == 302
    assert user_by_email(sso, email).role == role


def test_unmapped_groups_are_refused_and_nothing_is_created(sso, client, idp, users):
    before = user_count(sso)
    response = sso_login(client, idp, new_sub(), email="ny@kommune.example", name="Ny",
                         groups=["alle-medarbejdere"])
    assert response.status_code == 403
    assert "ingen af dine grupper giver adgang til Register" in html(response)
    assert user_count(sso) == before and user_by_email(sso, "ny@kommune.example") is None
    assert client.get("/").status_code == 302  # not logged in


def test_no_groups_claim_is_refused_unless_a_default_role_is_set(sso, client, idp):
    sub = new_sub()
    assert sso_login(client, idp, sub, email="ingen@kommune.example", name="Ingen").status_code == 403
    sso.config["OIDC_DEFAULT_ROLE"] = "board"
    assert sso_login(client, idp, sub).status_code == 302
    assert user_by_email(sso, "ingen@kommune.example").role == Role.BOARD


def test_role_and_name_changes_at_the_idp_apply_on_next_login(sso, client, idp):
    sub = new_sub()
    sso_login(client, idp, sub, email="anne@kommune.example", name="Anne Berg", groups=["grp-admin"])
    first = user_by_email(sso, "anne@kommune.example")
    assert first.role == Role.ADMIN
    client.post("/konto/logout")

    response = sso_login(client, idp, sub, email="anne@kommune.example", name="Anne Berg Holm",
                         groups=["grp-direktion"])
    assert response.status_code == 302
    user = user_by_email(sso, "anne@kommune.example")
    assert (user.id, user.role, user.name) == (first.id, Role.BOARD, "Anne Berg Holm")
    assert user_count(sso) == 1
    assert client.post("/organisation/ny", data={"name": "X", "kind": "centre"}).status_code == 403
    with sso.app_context():
        update = history_of(db.session, User, user.id)[0]
        assert update.action.value == "update" and update.actor == "sso"
        assert update.changes["role"] == ["admin", "board"]
        assert update.changes["name"] == ["Anne Berg", "Anne Berg Holm"]


def test_losing_every_mapped_group_at_the_idp_locks_the_user_out(sso, client, idp):
    sub = new_sub()
    sso_login(client, idp, sub, email="bo@kommune.example", name="Bo", groups=["grp-sikkerhed"])
    client.post("/konto/logout")
    response = sso_login(client, idp, sub, email="bo@kommune.example", name="Bo", groups=[])
    assert response.status_code == 403
    assert client.get("/").status_code == 302
    assert user_by_email(sso, "bo@kommune.example").role == Role.SECURITY  # unchanged, but no way in


def test_a_callback_whose_state_was_not_issued_to_this_browser_is_refused(sso, app, idp):
    sub = new_sub()
    set_idp_user(idp, sub, email="mallory@kommune.example", name="Mallory", groups=["grp-admin"])
    # The attacker starts a login in their own browser and sends the victim the callback link.
    attacker = app.test_client()
    callback = approve_at_idp(start_login(attacker), sub)
    victim = app.test_client()
    start_login(victim)  # the victim even has a login of their own under way
    response = victim.get(callback)
    assert response.status_code == 400
    assert "svaret passer ikke til et login startet her" in html(response)
    assert victim.get("/").status_code == 302
    assert user_by_email(sso, "mallory@kommune.example") is None


def test_a_forged_state_and_a_replayed_callback_are_refused(sso, client, idp):
    sub = new_sub()
    set_idp_user(idp, sub, email="eva@kommune.example", name="Eva", groups=["grp-direktion"])
    callback = approve_at_idp(start_login(client), sub)
    path, query = callback.split("?")
    params = parse_qs(query)
    forged = f"{path}?{urlencode({'code': params['code'][0], 'state': 'forfalsket'})}"
    assert client.get(forged).status_code == 400
    assert client.get(callback).status_code == 302
    client.post("/konto/logout")
    assert client.get(callback).status_code == 400  # the state was used up


def test_an_id_token_with_another_nonce_is_refused(sso, client, idp):
    sub = new_sub()
    set_idp_user(idp, sub, email="nonce@kommune.example", name="N", groups=["grp-direktion"])
    callback = approve_at_idp(start_login(client), sub)
    with client.session_transaction() as session:
        key = next(k for k in session if k.startswith("_state_idp_"))
        state = session[key]
        state["data"]["nonce"] = "en-anden-nonce"
        session[key] = state
    response = client.get(callback)
    assert response.status_code == 400
    assert "kunne ikke verificeres" in html(response)
    assert user_by_email(sso, "nonce@kommune.example") is None


def test_the_authorization_request_uses_pkce_nonce_and_our_callback(sso, client):
    sso.config["OIDC_REDIRECT_URI"] = "https://register.kommune.example/konto/oidc/callback"
    params = parse_qs(urlsplit(start_login(client)).query)
    assert params["code_challenge_method"] == ["S256"] and len(params["code_challenge"][0]) >= 43
    assert params["nonce"][0] and params["state"][0]
    assert params["scope"] == ["openid email profile"] and params["client_id"] == ["register-test"]
    assert params["redirect_uri"] == ["https://register.kommune.example/konto/oidc/callback"]


def test_an_existing_local_account_is_linked_by_email(sso, client, idp, users):
    sub = new_sub()
    before = user_count(sso)
    response = sso_login(client, idp, sub, email="Security@Test.Example", name="Sikkerhedschef",
                         groups=["grp-sikkerhed"])
    assert response.status_code == 302
    user = user_by_email(sso, "security@test.example")
    assert (user.id, user.oidc_issuer, user.oidc_subject, user.name) == (users["security"], idp, sub,
                                                                          "Sikkerhedschef")
    assert user_count(sso) == before
    # The link is by issuer+subject from now on: a changed e-mail at the IdP finds the same account.
    client.post("/konto/logout")
    assert sso_login(client, idp, sub, email="ny.adresse@kommune.example", groups=["grp-sikkerhed"]).status_code == 302
    assert user_count(sso) == before


def test_an_account_linked_to_another_identity_is_not_taken_over(sso, client, idp):
    sso_login(client, idp, new_sub(), email="delt@kommune.example", name="Første", groups=["grp-admin"])
    client.post("/konto/logout")
    response = sso_login(client, idp, new_sub(), email="delt@kommune.example", name="Anden",
                         groups=["grp-admin"])
    assert response.status_code == 403
    assert "allerede knyttet til en anden bruger" in html(response)
    assert user_by_email(sso, "delt@kommune.example").name == "Første"


def test_a_deactivated_account_cannot_sign_in(sso, client, idp, users):
    with sso.app_context():
        db.session.get(User, users["board"]).active = False
        db.session.commit()
    response = sso_login(client, idp, new_sub(), email="board@test.example", name="B", groups=["grp-direktion"])
    assert response.status_code == 403 and "deaktiveret" in html(response)
    assert user_by_email(sso, "board@test.example").oidc_subject is None


def test_an_identity_without_a_usable_email_is_refused(sso, client, idp):
    before = user_count(sso)
    response = sso_login(client, idp, new_sub(), preferred_username="ikke-en-adresse", name="X",
                         groups=["grp-admin"])
    assert response.status_code == 403 and "ingen gyldig e-mailadresse" in html(response)
    assert user_count(sso) == before


def test_entra_groups_overage_is_explained(sso, client, idp):
    response = sso_login(client, idp, new_sub(), email="mange@kommune.example", name="M",
                         _claim_names={"groups": "src1"}, _claim_sources={"src1": {"endpoint": "https://graph"}})
    assert response.status_code == 403 and "tildele grupperne til programmet" in html(response)


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "javascript:alert(1)"])
def test_sso_never_returns_to_an_off_site_next(sso, client, idp, target):
    response = sso_login(client, idp, new_sub(), next_url=target, email=f"{uuid.uuid4().hex[:8]}@kommune.example",
                         groups=["grp-direktion"])
    assert response.headers["Location"] == "/"


def test_denied_at_the_idp_shows_a_danish_message(sso, client, idp):
    response = requests.post(start_login(client), data={"action": "deny"}, allow_redirects=False, timeout=5)
    callback = urlsplit(response.headers["Location"])
    response = client.get(f"{callback.path}?{callback.query}")
    assert response.status_code == 401
    assert "afbrudt eller afvist hos kommunens login-tjeneste" in html(response)


def test_an_unreachable_idp_gives_a_clear_message_not_an_error_page(app, client):
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app.config.update(OIDC_ENABLED=True, OIDC_METADATA_URL=f"http://127.0.0.1:{port}/.well-known/openid-configuration",
                      OIDC_CLIENT_ID="x", OIDC_CLIENT_SECRET="y", OIDC_TIMEOUT=2)
    response = client.get("/konto/oidc/login")
    assert response.status_code == 502
    assert "Kommunens login-tjeneste kunne ikke nås" in html(response)


def test_sso_routes_are_off_without_configuration(client):
    assert client.get("/konto/oidc/login").status_code == 404
    assert client.get("/konto/oidc/callback?code=x&state=y").status_code == 404
    page = html(client.get("/konto/login"))
    assert "/konto/oidc/login" not in page and 'name="password"' in page


def test_login_page_offers_the_sso_button_next_to_the_password_form(sso, client):
    sso.config["OIDC_BUTTON_LABEL"] = "Log ind med Entra ID"
    page = html(client.get("/konto/login?next=/organisation/"))
    assert 'href="/konto/oidc/login?next=/organisation/"' in page and "Log ind med Entra ID" in page
    assert 'name="password"' in page


def test_oidc_only_keeps_passwords_for_administrators_only(sso, client, users):
    sso.config["OIDC_ONLY"] = True
    page = html(client.get("/konto/login"))
    assert 'name="password"' not in page and "/konto/oidc/login" in page
    local = html(client.get("/konto/login?lokal=1"))
    assert 'name="password"' in local and "Kun administratorer kan logge ind med adgangskode" in local
    response = client.post("/konto/login", data={"email": "security@test.example", "password": PASSWORD})
    assert response.status_code == 401 and "Forkert e-mail eller adgangskode." in html(response)
    assert client.get("/").status_code == 302
    assert user_by_email(sso, "security@test.example").last_login_at is None
    assert client.post("/konto/login", data={"email": "admin@test.example", "password": PASSWORD}).status_code == 302


def test_a_misspelt_role_in_the_settings_is_reported_to_the_operator():
    from register.accounts.oidc import check_settings

    config = {"OIDC_METADATA_URL": "https://idp/.well-known/openid-configuration", "OIDC_CLIENT_ID": "a",
              "OIDC_CLIENT_SECRET": "b", "OIDC_ROLE_GROUPS": {"g": "administrator"}}
    with pytest.raises(RuntimeError, match="administrator"):
        check_settings(config)
    with pytest.raises(RuntimeError, match="OIDC_CLIENT_SECRET"):
        check_settings({**config, "OIDC_CLIENT_SECRET": None})
