"""Recommendations: CRUD, every filter alone and combined, sorting and paging."""

import pytest
from sqlalchemy import update

from app.models import Recommendation, recommendation_actors
from tests.factories import make_actor, make_document, make_recommendation

URL = "/api/v1/recommendations"


def ids(response) -> list[int]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def set_status(client, rec_id: int, status: str) -> None:
    # Status has its own workflow (issue 4); here we only need rows in a given state.
    with client.app.state.sessionmaker() as session:
        session.execute(
            update(Recommendation)
            .where(Recommendation.id == rec_id)
            .values(status=status)
            .execution_options(synchronize_session=False)
        )
        session.commit()


@pytest.fixture
def corpus(client):
    """Two publishers, three documents, a small actor tree and seven recommendations."""
    un = make_actor(
        client, name="United Nations", kind="international_organization", aliases=["UN"]
    )
    minusma = make_actor(client, name="MINUSMA", kind="un_entity", parent_id=un["id"])
    make_actor(client, name="UN Security Council", kind="un_entity", parent_id=un["id"])
    mali = make_actor(client, name="Government of Mali", kind="government", aliases=["Bamako"])
    d2012 = make_document(
        client, title="Mali 2012", publisher="ICG", doc_type="briefing", published_on="2012-09-24"
    )
    d2014 = make_document(
        client,
        title="Mali 2014",
        publisher="ICG",
        doc_type="open_letter",
        published_on="2014-05-13",
    )
    d2020 = make_document(
        client,
        title="Mali 2020",
        publisher="MEI",
        doc_type="policy_brief",
        published_on="2020-09-01",
    )
    r = {}
    r["a"] = make_recommendation(
        client,
        d2012,
        label="1",
        text="Talk.",
        actor_ids=[mali["id"]],
        theme="Peace",
        addressee_raw="To the Malian government:",
    )
    r["a1"] = make_recommendation(
        client,
        d2012,
        label="1.a",
        parent_id=r["a"]["id"],
        text="Sub.",
        actor_ids=[mali["id"]],
        theme="Peace",
    )
    r["b"] = make_recommendation(
        client, d2012, label="2", text="Deploy.", actors=["minusma"], theme="Security"
    )
    r["c"] = make_recommendation(
        client, d2014, text="Mediate.", kind="prose", actors=["UN Security Council"]
    )
    r["d"] = make_recommendation(client, d2014, text="Fund.", actor_ids=[un["id"], mali["id"]])
    r["e"] = make_recommendation(
        client, d2020, text="Transition.", actor_ids=[mali["id"]], theme="Security"
    )
    r["f"] = make_recommendation(client, d2020, text="No addressee.")
    set_status(client, r["b"]["id"], "implemented")
    set_status(client, r["e"]["id"], "in_progress")
    return {
        "r": {k: v["id"] for k, v in r.items()},
        "un": un,
        "minusma": minusma,
        "mali": mali,
        "docs": (d2012, d2014, d2020),
    }


def test_create_read_shape(client):
    doc = make_document(client, text="To the government: 1. Hold talks now.")
    actor = make_actor(client, name="Government of Mali")
    r = client.post(
        URL,
        json={
            "document_id": doc["id"],
            "label": "1",
            "text": "Hold talks now.",
            "addressee_raw": "To the government:",
            "theme": "Peace",
            "actors": ["government of mali"],
            "source_start": 22,
            "source_end": 37,
        },
    )
    assert r.status_code == 201
    rec = r.json()
    assert r.headers["location"] == f"{URL}/{rec['id']}"
    assert rec["document"] == {
        k: doc[k] for k in ("id", "slug", "title", "publisher", "published_on")
    }
    assert rec["actors"] == [{"id": actor["id"], "name": "Government of Mali"}]
    assert (rec["status"], rec["status_as_of"], rec["version"], rec["kind"]) == (
        "unassessed",
        None,
        1,
        "list",
    )
    assert rec["position"] == 0
    assert client.get(f"{URL}/{rec['id']}").json() == rec
    text = client.get(f"/api/v1/documents/{doc['id']}/text").text
    assert text[rec["source_start"] : rec["source_end"]] == "Hold talks now."


def test_positions_append_in_order(client):
    doc = make_document(client)
    first = make_recommendation(client, doc)
    second = make_recommendation(client, doc)
    assert (first["position"], second["position"]) == (0, 1)


