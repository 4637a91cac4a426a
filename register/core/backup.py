"""Consistent backups of one installation (database and uploaded files) and their verified restore.

SQLite is copied with its online backup API, so the app may keep running; PostgreSQL is dumped with
pg_dump (one snapshot). The archive's manifest holds each file's SHA-256, the schema revision and the head of
the change history's chain.

A restore touches nothing until the whole archive has been checked: every file against its checksum, the
database restored to a temporary place (a file beside the live one; a scratch PostgreSQL database) and checked
there (SQLite's integrity_check, the history chain and its head, the schema revision). Only then is the
current data copied aside (`before-restore/<time>/` in the instance folder) and the backup swapped in: SQLite
in one write transaction of its backup API, PostgreSQL by pg_restore in a single transaction, the uploads
folder by renaming.
"""
import contextlib
import datetime as dt
import gzip
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from register.config import MIGRATIONS_DIR
from register.core.history import chain_head, verify_chain, write_anchor
from register.extensions import db

FORMAT = "register-backup/2"
# Archives of the first format carry no checksums; their database is still checked before it is used.
OLD_FORMAT = "register-backup/1"
KEPT_FOLDER = "before-restore"


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


def _private_file(path: Path) -> None:
    """Create `path` empty and readable by its owner only (a backup holds every record and password hash)."""
    path.unlink(missing_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sqlite_copy(source_path: str | Path, target_path: str | Path) -> None:
    """Copy a SQLite database with the backup API: one consistent snapshot, written in one transaction."""
    source = sqlite3.connect(source_path)
    target = sqlite3.connect(target_path)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def _dump_database(url, folder: Path) -> tuple[str, dict, list[str]]:
    """Write the database into `folder`: the file's name, and the chain head and schema revisions of that very
    snapshot (read from the copy on SQLite; on PostgreSQL in the transaction whose snapshot pg_dump shares)."""
    if url.get_backend_name() == "sqlite":
        _private_file(folder / "database.sqlite3")
        _sqlite_copy(url.database, folder / "database.sqlite3")
        engine = sa.create_engine(url.set(database=str(folder / "database.sqlite3")), poolclass=sa.pool.NullPool)
        try:
            with Session(engine) as session:
                return "database.sqlite3", chain_head(session), _revisions(session)
        finally:
            engine.dispose()
    if url.get_backend_name() == "postgresql":
        _private_file(folder / "database.pgdump")
        args, env = _pg_command(url)
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool, isolation_level="REPEATABLE READ")
        try:
            with Session(engine) as session:
                snapshot = session.execute(sa.text("SELECT pg_export_snapshot()")).scalar_one()
                head, revisions = chain_head(session), _revisions(session)
                _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                      "--file", str(folder / "database.pgdump"), *args], env)
        finally:
            engine.dispose()
        return "database.pgdump", head, revisions
    raise BackupError(f"unsupported database: {url.get_backend_name()}")


def _revisions(session: Session) -> list[str]:
    return sorted(session.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())


def code_revisions() -> list[str]:
    """The schema revisions this version of the code migrates to (its Alembic heads)."""
    from alembic.script import ScriptDirectory  # Alembic is only needed for backups, not at start-up

    return sorted(ScriptDirectory(str(MIGRATIONS_DIR)).get_heads())


def make_backup(app: Flask, out: Path) -> dict:
    url = db.engine.url
    uploads = Path(app.config["UPLOAD_FOLDER"])
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        db_file, head, revisions = _dump_database(url, tmp)
        files = sorted(p for p in uploads.rglob("*") if p.is_file()) if uploads.exists() else []
        checksums = {db_file: _sha256(tmp / db_file)}
        for path in files:
            checksums[f"uploads/{path.relative_to(uploads).as_posix()}"] = _sha256(path)
        manifest = {"format": FORMAT, "created_at": dt.datetime.now(dt.UTC).isoformat(),
                    "database": url.get_backend_name(), "database_file": db_file, "files": len(files),
                    "schema_revisions": revisions, "chain_head": head, "sha256": checksums}
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2))
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(out.name + ".partial")
        _private_file(partial)
        with open(partial, "wb") as fh, tarfile.open(fileobj=fh, mode="w:gz") as tar:
            tar.add(tmp / "manifest.json", arcname="manifest.json")
            tar.add(tmp / db_file, arcname=db_file)
            for path in files:
                tar.add(path, arcname=f"uploads/{path.relative_to(uploads).as_posix()}")
        partial.replace(out)  # a backup file is either complete or absent
    write_anchor(head, f"backup {out.name}")
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


