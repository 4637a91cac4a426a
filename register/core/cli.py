"""Operator commands: verify the history chain, back up and restore an installation."""
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from register.core import backup as backup_service
from register.core.history import verify_chain
from register.extensions import db

history_cli = AppGroup("history", help="The tamper-evident change history.")


@history_cli.command("verify")
def verify_command():
    """Check every entry's hash and link, and every archived report's SHA-256; report what does not hold."""
    from register.reports.services import verify_archive

    report = verify_chain(db.session)
    archive = verify_archive(db.session)
    problems = []
    if report.ok:
        click.echo(f"OK: {report.checked} entries, the chain is intact.")
    else:
        problems.append(f"Broken at entry {report.broken_id}: {report.reason}. "
                        f"{report.checked} entries before it are intact.")
    if archive.ok:
        click.echo(f"OK: {archive.checked} archived reports match their SHA-256.")
    else:
        problems += [f"Archived report {year} (id {report_id}): the PDF does not match its stored SHA-256 (altered)."
                     for report_id, year in archive.mismatches]
    if problems:
        raise click.ClickException(" ".join(problems))


@click.command("backup")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(out: Path):
    """Write a consistent backup (database and uploads) to OUT (.tar.gz) while the app runs."""
    try:
        info = backup_service.make_backup(current_app, out)
    except backup_service.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Backup written to {out} ({info['database']}, {info['files']} uploaded files).")


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace the current data without asking.")
@with_appcontext
def restore_command(archive: Path, yes: bool):
    """Replace this installation's database and uploads with the backup in ARCHIVE, once it has been checked.

    Every file is checked against the manifest's SHA-256, and the database in a temporary place (integrity,
    schema revision, the history chain) before anything is replaced; the current data is kept aside."""
    if not yes:
        click.confirm("This replaces all data of this installation. Continue?", abort=True)
    try:
        info = backup_service.restore_backup(current_app, archive)
    except backup_service.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Restored {info['database']} and {info['files']} uploaded files from {archive}. "
               f"The data it replaced is kept in {info['kept']}.")
