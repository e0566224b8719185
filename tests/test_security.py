"""Keys stay secret, recorded_by cannot be forged, CORS is exact, every request is logged once."""

import json
import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from app.middleware import log as request_log
from app.services import keys
from tests.factories import make_document, make_recommendation

LOG_FIELDS = {"request_id", "method", "route", "status", "duration_ms"}


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def request_lines() -> Iterator[list[str]]:
    handler = _Lines()
    request_log.addHandler(handler)
    yield handler.lines
    request_log.removeHandler(handler)


# --- Request ids and request logs -----------------------------------------------------------


def test_request_id_is_echoed_when_sane_and_generated_otherwise(client, as_role):
    given = client.get("/api/v1/documents", headers={"X-Request-ID": "trace-42.a:b_c"})
    assert given.headers["x-request-id"] == "trace-42.a:b_c"
    for bad in ["has space", "x" * 129, "new\tline", "é"]:
        generated = client.get("/api/v1/documents", headers={"X-Request-ID": bad.encode()})
        assert generated.headers["x-request-id"] != bad
        assert len(generated.headers["x-request-id"]) == 32
    ids = {client.get("/healthz").headers["x-request-id"] for _ in range(3)}
    assert len(ids) == 3
    # Errors carry one too, so a user can quote it.
    assert "x-request-id" in client.get("/api/v1/nothing").headers
    assert "x-request-id" in as_role("unknown").get("/api/v1/documents").headers
    assert "x-request-id" in client.get("/api/v1/documents?limit=0").headers


