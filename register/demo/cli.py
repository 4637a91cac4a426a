"""`flask --app register demo`: load the fictional demo municipality."""
import click
from flask.cli import with_appcontext

from register.core.db import update_statistics
from register.core.history import acting_as
from register.extensions import db


def print_logins() -> None:
    from register.demo.services import demo_logins  # at use, as in demo_cli below

    rows = demo_logins()
    if not rows:
        click.echo("  No demo accounts. Create an administrator with:")
        click.echo("    flask --app register users create --email E --role admin --password-stdin")
        return
    click.echo(f"  Demo logins (password: {rows[0][2]}):")
    for email, role, _password in rows:
        click.echo(f"    {email:32} {role}")


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Skip quietly when the database already holds real data.")
@click.option("--logins", "logins_only", is_flag=True, help="Only print the demo accounts.")
@with_appcontext
def demo_cli(if_empty, logins_only):
    """Load demo data into an empty database; refuses one that holds non-demo data."""
    # The demo data and its loaders (with PyYAML) are read when the command runs, not by every web worker.
    from register.demo.services import DemoRefused, database_state, load_demo

    if logins_only:
        print_logins()
        return
    if if_empty and database_state() == "real":
        click.echo("The database holds real data: demo data not loaded.")
        return
    try:
        with acting_as("cli: demo"):
            result = load_demo()
            db.session.commit()
        update_statistics(db.session)
    except DemoRefused as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    click.echo("Demo data loaded." if result["created"] else "Demo data is already loaded.")
