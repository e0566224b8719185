"""Status history: recording, the evidence rule, back-dated changes, history and as_of queries."""

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.factories import make_document, make_recommendation


def record(client, rec_id: int, status: str, as_of: str | None = None, **fields):
    body = {"status": status, **fields}
    if as_of is not None:
        body["as_of"] = as_of
    return client.post(f"/api/v1/recommendations/{rec_id}/status", json=body)


def recorded(client, rec_id: int, status: str, as_of: str | None = None, **fields) -> dict:
    response = record(client, rec_id, status, as_of, **fields)
    assert response.status_code == 201, response.text
    return response.json()


def history(client, rec_id: int) -> list[tuple[str, str, str]]:
    items = client.get(f"/api/v1/recommendations/{rec_id}/history").json()["items"]
    return [(c["as_of"], c["previous_status"], c["status"]) for c in items]


def test_recording_a_status_appends_and_updates_the_recommendation(client):
    rec = make_recommendation(client)
    response = record(
        client,
        rec["id"],
        "in_progress",
        "2015-03-01",
        note="Talks opened in Algiers.",
        evidence_url="https://example.org/algiers",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["previous_status"] == "unassessed"
    assert body["status"] == "in_progress"
    assert body["as_of"] == "2015-03-01"
    assert body["note"] == "Talks opened in Algiers."
    assert body["evidence_url"] == "https://example.org/algiers"
    assert body["recorded_by"].startswith("admin-")
    assert body["recommendation"] == {
        "id": rec["id"],
        "status": "in_progress",
        "status_as_of": "2015-03-01",
        "version": rec["version"] + 1,
    }
    assert response.headers["etag"] == f'"{rec["version"] + 1}"'
    assert response.headers["location"] == f"/api/v1/status-changes/{body['id']}"
    again = client.get(f"/api/v1/recommendations/{rec['id']}").json()
    assert (again["status"], again["status_as_of"], again["version"]) == (
        "in_progress",
        "2015-03-01",
        rec["version"] + 1,
    )
    assert again["updated_at"] > rec["updated_at"]
    one = client.get(response.headers["location"]).json()
    assert one == {k: v for k, v in body.items() if k != "recommendation"}


def test_as_of_defaults_to_today_in_utc(client):
    rec = make_recommendation(client)
    before = datetime.now(UTC).date()
    body = recorded(client, rec["id"], "not_started")
    assert body["as_of"] in {str(before), str(datetime.now(UTC).date())}  # midnight-proof


def test_as_of_in_the_future_is_refused(client):
    rec = make_recommendation(client)
    tomorrow = datetime.now(UTC).date() + timedelta(days=2)
    response = record(client, rec["id"], "in_progress", str(tomorrow))
    assert response.status_code == 422
    problem = response.json()
    assert problem["errors"][0]["loc"] == ["body", "as_of"]
    assert "future" in problem["detail"]
    assert history(client, rec["id"]) == []


@pytest.mark.parametrize("closing", ["implemented", "not_implemented", "superseded"])
def test_a_closing_status_needs_a_note_or_evidence(client, closing):
    rec = make_recommendation(client)
    refused = record(client, rec["id"], closing, "2016-01-01")
    assert refused.status_code == 422
    problem = refused.json()
    assert f"A change to {closing} closes the recommendation" in problem["detail"]
    assert "note or an evidence_url" in problem["detail"]
    assert {tuple(e["loc"]) for e in problem["errors"]} == {
        ("body", "note"),
        ("body", "evidence_url"),
    }
    assert history(client, rec["id"]) == []
    assert client.get(f"/api/v1/recommendations/{rec['id']}").json()["version"] == rec["version"]
    # Either reason is enough.
    recorded(client, rec["id"], closing, "2016-01-01", note="Done, per the 2016 report.")
    recorded(client, rec["id"], closing, "2016-02-01", evidence_url="https://example.org/r")


def test_an_open_status_needs_no_reason(client):
    rec = make_recommendation(client)
    for status in ("not_started", "in_progress", "partially_implemented"):
        recorded(client, rec["id"], status, "2015-01-01")


@pytest.mark.parametrize(
    "body",
    [
        {"status": "unassessed"},
        {"status": "finished"},
        {"status": "in_progress", "evidence_url": "ftp://example.org/x"},
        {"status": "in_progress", "as_of": "2015-02-30"},
        {"status": "in_progress", "note": ""},
        {"status": "implemented", "note": "   "},
        {"status": "in_progress", "previous_status": "implemented"},
        {"as_of": "2015-01-01"},
    ],
)
def test_bad_status_bodies_are_422(client, body):
    rec = make_recommendation(client)
    response = client.post(f"/api/v1/recommendations/{rec['id']}/status", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert history(client, rec["id"]) == []


def test_status_of_a_missing_recommendation_is_404(client):
    assert record(client, 999, "in_progress").status_code == 404
    assert client.get("/api/v1/recommendations/999/history").status_code == 404
    assert record(client, 0, "in_progress").status_code == 422
    assert client.get("/api/v1/status-changes/999").status_code == 404


def test_a_back_dated_change_slots_into_the_timeline(client):
    rec = make_recommendation(client)
    recorded(client, rec["id"], "in_progress", "2016-05-01")
    # Learnt today about 2015: it is older news, so the current status stays.
    late = recorded(client, rec["id"], "not_started", "2015-01-01")
    assert late["previous_status"] == "unassessed"
    assert late["recommendation"]["status"] == "in_progress"
    assert late["recommendation"]["status_as_of"] == "2016-05-01"
    assert late["recommendation"]["version"] == rec["version"] + 2
    # In between: what was in force on 2015-06-01 was not_started.
    middle = recorded(client, rec["id"], "implemented", "2015-06-01", note="Law passed.")
    assert middle["previous_status"] == "not_started"
    assert middle["recommendation"]["status"] == "in_progress"
    assert history(client, rec["id"]) == [
        ("2015-01-01", "unassessed", "not_started"),
        ("2015-06-01", "not_started", "implemented"),
        ("2016-05-01", "unassessed", "in_progress"),
    ]
    # A later assessment takes over.
    recorded(client, rec["id"], "superseded", "2017-01-01", note="Replaced by the 2017 plan.")
    current = client.get(f"/api/v1/recommendations/{rec['id']}").json()
    assert (current["status"], current["status_as_of"]) == ("superseded", "2017-01-01")


def test_same_day_changes_are_ordered_by_when_they_were_recorded(client):
    rec = make_recommendation(client)
    recorded(client, rec["id"], "in_progress", "2016-01-01")
    correction = recorded(client, rec["id"], "not_started", "2016-01-01", note="Misread report.")
    assert correction["previous_status"] == "in_progress"
    assert correction["recommendation"]["status"] == "not_started"
    assert [s for _, _, s in history(client, rec["id"])] == ["in_progress", "not_started"]


def test_history_pages_oldest_first(client):
    rec = make_recommendation(client)
    for day in ("2015-03-01", "2015-01-01", "2015-02-01"):
        recorded(client, rec["id"], "in_progress", day)
    first = client.get(f"/api/v1/recommendations/{rec['id']}/history?limit=2")
    assert [c["as_of"] for c in first.json()["items"]] == ["2015-01-01", "2015-02-01"]
    assert first.json()["total"] == 3
    assert 'rel="next"' in first.headers["link"]
    rest = client.get(f"/api/v1/recommendations/{rec['id']}/history?limit=2&offset=2")
    assert [c["as_of"] for c in rest.json()["items"]] == ["2015-03-01"]


@pytest.fixture
def timeline(client) -> dict:
    """A (2014 doc) changes on 2015-03-01 and 2016-07-15, recorded in reverse; B (2014) never;
    C sits in a document published 2016-01-01; D in an undated one."""
    old = make_document(client, published_on="2014-01-10", slug="old")
    new = make_document(client, published_on="2016-01-01", slug="new")
    undated = make_document(client, published_on=None, slug="undated")
    a = make_recommendation(client, old)
    b = make_recommendation(client, old)
    c = make_recommendation(client, new)
    d = make_recommendation(client, undated)
    recorded(client, a["id"], "implemented", "2016-07-15", evidence_url="https://example.org/a")
    recorded(client, a["id"], "in_progress", "2015-03-01")
    recorded(client, c["id"], "partially_implemented", "2016-02-01")
    return {"A": a["id"], "B": b["id"], "C": c["id"], "D": d["id"]}


def listing(client, timeline: dict, query: str) -> dict[str, tuple[str, str | None]]:
    response = client.get(f"/api/v1/recommendations?{query}")
    assert response.status_code == 200, response.text
    names = {v: k for k, v in timeline.items()}
    return {names[i["id"]]: (i["status"], i["status_as_of"]) for i in response.json()["items"]}


UNASSESSED = ("unassessed", None)


@pytest.mark.parametrize(
    "day,want",
    [
        ("2015-02-28", {"A": UNASSESSED, "B": UNASSESSED, "D": UNASSESSED}),
        ("2015-03-01", {"A": ("in_progress", "2015-03-01"), "B": UNASSESSED, "D": UNASSESSED}),
        ("2015-12-31", {"A": ("in_progress", "2015-03-01"), "B": UNASSESSED, "D": UNASSESSED}),
        (
            "2016-01-01",
            {"A": ("in_progress", "2015-03-01"), "B": UNASSESSED, "C": UNASSESSED, "D": UNASSESSED},
        ),
        (
            "2016-02-01",
            {
                "A": ("in_progress", "2015-03-01"),
                "B": UNASSESSED,
                "C": ("partially_implemented", "2016-02-01"),
                "D": UNASSESSED,
            },
        ),
        (
            "2016-07-14",
            {
                "A": ("in_progress", "2015-03-01"),
                "B": UNASSESSED,
                "C": ("partially_implemented", "2016-02-01"),
                "D": UNASSESSED,
            },
        ),
        (
            "2016-07-15",
            {
                "A": ("implemented", "2016-07-15"),
                "B": UNASSESSED,
                "C": ("partially_implemented", "2016-02-01"),
                "D": UNASSESSED,
            },
        ),
    ],
)
def test_as_of_shows_the_status_on_that_day(client, timeline, day, want):
    assert listing(client, timeline, f"as_of={day}") == want


def test_as_of_in_the_future_is_the_current_state(client, timeline):
    current = listing(client, timeline, "")
    assert current["A"] == ("implemented", "2016-07-15")
    assert listing(client, timeline, f"as_of={date.today() + timedelta(days=400)}") == current


@pytest.mark.parametrize(
    "query,want",
    [
        ("as_of=2015-06-01&status=in_progress", {"A"}),
        ("as_of=2015-06-01&status=unassessed", {"B", "D"}),
        ("as_of=2015-06-01&status=implemented", set()),
        ("as_of=2016-07-15&status=in_progress", set()),
        ("as_of=2016-07-15&status=implemented&status=partially_implemented", {"A", "C"}),
        ("as_of=2016-07-15&status=unassessed&document=old", {"B"}),
        # Without as_of, status= is the current status.
        ("status=in_progress", set()),
        ("status=implemented", {"A"}),
    ],
)
def test_status_filter_uses_the_historical_status(client, timeline, query, want):
    assert set(listing(client, timeline, query)) == want
    total = client.get(f"/api/v1/recommendations?{query}").json()["total"]
    assert total == len(want)


def test_sorting_by_status_uses_the_historical_status(client, timeline):
    order = list(listing(client, timeline, "as_of=2016-02-01&sort=-status,id"))
    assert order == ["C", "A", "B", "D"]
    order = list(listing(client, timeline, "sort=-status,id"))
    assert order == ["A", "C", "B", "D"]


def test_as_of_must_be_a_date(client):
    response = client.get("/api/v1/recommendations?as_of=last-year")
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "as_of"]
