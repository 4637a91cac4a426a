"""Single sign-on through the municipality's identity provider with OpenID Connect (e.g. Microsoft Entra ID).

Authlib's Flask client does the protocol: the state (against login CSRF), the nonce (against ID-token
replay), PKCE (S256) and the ID token's signature, issuer, audience and expiry. This module turns the
verified claims into a local user: the role comes from the `groups` claim on every login.
"""
import threading

import sqlalchemy as sa
from flask import Flask, current_app

from register.accounts.models import User
from register.accounts.services import AccountError, create_user, find_by_email, normalise_email
from register.core.db import utcnow
from register.core.i18n import gettext as _
from register.core.permissions import Role
from register.extensions import db

CLIENT_NAME = "idp"
# When a person is in groups for several roles, the one that may do most wins.
ROLE_PRECEDENCE = (Role.ADMIN, Role.SECURITY, Role.PREPAREDNESS, Role.BOARD)
_client_lock = threading.Lock()


class SignInFailed(Exception):
    """The identity provider's answer could not be used; the message is meant for the user."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


def enabled(app: Flask | None = None) -> bool:
    return bool((app or current_app).config.get("OIDC_ENABLED"))


def check_settings(config) -> None:
    """Refuse an incomplete or misspelt configuration with a message for the operator."""
    missing = [key for key in ("OIDC_METADATA_URL", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET") if not config.get(key)]
    if missing:
        raise RuntimeError(f"OIDC_ENABLED is set but {', '.join(missing)} is missing in instance/config.py")
    roles = {r.value for r in Role}
    bad = {group: role for group, role in (config.get("OIDC_ROLE_GROUPS") or {}).items() if role not in roles}
    default = config.get("OIDC_DEFAULT_ROLE")
    if default is not None and default not in roles:
        bad["OIDC_DEFAULT_ROLE"] = default
    if bad:
        raise RuntimeError(f"Unknown role in the OIDC settings: {bad} (use one of {sorted(roles)})")


def client():
    """This app's Authlib client, registered on first use; the provider's metadata is fetched at login."""
    from authlib.integrations.flask_client import OAuth  # Authlib is imported at the first sign-on, not at start-up

    app = current_app._get_current_object()
    with _client_lock:
        oauth = app.extensions.get("register_oidc")
        if oauth is None:
            check_settings(app.config)
            oauth = OAuth(app)
            oauth.register(
                CLIENT_NAME,
                server_metadata_url=app.config["OIDC_METADATA_URL"],
                client_id=app.config["OIDC_CLIENT_ID"],
                client_secret=app.config["OIDC_CLIENT_SECRET"],
                client_kwargs={"scope": app.config["OIDC_SCOPE"], "code_challenge_method": "S256",
                               "default_timeout": app.config["OIDC_TIMEOUT"]},
            )
            app.extensions["register_oidc"] = oauth
    return oauth.create_client(CLIENT_NAME)


def start(redirect_uri: str):
    """The redirect to the provider's login page (state, nonce and PKCE verifier kept in the session)."""
    import requests  # with Authlib, at the first sign-on, not at start-up

    try:
        return client().authorize_redirect(redirect_uri)
    except (requests.RequestException, ValueError, KeyError, RuntimeError) as exc:
        current_app.logger.error("OIDC: could not start login: %r", exc)
        raise SignInFailed(_("Kommunens login-tjeneste kunne ikke nås. Prøv igen om lidt, eller kontakt "
                             "en administrator."), 502) from exc


