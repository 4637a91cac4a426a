"""Failed-login throttling, kept in the database so every app server process sees the same count.

Failures are counted per account and address, per address and per account across addresses, within a window;
a successful login resets none of these, so an attacker's count is not wiped by the owner logging in. The
owner's own browser is recognised by a signed device cookie given at a successful login (OWASP's "device
cookies"): from it, only its own failures count, so an attacker guessing elsewhere cannot lock the owner out.

Every attempt is recorded as failed before the password is checked (and marked successful after), under a
lock per account: attempts made at the same moment are counted one after the other, so no more than the
allowed number of guesses ever reach the password check.
"""
import datetime as dt
import secrets
import zlib

import sqlalchemy as sa
from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Mapped, mapped_column

from register.core.db import UTCDateTime, utcnow
from register.extensions import db

DEVICE_COOKIE = "register_device"
DEVICE_COOKIE_DAYS = 365
# Serialises the attempts on one account on PostgreSQL (SQLite lets one writer at a time anyway).
ATTEMPT_LOCK_KEY = 7_265_002


class LoginAttempt(db.Model):
    """One login attempt (security log, not register data: not in the change history)."""

    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    email: Mapped[str] = mapped_column(sa.String(254), nullable=False)
    ip: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    success: Mapped[bool] = mapped_column(sa.Boolean, nullable=False)
    # The device cookie's id when the attempt came with a valid one for this e-mail address.
    device: Mapped[str | None] = mapped_column(sa.String(64))

    __table_args__ = (sa.Index("ix_login_attempt_email_at", "email", "at"),
                      sa.Index("ix_login_attempt_ip_at", "ip", "at"),
                      sa.Index("ix_login_attempt_device_at", "device", "at"))


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="login-device")


def device_of(email: str) -> str | None:
    """The id of this browser if it carries a device cookie given at a successful login to this account."""
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return None
    try:
        data = _serializer().loads(raw)
    except BadSignature:
        return None
    if isinstance(data, dict) and data.get("email") == email and isinstance(data.get("device"), str):
        return data["device"][:64]
    return None


def set_device_cookie(response, email: str, device: str | None) -> None:
    """Give (or renew) the browser's device cookie for this account after a successful login."""
    value = _serializer().dumps({"email": email, "device": device or secrets.token_hex(16)})
    response.set_cookie(DEVICE_COOKIE, value, max_age=DEVICE_COOKIE_DAYS * 86400, httponly=True, samesite="Lax",
                        secure=bool(current_app.config["SESSION_COOKIE_SECURE"] or request.is_secure),
                        path="/konto/")


def _lock(email: str) -> None:
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key, :account)"),
                     {"key": ATTEMPT_LOCK_KEY, "account": zlib.crc32(email.encode()) - 2**31})


def begin(email: str, ip: str, device: str | None, now: dt.datetime | None = None) -> tuple[int, int | None]:
    """Record an attempt as failed and count what came before it: (its id, minutes to wait or None). Commits."""
    now = now or utcnow()
    _lock(email)
    attempt = LoginAttempt(email=email[:254], ip=ip[:64], device=device, success=False, at=now)
    db.session.add(attempt)  # on SQLite this takes the write lock: the count below is made alone
    db.session.flush()
    wait = _wait(email, ip[:64], device, attempt.id, now)
    db.session.commit()
    return attempt.id, wait


def _failures(attempt_id: int, since: dt.datetime, *conditions) -> int:
    return db.session.execute(
        sa.select(sa.func.count(LoginAttempt.id)).where(
            LoginAttempt.success.is_(False), LoginAttempt.at >= since, LoginAttempt.id != attempt_id, *conditions)
    ).scalar_one()


def _wait(email: str, ip: str, device: str | None, attempt_id: int, now: dt.datetime) -> int | None:
    config = current_app.config
    minutes = config["LOGIN_THROTTLE_MINUTES"]
    since = now - dt.timedelta(minutes=minutes)
    if device is not None:
        # The owner's browser: only its own failures since its last success count.
        last_success = db.session.execute(sa.select(sa.func.max(LoginAttempt.at)).where(
            LoginAttempt.device == device, LoginAttempt.success.is_(True))).scalar()
        if last_success is not None:
            since = max(since, last_success)
        return minutes if _failures(attempt_id, since, LoginAttempt.device == device) >= config[
            "LOGIN_MAX_FAILURES"] else None
    anonymous = LoginAttempt.device.is_(None)
    if (_failures(attempt_id, since, anonymous, LoginAttempt.email == email, LoginAttempt.ip == ip)
            >= config["LOGIN_MAX_FAILURES"]
            or _failures(attempt_id, since, anonymous, LoginAttempt.ip == ip) >= config["LOGIN_MAX_FAILURES_PER_IP"]
            or _failures(attempt_id, since, anonymous, LoginAttempt.email == email)
            >= config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        return minutes
    return None


def succeeded(attempt_id: int) -> None:
    """Mark the attempt successful (the caller commits)."""
    db.session.execute(sa.update(LoginAttempt).where(LoginAttempt.id == attempt_id).values(success=True))


def purge_older_than(days: int = 90) -> int:
    """Drop old attempts; the log is for throttling and short-term investigation only."""
    cutoff = utcnow() - dt.timedelta(days=days)
    return db.session.execute(sa.delete(LoginAttempt).where(LoginAttempt.at < cutoff)).rowcount
