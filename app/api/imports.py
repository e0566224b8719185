"""POST /api/v1/documents/import: parse a new briefing, as JSON or as a multipart file upload."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from app.auth import Analyst
from app.db import SessionDep
from app.errors import Conflict, invalid
from app.ingest import loader
from app.ingest.manifest import partial_date
from app.ingest.parser import ParseError
from app.schemas import DocumentCreate, ImportedDocument, ImportRequest, ImportResponse
from app.services import documents

router = APIRouter(prefix="/documents", tags=["documents"])

MAX_UPLOAD_BYTES = 20_000_000

# Multipart sends the JSON body's fields as form fields, and the text as a file.
_FORM_FIELDS = [name for name in ImportRequest.model_fields if name not in ("text", "dry_run")]
_OPENAPI_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/ImportRequest"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["title", "publisher", "file"],
                    "properties": {
                        **{name: {"type": "string"} for name in _FORM_FIELDS},
                        "dry_run": {"type": "boolean"},
                        "file": {"type": "string", "format": "binary"},
                    },
                }
            },
        },
    }
}


async def import_body(request: Request) -> ImportRequest:
    """The import request from a JSON body, or from multipart fields plus an uploaded file."""
    content_type = request.headers.get("content-type", "")
    try:
        if content_type.startswith("multipart/form-data"):
            async with request.form(max_files=1, max_fields=20) as form:
                upload = form.get("file")
                if upload is None or isinstance(upload, str):
                    raise invalid("file", "upload the briefing as a file field", location="body")
                raw = await upload.read(MAX_UPLOAD_BYTES + 1)
                if len(raw) > MAX_UPLOAD_BYTES:
                    raise invalid(
                        "file", f"larger than {MAX_UPLOAD_BYTES:,} bytes", location="body"
                    )
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise invalid("file", "is not UTF-8 text", location="body") from exc
                fields = {k: v for k, v in form.items() if k != "file" and isinstance(v, str)}
                fields.setdefault("source_file", upload.filename)
                fields["dry_run"] = fields.get("dry_run", "false").lower() in (
                    "1",
                    "true",
                    "yes",
                    "on",
                )
                return ImportRequest.model_validate(fields | {"text": text})
        return ImportRequest.model_validate_json(await request.body())
    except ValidationError as exc:
        raise _body_errors(exc) from exc


def _body_errors(exc: ValidationError) -> RequestValidationError:
    return RequestValidationError([err | {"loc": ("body", *err["loc"])} for err in exc.errors()])


def _slug(session, data: ImportRequest) -> str:
    # A given slug that exists means "re-import in place"; a generated one must be new.
    if data.slug is not None:
        return data.slug
    slug = documents.slugify(data.title)
    if documents.slug_exists(session, slug):
        raise Conflict(
            f"A document with the slug {slug!r} exists. To re-import it in place, send "
            f'"slug": "{slug}"; to import a different document, send another slug.'
        )
    return slug


@router.post(
    "/import",
    response_model=ImportResponse,
    openapi_extra=_OPENAPI_BODY,
    responses={201: {"description": "Imported"}, 200: {"description": "Dry run: nothing written"}},
)
def import_document(
    _key: Analyst,  # first: who may import is settled before the body is read
    data: Annotated[ImportRequest, Depends(import_body)],
    session: SessionDep,
    response: Response,
) -> ImportResponse:
    """Parse a briefing into recommendations; with dry_run=true nothing is written."""
    try:
        published_on, precision = partial_date(
            "published_on", data.published_on, data.date_precision
        )
    except ValueError as exc:
        raise invalid("published_on", str(exc), location="body") from exc
    try:
        fields = DocumentCreate(
            title=data.title,
            publisher=data.publisher,
            doc_type=data.doc_type,
            published_on=published_on,
            date_precision=precision,
            url=data.url,
            slug=_slug(session, data),
            source_file=data.source_file,
            text=data.text,
        ).model_dump()
    except ValidationError as exc:
        raise _body_errors(exc) from exc
    try:
        imported = loader.import_briefing(session, fields, dry_run=data.dry_run)
    except ParseError as exc:
        raise invalid("text", str(exc), location="body") from exc
    if data.dry_run:
        session.rollback()
        document = ImportedDocument.model_validate(fields)
    else:
        session.commit()
        response.status_code = 201
        response.headers["Location"] = f"/api/v1/documents/{imported.document.id}"
        document = ImportedDocument.model_validate(documents.get(session, imported.document.id))
    return ImportResponse(
        document=document,
        dry_run=data.dry_run,
        recommendations=loader.item_summaries(imported.result.items),
        summary=loader.summary(imported.report),
        warnings=imported.report.warnings,
    )
