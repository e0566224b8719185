"""Export the filtered recommendations as CSV or NDJSON, streamed in batches from a cursor.

The NDJSON form is also the backup and bulk-load format (README.md, "Export and backup").
"""

import csv
import dataclasses
import enum
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any

from pydantic_core import to_jsonable_python
from sqlalchemy import Row, Select, select
from sqlalchemy.orm import Session, aliased

from app.errors import invalid
from app.models import (
    Actor,
    ActorAlias,
    Document,
    Recommendation,
    RecommendationLink,
    StatusChange,
    recommendation_actors,
)
from app.services import querying
from app.services.querying import RecommendationFilter
from app.services.status import TIMELINE


class Format(enum.StrEnum):
    csv = "csv"
    ndjson = "ndjson"


MEDIA_TYPES = {Format.csv: "text/csv; charset=utf-8", Format.ndjson: "application/x-ndjson"}
BATCH = 500

CSV_COLUMNS = (
    "id",
    "document_id",
    "document_slug",
    "document_title",
    "publisher",
    "doc_type",
    "published_on",
    "parent_id",
    "label",
    "position",
    "kind",
    "addressee_raw",
    "actors",
    "theme",
    "status",
    "status_as_of",
    "text",
    "source_start",
    "source_end",
    "version",
    "created_at",
    "updated_at",
)
DOCUMENT_FIELDS = (
    "slug",
    "title",
    "publisher",
    "doc_type",
    "published_on",
    "date_precision",
    "url",
    "source_file",
)
HISTORY_FIELDS = (
    "previous_status",
    "status",
    "as_of",
    "note",
    "evidence_url",
    "recorded_by",
    "recorded_at",
)

_parent = aliased(Recommendation, name="parent")


def _columns(f: RecommendationFilter) -> list:
    rec = Recommendation
    return [
        rec.id,
        rec.document_id,
        rec.parent_id,
        _parent.source_key.label("parent_source_key"),
        rec.source_key,
        rec.label,
        rec.position,
        rec.kind,
        rec.text,
        rec.addressee_raw,
        rec.theme,
        rec.source_start,
        rec.source_end,
        querying.status_column(f).label("status"),
        querying.status_as_of_column(f).label("status_as_of"),
        rec.version,
        rec.created_at,
        rec.updated_at,
        *(getattr(Document, name).label(f"document_{name}") for name in DOCUMENT_FIELDS),
    ]


def statement(session: Session, f: RecommendationFilter) -> Select:
    """Every matching row in the filter's order; built eagerly, so a bad filter fails early."""
    stmt = querying.filtered(session, f, *_columns(f))
    stmt = stmt.outerjoin(_parent, _parent.id == Recommendation.parent_id)
    return stmt.order_by(*querying.order_by(f, session))


def begin_snapshot(session: Session) -> None:
    """Read the whole export from one snapshot, so a backup never mixes before and after a write.

    PostgreSQL needs REPEATABLE READ for that; a SQLite read transaction is a snapshot already.
    """
    if session.get_bind().dialect.name == "postgresql" and not session.in_transaction():
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def is_unfiltered(f: RecommendationFilter) -> bool:
    """True when the filter selects every recommendation (whatever its sort)."""
    return dataclasses.replace(f, sort=["id"]) == RecommendationFilter()


def lines(
    session: Session, f: RecommendationFilter, fmt: Format, *, with_history: bool = False
) -> Iterator[str]:
    """The export as text chunks of whole lines; nothing is loaded beyond one batch at a time."""
    if with_history and fmt != Format.ndjson:
        raise invalid("with_history", "only applies to format=ndjson")
    stmt = statement(session, f)
    batches = _batches(session, stmt)
    if fmt == Format.csv:
        return _csv(session, batches)
    return _ndjson(session, batches, with_history=with_history, backup=is_unfiltered(f))


def _batches(session: Session, stmt: Select) -> Iterator[Sequence[Row]]:
    # yield_per streams from a server-side cursor on PostgreSQL (SQLite's cursor is lazy).
    result = session.execute(stmt.execution_options(yield_per=BATCH))
    yield from result.partitions()


def _plain(value: Any) -> Any:
    # Dates and times written exactly as the JSON API writes them (UTC as "Z").
    if isinstance(value, date | datetime):
        return to_jsonable_python(value)
    return value


def _actor_links(session: Session, rec_ids: list[int]) -> dict[int, list[int]]:
    """Each recommendation's actor ids, in the order the API shows them (by name)."""
    link = recommendation_actors
    stmt = (
        select(link.c.recommendation_id, link.c.actor_id)
        .join(Actor, Actor.id == link.c.actor_id)
        .where(link.c.recommendation_id.in_(rec_ids))
        .order_by(Actor.name)
    )
    found: dict[int, list[int]] = {rec_id: [] for rec_id in rec_ids}
    for rec_id, actor_id in session.execute(stmt):
        found[rec_id].append(actor_id)
    return found


def _actors(session: Session, actor_ids: Iterable[int] | None) -> dict[int, dict]:
    """Actors (all when actor_ids is None) as {name, kind, parent, aliases}, by id."""
    parent = aliased(Actor, name="parent_actor")
    stmt = select(Actor.id, Actor.name, Actor.kind, parent.name).outerjoin(
        parent, parent.id == Actor.parent_id
    )
    aliases = select(ActorAlias.actor_id, ActorAlias.alias).order_by(ActorAlias.id)
    if actor_ids is not None:
        ids = list(actor_ids)
        stmt = stmt.where(Actor.id.in_(ids))
        aliases = aliases.where(ActorAlias.actor_id.in_(ids))
    found = {
        actor_id: {"name": name, "kind": kind, "parent": parent_name, "aliases": []}
        for actor_id, name, kind, parent_name in session.execute(stmt)
    }
    for actor_id, alias in session.execute(aliases):
        found[actor_id]["aliases"].append(alias)
    return found


