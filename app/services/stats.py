"""Aggregates over the filtered recommendations: counts per group and status, and a timeline."""

import calendar
import enum
from dataclasses import dataclass
from datetime import date

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    case,
    cast,
    extract,
    func,
    literal,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import Session

from app.errors import invalid
from app.models import Actor, Document, Recommendation, Status, StatusChange, recommendation_actors
from app.services import counts as counts_service
from app.services import querying
from app.services.querying import RecommendationFilter
from app.services.status import LATEST_FIRST, today


class GroupBy(enum.StrEnum):
    status = "status"
    actor = "actor"
    document = "document"
    publisher = "publisher"
    doc_type = "doc_type"
    theme = "theme"
    year = "year"


class Interval(enum.StrEnum):
    month = "month"
    quarter = "quarter"
    year = "year"


MAX_PERIODS = 600
# The shares count these as done; their denominator is the assessed recommendations.
DONE = (Status.implemented,)
DONE_OR_PARTLY = (Status.implemented, Status.partially_implemented)


def _status_sums(status: ColumnElement) -> list[ColumnElement]:
    return [func.coalesce(func.sum(case((status == s.value, 1), else_=0)), 0) for s in Status]


def _share(counts: dict[str, int], done: tuple[Status, ...]) -> float | None:
    assessed = sum(counts.values()) - counts[Status.unassessed]
    return round(sum(counts[s] for s in done) / assessed, 4) if assessed else None


def summary(total: int, counts: dict[str, int]) -> dict:
    """A group's total, its count per status (zeros included) and its implemented shares."""
    return {
        "total": total,
        "assessed": total - counts[Status.unassessed],
        "counts": counts,
        "implemented_share": _share(counts, DONE),
        "implemented_or_partial_share": _share(counts, DONE_OR_PARTLY),
    }


def _counts(values) -> dict[str, int]:
    return {s.value: int(v) for s, v in zip(Status, values, strict=True)}


def _year(column: ColumnElement) -> ColumnElement:
    return cast(extract("year", column), Integer)


# by -> (key columns, ORDER BY that makes the rows' order stable and useful)
def _plain_keys(by: GroupBy) -> list[ColumnElement]:
    return {
        GroupBy.document: [Document.id, Document.slug, Document.title, Document.published_on],
        GroupBy.publisher: [Document.publisher],
        GroupBy.doc_type: [Document.doc_type],
        GroupBy.theme: [Recommendation.theme],
        GroupBy.year: [_year(Document.published_on)],
    }[by]


def _top_ancestors():
    """A recursive CTE of (actor_id, top_id): every actor with its top-level ancestor."""
    tops = (
        select(Actor.id.label("actor_id"), Actor.id.label("top_id"))
        .where(Actor.parent_id.is_(None))
        .cte("actor_tops", recursive=True)
    )
    return tops.union_all(select(Actor.id, tops.c.top_id).where(Actor.parent_id == tops.c.actor_id))


def _actor_rows(session: Session, base, rollup: bool) -> list[dict]:
    link = recommendation_actors
    if rollup:
        tops = _top_ancestors()
        key = tops.c.top_id
        joined = base.outerjoin(link, link.c.recommendation_id == base.c.rec_id).outerjoin(
            tops, tops.c.actor_id == link.c.actor_id
        )
    else:
        key = link.c.actor_id
        joined = base.outerjoin(link, link.c.recommendation_id == base.c.rec_id)
    # One row per (recommendation, group): a recommendation counts once under each group.
    pairs = (
        select(base.c.rec_id, base.c.status, key.label("actor_id"))
        .select_from(joined)
        .distinct()
        .subquery()
    )
    stmt = (
        select(pairs.c.actor_id, Actor.name, func.count(), *_status_sums(pairs.c.status))
        .select_from(pairs)
        .outerjoin(Actor, Actor.id == pairs.c.actor_id)
        .group_by(pairs.c.actor_id, Actor.name)
        .order_by(func.count().desc(), Actor.name.asc().nulls_last())
    )
    return [
        {"key": {"id": r[0], "name": r[1]} if r[0] is not None else None}
        | summary(r[2], _counts(r[3:]))
        for r in session.execute(stmt)
    ]


def _pivot(rows) -> dict:
    """{key: {status: n}} from (key, status, n) rows, every status present."""
    found: dict = {}
    for key, status, n in rows:
        found.setdefault(key, {s.value: 0 for s in Status})[status] = int(n)
    return found


# The recommendations that name no actor, per status (PostgreSQL; SQLite keeps this count).
_UNLINKED = """
SELECT 0, status, count(*) FROM recommendations r
WHERE NOT EXISTS (SELECT 1 FROM recommendation_actors ra WHERE ra.recommendation_id = r.id)
GROUP BY status
"""


