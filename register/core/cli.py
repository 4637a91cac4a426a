"""Operator commands: migrate the database, verify the history chain, back up and restore an installation."""
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from register.core.integrity import backup_anchor, check_integrity
from register.extensions import db, init_migrate


class MigrationCommands(click.Group):
    """`flask db` until it is run: then Flask-Migrate's own group, with its options and subcommands, takes over."""

    def __init__(self, app: Flask):
        super().__init__("db", help="Perform database migrations.")
        self.app = app

    def make_context(self, info_name, args, parent=None, **extra):
        init_migrate(self.app)  # replaces this group in app.cli with Flask-Migrate's
        return self.app.cli.commands["db"].make_context(info_name, args, parent=parent, **extra)


history_cli = AppGroup("history", help="The tamper-evident change history.")


@history_cli.command("verify")
@click.option("--backup", "backups", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Also check the chain against the head recorded in this backup (repeatable).")
def verify_command(backups):
    """Check the keyed chain, its anchors (the anchor file, backups, archived reports), the accounts against
    their history, and every archived report's SHA-256; report what does not hold."""
    try:
        extra = [backup_anchor(path) for path in backups]
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    report = check_integrity(db.session, extra)
    problems = []
    if report.chain.ok:
        click.echo(f"OK: {report.chain.checked} entries, the chain is intact.")
    else:
        problems.append(f"Broken at entry {report.chain.broken_id}: {report.chain.reason}. "
                        f"{report.chain.checked} entries before it are intact.")
    if report.anchor_problems:
        problems += [f"Anchor: {problem}." for problem in report.anchor_problems]
    else:
        click.echo(f"OK: {report.anchors_checked} anchors outside the database match the chain.")
    if report.row_problems:
        problems += [f"Accounts: {problem}." for problem in report.row_problems]
    else:
        click.echo("OK: every account matches its history.")
    if report.archive_problems:
        problems += [f"{problem} (altered)." for problem in report.archive_problems]
    else:
        click.echo(f"OK: {report.archive_checked} archived reports match their SHA-256.")
    if problems:
        raise click.ClickException(" ".join(problems))


@click.command("backup")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(out: Path):
    """Write a consistent backup (database and uploads) to OUT (.tar.gz) while the app runs."""
    from register.core import backup as backup_service  # its archive and copy modules: for this command only

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
    from register.core import backup as backup_service

    try:
        info = backup_service.restore_backup(current_app, archive)
    except backup_service.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Restored {info['database']} and {info['files']} uploaded files from {archive}. "
               f"The data it replaced is kept in {info['kept']}.")
