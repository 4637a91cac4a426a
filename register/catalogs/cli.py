"""`flask --app register catalogs ...`: load and list requirement catalogues."""
from pathlib import Path

import click
from flask.cli import AppGroup

from register.catalogs import loader
from register.core.db import update_statistics
from register.core.history import acting_as
from register.extensions import db

catalogs_cli = AppGroup("catalogs", help="Requirement catalogues (NIS2, CIS Controls, beredskab).")


@catalogs_cli.command("load")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
def load_command(files):
    """Load the shipped catalogues, or the given FILES; all or nothing."""
    paths = list(files) or loader.shipped_files()
    try:
        with acting_as("cli: catalogs load"):
            results = [loader.load_file(path) for path in paths]
            db.session.commit()
        update_statistics(db.session)
    except loader.CatalogFileError as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc} - intet er indlæst.") from exc
    for path, result in zip(paths, results, strict=True):
        if isinstance(result, loader.LoadResult):
            click.echo(result.summary())
        else:
            click.echo(f"{path.name}: {result.created} new, {result.updated} updated, "
                       f"{result.unchanged} unchanged mappings")


@catalogs_cli.command("list")
def list_command():
    """One line per catalogue: code, version, number of requirements."""
    for catalog, count in loader.catalog_summaries():
        click.echo(f"{catalog.code}\t{catalog.version}\t{count}")