def verified_claims() -> dict:
    """Finish the redirect: check the state, exchange the code, verify the ID token and its nonce."""
    # Authlib and its HTTP client are imported at the first sign-on, not at start-up
    import requests
    from authlib.common.errors import AuthlibBaseError
    from authlib.integrations.base_client import MismatchingStateError, OAuthError
    from joserfc.errors import JoseError

    try:
        token = client().authorize_access_token()
    except MismatchingStateError as exc:
        current_app.logger.warning("OIDC: state mismatch on callback")
        raise SignInFailed(_("Login kunne ikke bekræftes: svaret passer ikke til et login startet her, eller "
                             "det er udløbet. Prøv igen."), 400) from exc
    except OAuthError as exc:
        current_app.logger.warning("OIDC: provider refused: %s %s", exc.error, exc.description)
        raise SignInFailed(_("Login blev afbrudt eller afvist hos kommunens login-tjeneste. Prøv igen."),
                           401) from exc
    except (AuthlibBaseError, JoseError) as exc:
        current_app.logger.warning("OIDC: ID token rejected: %r", exc)
        raise SignInFailed(_("Svaret fra kommunens login-tjeneste kunne ikke verificeres. Prøv igen."),
                           400) from exc
    except (requests.RequestException, ValueError) as exc:
        current_app.logger.warning("OIDC: provider unreachable: %r", exc)
        raise SignInFailed(_("Kommunens login-tjeneste kunne ikke nås. Prøv igen om lidt."), 502) from exc
    claims = token.get("userinfo")
    if not claims:
        raise SignInFailed(_("Svaret fra kommunens login-tjeneste indeholdt ikke et ID-token."), 400)
    return dict(claims)


def groups_of(claims: dict) -> list[str]:
    """The `groups` claim as a list of strings (a single group may arrive as a bare string)."""
    groups = claims.get("groups") or []
    if isinstance(groups, str):
        groups = [groups]
    return [g for g in groups if isinstance(g, str)] if isinstance(groups, list) else []


def role_for(groups: list[str], mapping: dict[str, str], default: str | None) -> Role | None:
    """The highest-privilege role any of the groups maps to, else the default (None: no access)."""
    roles = {Role(mapping[g]) for g in groups if g in mapping}
    for role in ROLE_PRECEDENCE:
        if role in roles:
            return role
    return Role(default) if default else None


def sign_in(claims: dict) -> User:
    """The local user for verified ID-token claims: found, linked or created, with role and name updated.

    Flushes, does not commit. Raises SignInFailed (nothing changed) when the person may not come in."""
    if "groups" in (claims.get("_claim_names") or {}):
        # Entra leaves the groups out when a person is in too many (over 200): assign groups to the app instead.
        current_app.logger.warning("OIDC: groups overage for %s; assign groups to the application", claims.get("sub"))
        raise SignInFailed(_("Kommunens login sendte ikke dine grupper, så din rolle kan ikke afgøres. Bed en "
                             "administrator om at tildele grupperne til programmet i Entra ID."), 403)
    config = current_app.config
    role = role_for(groups_of(claims), config["OIDC_ROLE_GROUPS"] or {}, config["OIDC_DEFAULT_ROLE"])
    if role is None:
        raise SignInFailed(_("Du er logget ind hos kommunen, men ingen af dine grupper giver adgang til "
                             "Register. Kontakt en administrator, hvis du skal have adgang."), 403)
    issuer, subject = str(claims["iss"]), str(claims["sub"])
    name = (claims.get("name") or "").strip()[:200]
    user = db.session.execute(
        sa.select(User).where(User.oidc_issuer == issuer, User.oidc_subject == subject)
    ).scalar_one_or_none()
    if user is None:
        user = _link_or_create(claims, issuer, subject, role, name)
    if not user.active:
        raise SignInFailed(_("Din konto i Register er deaktiveret. Kontakt en administrator."), 403)
    user.role = role
    if name:
        user.name = name
    user.last_login_at = utcnow()
    db.session.flush()
    return user


def _link_or_create(claims: dict, issuer: str, subject: str, role: Role, name: str) -> User:
    """First single sign-on: link the local account with the same e-mail, or create one."""
    try:
        email = normalise_email(str(claims.get("email") or claims.get("preferred_username") or ""))
    except AccountError as exc:
        raise SignInFailed(_("Kommunens login sendte ingen gyldig e-mailadresse for dig. Kontakt en "
                             "administrator."), 403) from exc
    user = find_by_email(email)
    if user is None:
        return create_user(email, role, None, name=name or None, oidc_issuer=issuer, oidc_subject=subject)
    if user.oidc_subject is not None:
        current_app.logger.warning("OIDC: %s is already linked to another identity", email)
        raise SignInFailed(_("Kontoen med e-mailadressen %(email)s er allerede knyttet til en anden bruger i "
                             "kommunens login. Kontakt en administrator.", email=email), 403)
    user.oidc_issuer, user.oidc_subject = issuer, subject
    return user
