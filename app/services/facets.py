"""Facet counts: how many matching recommendations have each status, actor, document, ..."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Actor, Document, Recommendation, recommendation_actors
from app.services import querying
from app.services.querying import RecommendationFilter

FACETS = ("status", "actor", "document", "publisher", "doc_type")
MAX_VALUES = 50


def compute(session: Session, f: RecommendationFilter, names: list[str]) -> dict[str, list[dict]]:
    """Counts over the whole filtered set (not the page), most frequent first, per facet."""
    matching = querying.filtered(
        session,
        f,
        Recommendation.id.label("id"),
        querying.status_column(f).label("status"),
        Document.id.label("document_id"),
        Document.slug.label("slug"),
        Document.publisher.label("publisher"),
        Document.doc_type.label("doc_type"),
    ).subquery("matching")
    n = func.count().label("n")
    queries = {
        "status": select(matching.c.status, n).group_by(matching.c.status),
        "publisher": select(matching.c.publisher, n).group_by(matching.c.publisher),
        "doc_type": select(matching.c.doc_type, n).group_by(matching.c.doc_type),
        "document": select(matching.c.slug, matching.c.document_id, n).group_by(
            matching.c.slug, matching.c.document_id
        ),
        "actor": select(Actor.name, Actor.id, n)
        .select_from(matching)
        .join(recommendation_actors, recommendation_actors.c.recommendation_id == matching.c.id)
        .join(Actor, Actor.id == recommendation_actors.c.actor_id)
        .group_by(Actor.name, Actor.id),
    }
    out = {}
    for name in names:
        stmt = queries[name]
        value = stmt.selected_columns[0]
        rows = session.execute(stmt.order_by(n.desc(), value).limit(MAX_VALUES)).all()
        out[name] = [
            {"value": str(row[0]), "count": row[-1]} | ({"id": row[1]} if len(row) == 3 else {})
            for row in rows
        ]
    return out
