"""Tamper-evident history and backup/restore."""
import pytest
import sqlalchemy as sa

from register.core.history import ChangeLog, verify_chain
from register.extensions import db
from register.organisation.models import Unit, UnitKind


def _units(app, n):
    with app.app_context():
        for i in range(n):
            db.session.add(Unit(name=f"Enhed {i}", kind=UnitKind.TEAM))
            db.session.commit()


def test_an_untouched_history_verifies(app, catalogs):
    _units(app, 3)
    result = app.test_cli_runner().invoke(args=["history", "verify"])
    assert result.exit_code == 0
    with app.app_context():
        total = db.session.execute(sa.select(sa.func.count(ChangeLog.id))).scalar()
    assert f"OK: {total} entries" in result.output


def test_writers_at_the_same_time_extend_one_chain(app):
    """Six threads save twenty changes each at once. Each entry must link to the one committed before it: a
    writer that read the newest hash before the previous writer committed would fork the chain."""
    import threading

    failures = []

    def write(worker):
        try:
            with app.app_context():
                for i in range(20):
                    db.session.add(Unit(name=f"Enhed {worker}-{i}", kind=UnitKind.TEAM))
                    db.session.commit()
                db.session.remove()
        except Exception as exc:  # reported below: an exception in a thread would not fail the test
            failures.append(exc)

    threads = [threading.Thread(target=write, args=(worker,)) for worker in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with app.app_context():
        report = verify_chain(db.session)
        assert (report.ok, report.checked, report.reason) == (True, 120, None)


def test_an_altered_entry_is_reported(app):
    _units(app, 4)
    with app.app_context():
        third = db.session.execute(sa.select(ChangeLog.id).order_by(ChangeLog.id).offset(2).limit(1)).scalar()
        db.session.execute(sa.update(ChangeLog).where(ChangeLog.id == third).values(actor="someone else"))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["history", "verify"])
    assert result.exit_code == 1
    assert f"Broken at entry {third}: the entry's content does not match its hash" in result.output


def test_a_removed_entry_is_reported_at_the_next_one(app):
    _units(app, 4)
    with app.app_context():
        ids = db.session.execute(sa.select(ChangeLog.id).order_by(ChangeLog.id)).scalars().all()
        db.session.execute(sa.delete(ChangeLog).where(ChangeLog.id == ids[1]))
        db.session.commit()
        report = verify_chain(db.session)
    assert (report.ok, report.broken_id, report.checked) == (False, ids[2], 1)
    assert "link to the previous entry is broken" in report.reason


def test_a_rehashed_forgery_still_breaks_the_following_link(app):
    """Rewriting an entry and its own hash is not enough: the next entry points at the old hash."""
    from register.core.history import entry_hash

    _units(app, 3)
    with app.app_context():
        row = dict(db.session.execute(sa.select(ChangeLog.__table__).order_by(ChangeLog.id).limit(1)).mappings().one())
        row["actor"] = "forger"
        db.session.execute(sa.update(ChangeLog).where(ChangeLog.id == row["id"]).values(
            actor="forger", hash=entry_hash(row)))
        db.session.commit()
        report = verify_chain(db.session)
    assert not report.ok and report.broken_id == row["id"] + 1


def _snapshot(app):
    with app.app_context():
        return {t.name: sorted(map(tuple, db.session.execute(sa.select(t)).all()), key=repr)
                for t in db.metadata.sorted_tables}


def test_backup_and_restore_bring_back_every_table_and_the_uploads(app, catalogs, users, tmp_path):
    from pathlib import Path

    _units(app, 2)
    uploads = Path(app.config["UPLOAD_FOLDER"])
    (uploads / "ab").mkdir(parents=True)
    (uploads / "ab" / "evidence.pdf").write_bytes(b"%PDF-1.4 evidence")
    before = _snapshot(app)
    archive = tmp_path / "backup.tar.gz"
    runner = app.test_cli_runner()
    made = runner.invoke(args=["backup", str(archive)])
    assert made.exit_code == 0, made.output
    assert "1 uploaded files" in made.output

    # Life goes on: rows changed, added and deleted, an upload replaced.
    with app.app_context():
        unit = db.session.execute(sa.select(Unit).order_by(Unit.id).limit(1)).scalar_one()
        unit.name = "Ændret efter backup"
        db.session.add(Unit(name="Ny efter backup", kind=UnitKind.TEAM))
        db.session.commit()
    (uploads / "ab" / "evidence.pdf").write_bytes(b"overwritten")
    (uploads / "new.txt").write_text("new")
    assert _snapshot(app) != before

    restored = runner.invoke(args=["restore", "--yes", str(archive)])
    assert restored.exit_code == 0, restored.output
    assert _snapshot(app) == before
    assert (uploads / "ab" / "evidence.pdf").read_bytes() == b"%PDF-1.4 evidence"
    assert not (uploads / "new.txt").exists()
    assert runner.invoke(args=["history", "verify"]).exit_code == 0


