"""Failed-login throttling, kept in the database so every app server process sees the same count."""
import datetime as dt

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Mapped, mapped_column

from register.core.db import UTCDateTime, utcnow
from register.extensions import db


class LoginAttempt(db.Model):
    """One login attempt (security log, not register data: not in the change history)."""

    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    email: Mapped[str] = mapped_column(sa.String(254), nullable=False)
    ip: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    success: Mapped[bool] = mapped_column(sa.Boolean, nullable=False)

    __table_args__ = (sa.Index("ix_login_attempt_email_at", "email", "at"),
                      sa.Index("ix_login_attempt_ip_at", "ip", "at"))


def _failures(column, value, since: dt.datetime) -> int:
    last_success = sa.select(sa.func.max(LoginAttempt.at)).where(column == value, LoginAttempt.success.is_(True))
    return db.session.execute(
        sa.select(sa.func.count(LoginAttempt.id)).where(
            column == value, LoginAttempt.success.is_(False), LoginAttempt.at >= since,
            sa.or_(last_success.scalar_subquery().is_(None), LoginAttempt.at > last_success.scalar_subquery()))
    ).scalar()


def retry_after(email: str, ip: str, now: dt.datetime | None = None) -> int | None:
    """Minutes to wait if this account or address has failed too often recently, else None."""
    config = current_app.config
    now = now or utcnow()
    window = dt.timedelta(minutes=config["LOGIN_THROTTLE_MINUTES"])
    since = now - window
    if (_failures(LoginAttempt.email, email, since) >= config["LOGIN_MAX_FAILURES"]
            or _failures(LoginAttempt.ip, ip, since) >= config["LOGIN_MAX_FAILURES_PER_IP"]):
        return config["LOGIN_THROTTLE_MINUTES"]
    return None


def record(email: str, ip: str, success: bool) -> None:
    db.session.add(LoginAttempt(email=email[:254], ip=ip[:64], success=success))


def purge_older_than(days: int = 90) -> int:
    """Drop old attempts; the log is for throttling and short-term investigation only."""
    cutoff = utcnow() - dt.timedelta(days=days)
    return db.session.execute(sa.delete(LoginAttempt).where(LoginAttempt.at < cutoff)).rowcount