def _csv(session: Session, batches: Iterator[Sequence[Row]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # RFC 4180: quotes where needed, CRLF line ends
    writer.writerow(CSV_COLUMNS)
    names: dict[int, str] = {}
    for rows in batches:
        links = _actor_links(session, [r.id for r in rows])
        unknown = {a for ids in links.values() for a in ids} - names.keys()
        if unknown:
            names |= {i: a["name"] for i, a in _actors(session, unknown).items()}
        for r in rows:
            values = r._mapping
            record = {name: values.get(name) for name in CSV_COLUMNS}
            record |= {
                "document_slug": r.document_slug,
                "document_title": r.document_title,
                "publisher": r.document_publisher,
                "doc_type": r.document_doc_type,
                "published_on": r.document_published_on,
                "actors": "; ".join(names[a] for a in links[r.id]),
            }
            writer.writerow(["" if v is None else _plain(v) for v in record.values()])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def _json_line(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=_plain) + "\n"


def _history(session: Session, rec_ids: list[int]) -> dict[int, list[dict]]:
    stmt = (
        select(StatusChange.recommendation_id, *(getattr(StatusChange, n) for n in HISTORY_FIELDS))
        .where(StatusChange.recommendation_id.in_(rec_ids))
        .order_by(StatusChange.recommendation_id, *TIMELINE)
    )
    found: dict[int, list[dict]] = {rec_id: [] for rec_id in rec_ids}
    for rec_id, *values in session.execute(stmt):
        found[rec_id].append(dict(zip(HISTORY_FIELDS, values, strict=True)))
    return found


def _backup_prelude(session: Session) -> str:
    """Every actor (parents first), then every document no recommendation points to."""
    actors = _actors(session, None)
    by_name = {a["name"]: a for a in actors.values()}

    def depth(actor: dict) -> int:
        seen = 0
        while actor["parent"] is not None and seen < len(by_name):
            actor, seen = by_name[actor["parent"]], seen + 1
        return seen

    ordered = sorted(actors.values(), key=lambda a: (depth(a), a["name"]))
    chunk = [_json_line({"type": "actor"} | a) for a in ordered]
    has_recs = select(Recommendation.id).where(Recommendation.document_id == Document.id)
    lonely = session.execute(
        select(Document.id, *(getattr(Document, n) for n in (*DOCUMENT_FIELDS, "text")))
        .where(~has_recs.exists())
        .order_by(Document.id)
    )
    for doc_id, *values in lonely:
        fields = dict(zip((*DOCUMENT_FIELDS, "text"), values, strict=True))
        chunk.append(_json_line({"type": "document", "id": doc_id} | fields))
    return "".join(chunk)


# A recommendation's own content: written here, read back by the bulk loader.
REC_CONTENT = (
    "label",
    "position",
    "kind",
    "text",
    "addressee_raw",
    "theme",
    "source_start",
    "source_end",
)
REC_FIELDS = (
    "id",
    "source_key",
    "parent_id",
    "parent_source_key",
    *REC_CONTENT,
    "status",
    "status_as_of",
    "version",
    "created_at",
    "updated_at",
)


def _ndjson(
    session: Session, batches: Iterator[Sequence[Row]], *, with_history: bool, backup: bool
) -> Iterator[str]:
    if backup:
        yield _backup_prelude(session)
    actors: dict[int, dict] = {}
    documents_seen: set[int] = set()
    for rows in batches:
        rec_ids = [r.id for r in rows]
        links = _actor_links(session, rec_ids)
        unknown = {a for ids in links.values() for a in ids} - actors.keys()
        if unknown:
            actors |= _actors(session, unknown)
        history = _history(session, rec_ids) if with_history else {}
        new_docs = {r.document_id for r in rows} - documents_seen
        found = session.execute(select(Document.id, Document.text).where(Document.id.in_(new_docs)))
        texts = {doc_id: text for doc_id, text in found}
        chunk = []
        for r in rows:
            values = r._mapping
            document = {"id": r.document_id}
            document |= {n: values[f"document_{n}"] for n in DOCUMENT_FIELDS}
            if r.document_id not in documents_seen:
                # The full text once per document, on its first line, keeps the file complete.
                document["text"] = texts[r.document_id]
                documents_seen.add(r.document_id)
            record = {"type": "recommendation"} | {n: values[n] for n in REC_FIELDS}
            record |= {"document": document, "actors": [actors[a] for a in links[r.id]]}
            if with_history:
                record["history"] = history[r.id]
            chunk.append(_json_line(record))
        yield "".join(chunk)
    if backup:
        yield from _backup_links(session)


LINK_FIELDS = ("low_id", "high_id", "score", "state", "reviewed_by", "reviewed_at", "created_at")


def _backup_links(session: Session) -> Iterator[str]:
    """Related-recommendation links last, by the `id`s of the recommendation lines above."""
    stmt = select(*(getattr(RecommendationLink, n) for n in LINK_FIELDS)).order_by(
        RecommendationLink.id
    )
    for rows in _batches(session, stmt):
        yield "".join(
            _json_line({"type": "link"} | dict(zip(LINK_FIELDS, r, strict=True))) for r in rows
        )
