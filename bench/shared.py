"""Four municipalities on one server: `python -m bench shared [--database-url URL]`.

Each municipality is its own installation, as the README sets them up: its own instance folder (secret key,
uploads, settings), its own database and its own gunicorn, all on this one machine. Each gets the demo data
and a municipality at the given scale (bench.generate), is renamed so its pages say whose they are, and then
all four are driven at the same time with wrk, the clients split between them. Reports each municipality's
latency per page, the throughput of all four together, the memory of all their workers together, and checks
that they stay apart: each shows its own name and no other's, and a login at one is refused by the others.
"""
import contextlib
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import requests
import sqlalchemy as sa

from bench import generate, pages, server, wrk
from bench.load import _login

COUNT = 4
NAMES = ("Vestby Kommune", "Østby Kommune", "Nordby Kommune", "Sydby Kommune", "Midtby Kommune", "Søby Kommune")
PAGES = [
    ("start page", "/"),
    ("/krav/ (list)", "/krav/"),
    ("requirement page", "/krav/{req}"),
    ("/aarshjul/", "/aarshjul/"),
    ("/gap-analyse/handlingsplan (list)", "/gap-analyse/handlingsplan"),
]


@dataclass
class Municipality:
    name: str
    path: Path
    env: dict
    ids: dict
    url: str = ""
    cookie: str = ""
    pid: int = 0


@dataclass
class Result:
    count: int
    made: dict
    prepared_in: float
    workers: int
    clients: list[int]
    seconds: float
    python: str
    timings: list[tuple[str, list[dict]]] = field(default_factory=list)
    own_name_only: bool = False
    foreign_login_refused: bool = False
    peak_total_mib: float = 0.0
    peak_worker_mib: float = 0.0


def database_urls(database_url: str | None, count: int) -> list[str | None]:
    """One database per municipality: `<name>_m1`, `<name>_m2`, ... on the given PostgreSQL server; None for
    SQLite (each instance folder holds its own file)."""
    if database_url is None:
        return [None] * count
    base = sa.engine.make_url(database_url)
    return [base.set(database=f"{base.database}_m{n}").render_as_string(hide_password=False)
            for n in range(1, count + 1)]


