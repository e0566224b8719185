"""Repeated recommendations: links found on import, shown both ways, reviewed by analysts."""

from app.models import RecommendationLink
from tests.factories import make_recommendation
from tests.test_seed_import import run_seed

URL = "/api/v1/recommendations"

# The known repeats in the seeds, read off the sources: the 2012 briefing asks twice for a
# special representative for the Sahel and twice to support Mali's security forces (overview
# and section VI); the 2017 letter's summary repeats its own first recommendation.
KNOWN_REPEATS = [
    (
        "appoint a special representative of the Secretary-General",
        "appoint a special representative of the UN SecretaryGeneral",
    ),
    (
        "support efforts to reestablish Malian defence and security forces by",
        "support efforts to reestablish Malian defence and security and forces",
    ),
    ("To address growing violence in Mali", "The UN Security Council should reorient"),
]


def find(client, prefix: str) -> dict:
    items = client.get(f"{URL}?limit=500").json()["items"]
    matches = [i for i in items if i["text"].startswith(prefix)]
    assert len(matches) == 1, prefix
    return matches[0]


def related_ids(client, rec_id: int, query: str = "") -> list[int]:
    r = client.get(f"{URL}/{rec_id}/related{query}")
    assert r.status_code == 200, r.text
    return [i["recommendation"]["id"] for i in r.json()["items"]]


def test_known_repeats_in_the_seeds_are_linked_both_ways(client, count):
    run_seed(client)
    assert count(RecommendationLink) == len(KNOWN_REPEATS)
    for first, second in KNOWN_REPEATS:
        a, b = find(client, first), find(client, second)
        assert related_ids(client, a["id"]) == [b["id"]]
        assert related_ids(client, b["id"]) == [a["id"]]
        item = client.get(f"{URL}/{a['id']}/related").json()["items"][0]
        assert 75 <= item["score"] <= 100 and item["state"] == "suggested"
        assert item["recommendation"]["document"]["slug"] == b["document"]["slug"]


def test_review_confirms_and_rejects_and_survives_reseeding(client, as_role):
    run_seed(client)
    a = find(client, KNOWN_REPEATS[0][0])
    b = find(client, KNOWN_REPEATS[0][1])
    analyst = as_role("analyst")
    r = analyst.post(f"{URL}/{b['id']}/related/{a['id']}", json={"confirmed": False})
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "rejected" and r.json()["reviewed_by"].startswith("analyst-")
    assert related_ids(client, a["id"]) == []
    assert related_ids(client, a["id"], "?state=rejected") == [b["id"]]
    run_seed(client)
    assert related_ids(client, a["id"]) == []
    r = analyst.post(f"{URL}/{a['id']}/related/{b['id']}", json={"confirmed": True})
    assert r.json()["state"] == "confirmed"
    assert related_ids(client, b["id"], "?state=confirmed") == [a["id"]]


def test_analyst_can_link_what_the_matcher_missed(client, count):
    one = make_recommendation(client, text="Hold elections.")
    two = make_recommendation(client, text="Organise a vote soon.")
    assert related_ids(client, one["id"]) == []
    r = client.post(f"{URL}/{one['id']}/related/{two['id']}", json={"confirmed": True})
    assert r.status_code == 200
    assert r.json()["recommendation"]["id"] == two["id"]
    assert related_ids(client, two["id"]) == [one["id"]]
    client.post(f"{URL}/{two['id']}/related/{one['id']}", json={"confirmed": True})
    assert count(RecommendationLink) == 1
    client.delete(f"{URL}/{two['id']}")
    assert count(RecommendationLink) == 0


def test_review_errors(client, as_role, count):
    one = make_recommendation(client)
    two = make_recommendation(client)
    path = f"{URL}/{one['id']}/related/{two['id']}"
    assert (
        client.post(f"{URL}/{one['id']}/related/{one['id']}", json={"confirmed": True}).status_code
        == 422
    )
    assert (
        client.post(f"{URL}/{one['id']}/related/999", json={"confirmed": True}).status_code == 404
    )
    assert (
        client.post(f"{URL}/999/related/{one['id']}", json={"confirmed": True}).status_code == 404
    )
    assert client.post(path, json={}).status_code == 422
    assert client.post(path, json={"confirmed": "maybe"}).status_code == 422
    assert as_role(None).post(path, json={"confirmed": True}).status_code == 401
    assert as_role("reader").post(path, json={"confirmed": True}).status_code == 403
    assert count(RecommendationLink) == 0
    assert client.get(f"{URL}/999/related").status_code == 404
    assert client.get(f"{URL}/{one['id']}/related?state=maybe").status_code == 422


def test_import_reports_links_to_earlier_documents(client):
    run_seed(client)
    text = (
        "A Follow-up Briefing\n\nRECOMMENDATIONS\n\nTo the UN Security Council:\n"
        "1. Appoint a special representative of the Secretary-General for the Sahel and provide"
        " him with the necessary means to achieve his mission.\n"
    )
    body = {"title": "Follow-up", "publisher": "ICG", "text": text}
    r = client.post("/api/v1/documents/import", json=body)
    assert r.status_code == 201, r.text
    assert r.json()["summary"]["related_links"] == 2
    new = client.get(f"{URL}?document=follow-up").json()["items"][0]
    linked = client.get(f"{URL}/{new['id']}/related").json()["items"]
    assert {i["recommendation"]["document"]["slug"] for i in linked} == {
        "mali-need-for-determined-and-coordinated-international-action"
    }
