"""Login throttling, session expiry and cookie flags."""
import time

from conftest import PASSWORD, html


def _fail(client, email="admin@test.example"):
    return client.post("/konto/login", data={"email": email, "password": "wrong-password"})


def test_five_failures_lock_an_unrecognised_browser_out_of_the_account_for_a_while(client, users):
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
        old = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16)
        db.session.execute(sa.update(LoginAttempt).values(at=old))
        db.session.commit()
    assert client.post("/konto/login", data={"email": "admin@test.example", "password": PASSWORD}).status_code == 302


def test_a_success_resets_the_count_of_the_owners_own_browser(client, users):
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


def _browser(app, role=None):
    """A test client of its own. Not pytest-flask's `client`: that one keeps its last request's context pushed,
    and another client's request made meanwhile would run in it, as its user."""
    browser = app.test_client()
    if role:
        assert browser.post("/konto/login", data={"email": f"{role}@test.example",
                                                  "password": PASSWORD}).status_code == 302
    return browser


def _visit_with(app, cookie):
    other = _browser(app)
    other.set_cookie("session", cookie)
    return other.get("/")


def test_a_session_cookie_copied_before_logout_opens_nothing_after_it(app, users):
    board = _browser(app, "board")
    copied = board.get_cookie("session").value
    assert _visit_with(app, copied).status_code == 200
    board.post("/konto/logout")
    response = _visit_with(app, copied)
    assert response.status_code == 302 and "/konto/login" in response.headers["Location"]


def test_logout_ends_the_users_other_sessions_too(app, users):
    first, second = _browser(app, "board"), _browser(app, "board")
    assert second.get("/").status_code == 200
    first.post("/konto/logout")
    assert second.get("/").status_code == 302


def _change_user(app, user_id, change):
    from register.accounts.models import User
    from register.core.history import acting_as
    from register.extensions import db

    with app.app_context(), acting_as("test"):
        change(db.session.get(User, user_id))
        db.session.commit()


def test_deactivation_ends_every_session_of_the_user(app, users):
    security = _browser(app, "security")
    copied = security.get_cookie("session").value
    assert security.get("/").status_code == 200
    _change_user(app, users["security"], lambda user: setattr(user, "active", False))
    assert security.get("/").status_code == 302
    assert _visit_with(app, copied).status_code == 302


def test_a_new_password_ends_every_session_of_the_user(app, users):
    security = _browser(app, "security")
    assert security.get("/").status_code == 200
    _change_user(app, users["security"], lambda user: user.set_password("a-new-password-2026"))
    response = security.get("/")
    assert response.status_code == 302 and "/konto/login" in response.headers["Location"]
    assert security.post("/konto/login", data={"email": "security@test.example",
                                               "password": "a-new-password-2026"}).status_code == 302
    assert security.get("/").status_code == 200


def test_a_change_of_name_leaves_the_sessions_alone(app, users):
    security = _browser(app, "security")
    _change_user(app, users["security"], lambda user: setattr(user, "name", "Nyt navn"))
    assert security.get("/").status_code == 200


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


ATTACKER = {"REMOTE_ADDR": "203.0.113.9"}


def _owner_browser(app):
    """The owner's browser: it has logged in before, so it carries the device cookie."""
    owner = app.test_client()
    assert owner.post("/konto/login", data={"email": "admin@test.example", "password": PASSWORD}).status_code == 302
    owner.post("/konto/logout")
    return owner


def _attack(app, n, environ=ATTACKER, email="admin@test.example"):
    attacker = app.test_client()
    return [attacker.post("/konto/login", data={"email": email, "password": "wrong-password"},
                          environ_base=environ).status_code for _ in range(n)]


