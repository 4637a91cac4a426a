"""Page latency at scale: `python -m bench pages [--database-url URL]`.

Builds an instance with demo data, counts SQL statements per page in-process (test client and an engine
event), adds a large municipality (bench.generate), counts again (paged lists must not grow), then starts
gunicorn and drives every page with concurrent logged-in clients: median, p95, throughput, and the peak
memory of the workers. One status update (POST of the assessment form) is measured the same way.
"""
import contextlib
from concurrent.futures import ThreadPoolExecutor
import os
import platform
import re
import statistics
import sys
import threading
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import requests
import sqlalchemy as sa

from bench import generate, server, wrk
from bench.load import _login

FLOOR = "reference: Flask answering \"ok\""

# (label, path, a list whose query count must not grow with the data?). {req}/{unit}/{catalog}/{finding}/{exercise}
# come from the data.
PAGES = [
    ("layout only (accessibility statement)", "/tilgaengelighed", False),
    ("start page", "/", False),
    ("/krav/", "/krav/", True),
    ("/krav/ catalogue filter", "/krav/?catalog=nis2", True),
    ("/krav/ status+unit filter", "/krav/?status=implemented&unit={unit}", True),
    ("/krav/ search", "/krav/?q=backup", True),
    ("/krav/ page 3", "/krav/?page=3", True),
    ("/krav/overblik", "/krav/overblik", False),
    ("requirement page", "/krav/{req}", False),
    ("/tiltag/", "/tiltag/", True),
    ("/tiltag/ page 40", "/tiltag/?page=40", True),
    ("/gap-analyse/handlingsplan", "/gap-analyse/handlingsplan?status=alle", True),
    ("handlingsplan by control, page 10", "/gap-analyse/handlingsplan?gruppering=kontrol&status=alle&page=10", True),
    ("/oevelser/", "/oevelser/", True),
    ("finding form (edit)", "/gap-analyse/fund/{finding}/rediger", False),
    ("exercise form (edit)", "/oevelser/{exercise}/rediger", False),
    ("/aarshjul/", "/aarshjul/", False),
    ("/haendelser/", "/haendelser/", True),
    ("/risici/ (with the heat map)", "/risici/", True),
    ("/risici/ beredskab, page 10", "/risici/?status=alle&source=preparedness&page=10", True),
    ("/leverandoerer/", "/leverandoerer/", True),
    ("/leverandoerer/ page 5", "/leverandoerer/?page=5", True),
    ("XLSX export, 440-req catalogue", "/krav/eksport.xlsx?catalog={catalog}", False),
    ("CSV export, 440-req catalogue", "/krav/eksport.csv?catalog={catalog}", False),
    # The same 20 rows on demo data and on the large register: the time must not grow with the catalogues.
    ("API requirement assessments, 20 rows", "/api/v1/requirement-assessments?per_page=20", True),
    ("API requirement assessments, 440-req catalogue", "/api/v1/requirement-assessments?catalog={catalog}&per_page=500",
     False),
]


