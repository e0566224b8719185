"""Keys and roles: every route x every kind of caller, on both backends."""

import hashlib

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from app.models import ApiKey
from tests.factories import make_actor, make_document, make_recommendation

READ, ANALYST, ADMIN = "read", "analyst", "admin"
RANK = {"reader": 0, "analyst": 1, "admin": 2}
CALLERS = [None, "unknown", "revoked", "reader", "analyst", "admin"]


def _rec_body(ids: dict) -> dict:
    return {"document_id": ids["doc"], "text": "Open a humanitarian corridor."}


# (method, path, body, role needed); {doc}, {actor}, {rec}, {change}, {key} are filled in.
ENDPOINTS = [
    ("GET", "/api/v1/documents", None, READ),
    ("GET", "/api/v1/documents/{doc}", None, READ),
    ("GET", "/api/v1/documents/{doc}/text", None, READ),
    ("GET", "/api/v1/actors", None, READ),
    ("GET", "/api/v1/actors/{actor}", None, READ),
    ("GET", "/api/v1/recommendations", None, READ),
    ("GET", "/api/v1/recommendations/{rec}", None, READ),
    ("GET", "/api/v1/recommendations/{rec}/history", None, READ),
    ("GET", "/api/v1/status-changes", None, READ),
    ("GET", "/api/v1/status-changes/{change}", None, READ),
    ("POST", "/api/v1/documents", lambda ids: {"title": "New", "publisher": "UN"}, ADMIN),
    ("PATCH", "/api/v1/documents/{doc}", lambda ids: {"title": "Renamed"}, ADMIN),
    ("DELETE", "/api/v1/documents/{doc}?cascade=true", None, ADMIN),
    ("POST", "/api/v1/actors", lambda ids: {"name": "ECOWAS"}, ADMIN),
    ("PATCH", "/api/v1/actors/{actor}", lambda ids: {"kind": "state"}, ADMIN),
    ("DELETE", "/api/v1/actors/{actor}?cascade=true", None, ADMIN),
    ("POST", "/api/v1/recommendations", _rec_body, ANALYST),
    ("PATCH", "/api/v1/recommendations/{rec}", lambda ids: {"theme": "Security"}, ANALYST),
    ("DELETE", "/api/v1/recommendations/{rec}", None, ADMIN),
    (
        "POST",
        "/api/v1/documents/import",
        lambda ids: {
            "title": "Mali: After the Vote",
            "publisher": "Think Tank",
            "text": "To the Malian government:\n\n1. Publish the electoral calendar.\n",
        },
        ANALYST,
    ),
    (
        "POST",
        "/api/v1/recommendations/{rec}/status",
        lambda ids: {"status": "in_progress", "as_of": "2015-01-01"},
        ANALYST,
    ),
    ("GET", "/api/v1/keys", None, ADMIN),
    ("GET", "/api/v1/keys/{key}", None, ADMIN),
    ("POST", "/api/v1/keys", lambda ids: {"name": "newcomer", "role": "reader"}, ADMIN),
    ("DELETE", "/api/v1/keys/{key}", None, ADMIN),
]


def expected(caller: str | None, needs: str) -> int | None:
    """The status a caller gets; None means allowed (any 2xx)."""
    if caller in ("unknown", "revoked"):
        return 401
    if needs == READ:
        return None
    if caller is None:
        return 401
    return 403 if RANK[caller] < RANK[needs] else None


@pytest.fixture
def world(client: TestClient) -> dict:
    """One of everything, made by the admin client."""
    doc = make_document(client)
    actor = make_actor(client)
    rec = make_recommendation(client, doc, actor_ids=[actor["id"]])
    change = client.post(
        f"/api/v1/recommendations/{rec['id']}/status",
        json={"status": "not_started", "as_of": "2014-06-01"},
    )
    assert change.status_code == 201, change.text
    key = client.post("/api/v1/keys", json={"name": "spare", "role": "reader"})
    assert key.status_code == 201, key.text
    return {
        "doc": doc["id"],
        "actor": actor["id"],
        "rec": rec["id"],
        "change": change.json()["id"],
        "key": "spare",
    }