@pytest.mark.parametrize("python_filter", [True, False], ids=["data filter", "Python without it (Debian 12)"])
def test_restore_unpacks_files_and_refuses_entries_outside_its_folder(tmp_path, monkeypatch, python_filter):
    """Python 3.11.2 (Debian 12) has no tarfile filter; the restore's own checks must hold there too."""
    import io
    import tarfile

    from register.core.backup import _extract

    if not python_filter:
        monkeypatch.delattr(tarfile, "data_filter", raising=False)
    good = tmp_path / "good.tar.gz"
    with tarfile.open(good, "w:gz") as tar:
        info = tarfile.TarInfo("uploads/ab/evidence.pdf")
        info.size, info.mode = 8, 0o4755
        tar.addfile(info, io.BytesIO(b"%PDF-1.4"))
    into = tmp_path / "into"
    into.mkdir()
    with tarfile.open(good) as tar:
        _extract(tar, into)
    unpacked = into / "uploads" / "ab" / "evidence.pdf"
    assert unpacked.read_bytes() == b"%PDF-1.4" and not unpacked.stat().st_mode & 0o4000

    for name, kind in (("../outside.txt", tarfile.REGTYPE), ("/etc/outside.txt", tarfile.REGTYPE),
                       ("uploads/link", tarfile.SYMTYPE)):
        bad = tmp_path / "bad.tar.gz"
        with tarfile.open(bad, "w:gz") as tar:
            info = tarfile.TarInfo(name)
            info.type, info.linkname = kind, "/etc/passwd" if kind == tarfile.SYMTYPE else ""
            tar.addfile(info, io.BytesIO(b""))
        with tarfile.open(bad) as tar, pytest.raises(ValueError, match="unsafe entry"):
            _extract(tar, into)
    assert not (tmp_path / "outside.txt").exists() and not (into / "uploads" / "link").exists()


def test_restore_refuses_a_file_that_is_not_a_backup(app, tmp_path):
    bogus = tmp_path / "x.tar.gz"
    bogus.write_bytes(b"not a tarball")
    result = app.test_cli_runner().invoke(args=["restore", "--yes", str(bogus)])
    assert result.exit_code == 1 and "not a readable backup" in result.output


def _rehash_from(app, first_id, digest):
    """Re-hash every entry from `first_id` on with `digest(prev_hash, row)`, as a forger with database access."""
    with app.app_context():
        rows = [dict(r) for r in db.session.execute(
            sa.select(ChangeLog.__table__).order_by(ChangeLog.id)).mappings()]
        previous = next((r["hash"] for r in reversed(rows) if r["id"] < first_id), "0" * 64)
        for row in rows:
            if row["id"] < first_id:
                continue
            row["prev_hash"] = previous
            row["hash"] = previous = digest(row)
            db.session.execute(sa.update(ChangeLog).where(ChangeLog.id == row["id"]).values(
                actor=row["actor"], prev_hash=row["prev_hash"], hash=row["hash"]))
        db.session.commit()


