"""Login, logout, passwords, language, CSRF."""
import pytest
import sqlalchemy as sa

from register.accounts.models import User
from register.extensions import db

from conftest import PASSWORD, html


def test_login_with_correct_password(client, users):
    response = client.post("/konto/login", data={"email": "ADMIN@test.example ", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_wrong_password_is_refused_in_danish(client, users):
    response = client.post("/konto/login", data={"email": "admin@test.example", "password": "nope"})
    assert response.status_code == 401
    assert "Forkert e-mail eller adgangskode." in html(response)
    assert client.get("/").status_code == 302


def test_empty_login_form_explains_each_field(client):
    response = client.post("/konto/login", data={})
    page = html(response)
    assert "Skriv din e-mailadresse." in page and "Skriv din adgangskode." in page


def test_inactive_user_cannot_log_in(app, client, users):
    with app.app_context():
        db.session.get(User, users["board"]).active = False
        db.session.commit()
    response = client.post("/konto/login", data={"email": "board@test.example", "password": PASSWORD})
    assert response.status_code == 401


def test_passwords_are_stored_hashed(app, users):
    with app.app_context():
        user = db.session.get(User, users["admin"])
        assert PASSWORD not in user.password_hash
        assert user.password_hash.startswith("pbkdf2:sha256:1000$")
        assert user.check_password(PASSWORD) and not user.check_password(PASSWORD + "x")


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "javascript:alert(1)"])
def test_login_never_redirects_off_site(client, users, target):
    response = client.post("/konto/login", data={"email": "admin@test.example", "password": PASSWORD,
                                                  "next": target})
    assert response.headers["Location"] == "/"


def test_login_returns_to_the_page_asked_for(client, users):
    response = client.post("/konto/login", data={"email": "admin@test.example", "password": PASSWORD,
                                                  "next": "/organisation/"})
    assert response.headers["Location"] == "/organisation/"


def test_logout_is_a_post_and_ends_the_session(client, login):
    login("board")
    assert client.get("/konto/logout").status_code == 405
    client.post("/konto/logout")
    assert client.get("/").status_code == 302


def test_language_can_be_switched_to_english_and_is_remembered(app, client, login, users):
    login("board")
    client.post("/konto/sprog", data={"language": "en", "next": "/"})
    page = html(client.get("/"))
    assert '<html lang="en">' in page and ">Home<" in page
    with app.app_context():
        assert db.session.get(User, users["board"]).language == "en"


def test_forms_refuse_posts_without_csrf_token(app, users):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    response = client.post("/konto/login", data={"email": "admin@test.example", "password": PASSWORD})
    assert response.status_code == 400
    assert "Formularen er udløbet" in html(response)


def test_login_records_last_login_without_a_history_entry(app, client, users):
    from register.core.history import history_of

    client.post("/konto/login", data={"email": "admin@test.example", "password": PASSWORD})
    with app.app_context():
        user = db.session.get(User, users["admin"])
        assert user.last_login_at is not None
        assert [e.action.value for e in history_of(db.session, User, user.id)] == ["insert"]


def test_user_lookup_is_case_insensitive(app, users):
    from register.accounts.services import find_by_email

    with app.app_context():
        assert find_by_email(" Admin@Test.Example").id == users["admin"]
        assert db.session.execute(sa.select(sa.func.count(User.id))).scalar() == 4


@pytest.mark.parametrize("password", ["password1234", "Sommer2024!", "Velkommen2025", "qwertyuiop12",
                                      "Testkommune2026", "hanne.jensen1", "1234567890"])
def test_common_and_easily_guessed_passwords_are_refused(app, password):
    from register.accounts.services import AccountError, create_user

    with app.app_context(), pytest.raises(AccountError, match="for let at gætte"):
        create_user("hanne.jensen@test.example", "board", password, name="Hanne Jensen")


def test_the_users_command_refuses_a_common_password_and_creates_nothing(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "--email", "a@b.example", "--role", "board",
                                 "--password-stdin"], input="Password123!\n")
    assert result.exit_code == 1 and "for let at gætte" in result.output
    assert "a@b.example" not in runner.invoke(args=["users", "list"]).output


def test_a_long_unusual_password_is_accepted(app):
    from register.accounts.services import create_user

    with app.app_context():
        assert create_user("a@test.example", "board", "tårn kaffe blyant 7 skov").id


def _history(app, user_id):
    from register.core.history import history_of

    with app.app_context():
        return [(e.actor, e.changes) for e in history_of(db.session, User, user_id)]


def _browser(app, role):
    """A client of its own (pytest-flask's `client` keeps its last request's context pushed, in which another
    client's request would run as its user)."""
    browser = app.test_client()
    assert browser.post("/konto/login", data={"email": f"{role}@test.example", "password": PASSWORD}).status_code == 302
    return browser


def test_an_administrator_deactivates_a_user_in_the_ui_and_it_is_recorded(app, users):
    security, client = _browser(app, "security"), _browser(app, "admin")
    page = client.get(f"/konto/brugere/{users['security']}")
    assert page.status_code == 200 and "Deaktivér kontoen" in html(page)
    assert "security@test.example" in html(client.get("/konto/brugere"))
    response = client.post(f"/konto/brugere/{users['security']}/aktiv", data={"active": "0"}, follow_redirects=True)
    assert "Kontoen er deaktiveret" in html(response) and "Aktivér kontoen igen" in html(response)
    assert security.get("/").status_code == 302  # the user's open session has ended
    assert security.post("/konto/login", data={"email": "security@test.example",
                                               "password": PASSWORD}).status_code == 401
    assert ("admin@test.example", {"active": [True, False]}) in _history(app, users["security"])
    client.post(f"/konto/brugere/{users['security']}/aktiv", data={"active": "1"})
    assert security.post("/konto/login", data={"email": "security@test.example",
                                               "password": PASSWORD}).status_code == 302


def test_an_administrator_cannot_deactivate_their_own_account(app, client, login, users):
    login("admin")
    response = client.post(f"/konto/brugere/{users['admin']}/aktiv", data={"active": "0"}, follow_redirects=True)
    assert "Du kan ikke deaktivere din egen konto." in html(response)
    with app.app_context():
        assert db.session.get(User, users["admin"]).active


def test_an_administrator_resets_a_password_in_the_ui_and_it_is_recorded(app, users):
    board, client = _browser(app, "board"), _browser(app, "admin")
    url = f"/konto/brugere/{users['board']}/adgangskode"
    weak = client.post(url, data={"password": "Sommer2024!", "confirm": "Sommer2024!"})
    assert weak.status_code == 422 and "for let at gætte" in html(weak)
    mismatch = client.post(url, data={"password": "blyant tårn kaffe 7", "confirm": "blyant tårn kaffe 8"})
    assert mismatch.status_code == 422 and "De to adgangskoder er ikke ens." in html(mismatch)
    assert board.get("/").status_code == 200  # nothing changed yet
    done = client.post(url, data={"password": "blyant tårn kaffe 7", "confirm": "blyant tårn kaffe 7"},
                       follow_redirects=True)
    assert "Adgangskoden er skiftet" in html(done)
    assert board.get("/").status_code == 302
    assert board.post("/konto/login", data={"email": "board@test.example", "password": PASSWORD}).status_code == 401
    assert board.post("/konto/login", data={"email": "board@test.example",
                                            "password": "blyant tårn kaffe 7"}).status_code == 302
    assert ("admin@test.example", {"password_hash": ["(skjult)", "(skjult)"]}) in _history(app, users["board"])
