"""Status history: record a change, read one timeline, and the feed of every change."""

from collections.abc import Callable
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.errors import NotFound, Unprocessable, invalid
from app.models import CLOSING_STATUSES, Recommendation, Status, StatusChange
from app.schemas import StatusChangeCreate
from app.services import querying
from app.services.querying import RecommendationFilter

# A recommendation's timeline order: when it was true, then when we learnt it.
TIMELINE = (StatusChange.as_of, StatusChange.recorded_at, StatusChange.id)
LATEST_FIRST = tuple(column.desc() for column in TIMELINE)


def today() -> date:
    """Today in UTC: the latest date an assessment may refer to."""
    return utcnow().date()


def _validated_as_of(data: StatusChangeCreate) -> date:
    now = today()
    as_of = data.as_of or now
    if as_of > now:
        raise invalid(
            "as_of",
            f"is in the future; an assessment refers to today ({now}, UTC) or earlier",
            location="body",
        )
    if data.status == Status.unassessed:
        raise invalid(
            "status",
            "'unassessed' means nobody has assessed it; record what you found, "
            "and put a correction's reason in the note",
            location="body",
        )
    if data.status in CLOSING_STATUSES and not (data.note or data.evidence_url):
        message = (
            f"a change to {data.status} closes the recommendation and needs a note or an "
            "evidence_url saying why"
        )
        raise Unprocessable(
            f"A change to {data.status} closes the recommendation, so it needs a note or an "
            "evidence_url saying why: a closed recommendation without a reason is worthless "
            "to the next analyst.",
            errors=[
                {"loc": ["body", name], "msg": message, "type": "value_error"}
                for name in ("note", "evidence_url")
            ],
        )
    return as_of


def lock_recommendation(session: Session, rec_id: int) -> Recommendation:
    """Load a recommendation and lock its row until commit (FOR UPDATE on PostgreSQL), or 404."""
    rec = session.scalar(
        select(Recommendation)
        .where(Recommendation.id == rec_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if rec is None:
        raise NotFound(f"No recommendation with id {rec_id}.")
    return rec


def _status_at(session: Session, rec_id: int, as_of: date) -> Status:
    found = session.scalar(
        select(StatusChange.status)
        .where(StatusChange.recommendation_id == rec_id, StatusChange.as_of <= as_of)
        .order_by(*LATEST_FIRST)
        .limit(1)
    )
    return found or Status.unassessed


def record(
    session: Session,
    rec_id: int,
    data: StatusChangeCreate,
    *,
    recorded_by: str,
    check: Callable[[Recommendation], None] | None = None,
) -> tuple[StatusChange, Recommendation]:
    """Append a change and recompute the current status; `check` sees the locked row first."""
    as_of = _validated_as_of(data)
    rec = lock_recommendation(session, rec_id)
    if check is not None:
        check(rec)
    change = StatusChange(
        recommendation_id=rec.id,
        previous_status=_status_at(session, rec.id, as_of),
        status=data.status,
        as_of=as_of,
        note=data.note,
        evidence_url=data.evidence_url,
        recorded_by=recorded_by,
        # Taken under the row lock, so recorded_at follows the order the writes commit in.
        recorded_at=utcnow(),
    )
    session.add(change)
    session.flush()
    latest = session.execute(
        select(StatusChange.status, StatusChange.as_of)
        .where(StatusChange.recommendation_id == rec.id)
        .order_by(*LATEST_FIRST)
        .limit(1)
    ).one()
    rec.status, rec.status_as_of = latest.status, latest.as_of
    # A back-dated change may leave the status as it was; the version still moves.
    rec.updated_at = utcnow()
    session.flush()
    return change, rec


def history(
    session: Session, rec_id: int, *, limit: int, offset: int
) -> tuple[list[StatusChange], int]:
    """One recommendation's timeline, oldest first, or 404."""
    if session.get(Recommendation, rec_id) is None:
        raise NotFound(f"No recommendation with id {rec_id}.")
    where = StatusChange.recommendation_id == rec_id
    total = session.scalar(select(func.count()).where(where)) or 0
    items = session.scalars(
        select(StatusChange).where(where).order_by(*TIMELINE).limit(limit).offset(offset)
    )
    return list(items), total


def get(session: Session, change_id: int) -> StatusChange:
    change = session.get(StatusChange, change_id)
    if change is None:
        raise NotFound(f"No status change with id {change_id}.")
    return change


def _feed_where(session: Session, f: RecommendationFilter) -> list:
    if not (f.actor or f.document):
        return []
    matching = querying.filtered(session, f, Recommendation.id)
    return [StatusChange.recommendation_id.in_(matching)]


def feed(
    session: Session, f: RecommendationFilter, *, since: int, limit: int
) -> tuple[list[StatusChange], int, int | None]:
    """Changes with id > since, oldest first; also the `since` of the page before, if any."""
    where = _feed_where(session, f)
    after = [*where, StatusChange.id > since]
    total = session.scalar(select(func.count(StatusChange.id)).where(*after)) or 0
    items = session.scalars(
        select(StatusChange).where(*after).order_by(StatusChange.id).limit(limit)
    )
    prev_since = None
    if since > 0:
        earlier = select(StatusChange.id).where(*where, StatusChange.id <= since)
        if session.scalar(earlier.limit(1)) is not None:
            prev_since = (
                session.scalar(earlier.order_by(StatusChange.id.desc()).offset(limit).limit(1)) or 0
            )
    return list(items), total, prev_since
