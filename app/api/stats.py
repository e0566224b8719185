"""/api/v1/stats: counts per group and status, and the status timeline."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from app.api.recommendations import FilterDep
from app.db import SessionDep
from app.schemas import StatsResponse, TimelineResponse
from app.services import stats
from app.services.stats import GroupBy, Interval

router = APIRouter(prefix="/stats", tags=["stats"])

SHARES = (
    " `implemented_share` is implemented / assessed and `implemented_or_partial_share` is"
    " (implemented + partially_implemented) / assessed, where assessed = total - unassessed"
    " (null when nothing in the group is assessed): an unassessed recommendation is unknown,"
    " not a failure."
)


@router.get(
    "",
    response_model=StatsResponse,
    description="Counts of the recommendations that match the list filters, one row per group:"
    " `total`, `counts` per status (all seven, zeros included) and the implemented shares."
    " With `as_of`, each status is the one in force on that date." + SHARES + " `by=actor`"
    " counts a recommendation under each of its actors (so rows can add up to more than"
    " `total`); with `rollup=true` under each top-level ancestor of its actors, once per"
    " ancestor. `by=year` is the document's publication year. Recommendations with no actor,"
    " theme or date fall in a row whose key is null. Rows come in lifecycle order (status),"
    " time order (document, year), or largest first, then by name.",
)
def get_stats(
    session: SessionDep,
    f: FilterDep,
    by: Annotated[GroupBy, Query(description="What to group by.")] = GroupBy.status,
    rollup: Annotated[
        bool, Query(description="With by=actor: count sub-actors under their top-level actor.")
    ] = False,
) -> dict:
    return stats.group_rows(session, f, by, rollup=rollup)


@router.get(
    "/timeline",
    response_model=TimelineResponse,
    description="For each period, how many of the matching recommendations stood in each"
    " status on its last day, from the status history (the latest change by as_of, then"
    " recorded_at; unassessed before any). A recommendation counts from the period its"
    " document was published in (undated documents: always), with the status its latest change"
    " up to then gives. Periods run from the first one in which a matching recommendation"
    " counts (or `start`) to today (or `end`, or the filter's `as_of`);"
    f" at most {stats.MAX_PERIODS} of them." + SHARES,
)
def get_timeline(
    session: SessionDep,
    f: FilterDep,
    interval: Annotated[Interval, Query(description="Length of a period.")] = Interval.year,
    start: Annotated[date | None, Query(description="First period: the one with this day.")] = None,
    end: Annotated[date | None, Query(description="Last period: the one with this day.")] = None,
) -> dict:
    return stats.timeline(session, f, interval, start=start, end=end)
