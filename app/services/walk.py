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
        # One range of the (actor_id, status, recommendation_id) index per actor; with
        # sub-actors, a recommendation linked to an actor and its sub-actor counts once (a
        # DISTINCT, twice the cost: one actor alone cannot be linked twice to one row).
        linked = querying.actor_links(session, f).subquery()
        ids = linked.c.recommendation_id
        single = len(querying.actor_tree_ids(session, f)) == 1
        counted = func.count() if single else func.count(ids.distinct())
        return session.scalar(select(counted).select_from(linked)) or 0
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


# Documents newest first (as the list sorts them), each with its recommendations' id range.
_DOCS_NEWEST = """
SELECT d.published_on, d.id,
  (SELECT min(id) FROM recommendations WHERE document_id = d.id),
  (SELECT max(id) FROM recommendations WHERE document_id = d.id)
FROM documents d ORDER BY d.published_on DESC NULLS LAST
"""
# One document's matches: one range read of the full-text index (exact, as each row's document
# is checked), in id order, no more than the page still needs.
_FTS_RANGE = """
SELECT f.rowid FROM recommendations_fts f CROSS JOIN recommendations r
WHERE f.recommendations_fts MATCH :q AND f.rowid BETWEEN :low AND :high
  AND r.id = f.rowid AND r.document_id = :doc
ORDER BY f.rowid LIMIT :need
"""


def _search_walk(session: Session, q: str, limit: int, offset: int) -> list[int]:
    """A newest-first page of full-text matches, reading documents until the page is full.

    One statement doing the same (documents CROSS JOIN the FTS table) took 12 ms at 1M rows
    where these take 0.3: SQLite kept scanning documents after the page was full. Documents of
    the same date form a group whose matches sort by id together, as the list sorts them.
    """
    need = offset + limit
    found: list[int] = []
    group: list[int] = []
    current = object()
    connection = session.connection()
    for published_on, doc_id, low, high in connection.execute(text(_DOCS_NEWEST)):
        if published_on != current:
            found += sorted(group)
            group = []
            if len(found) >= need:
                break
            current = published_on
        if low is None:
            continue
        args = {"q": q, "low": low, "high": high, "doc": doc_id, "need": need - len(found)}
        group += [r[0] for r in connection.execute(text(_FTS_RANGE), args)]
    else:
        found += sorted(group)
    return found[offset:need]


def page_ids(session: Session, f: RecommendationFilter, *, limit: int, offset: int) -> list[int]:
    """The ids of one newest-first page, in order (use when applies() says so)."""
    if f.q is not None:
        return _search_walk(session, search.to_fts5(search.parse(f.q)), limit, offset)
    # The rendered statement depends on the filter's values (inlined) and, through the actor
    # names, on the actor ids: both are in the key. A dashboard sends the same few shapes.
    actors = tuple(querying.actor_tree_ids(session, f)) if f.actor else ()
    key = (repr(f), actors, limit, offset)
    sql = _WALK_SQL.get(key)
    if sql is None:
        sql = _walk_sql(session, f, limit, offset)
        if f.document:  # a slug's id can change (delete, create): not cached
            return [r[0] for r in session.execute(text(sql))]
        if len(_WALK_SQL) >= 512:
            _WALK_SQL.clear()
        _WALK_SQL[key] = sql
    return [r[0] for r in session.execute(text(sql))]


_WALK_SQL: dict[tuple, str] = {}


def _walk_sql(session: Session, f: RecommendationFilter, limit: int, offset: int) -> str:
    """The walk's statement as text, compiled once per filter (about 1.5 ms saved a request)."""
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
    return sql.replace(
        "FROM documents JOIN recommendations", "FROM documents CROSS JOIN recommendations", 1
    )
