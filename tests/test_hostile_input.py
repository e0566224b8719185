"""Hostile input: limits, Unicode, NUL bytes and injection attempts get a clean 4xx or nothing."""

import itertools
import json

import pytest
from fastapi.testclient import TestClient

from app.api.strict import MAX_VALUES_PER_PARAMETER
from app.config import Settings
from app.main import create_app
from app.models import Document, Recommendation, StatusChange
from app.services.search import MAX_QUERY_LENGTH
from tests.factories import make_actor, make_document, make_recommendation

PROBLEM = "application/problem+json"


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    return response.json()


# --- Limits ---------------------------------------------------------------------------------


def test_page_size_is_capped_at_500(client):
    assert client.get("/api/v1/recommendations?limit=500").status_code == 200
    body = _problem(client.get("/api/v1/recommendations?limit=501"), 422)
    assert "500" in body["errors"][0]["msg"]
    _problem(client.get("/api/v1/recommendations?limit=0"), 422)
    _problem(client.get("/api/v1/status-changes?limit=100000"), 422)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/recommendations?",
        "/api/v1/documents?",
        "/api/v1/status-changes?",
        "/api/v1/stats?by=status&",
        "/api/v1/recommendations/export?format=csv&",
    ],
)
def test_repeated_filter_values_are_capped(client, url):
    ok = "&".join(["publisher=UN"] * MAX_VALUES_PER_PARAMETER)
    if "status-changes" in url:
        ok = "&".join(["document=x"] * 2)  # the feed has no publisher filter
    else:
        assert client.get(url + ok).status_code == 200
    name = "document" if "status-changes" in url else "publisher"
    over = "&".join([f"{name}=UN"] * (MAX_VALUES_PER_PARAMETER + 1))
    body = _problem(client.get(url + over), 422)
    assert body["errors"] == [
        {
            "loc": ["query", name],
            "msg": f"at most {MAX_VALUES_PER_PARAMETER} values per parameter",
            "type": "too_long",
        }
    ]
    assert str(MAX_VALUES_PER_PARAMETER) in body["detail"]


def test_q_length_is_capped(client):
    make_recommendation(client, text="Hold talks.")
    assert client.get("/api/v1/recommendations", params={"q": "talks"}).status_code == 200
    body = _problem(
        client.get("/api/v1/recommendations", params={"q": "a" * (MAX_QUERY_LENGTH + 1)}), 422
    )
    assert body["errors"][0]["loc"] == ["query", "q"]
    assert str(MAX_QUERY_LENGTH) in body["errors"][0]["msg"]


@pytest.mark.parametrize(
    "url,body,field,limit",
    [
        ("/api/v1/actors", {"name": "x" * 301}, "name", 300),
        ("/api/v1/documents", {"title": "x" * 501, "publisher": "UN"}, "title", 500),
        ("/api/v1/keys", {"name": "x" * 201, "role": "reader"}, "name", 200),
    ],
)
def test_text_lengths_are_capped(client, url, body, field, limit):
    problem = _problem(client.post(url, json=body), 422)
    (error,) = problem["errors"]
    assert error["loc"] == ["body", field] and str(limit) in error["msg"]


def test_recommendation_text_and_note_lengths_are_capped(client):
    doc = make_document(client)
    body = {"document_id": doc["id"], "text": "x" * 20_001}
    problem = _problem(client.post("/api/v1/recommendations", json=body), 422)
    assert "20000" in problem["errors"][0]["msg"]
    rec = make_recommendation(client, doc)
    note = {"status": "in_progress", "note": "n" * 10_001}
    url = f"/api/v1/recommendations/{rec['id']}/status"
    assert "10000" in _problem(client.post(url, json=note), 422)["errors"][0]["msg"]


@pytest.fixture
def small_body_app(database_url) -> TestClient:
    app = create_app(Settings(database_url=database_url, max_body_bytes=1000))
    with TestClient(app, raise_server_exceptions=False) as small:
        yield small


def test_body_over_the_limit_is_413_declared_or_streamed(client, small_body_app, count):
    admin = client.headers["Authorization"]
    big = json.dumps({"name": "x" * 2000}).encode()
    declared = small_body_app.post(
        "/api/v1/actors",
        content=big,
        headers={"Authorization": admin, "content-type": "application/json"},
    )
    body = _problem(declared, 413)
    assert "1,000 bytes" in body["detail"] and body["limit"] == 1000

    def chunks():  # no Content-Length: the limit is counted as the body arrives
        for i in range(0, len(big), 100):
            yield big[i : i + 100]

    streamed = small_body_app.post(
        "/api/v1/actors",
        content=chunks(),
        headers={"Authorization": admin, "content-type": "application/json"},
    )
    assert "1,000 bytes" in _problem(streamed, 413)["detail"]
    multipart = small_body_app.post(
        "/api/v1/documents/import",
        data={"title": "T", "publisher": "P"},
        files={"file": ("b.txt", b"x" * 5000, "text/plain")},
        headers={"Authorization": admin},
    )
    _problem(multipart, 413)
    assert count(Document) == 0
    # Under the limit all is as usual.
    small = {"Authorization": admin}
    assert (
        small_body_app.post("/api/v1/actors", json={"name": "ok"}, headers=small).status_code == 201
    )