class _FormParser(HTMLParser):
    """The fields of the form inside <main> whose action matches, as a browser would submit them."""

    def __init__(self, action: str):
        super().__init__()
        self.action, self.inside, self.fields, self.select, self.textarea = action, False, {}, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = (a.get("action") or "").split("?")[0] in ("", self.action)
        elif not self.inside:
            return
        elif tag == "input" and a.get("name"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self.fields[a["name"]] = a.get("value") or ("y" if a.get("type") == "checkbox" else "")
        elif tag == "select":
            self.select = a.get("name")
            self.fields.setdefault(self.select, "")
        elif tag == "option" and self.select and "selected" in a:
            self.fields[self.select] = a.get("value", "")
        elif tag == "textarea":
            self.textarea = a.get("name")
            self.fields[self.textarea] = ""

    def handle_data(self, data):
        if self.textarea:
            self.fields[self.textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def form_fields(html: str, action: str) -> dict:
    parser = _FormParser(action)
    parser.feed(html)
    return parser.fields


@dataclass
class Timing:
    label: str
    requests: int
    throughput: float
    median_ms: float
    p95_ms: float
    errors: int
    p99_ms: float  # the tail, where pauses such as a full garbage collection show


def _summarise(label: str, latencies: list[float], elapsed: float, errors: int) -> Timing:
    lat = sorted(latencies)
    return Timing(label, len(lat), len(lat) / elapsed, statistics.median(lat) * 1000,
                  lat[max(int(len(lat) * 0.95) - 1, 0)] * 1000, errors, lat[max(int(len(lat) * 0.99) - 1, 0)] * 1000)


def drive(sessions: list[requests.Session], label: str, url: str, per_client: int) -> Timing:
    """Every client requests the URL `per_client` times, all at once."""
    latencies, errors, lock = [], [0], threading.Lock()

    def client(session):
        for _ in range(per_client):
            start = time.perf_counter()
            response = session.get(url)
            spent = time.perf_counter() - start
            with lock:
                latencies.append(spent)
                if response.status_code != 200:
                    errors[0] += 1

    threads = [threading.Thread(target=client, args=(s,)) for s in sessions]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return _summarise(label, latencies, time.perf_counter() - began, errors[0])


def _wrk_timing(label: str, result: dict) -> Timing:
    return Timing(label, result["requests"], result["requests"] / result["seconds"], result["median_ms"],
                  result["p95_ms"], result["errors"], result["p99_ms"])


def drive_wrk(cookie: str, label: str, url: str, clients: int, seconds: float) -> Timing:
    return _wrk_timing(label, wrk.run(url, cookie, clients, seconds))


def drive_updates(sessions: list[requests.Session], base: str, req_ids: list[int], per_client: int) -> Timing:
    """Each client saves a status on its own requirement repeatedly; only the POST is timed."""
    latencies, errors, lock = [], [0], threading.Lock()
    statuses = ["planned", "partly", "implemented", "not_started"]

    def client(session, req_id):
        path = f"/krav/{req_id}/vurdering"
        for i in range(per_client):
            fields = form_fields(session.get(base + path).text, path)
            fields["status"] = statuses[i % len(statuses)]
            fields["applicable"] = "yes"
            fields.pop("status_from_controls", None)
            start = time.perf_counter()
            response = session.post(base + path, data=fields, allow_redirects=False)
            spent = time.perf_counter() - start
            with lock:
                latencies.append(spent)
                if response.status_code != 302:
                    errors[0] += 1

    threads = [threading.Thread(target=client, args=(s, r)) for s, r in zip(sessions, req_ids, strict=True)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return _summarise("status update (POST)", latencies, time.perf_counter() - began, errors[0])


def drive_updates_wrk(session: requests.Session, base: str, req_ids: list[int], seconds: float) -> Timing:
    """Each connection (wrk) saves a status on its own requirement, POST after POST; only the saves are sent,
    so the clients' own parsing no longer shares the server's cores or counts as its latency."""
    forms = []
    for req_id in req_ids:
        path = f"/krav/{req_id}/vurdering"
        fields = form_fields(session.get(base + path).text, path)
        fields["applicable"] = "yes"
        forms.append((path, fields, f"/krav/{req_id}"))
    cookie = "; ".join(f"{k}={v}" for k, v in session.cookies.items())
    return _wrk_timing("status update (POST)", wrk.run_saves(base, cookie, forms, seconds))


def worker_peaks_mib(master_pid: int, field: str = "VmHWM") -> list[float]:
    """The peak resident size (VmHWM), or with field="VmRSS" the current one, of each of gunicorn's workers."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    peaks = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        peaks.append(int(re.search(field + r":\s+(\d+) kB", status).group(1)) / 1024)
    return peaks


@contextlib.contextmanager
def in_process(path: Path, env: dict):
    """The app in this process on the benchmark's instance (CSRF off for the test client)."""
    saved = {k: os.environ.get(k) for k in ("REGISTER_INSTANCE_PATH", "DATABASE_URL")}
    os.environ.update({"REGISTER_INSTANCE_PATH": str(path), **env})
    try:
        from register import create_app

        app = create_app({"WTF_CSRF_ENABLED": False})
        with app.app_context():
            yield app
            from register.extensions import db

            db.session.remove()
            db.engine.dispose()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def targets(app) -> dict:
    """Ids the page paths need: a requirement, a unit, the 440-requirement catalogue (or NIS2), the first finding
    and exercise."""
    from register.catalogs.models import Catalog, Requirement
    from register.extensions import db
    from register.gap.models import Finding
    from register.organisation.models import Unit
    from register.preparedness.models import Exercise

    catalog = "bench-1" if db.session.query(Catalog.id).filter_by(code="bench-1").first() else "nis2"
    req = db.session.execute(sa.select(Requirement.id).join(Catalog)
                             .where(Catalog.code == "nis2", Requirement.depth > 0)
                             .order_by(Requirement.id)).scalars().first()
    unit = db.session.execute(sa.select(Unit.id).where(Unit.parent_id.is_not(None)).order_by(Unit.id)).scalars().first()
    finding = db.session.execute(sa.select(sa.func.min(Finding.id))).scalar()
    exercise = db.session.execute(sa.select(sa.func.min(Exercise.id))).scalar()
    return {"req": req, "unit": unit, "catalog": catalog, "finding": finding, "exercise": exercise}


def query_counts(app, times: dict | None = None) -> dict[str, int]:
    """SQL statements per page for a logged-in admin, counted with an engine event; with `times`, also the
    time of one request in this process (the page's own cost, without concurrency or HTTP)."""
    from register.demo.services import demo_data
    from register.extensions import db

    data = demo_data()
    admin = next(u["email"] for u in data["users"] if u["role"] == "admin")
    ids = targets(app)
    counts: dict[str, int] = {}
    current: list[int] = [0]

    def count(conn, cursor, statement, *args):
        if not re.match(r"\s*(SAVEPOINT|RELEASE|ROLLBACK|PRAGMA)", statement, re.I):
            current[0] += 1

    # Requests run on a thread of their own: this thread holds an application context (for the queries
    # above), and a request made under it would share its database session and `g` with every other
    # request, unlike under gunicorn, hiding per-request work such as loading the user.
    pool = ThreadPoolExecutor(max_workers=1)
    test_client = app.test_client()

    class _Client:
        def get(self, path):
            return pool.submit(test_client.get, path).result()

        def post(self, path, data):
            return pool.submit(test_client.post, path, data=data).result()

    client = _Client()
    response = client.post("/konto/login", data={"email": admin, "password": data["password"]})
    assert response.status_code == 302, response.status_code

    paths = {label: path.format(**ids) for label, path, _paged in PAGES}
    try:
        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            for label, path in paths.items():
                client.get(path)  # warm: the first request compiles the page's templates
                current[0] = 0
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)
                counts[label] = current[0]
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        if times is not None:
            times.update(best_of_rounds(client, paths))
    finally:
        pool.shutdown()
    return counts


def best_of_rounds(client, paths: dict[str, str], rounds: int = 5, batch: int = 5) -> dict[str, float]:
    """Each page's time alone in ms: the best batch of `batch` requests in `rounds` rounds, each round visiting
    every page once. A shared host only ever adds time, and it does so in spells (the same page, in the same
    process, on the same data, took either about 20 ms or about 29 ms): rounds spread a page's batches over the
    whole run, so one slow spell does not fall on all of them."""
    best: dict[str, float] = {}
    for _ in range(rounds):
        for label, path in paths.items():
            began = time.perf_counter()
            for _ in range(batch):
                client.get(path)
            took = (time.perf_counter() - began) / batch * 1000
            best[label] = min(took, best.get(label, took))
    return best


def run(database_url: str | None, clients: int = 10, per_client: int = 20, workers: int = 4,
        seconds: float = 8, use_wrk: bool | None = None) -> dict:
    """With wrk (if installed, unless use_wrk=False) each page is driven for `seconds`; otherwise by Python
    threads, `per_client` requests each."""
    use_wrk = wrk.available() if use_wrk is None else use_wrk
    with server.instance(database_url) as (path, env):
        with in_process(path, env) as app:
            alone_small: dict[str, float] = {}
            small = query_counts(app, alone_small)
            began = time.perf_counter()
            made = generate.generate(generate.Scale())
            generated_in = time.perf_counter() - began
            alone: dict[str, float] = {}
            large = query_counts(app, alone)
            ids = targets(app)
            from register.catalogs.models import Catalog, Requirement
            from register.extensions import db

            update_reqs = db.session.execute(sa.select(Requirement.id).join(Catalog).where(
                Catalog.code == ids["catalog"], Requirement.depth > 0)
                .order_by(Requirement.id).limit(clients)).scalars().all()
        with server.gunicorn(path, env, workers) as (url, proc):
            sessions = [_login(url) for _ in range(clients)]
            for s in sessions:
                s.get(url + "/")  # each worker's first request (imports, templates) is not measured
            if use_wrk:
                cookie = "; ".join(f"{k}={v}" for k, v in sessions[0].cookies.items())
                timings = []
                for label, p, _ in PAGES:
                    # Warm every worker for this page under the same load (templates compiled, statements
                    # prepared): one client's requests in a row tend to reach the same worker.
                    wrk.run(url + p.format(**ids), cookie, clients, 1)
                    timings.append(drive_wrk(cookie, label, url + p.format(**ids), clients, seconds))
            else:
                timings = [drive(sessions, label, url + p.format(**ids), per_client) for label, p, _ in PAGES]
            if use_wrk:
                # Warmed like the pages: a worker's first saves compile and prepare their statements (10 ms
                # for the first, 4-5 ms for the next few, against 3.5 ms), and the run's first second had a
                # p95 of 45 ms on PostgreSQL against 30 ms for the seconds after it.
                drive_updates_wrk(sessions[0], url, update_reqs, 1)
                time.sleep(1)  # saves that wrk left in flight finish before the forms are read again
                timings.append(drive_updates_wrk(sessions[0], url, update_reqs, seconds))
            else:
                timings.append(drive_updates(sessions, url, update_reqs, per_client))
            # The peak includes the login's password hash: scrypt holds 32 MiB for the moment it runs, which is
            # what makes it memory-hard. What a worker keeps is its resident size once the pages are served.
            peak = max(worker_peaks_mib(proc.pid))
            resident = max(worker_peaks_mib(proc.pid, "VmRSS"))
        if use_wrk:
            with server.gunicorn(None, {}, workers, app="bench.floor:app", ready="/") as (floor_url, _):
                timings.append(drive_wrk("", FLOOR, floor_url + "/", clients, seconds))
    return {"made": made, "generated_in": generated_in, "small": small, "large": large, "timings": timings,
            "alone": alone, "alone_small": alone_small, "peak_rss_mib": peak, "rss_mib": resident, "workers": workers,
            "clients": clients, "python": interpreter(),
            "driver": f"wrk, {clients} connections, {seconds:g} s per page, the status update each connection "
                      "saving its own requirement" if use_wrk else
                      f"{clients} Python threads, {per_client} requests each per page"}


def run_alone(database_url: str | None) -> dict:
    """The in-process half of `run` only: every page alone on demo data and on the large municipality, with
    its SQL count, and no gunicorn (a quick check of one page's own cost while working on it)."""
    with server.instance(database_url) as (path, env):
        with in_process(path, env) as app:
            alone_small: dict[str, float] = {}
            small = query_counts(app, alone_small)
            began = time.perf_counter()
            made = generate.generate(generate.Scale())
            generated_in = time.perf_counter() - began
            alone: dict[str, float] = {}
            large = query_counts(app, alone)
    return {"made": made, "generated_in": generated_in, "small": small, "large": large, "alone": alone,
            "alone_small": alone_small, "python": interpreter()}


def report_alone(result: dict, database: str) -> str:
    """The result of `run_alone` as Markdown (also printed)."""
    lines = [f"### {database}, one request alone, in-process", "",
             f"Data: {', '.join(f'{v} {k}' for k, v in result['made'].items())} (generated in "
             f"{result['generated_in']:.0f} s); {result['python']}.", "",
             "| page | alone (demo data) | alone (large) | SQL (demo data) | SQL (large) |",
             "| --- | --- | --- | --- | --- |"]
    for label, _path, _paged in PAGES:
        lines.append(f"| {label} | {result['alone_small'][label]:.1f} ms | {result['alone'][label]:.1f} ms | "
                     f"{result['small'][label]} | {result['large'][label]} |")
    return "\n".join(lines)


def interpreter() -> str:
    """Which Python runs the server, and on which processor: builds differ by a quarter in speed (see
    RESULTS.md, session 7), and machines of the same kind by up to four times (session 12)."""
    return f"Python {platform.python_version()}, {os.path.realpath(sys.executable)}; {processor()}"


def processor(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """The processor's model, family and core count as Linux names them ("unknown processor" elsewhere)."""
    try:
        text = cpuinfo.read_text()
    except OSError:
        return "unknown processor"

    def field(name: str) -> str:
        found = re.search(rf"^{name}\s*:\s*(.+)$", text, re.M)
        return found[1].strip() if found else "?"

    cores = len(re.findall(r"^processor\s*:", text, re.M))
    return f"{field('model name')} (family {field('cpu family')}, model {field('model')}), {cores} cores"


def report(result: dict, database: str) -> str:
    """The result as Markdown (also printed)."""
    paged = {label for label, _p, is_paged in PAGES if is_paged}
    lines = [f"### {database}", "",
             f"Data: {', '.join(f'{v} {k}' for k, v in result['made'].items())} (generated in "
             f"{result['generated_in']:.0f} s). gunicorn {result['workers']} sync workers, "
             f"{result['clients']} concurrent clients ({result.get('driver', 'Python threads')}); "
             f"largest worker {result['rss_mib']:.0f} MiB resident after the run, peak "
             f"{result['peak_rss_mib']:.0f} MiB (with the login's 32 MiB password hash)"
             + (f"; {result['python']}" if result.get("python") else "") + ".", "",
             "| page | one request alone (demo data) | one request alone | median | p95 | p99 "
             "| req/s | SQL (demo data) | SQL (large) | errors |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for t in result["timings"]:
        small, large = result["small"].get(t.label, "–"), result["large"].get(t.label, "–")
        flag = " (list)" if t.label in paged else ""
        small_alone = result.get("alone_small", {}).get(t.label)
        alone = result.get("alone", {}).get(t.label)
        small_text = f"{small_alone:.1f} ms" if small_alone is not None else "–"
        alone_text = f"{alone:.1f} ms" if alone is not None else "–"
        lines.append(f"| {t.label}{flag} | {small_text} | {alone_text} | {t.median_ms:.1f} ms | "
                     f"{t.p95_ms:.1f} ms | "
                     f"{t.p99_ms:.1f} ms | {t.throughput:.0f} | "
                     f"{small} | {large} | {t.errors} |")
    # A list that fits one page on demo data is read without its count (core.paging.paginate): one more on
    # the large dataset is that count, not growth.
    grown = [label for label in paged if result["large"][label] > result["small"][label] + 1]
    lines += ["", "Lists whose SQL query count does not grow from demo data to the large dataset (a list that fits "
                  "one page needs no count, so one more there is its count): "
              + ("all" if not grown else "NOT " + ", ".join(grown))]
    return "\n".join(lines)
