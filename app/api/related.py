"""/api/v1/recommendations/{id}/related: repeats of a recommendation, and their review."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.api.params import IdPath, PageDep, paginate
from app.auth import Analyst
from app.db import SessionDep
from app.models import LinkState
from app.schemas import LinkReview, Page, RecommendationRead, RelatedRead
from app.services import recommendations, related

router = APIRouter(prefix="/recommendations", tags=["related"])


def _read(session, link, other_id: int) -> RelatedRead:
    return RelatedRead(
        recommendation=RecommendationRead.model_validate(recommendations.get(session, other_id)),
        score=link.score,
        state=link.state,
        reviewed_by=link.reviewed_by,
        reviewed_at=link.reviewed_at,
    )


@router.get("/{rec_id}/related", response_model=Page[RelatedRead])
def list_related(
    rec_id: IdPath,
    request: Request,
    response: Response,
    session: SessionDep,
    page: PageDep,
    state: Annotated[
        list[LinkState] | None,
        Query(description="Default: suggested and confirmed (rejected ones are hidden)."),
    ] = None,
) -> dict:
    """Recommendations that say the same thing, confirmed ones first, then by similarity."""
    recommendations.get(session, rec_id)
    states = state or [LinkState.suggested, LinkState.confirmed]
    links = related.for_recommendation(session, rec_id, states)
    window = links[page.offset : page.offset + page.limit]
    items = [_read(session, link, other) for link, other in window]
    return paginate(request, response, items, len(links), page)


@router.post("/{rec_id}/related/{other_id}", response_model=RelatedRead)
def review_related(
    rec_id: IdPath, other_id: IdPath, data: LinkReview, session: SessionDep, key: Analyst
) -> RelatedRead:
    """Confirm or reject that two recommendations say the same thing (both directions)."""
    recommendations.get(session, rec_id)
    link = related.review(session, rec_id, other_id, confirmed=data.confirmed, reviewer=key.name)
    session.commit()
    return _read(session, link, other_id)
