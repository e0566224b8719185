"""Documents: create, read, update, delete, text, slugs, cascade."""

from app.models import Document, Recommendation
from tests.factories import make_document, make_recommendation

PROBLEM = "application/problem+json"


def test_create_generates_slug_and_reads_back(client):
    r = client.post(
        "/api/v1/documents",
        json={
            "title": "Mali: Reform or Relapse",
            "publisher": "International Crisis Group",
            "doc_type": "report",
            "published_on": "2014-01-10",
            "url": "https://www.crisisgroup.org/africa/west-africa/mali/mali-reform-or-relapse",
            "text": "Full text.",
        },
    )
    assert r.status_code == 201
    doc = r.json()
    assert doc["slug"] == "mali-reform-or-relapse"
    assert doc["date_precision"] == "day"
    assert r.headers["location"] == f"/api/v1/documents/{doc['id']}"
    assert client.get(f"/api/v1/documents/{doc['id']}").json() == doc
    assert client.get("/api/v1/documents/mali-reform-or-relapse").json() == doc
    text = client.get(f"/api/v1/documents/{doc['id']}/text")
    assert text.status_code == 200
    assert text.headers["content-type"].startswith("text/plain")
    assert text.text == "Full text."


def test_generated_slugs_stay_unique(client):
    first = make_document(client, title="Open Letter on Mali")
    second = make_document(client, title="Open letter on Mali!")
    assert (first["slug"], second["slug"]) == ("open-letter-on-mali", "open-letter-on-mali-2")


def test_slug_from_non_ascii_title(client):
    assert (
        make_document(client, title="Keïta’s Mali — année 2014")["slug"] == "keitas-mali-annee-2014"
    )


def test_explicit_slug_taken_is_409(client):
    make_document(client, slug="mali-2012")
    r = client.post(
        "/api/v1/documents", json={"title": "Other", "publisher": "UN", "slug": "mali-2012"}
    )
    assert r.status_code == 409
    assert r.headers["content-type"] == PROBLEM


def test_patch_changes_only_given_fields(client):
    doc = make_document(client, title="Old title", url="https://example.org/a")
    r = client.patch(f"/api/v1/documents/{doc['id']}", json={"title": "New title"})
    assert r.status_code == 200
    assert r.json()["title"] == "New title"
    assert r.json()["url"] == "https://example.org/a"
    assert r.json()["slug"] == doc["slug"]
    assert r.json()["updated_at"] > doc["updated_at"]


def test_patch_null_required_field_is_422(client):
    doc = make_document(client)
    r = client.patch(f"/api/v1/documents/{doc['id']}", json={"title": None})
    assert r.status_code == 422
    assert r.json()["errors"][0]["loc"] == ["body", "title"]


def test_patch_slug_to_taken_one_is_409(client):
    make_document(client, slug="taken")
    doc = make_document(client)
    assert client.patch(f"/api/v1/documents/{doc['id']}", json={"slug": "taken"}).status_code == 409


def test_list_filters_sort_and_paging(client):
    a = make_document(
        client, title="A", publisher="UN", doc_type="report", published_on="2012-01-01"
    )
    b = make_document(client, publisher="ICG", doc_type="briefing", published_on=None)
    c = make_document(client, publisher="ICG", doc_type="qa", published_on="2020-01-01")
    ids = lambda r: [d["id"] for d in r.json()["items"]]  # noqa: E731
    assert ids(client.get("/api/v1/documents?publisher=ICG")) == [b["id"], c["id"]]
    assert ids(client.get("/api/v1/documents?doc_type=report&doc_type=qa")) == [a["id"], c["id"]]
    assert ids(client.get("/api/v1/documents?sort=-published_on")) == [c["id"], a["id"], b["id"]]
    page = client.get("/api/v1/documents?limit=2")
    assert page.json()["total"] == 3 and len(page.json()["items"]) == 2
    assert 'rel="next"' in page.headers["link"]
    assert client.get("/api/v1/documents?sort=bogus").status_code == 422
    assert client.get("/api/v1/documents?doc_type=memo").status_code == 422


def test_unknown_document_is_404(client):
    for path in (
        "/api/v1/documents/999",
        "/api/v1/documents/no-such-slug",
        "/api/v1/documents/99999999999999999999",
        "/api/v1/documents/999/text",
    ):
        r = client.get(path)
        assert r.status_code == 404, path
        assert r.headers["content-type"] == PROBLEM
    assert client.patch("/api/v1/documents/999", json={"title": "x"}).status_code == 404
    assert client.delete("/api/v1/documents/999").status_code == 404


def test_delete_with_recommendations_needs_cascade(client, count):
    doc = make_document(client)
    parent = make_recommendation(client, doc)
    make_recommendation(client, doc, parent_id=parent["id"])
    r = client.delete(f"/api/v1/documents/{doc['id']}")
    assert r.status_code == 409
    assert "cascade=true" in r.json()["detail"]
    assert count(Recommendation) == 2

    assert client.delete(f"/api/v1/documents/{doc['id']}?cascade=true").status_code == 204
    assert client.get(f"/api/v1/documents/{doc['id']}").status_code == 404
    assert client.get(f"/api/v1/recommendations/{parent['id']}").status_code == 404
    assert count(Recommendation) == 0


def test_delete_empty_document(client, count):
    doc = make_document(client)
    assert client.delete(f"/api/v1/documents/{doc['id']}").status_code == 204
    assert count(Document) == 0


def test_invalid_bodies_write_nothing(client, count):
    bad = [
        {},
        {"title": "", "publisher": "UN"},
        {"title": "T", "publisher": "UN", "doc_type": "memo"},
        {"title": "T", "publisher": "UN", "published_on": "2014-02-30"},
        {"title": "T", "publisher": "UN", "date_precision": "month"},
        {"title": "T", "publisher": "UN", "slug": "Not A Slug"},
        {"title": "T", "publisher": "UN", "url": "javascript:alert(1)"},
        {"title": "T", "publisher": "UN", "unknown_field": 1},
        {"title": "T\x00", "publisher": "UN"},
        {"title": "x" * 501, "publisher": "UN"},
    ]
    for body in bad:
        r = client.post("/api/v1/documents", json=body)
        assert r.status_code == 422, body
        assert r.headers["content-type"] == PROBLEM
        assert r.json()["errors"], body
    assert count(Document) == 0
