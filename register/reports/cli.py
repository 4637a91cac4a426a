"""`flask report`: write the annual status report as a PDF file."""
import datetime as dt
from pathlib import Path

import click
from flask.cli import with_appcontext

from register.reports.data import ReportError, build_report


@click.command("report")
@click.option("--year", type=int, required=True, help="The report's year, e.g. 2025.")
@click.option("--out", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True,
              help="Where to write the PDF.")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Statuses as of the end of this day (YYYY-MM-DD); default the year's end, or today.")
@click.option("--registered-on", "registered_on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Audit view: what the register held at the end of this day (YYYY-MM-DD), from the change "
                   "history; default the register as it is now, read by the records' own dates.")
@with_appcontext
def report_command(year: int, out: Path, as_of: dt.datetime | None, registered_on: dt.datetime | None):
    """Write the annual status report for the board to OUT as a PDF."""
    # ReportLab is imported when a PDF is drawn, not at start-up.
    from register.reports.pdf import FontsMissing, render_pdf

    if not out.parent.exists():
        raise click.ClickException(f"The folder {out.parent} does not exist.")
    try:
        report = build_report(year, as_of.date() if as_of else None,
                              registered_on=registered_on.date() if registered_on else None)
        data = render_pdf(report)
    except (ReportError, FontsMissing) as exc:
        raise click.ClickException(str(exc)) from exc
    out.write_bytes(data)
    click.echo(f"Wrote {out} ({len(data) // 1024} kB): {report.title} {report.year}, as of {report.as_of.isoformat()}.")
