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