def test_default_body_limit_lets_a_20_mb_upload_through(client):
    # 20 MB is the import's own file limit; the body limit must not refuse it first.
    response = client.post(
        "/api/v1/documents/import",
        data={"title": "Big", "publisher": "P", "dry_run": "true"},
        files={"file": ("big.txt", b"a" * 20_000_000, "text/plain")},
    )
    assert response.status_code == 422, response.text[:300]  # too much text, not too large a body
    assert response.json()["errors"][0]["loc"][:2] == ["body", "text"]


# --- Unicode --------------------------------------------------------------------------------

ROUND_TRIPS = [
    "مالي: الحكومة الانتقالية",  # Arabic, right to left
    "\u202eevil\u202c and \u200fRTL mark",  # bidi overrides
    "Gao e\u0301\u0301\u0301 Tombouctou",  # stacked combining marks
    "Zalgo: T\u0336\u0337\u0338e\u0489\u0489x\u0332t",
    "emoji 🇲🇱 👩🏽‍⚖️ and \U0001f600",
    "tabs\tand\nnewlines kept",
]


@pytest.mark.parametrize("text", ROUND_TRIPS, ids=range(len(ROUND_TRIPS)))
def test_unicode_round_trips(client, text):
    actor = make_actor(client, name=text[:300], aliases=[text[::-1][:300]])
    assert client.get(f"/api/v1/actors/{actor['id']}").json()["name"] == text
    doc = make_document(client, title=text, publisher=text)
    rec = make_recommendation(client, doc, text=text, theme=text, addressee_raw=text)
    got = client.get(f"/api/v1/recommendations/{rec['id']}").json()
    assert (got["text"], got["theme"], got["addressee_raw"]) == (text, text, text)
    assert got["document"]["title"] == text
    found = client.get("/api/v1/recommendations", params={"theme": text, "publisher": text})
    assert [r["id"] for r in found.json()["items"]] == [rec["id"]]
    change = client.post(
        f"/api/v1/recommendations/{rec['id']}/status",
        json={"status": "implemented", "note": text},
    )
    assert change.status_code == 201 and change.json()["note"] == text
    assert client.get("/api/v1/actors", params={"kind": "other"}).status_code == 200


@pytest.mark.parametrize(
    "raw",
    [
        '{"name": "a\\ud800b"}',  # lone high surrogate
        '{"name": "\\udfff"}',  # lone low surrogate
        '{"name": "a\\u0000b"}',  # NUL
        b'{"name": "\xff\xfe"}',  # not UTF-8 at all
        b'{"name": "\xed\xa0\x80"}',  # a surrogate encoded as UTF-8
    ],
)
def test_broken_unicode_in_json_is_refused_cleanly(client, raw, count):
    from app.models import Actor

    response = client.post(
        "/api/v1/actors", content=raw, headers={"content-type": "application/json"}
    )
    # 400 when the body is not even UTF-8 JSON, 422 when a value is refused.
    _problem(response, 400 if response.status_code == 400 else 422)
    assert count(Actor) == 0


@pytest.mark.parametrize("field", ["note", "evidence_url"], ids=["note", "evidence_url"])
def test_nul_in_status_fields_is_422(client, field, count):
    rec = make_recommendation(client)
    value = "a\x00b" if field == "note" else "https://example.org/\x00"
    body = {"status": "in_progress", field: value}
    response = client.post(f"/api/v1/recommendations/{rec['id']}/status", json=body)
    assert _problem(response, 422)["errors"][0]["loc"] == ["body", field]
    assert count(StatusChange) == 0


NUL_URLS = [
    "/api/v1/recommendations?publisher=%00",
    "/api/v1/recommendations?theme=a%00b",
    "/api/v1/recommendations?actor=%00",
    "/api/v1/recommendations?document=%00",
    "/api/v1/recommendations?q=%00",
    "/api/v1/recommendations?sort=id%00",
    "/api/v1/recommendations?facets=status%00",
    "/api/v1/documents?publisher=%00",
    "/api/v1/documents/%00",
    "/api/v1/documents/a%00b/text",
    "/api/v1/keys/%00",
    "/api/v1/status-changes?actor=%00",
    "/api/v1/stats?by=status&publisher=%00",
    "/api/v1/recommendations/export?format=csv&publisher=%00",
    "/api/v1/recommendations?%00=1",
]