def _all_actor_rows(session: Session, kept: tuple[dict, dict] | None) -> list[dict]:
    """_actor_rows over every recommendation, without a pass over each recommendation.

    SQLite reads the counts its triggers keep (migration 0005); PostgreSQL counts one pass
    over the (actor_id, status, recommendation_id) index with the links' copy of the status
    (0004). Recommendations without an actor make the null row. `kept` is what
    counts.by_status() gave the caller.
    """
    link = recommendation_actors
    names = dict(session.execute(select(Actor.id, Actor.name)).all())
    per_actor = counts_service.by_actor(session)
    if per_actor is not None and kept is not None:
        unlinked = kept[1]
        nobody = {0: unlinked} if any(unlinked.values()) else {}
    else:
        per_actor = _pivot(
            session.execute(
                select(link.c.actor_id, link.c.status, func.count()).group_by(
                    link.c.actor_id, link.c.status
                )
            )
        )
        nobody = _pivot(session.execute(text(_UNLINKED)))
    rows = [
        {"key": {"id": actor_id, "name": names[actor_id]}} | summary(sum(c.values()), c)
        for actor_id, c in per_actor.items()
    ]
    if nobody:
        rows.append({"key": None} | summary(sum(nobody[0].values()), nobody[0]))
    rows.sort(key=lambda r: (-r["total"], r["key"] is None, r["key"] and r["key"]["name"]))
    return rows


def group_rows(
    session: Session, f: RecommendationFilter, by: GroupBy, *, rollup: bool = False
) -> dict:
    """Counts per group and status over the filtered recommendations, in SQL (GROUP BY)."""
    if rollup and by != GroupBy.actor:
        raise invalid("rollup", "only applies to by=actor")
    status = querying.status_column(f).label("status")
    keys = [] if by in (GroupBy.status, GroupBy.actor) else _plain_keys(by)
    labelled = [k.label(f"k{i}") for i, k in enumerate(keys)]
    # Grouping by a document column needs the join; counting alone does not.
    base = querying.filtered(
        session,
        f,
        Recommendation.id.label("rec_id"),
        status,
        *labelled,
        join_documents=bool(keys) and by != GroupBy.theme,
    ).subquery()
    everything = f == RecommendationFilter(sort=f.sort)
    kept = counts_service.by_status(session) if everything else None
    if kept is not None:
        by_status = kept[0]
    else:
        # Counted per status by GROUP BY, then pivoted: cheaper than a CASE per row.
        by_status = _pivot(
            session.execute(select(literal(0), base.c.status, func.count()).group_by(base.c.status))
        ).get(0, {s.value: 0 for s in Status})
    overall = (sum(by_status.values()), *(by_status[s.value] for s in Status))
    result = {"by": by.value, "rollup": rollup, "total": overall[0]}
    result |= {"counts": _counts(overall[1:])}
    if by == GroupBy.status:
        # Every status is a row, in lifecycle order, so charts keep their colours and places.
        result["rows"] = [
            {"key": s.value} | summary(n, {t.value: n if t == s else 0 for t in Status})
            for s, n in zip(Status, overall[1:], strict=True)
        ]
        return result
    if by == GroupBy.actor:
        if not rollup and everything:
            result["rows"] = _all_actor_rows(session, kept)
        else:
            result["rows"] = _actor_rows(session, base, rollup)
        return result
    columns = [base.c[f"k{i}"] for i in range(len(keys))]
    if by == GroupBy.document:
        order = [columns[3].asc().nulls_last(), columns[0].asc()]
    elif by == GroupBy.year:
        order = [columns[0].asc().nulls_last()]
    else:
        order = [func.count().desc(), columns[0].asc().nulls_last()]
    stmt = (
        select(*columns, func.count(), *_status_sums(base.c.status))
        .group_by(*columns)
        .order_by(*order)
    )
    rows = []
    for r in session.execute(stmt):
        if by == GroupBy.document:
            key = {"id": r[0], "slug": r[1], "title": r[2], "published_on": r[3]}
        else:
            key = r[0]
        n = len(columns)
        rows.append({"key": key} | summary(r[n], _counts(r[n + 1 :])))
    result["rows"] = rows
    return result


# Periods are numbered: a date's bucket is year, year*4+quarter or year*12+month (0-based).
def _bucket_sql(interval: Interval, column: ColumnElement) -> ColumnElement:
    year = _year(column)
    if interval == Interval.year:
        return year
    month = cast(extract("month", column), Integer) - 1
    if interval == Interval.quarter:
        return year * 4 + month // 3
    return year * 12 + month


