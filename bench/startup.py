"""Cold start and worker memory: what a restart costs and what one gunicorn worker holds.

Cold start is a new Python process that creates the app and answers its first request (the login page, then
the start page as a logged-in user), timed from the process's start: wall time and CPU time (user + system,
which a busy machine does not inflate as much). Memory is the resident size of one gunicorn worker on the
demo municipality after it has served every main page once, the size it settles at in daily use.

A restarted server has the package's bytecode (Python writes it on the first run; `pip install` compiles it), so
it is compiled before timing: where PYTHONDONTWRITEBYTECODE is set, every start would otherwise compile the
package's source again (about 0.4 s of CPU).
"""
import compileall
import re
import statistics
import subprocess
import sys
from pathlib import Path


from bench import server
from bench.load import _login
from bench.pages import PAGES, targets, in_process

# Runs in a fresh interpreter: the app factory, then the first requests through the test client.
_FIRST_REQUEST = """
import os, resource, time
t0 = time.perf_counter()
from register import create_app
app = create_app({"WTF_CSRF_ENABLED": False})
client = app.test_client()
assert client.get("/konto/login").status_code == 200
ready = time.perf_counter() - t0
response = client.post("/konto/login", data={"email": "admin@nordsoe.example", "password": "demo-register-2026"})
assert response.status_code == 302, response.status_code
assert client.get("/").status_code == 200
first_page = time.perf_counter() - t0
usage = resource.getrusage(resource.RUSAGE_SELF)
print(ready, first_page, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)
"""


def cold_starts(path: Path, env: dict, runs: int) -> list[tuple[float, float, float, float]]:
    """(seconds to the login page, seconds to the start page, CPU seconds, peak MiB) for each fresh process."""
    out = []
    for _ in range(runs):
        result = subprocess.run([sys.executable, "-c", _FIRST_REQUEST], cwd=server.ROOT, capture_output=True,
                                text=True, check=True,
                                env={**server.os.environ, "REGISTER_INSTANCE_PATH": str(path), **env})
        out.append(tuple(float(x) for x in result.stdout.split()))
    return out


def worker_rss_mib(master_pid: int) -> float:
    """The current resident size of gunicorn's (only) worker."""
    pid = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()[0]
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024


def run(database_url: str | None, runs: int = 5) -> dict:
    compileall.compile_dir(server.ROOT / "register", quiet=1)
    with server.instance(database_url) as (path, env):
        starts = cold_starts(path, env, runs)
        with in_process(path, env) as app:
            ids = targets(app)
        with server.gunicorn(path, env, workers=1) as (url, proc):
            after_start = worker_rss_mib(proc.pid)
            session = _login(url)  # with the form's CSRF token, as a browser sends it
            for _label, page, _paged in PAGES:
                response = session.get(url + page.format(**ids), allow_redirects=False)
                response.raise_for_status()
                assert response.status_code == 200, (page, response.status_code)  # not sent back to log in
            after_pages = worker_rss_mib(proc.pid)
    return {"starts": starts, "after_start": after_start, "after_pages": after_pages}


def report(result: dict, database: str) -> str:
    ready, first, cpu, peak = zip(*result["starts"], strict=True)

    def spread(values):
        return f"{min(values):.2f} s (median {statistics.median(values):.2f} s)"

    return "\n".join([
        f"Cold start on {database}, {len(ready)} fresh processes, demo municipality:",
        f"- to the login page: {spread(ready)}",
        f"- to the start page, logged in: {spread(first)}",
        f"- CPU time (user + system) of the whole run: {spread(cpu)}",
        f"- peak memory of that process: {min(peak):.0f} MiB",
        f"One gunicorn worker: {result['after_start']:.0f} MiB after start, "
        f"{result['after_pages']:.0f} MiB after serving every main page once",
    ])
