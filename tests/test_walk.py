"""Newest-first pages read by walking documents give the same rows as sorting every match."""

import pytest

from app.models import DocType, Status
from app.services import walk
from app.services.querying import RecommendationFilter
from tests.factories import make_actor, make_document, make_recommendation
from tests.test_stats import record


@pytest.fixture
def spread(client):
    """Five documents, two of one date and one undated, items for two actors in every status.

    Items are created one per document in turn, so the ids of the two documents of one date
    interleave: a page must mix them by id, not read one document after the other. The newest
    document is alone on its date: a first page may come from it alone.
    """
    un = make_actor(client, name="United Nations", kind="international_organization")
    mission = make_actor(client, name="The Mission", kind="un_entity", parent_id=un["id"])
    mali = make_actor(client, name="Mali", kind="state")
    dates = ["2014-01-10", "2019-05-01", None, "2019-05-01", "2021-03-01"]
    documents = [
        make_document(
            client,
            title=f"Walk {n}",
            published_on=published_on,
            doc_type="report" if n % 2 else "briefing",
        )
        for n, published_on in enumerate(dates)
    ]
    for i in range(6):
        for document in documents:
            actors = [[un["id"]], [mission["id"]], [mali["id"]], [un["id"], mali["id"]]][i % 4]
            text = "Hold a ceasefire now." if i % 2 else "Open the roads."
            rec = make_recommendation(client, document, text=text, actor_ids=actors)
            if i % 3:
                record(client, rec["id"], "in_progress", "2020-01-01")


def ids(client, **params) -> list[int]:
    body = client.get("/api/v1/recommendations", params={"limit": 7, **params}).json()
    return [item["id"] for item in body["items"]] + [body["total"]]


def is_sqlite(client) -> bool:
    return client.app.state.settings.database_url.startswith("sqlite")


@pytest.mark.parametrize(
    "params",
    [
        {"actor": "United Nations", "status": "in_progress", "sort": "-published_on"},
        {"actor": "Mali", "sort": "-published_on", "offset": 5},
        {"q": "ceasefire", "sort": "-published_on"},
        {"q": "ceasefire", "sort": "-published_on", "offset": 9},
        {"status": "unassessed", "kind": "list", "sort": "-published_on,id"},
        {"doc_type": "report", "actor": "Mali", "sort": "-published_on", "offset": 2},
    ],
)
def test_walk_gives_the_sorted_page(client, spread, monkeypatch, params):
    sorted_page = ids(client, **params)
    monkeypatch.setattr(walk, "WALK_MIN", 0)
    walked = []
    page_ids = walk.page_ids
    monkeypatch.setattr(walk, "page_ids", lambda *a, **k: walked.append(1) or page_ids(*a, **k))
    assert ids(client, **params) == sorted_page
    assert walked  # SQLite's walk, or PostgreSQL's LATERAL one


FILTERS = {
    "search": RecommendationFilter(q="ceasefire", sort=["-published_on"]),
    "actor": RecommendationFilter(
        actor=["United Nations"], status=[Status.in_progress], sort=["-published_on"]
    ),
    "report": RecommendationFilter(doc_type=[DocType.report], sort=["-published_on", "id"]),
}


def everything(client, f: RecommendationFilter) -> list[int]:
    """Every match, in the plain sorted query's order (too few matches to walk)."""
    params = {"sort": ",".join(f.sort), "limit": 100}
    params |= {"q": f.q} if f.q else {}
    params |= {"actor": f.actor, "status": [s.value for s in f.status], "doc_type": f.doc_type}
    return ids(client, **params)[:-1]


@pytest.mark.parametrize("name", sorted(FILTERS))
@pytest.mark.parametrize("budget", [None, 1, 2, 3])
def test_every_page_of_a_bounded_walk_is_the_sorted_page(client, spread, monkeypatch, name, budget):
    """Every offset, with the walk allowed all documents or only the newest (plus ties).

    A budget of two documents reads three (WITH TIES: both documents of the second date); a
    walk whose budget runs out before the page is full falls back to sorting (PostgreSQL).
    """
    f = FILTERS[name]
    expected = everything(client, f)
    assert len(expected) >= 6
    monkeypatch.setattr(walk, "_budget", lambda *a: budget)
    monkeypatch.setattr(walk, "WALK_RATIO", float("inf"))  # never sort for the page's depth
    sorts = []
    sorted_ids = walk._sorted_ids
    monkeypatch.setattr(walk, "_sorted_ids", lambda *a: sorts.append(1) or sorted_ids(*a))
    pages = 0
    with client.app.state.sessionmaker() as session:
        for limit in (2, 7):
            for offset in range(len(expected) + 1):
                page = walk.page_ids(session, f, limit=limit, offset=offset, matches=len(expected))
                assert page == expected[offset : offset + limit], (limit, offset)
                pages += 1
    if not is_sqlite(client):
        # Without a budget the walk answers every page; with one, the walk answers the first
        # pages and sorting the pages past the budget.
        assert 0 < len(sorts) < pages if budget else not sorts


def test_postgres_sorts_when_a_walk_would_read_more(client, spread, monkeypatch):
    f = FILTERS["search"]
    expected = everything(client, f)
    monkeypatch.setattr(walk, "WALK_RATIO", 0)
    sorts = []
    sorted_ids = walk._sorted_ids
    monkeypatch.setattr(walk, "_sorted_ids", lambda *a: sorts.append(1) or sorted_ids(*a))
    with client.app.state.sessionmaker() as session:
        page = walk.page_ids(session, f, limit=3, offset=1, matches=len(expected))
    assert page == expected[1:4]
    assert bool(sorts) != is_sqlite(client)
