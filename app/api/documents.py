"""/api/v1/documents"""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import PlainTextResponse

from app.api import etags
from app.api.etags import IfMatch
from app.api.params import PageDep, paginate
from app.auth import require_admin
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


@router.post(
    "",
    response_model=DocumentRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(require_admin)],
)
def create_document(data: DocumentCreate, session: SessionDep, response: Response) -> object:
    document = documents.create(session, data)
    session.commit()
    response.headers["Location"] = f"/api/v1/documents/{document.id}"
    document = documents.get(session, document.id)
    response.headers["ETag"] = etags.document_etag(document)
    return document


@router.get("/{ref}", response_model=DocumentRead)
def get_document(ref: str, session: SessionDep, response: Response) -> object:
    document = documents.get(session, ref)
    response.headers["ETag"] = etags.document_etag(document)
    return document


@router.get("/{ref}/text", response_class=PlainTextResponse)
def get_document_text(ref: str, session: SessionDep) -> str:
    return documents.get(session, ref, with_text=True).text


@router.patch("/{ref}", response_model=DocumentRead, dependencies=[Depends(require_admin)])
def update_document(
    ref: str,
    data: DocumentUpdate,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> object:
    etags.lock_document(session, ref)
    document = documents.get(session, ref)
    etags.check(if_match, etags.document_etag(document))
    document = documents.update(session, document, data)
    session.commit()
    document = documents.get(session, document.id)
    response.headers["ETag"] = etags.document_etag(document)
    return document


@router.delete(
    "/{ref}", status_code=status.HTTP_204_NO_CONTENT, dependencies=[Depends(require_admin)]
)
def delete_document(
    ref: str,
    session: SessionDep,
    cascade: Annotated[bool, Query(description="Also delete its recommendations.")] = False,
    if_match: IfMatch = None,
) -> None:
    etags.lock_document(session, ref)
    document = documents.get(session, ref)
    etags.check(if_match, etags.document_etag(document))
    documents.delete(session, document, cascade=cascade)
    session.commit()
