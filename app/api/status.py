"""Status history: record a change, a recommendation's timeline, the feed of all changes."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from app.api.etags import IfMatch, check, version_etag
from app.api.params import MAX_LIMIT, ActorParam, DocumentParam, IdPath, PageDep, paginate
from app.auth import Analyst
from app.db import SessionDep
from app.models import MAX_ID, Recommendation
from app.schemas import Page, StatusChangeCreate, StatusChangeRead, StatusRecorded
from app.services import status as status_service
from app.services.querying import RecommendationFilter

router = APIRouter(tags=["status"])


@router.post(
    "/recommendations/{rec_id}/status",
    response_model=StatusRecorded,
    status_code=status.HTTP_201_CREATED,
)
def record_status(
    rec_id: IdPath,
    data: StatusChangeCreate,
    session: SessionDep,
    response: Response,
    key: Analyst,
    if_match: IfMatch = None,
) -> dict:
    """Append a status change; the current status is the latest by (as_of, recorded_at)."""

    def _current(rec: Recommendation) -> None:
        check(if_match, version_etag(rec.version), current_version=rec.version)

    change, rec = status_service.record(session, rec_id, data, recorded_by=key.name, check=_current)
    session.commit()
    response.headers["ETag"] = version_etag(rec.version)
    response.headers["Location"] = f"/api/v1/status-changes/{change.id}"
    return StatusChangeRead.model_validate(change).model_dump() | {"recommendation": rec}


@router.get("/recommendations/{rec_id}/history", response_model=Page[StatusChangeRead])
def get_history(
    rec_id: IdPath, request: Request, response: Response, session: SessionDep, page: PageDep
) -> dict:
    """A recommendation's status timeline, oldest first (by as_of, then recorded_at)."""
    items, total = status_service.history(session, rec_id, limit=page.limit, offset=page.offset)
    return paginate(request, response, items, total, page)


@router.get("/status-changes", response_model=Page[StatusChangeRead])
def status_feed(
    request: Request,
    response: Response,
    session: SessionDep,
    since: Annotated[
        int, Query(ge=0, le=MAX_ID, description="Only changes with a larger id (default 0).")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size (1-500).")] = 50,
    actor: ActorParam = None,
    document: DocumentParam = None,
) -> dict:
    """Every status change, oldest first by id; follow Link rel="next" (or since=last id)."""
    f = RecommendationFilter(actor=actor or [], document=document or [])
    items, total, prev_since = status_service.feed(session, f, since=since, limit=limit)
    links = []
    if total > len(items):
        url = request.url.include_query_params(since=items[-1].id, limit=limit)
        links.append(f'<{url}>; rel="next"')
    if prev_since is not None:
        url = request.url.include_query_params(since=prev_since, limit=limit)
        links.append(f'<{url}>; rel="prev"')
    if links:
        response.headers["Link"] = ", ".join(links)
    return {"items": items, "total": total, "limit": limit, "offset": 0}


@router.get("/status-changes/{change_id}", response_model=StatusChangeRead)
def get_status_change(change_id: IdPath, session: SessionDep) -> object:
    return status_service.get(session, change_id)