def test_one_log_line_per_request_with_no_query_body_or_key(client, request_lines, api_key):
    rec = make_recommendation(client)
    secret = api_key("analyst")
    request_lines.clear()
    got = client.get(f"/api/v1/recommendations/{rec['id']}?", headers={"X-Request-ID": "req-1"})
    listed = client.get("/api/v1/recommendations", params={"publisher": "query-secret"})
    posted = client.post(
        f"/api/v1/recommendations/{rec['id']}/status",
        json={"status": "in_progress", "note": "body-secret"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert client.get("/no/such/page").status_code == 404
    assert (got.status_code, listed.status_code, posted.status_code) == (200, 200, 201)
    assert len(request_lines) == 4
    entries = [json.loads(line) for line in request_lines]
    assert all(set(e) == LOG_FIELDS for e in entries)
    assert entries[0] == entries[0] | {
        "request_id": "req-1",
        "method": "GET",
        "route": "/api/v1/recommendations/{rec_id}",
        "status": 200,
    }
    assert entries[1]["route"] == "/api/v1/recommendations"
    assert entries[2] | {"duration_ms": 0} == {
        "request_id": posted.headers["x-request-id"],
        "method": "POST",
        "route": "/api/v1/recommendations/{rec_id}/status",
        "status": 201,
        "duration_ms": 0,
    }
    assert entries[3]["route"] == "<unmatched>" and entries[3]["status"] == 404
    assert all(isinstance(e["duration_ms"], float) and e["duration_ms"] >= 0 for e in entries)
    everything = "\n".join(request_lines)
    for leak in ("query-secret", "body-secret", secret, client.headers["Authorization"][7:]):
        assert leak not in everything


# --- Keys never leak ------------------------------------------------------------------------


def test_keys_never_appear_in_logs_problems_or_exports(client, as_role, api_key, caplog):
    caplog.set_level(logging.DEBUG)
    analyst = api_key("analyst")
    rec = make_recommendation(client)
    headers = {"Authorization": f"Bearer {analyst}"}
    anonymous = as_role(None)
    url = f"/api/v1/recommendations/{rec['id']}/status"
    assert anonymous.post(url, json={"status": "in_progress"}, headers=headers).status_code == 201
    refused = [
        anonymous.post("/api/v1/documents", json={"title": "T", "publisher": "P"}, headers=headers),
        anonymous.get("/api/v1/keys", headers=headers),
        anonymous.get("/api/v1/documents", headers={"Authorization": f"Bearer {analyst}x"}),
        anonymous.get("/api/v1/documents", headers={"Authorization": f"Basic {analyst}"}),
        anonymous.post(url, json={"status": "implemented"}, headers=headers),
    ]
    assert [r.status_code for r in refused] == [403, 403, 401, 401, 422]
    exports = [
        client.get("/api/v1/recommendations/export?format=csv"),
        client.get("/api/v1/recommendations/export?format=ndjson&with_history=true"),
        client.get(f"/api/v1/recommendations/{rec['id']}/history"),
        client.get("/api/v1/status-changes"),
        client.get("/api/v1/keys"),
    ]
    assert all(r.status_code == 200 for r in exports)
    admin_secret = client.headers["Authorization"].removeprefix("Bearer ")
    hashed = keys.hash_secret(analyst)
    for response in refused + exports:
        for leak in (analyst, admin_secret, hashed):
            assert leak not in response.text
    assert "analyst-" in exports[1].text  # recorded_by is the key's name, not its secret
    for leak in (analyst, admin_secret, hashed):
        assert leak not in caplog.text


def test_key_lookup_compares_in_constant_time(client, api_key, monkeypatch):
    secret = api_key("reader")
    compared = []
    real = keys.hmac.compare_digest

    def spy(a, b):
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(keys.hmac, "compare_digest", spy)
    with client.app.state.sessionmaker() as session:
        assert keys.find(session, secret) is not None
        assert keys.find(session, secret + "x") is None
    # Only hashes are compared (and looked up): never the secret itself.
    assert compared == [(keys.hash_secret(secret), keys.hash_secret(secret))]


# --- recorded_by comes from the key ---------------------------------------------------------


def test_recorded_by_cannot_be_forged(client, api_key, as_role):
    rec = make_recommendation(client)
    secret = api_key("analyst")
    analyst = TestClient(
        client.app, raise_server_exceptions=False, headers={"Authorization": f"Bearer {secret}"}
    )
    url = f"/api/v1/recommendations/{rec['id']}"
    forged = [
        analyst.post(f"{url}/status", json={"status": "in_progress", "recorded_by": "boss"}),
        analyst.post(f"{url}/status", json={"status": "in_progress", "recorded_at": "2010-01-01"}),
        analyst.patch(url, json={"recorded_by": "boss"}),
        analyst.post(
            "/api/v1/documents/import",
            json={"title": "T", "publisher": "P", "text": "x", "recorded_by": "boss"},
        ),
        analyst.post(
            "/api/v1/documents/import",
            data={"title": "T", "publisher": "P", "recorded_by": "boss"},
            files={"file": ("t.txt", b"To the government:\n\n1. Do it.\n", "text/plain")},
        ),
    ]
    assert [r.status_code for r in forged] == [422] * 5, [r.text for r in forged]
    as_header = analyst.post(
        f"{url}/status", json={"status": "in_progress"}, headers={"X-Recorded-By": "boss"}
    )
    assert as_header.status_code == 201
    history = client.get(f"{url}/history").json()["items"]
    assert [c["recorded_by"] for c in history] == [as_header.json()["recorded_by"]]
    assert history[0]["recorded_by"].startswith("analyst-")


# --- CORS -----------------------------------------------------------------------------------

PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization",
}


def test_cors_is_off_unless_configured(client):
    doc = make_document(client)
    simple = client.get(f"/api/v1/documents/{doc['id']}", headers={"Origin": "https://a.example"})
    assert simple.status_code == 200
    assert not any(h.startswith("access-control-") for h in simple.headers)
    preflight = client.options(
        "/api/v1/documents", headers={"Origin": "https://a.example"} | PREFLIGHT
    )
    assert not any(h.startswith("access-control-") for h in preflight.headers)


@pytest.fixture
def cors_client(database_url, monkeypatch) -> Iterator[TestClient]:
    monkeypatch.setenv("RECOTRACK_CORS_ORIGINS", "https://dash.example, http://localhost:3000/")
    settings = Settings(database_url=database_url, request_log=False)
    assert settings.cors_origins == ["https://dash.example", "http://localhost:3000"]
    with TestClient(create_app(settings), raise_server_exceptions=False) as cors:
        yield cors


@pytest.mark.parametrize("origin", ["https://dash.example", "http://localhost:3000"])
def test_configured_origin_gets_cors_headers(client, cors_client, origin):
    response = cors_client.get("/api/v1/documents", headers={"Origin": origin})
    assert response.headers["access-control-allow-origin"] == origin
    assert "x-request-id" in response.headers["access-control-expose-headers"].lower()
    preflight = cors_client.options("/api/v1/documents", headers={"Origin": origin} | PREFLIGHT)
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == origin
    assert "POST" in preflight.headers["access-control-allow-methods"]


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example",
        "https://dash.example.evil.example",  # a configured origin as a prefix
        "https://evil-dash.example",
        "http://dash.example",  # another scheme
        "https://dash.example:8443",  # another port
        "null",
    ],
)
def test_unlisted_origin_gets_no_cors_headers(client, cors_client, origin):
    response = cors_client.get("/api/v1/documents", headers={"Origin": origin})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers
    preflight = cors_client.options("/api/v1/documents", headers={"Origin": origin} | PREFLIGHT)
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers


def test_served_connections_turn_nagle_off():
    # uvicorn --workers N leaves Nagle on (its listener has proto 0); every keep-alive reply
    # then waits ~40 ms for a delayed ACK. The served protocol sets TCP_NODELAY itself.
    import asyncio
    import socket

    from app.serving import set_nodelay

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, proto=0)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    client = socket.create_connection(listener.getsockname())
    accepted, _ = listener.accept()
    try:
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0

        class Transport(asyncio.BaseTransport):
            def get_extra_info(self, name, default=None):
                return accepted if name == "socket" else default

        set_nodelay(Transport())
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    finally:
        for s in (client, accepted, listener):
            s.close()