@pytest.mark.parametrize("forger_key", [None, b"a guessed key"], ids=["unkeyed SHA-256", "another key"])
def test_a_forgery_rehashed_to_the_end_of_the_chain_is_reported(app, forger_key):
    """The whole chain after a forged entry re-hashed, as someone with write access to the database could with
    the unkeyed hash: without the instance's key the hashes do not verify."""
    import hashlib
    import hmac

    from register.core.history import _canonical

    def digest(row):
        message = (row["prev_hash"] + _canonical(row)).encode()
        if forger_key is None:
            return hashlib.sha256(message).hexdigest()
        return hmac.new(forger_key, message, hashlib.sha256).hexdigest()

    _units(app, 4)
    with app.app_context():
        first = db.session.execute(sa.select(sa.func.min(ChangeLog.id))).scalar()
        db.session.execute(sa.update(ChangeLog).where(ChangeLog.id == first + 1).values(actor="forger"))
        db.session.commit()
    _rehash_from(app, first, digest)
    result = app.test_cli_runner().invoke(args=["history", "verify"])
    assert result.exit_code == 1 and f"Broken at entry {first}: the entry's content does not match" in result.output


def test_the_history_key_is_kept_in_the_instance_folder_readable_by_its_owner_only(app):
    import stat
    from pathlib import Path

    key = Path(app.instance_path) / "history_key"
    assert key.read_text().strip() == app.config["HISTORY_KEY"] and len(app.config["HISTORY_KEY"]) == 64
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_deleting_the_newest_entries_shows_against_the_anchor_of_the_last_backup(app, tmp_path):
    from pathlib import Path

    _units(app, 3)
    archive = tmp_path / "nightly.tar.gz"
    assert app.test_cli_runner().invoke(args=["backup", str(archive)]).exit_code == 0
    with app.app_context():
        newest = db.session.execute(sa.select(sa.func.max(ChangeLog.id))).scalar()
        db.session.execute(sa.delete(ChangeLog).where(ChangeLog.id >= newest - 1))
        db.session.commit()
        assert verify_chain(db.session).ok  # the chain alone cannot tell: what is left is intact
    result = app.test_cli_runner().invoke(args=["history", "verify"])
    assert result.exit_code == 1
    assert f"Anchor: entry {newest}, anchored at" in result.output and "is missing (removed)" in result.output
    # Without the instance's anchor file, the backup itself is the anchor.
    (Path(app.instance_path) / "history-anchors.jsonl").unlink()
    assert app.test_cli_runner().invoke(args=["history", "verify"]).exit_code == 0
    against_backup = app.test_cli_runner().invoke(args=["history", "verify", "--backup", str(archive)])
    assert against_backup.exit_code == 1 and f"entry {newest}" in against_backup.output


def test_a_role_changed_directly_in_the_user_table_is_reported(app, users, client, login):
    assert app.test_cli_runner().invoke(args=["history", "verify"]).exit_code == 0
    with app.app_context():
        db.session.execute(sa.text("UPDATE user_account SET role = 'admin' WHERE id = :id"), {"id": users["board"]})
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["history", "verify"])
    assert result.exit_code == 1
    assert f"Accounts: user_account {users['board']}: role differ from the history" in result.output
    login("admin")
    page = client.get("/konto/historikkens-tilstand")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Historikken holder ikke" in text and f"user_account {users['board']}: role differ" in text


def test_administrators_see_an_intact_history(app, users, client, login):
    _units(app, 2)
    login("admin")
    text = client.get("/konto/historikkens-tilstand").get_data(as_text=True)
    assert "Historikken er intakt." in text and "alle intakte" in text


def test_each_archived_report_anchors_the_chain_head(app, catalogs):
    import datetime as dt
    from pathlib import Path

    from register.core.history import acting_as
    from register.reports import services

    _units(app, 2)
    with app.app_context(), acting_as("test"):
        head = db.session.execute(sa.select(ChangeLog.id, ChangeLog.hash).order_by(ChangeLog.id.desc()).limit(1)).one()
        entry = services.archive_report(2025, dt.date(2025, 12, 31), "test", "Direktionen", dt.date(2026, 1, 15), None)
        db.session.commit()
        assert (entry.chain_head_id, entry.chain_head_hash) == (head.id, head.hash)
    (Path(app.instance_path) / "history-anchors.jsonl").unlink()  # the archive record alone must tell
    with app.app_context():  # the units' entries and all after them removed
        db.session.execute(sa.delete(ChangeLog).where(ChangeLog.id >= head.id - 1))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["history", "verify"])
    assert result.exit_code == 1 and f"Anchor: entry {head.id}" in result.output
    assert "(archived report 2025), is missing (removed)" in result.output
