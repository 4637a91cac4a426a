"""Start Register under gunicorn on loopback for a benchmark, in its own instance folder."""
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def flask(instance: Path, *args, env_extra=None, input_text=None) -> str:
    env = {**os.environ, "REGISTER_INSTANCE_PATH": str(instance), **(env_extra or {})}
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "register", *args], cwd=ROOT, env=env,
                            input=input_text, capture_output=True, text=True, check=True)
    return result.stdout


@contextlib.contextmanager
def instance(database_url: str | None = None):
    """A fresh instance folder, migrated, with catalogues and demo data."""
    with tempfile.TemporaryDirectory(prefix="register-bench-") as tmp:
        path = Path(tmp)
        env = {"DATABASE_URL": database_url} if database_url else {}
        if database_url:
            from sqlalchemy import create_engine, text

            from register.config import database_url as normalise

            engine = create_engine(normalise(database_url))
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            engine.dispose()
        for args in (("db", "upgrade", "heads"), ("catalogs", "load"), ("demo",)):
            flask(path, *args, env_extra=env)
        yield path, env


@contextlib.contextmanager
def gunicorn(path: Path | None, env_extra: dict, workers: int = 4, threads: int = 1, app: str = "wsgi:app",
             ready: str = "/healthz"):
    port = free_port()
    env = {**os.environ, **env_extra,
           "REGISTER_LOGIN_MAX_FAILURES_PER_IP": "100000"}  # every bench client shares one address
    if path is not None:
        env["REGISTER_INSTANCE_PATH"] = str(path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--threads", str(threads), "--bind",
         f"127.0.0.1:{port}", "--log-level", "warning", app], cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 180  # a busy shared machine boots four workers slowly
        while time.time() < deadline:
            try:
                if requests.get(url + ready, timeout=1).status_code == 200:
                    break
            except requests.RequestException:  # not listening yet, or workers still booting
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start")
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