def snapshot(client: TestClient) -> dict:
    """Everything a write could change, as the admin sees it."""
    keys = client.get("/api/v1/keys").json()
    return {
        "documents": client.get("/api/v1/documents").json(),
        "actors": client.get("/api/v1/actors").json(),
        "recommendations": client.get("/api/v1/recommendations").json(),
        "changes": client.get("/api/v1/status-changes").json(),
        "keys": [(k["name"], k["role"], k["revoked_at"]) for k in keys],
    }


@pytest.mark.parametrize("caller", CALLERS, ids=lambda c: c or "anonymous")
@pytest.mark.parametrize(
    "method,path,body,needs", ENDPOINTS, ids=[f"{m} {p}" for m, p, _, _ in ENDPOINTS]
)
def test_role_matrix(client, world, as_role, caller, method, path, body, needs):
    caller_client = as_role(caller)
    before = snapshot(client)
    response = caller_client.request(
        method, path.format(**world), json=body(world) if body else None
    )
    want = expected(caller, needs)
    if want is None:
        assert 200 <= response.status_code < 300, response.text
        return
    assert response.status_code == want, response.text
    assert response.headers["content-type"] == "application/problem+json"
    if want == 401:
        assert response.headers["www-authenticate"].startswith("Bearer")
    else:
        assert f"needs the {needs} role" in response.json()["detail"]
    assert snapshot(client) == before, "a refused request changed something"


@pytest.mark.parametrize(
    "header", ["Basic YWRtaW46c2VjcmV0", "Bearer", "Bearer    ", "rt_abc", "Token rt_abc"]
)
def test_malformed_authorization_is_401_even_on_reads(client, as_role, header):
    anonymous = as_role(None)
    response = anonymous.get("/api/v1/documents", headers={"Authorization": header})
    assert response.status_code == 401
    assert "Bearer <key>" in response.json()["detail"]


def test_anonymous_write_is_refused_before_the_body_is_read(as_role):
    response = as_role(None).post("/api/v1/documents", json={"nonsense": True})
    assert response.status_code == 401


def test_reads_need_a_key_when_configured(client, database_url, api_key):
    reader = api_key("reader")
    doc = make_document(client)
    app = create_app(Settings(database_url=database_url, read_requires_key=True))
    with TestClient(app, raise_server_exceptions=False) as locked:
        anonymous = locked.get(f"/api/v1/documents/{doc['id']}")
        assert anonymous.status_code == 401
        assert "requires an API key for reads" in anonymous.json()["detail"]
        assert locked.get("/api/v1/status-changes").status_code == 401
        headers = {"Authorization": f"Bearer {reader}"}
        assert locked.get(f"/api/v1/documents/{doc['id']}", headers=headers).status_code == 200
        # Probes stay open for load balancers.
        assert locked.get("/healthz").status_code == 200
        assert locked.get("/readyz").status_code == 200
        # A reader still cannot write.
        refused = locked.post("/api/v1/actors", json={"name": "X"}, headers=headers)
        assert refused.status_code == 403


def test_revoking_over_http_locks_the_key_out_at_once(client, as_role):
    created = client.post("/api/v1/keys", json={"name": "temp", "role": "analyst"}).json()
    headers = {"Authorization": f"Bearer {created['key']}"}
    doc = make_document(client)
    body = {"document_id": doc["id"], "text": "Disarm."}
    anonymous = as_role(None)
    assert anonymous.post("/api/v1/recommendations", json=body, headers=headers).status_code == 201
    revoked = client.delete("/api/v1/keys/temp")
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    again = anonymous.post("/api/v1/recommendations", json=body, headers=headers)
    assert again.status_code == 401
    assert again.json()["detail"] == "Unknown or revoked API key."
    # Revoking twice keeps the first time; the key stays listed.
    assert client.delete("/api/v1/keys/temp").json()["revoked_at"] == revoked.json()["revoked_at"]
    assert "temp" in [k["name"] for k in client.get("/api/v1/keys").json()]


