"""GET /api/v1/stats and /stats/timeline: counts per group and status, over the list filters."""

import pytest

from tests.factories import make_actor, make_document, make_recommendation

STATUSES = [
    "unassessed",
    "not_started",
    "in_progress",
    "partially_implemented",
    "implemented",
    "not_implemented",
    "superseded",
]


def counts(**given: int) -> dict[str, int]:
    return {s: given.get(s, 0) for s in STATUSES}


def record(client, rec_id: int, status: str, as_of: str) -> None:
    body = {"status": status, "as_of": as_of, "note": "seen in the press"}
    response = client.post(f"/api/v1/recommendations/{rec_id}/status", json=body)
    assert response.status_code == 201, response.text


def stats(client, **params) -> dict:
    response = client.get("/api/v1/stats", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def rows(body: dict) -> dict:
    """Rows by key (a dict key becomes its name or slug)."""
    out = {}
    for row in body["rows"]:
        key = row["key"]
        if isinstance(key, dict):
            key = key.get("name") or key["slug"]
        out[key] = row
    return out


def list_total(client, **params) -> int:
    return client.get("/api/v1/recommendations", params=params).json()["total"]


@pytest.fixture
def corpus(client):
    """Two publishers, three documents (one undated), actors UN > MINUSMA, and ECOWAS."""
    un = make_actor(client, name="United Nations", aliases=["UN"])
    minusma = make_actor(client, name="MINUSMA", parent_id=un["id"])
    ecowas = make_actor(client, name="ECOWAS")
    icg = make_document(
        client, title="Mali Reform", publisher="ICG", doc_type="report", published_on="2013-04-11"
    )
    sc = make_document(
        client,
        title="Council Report",
        publisher="Security Council Report",
        published_on="2015-06-01",
    )
    undated = make_document(client, title="Undated Note", publisher="ICG", published_on=None)
    r = {
        "a": make_recommendation(client, icg, actor_ids=[un["id"], minusma["id"]], theme="Peace"),
        "b": make_recommendation(client, icg, actor_ids=[minusma["id"]], theme="Peace"),
        "c": make_recommendation(client, icg, actor_ids=[ecowas["id"]], theme="Justice"),
        "d": make_recommendation(client, sc, actor_ids=[un["id"]]),
        "e": make_recommendation(client, sc),
        "f": make_recommendation(client, undated, actor_ids=[ecowas["id"]], theme="Peace"),
    }
    record(client, r["a"]["id"], "in_progress", "2014-01-15")
    record(client, r["a"]["id"], "implemented", "2016-02-01")
    record(client, r["b"]["id"], "partially_implemented", "2015-07-01")
    record(client, r["c"]["id"], "not_implemented", "2014-03-01")
    record(client, r["d"]["id"], "not_started", "2015-06-10")
    ids = {k: v["id"] for k, v in r.items()}
    return {"recs": ids, "docs": (icg, sc, undated), "actors": (un, minusma, ecowas)}


def test_by_status_has_every_status_in_lifecycle_order_with_shares(client, corpus):
    body = stats(client, by="status")
    assert body["by"] == "status" and body["total"] == 6
    assert [row["key"] for row in body["rows"]] == STATUSES
    expected = counts(
        unassessed=2, not_started=1, partially_implemented=1, implemented=1, not_implemented=1
    )
    assert body["counts"] == expected
    assert {row["key"]: row["total"] for row in body["rows"]} == expected
    implemented = rows(body)["implemented"]
    assert implemented["counts"] == counts(implemented=1)
    assert implemented["implemented_share"] == 1.0
    assert rows(body)["unassessed"]["implemented_share"] is None  # nothing assessed


def test_shares_are_over_assessed_recommendations(client, corpus):
    body = stats(client, by="publisher")
    icg = rows(body)["ICG"]
    # a implemented, b partially, c not implemented, f unassessed: 4 in all, 3 assessed.
    assert icg["total"] == 4 and icg["assessed"] == 3
    assert icg["counts"] == counts(
        implemented=1, partially_implemented=1, not_implemented=1, unassessed=1
    )
    assert icg["implemented_share"] == round(1 / 3, 4)
    assert icg["implemented_or_partial_share"] == round(2 / 3, 4)
    scr = rows(body)["Security Council Report"]
    assert scr["counts"] == counts(not_started=1, unassessed=1)
    assert (scr["implemented_share"], scr["implemented_or_partial_share"]) == (0.0, 0.0)
    assert [row["key"] for row in body["rows"]] == ["ICG", "Security Council Report"]


def test_by_actor_counts_a_recommendation_under_each_of_its_actors(client, corpus):
    body = stats(client, by="actor")
    assert body["total"] == 6
    by_actor = rows(body)
    assert {k: v["total"] for k, v in by_actor.items()} == {
        "MINUSMA": 2,
        "United Nations": 2,
        "ECOWAS": 2,
        None: 1,
    }
    un = corpus["actors"][0]
    assert by_actor["United Nations"]["key"] == {"id": un["id"], "name": "United Nations"}
    assert by_actor["MINUSMA"]["counts"] == counts(implemented=1, partially_implemented=1)
    assert by_actor[None]["counts"] == counts(unassessed=1)


def test_rollup_counts_once_per_top_level_ancestor(client, corpus):
    body = stats(client, by="actor", rollup="true")
    assert body["rollup"] is True
    by_actor = rows(body)
    # a (UN and MINUSMA) counts once under UN; b (MINUSMA) rolls up into UN; d is UN's own.
    assert {k: v["total"] for k, v in by_actor.items()} == {
        "United Nations": 3,
        "ECOWAS": 2,
        None: 1,
    }
    assert by_actor["United Nations"]["counts"] == counts(
        implemented=1, partially_implemented=1, not_started=1
    )
    assert by_actor["United Nations"]["implemented_or_partial_share"] == round(2 / 3, 4)


def test_rollup_reaches_the_top_through_several_levels(client):
    top = make_actor(client, name="African Union")
    middle = make_actor(client, name="AU Peace and Security Council", parent_id=top["id"])
    bottom = make_actor(client, name="AU Panel", parent_id=middle["id"])
    make_recommendation(client, actor_ids=[bottom["id"], middle["id"]])
    body = stats(client, by="actor", rollup="true")
    assert [(row["key"]["name"], row["total"]) for row in body["rows"]] == [("African Union", 1)]


@pytest.mark.parametrize(
    "by,expected",
    [
        ("document", {"mali-reform": 3, "council-report": 2, "undated-note": 1}),
        ("doc_type", {"briefing": 3, "report": 3}),  # ties by name
        ("theme", {"Peace": 3, None: 2, "Justice": 1}),
        ("year", {2013: 3, 2015: 2, None: 1}),
    ],
)
def test_group_keys_and_totals(client, corpus, by, expected):
    body = stats(client, by=by)
    assert {k: v["total"] for k, v in rows(body).items()} == expected
    assert list(rows(body)) == list(expected)  # documents and years in time order, undated last


def test_document_keys_carry_id_slug_and_title(client, corpus):
    icg = corpus["docs"][0]
    row = stats(client, by="document")["rows"][0]
    assert row["key"] == {
        "id": icg["id"],
        "slug": icg["slug"],
        "title": "Mali Reform",
        "published_on": "2013-04-11",
    }


@pytest.mark.parametrize("by", ["status", "actor", "document", "publisher", "doc_type", "theme"])
@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"publisher": "ICG"},
        {"actor": "UN"},
        {"status": ["implemented", "unassessed"]},
        {"theme": "Peace", "top_level": "true"},
        {"as_of": "2015-06-30"},
        {"as_of": "2014-12-31", "status": "not_implemented"},
    ],
)
def test_totals_equal_list_totals_for_the_same_filters(client, corpus, by, filters):
    body = stats(client, by=by, **filters)
    assert body["total"] == list_total(client, **filters)
    if by != "actor":
        assert sum(row["total"] for row in body["rows"]) == body["total"]


