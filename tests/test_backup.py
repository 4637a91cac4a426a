"""Restore checks the whole backup before it touches anything; backups and the database are private files."""
import hashlib
import io
import json
import sqlite3
import stat
import tarfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from register.core.history import ChangeLog
from register.extensions import db
from register.organisation.models import Unit, UnitKind


def _units(app, n):
    with app.app_context():
        for i in range(n):
            db.session.add(Unit(name=f"Enhed {i}", kind=UnitKind.TEAM))
            db.session.commit()


def _snapshot(app):
    with app.app_context():
        return {t.name: sorted(map(tuple, db.session.execute(sa.select(t)).all()), key=repr)
                for t in db.metadata.sorted_tables}


@pytest.fixture
def backed_up(app, tmp_path):
    """A backup of two units and one upload; then the live data moves on. (archive, live snapshot, uploads)."""
    _units(app, 2)
    uploads = Path(app.config["UPLOAD_FOLDER"])
    (uploads / "evidence").mkdir(parents=True)
    (uploads / "evidence" / "politik.pdf").write_bytes(b"%PDF-1.4 evidence")
    archive = tmp_path / "backup.tar.gz"
    made = app.test_cli_runner().invoke(args=["backup", str(archive)])
    assert made.exit_code == 0, made.output
    _units(app, 1)
    (uploads / "evidence" / "ny.pdf").write_bytes(b"%PDF-1.4 later")
    return archive, _snapshot(app), uploads


def _members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}


