"""The app factory, configuration layers, health check and security headers."""
import json
import os
import re
import stat

from flask import url_for

from register import create_app
from register.config import database_url

from conftest import html


def test_database_url_selects_psycopg3():
    assert database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_instance_config_and_environment_layers(tmp_path, monkeypatch):
    instance = tmp_path / "inst"
    instance.mkdir()
    (instance / "config.py").write_text('MUNICIPALITY_NAME = "Fjordby Kommune"\nPAGE_SIZE = 20\n')
    monkeypatch.setenv("REGISTER_INSTANCE_PATH", str(instance))
    monkeypatch.setenv("REGISTER_PAGE_SIZE", "30")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app()
    assert app.instance_path == str(instance)
    assert app.config["MUNICIPALITY_NAME"] == "Fjordby Kommune"   # instance file
    assert app.config["PAGE_SIZE"] == 30                         # environment beats the instance file
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///" + str(instance / "register.sqlite3")


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("REGISTER_INSTANCE_PATH", str(tmp_path / "inst"))
    first = create_app().config["SECRET_KEY"]
    second = create_app().config["SECRET_KEY"]
    key_file = tmp_path / "inst" / "secret_key"
    assert first == second == key_file.read_text().strip()
    assert len(first) == 64
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600


def test_healthz_reports_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_503_when_the_database_is_unreachable(tmp_path, monkeypatch):
    monkeypatch.setenv("REGISTER_INSTANCE_PATH", str(tmp_path / "inst"))
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/x.db"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    body = json.loads(response.data)
    assert body["status"] == "error"
    assert "is missing" in body["database"]


def test_anonymous_users_are_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/konto/login" in response.headers["Location"]


def test_security_headers_on_every_response(client):
    response = client.get("/konto/login")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "Cache-Control" not in response.headers  # nothing private on the login page


def test_a_signed_in_users_pages_are_not_cached_and_each_header_is_sent_once(client, login):
    login("board")
    response = client.get("/tilgaengelighed")
    assert response.headers["Cache-Control"] == "no-store"
    for name in ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy",
                 "Permissions-Policy", "Cache-Control"):
        assert len(response.headers.getlist(name)) == 1, name


def test_start_page_in_danish_with_the_municipality_and_the_parts(client, login, catalogs, make_unit):
    from register.organisation.models import UnitKind

    make_unit(name="Fjordby Kommune", kind=UnitKind.MUNICIPALITY)
    login("board")
    page = html(client.get("/"))
    assert '<html lang="da">' in page
    assert "Fjordby Kommune" in page
    assert "Krav" in page and "Organisation" in page
    assert "67</span>" in page  # requirements in the shipped catalogues


def test_unknown_page_gives_a_danish_404(client, login):
    login("board")
    response = client.get("/findes-ikke")
    assert response.status_code == 404
    assert "Siden findes ikke" in html(response)


def test_static_design_system_is_served_locally(client):
    response = client.get("/static/vendor/dkfds/css/dkfds.min.css")
    assert response.status_code == 200
    response.close()


def test_an_app_is_freed_once_nothing_uses_it(tmp_path, monkeypatch):
    """Nothing global (engine listeners, caches) may hold an app: each test and each CLI call makes one."""
    import gc
    import weakref

    from register.extensions import db

    monkeypatch.setenv("REGISTER_INSTANCE_PATH", str(tmp_path / "inst"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "x.sqlite3")})
    with app.test_request_context("/"):
        with db.engine.connect():   # runs the connect listeners
            pass
        app.jinja_env.get_template("base.html")
    ref = weakref.ref(app)
    del app
    gc.collect()
    assert ref() is None


def _menu(page: str) -> list[tuple[str, str, bool]]:
    """(href, label, current) of each link in the main menu."""
    menu = re.search(r'<nav class="app-nav".*?</nav>', page, re.S).group(0)
    return [(href, label, bool(current)) for href, current, label in
            re.findall(r'<a href="([^"]+)"( aria-current="page")?>([^<]+)</a>', menu)]


