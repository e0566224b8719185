"""make_* helpers that create data through the API, as a client would."""

from itertools import count

from fastapi.testclient import TestClient

_n = count(1)


def _created(response) -> dict:
    assert response.status_code == 201, response.text
    return response.json()


def make_document(client: TestClient, **fields) -> dict:
    n = next(_n)
    body = {
        "title": f"Briefing {n}",
        "publisher": "International Crisis Group",
        "doc_type": "briefing",
        "published_on": "2014-01-10",
        "text": "To the government of Mali: 1. Hold talks with the armed groups.",
    } | fields
    return _created(client.post("/api/v1/documents", json=body))


def make_actor(client: TestClient, **fields) -> dict:
    body = {"name": f"Actor {next(_n)}", "kind": "other"} | fields
    return _created(client.post("/api/v1/actors", json=body))


def make_recommendation(client: TestClient, document: dict | None = None, **fields) -> dict:
    document = document or make_document(client)
    body = {"document_id": document["id"], "text": f"Recommendation {next(_n)}."} | fields
    return _created(client.post("/api/v1/recommendations", json=body))
