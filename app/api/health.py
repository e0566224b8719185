"""Liveness and readiness probes."""

from fastapi import APIRouter, Request
from sqlalchemy import text

from app.db import SessionDep
from app.errors import ServiceUnavailable
from app.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """The process is up."""
    return Health(status="ok")


@router.get("/readyz", response_model=Health, responses={503: {"description": "Not ready"}})
def readyz(request: Request, session: SessionDep) -> Health:
    """The database answers and its schema is at the latest migration."""
    head = request.app.state.migration_head
    try:
        current = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception as exc:  # any database failure means "not ready", never a 500
        raise ServiceUnavailable(
            f"Database unreachable or not migrated: {type(exc).__name__}."
        ) from exc
    if current != head:
        raise ServiceUnavailable(
            f"Database is at migration {current}, expected {head}; run `recotrack db upgrade`."
        )
    return Health(status="ok", database=session.bind.dialect.name, migration=current)