def bucket(interval: Interval, day: date) -> int:
    """The number of the period that contains the day."""
    if interval == Interval.year:
        return day.year
    if interval == Interval.quarter:
        return day.year * 4 + (day.month - 1) // 3
    return day.year * 12 + day.month - 1


@dataclass(frozen=True)
class Period:
    label: str
    start: date
    end: date


def period(interval: Interval, number: int) -> Period:
    """The label and first and last days of a numbered period."""
    if interval == Interval.year:
        return Period(str(number), date(number, 1, 1), date(number, 12, 31))
    if interval == Interval.quarter:
        year, quarter = divmod(number, 4)
        first, last = quarter * 3 + 1, quarter * 3 + 3
        end = date(year, last, calendar.monthrange(year, last)[1])
        return Period(f"{year}-Q{quarter + 1}", date(year, first, 1), end)
    year, month = divmod(number, 12)
    end = date(year, month + 1, calendar.monthrange(year, month + 1)[1])
    return Period(f"{year}-{month + 1:02d}", date(year, month + 1, 1), end)


# The bucket of a recommendation whose document has no date: before every real period.
_ALWAYS = -1


def _status_deltas(session: Session, f: RecommendationFilter, interval: Interval, end: date):
    """(bucket, status, delta) rows: how many entered or left each status in each period.

    Each recommendation enters as unassessed in its document's period; in each later period
    with changes, it leaves the status it had and enters the one its last change there gives.
    """
    published = _bucket_sql(interval, Document.published_on)
    recs = querying.filtered(
        session,
        f,
        Recommendation.id.label("rec_id"),
        func.coalesce(published, _ALWAYS).label("b0"),
    ).subquery()
    changed = _bucket_sql(interval, StatusChange.as_of)
    # A change dated before publication takes effect when the recommendation appears.
    effective = case((changed > recs.c.b0, changed), else_=recs.c.b0)
    ranked = (
        select(
            recs.c.rec_id,
            effective.label("bucket"),
            StatusChange.status,
            func.row_number()
            .over(partition_by=(recs.c.rec_id, effective), order_by=LATEST_FIRST)
            .label("rn"),
        )
        .join(recs, recs.c.rec_id == StatusChange.recommendation_id)
        .where(StatusChange.as_of <= end)
        .subquery()
    )
    before = func.lag(ranked.c.status).over(partition_by=ranked.c.rec_id, order_by=ranked.c.bucket)
    moves = (
        select(
            ranked.c.bucket,
            ranked.c.status,
            func.coalesce(before, Status.unassessed.value).label("previous"),
        )
        .where(ranked.c.rn == 1)
        .subquery()
    )
    unassessed = cast(literal(Status.unassessed.value), String(32))
    events = union_all(
        select(recs.c.b0.label("bucket"), unassessed.label("status"), literal(1).label("delta")),
        select(moves.c.bucket, cast(moves.c.status, String(32)), literal(1)),
        select(moves.c.bucket, cast(moves.c.previous, String(32)), literal(-1)),
    ).subquery()
    stmt = (
        select(events.c.bucket, events.c.status, func.sum(events.c.delta))
        .group_by(events.c.bucket, events.c.status)
        .order_by(events.c.bucket)
    )
    return session.execute(stmt).all()


def timeline(
    session: Session,
    f: RecommendationFilter,
    interval: Interval,
    *,
    start: date | None = None,
    end: date | None = None,
) -> dict:
    """For each period, how many recommendations stood in each status on its last day."""
    end = end or f.as_of or today()
    if start is not None and start > end:
        raise invalid("start", f"is after the timeline's end ({end})")
    deltas = _status_deltas(session, f, interval, end)
    first = bucket(interval, start) if start is not None else None
    if first is None:
        dated = [b for b, _, _ in deltas if b != _ALWAYS]
        first = min(dated) if dated else (bucket(interval, end) if deltas else None)
    last = bucket(interval, end)
    result = {"interval": interval.value, "periods": []}
    if first is None or first > last:
        return result
    if last - first + 1 > MAX_PERIODS:
        raise invalid(
            "interval",
            f"{last - first + 1} periods from {period(interval, first).start} to {end}; "
            f"the most is {MAX_PERIODS}: use a longer interval or a later start",
        )
    running = {s.value: 0 for s in Status}
    pending = iter(deltas)
    row = next(pending, None)
    for number in range(first, last + 1):
        while row is not None and row[0] <= number:
            running[row[1]] += int(row[2])
            row = next(pending, None)
        p = period(interval, number)
        counts = dict(running)
        entry = {"period": p.label, "start": p.start, "end": p.end}
        result["periods"].append(entry | summary(sum(counts.values()), counts))
    return result
