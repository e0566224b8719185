"""API keys on requests: who is calling, and whether their role allows it."""

import logging
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.exc import OperationalError

from app.db import SessionDep, begin_write, utcnow
from app.errors import Forbidden, Unauthorized
from app.models import ApiKey, Role
from app.services import keys

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
RANK = {Role.reader: 0, Role.analyst: 1, Role.admin: 2}
# Reads refresh last_used_at at most this often, so a read rarely writes.
READ_TOUCH_INTERVAL = timedelta(minutes=5)
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="recotrack"'}
BAD_KEY = {"WWW-Authenticate": 'Bearer realm="recotrack", error="invalid_token"'}

# Declared only so that OpenAPI (and the Authorize button at /docs) shows the scheme;
# the header itself is parsed below, so a malformed one is a 401 rather than anonymous.
_bearer_scheme = HTTPBearer(
    auto_error=False, description="An API key from `recotrack keys create`."
)


def _token(request: Request) -> str | None:
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send the API key as 'Authorization: Bearer <key>'.", headers=BAD_KEY)
    return token.strip()


def _touch_after_read(request: Request, key: ApiKey) -> None:
    # In its own short transaction, so the read never holds a write lock.
    if key.last_used_at is not None and key.last_used_at > utcnow() - READ_TOUCH_INTERVAL:
        return
    try:
        with request.app.state.sessionmaker() as session:
            begin_write(session)
            keys.touch(session, key.id, older_than=utcnow() - READ_TOUCH_INTERVAL)
            session.commit()
    except OperationalError as exc:  # bookkeeping only: never fail a read over it
        log.warning("could not record key use: %s", exc.orig)


def authenticate(
    request: Request,
    session: SessionDep,
    _scheme: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer_scheme)],
) -> ApiKey | None:
    """The caller's key, or None when anonymous; an unknown or revoked key is a 401."""
    token = _token(request)
    write = request.method not in SAFE_METHODS
    if token is None:
        if not write and request.app.state.settings.read_requires_key:
            raise Unauthorized(
                "This server requires an API key for reads: send 'Authorization: Bearer <key>'.",
                headers=CHALLENGE,
            )
        return None
    if write:
        # The write's transaction starts here, holding the SQLite write lock from the start.
        begin_write(session)
    key = keys.find(session, token)
    if key is None:
        raise Unauthorized("Unknown or revoked API key.", headers=BAD_KEY)
    if write:
        keys.touch(session, key.id)
    else:
        _touch_after_read(request, key)
    return key


def require(role: Role):
    """A dependency that lets through keys with this role or a higher one."""

    def _require(key: Annotated[ApiKey | None, Depends(authenticate)]) -> ApiKey:
        if key is None:
            raise Unauthorized(
                f"This needs an API key with the {role} role or higher: "
                "send 'Authorization: Bearer <key>'.",
                headers=CHALLENGE,
            )
        if RANK[key.role] < RANK[role]:
            raise Forbidden(
                f"This needs the {role} role or higher; the key {key.name!r} has the "
                f"{key.role} role."
            )
        return key

    _require.__name__ = f"require_{role}"
    return _require


require_analyst = require(Role.analyst)
require_admin = require(Role.admin)

Analyst = Annotated[ApiKey, Depends(require_analyst)]
Admin = Annotated[ApiKey, Depends(require_admin)]