def test_the_menu_shows_each_role_the_parts_it_may_use_in_its_language(app, client, login, monkeypatch):
    """The menu is built once per role and language and kept; a board member must never get the
    administrator's menu, nor a Danish reader the English one."""
    from register.core.permissions import Permission, Role, role_can
    from register.core.templating import NavItem, nav_items
    from register.organisation.views import bp

    # Every part is readable by every role today; a part only some may use must still be hidden from others.
    monkeypatch.setattr(bp, "nav", [*bp.nav, NavItem(95, "Kun sikkerhed", "organisation.index",
                                                      permission=Permission.EDIT_SECURITY)])
    for role in ["admin", "board", "security", "preparedness", "admin"]:
        login(role)
        menu = _menu(html(client.get("/")))
        expected = [item for item in nav_items(app)
                    if item.permission is None or role_can(Role(role), item.permission)]
        with app.test_request_context():
            assert [href for href, _label, _current in menu] == ["/"] + [url_for(i.endpoint) for i in expected]
        assert menu[0] == ("/", "Forside", True) and not any(current for *_rest, current in menu[1:])
        assert ("Kun sikkerhed" in [label for _h, label, _c in menu]) == (role in ("admin", "security"))

    login("board")
    current = [(href, label) for href, label, is_current in _menu(html(client.get("/krav/"))) if is_current]
    assert current == [("/krav/", "Krav")]
    client.post("/konto/sprog", data={"language": "en", "next": "/"})
    labels = [label for _href, label, _current in _menu(html(client.get("/krav/")))]
    assert labels[:2] == ["Home", "Requirements"]
    login("security")  # still Danish
    assert [label for _h, label, _c in _menu(html(client.get("/")))][:2] == ["Forside", "Krav"]


def test_the_menu_links_under_the_address_the_app_is_served_from(client, login):
    """Behind a proxy the script root comes from a header; the menu's links follow it."""
    login("board")
    for root in ("/k1/", "/k2/"):
        assert f'href="{root}krav/"' in html(client.get("/", base_url=f"http://localhost{root}"))


def _app_on(url, tmp_path, monkeypatch):
    monkeypatch.setenv("REGISTER_INSTANCE_PATH", str(tmp_path / "inst"))
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x"})


def _health(app):
    from register.extensions import db

    try:
        response = app.test_client().get("/healthz")
        return response.status_code, response.get_json()
    finally:
        with app.app_context():
            db.engine.dispose()


def _sqlite_copy(app, database_url, tmp_path):
    import shutil

    import pytest

    if not database_url.startswith("sqlite"):
        pytest.skip("a SQLite file")
    copy = tmp_path / "copy.sqlite3"
    shutil.copy(database_url.removeprefix("sqlite:///"), copy)
    return copy


def test_healthz_says_503_when_the_sqlite_file_is_missing(app, database_url, tmp_path, monkeypatch):
    copy = _sqlite_copy(app, database_url, tmp_path)
    other = _app_on(f"sqlite:///{copy}", tmp_path, monkeypatch)
    assert _health(other)[0] == 200
    copy.unlink()  # deleted under the running app (its pooled connection could still read the old file)
    status, body = _health(other)
    assert status == 503 and "missing" in body["database"]


def test_healthz_says_503_when_the_database_is_read_only(app, database_url, tmp_path, monkeypatch):
    copy = _sqlite_copy(app, database_url, tmp_path)
    # Opened read-only by SQLite itself: the tests run as root, for whom file modes do not count.
    other = _app_on(f"sqlite:///file:{copy}?mode=ro&uri=true", tmp_path, monkeypatch)
    status, body = _health(other)
    assert status == 503 and "readonly" in body["database"]


def test_healthz_says_503_when_postgresql_cannot_be_reached(tmp_path, monkeypatch):
    other = _app_on("postgresql://nobody@127.0.0.1:9/register", tmp_path, monkeypatch)
    status, body = _health(other)
    assert status == 503 and body["status"] == "error"
