"""Shared request parameters: ids in paths, limit/offset paging and its Link header."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Query, Request, Response

from app.models import MAX_ID

MAX_LIMIT = 500

IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
# Filters that the recommendation list and the status-change feed share.
ActorParam = Annotated[
    list[str] | None,
    Query(max_length=300, description="Actor id, name or alias; includes its sub-actors."),
]
DocumentParam = Annotated[
    list[str] | None, Query(max_length=200, description="Document id or slug.")
]


@dataclass(frozen=True)
class PageParams:
    limit: int
    offset: int


def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size (1-500).")] = 50,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1, description="Rows to skip.")] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


PageDep = Annotated[PageParams, Depends(page_params)]


def paginate(
    request: Request, response: Response, items: list, total: int, page: PageParams
) -> dict:
    """The page body, with Link rel=next / rel=prev set on the response."""
    links = []
    if page.offset + page.limit < total:
        url = request.url.include_query_params(offset=page.offset + page.limit, limit=page.limit)
        links.append(f'<{url}>; rel="next"')
    if page.offset > 0:
        url = request.url.include_query_params(
            offset=max(0, page.offset - page.limit), limit=page.limit
        )
        links.append(f'<{url}>; rel="prev"')
    if links:
        response.headers["Link"] = ", ".join(links)
    return {"items": items, "total": total, "limit": page.limit, "offset": page.offset}
