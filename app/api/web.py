"""The dashboard page and the source-document view: static HTML that reads the JSON API."""

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, FastAPI, Query
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

WEB = Path(__file__).resolve().parent.parent / "web"

router = APIRouter(include_in_schema=False)


@router.get("/")
def dashboard() -> FileResponse:
    return FileResponse(WEB / "index.html")


@router.get("/documents/{ref}")
def document_view(
    ref: str,
    start: Annotated[int | None, Query(ge=0)] = None,
    end: Annotated[int | None, Query(ge=0)] = None,
) -> FileResponse:
    # start/end are read by the page's script; declared so they are not unknown parameters.
    return FileResponse(WEB / "document.html")


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=WEB), name="static")
