"""Roles, what each may do, and the decorators that enforce it on the server.

Every view declares its access: `@public` (no login) or `@requires(Permission.X)`. Views without a
declaration still require login (see core.security), and the authorisation-matrix test refuses them.
"""
import enum
import functools

from flask import abort
from flask_login import current_user

from register.core.enums import LabelledEnum
from register.core.i18n import lazy_gettext as _l
from register.extensions import login_manager


class Role(LabelledEnum):
    ADMIN = "admin", _l("Administrator")
    SECURITY = "security", _l("IT-sikkerhed")
    PREPAREDNESS = "preparedness", _l("Beredskab (arbejdsgruppe)")
    BOARD = "board", _l("Direktion / læser")


class Permission(enum.Enum):
    READ = "read"                              # every page and report
    EDIT_SECURITY = "edit_security"            # requirements, controls, gap analysis, incidents
    EDIT_PREPAREDNESS = "edit_preparedness"    # plans, sub-plans, exercises
    # assess requirements and attach their documentation: IT security all of them, preparedness the
    # preparedness catalogue (requirements.services.may_assess draws the line per requirement)
    ASSESS_REQUIREMENTS = "assess_requirements"
    ADMINISTER = "administer"                  # users, units, catalogues


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.SECURITY: frozenset({Permission.READ, Permission.EDIT_SECURITY, Permission.ASSESS_REQUIREMENTS}),
    Role.PREPAREDNESS: frozenset({Permission.READ, Permission.EDIT_PREPAREDNESS, Permission.ASSESS_REQUIREMENTS}),
    Role.BOARD: frozenset({Permission.READ}),
}

PUBLIC = "public"


def role_can(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS.get(role, frozenset())


def public(view):
    """Mark a view as reachable without login (login page, health check, static)."""
    view.access = PUBLIC
    return view


def requires(permission: Permission):
    """Refuse (403) a logged-in user whose role lacks the permission; anonymous users go to login."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.can(permission):
                abort(403)
            return view(*args, **kwargs)

        wrapped.access = permission
        return wrapped

    return decorator


def access_of(view) -> object | None:
    """The declared access of a view function: PUBLIC, a Permission, or None if undeclared."""
    return getattr(view, "access", None)
