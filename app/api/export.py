"""/api/v1/recommendations/export (included before /recommendations/{id}, which takes an int)."""

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from app.api.recommendations import FilterDep
from app.db import SessionDep
from app.services import export
from app.services.export import Format

router = APIRouter(prefix="/recommendations", tags=["recommendations"])


@router.get(
    "/export",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/csv": {}, "application/x-ndjson": {}},
            "description": "Every matching recommendation, streamed.",
        }
    },
    description="Every recommendation that matches the list filters (not a page: no `limit` or"
    " `offset`), in the order `sort` gives. `csv`: a header row, then one recommendation per"
    " row, actors joined by `; `, UTF-8, RFC 4180 quoting. `ndjson`: one JSON object per line"
    " with the recommendation, its document (its full `text` on the first line where the"
    " document appears), its actors and, with `with_history=true`, its status history; an"
    " export with no filter also starts with every actor and every document without"
    " recommendations, so it is a complete backup (README: Export and backup).",
)
def export_recommendations(
    session: SessionDep,
    f: FilterDep,
    fmt: Annotated[Format, Query(alias="format", description="csv or ndjson.")] = Format.csv,
    with_history: Annotated[
        bool, Query(description="ndjson: each recommendation's status history inline.")
    ] = False,
) -> StreamingResponse:
    chunks = export.lines(session, f, fmt, with_history=with_history)
    return StreamingResponse(
        chunks,
        media_type=export.MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f"attachment; filename=recommendations.{fmt.value}"},
    )