def _repack(archive: Path, members: dict[str, bytes], rehash: bool = True) -> None:
    """Write the archive again from `members`; with `rehash` the manifest's checksums are made to match, as an
    attacker or a faulty tool would."""
    if rehash:
        manifest = json.loads(members["manifest.json"])
        manifest["sha256"] = {name: hashlib.sha256(data).hexdigest() for name, data in members.items()
                              if name != "manifest.json"}
        members = members | {"manifest.json": json.dumps(manifest).encode()}
    with tarfile.open(archive, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def _edit_database(members: dict[str, bytes], tmp_path: Path, *statements: str) -> dict[str, bytes]:
    """The members with the SQLite database changed by `statements` behind the app's back."""
    path = tmp_path / "edited.sqlite3"
    path.write_bytes(members["database.sqlite3"])
    conn = sqlite3.connect(path)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()
    return members | {"database.sqlite3": path.read_bytes()}


def _assert_refused(app, archive, backed_up_state, expected):
    live, uploads = backed_up_state
    before_files = sorted(p.relative_to(uploads).as_posix() for p in uploads.rglob("*") if p.is_file())
    result = app.test_cli_runner().invoke(args=["restore", "--yes", str(archive)])
    assert result.exit_code == 1, result.output
    assert expected in result.output and "Aborted" not in result.output
    assert _snapshot(app) == live
    assert sorted(p.relative_to(uploads).as_posix() for p in uploads.rglob("*") if p.is_file()) == before_files
    assert not (Path(app.instance_path) / "before-restore").exists()
    assert not [p for p in Path(app.instance_path).iterdir() if p.name.startswith(".restore-")]
    with app.app_context():
        assert db.session.execute(sa.text("SELECT 1")).scalar() == 1


def test_a_good_backup_restores_and_keeps_the_replaced_data_aside(app, backed_up):
    archive, _live, uploads = backed_up
    result = app.test_cli_runner().invoke(args=["restore", "--yes", str(archive)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(Unit.id))).scalar() == 2
    assert sorted(p.name for p in (uploads / "evidence").iterdir()) == ["politik.pdf"]
    kept = next((Path(app.instance_path) / "before-restore").iterdir())
    assert str(kept) in result.output
    assert (kept / "uploads" / "evidence" / "ny.pdf").read_bytes() == b"%PDF-1.4 later"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o700
    if (kept / "database.sqlite3").exists():
        conn = sqlite3.connect(kept / "database.sqlite3")
        assert conn.execute("SELECT count(*) FROM unit").fetchone()[0] == 3  # the data it replaced
        conn.close()


@pytest.mark.parametrize("where", [0.3, 0.6, 0.9])
def test_sixteen_corrupted_bytes_are_refused(app, backed_up, where):
    archive, live, uploads = backed_up
    data = bytearray(archive.read_bytes())
    at = int(len(data) * where)
    data[at:at + 16] = bytes(b ^ 0xA5 for b in data[at:at + 16])
    archive.write_bytes(bytes(data))
    _assert_refused(app, archive, (live, uploads), "not a readable backup")


def test_a_truncated_backup_is_refused_not_aborted(app, backed_up):
    archive, live, uploads = backed_up
    archive.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    _assert_refused(app, archive, (live, uploads), "not a readable backup (damaged, truncated or not a backup)")


@pytest.mark.parametrize("rehash", [True, False], ids=["manifest rewritten", "manifest as made"])
def test_a_backup_without_its_database_is_refused(app, backed_up, rehash):
    archive, live, uploads = backed_up
    members = _members(archive)
    db_file = next(name for name in members if name.startswith("database."))
    _repack(archive, {k: v for k, v in members.items() if k != db_file}, rehash=rehash)
    _assert_refused(app, archive, (live, uploads), "the backup holds no database")


def test_a_file_that_does_not_match_its_checksum_is_refused(app, backed_up):
    archive, live, uploads = backed_up
    members = _members(archive)
    _repack(archive, members | {"uploads/evidence/politik.pdf": b"%PDF-1.4 swapped"}, rehash=False)
    _assert_refused(app, archive, (live, uploads), "do not match their checksums (damaged or altered): "
                                            "uploads/evidence/politik.pdf")


def test_a_file_missing_from_the_archive_is_refused(app, backed_up):
    archive, live, uploads = backed_up
    members = _members(archive)
    _repack(archive, {k: v for k, v in members.items() if not k.startswith("uploads/")}, rehash=False)
    _assert_refused(app, archive, (live, uploads), "files listed in the backup's manifest are missing: "
                                            "uploads/evidence/politik.pdf")


def _sqlite_only(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("edits the SQLite database inside the archive")


def test_a_damaged_database_with_matching_checksums_is_refused(app, backed_up):
    _sqlite_only(app)
    archive, live, uploads = backed_up
    members = _members(archive)
    damaged = bytearray(members["database.sqlite3"])
    for page in range(2, len(damaged) // 4096):  # every page's header but the first: the tables are garbage
        damaged[page * 4096:page * 4096 + 16] = b"\xff" * 16
    _repack(archive, members | {"database.sqlite3": bytes(damaged)})
    _assert_refused(app, archive, (live, uploads), "the backup's database is damaged")


def test_a_backup_whose_history_does_not_verify_is_refused(app, backed_up, tmp_path):
    _sqlite_only(app)
    archive, live, uploads = backed_up
    members = _edit_database(_members(archive), tmp_path,
                             "UPDATE unit SET name = 'Forfalsket' WHERE id = (SELECT min(id) FROM unit)",
                             "UPDATE change_log SET actor = 'someone else' WHERE id = (SELECT min(id) FROM change_log)")
    _repack(archive, members)
    _assert_refused(app, archive, (live, uploads), "the change history in the backup does not verify")


def test_a_backup_with_its_newest_history_removed_is_refused(app, backed_up, tmp_path):
    _sqlite_only(app)
    archive, live, uploads = backed_up
    members = _edit_database(_members(archive), tmp_path,
                             "DELETE FROM change_log WHERE id = (SELECT max(id) FROM change_log)")
    _repack(archive, members)
    _assert_refused(app, archive, (live, uploads), "does not end where it ended when the backup was made")


def test_a_backup_of_another_schema_revision_is_refused(app, backed_up, tmp_path):
    _sqlite_only(app)
    archive, live, uploads = backed_up
    members = _edit_database(_members(archive), tmp_path, "UPDATE alembic_version SET version_num = 'abc123'")
    _repack(archive, members)
    _assert_refused(app, archive, (live, uploads), "the backup's database is at schema revision abc123")


def test_backups_and_new_databases_are_readable_by_their_owner_only(app, backed_up, tmp_path, monkeypatch):
    from register import create_app

    archive, _live, _uploads = backed_up
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("REGISTER_INSTANCE_PATH", str(tmp_path / "fresh"))
    fresh = create_app({"TESTING": True, "SECRET_KEY": "x"})
    with fresh.app_context():
        db.session.execute(sa.text("CREATE TABLE t (x)"))
        db.session.commit()
        path = Path(db.engine.url.database)
        db.engine.dispose()
    assert path.exists() and stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_chain_head_is_written_into_the_backup(app, backed_up):
    archive, _live, _uploads = backed_up
    manifest = json.loads(_members(archive)["manifest.json"])
    with app.app_context():
        newest = db.session.execute(sa.select(ChangeLog).order_by(ChangeLog.id.desc()).offset(1).limit(1)).scalar()
    # the backup was made before the last unit was added
    assert manifest["chain_head"]["hash"] == newest.hash and manifest["chain_head"]["id"] == newest.id
