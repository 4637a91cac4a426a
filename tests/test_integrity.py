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
