"""Concurrent clients on gunicorn: no server errors, no lost updates, no 'database is locked'.

Each client logs in and repeatedly (a) reads the main pages and (b) increments a shared counter through
the real unit edit form, retrying when optimistic locking reports a conflict (409). At the end the
counter must equal the number of saves the server confirmed: a lost update would make it smaller.
"""
import re
from html import unescape
import statistics
import threading
import time
from dataclasses import dataclass, field

import requests

from register.demo.services import demo_data

PAGES = ["/", "/organisation/", "/kataloger/", "/kataloger/nis2", "/kataloger/cis-v8"]


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    saves: int = 0
    conflicts: int = 0
    lock = threading.Lock()

    def add(self, seconds: float, status: int, what: str, body: str = ""):
        with self.lock:
            self.latencies.append(seconds)
            if status >= 500 or "database is locked" in body:
                self.errors.append(f"{status} {what}")


def _login(url: str) -> requests.Session:
    data = demo_data()
    session = requests.Session()
    admin = next(u["email"] for u in data["users"] if u["role"] == "admin")
    page = session.get(url + "/konto/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = session.post(url + "/konto/login", data={"csrf_token": token, "email": admin,
                                                      "password": data["password"]}, allow_redirects=False)
    assert response.status_code == 302, response.text[:300]
    return session


def _form(html: str) -> dict:
    fields = dict(re.findall(r'name="(\w+)" type="hidden" value="([^"]*)"', html))
    for name in ("name", "leader_name", "contact_email", "contact_phone"):
        tag = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', html)
        value = re.search(r'value="([^"]*)"', tag.group(0)) if tag else None
        fields[name] = unescape(value.group(1)) if value else ""
    fields["kind"] = re.search(r'<option selected value="(\w+)"', html).group(1)
    parent = re.search(r'<select[^>]*id="parent_id".*?<option selected value="(\d*)"', html, re.S)
    fields["parent_id"] = parent.group(1) if parent else ""
    fields["active"] = "y"
    return fields


def client(session: requests.Session, url: str, unit_id: int, stop: float, tally: Tally):
    i = 0
    while time.time() < stop:
        path = PAGES[i % len(PAGES)]
        start = time.perf_counter()
        response = session.get(url + path)
        tally.add(time.perf_counter() - start, response.status_code, path, response.text)
        if i % 3 == 0:
            _increment(session, url, unit_id, tally)
        i += 1


def _increment(session, url, unit_id, tally):
    while True:
        start = time.perf_counter()
        page = session.get(f"{url}/organisation/{unit_id}/rediger")
        form = _form(page.text)
        form["contact_phone"] = str(int(form["contact_phone"] or 0) + 1)
        response = session.post(f"{url}/organisation/{unit_id}/rediger", data=form, allow_redirects=False)
        tally.add(time.perf_counter() - start, response.status_code, "edit", response.text)
        if response.status_code == 302:
            with tally.lock:
                tally.saves += 1
            return
        if response.status_code == 409:
            with tally.lock:
                tally.conflicts += 1
            continue
        tally.errors.append(f"{response.status_code} edit: {response.text[:200]}")
        return


def run(url: str, clients: int = 20, seconds: float = 15.0) -> dict:
    session = _login(url)
    units = session.get(url + "/organisation/").text
    unit_id = int(re.findall(r'href="/organisation/(\d+)"', units)[1])
    form = _form(session.get(f"{url}/organisation/{unit_id}/rediger").text)
    form["contact_phone"] = "0"
    assert session.post(f"{url}/organisation/{unit_id}/rediger", data=form, allow_redirects=False).status_code == 302
    tally = Tally()
    sessions = [_login(url) for _ in range(clients)]  # logins (deliberately slow hashing) are not measured
    stop = time.time() + seconds
    threads = [threading.Thread(target=client, args=(s, url, unit_id, stop, tally)) for s in sessions]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    final = int(_form(session.get(f"{url}/organisation/{unit_id}/rediger").text)["contact_phone"])
    lat = sorted(tally.latencies)
    return {
        "clients": clients, "requests": len(lat), "throughput": len(lat) / elapsed,
        "median_ms": statistics.median(lat) * 1000, "p95_ms": lat[int(len(lat) * 0.95) - 1] * 1000,
        "errors": tally.errors, "saves": tally.saves, "conflicts": tally.conflicts, "counter": final,
        "lost_updates": tally.saves - final,
    }
