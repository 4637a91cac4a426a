"""Fixtures: one migrated database per run, a fresh app per test, data wiped between tests.

The database is SQLite unless DATABASE_URL points at PostgreSQL (CI runs the suite on both).
pytest-flask's automatic request context is switched off: with one context around the whole test,
Flask's `g` (and so the logged-in user) and the database session would carry over between requests.
Tests open `app.app_context()` where they touch the database directly.
Every fixture more than one test module uses lives here (factories, API tokens, an SMTP server, the browser);
plain helper functions shared by test modules live in the *_helpers.py modules and tests/browser.py.
"""
import datetime as dt
import os
import re

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from register import create_app
from register.extensions import db, init_migrate

PASSWORD = "correct-horse-battery"


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """A database migrated to the newest revision through Alembic, as `make run` does."""
    url = _database_url(tmp_path_factory)
    mp = pytest.MonkeyPatch()
    mp.setenv("REGISTER_INSTANCE_PATH", str(tmp_path_factory.mktemp("migrate-instance")))
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test"})
    init_migrate(app)
    mp.undo()
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade(revision="heads")
        db.engine.dispose()
    return url


@pytest.fixture
def app(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("REGISTER_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "MUNICIPALITY_NAME": "Testkommune",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    })
    yield app
    with app.app_context():
        db.session.remove()
        with db.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
                conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:  # self-referencing tables (unit, requirement) need FK checks off while wiping
                conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
                for table in reversed(db.metadata.sorted_tables):
                    conn.execute(table.delete())
                # the planner's statistics too (catalogue loads and some tests take them): with statistics of
                # another test's data SQLite may plan the next test's statements differently
                for (stat_table,) in conn.exec_driver_sql(
                        "SELECT name FROM sqlite_master WHERE name LIKE 'sqlite_stat%'").all():
                    conn.exec_driver_sql(f"DELETE FROM {stat_table}")
            conn.commit()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _push_request_context():
    """Override pytest-flask's fixture of the same name: no context is held across requests."""
    yield


@pytest.fixture
def catalogs(app):
    """The shipped catalogues, loaded."""
    from register.catalogs import loader

    with app.app_context():
        loader.load_shipped()
        db.session.commit()


@pytest.fixture
def users(app):
    """One active local account per role: {'admin': id, ...}."""
    from register.accounts.services import create_user
    from register.core.permissions import Role

    ids = {}
    with app.app_context():
        for role in Role:
            ids[role.value] = create_user(f"{role.value}@test.example", role, PASSWORD,
                                          name=f"Test {role.value}").id
        db.session.commit()
    return ids


@pytest.fixture
def login(client, users):
    """login('board') logs the test client in as that role's account."""

    def do_login(role: str):
        client.post("/konto/logout")
        response = client.post("/konto/login", data={"email": f"{role}@test.example", "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    return do_login


@pytest.fixture
def make_unit(app):
    """make_unit(name=..., parent_id=..., **overrides) -> id."""
    from register.organisation.models import Unit, UnitKind

    def factory(**overrides):
        values = {"name": "Enhed", "kind": UnitKind.DEPARTMENT} | overrides
        with app.app_context():
            unit = Unit(**values)
            db.session.add(unit)
            db.session.commit()
            return unit.id

    return factory


@pytest.fixture
def make_assessment(app, catalogs):
    """make_assessment(scores={'1': (current, target)}, start_from=id, **overrides) -> id of a gap analysis."""
    from gap_helpers import cis_id
    from register.gap import services
    from register.gap.models import Assessment, AssessorKind, ControlScore

    def factory(scores=None, start_from=None, **overrides):
        values = {"name": "Gap-analyse", "assessed_on": dt.date(2025, 3, 12),
                  "assessor_kind": AssessorKind.EXTERNAL, "assessor_name": "Rådgiver A/S",
                  "method": "CIS Controls v8"} | overrides
        with app.app_context():
            previous = db.session.get(Assessment, start_from) if start_from else None
            assessment = services.create_assessment(Assessment(**values), previous)
            for ref, (current, target) in (scores or {}).items():
                db.session.add(ControlScore(assessment_id=assessment.id, requirement_id=cis_id(ref),
                                            current_level=current, target_level=target))
            db.session.commit()
            return assessment.id

    return factory


@pytest.fixture
def make_finding(app):
    """make_finding(controls=['7'], **overrides) -> id."""
    from gap_helpers import cis_id
    from register.gap import services
    from register.gap.models import Finding, FindingSource, FindingStatus, Severity

    def factory(controls=(), **overrides):
        values = {"title": "Fund", "severity": Severity.MEDIUM, "identified_on": dt.date(2025, 3, 12),
                  "source_kind": FindingSource.GAP_ANALYSIS, "status": FindingStatus.OPEN} | overrides
        with app.app_context():
            finding = Finding(**values)
            db.session.add(finding)
            services.set_requirements(finding, {cis_id(ref) for ref in controls})
            db.session.commit()
            return finding.id

    return factory


@pytest.fixture
def import_units(make_unit):
    """The units the gap-import files name: {'IT-drift': id, 'Informationssikkerhed': id}."""
    from register.organisation.models import UnitKind

    return {"IT-drift": make_unit(name="IT-drift"),
            "Informationssikkerhed": make_unit(name="Informationssikkerhed", kind=UnitKind.TEAM)}


@pytest.fixture
def make_token(app, users):
    """make_token('board', days=30) -> plain API token of that role's account."""
    from register.accounts.models import User
    from register.api import tokens

    def factory(role="board", days=30):
        with app.app_context():
            _, plain = tokens.create_token(db.session.get(User, users[role]), "Test", days)
            db.session.commit()
            return plain

    return factory


@pytest.fixture
def api(client, make_token):
    """api(path, **kw): a GET (or `method=`) to the API with a reader's token."""
    headers = {"Authorization": f"Bearer {make_token('board')}"}

    def get(path, method="GET", **kw):
        return client.open(path, method=method, headers=headers, **kw)

    return get


@pytest.fixture
def smtp_server():
    """A real SMTP server on loopback that keeps what it receives: (port, list of messages)."""
    import socket

    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    class Inbox(Message):
        def __init__(self):
            super().__init__()
            self.messages = []

        def handle_message(self, message):
            self.messages.append(message)

    with socket.socket() as probe:  # a free port on loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox.messages
    finally:
        controller.stop()


@pytest.fixture
def known(app, catalogs, make_unit):
    """A small municipality whose figures we know, all entered on 1 March 2025 (the clock frozen then)."""
    import time_machine

    from report_helpers import RECORDED, enter_known

    with time_machine.travel(RECORDED, tick=False):
        return enter_known(app, make_unit)


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright, one per test module; skips where it is not installed."""
    from browser import CHROMIUM_ARGS, chromium_path, require_browser

    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="da-DK")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def site(live_server):
    return live_server.url()


@pytest.fixture
def count_queries(app):
    """with count_queries() as counter: ...; counter.count is the number of SQL statements run."""
    import contextlib

    @contextlib.contextmanager
    def counting():
        class Counter:
            count = 0
            statements: list[str] = []

        def before(conn, cursor, statement, *args):
            if not re.match(r"\s*(SAVEPOINT|RELEASE|ROLLBACK|PRAGMA)", statement, re.I):
                Counter.count += 1
                Counter.statements.append(statement)

        with app.app_context():
            engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", before)
        try:
            yield Counter
        finally:
            sa.event.remove(engine, "before_cursor_execute", before)

    return counting


@pytest.fixture
def server_clock_a_day_off(monkeypatch):
    """The server's own time zone set so that its calendar day differs from Copenhagen's right now.

    Servers often run in UTC, and from midnight to one (two in summer) Danish time their date is still
    yesterday's; this fixture makes any such mismatch happen at whatever hour the test runs.
    """
    import time
    from zoneinfo import ZoneInfo

    from register.core.dates import local_today

    copenhagen_hour = dt.datetime.now(ZoneInfo("Europe/Copenhagen")).hour
    # UTC+14 is already tomorrow from 11 Danish time; UTC-12 is still yesterday until 12 (13 in summer).
    monkeypatch.setenv("TZ", "Pacific/Kiritimati" if copenhagen_hour >= 12 else "Etc/GMT+12")
    time.tzset()
    assert dt.date.today() != local_today()
    yield
    monkeypatch.undo()
    time.tzset()


def html(response) -> str:
    return response.get_data(as_text=True)
