"""Login throttling, session expiry and cookie flags."""
import time

from conftest import PASSWORD, html


def _fail(client, email="admin@test.example"):
    return client.post("/konto/login", data={"email": email, "password": "wrong-password"})


def test_five_failures_lock_the_account_for_a_while_even_with_the_right_password(client, users):
    for _ in range(5):
        assert _fail(client).status_code == 401
    response = client.post("/konto/login", data={"email": "admin@test.example", "password": PASSWORD})
    assert response.status_code == 429
    assert "For mange mislykkede forsøg. Prøv igen om 15 minutter." in html(response)
    # Another account from the same address is not affected by this account's lock.
    assert client.post("/konto/login", data={"email": "board@test.example", "password": PASSWORD}).status_code == 302


def test_the_lock_lifts_after_the_window(app, client, users):
    import datetime as dt

    import sqlalchemy as sa

    from register.accounts.throttle import LoginAttempt
    from register.extensions import db

    for _ in range(5):
        _fail(client)
    with app.app_context():
        old = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=16)
        db.session.execute(sa.update(LoginAttempt).values(at=old))
        db.session.commit()
    assert client.post("/konto/login", data={"email": "admin@test.example", "password": PASSWORD}).status_code == 302


def test_a_success_resets_the_count(client, users):
    for _ in range(4):
        _fail(client)
    assert client.post("/konto/login", data={"email": "admin@test.example", "password": PASSWORD}).status_code == 302
    client.post("/konto/logout")
    for _ in range(4):
        assert _fail(client).status_code == 401


def test_many_failures_from_one_address_are_throttled_across_accounts(app, client, users):
    app.config["LOGIN_MAX_FAILURES_PER_IP"] = 6
    for i in range(6):
        _fail(client, f"nobody{i}@test.example")
    assert client.post("/konto/login", data={"email": "board@test.example", "password": PASSWORD}).status_code == 429


def test_idle_sessions_expire(app, client, login):
    login("board")
    assert client.get("/").status_code == 200
    with client.session_transaction() as sess:
        sess["seen_at"] = int(time.time()) - 61 * 60
    response = client.get("/")
    assert response.status_code == 302 and "/konto/login" in response.headers["Location"]
    assert "inaktiv" in html(client.get(response.headers["Location"]))


def test_sessions_end_after_their_lifetime_even_when_active(client, login):
    login("board")
    with client.session_transaction() as sess:
        sess["login_at"] = int(time.time()) - 9 * 3600
    assert client.get("/").status_code == 302


def test_session_cookie_is_httponly_samesite_and_secure_over_https(client, users):
    plain = client.post("/konto/login", data={"email": "admin@test.example", "password": PASSWORD})
    cookie = plain.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    client.post("/konto/logout")
    secure = client.post("/konto/login", base_url="https://localhost",
                         data={"email": "board@test.example", "password": PASSWORD})
    assert "Secure" in secure.headers["Set-Cookie"]


def test_login_starts_a_new_session(client, users):
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    client.post("/konto/login", data={"email": "admin@test.example", "password": PASSWORD})
    with client.session_transaction() as sess:
        assert "planted" not in sess


def test_activity_keeps_a_session_alive_without_resigning_the_cookie_on_every_request(client, login):
    login("board")
    with client.session_transaction() as sess:
        sess["seen_at"] = int(time.time()) - 50 * 60
    refreshed = client.get("/")
    assert refreshed.status_code == 200 and "Set-Cookie" in refreshed.headers
    with client.session_transaction() as sess:
        assert sess["seen_at"] >= int(time.time()) - 5  # the idle clock restarted
    assert "Set-Cookie" not in client.get("/").headers  # seen a moment ago: nothing to write


def _copied_session(client):
    return client.get_cookie("session").value


def _visit_with(app, cookie):
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other.get("/")


def test_a_session_cookie_copied_before_logout_opens_nothing_after_it(app, client, login):
    login("board")
    copied = _copied_session(client)
    assert _visit_with(app, copied).status_code == 200
    client.post("/konto/logout")
    response = _visit_with(app, copied)
    assert response.status_code == 302 and "/konto/login" in response.headers["Location"]


def test_logout_ends_the_users_other_sessions_too(app, client, users):
    other = app.test_client()
    for c in (client, other):
        assert c.post("/konto/login", data={"email": "board@test.example", "password": PASSWORD}).status_code == 302
    client.post("/konto/logout")
    assert other.get("/").status_code == 302


def _change_user(app, user_id, change):
    from register.accounts.models import User
    from register.core.history import acting_as
    from register.extensions import db

    with app.app_context(), acting_as("test"):
        change(db.session.get(User, user_id))
        db.session.commit()


def test_deactivation_ends_every_session_of_the_user(app, client, login, users):
    login("security")
    copied = _copied_session(client)
    _change_user(app, users["security"], lambda user: setattr(user, "active", False))
    assert client.get("/").status_code == 302
    assert _visit_with(app, copied).status_code == 302


def test_a_new_password_ends_every_session_of_the_user(app, client, login, users):
    login("security")
    _change_user(app, users["security"], lambda user: user.set_password("a-new-password-2026"))
    response = client.get("/")
    assert response.status_code == 302 and "/konto/login" in response.headers["Location"]
    assert client.post("/konto/login", data={"email": "security@test.example",
                                             "password": "a-new-password-2026"}).status_code == 302
    assert client.get("/").status_code == 200


def test_a_change_of_name_leaves_the_sessions_alone(app, client, login, users):
    login("security")
    _change_user(app, users["security"], lambda user: setattr(user, "name", "Nyt navn"))
    assert client.get("/").status_code == 200


def test_two_logins_at_once_both_succeed(app, users, monkeypatch):
    """A double click: both requests read the account before either records the login; neither may get 409."""
    import threading

    from register.accounts.models import User

    both_read = threading.Barrier(2, timeout=10)
    original = User.check_password

    def check_password(self, password):
        both_read.wait()
        return original(self, password)

    monkeypatch.setattr(User, "check_password", check_password)
    statuses = []

    def log_in():
        response = app.test_client().post("/konto/login", data={"email": "admin@test.example",
                                                                "password": PASSWORD})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=log_in) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302, 302]