def test_patch_bumps_version_and_relinks(client):
    rec = make_recommendation(client)
    actor = make_actor(client)
    r = client.patch(f"{URL}/{rec['id']}", json={"text": "Rewritten.", "theme": None})
    assert r.status_code == 200
    assert (r.json()["text"], r.json()["version"]) == ("Rewritten.", 2)
    r = client.patch(f"{URL}/{rec['id']}", json={"actor_ids": [actor["id"]]})
    assert r.json()["actors"] == [{"id": actor["id"], "name": actor["name"]}]
    assert r.json()["version"] == 3
    assert r.json()["updated_at"] > rec["updated_at"]


def test_delete_removes_sub_items(client, count):
    parent = make_recommendation(client)
    doc_id = parent["document"]["id"]
    child = make_recommendation(client, {"id": doc_id}, parent_id=parent["id"])
    assert client.delete(f"{URL}/{parent['id']}").status_code == 204
    assert client.get(f"{URL}/{child['id']}").status_code == 404
    assert count(Recommendation) == 0
    assert count(recommendation_actors) == 0


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["a", "a1", "b", "c", "d", "e", "f"]),
        ("status=implemented", ["b"]),
        ("status=implemented&status=in_progress", ["b", "e"]),
        ("status=unassessed", ["a", "a1", "c", "d", "f"]),
        ("actor=Government of Mali", ["a", "a1", "d", "e"]),
        ("actor=bamako", ["a", "a1", "d", "e"]),  # alias, any case
        ("actor=UN", ["b", "c", "d"]),  # sub-actors included
        ("actor=MINUSMA", ["b"]),
        ("actor=MINUSMA&actor=Bamako", ["a", "a1", "b", "d", "e"]),
        ("document=mali-2014", ["c", "d"]),
        ("publisher=MEI", ["e", "f"]),
        ("publisher=ICG&publisher=MEI", ["a", "a1", "b", "c", "d", "e", "f"]),
        ("doc_type=open_letter", ["c", "d"]),
        ("theme=Security", ["b", "e"]),
        ("theme=Security&theme=Peace", ["a", "a1", "b", "e"]),
        ("kind=prose", ["c"]),
        ("top_level=true", ["a", "b", "c", "d", "e", "f"]),
        ("top_level=false", ["a1"]),
        ("published_from=2014-01-01", ["c", "d", "e", "f"]),
        ("published_to=2014-05-13", ["a", "a1", "b", "c", "d"]),
        ("published_from=2013-01-01&published_to=2015-01-01", ["c", "d"]),
        ("actor=Bamako&status=in_progress", ["e"]),
        ("actor=Bamako&publisher=ICG&top_level=true", ["a", "d"]),
        ("theme=Security&doc_type=briefing&status=implemented", ["b"]),
        ("kind=list&document=mali-2020&theme=Security", ["e"]),
    ],
)
def test_filters(client, corpus, query, expected):
    assert ids(client.get(f"{URL}?{query}")) == [corpus["r"][k] for k in expected]


def test_filters_by_ids(client, corpus):
    r = corpus["r"]
    d2012 = corpus["docs"][0]
    assert ids(client.get(f"{URL}?document={d2012['id']}")) == [r["a"], r["a1"], r["b"]]
    assert ids(client.get(f"{URL}?actor={corpus['minusma']['id']}")) == [r["b"]]
    assert ids(client.get(f"{URL}?parent={r['a']}")) == [r["a1"]]
    assert ids(client.get(f"{URL}?parent={r['a']}&parent={r['b']}")) == [r["a1"]]


def test_updated_since(client, corpus):
    r = corpus["r"]
    changed = client.patch(f"{URL}/{r['c']}", json={"text": "Mediate now."}).json()
    since = changed["updated_at"]
    assert ids(client.get(f"{URL}", params={"updated_since": since})) == [r["c"]]
    assert client.get(f"{URL}?updated_since=2020-01-01T00:00:00").status_code == 422


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("-published_on,id", ["e", "f", "c", "d", "a", "a1", "b"]),
        ("status,-id", ["f", "d", "c", "a1", "a", "e", "b"]),
        ("-status", ["b", "e", "a", "a1", "c", "d", "f"]),
        ("-position", ["b", "a1", "d", "f", "a", "c", "e"]),
        ("-id", ["f", "e", "d", "c", "b", "a1", "a"]),
    ],
)
def test_sort(client, corpus, sort, expected):
    assert ids(client.get(f"{URL}?sort={sort}")) == [corpus["r"][k] for k in expected]