def _unpack(archive: Path, into: Path) -> dict:
    """Extract the archive and check it against its manifest; the manifest, or BackupError."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            _extract(tar, into)
            # tarfile stops at the end-of-archive marker: read on to the end, so gzip checks its CRC and length
            while tar.fileobj.read(1 << 20):
                pass
        manifest = json.loads((into / "manifest.json").read_text())
    except (tarfile.TarError, OSError, EOFError, zlib.error, gzip.BadGzipFile, ValueError) as exc:
        raise BackupError(f"not a readable backup (damaged, truncated or not a backup): {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") not in (FORMAT, OLD_FORMAT):
        raise BackupError("not a Register backup (its manifest is missing or of an unknown format)")
    db_file = manifest.get("database_file")
    if db_file not in ("database.sqlite3", "database.pgdump") or not (into / db_file).is_file():
        raise BackupError("the backup holds no database (the archive is incomplete)")
    if manifest["format"] == FORMAT:
        expected = manifest.get("sha256") or {}
        present = {p.relative_to(into).as_posix() for p in into.rglob("*") if p.is_file()} - {"manifest.json"}
        if db_file not in expected:
            raise BackupError("the backup's manifest names no checksum for its database")
        if missing := sorted(set(expected) - present):
            raise BackupError(f"files listed in the backup's manifest are missing: {', '.join(missing[:5])}")
        if extra := sorted(present - set(expected)):
            raise BackupError(f"the backup holds files its manifest does not list: {', '.join(extra[:5])}")
        if damaged := sorted(name for name, digest in expected.items() if _sha256(into / name) != digest):
            raise BackupError(f"files in the backup do not match their checksums (damaged or altered): "
                              f"{', '.join(damaged[:5])}")
    return manifest


def _check_database(url: sa.engine.URL, manifest: dict) -> None:
    """Integrity (SQLite), schema revision, the history chain and its head, in the database at `url`."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with Session(engine) as session:
            if url.get_backend_name() == "sqlite":
                problems = session.execute(sa.text("PRAGMA integrity_check")).scalars().all()
                if problems != ["ok"]:
                    raise BackupError(f"the backup's database is damaged (integrity check: {'; '.join(problems[:3])})")
            try:
                revisions = _revisions(session)
            except sa.exc.DBAPIError as exc:
                raise BackupError("the backup's database is not a Register database (it has no schema "
                                  "revision)") from exc
            if revisions != code_revisions():
                raise BackupError(f"the backup's database is at schema revision {', '.join(revisions) or 'none'}; "
                                  f"this version of Register needs {', '.join(code_revisions())} (restore it with "
                                  f"the version that made it, then upgrade)")
            report = verify_chain(session)
            if not report.ok:
                raise BackupError(f"the change history in the backup does not verify: entry {report.broken_id}: "
                                  f"{report.reason}")
            recorded = manifest.get("chain_head")
            if recorded and {k: v for k, v in chain_head(session).items() if k in recorded} != recorded:
                raise BackupError("the change history in the backup does not end where it ended when the backup "
                                  "was made (entries removed or added)")
    except sa.exc.DBAPIError as exc:
        reason = str(exc.orig).splitlines()[0][:200]
        raise BackupError(f"the backup's database is damaged or cannot be read: {reason}") from exc
    finally:
        engine.dispose()


def _scratch_database(url: sa.engine.URL):
    """A PostgreSQL database to restore into for checking, created and dropped on the server of `url`."""
    name = f"{url.database}_restore_check"[:63]
    admin = sa.create_engine(url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")

    @contextlib.contextmanager
    def scratch():
        quoted = admin.dialect.identifier_preparer.quote(name)
        try:
            with admin.connect() as conn:
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS {quoted}"))
                conn.execute(sa.text(f"CREATE DATABASE {quoted}"))
        except sa.exc.DBAPIError as exc:
            admin.dispose()
            raise BackupError(f"could not create the scratch database {name} to check the backup in (the "
                              f"database user needs CREATEDB): {str(exc.orig).splitlines()[0][:200]}") from exc
        try:
            yield url.set(database=name)
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
            admin.dispose()

    return scratch()


def restore_backup(app: Flask, archive: Path) -> dict:
    """Check the archive completely, then swap it in; the current data is kept aside. BackupError if refused."""
    url = db.engine.url
    instance = Path(app.instance_path)
    uploads = Path(app.config["UPLOAD_FOLDER"])
    db.session.remove()
    db.engine.dispose()
    # Unpacked inside the instance folder: the restored uploads are then moved in by a rename.
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=instance))
    try:
        manifest = _unpack(archive, staging)
        if manifest["database"] != url.get_backend_name():
            raise BackupError(f"the backup is of a {manifest['database']} database; this installation uses "
                              f"{url.get_backend_name()}")
        dump = staging / manifest["database_file"]
        if url.get_backend_name() == "sqlite":
            # Checked in a copy beside the live file, where it would be swapped in from.
            check = Path(url.database).with_name(Path(url.database).name + ".restore-check")
            _private_file(check)
            try:
                _sqlite_copy(dump, check)
            except sqlite3.DatabaseError as exc:
                check.unlink(missing_ok=True)
                raise BackupError(f"the backup's database is damaged: {exc}") from exc
            try:
                _check_database(url.set(database=str(check)), manifest)
                kept = _keep_current(url, instance, uploads)
                _sqlite_copy(check, url.database)  # one write transaction: all of it or none
                os.chmod(url.database, 0o600)
            finally:
                check.unlink(missing_ok=True)
        else:
            args, env = _pg_command(url)
            with _scratch_database(url) as scratch_url:
                scratch_args, _ = _pg_command(scratch_url)
                _run(["pg_restore", "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
                      *scratch_args, str(dump)], env)
                _check_database(scratch_url, manifest)
            kept = _keep_current(url, instance, uploads)
            _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
                  "--exit-on-error", *args, str(dump)], env)
        restored = staging / "uploads"
        if not restored.exists():
            restored.mkdir()
        if uploads.exists():
            shutil.move(uploads, kept / "uploads")
        shutil.move(restored, uploads)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest | {"kept": str(kept)}


def _keep_current(url, instance: Path, uploads: Path) -> Path:
    """A copy of the current database in before-restore/<time>/ (0700); the uploads follow it there."""
    kept = instance / KEPT_FOLDER / dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    kept.mkdir(parents=True, mode=0o700)
    _dump_database(url, kept)
    return kept
