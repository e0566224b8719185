"""/api/v1/recommendations"""

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from app.api import etags
from app.api.etags import IfMatch
from app.api.params import MAX_ID, ActorParam, DocumentParam, IdPath, PageDep, paginate
from app.auth import require_admin, require_analyst
from app.db import SessionDep
from app.errors import invalid
from app.models import DocType, Recommendation, RecommendationKind, Status
from app.schemas import (
    RecommendationCreate,
    RecommendationPage,
    RecommendationRead,
    RecommendationUpdate,
)
from app.services import facets as facets_service
from app.services import querying, recommendations, search
from app.services.facets import FACETS
from app.services.querying import RecommendationFilter

router = APIRouter(prefix="/recommendations", tags=["recommendations"])

Values = Annotated[list[str] | None, Query(max_length=300)]


def recommendation_filter(
    status: Annotated[
        list[Status] | None,
        Query(description="Current status (or the one on as_of); repeat for OR."),
    ] = None,
    actor: ActorParam = None,
    document: DocumentParam = None,
    publisher: Values = None,
    doc_type: Annotated[list[DocType] | None, Query()] = None,
    theme: Annotated[list[str] | None, Query(max_length=500)] = None,
    kind: Annotated[list[RecommendationKind] | None, Query()] = None,
    parent: Annotated[list[int] | None, Query(description="Parent recommendation id.")] = None,
    top_level: Annotated[bool | None, Query(description="Only items without a parent.")] = None,
    published_from: Annotated[date | None, Query()] = None,
    published_to: Annotated[date | None, Query()] = None,
    updated_since: Annotated[datetime | None, Query()] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=search.MAX_QUERY_LENGTH,
            description='Full-text search: words (ANDed), "a phrase", a OR b, -excluded,'
            " prefix*; stemmed, so reconcile finds reconciliation. Results best first unless"
            " sort is given; each hit carries a highlighted snippet.",
        ),
    ] = None,
    as_of: Annotated[
        date | None,
        Query(
            description="Show (and filter on) each status as it stood on this date, from the"
            " history; documents published after it are left out."
        ),
    ] = None,
    sort: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Comma-separated: id, position, published_on, status, updated_at,"
            " relevance (with q); '-' descends.",
        ),
    ] = None,
) -> RecommendationFilter:
    """Parse the list filters shared by list, stats and export."""
    if any(not 1 <= p <= MAX_ID for p in parent or []):
        raise invalid("parent", f"ids run from 1 to {MAX_ID}")
    if updated_since is not None and updated_since.tzinfo is None:
        raise invalid("updated_since", "give a timezone, e.g. 2024-01-01T00:00:00Z")
    if updated_since is not None:
        try:  # 9999-12-31T23:59-14:00 is past the last representable instant in UTC
            updated_since = updated_since.astimezone(UTC)
        except OverflowError as exc:
            raise invalid("updated_since", "is out of range once converted to UTC") from exc
    if q is not None:
        search.parse(q)  # a malformed query is a 422 before any SQL runs
    return RecommendationFilter(
        status=status or [],
        actor=actor or [],
        document=document or [],
        publisher=publisher or [],
        doc_type=doc_type or [],
        theme=theme or [],
        kind=kind or [],
        parent=parent or [],
        top_level=top_level,
        published_from=published_from,
        published_to=published_to,
        updated_since=updated_since,
        q=q,
        as_of=as_of,
        sort=querying.parse_sort(sort, has_query=q is not None),
    )


FilterDep = Annotated[RecommendationFilter, Depends(recommendation_filter)]


@router.get("", response_model=RecommendationPage, response_model_exclude_unset=True)
def list_recommendations(
    request: Request,
    response: Response,
    session: SessionDep,
    page: PageDep,
    f: FilterDep,
    facets: Annotated[
        str | None,
        Query(
            max_length=100,
            description="Comma-separated: " + ", ".join(FACETS) + ". Counts over the whole"
            " filtered set come back under `facets`.",
        ),
    ] = None,
) -> dict:
    names = _facet_names(facets)
    items, total = recommendations.list_page(session, f, limit=page.limit, offset=page.offset)
    body = paginate(request, response, items, total, page)
    if names:
        body["facets"] = facets_service.compute(session, f, names)
    return body


def _facet_names(raw: str | None) -> list[str]:
    if raw is None:
        return []
    names = [n.strip() for n in raw.split(",") if n.strip()]
    unknown = [n for n in names if n not in FACETS]
    if unknown or not names:
        raise invalid(
            "facets", f"unknown facet {unknown[0] if unknown else raw!r}; use: " + ", ".join(FACETS)
        )
    return list(dict.fromkeys(names))


@router.post(
    "",
    response_model=RecommendationRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(require_analyst)],
)
def create_recommendation(
    data: RecommendationCreate, session: SessionDep, response: Response
) -> object:
    rec = recommendations.create(session, data)
    session.commit()
    response.headers["Location"] = f"/api/v1/recommendations/{rec.id}"
    rec = recommendations.get(session, rec.id)
    response.headers["ETag"] = etags.version_etag(rec.version)
    return rec


@router.get("/{rec_id}", response_model=RecommendationRead)
def get_recommendation(rec_id: IdPath, session: SessionDep, response: Response) -> object:
    rec = recommendations.get(session, rec_id)
    response.headers["ETag"] = etags.version_etag(rec.version)
    return rec


def _locked(session: SessionDep, rec_id: int, if_match: str | None) -> Recommendation:
    """The recommendation, its row locked for this write, once If-Match has been checked."""
    etags.lock(session, Recommendation.id, rec_id)
    rec = recommendations.get(session, rec_id)
    etags.check(if_match, etags.version_etag(rec.version), current_version=rec.version)
    return rec


@router.patch(
    "/{rec_id}", response_model=RecommendationRead, dependencies=[Depends(require_analyst)]
)
def update_recommendation(
    rec_id: IdPath,
    data: RecommendationUpdate,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> object:
    # Hold the row: the identity map is weak, and a reload after commit could show (and give
    # the ETag of) a later write by someone else instead of this one.
    rec = recommendations.update(session, _locked(session, rec_id, if_match), data)
    session.commit()
    rec = recommendations.get(session, rec_id)
    response.headers["ETag"] = etags.version_etag(rec.version)
    return rec


@router.delete(
    "/{rec_id}", status_code=status.HTTP_204_NO_CONTENT, dependencies=[Depends(require_admin)]
)
def delete_recommendation(rec_id: IdPath, session: SessionDep, if_match: IfMatch = None) -> None:
    recommendations.delete(session, _locked(session, rec_id, if_match))
    session.commit()
