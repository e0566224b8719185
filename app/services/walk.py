"""Newest-first pages and counts that do not touch every match (see bench/RESULTS.md).

A newest-first page sorted in the usual way reads every matching row, then sorts them, to
return 50: its cost grows with the matches. When there are many matches, these plans walk
documents newest first and each document's recommendations in id order (the
(document_id, id) index), testing each row against the filter, and stop after a page: the
cost is bounded by how far down the page sits, not by how many rows match. SQLite keeps a
join order only when told with CROSS JOIN, which SQLAlchemy does not write, hence the
statements below; PostgreSQL gets one LATERAL statement (_pg_walk).
"""

import dataclasses
import math

from sqlalchemy import Select, func, select, text, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.util import find_tables

from app.models import Document, Recommendation
from app.services import counts, querying, search
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
        tree = querying.actor_tree_ids(session, f)
        single = len(tree) == 1
        kept = counts.for_actor(session, tree[0], f.status) if single else None
        if kept is not None:  # SQLite keeps this count (migration 0005)
            return kept
        linked = querying.actor_links(session, f).subquery()
        ids = linked.c.recommendation_id
        counted = func.count() if single else func.count(ids.distinct())
        return session.scalar(select(counted).select_from(linked)) or 0
    if f.q is not None and _only(f, "q") and session.get_bind().dialect.name == "sqlite":
        return (
            session.scalar(
                text("SELECT count(*) FROM recommendations_fts WHERE recommendations_fts MATCH :q"),
                {"q": search.fts5_match(session, search.parse(f.q))},
            )
            or 0
        )
    stmt = querying.filtered(session, f, func.count(Recommendation.id), join_documents=False)
    return session.scalar(stmt) or 0


def applies(session: Session, f: RecommendationFilter, matches: int) -> bool:
    """Whether a walk beats sorting for this page (on PostgreSQL, page_ids decides further)."""
    if session.get_bind().dialect.name not in ("sqlite", "postgresql") or matches < WALK_MIN:
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


def page_ids(
    session: Session,
    f: RecommendationFilter,
    *,
    limit: int,
    offset: int,
    matches: int | None = None,
) -> list[int]:
    """The ids of one newest-first page, in order (use when applies() says so).

    `matches` (the total) lets PostgreSQL sort instead when walking would cost more.
    """
    if session.get_bind().dialect.name == "postgresql":
        return _pg_page_ids(session, f, limit, offset, matches)
    if f.q is not None:
        return _search_walk(session, search.fts5_match(session, search.parse(f.q)), limit, offset)
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


# PostgreSQL. Measured at 200k rows: the walk costs 1.4-2.7 µs per row it reads, sorting
# 2.5-5.7 µs per match; walking pays when the rows it expects to read, need x rows / matches,
# are fewer than WALK_RATIO x matches.
WALK_RATIO = 2
# Matches can cluster in old documents (an actor active for two years, a word of one crisis),
# so the walk reads at most WALK_SLACK times the documents it expects to need (and WALK_SLACK
# more, as a few small documents can come first), then sorts: it never costs much more than
# sorting would have.
WALK_SLACK = 3
# Transaction-local: planned once per request with its real values (a generic plan does not
# know the search's selectivity and may read the full-text index once per document), and no
# JIT (the walk's estimated cost over every document is high; compiling took 126 ms).
_PG_SETUP = text(
    "SELECT set_config('plan_cache_mode', 'force_custom_plan', true),"
    " set_config('jit', 'off', true),"
    " (SELECT count(*) FROM documents), (SELECT max(id) FROM recommendations)"
)


def _pg_page_ids(
    session: Session, f: RecommendationFilter, limit: int, offset: int, matches: int | None
) -> list[int]:
    need = offset + limit
    _, _, documents, rows = session.execute(_PG_SETUP).one()
    if matches and need * (rows or 0) > WALK_RATIO * matches * matches:
        return _sorted_ids(session, f, limit, offset)
    budget = _budget(need, documents, matches)
    found = list(session.scalars(_pg_walk(session, f, need, budget)))
    if len(found) < need and budget is not None:
        return _sorted_ids(session, f, limit, offset)  # the budget ran out: matches are older
    return found[offset:need]


def _budget(need: int, documents: int, matches: int | None) -> int | None:
    """How many documents (and their date's ties) the walk may read; None: all of them."""
    if not matches:
        return None
    budget = math.ceil(WALK_SLACK * need * documents / matches) + WALK_SLACK
    return None if budget >= documents else budget


def _pg_walk(session: Session, f: RecommendationFilter, need: int, budget: int | None) -> Select:
    """The first `need` ids newest first, reading documents by date, each one's rows by id.

    The documents come sorted (a subquery, so the planner cannot reorder the join); for each,
    a LATERAL reads its recommendations in (document_id, id) order and stops after `need`
    matches; the outer sort only orders rows within a date (Incremental Sort: documents of one
    date sort by id together, as the list sorts them) and stops once the page is full.
    WITH TIES keeps every document of the budget's last date. The per-document plan needs
    statistics: on tables never analyzed the planner read the whole full-text index (or the
    actor's whole link range) once per document, 20-40 ms instead of 0.2-0.9.
    """
    on_documents, on_items = [], []
    for clause in querying.conditions(session, f, correlated=True):
        (on_documents if _reads_documents(clause) else on_items).append(clause)
    docs = (
        select(Document.id, Document.published_on)
        .where(*on_documents)
        .order_by(Document.published_on.desc().nulls_last())
    )
    if budget is not None:
        docs = docs.fetch(budget, with_ties=True)
    docs = docs.subquery("d")
    items = select(Recommendation.id).where(Recommendation.document_id == docs.c.id, *on_items)
    if f.q is not None:
        items = search.apply(session, items, search.parse(f.q))
    items = items.order_by(Recommendation.id).limit(need).lateral("r")
    return (
        select(items.c.id)
        .select_from(docs.join(items, true()))
        .order_by(docs.c.published_on.desc().nulls_last(), items.c.id)
        .limit(need)
    )


def _reads_documents(clause) -> bool:
    tables = set(find_tables(clause, check_columns=True))
    if Document.__table__ in tables and len(tables) > 1:
        # It fits neither side of the LATERAL; no filter in _WALKABLE has one.
        raise ValueError("a walk cannot place a condition over documents and other tables")
    return Document.__table__ in tables


def _sorted_ids(session: Session, f: RecommendationFilter, limit: int, offset: int) -> list[int]:
    """The page as the plain sorted query finds it."""
    stmt = querying.filtered(session, f, Recommendation.id).order_by(*querying.order_by(f, session))
    return list(session.scalars(stmt.limit(limit).offset(offset)))
