"""Consistent backups of one installation (database and uploaded files) and their restore.

SQLite is copied with its online backup API, so the app may keep running; PostgreSQL is dumped with
pg_dump (one snapshot) and restored with pg_restore in a single transaction.
"""
import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

from flask import Flask

from register.extensions import db

FORMAT = "register-backup/1"


class BackupError(RuntimeError):
    """The backup or restore could not be done; nothing was changed."""


def _pg_command(url) -> tuple[list[str], dict]:
    """Connection arguments for pg_dump/pg_restore; the password goes in the environment, not argv."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    args = ["--dbname", url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)]
    return args, env


def _run(cmd: list[str], env: dict) -> None:
    try:
        subprocess.run(cmd, env=env, check=True, capture_output=True, text=True, timeout=3600)
    except FileNotFoundError as exc:
        raise BackupError(f"{cmd[0]} is not installed (install the PostgreSQL client tools)") from exc
    except subprocess.CalledProcessError as exc:
        raise BackupError(f"{cmd[0]} failed: {exc.stderr.strip()[:500]}") from exc


def make_backup(app: Flask, out: Path) -> dict:
    url = db.engine.url
    uploads = Path(app.config["UPLOAD_FOLDER"])
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if url.get_backend_name() == "sqlite":
            db_file = "database.sqlite3"
            source = sqlite3.connect(url.database)
            target = sqlite3.connect(tmp / db_file)
            try:
                source.backup(target)
            finally:
                target.close()
                source.close()
        elif url.get_backend_name() == "postgresql":
            db_file = "database.pgdump"
            args, env = _pg_command(url)
            _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(tmp / db_file), *args],
                 env)
        else:
            raise BackupError(f"unsupported database: {url.get_backend_name()}")
        files = [p for p in uploads.rglob("*") if p.is_file()] if uploads.exists() else []
        manifest = {"format": FORMAT, "created_at": dt.datetime.now(dt.timezone.utc).isoformat(),
                    "database": url.get_backend_name(), "database_file": db_file, "files": len(files)}
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2))
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(out.name + ".partial")
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(tmp / "manifest.json", arcname="manifest.json")
            tar.add(tmp / db_file, arcname=db_file)
            for path in files:
                tar.add(path, arcname=f"uploads/{path.relative_to(uploads)}")
        partial.replace(out)  # a backup file is either complete or absent
    return manifest


def _extract(tar: tarfile.TarFile, into: Path) -> None:
    """Unpack a backup's files and folders, each inside `into`, or refuse the archive (ValueError).

    Python's "data" filter does this from 3.11.4; Debian 12's Python 3.11.2, which a municipality's server
    is likely to run, has no filter argument, so the checks are ours there: only plain files and folders,
    relative names without "..", no special permission bits, owned by whoever restores."""
    members = []
    for member in tar.getmembers():
        if not (member.isfile() or member.isdir()) or member.name.startswith("/") or ".." in Path(member.name).parts:
            raise ValueError(f"unsafe entry in the archive: {member.name!r}")
        member.mode &= 0o755
        member.uid, member.gid, member.uname, member.gname = os.getuid(), os.getgid(), "", ""
        members.append(member)
    if hasattr(tarfile, "data_filter"):
        tar.extractall(into, members=members, filter="data")
    else:
        tar.extractall(into, members=members)


def restore_backup(app: Flask, archive: Path) -> dict:
    url = db.engine.url
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        try:
            with tarfile.open(archive, "r:gz") as tar:
                _extract(tar, tmp)
            manifest = json.loads((tmp / "manifest.json").read_text())
        except (tarfile.TarError, OSError, ValueError) as exc:
            raise BackupError(f"not a readable backup: {exc}") from exc
        if manifest.get("format") != FORMAT:
            raise BackupError("not a Register backup")
        if manifest["database"] != url.get_backend_name():
            raise BackupError(f"the backup is of a {manifest['database']} database; this installation uses "
                              f"{url.get_backend_name()}")
        db.session.remove()
        db.engine.dispose()
        dump = tmp / manifest["database_file"]
        if manifest["database"] == "sqlite":
            source = sqlite3.connect(dump)
            target = sqlite3.connect(url.database)
            try:
                source.backup(target)
            finally:
                target.close()
                source.close()
        else:
            args, env = _pg_command(url)
            _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
                  *args, str(dump)], env)
        uploads = Path(app.config["UPLOAD_FOLDER"])
        restored = tmp / "uploads"
        if uploads.exists():
            shutil.rmtree(uploads)
        if restored.exists():
            shutil.copytree(restored, uploads)
        else:
            uploads.mkdir(parents=True, exist_ok=True)
    return manifest
