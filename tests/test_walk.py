"""Newest-first pages read by walking documents give the same rows as sorting every match."""

import pytest

from app.services import walk
from tests.factories import make_actor, make_document, make_recommendation
from tests.test_stats import record


@pytest.fixture
def spread(client):
    """Three dated documents and an undated one, items for two actors in every status."""
    un = make_actor(client, name="United Nations", kind="international_organization")
    mission = make_actor(client, name="The Mission", kind="un_entity", parent_id=un["id"])
    mali = make_actor(client, name="Mali", kind="state")
    dates = ["2014-01-10", "2019-05-01", "2019-05-01", None]
    for n, published_on in enumerate(dates):
        document = make_document(client, title=f"Walk {n}", published_on=published_on)
        for i in range(6):
            actors = [[un["id"]], [mission["id"]], [mali["id"]], [un["id"], mali["id"]]][i % 4]
            text = "Hold a ceasefire now." if i % 2 else "Open the roads."
            rec = make_recommendation(client, document, text=text, actor_ids=actors)
            if i % 3:
                record(client, rec["id"], "in_progress", "2020-01-01")


def ids(client, **params) -> list[int]:
    body = client.get("/api/v1/recommendations", params={"limit": 7, **params}).json()
    return [item["id"] for item in body["items"]] + [body["total"]]


@pytest.mark.parametrize(
    "params",
    [
        {"actor": "United Nations", "status": "in_progress", "sort": "-published_on"},
        {"actor": "Mali", "sort": "-published_on", "offset": 5},
        {"q": "ceasefire", "sort": "-published_on"},
        {"q": "ceasefire", "sort": "-published_on", "offset": 9},
        {"status": "unassessed", "kind": "list", "sort": "-published_on,id"},
    ],
)
def test_walk_gives_the_sorted_page(client, spread, monkeypatch, params):
    sorted_page = ids(client, **params)
    monkeypatch.setattr(walk, "WALK_MIN", 0)
    walked = []
    page_ids = walk.page_ids
    monkeypatch.setattr(walk, "page_ids", lambda *a, **k: walked.append(1) or page_ids(*a, **k))
    assert ids(client, **params) == sorted_page
    # The walk is SQLite's plan; PostgreSQL keeps sorting.
    assert bool(walked) == client.app.state.settings.database_url.startswith("sqlite")
