"""/api/v1/keys: API key management (admin only)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response, status

from app.auth import require_admin
from app.db import SessionDep
from app.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyRead
from app.services import keys

router = APIRouter(prefix="/keys", tags=["keys"], dependencies=[Depends(require_admin)])

KeyName = Annotated[str, Path(max_length=200)]


@router.get("", response_model=list[ApiKeyRead])
def list_keys(session: SessionDep) -> object:
    """Every key, revoked ones included; secrets are never shown again."""
    return keys.list_all(session)


@router.post("", response_model=ApiKeyCreated, status_code=status.HTTP_201_CREATED)
def create_key(data: ApiKeyCreate, session: SessionDep, response: Response) -> dict:
    """Create a key; the response holds its secret, which is not stored and not shown again."""
    key, secret = keys.create(session, data.name, data.role)
    session.commit()
    response.headers["Location"] = f"/api/v1/keys/{key.name}"
    response.headers["Cache-Control"] = "no-store"
    return ApiKeyRead.model_validate(key).model_dump() | {"key": secret}


@router.get("/{name}", response_model=ApiKeyRead)
def get_key(name: KeyName, session: SessionDep) -> object:
    return keys.get(session, name)


@router.delete("/{name}", response_model=ApiKeyRead)
def revoke_key(name: KeyName, session: SessionDep) -> object:
    """Revoke a key: it stops working at once and stays listed, with revoked_at."""
    key = keys.revoke(session, name)
    session.commit()
    return key
