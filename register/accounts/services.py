"""Creating users and checking credentials; used by the CLI, the views and the demo data."""
import functools
import secrets

import sqlalchemy as sa
from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from register.accounts import passwords
from register.accounts.models import User
from register.core.db import utcnow
from register.core.i18n import gettext as _
from register.core.permissions import Role
from register.extensions import db

MIN_PASSWORD_LENGTH = passwords.MIN_LENGTH
MAX_PASSWORD_LENGTH = 1000  # the login form's limit


class AccountError(ValueError):
    """Bad input for an account operation; the message is meant for the user."""


def normalise_email(email: str) -> str:
    # imported when an address is checked, not at start-up
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email((email or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise AccountError(_("Ugyldig e-mailadresse: %(email)s", email=email)) from exc


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError as exc:
        raise AccountError(_("Ukendt rolle: %(role)s (brug en af: %(roles)s)",
                             role=value, roles=", ".join(r.value for r in Role))) from exc


def check_password_strength(password: str, email: str = "", name: str | None = None) -> None:
    """Refuse a short, common or easily guessed password, and one built from the account's own details."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError(_("Adgangskoden skal være mindst %(n)d tegn.", n=MIN_PASSWORD_LENGTH))
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(_("Adgangskoden må højst være %(n)d tegn.", n=MAX_PASSWORD_LENGTH))
    local, _at, domain = (email or "").partition("@")
    context = (local, *domain.split("."), *(name or "").split(), current_app.config["MUNICIPALITY_NAME"])
    if passwords.too_guessable(password, context):
        raise AccountError(_("Adgangskoden er for let at gætte (et almindeligt ord, navn, mønster eller årstal, "
                             "eller dele af e-mailadressen). Brug fx nogle tilfældige ord sat sammen."))


def find_by_email(email: str) -> User | None:
    return db.session.execute(sa.select(User).where(User.email == email.strip().lower())).scalar_one_or_none()


def create_user(email: str, role: Role | str, password: str | None, name: str | None = None,
                unit_id: int | None = None, is_demo: bool = False,
                oidc_issuer: str | None = None, oidc_subject: str | None = None) -> User:
    """Add a local account (flushes, does not commit). Raises AccountError on bad input."""
    email = normalise_email(email)
    role = role if isinstance(role, Role) else parse_role(role)
    if find_by_email(email):
        raise AccountError(_("Der findes allerede en bruger med e-mailadressen %(email)s.", email=email))
    user = User(email=email, role=role, name=(name or email.split("@")[0]).strip()[:200],
                unit_id=unit_id, is_demo=is_demo, oidc_issuer=oidc_issuer, oidc_subject=oidc_subject)
    if password is not None:
        check_password_strength(password, email, user.name)
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


@functools.cache
def _stand_in_hash(method: str) -> str:
    return generate_password_hash(secrets.token_hex(16), method=method)


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None (same answer for unknown user and wrong password).

    A password is hashed whether or not the account exists, so the time taken does not tell."""
    user = find_by_email(email or "")
    if user is None or not user.password_hash:
        check_password_hash(_stand_in_hash(current_app.config["PASSWORD_HASH_METHOD"]), password or "")
        return None
    if not user.check_password(password or "") or not user.active:
        return None
    # A plain UPDATE: through the ORM it bumped the row's version, and two logins at once (a double click)
    # made the second a conflict (409). The login time is not register data (not in the history).
    db.session.execute(sa.update(User).where(User.id == user.id).values(last_login_at=utcnow())
                       .execution_options(synchronize_session=False))
    return user


def end_sessions(user_id: int) -> None:
    """End every session of the user on the server (their cookies stop working); a plain UPDATE, so that a
    logout never conflicts with an administrator saving the account."""
    db.session.execute(sa.update(User).where(User.id == user_id)
                       .values(session_generation=User.session_generation + 1)
                       .execution_options(synchronize_session=False))


def user_of_request(user_id: int) -> User | None:
    """The logged-in user."""
    return db.session.get(User, user_id)


def set_active(user: User, active: bool, by: User) -> None:
    """Deactivate or reactivate an account (deactivation ends its sessions). Flushes, does not commit."""
    if not active and user.id == by.id:
        raise AccountError(_("Du kan ikke deaktivere din egen konto."))
    user.active = active
    db.session.flush()


def reset_password(user: User, password: str) -> None:
    """Give the account a new password (it ends the account's sessions). Flushes, does not commit."""
    check_password_strength(password, user.email, user.name)
    user.set_password(password)
    db.session.flush()


def user_names() -> dict[str, str]:
    """Every account's name by the e-mail address it signs in with (the history records the address)."""
    return dict(db.session.execute(sa.select(User.email, User.name)).all())


def all_users() -> list[User]:
    return list(db.session.execute(sa.select(User).order_by(User.name, User.email)).scalars())