def test_paging_and_link_header(client, corpus):
    first = client.get(f"{URL}?limit=3")
    body = first.json()
    assert (body["total"], body["limit"], body["offset"], len(body["items"])) == (7, 3, 0, 3)
    assert 'rel="next"' in first.headers["link"] and 'rel="prev"' not in first.headers["link"]
    next_url = first.headers["link"].split(";")[0].strip("<>")
    second = client.get(next_url)
    assert second.json()["offset"] == 3
    assert 'rel="prev"' in second.headers["link"] and 'rel="next"' in second.headers["link"]
    last = client.get(f"{URL}?limit=3&offset=6")
    assert len(last.json()["items"]) == 1 and 'rel="next"' not in last.headers["link"]
    past = client.get(f"{URL}?offset=100")
    assert past.status_code == 200
    assert (past.json()["items"], past.json()["total"]) == ([], 7)
    assert "link" in past.headers and 'rel="prev"' in past.headers["link"]
    assert "link" not in client.get(f"{URL}?limit=500").headers
    for bad in ("limit=0", "limit=501", "limit=100000", "offset=-1", "limit=abc"):
        assert client.get(f"{URL}?{bad}").status_code == 422, bad


@pytest.mark.parametrize(
    "query",
    [
        "status=bogus",
        "sort=nonexistent",
        "sort=-",
        "sort=id,id",
        "sort=relevance",
        "limit=100000",
        "kind=table",
        "doc_type=memo",
        "top_level=maybe",
        "published_from=2014-13-01",
        "published_from=2015-01-01&published_to=2014-01-01",
        "parent=0",
        "parent=x",
        "parent=1&top_level=true",
        "actor=nobody",
        "actor=99999",
        "document=no-such-document",
        "stauts=implemented",
    ],
)
def test_bad_filters_are_422(client, corpus, query):
    r = client.get(f"{URL}?{query}")
    assert r.status_code == 422, query
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["status"] == 422 and problem["title"] and problem["detail"]
    assert problem["errors"] and problem["errors"][0]["loc"][0] == "query"


def test_create_errors_write_nothing(client, count):
    doc = make_document(client, text="short text")
    other = make_document(client)
    foreign = make_recommendation(client, other)
    before = count(Recommendation)
    cases = [
        ({"text": "x"}, ["body", "document_id"]),
        ({"document_id": 999, "text": "x"}, ["body", "document_id"]),
        ({"document_id": doc["id"], "text": ""}, ["body", "text"]),
        ({"document_id": doc["id"], "text": "x", "actors": ["Nobody"]}, ["body", "actors"]),
        ({"document_id": doc["id"], "text": "x", "actor_ids": [999]}, ["body", "actor_ids"]),
        ({"document_id": doc["id"], "text": "x", "parent_id": 999}, ["body", "parent_id"]),
        (
            {"document_id": doc["id"], "text": "x", "parent_id": foreign["id"]},
            ["body", "parent_id"],
        ),
        (
            {"document_id": doc["id"], "text": "x", "source_start": 3, "source_end": 99},
            ["body", "source_end"],
        ),
        (
            {"document_id": doc["id"], "text": "x", "source_start": 5, "source_end": 2},
            ["body", "source_end"],
        ),
        ({"document_id": doc["id"], "text": "x", "kind": "poem"}, ["body", "kind"]),
        ({"document_id": doc["id"], "text": "x", "status": "implemented"}, ["body", "status"]),
    ]
    for body, loc in cases:
        r = client.post(URL, json=body)
        assert r.status_code == 422, body
        assert r.json()["errors"][0]["loc"] == loc, body
    assert count(Recommendation) == before


def test_update_errors_write_nothing(client):
    rec = make_recommendation(client)
    child = make_recommendation(client, {"id": rec["document"]["id"]}, parent_id=rec["id"])
    for body in (
        {"text": None},
        {"parent_id": child["id"]},  # would make a cycle
        {"parent_id": rec["id"]},
        {"actors": ["Nobody"]},
        {"actor_ids": [1], "actors": ["x"]},
        {"document_id": 5},
    ):
        assert client.patch(f"{URL}/{rec['id']}", json=body).status_code == 422, body
    after = client.get(f"{URL}/{rec['id']}").json()
    assert after == rec


def test_unknown_ids_and_malformed_bodies(client):
    assert client.get(f"{URL}/999").status_code == 404
    assert client.patch(f"{URL}/999", json={"text": "x"}).status_code == 404
    assert client.delete(f"{URL}/999").status_code == 404
    assert client.get(f"{URL}/nope").status_code == 422
    r = client.post(URL, content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert client.post(URL, json=[1, 2]).status_code == 422