def test_key_secret_is_shown_once_and_stored_hashed(client, database_url):
    response = client.post("/api/v1/keys", json={"name": "amina", "role": "analyst"})
    assert response.status_code == 201
    assert response.headers["cache-control"] == "no-store"
    secret = response.json()["key"]
    assert secret.startswith("rt_") and len(secret) >= 40
    listed = client.get("/api/v1/keys").json()
    assert all("key" not in k and "hashed_secret" not in k for k in listed)
    assert "key" not in client.get("/api/v1/keys/amina").json()
    with client.app.state.sessionmaker() as session:
        stored = session.query(ApiKey).filter_by(name="amina").one()
        assert stored.hashed_secret == hashlib.sha256(secret.encode()).hexdigest()


@pytest.mark.parametrize(
    "body,status",
    [
        ({"name": "amina", "role": "boss"}, 422),
        ({"name": "has space", "role": "reader"}, 422),
        ({"name": "", "role": "reader"}, 422),
        ({"name": "spare", "role": "reader", "key": "rt_chosen"}, 422),
    ],
)
def test_bad_key_requests(client, body, status):
    assert client.post("/api/v1/keys", json=body).status_code == status


def test_key_names_are_unique(client):
    assert client.post("/api/v1/keys", json={"name": "dup", "role": "reader"}).status_code == 201
    second = client.post("/api/v1/keys", json={"name": "dup", "role": "admin"})
    assert second.status_code == 409
    assert client.get("/api/v1/keys/nobody").status_code == 404
    assert client.delete("/api/v1/keys/nobody").status_code == 404


def test_a_write_records_last_used_at_and_recorded_by(client, as_role):
    created = client.post("/api/v1/keys", json={"name": "moussa", "role": "analyst"}).json()
    assert created["last_used_at"] is None
    rec = make_recommendation(client)
    analyst = TestClient(
        client.app,
        raise_server_exceptions=False,
        headers={"Authorization": f"Bearer {created['key']}"},
    )
    response = analyst.post(
        f"/api/v1/recommendations/{rec['id']}/status", json={"status": "in_progress"}
    )
    assert response.status_code == 201
    assert response.json()["recorded_by"] == "moussa"
    used = client.get("/api/v1/keys/moussa").json()["last_used_at"]
    assert used is not None and used >= created["created_at"]
    # The body cannot claim to be someone else.
    spoofed = analyst.post(
        f"/api/v1/recommendations/{rec['id']}/status",
        json={"status": "in_progress", "recorded_by": "someone-else"},
    )
    assert spoofed.status_code == 422
    history = client.get(f"/api/v1/recommendations/{rec['id']}/history").json()["items"]
    assert [c["recorded_by"] for c in history] == ["moussa"]


def test_a_refused_write_does_not_count_as_use(client, as_role):
    created = client.post("/api/v1/keys", json={"name": "ro", "role": "reader"}).json()
    reader = TestClient(
        client.app,
        raise_server_exceptions=False,
        headers={"Authorization": f"Bearer {created['key']}"},
    )
    assert reader.post("/api/v1/actors", json={"name": "X"}).status_code == 403
    assert client.get("/api/v1/keys/ro").json()["last_used_at"] is None
    # A read does count (at most every few minutes).
    assert reader.get("/api/v1/actors").status_code == 200
    assert client.get("/api/v1/keys/ro").json()["last_used_at"] is not None


def test_openapi_declares_bearer_auth(client):
    spec = client.get("/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    assert any(s.get("scheme", "").lower() == "bearer" for s in schemes.values())
