"""API keys: created once with a random secret, stored as its SHA-256, revoked, never deleted."""

import hashlib
import hmac
import re
import secrets
from datetime import datetime

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from app.db import utcnow
from app.errors import Conflict, NotFound, invalid
from app.models import ApiKey, Role

# A prefix makes a leaked key recognisable to secret scanners; the rest is 256 random bits.
PREFIX = "rt_"
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,199}$")


def hash_secret(secret: str) -> str:
    """SHA-256 hex: a slow hash buys nothing for 256-bit random secrets."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create(session: Session, name: str, role: Role) -> tuple[ApiKey, str]:
    """A new key and its secret; the secret is not stored and cannot be shown again."""
    if not NAME_PATTERN.match(name):
        raise invalid(
            "name",
            "use 1-200 letters, digits, '.', '_', '@' or '-', starting with a letter or digit",
            location="body",
        )
    if session.scalar(select(exists().where(ApiKey.name == name))):
        raise Conflict(f"A key named {name!r} already exists; key names are never reused.")
    secret = PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(name=name, role=Role(role), hashed_secret=hash_secret(secret))
    session.add(key)
    session.flush()
    return key, secret


def find(session: Session, secret: str) -> ApiKey | None:
    """The live (unrevoked) key with this secret, or None."""
    hashed = hash_secret(secret)
    key = session.scalar(select(ApiKey).where(ApiKey.hashed_secret == hashed))
    if key is None or not hmac.compare_digest(key.hashed_secret, hashed):
        return None
    return None if key.revoked_at is not None else key


def get(session: Session, name: str) -> ApiKey:
    key = session.scalar(select(ApiKey).where(ApiKey.name == name))
    if key is None:
        raise NotFound(f"No key named {name!r}.")
    return key


def list_all(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.created_at, ApiKey.id)))


def revoke(session: Session, name: str) -> ApiKey:
    """Revoke a key; revoking it again keeps the first revocation time."""
    key = get(session, name)
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        session.flush()
    return key


def touch(session: Session, key_id: int, *, older_than: datetime | None = None) -> None:
    """Set last_used_at to now (only if it is older than `older_than`, when given)."""
    stmt = update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=utcnow())
    if older_than is not None:
        stmt = stmt.where((ApiKey.last_used_at.is_(None)) | (ApiKey.last_used_at < older_than))
    session.execute(stmt.execution_options(synchronize_session=False))