def test_an_attacker_cannot_lock_the_owner_out(app, users):
    owner = _owner_browser(app)
    assert _attack(app, 7) == [401] * 5 + [429] * 2
    # the owner's browser, from the same address as the attacker or another
    for environ in (ATTACKER, {"REMOTE_ADDR": "127.0.0.1"}):
        assert owner.post("/konto/login", data={"email": "admin@test.example", "password": PASSWORD},
                          environ_base=environ).status_code == 302
        owner.post("/konto/logout")
    # and a new browser of the owner's elsewhere
    assert app.test_client().post("/konto/login", data={"email": "admin@test.example", "password": PASSWORD},
                                  environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code == 302


def test_the_owners_login_does_not_reset_the_attackers_count(app, users):
    attacker = app.test_client()
    for _ in range(4):
        assert attacker.post("/konto/login", data={"email": "admin@test.example", "password": "wrong-password"},
                             environ_base=ATTACKER).status_code == 401
    _owner_browser(app)
    assert app.test_client().post("/konto/login", data={"email": "admin@test.example", "password": PASSWORD},
                                  environ_base=ATTACKER).status_code == 302  # a colleague behind the same NAT
    assert attacker.post("/konto/login", data={"email": "admin@test.example", "password": "wrong-password"},
                         environ_base=ATTACKER).status_code == 401
    assert attacker.post("/konto/login", data={"email": "admin@test.example", "password": PASSWORD},
                         environ_base=ATTACKER).status_code == 429


def test_failures_from_many_addresses_are_counted_per_account(app, users):
    app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] = 6
    owner = _owner_browser(app)
    for i in range(6):
        assert _attack(app, 1, {"REMOTE_ADDR": f"203.0.113.{i + 1}"}) == [401]
    assert app.test_client().post("/konto/login", data={"email": "admin@test.example", "password": PASSWORD},
                                  environ_base={"REMOTE_ADDR": "203.0.113.99"}).status_code == 429
    assert owner.post("/konto/login", data={"email": "admin@test.example", "password": PASSWORD}).status_code == 302


def test_parallel_guesses_get_no_more_tries_than_the_limit(app, users, monkeypatch):
    """Twelve guesses at the same moment: only five may reach the password check."""
    import threading

    from register.accounts.models import User

    checked = []
    original = User.check_password

    def check_password(self, password):
        checked.append(password)
        return original(self, password)

    monkeypatch.setattr(User, "check_password", check_password)
    start = threading.Barrier(12, timeout=20)
    statuses = []

    def guess():
        client = app.test_client()
        start.wait()
        statuses.append(client.post("/konto/login", data={"email": "admin@test.example", "password": "wrong-guess"},
                                    environ_base=ATTACKER).status_code)

    threads = [threading.Thread(target=guess) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [401] * 5 + [429] * 7
    assert len(checked) == 5


def _proxied_app(database_url, proxy_fix):
    from register import create_app

    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "test-secret",
                       "WTF_CSRF_ENABLED": False, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                       "PROXY_FIX": proxy_fix})


def test_behind_the_proxy_the_client_address_comes_from_the_forwarded_header(app, users, database_url):
    from register.extensions import db

    proxied = _proxied_app(database_url, {"x_for": 1, "x_proto": 1})
    attacker = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    colleague = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    try:
        assert _attack(proxied, 6, attacker) == [401] * 5 + [429]
        assert proxied.test_client().post("/konto/login", data={"email": "admin@test.example",
                                                                "password": PASSWORD},
                                          environ_base=colleague).status_code == 302
    finally:
        with proxied.app_context():
            db.session.remove()
            db.engine.dispose()


def test_without_the_proxy_setting_a_forged_forwarded_header_is_ignored(app, users):
    codes = [app.test_client().post("/konto/login", data={"email": "admin@test.example", "password": "wrong"},
                                    environ_base={"REMOTE_ADDR": "203.0.113.9",
                                                  "HTTP_X_FORWARDED_FOR": f"198.51.100.{i}"}).status_code
             for i in range(6)]
    assert codes == [401] * 5 + [429]


def test_login_takes_as_long_for_an_unknown_address_as_for_a_wrong_password(app, client):
    """Without a stand-in hash an unknown e-mail answered at once, and a known one after hashing."""
    import statistics

    from register.accounts.services import create_user
    from register.extensions import db

    app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:300000"
    with app.app_context():
        create_user("someone@test.example", "board", PASSWORD)
        db.session.commit()
    app.config["LOGIN_MAX_FAILURES"] = app.config["LOGIN_MAX_FAILURES_PER_IP"] = 100

    def timed(email):
        times = []
        for _ in range(5):
            start = time.perf_counter()
            assert client.post("/konto/login", data={"email": email, "password": "wrong"}).status_code == 401
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    known, unknown = timed("someone@test.example"), timed("nobody@test.example")
    assert 0.5 < unknown / known < 2, (known, unknown)
