"""A worker killed in the middle of saves: the database stays whole, the history chain holds, and no save the
server confirmed is lost (on the database the suite runs on: SQLite, or PostgreSQL with DATABASE_URL)."""
import re
import threading
import time
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from bench import server
from bench.load import _form
from register.core.history import ChangeLog, verify_chain
from register.extensions import db
from register.organisation.models import Unit

from conftest import PASSWORD

CLIENTS = 4
KILLS = 3
SAVES_BETWEEN_KILLS = 3


def _log_in(url: str) -> requests.Session:
    session = requests.Session()
    page = session.get(url + "/konto/login", timeout=30).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = session.post(url + "/konto/login", data={"csrf_token": token, "email": "admin@test.example",
                                                        "password": PASSWORD}, allow_redirects=False, timeout=30)
    assert response.status_code == 302, response.text[:300]
    return session


def _workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


@pytest.mark.timeout(300)
def test_killing_a_worker_during_saves_loses_no_confirmed_save_and_breaks_nothing(app, users, make_unit):
    import os
    import signal

    unit_id = make_unit(name="Tæller", contact_phone="0")
    with app.app_context():
        database_url = db.engine.url.render_as_string(hide_password=False)
        db.engine.dispose()
    confirmed, unsure, errors = [0], [0], []
    lock = threading.Lock()
    stop = threading.Event()

    def client(url):
        try:
            saves(url)
        except Exception as exc:  # reported below: an exception in a thread would not fail the test
            errors.append(repr(exc))

    def saves(url):
        session = None
        while session is None:
            try:
                session = _log_in(url)
            except (requests.RequestException, AttributeError):
                continue  # the worker died while logging in
        while not stop.is_set():
            try:
                form = _form(session.get(f"{url}/organisation/{unit_id}/rediger", timeout=30).text)
            except (requests.RequestException, AttributeError):
                continue  # the worker died while answering the read: nothing was saved
            form["contact_phone"] = str(int(form["contact_phone"] or 0) + 1)
            try:
                response = session.post(f"{url}/organisation/{unit_id}/rediger", data=form, allow_redirects=False,
                                        timeout=30)
            except requests.RequestException:
                with lock:
                    unsure[0] += 1  # killed mid-save: it may or may not have been committed
                continue
            with lock:
                if response.status_code == 302 and "/konto/login" not in response.headers["Location"]:
                    confirmed[0] += 1
                elif response.status_code not in (409, 502):
                    errors.append(f"{response.status_code}: {response.text[:200]}")

    with server.gunicorn(None, {"DATABASE_URL": database_url}, workers=2) as (url, master):
        threads = [threading.Thread(target=client, args=(url,)) for _ in range(CLIENTS)]
        for thread in threads:
            thread.start()
        # Each kill comes after a few more confirmed saves, not after a fixed time, so a busy machine makes
        # the test slower, not weaker.
        for kill in range(KILLS + 1):
            deadline = time.monotonic() + 60
            while confirmed[0] < SAVES_BETWEEN_KILLS * (kill + 1) and time.monotonic() < deadline:
                time.sleep(0.1)
            if kill < KILLS:
                os.kill(_workers(master.pid)[0], signal.SIGKILL)
        stop.set()
        for thread in threads:
            thread.join()

    assert errors == []
    assert confirmed[0] >= SAVES_BETWEEN_KILLS * (KILLS + 1), (confirmed, unsure)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            assert db.session.execute(sa.text("PRAGMA integrity_check")).scalars().all() == ["ok"]
        report = verify_chain(db.session)
        assert report.ok, report.reason
        final = int(db.session.get(Unit, unit_id).contact_phone)
        saves_in_history = db.session.execute(sa.select(sa.func.count(ChangeLog.id)).where(
            ChangeLog.entity == "unit", ChangeLog.entity_id == unit_id,
            ChangeLog.changes["contact_phone"].isnot(None))).scalar()
        db.session.remove()
        db.engine.dispose()
    # Every confirmed save is there; a save cut off by the kill may or may not be; each save is in the history.
    assert confirmed[0] <= final <= confirmed[0] + unsure[0], (confirmed, unsure, final)
    assert saves_in_history == final + 1  # the unit's creation set the counter too
