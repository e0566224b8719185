"""Recommendations: read with their document and actors, create, update, delete."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session, contains_eager, load_only, selectinload

from app.db import utcnow
from app.errors import NotFound, invalid
from app.models import Actor, Document, Recommendation, recommendation_actors
from app.schemas import RecommendationCreate, RecommendationRead, RecommendationUpdate
from app.services import actors as actors_service
from app.services import querying, search, walk
from app.services.querying import RecommendationFilter

_DOCUMENT_REF = (
    Document.id,
    Document.slug,
    Document.title,
    Document.publisher,
    Document.published_on,
)


def _with_refs(stmt):
    """Load what RecommendationRead shows: the document reference and the actors."""
    return stmt.options(
        contains_eager(Recommendation.document).load_only(*_DOCUMENT_REF, raiseload=True),
        selectinload(Recommendation.actors).load_only(Actor.id, Actor.name, raiseload=True),
    )


def get(session: Session, rec_id: int) -> Recommendation:
    stmt = select(Recommendation).join(Recommendation.document).where(Recommendation.id == rec_id)
    rec = session.scalar(_with_refs(stmt))
    if rec is None:
        raise NotFound(f"No recommendation with id {rec_id}.")
    return rec


def list_page(
    session: Session, f: RecommendationFilter, *, limit: int, offset: int
) -> tuple[list[RecommendationRead], int]:
    """One page of matches and the total; as_of shows historical status, q adds snippets."""
    with querying.actor_memo(session):
        return _list_page(session, f, limit=limit, offset=offset)


# What a list page shows of each recommendation, read as plain rows (no ORM instances: at 50
# rows a page, building and tracking them was a fifth of a list request at 1M rows).
_PAGE_FIELDS = [c for c in Recommendation.__table__.c if c.key in RecommendationRead.model_fields]
_DOCUMENT_FIELDS = [c.label(f"document_{c.key}") for c in _DOCUMENT_REF]


def _list_page(
    session: Session, f: RecommendationFilter, *, limit: int, offset: int
) -> tuple[list[RecommendationRead], int]:
    total = walk.total(session, f)
    columns = [*_PAGE_FIELDS, *_DOCUMENT_FIELDS]
    if f.as_of is not None:
        columns += [
            querying.status_column(f).label("status_then"),
            querying.status_as_of_column(f).label("status_as_of_then"),
        ]
    if walk.applies(session, f, total):
        # Many matches, newest first: read them in order and stop after the page.
        ids = walk.page_ids(session, f, limit=limit, offset=offset, matches=total)
        page = select(*columns).join(Recommendation.document)
        page = page.where(Recommendation.id.in_(ids)).order_by(*querying.order_by(f, session))
    else:
        page = querying.filtered(session, f, *columns).order_by(*querying.order_by(f, session))
        page = page.limit(limit).offset(offset)
    rows = session.execute(page).mappings().all()
    ids = [row["id"] for row in rows]
    actors: dict[int, list[dict]] = {rec_id: [] for rec_id in ids}
    if ids:
        named = (
            select(recommendation_actors.c.recommendation_id, Actor.id, Actor.name)
            .join(Actor, Actor.id == recommendation_actors.c.actor_id)
            .where(recommendation_actors.c.recommendation_id.in_(ids))
            .order_by(Actor.name)
        )
        for rec_id, actor_id, name in session.execute(named):
            actors[rec_id].append({"id": actor_id, "name": name})
    snippets = search.snippets(session, search.parse(f.q), ids) if f.q is not None else {}
    items = []
    for row in rows:
        item = {c.key: row[c.key] for c in _PAGE_FIELDS}
        item["document"] = {c.key: row[f"document_{c.key}"] for c in _DOCUMENT_REF}
        item["actors"] = actors[row["id"]]
        if f.as_of is not None:
            item["status"], item["status_as_of"] = row["status_then"], row["status_as_of_then"]
        if f.q is not None:
            item["snippet"] = snippets.get(row["id"])
        items.append(RecommendationRead.model_validate(item))
    return items, total


def _actors(
    session: Session, data: RecommendationCreate | RecommendationUpdate
) -> list[Actor] | None:
    if data.actor_ids is not None:
        found = {
            a.id: a for a in session.scalars(select(Actor).where(Actor.id.in_(data.actor_ids)))
        }
        missing = [i for i in data.actor_ids if i not in found]
        if missing:
            raise invalid("actor_ids", f"no actor with id {missing[0]}", location="body")
        return list({i: found[i] for i in data.actor_ids}.values())
    if data.actors is not None:
        resolved = [
            actors_service.resolve(session, n, field="actors", location="body") for n in data.actors
        ]
        return list({a.id: a for a in resolved}.values())
    return None


def _check_parent(
    session: Session, rec_id: int | None, document_id: int, parent_id: int | None
) -> None:
    if parent_id is None:
        return
    parent = session.execute(
        select(Recommendation.document_id, Recommendation.parent_id).where(
            Recommendation.id == parent_id
        )
    ).first()
    if parent is None:
        raise invalid("parent_id", f"no recommendation with id {parent_id}", location="body")
    if parent.document_id != document_id:
        raise invalid("parent_id", "the parent belongs to another document", location="body")
    seen, current = set(), parent_id
    while current is not None and current not in seen:
        if current == rec_id:
            raise invalid("parent_id", "a recommendation cannot sit under itself", location="body")
        seen.add(current)
        current = session.scalar(
            select(Recommendation.parent_id).where(Recommendation.id == current)
        )


def _check_span(session: Session, document_id: int, start: int | None, end: int | None) -> None:
    if start is None and end is None:
        return
    if start is None or end is None:
        raise invalid(
            "source_end" if end is None else "source_start",
            "give both source_start and source_end",
            location="body",
        )
    length = (
        session.scalar(select(func.length(Document.text)).where(Document.id == document_id)) or 0
    )
    if not start <= end <= length:
        raise invalid(
            "source_end",
            f"need source_start <= source_end <= {length} (the document text's length)",
            location="body",
        )


def create(session: Session, data: RecommendationCreate) -> Recommendation:
    if session.get(Document, data.document_id, options=[load_only(Document.id)]) is None:
        raise invalid("document_id", f"no document with id {data.document_id}", location="body")
    _check_parent(session, None, data.document_id, data.parent_id)
    _check_span(session, data.document_id, data.source_start, data.source_end)
    fields = data.model_dump(exclude={"actor_ids", "actors"})
    if fields["position"] is None:
        last = session.scalar(
            select(func.max(Recommendation.position)).where(
                Recommendation.document_id == data.document_id
            )
        )
        fields["position"] = 0 if last is None else last + 1
    rec = Recommendation(**fields, actors=_actors(session, data) or [])
    session.add(rec)
    session.flush()
    return rec


def update(session: Session, rec: Recommendation, data: RecommendationUpdate) -> Recommendation:
    fields = data.model_dump(exclude_unset=True, exclude={"actor_ids", "actors"})
    for name in ("text", "position", "kind"):
        if name in fields and fields[name] is None:
            raise invalid(name, "cannot be null", location="body")
    if "parent_id" in fields:
        _check_parent(session, rec.id, rec.document_id, fields["parent_id"])
    if "source_start" in fields or "source_end" in fields:
        _check_span(
            session,
            rec.document_id,
            fields.get("source_start", rec.source_start),
            fields.get("source_end", rec.source_end),
        )
    for name, value in fields.items():
        setattr(rec, name, value)
    actors = _actors(session, data)
    if actors is not None:
        rec.actors = actors
    # Touch the row even when only links changed, so the version always moves.
    rec.updated_at = utcnow()
    session.flush()
    return rec


def delete(session: Session, rec: Recommendation) -> None:
    """Delete a recommendation with its sub-items, links and history."""
    session.delete(rec)
    session.flush()
