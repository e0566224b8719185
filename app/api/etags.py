"""ETag and If-Match: optimistic concurrency for writes to one item."""

import hashlib
import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Header
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import PreconditionFailed
from app.models import Actor, Document, parse_id
from app.schemas import ActorRead, DocumentRead

IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description="The ETag you last read; a stale one is a 412 and nothing is written.",
    ),
]


def version_etag(version: int) -> str:
    """A strong ETag from a row version that every write bumps."""
    return f'"{version}"'


def _utc(value: Any) -> Any:
    # The same instant must hash the same whichever time zone the driver returned it in.
    return value.astimezone(UTC).isoformat() if isinstance(value, datetime) else str(value)


def content_etag(item: BaseModel) -> str:
    """A strong ETag from the item's representation, for tables without a version column."""
    payload = json.dumps(item.model_dump(mode="python"), sort_keys=True, default=_utc)
    return f'"{hashlib.sha256(payload.encode()).hexdigest()[:32]}"'


def matches(if_match: str, etag: str) -> bool:
    """RFC 9110 strong comparison; `*` matches any current item."""
    for candidate in (c.strip() for c in if_match.split(",")):
        if candidate == "*" or candidate == etag:
            return True
        # Tolerate a bare version number; a weak tag (W/"...") never matches.
        if not candidate.startswith(("W/", '"')) and f'"{candidate}"' == etag:
            return True
    return False


def check(if_match: str | None, etag: str, **current: Any) -> None:
    """Raise 412 (with the current ETag) unless If-Match is absent or names the current ETag."""
    if if_match is not None and not matches(if_match, etag):
        raise PreconditionFailed(
            f"The item changed since you read it: If-Match was {if_match}, the current ETag "
            f"is {etag}. Fetch it again, reapply your change and retry.",
            headers={"ETag": etag},
            current_etag=etag,
            **current,
        )


def lock(session: Session, column: Any, value: Any) -> None:
    """Lock the row for a read-check-write (FOR UPDATE on PostgreSQL).

    On SQLite the write transaction already holds the database's write lock.
    """
    session.execute(select(column).where(column == value).with_for_update())


def document_etag(document: Document) -> str:
    return content_etag(DocumentRead.model_validate(document))


def actor_etag(actor: Actor) -> str:
    return content_etag(ActorRead.model_validate(actor))


def lock_document(session: Session, ref: str) -> None:
    """Lock a document named by id or slug (see lock)."""
    doc_id = parse_id(ref)
    if doc_id is not None:
        lock(session, Document.id, doc_id)
    else:
        lock(session, Document.slug, ref)
