"""GET /api/v1/status-changes: every change, oldest first, for dashboards that sync."""

import pytest

from tests.factories import make_actor, make_document, make_recommendation


def link(response, rel: str) -> str | None:
    """The path and query of the Link header's `rel` target, or None."""
    for part in response.headers.get("link", "").split(","):
        if f'rel="{rel}"' in part:
            return part.split(">")[0].strip(" <").removeprefix("http://testserver")
    return None


@pytest.fixture
def changes(client) -> dict:
    """Seven changes over three recommendations, two documents and an actor tree."""
    un = make_actor(client, name="United Nations")
    minusma = make_actor(client, name="MINUSMA", parent_id=un["id"])
    mali = make_actor(client, name="Government of Mali")
    doc1 = make_document(client, slug="first")
    doc2 = make_document(client, slug="second")
    r1 = make_recommendation(client, doc1, actor_ids=[minusma["id"]])
    r2 = make_recommendation(client, doc1, actor_ids=[mali["id"]])
    r3 = make_recommendation(client, doc2, actor_ids=[un["id"], mali["id"]])
    ids = []
    for rec, status in [
        (r1, "not_started"),
        (r2, "in_progress"),
        (r3, "in_progress"),
        (r1, "in_progress"),
        (r2, "not_started"),
        (r3, "partially_implemented"),
        (r1, "partially_implemented"),
    ]:
        response = client.post(
            f"/api/v1/recommendations/{rec['id']}/status",
            json={"status": status, "as_of": "2015-01-01"},
        )
        assert response.status_code == 201, response.text
        ids.append((response.json()["id"], rec["id"]))
    return {"ids": ids, "r1": r1["id"], "r2": r2["id"], "r3": r3["id"]}


def test_the_feed_is_oldest_first_and_pages_by_since(client, changes):
    all_ids = [i for i, _ in changes["ids"]]
    first = client.get("/api/v1/status-changes?limit=3")
    assert first.status_code == 200
    body = first.json()
    assert [c["id"] for c in body["items"]] == all_ids[:3]
    assert (body["total"], body["limit"], body["offset"]) == (7, 3, 0)
    assert link(first, "prev") is None
    seen, url, pages = [], "/api/v1/status-changes?limit=3", 0
    while url:
        page = client.get(url)
        seen += [c["id"] for c in page.json()["items"]]
        url, pages = link(page, "next"), pages + 1
    assert seen == all_ids
    assert pages == 3
    # A dashboard that saw up to the 5th change asks for what came after.
    later = client.get(f"/api/v1/status-changes?since={all_ids[4]}").json()
    assert [c["id"] for c in later["items"]] == all_ids[5:]
    assert later["total"] == 2
    # Caught up: nothing new, no next link.
    done = client.get(f"/api/v1/status-changes?since={all_ids[-1]}")
    assert done.json()["items"] == [] and done.json()["total"] == 0
    assert link(done, "next") is None


def test_prev_link_goes_back_one_page(client, changes):
    all_ids = [i for i, _ in changes["ids"]]
    page = client.get(f"/api/v1/status-changes?since={all_ids[4]}&limit=2")
    back = client.get(link(page, "prev"))
    assert [c["id"] for c in back.json()["items"]] == all_ids[3:5]
    back_again = client.get(link(back, "prev"))
    assert [c["id"] for c in back_again.json()["items"]] == all_ids[1:3]
    first = client.get(link(back_again, "prev"))
    assert [c["id"] for c in first.json()["items"]] == all_ids[:2]


def test_a_new_change_shows_up_after_since(client, changes):
    last = changes["ids"][-1][0]
    response = client.post(
        f"/api/v1/recommendations/{changes['r2']}/status",
        json={"status": "implemented", "as_of": "2014-01-01", "note": "Back-dated."},
    )
    new = client.get(f"/api/v1/status-changes?since={last}").json()["items"]
    # Oldest first means by id (when recorded), whatever as_of says.
    assert [c["id"] for c in new] == [response.json()["id"]]
    assert new[0]["as_of"] == "2014-01-01"
    assert new[0]["previous_status"] == "unassessed"


@pytest.mark.parametrize(
    "query,recs",
    [
        ("document=first", {"r1", "r2"}),
        ("document=second", {"r3"}),
        ("actor=MINUSMA", {"r1"}),
        # An actor includes its sub-actors.
        ("actor=United Nations", {"r1", "r3"}),
        ("actor=Government of Mali", {"r2", "r3"}),
        ("actor=MINUSMA&actor=Government of Mali", {"r1", "r2", "r3"}),
        ("actor=Government of Mali&document=first", {"r2"}),
    ],
)
def test_the_feed_filters_by_actor_and_document(client, changes, query, recs):
    wanted = {changes[r] for r in recs}
    expected = [i for i, rec_id in changes["ids"] if rec_id in wanted]
    body = client.get(f"/api/v1/status-changes?{query}").json()
    assert [c["id"] for c in body["items"]] == expected
    assert body["total"] == len(expected)


def test_filtered_paging_follows_the_filter(client, changes):
    expected = [i for i, rec_id in changes["ids"] if rec_id == changes["r1"]]
    page = client.get("/api/v1/status-changes?document=first&actor=MINUSMA&limit=2")
    assert [c["id"] for c in page.json()["items"]] == expected[:2]
    rest = client.get(link(page, "next"))
    assert [c["id"] for c in rest.json()["items"]] == expected[2:]
    assert link(rest, "next") is None


@pytest.mark.parametrize(
    "query,field",
    [
        ("since=-1", "since"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("offset=10", "offset"),
        ("actor=Nobody", "actor"),
        ("document=no-such-doc", "document"),
    ],
)
def test_bad_feed_queries_are_422(client, query, field):
    response = client.get(f"/api/v1/status-changes?{query}")
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"][:2] == ["query", field]
