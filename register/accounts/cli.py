"""`flask --app register users ...`: manage local accounts from the command line."""
import sys

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from register.accounts.models import User
from register.accounts.services import AccountError, create_user, find_by_email, reset_password
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


def _user(email: str) -> User:
    user = find_by_email(email)
    if user is None:
        raise click.ClickException(f"No account with the e-mail address {email}")
    return user


@users_cli.command("set-password")
@click.option("--email", required=True, help="The account's e-mail address.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def set_password_command(email, password_stdin):
    """Give an account a new password; every session of the account ends. Recorded in the history."""
    password = (sys.stdin.readline().rstrip("\r\n") if password_stdin
                else click.prompt("Password", hide_input=True, confirmation_prompt=True))
    try:
        with acting_as("cli"):
            reset_password(_user(email), password)
            db.session.commit()
    except AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    click.echo(f"New password set for {email}; its sessions have ended.")


@users_cli.command("deactivate")
@click.option("--email", required=True, help="The account's e-mail address.")
def deactivate_command(email):
    """Deactivate an account; every session of the account ends. Recorded in the history."""
    with acting_as("cli"):
        _user(email).active = False
        db.session.commit()
    click.echo(f"Deactivated {email}; its sessions have ended.")
