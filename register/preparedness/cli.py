"""`flask --app register reminders`: e-mail each owner a digest of preparedness deadlines (run daily)."""
import datetime as dt

import click
from flask import current_app, url_for
from flask.cli import with_appcontext

from register.extensions import db
from register.preparedness import services


@click.command("reminders")
@click.option("--today", "today_text", metavar="YYYY-MM-DD", help="Act as if today were this date.")
@click.option("--dry-run", is_flag=True, help="Print who would get what; send and record nothing.")
@with_appcontext
def reminders_cli(today_text, dry_run):
    """Send reminders due in 30 and 7 days, today and overdue; each reminder is sent only once."""
    import smtplib  # the mail client and the digests: for this daily command only, never a request

    from register.preparedness import reminders

    try:
        today = dt.date.fromisoformat(today_text) if today_text else services.today()
    except ValueError as exc:
        raise click.ClickException(f"Not a date: {today_text}") from exc
    config = current_app.config
    if not dry_run and not (config.get("MAIL_SERVER") and config.get("MAIL_FROM")):
        raise click.ClickException("Set MAIL_SERVER and MAIL_FROM in instance/config.py to send reminders.")
    digests, orphans = reminders.build_digests(today)
    base_url = config.get("BASE_URL")

    def link_for(item):
        if not base_url:
            return None
        with current_app.test_request_context(base_url=base_url):
            return url_for(item.endpoint, _external=True, **item.url_args)

    sent = 0
    smtp = None
    try:
        if digests and not dry_run:
            smtp = reminders.smtp_connection()
        for digest in digests:
            message = reminders.compose(digest, today, link_for)
            if dry_run:
                click.echo(f"{digest.recipient}: {len(digest.entries)} item(s)")
                continue
            smtp.send_message(message)
            # Recorded and committed per recipient: a failure later in the run never causes a resend.
            reminders.record_sent(digest)
            db.session.commit()
            sent += 1
    except (OSError, smtplib.SMTPException) as exc:
        raise click.ClickException(f"Mail server {config.get('MAIL_SERVER')}:{config.get('MAIL_PORT')} failed after "
                                   f"{sent} recipient(s): {exc}") from exc
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass  # the messages are delivered; a failed goodbye changes nothing
    if not dry_run:
        click.echo(f"Reminders sent to {sent} recipient(s).")
    for item in orphans:
        click.echo(f"No e-mail for: {item.kind.value} {item.title} ({item.day.isoformat()})", err=True)
