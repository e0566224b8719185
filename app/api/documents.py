"""/api/v1/documents"""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import PlainTextResponse

from app.api.params import PageDep, paginate
from app.db import SessionDep
from app.models import DocType
from app.schemas import DocumentCreate, DocumentRead, DocumentUpdate, Page
from app.services import documents

router = APIRouter(prefix="/documents", tags=["documents"])


@router.get("", response_model=Page[DocumentRead])
def list_documents(
    request: Request,
    response: Response,
    session: SessionDep,
    page: PageDep,
    publisher: Annotated[list[str] | None, Query(max_length=200)] = None,
    doc_type: Annotated[list[DocType] | None, Query()] = None,
    sort: Annotated[
        str, Query(max_length=50, description="id, published_on or title; '-' for descending")
    ] = "id",
) -> dict:
    items, total = documents.list_page(
        session,
        publisher=publisher or [],
        doc_type=doc_type or [],
        sort=sort,
        limit=page.limit,
        offset=page.offset,
    )
    return paginate(request, response, items, total, page)


@router.post("", response_model=DocumentRead, status_code=status.HTTP_201_CREATED)
def create_document(data: DocumentCreate, session: SessionDep, response: Response) -> object:
    document = documents.create(session, data)
    session.commit()
    response.headers["Location"] = f"/api/v1/documents/{document.id}"
    return documents.get(session, document.id)


@router.get("/{ref}", response_model=DocumentRead)
def get_document(ref: str, session: SessionDep) -> object:
    return documents.get(session, ref)


@router.get("/{ref}/text", response_class=PlainTextResponse)
def get_document_text(ref: str, session: SessionDep) -> str:
    return documents.get(session, ref, with_text=True).text


@router.patch("/{ref}", response_model=DocumentRead)
def update_document(ref: str, data: DocumentUpdate, session: SessionDep) -> object:
    document = documents.update(session, documents.get(session, ref), data)
    session.commit()
    return documents.get(session, document.id)


@router.delete("/{ref}", status_code=status.HTTP_204_NO_CONTENT)
def delete_document(
    ref: str,
    session: SessionDep,
    cascade: Annotated[bool, Query(description="Also delete its recommendations.")] = False,
) -> None:
    documents.delete(session, documents.get(session, ref), cascade=cascade)
    session.commit()
