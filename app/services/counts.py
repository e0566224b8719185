"""Counts per status and per actor and status, read from the tables triggers keep (SQLite, 0005).

Each answer here is what a GROUP BY over every recommendation (or every actor link) would
give, read from a few rows instead of an index of a million entries. On PostgreSQL, which
has no such tables, every function returns None and the caller counts with SQL.
"""

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.models import Status


def kept(session: Session) -> bool:
    """Whether this database keeps the count tables (SQLite)."""
    return session.get_bind().dialect.name == "sqlite"


def _zeros() -> dict[str, int]:
    return {s.value: 0 for s in Status}


def by_status(session: Session) -> tuple[dict[str, int], dict[str, int]] | None:
    """({status: recommendations in it}, {status: those of them that name no actor}), every
    status present in both."""
    if not kept(session):
        return None
    totals, unlinked = _zeros(), _zeros()
    for status, total, none in session.execute(
        text("SELECT status, total, unlinked FROM status_counts")
    ):
        totals[status], unlinked[status] = total, none
    return totals, unlinked


def by_actor(session: Session) -> dict[int, dict[str, int]] | None:
    """{actor id: {status: recommendations naming it}}, for actors named at least once."""
    if not kept(session):
        return None
    found: dict[int, dict[str, int]] = {}
    rows = session.execute(text("SELECT actor_id, status, n FROM actor_status_counts WHERE n > 0"))
    for actor_id, status, n in rows:
        found.setdefault(actor_id, _zeros())[status] = n
    return found


def for_actor(session: Session, actor_id: int, statuses: list[str]) -> int | None:
    """How many recommendations name the actor, in any of the statuses (all when empty)."""
    if not kept(session):
        return None
    sql = "SELECT coalesce(sum(n), 0) FROM actor_status_counts WHERE actor_id = :a"
    if statuses:
        sql += " AND status IN (" + ", ".join(f":s{i}" for i in range(len(statuses))) + ")"
    args = {"a": actor_id} | {f"s{i}": s for i, s in enumerate(statuses)}
    return session.scalar(text(sql), args)
