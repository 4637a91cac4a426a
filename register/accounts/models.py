"""Users of the register and their roles."""
import datetime as dt

import sqlalchemy as sa
from flask import current_app
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from register.core.db import UTCDateTime, enum_column, utcnow
from register.core.history import Tracked
from register.core.permissions import Permission, Role, role_can
from register.extensions import db


class User(Tracked, UserMixin, db.Model):
    __tablename__ = "user_account"
    __history_redact__ = frozenset({"password_hash"})
    __history_ignore__ = frozenset({"version", "last_login_at", "session_generation"})

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    role: Mapped[Role] = mapped_column(enum_column(Role), nullable=False)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    # The identity provider's stable key for the person (ID token iss + sub); set on first single sign-on.
    oidc_issuer: Mapped[str | None] = mapped_column(sa.String(255))
    oidc_subject: Mapped[str | None] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    language: Mapped[str] = mapped_column(sa.String(5), nullable=False, default="da")
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id", ondelete="SET NULL"))
    is_demo: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)
    # Every session carries the generation it was started in and ends when this moves on: at logout, a new
    # password or deactivation (a copied session cookie then opens nothing).
    session_generation: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1, server_default="1")

    unit = relationship("Unit")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (sa.UniqueConstraint("oidc_issuer", "oidc_subject", name="uq_user_account_oidc_identity"),)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def can(self, permission: Permission) -> bool:
        return self.active and role_can(self.role, permission)

    def end_sessions(self) -> None:
        """End every session of this user at their next request (flushed with the change that calls it)."""
        self.session_generation = (self.session_generation or 1) + 1

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role.value}>"


@sa.event.listens_for(User.password_hash, "set")
def _new_password_ends_sessions(user, value, old, _initiator):
    if old not in (None, value, sa.orm.attributes.NO_VALUE, sa.orm.attributes.NEVER_SET):
        user.end_sessions()


@sa.event.listens_for(User.active, "set")
def _deactivation_ends_sessions(user, value, old, _initiator):
    if value is False and old is not False:
        user.end_sessions()
