"""`flask --app register users ...`: manage local accounts from the command line."""
import sys

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from register.accounts.models import User
from register.accounts.services import AccountError, create_user
from register.core.history import acting_as
from register.extensions import db

users_cli = AppGroup("users", help="Manage local user accounts.")


@users_cli.command("create")
@click.option("--email", required=True, help="E-mail address, used to log in.")
@click.option("--role", required=True, help="admin, security, preparedness or board.")
@click.option("--name", default=None, help="Full name (defaults to the e-mail's local part).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_command(email, role, name, password_stdin):
    """Create a local account."""
    password = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with acting_as("cli"):
            user = create_user(email, role, password, name=name)
            db.session.commit()
    except AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Created {user.email} ({user.role.value})")


@users_cli.command("list")
def list_command():
    """List accounts: e-mail, role, active."""
    for user in db.session.execute(sa.select(User).order_by(User.email)).scalars():
        click.echo(f"{user.email}\t{user.role.value}\t{'active' if user.active else 'inactive'}")
