"""Documents: the publications recommendations come from."""

import re
import unicodedata

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, defer

from app.errors import Conflict, NotFound, invalid
from app.models import Document, Recommendation, parse_id
from app.schemas import DocumentCreate, DocumentUpdate

SORT_FIELDS = {"id": Document.id, "published_on": Document.published_on, "title": Document.title}


def slugify(title: str, max_length: int = 80) -> str:
    """A URL-safe slug: ASCII, lowercase, words joined by hyphens."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "document"


def _free_slug(session: Session, base: str) -> str:
    taken = set(
        session.scalars(
            select(Document.slug).where(
                (Document.slug == base) | Document.slug.startswith(base + "-")
            )
        )
    )
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def slug_exists(session: Session, slug: str) -> bool:
    return bool(session.scalar(select(exists().where(Document.slug == slug))))


def get(session: Session, ref: int | str, *, with_text: bool = False) -> Document:
    """A document by id or slug, or 404."""
    doc_id = parse_id(ref)
    if doc_id is not None:
        stmt = select(Document).where(Document.id == doc_id)
    else:
        stmt = select(Document).where(Document.slug == str(ref))
    if not with_text:
        stmt = stmt.options(defer(Document.text, raiseload=True))
    document = session.scalar(stmt)
    if document is None:
        raise NotFound(f"No document with id or slug {ref!r}.")
    return document


def list_page(
    session: Session,
    *,
    publisher: list[str],
    doc_type: list[str],
    sort: str,
    limit: int,
    offset: int,
) -> tuple[list[Document], int]:
    stmt = select(Document)
    if publisher:
        stmt = stmt.where(Document.publisher.in_(publisher))
    if doc_type:
        stmt = stmt.where(Document.doc_type.in_(doc_type))
    name = sort.removeprefix("-")
    if name not in SORT_FIELDS:
        raise invalid("sort", f"unknown sort field {name!r}; use one of: id, published_on, title")
    column = SORT_FIELDS[name]
    ordering = column.desc().nulls_last() if sort.startswith("-") else column.asc().nulls_last()
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    items = session.scalars(
        stmt.options(defer(Document.text, raiseload=True))
        .order_by(ordering, Document.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return list(items), total


def create(session: Session, data: DocumentCreate) -> Document:
    fields = data.model_dump()
    if data.slug is None:
        fields["slug"] = _free_slug(session, slugify(data.title))
    elif slug_exists(session, data.slug):
        raise Conflict(f"The slug {data.slug!r} is already taken.")
    document = Document(**fields)
    session.add(document)
    session.flush()
    return document


def update(session: Session, document: Document, data: DocumentUpdate) -> Document:
    fields = data.model_dump(exclude_unset=True)
    for name in ("title", "slug", "publisher", "doc_type", "text"):
        if name in fields and fields[name] is None:
            raise invalid(name, "cannot be null", location="body")
    slug = fields.get("slug")
    if slug and slug != document.slug:
        if slug_exists(session, slug):
            raise Conflict(f"The slug {slug!r} is already taken.")
    for name, value in fields.items():
        setattr(document, name, value)
    if document.published_on is None:
        document.date_precision = None
    elif document.date_precision is None:
        document.date_precision = "day"
    session.flush()
    return document


def delete(session: Session, document: Document, *, cascade: bool) -> None:
    """Delete a document; without cascade, refuse while it still has recommendations."""
    if not cascade and session.scalar(
        select(exists().where(Recommendation.document_id == document.id))
    ):
        raise Conflict(
            "The document still has recommendations; delete with ?cascade=true to remove them too."
        )
    session.delete(document)
    session.flush()
