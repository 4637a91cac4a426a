"""Creating, checking and revoking API tokens."""
import datetime as dt
import hashlib
import secrets

import sqlalchemy as sa

from register.api.models import ApiToken
from register.core.db import utcnow
from register.extensions import db

PREFIX = "reg_"
MAX_DAYS = 366


def _digest(token: str) -> str:
    # Tokens are 256 random bits, so a plain SHA-256 is enough (no password stretching needed).
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(user, name: str, days: int) -> tuple[ApiToken, str]:
    """A new token for `user`; the plain text is returned once and never stored (flushes)."""
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be between 1 and {MAX_DAYS}")
    plain = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name.strip()[:100], prefix=plain[:12], token_hash=_digest(plain),
                     expires_at=utcnow() + dt.timedelta(days=days))
    db.session.add(token)
    db.session.flush()
    return token, plain


def user_for_token(plain: str):
    """The active user behind a valid token, or None (expired, revoked, unknown and malformed look alike)."""
    if not plain or not plain.startswith(PREFIX) or len(plain) > 200:
        return None
    token = db.session.execute(sa.select(ApiToken).where(ApiToken.token_hash == _digest(plain))).scalar_one_or_none()
    now = utcnow()
    if token is None or not token.is_valid(now):
        return None
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        token.last_used_at = now  # coarse, so reading the API does not write on every request
        db.session.commit()
    return token.user


def tokens_of(user) -> list[ApiToken]:
    return list(db.session.execute(
        sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())).scalars())


def revoke(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
