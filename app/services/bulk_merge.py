"""What a bulk load merges into rows that may be there already: status history, links.

Split from app/services/bulk.py, which inserts what is new.
"""

from datetime import UTC
from typing import TYPE_CHECKING

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from app.db import utcnow
from app.models import LinkState, Recommendation, RecommendationLink, StatusChange
from app.services.bulk_parse import _date, _latest, _time
from app.services.export import HISTORY_FIELDS

if TYPE_CHECKING:
    from app.services.bulk import Loader

_recs = Recommendation.__table__
_changes = StatusChange.__table__


def _typed(change: tuple) -> dict:
    """A prepared history tuple as the database reads it back: a date and an aware time.

    On SQLite the tuple holds the stored text (bulk_parse._prepare), elsewhere the values.
    """
    typed = dict(zip(HISTORY_FIELDS, change, strict=True))
    if isinstance(typed["as_of"], str):
        typed["as_of"] = _date(typed["as_of"])
    if isinstance(typed["recorded_at"], str):
        typed["recorded_at"] = _time(typed["recorded_at"]).replace(tzinfo=UTC)
    return typed


def merge_history(loader: "Loader", matched: list[tuple[int, dict]]) -> None:
    """Add the status changes a recommendation already there lacks; recompute its status."""
    wanted = {rec_id: line["_history"] for rec_id, line in matched if line["_history"]}
    if not wanted:
        return
    have: dict[int, list[dict]] = {rec_id: [] for rec_id in wanted}
    rows = loader.session.execute(
        select(_changes.c.recommendation_id, *(_changes.c[n] for n in HISTORY_FIELDS)).where(
            _changes.c.recommendation_id.in_(list(wanted))
        )
    )
    for rec_id, *values in rows:
        have[rec_id].append(dict(zip(HISTORY_FIELDS, values, strict=True)))
    for rec_id, history in wanted.items():
        seen = {(c["status"], c["as_of"], c["recorded_at"]) for c in have[rec_id]}
        new = []
        for c in map(_typed, history):
            if (c["status"], c["as_of"], c["recorded_at"]) not in seen:
                new.append(c | {"recommendation_id": rec_id})
        if not new:
            continue
        loader.session.execute(insert(_changes), new)
        latest = _latest(have[rec_id] + new)
        loader.session.execute(
            update(_recs)
            .where(_recs.c.id == rec_id)
            .values(
                status=latest["status"],
                status_as_of=latest["as_of"],
                version=_recs.c.version + len(new),
                updated_at=utcnow(),
            )
        )
        loader.report.status_changes += len(new)


def add_links(loader: "Loader") -> None:
    links = RecommendationLink.__table__
    rows = []
    for link in loader.links:
        low, high = loader.rec_ids.get(link["low_id"]), loader.rec_ids.get(link["high_id"])
        if low is None or high is None or low == high:
            loader.report.warnings.append(
                f"link {link['low_id']}-{link['high_id']}: recommendation not in the file"
            )
            continue
        low, high = min(low, high), max(low, high)
        rows.append(
            {
                "low_id": low,
                "high_id": high,
                "score": link.get("score"),
                "state": link.get("state") or "suggested",
                "reviewed_by": link.get("reviewed_by"),
                "reviewed_at": _time(link.get("reviewed_at")),
                "created_at": _time(link.get("created_at")) or utcnow(),
            }
        )
    if not rows:
        return
    dialect_insert = postgresql.insert if loader.dialect == "postgresql" else sqlite.insert
    stmt = dialect_insert(links)
    # A review in the file wins over a suggestion the matcher made here; nothing else changes.
    stmt = stmt.on_conflict_do_update(
        index_elements=[links.c.low_id, links.c.high_id],
        set_={n: stmt.excluded[n] for n in ("state", "reviewed_by", "reviewed_at")},
        where=(links.c.state == LinkState.suggested.value)
        & (stmt.excluded.state != LinkState.suggested.value),
    )
    before = _count_links(loader)
    loader.session.execute(stmt, rows)
    loader.report.links += _count_links(loader) - before


def _count_links(loader: "Loader") -> int:
    return loader.session.scalar(select(func.count()).select_from(RecommendationLink)) or 0