@pytest.mark.parametrize(
    "filters",
    [{}, {"actor": "MINUSMA"}, {"as_of": "2015-06-30"}, {"status": ["implemented", "in_progress"]}],
)
def test_counts_per_status_equal_list_totals(client, corpus, filters):
    body = stats(client, by="status", **filters)
    wanted = filters.get("status", STATUSES)
    for status in STATUSES:
        expected = list_total(client, **filters | {"status": status}) if status in wanted else 0
        assert body["counts"][status] == expected, status


def test_as_of_counts_the_status_in_force_and_leaves_out_later_documents(client, corpus):
    body = stats(client, by="status", as_of="2014-06-30")
    # Only the 2013 document and the undated one: a in progress, c not implemented.
    assert body["total"] == 4
    assert body["counts"] == counts(in_progress=1, not_implemented=1, unassessed=2)
    body = stats(client, by="actor", as_of="2016-01-31", rollup="true")
    assert rows(body)["United Nations"]["counts"] == counts(
        in_progress=1, partially_implemented=1, not_started=1
    )


def test_a_back_dated_change_moves_the_counts_of_that_date(client):
    rec = make_recommendation(client)
    record(client, rec["id"], "implemented", "2020-05-01")
    record(client, rec["id"], "in_progress", "2019-01-01")  # learnt later, true earlier
    assert stats(client, as_of="2019-06-01")["counts"] == counts(in_progress=1)
    assert stats(client, as_of="2020-06-01")["counts"] == counts(implemented=1)
    assert stats(client)["counts"] == counts(implemented=1)


def test_empty_database_gives_zero_rows_and_zero_counts(client):
    body = stats(client, by="actor")
    assert body == {"by": "actor", "rollup": False, "total": 0, "counts": counts(), "rows": []}
    assert [row["total"] for row in stats(client)["rows"]] == [0] * 7


@pytest.mark.parametrize(
    "params,field",
    [
        ({"by": "country"}, "by"),
        ({"by": "status", "rollup": "true"}, "rollup"),
        ({"by": "actor", "limit": "5"}, "limit"),
        ({"by": "actor", "actor": "Nobody"}, "actor"),
        ({"status": "finished"}, "status"),
    ],
)
def test_bad_parameters_are_422(client, params, field):
    response = client.get("/api/v1/stats", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["loc"][1] == field


def test_stats_are_open_to_readers(as_role, corpus):
    assert as_role("reader").get("/api/v1/stats", params={"by": "actor"}).status_code == 200
    assert as_role(None).get("/api/v1/stats/timeline").status_code == 200
