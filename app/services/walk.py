"""Newest-first pages and counts that do not touch every match (SQLite plans, see bench/RESULTS.md).

A newest-first page sorted in the usual way reads every matching row, then sorts them, to
return 50: its cost grows with the matches. When there are many matches, these plans walk
documents newest first and each document's recommendations in id order (the
(document_id, id) index), testing each row against the filter, and stop after a page: the
cost is bounded by how far down the page sits, not by how many rows match. SQLite keeps a
join order only when told with CROSS JOIN, which SQLAlchemy does not write, hence the
statements below.
"""

import dataclasses

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.models import Document, Recommendation
from app.services import querying, search
from app.services.querying import RecommendationFilter

# Below this many matches, sorting them all is cheaper than walking.
WALK_MIN = 1000
NEWEST_FIRST = (["-published_on"], ["-published_on", "id"])
# Filters whose values are ids and enums only: safe to render into the statement's text.
_WALKABLE = {"status", "actor", "document", "doc_type", "kind", "parent", "top_level", "sort"}


def _only(f: RecommendationFilter, *names: str) -> bool:
    cleared = dataclasses.replace(f, sort=["id"], **{n: _empty(n) for n in names})
    return cleared == RecommendationFilter()


def _empty(name: str):
    return None if name in ("q", "top_level", "as_of") else []


def total(session: Session, f: RecommendationFilter) -> int:
    """How many recommendations match, reading as little as the filter allows."""
    if f.actor and f.as_of is None and _only(f, "actor", "status"):
        # One range of the (actor_id, status, recommendation_id) index; a recommendation
        # linked to an actor and its sub-actor counts once.
        linked = querying.actor_links(session, f).subquery()
        return session.scalar(select(func.count(func.distinct(linked.c.recommendation_id)))) or 0
    if f.q is not None and _only(f, "q") and session.get_bind().dialect.name == "sqlite":
        return (
            session.scalar(
                text("SELECT count(*) FROM recommendations_fts WHERE recommendations_fts MATCH :q"),
                {"q": search.to_fts5(search.parse(f.q))},
            )
            or 0
        )
    stmt = querying.filtered(session, f, func.count(Recommendation.id), join_documents=False)
    return session.scalar(stmt) or 0


def applies(session: Session, f: RecommendationFilter, matches: int) -> bool:
    """Whether a walk beats sorting for this page."""
    if session.get_bind().dialect.name != "sqlite" or matches < WALK_MIN:
        return False
    if f.sort not in NEWEST_FIRST:
        return False
    if f.q is not None:
        return _only(f, "q")
    used = {k.name for k in dataclasses.fields(f) if getattr(f, k.name) != _default(k)}
    return used <= _WALKABLE


def _default(field: dataclasses.Field):
    return (
        field.default_factory()
        if field.default_factory is not dataclasses.MISSING
        else (field.default)
    )


# Each document's matches come from one range read of the full-text index: the rowids between
# the document's first and last recommendation (exact, as each row's document is checked).
_FTS_WALK = """
SELECT r.id FROM documents d
CROSS JOIN recommendations_fts f
CROSS JOIN recommendations r
WHERE f.recommendations_fts MATCH :q
  AND f.rowid >= (SELECT min(id) FROM recommendations WHERE document_id = d.id)
  AND f.rowid <= (SELECT max(id) FROM recommendations WHERE document_id = d.id)
  AND r.id = f.rowid AND r.document_id = d.id
ORDER BY d.published_on DESC NULLS LAST, r.id
LIMIT :limit OFFSET :offset
"""


def page_ids(session: Session, f: RecommendationFilter, *, limit: int, offset: int) -> list[int]:
    """The ids of one newest-first page, in order (use when applies() says so)."""
    if f.q is not None:
        rows = session.execute(
            text(_FTS_WALK),
            {"q": search.to_fts5(search.parse(f.q)), "limit": limit, "offset": offset},
        )
        return [r[0] for r in rows]
    stmt = (
        select(Recommendation.id)
        .select_from(Document)
        .join(Recommendation, Recommendation.document_id == Document.id)
        .where(*querying.conditions(session, f, correlated=True))
        .order_by(*querying.order_by(f, session))
        .limit(limit)
        .offset(offset)
    )
    # Values are ids and enum members only (_WALKABLE), so rendering them inline is safe.
    sql = str(
        stmt.compile(
            session.get_bind(), compile_kwargs={"literal_binds": True, "render_postcompile": True}
        )
    )
    sql = sql.replace(
        "FROM documents JOIN recommendations", "FROM documents CROSS JOIN recommendations", 1
    )
    return [r[0] for r in session.execute(text(sql))]