@pytest.mark.parametrize("url", NUL_URLS)
def test_nul_in_query_or_path_is_422(client, url):
    make_recommendation(client)
    body = _problem(client.get(url), 422)
    assert "NUL" in body["detail"] or any("NUL" in e["msg"] for e in body.get("errors", []))


@pytest.mark.parametrize("url", ["/api/v1/documents/%ED%A0%80", "/api/v1/keys/%FF%FE"])
def test_undecodable_path_is_a_clean_4xx(client, url):
    assert 400 <= client.get(url).status_code < 500


# --- Injection ------------------------------------------------------------------------------

INJECTIONS = [
    "' OR '1'='1",
    "1 OR 1=1",
    "1; DROP TABLE recommendations; --",
    "x' UNION SELECT hashed_secret FROM api_keys --",
    "%' OR 1=1 --",
    "\\'; SELECT pg_sleep(5); --",
    "$(rm -rf /)",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "id) OR (1=1",
]
TEXT_FILTERS = ["actor", "document", "publisher", "theme", "q"]
TYPED_FILTERS = [
    "status",
    "doc_type",
    "kind",
    "parent",
    "top_level",
    "published_from",
    "published_to",
    "updated_since",
    "as_of",
    "sort",
    "limit",
    "offset",
    "facets",
]


@pytest.fixture
def two_items(client) -> list[dict]:
    doc = make_document(client, publisher="Crisis Group")
    actor = make_actor(client, name="Government of Mali")
    return [
        make_recommendation(client, doc, text="Hold talks.", actor_ids=[actor["id"]]),
        make_recommendation(client, doc, text="Open a corridor.", theme="Security"),
    ]


@pytest.mark.parametrize("name", TEXT_FILTERS + TYPED_FILTERS)
def test_injection_in_filters_is_422_or_empty(client, two_items, count, name):
    for attack in INJECTIONS:
        response = client.get("/api/v1/recommendations", params={name: attack})
        if response.status_code == 200:
            # A plain value that matches nothing: the attack was treated as text.
            assert response.json()["items"] == [] and response.json()["total"] == 0, attack
        else:
            _problem(response, 422)
    assert count(Recommendation) == 2
    listed = client.get("/api/v1/recommendations").json()
    assert {r["id"] for r in listed["items"]} == {r["id"] for r in two_items}


def test_injection_in_other_routes_is_422_or_empty(client, two_items):
    routes = [
        ("/api/v1/documents", "publisher", {}),
        ("/api/v1/documents", "sort", {}),
        ("/api/v1/status-changes", "actor", {}),
        ("/api/v1/stats", "by", {}),
        ("/api/v1/stats", "theme", {"by": "status"}),
        ("/api/v1/recommendations/export", "publisher", {"format": "ndjson"}),
    ]
    for attack, (url, name, extra) in itertools.product(INJECTIONS, routes):
        response = client.get(url, params={name: attack, **extra})
        if response.status_code == 200:
            text = response.text
            assert "Hold talks" not in text and "hashed_secret" not in text, (url, name, attack)
        else:
            _problem(response, 422)
    for ref in INJECTIONS[:4]:
        assert client.get(f"/api/v1/documents/{ref}").status_code in (404, 422)
        assert client.get(f"/api/v1/keys/{ref}").status_code in (404, 422)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/recommendations?updated_since=9999-12-31T23:59:59-14:00",
        "/api/v1/recommendations?updated_since=0001-01-01T00:00:00%2B14:00",
        "/api/v1/stats?updated_since=9999-12-31T23:59:59-14:00",
        "/api/v1/recommendations/export?format=csv&updated_since=0001-01-01T00:00:00%2B14:00",
    ],
)
def test_timestamps_that_overflow_in_utc_are_422(client, url):
    # Found by probing the edges: these were a 500 (OverflowError while binding to UTC).
    body = _problem(client.get(url), 422)
    assert body["errors"][0]["loc"] == ["query", "updated_since"]


def test_extreme_but_valid_dates_are_fine(client):
    make_recommendation(client)
    for params in [
        {"updated_since": "9999-12-31T00:00:00Z"},
        {"updated_since": "0001-01-01T00:00:00Z"},
        {"as_of": "0001-01-01"},
        {"published_from": "0001-01-01", "published_to": "9999-12-31"},
    ]:
        assert client.get("/api/v1/recommendations", params=params).status_code == 200, params