def create_databases(database_url: str, urls: list[str]) -> None:
    """Create the municipalities' databases that do not exist yet (server.instance empties each one)."""
    from register.config import database_url as normalise

    engine = sa.create_engine(normalise(database_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            existing = set(conn.execute(sa.text("SELECT datname FROM pg_database")).scalars())
            for url in urls:
                name = sa.engine.make_url(url).database
                if name not in existing:
                    conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()


def split(clients: int, count: int) -> list[int]:
    """Connections per municipality, as even as they go: 10 over 4 is 3, 3, 2, 2."""
    return [clients // count + (1 if n < clients % count else 0) for n in range(count)]


def _rename(name: str) -> None:
    """Every page names the municipality (the root unit): the pages then say whose data they show."""
    from register.extensions import db
    from register.organisation.models import Unit, UnitKind

    for unit in db.session.execute(sa.select(Unit).where(Unit.parent_id.is_(None),
                                                         Unit.kind == UnitKind.MUNICIPALITY)).scalars():
        unit.name = name
    db.session.commit()


def _prepare(stack: contextlib.ExitStack, name: str, database_url: str | None, scale: generate.Scale):
    path, env = stack.enter_context(server.instance(database_url))
    with pages.in_process(path, env) as app:
        made = generate.generate(scale)
        _rename(name)
        ids = pages.targets(app)
    return Municipality(name, path, env, ids), made


def _cookie(session: requests.Session) -> str:
    return "; ".join(f"{k}={v}" for k, v in session.cookies.items())


def _apart(places: list[Municipality]) -> tuple[bool, bool]:
    """(each start page names its own municipality and no other, each login is refused by the others)."""
    own_only = True
    for place in places:
        page = requests.get(place.url + "/", headers={"Cookie": place.cookie}, allow_redirects=False).text
        others = [p.name for p in places if p is not place]
        own_only = own_only and place.name in page and not any(other in page for other in others)
    refused = all(
        requests.get(other.url + "/", headers={"Cookie": place.cookie}, allow_redirects=False).status_code == 302
        for place in places for other in places if other is not place)
    return own_only, refused


def _all_at_once(places: list[Municipality], share: list[int], path: str, seconds: float) -> list[dict]:
    with ThreadPoolExecutor(len(places)) as pool:
        runs = [pool.submit(wrk.run, place.url + path.format(**place.ids), place.cookie, connections, seconds)
                for place, connections in zip(places, share, strict=True)]
        return [run.result() for run in runs]


def run(database_url: str | None = None, count: int = COUNT, clients: int = 10, workers: int = 2,
        seconds: float = 8, scale: generate.Scale | None = None) -> Result:
    if not wrk.available():
        raise RuntimeError("wrk is not installed (Debian package wrk)")
    if not 1 < count <= len(NAMES) or clients < count:
        raise ValueError(f"2 to {len(NAMES)} municipalities, and at least one client each")
    scale = scale or generate.Scale()
    urls = database_urls(database_url, count)
    if database_url:
        create_databases(database_url, urls)
    with contextlib.ExitStack() as stack:
        began = time.perf_counter()
        places, made = [], {}
        for name, url in zip(NAMES[:count], urls, strict=True):
            place, made = _prepare(stack, name, url, scale)
            places.append(place)
        prepared_in = time.perf_counter() - began
        for place in places:
            place.url, proc = stack.enter_context(server.gunicorn(place.path, place.env, workers))
            place.pid = proc.pid
            session = _login(place.url)
            session.get(place.url + "/")
            place.cookie = _cookie(session)
        share = split(clients, count)
        result = Result(count, made, prepared_in, workers, share, seconds, pages.interpreter())
        result.own_name_only, result.foreign_login_refused = _apart(places)
        for label, path in PAGES:
            _all_at_once(places, share, path, 1)  # warm every worker of every municipality for this page
            result.timings.append((label, _all_at_once(places, share, path, seconds)))
        peaks = [peak for place in places for peak in pages.worker_peaks_mib(place.pid)]
        result.peak_total_mib, result.peak_worker_mib = sum(peaks), max(peaks)
    return result


def report(result: Result, database: str) -> str:
    made = ", ".join(f"{v} {k}" for k, v in result.made.items())
    lines = [
        f"### {database}", "",
        f"{result.count} municipalities on one server, each its own instance folder, database and gunicorn "
        f"({result.workers} sync workers each, {result.count * result.workers} in all), each with the demo data "
        f"and a generated municipality ({made}); prepared in {result.prepared_in:.0f} s. All driven at the same "
        f"time by wrk, {sum(result.clients)} connections in all ({' / '.join(map(str, result.clients))}), "
        f"{result.seconds:g} s per page; {result.python}.", "",
        "| page | p95 per municipality | worst median | worst p95 | worst p99 | req/s, all together | errors |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for label, runs in result.timings:
        per = " / ".join(f"{r['p95_ms']:.1f}" for r in runs)
        lines.append(f"| {label} | {per} ms | {max(r['median_ms'] for r in runs):.1f} ms | "
                     f"{max(r['p95_ms'] for r in runs):.1f} ms | {max(r['p99_ms'] for r in runs):.1f} ms | "
                     f"{sum(r['requests'] / r['seconds'] for r in runs):.0f} | {sum(r['errors'] for r in runs)} |")
    lines += [
        "",
        f"Peak resident memory of all {result.count * result.workers} workers together: "
        f"{result.peak_total_mib:.0f} MiB (the largest worker {result.peak_worker_mib:.0f} MiB).",
        "Each start page names its own municipality and no other: " + ("yes" if result.own_name_only else "NO"),
        "A login at one municipality is refused by the others: " + ("yes" if result.foreign_login_refused else "NO"),
    ]
    return "\n".join(lines)
