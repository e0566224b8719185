"""Every route x every caller, generated from the app's own routes against a rule table.

A route that is added without a rule here fails test_every_route_has_a_rule, so nobody can
ship an endpoint whose access nobody decided. Refused callers must get exactly 401 or 403
and change nothing; allowed ones must get through the gate.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from tests.factories import make_actor, make_document, make_recommendation
from tests.test_auth import snapshot

PUBLIC, READ, ANALYST, ADMIN = "public", "read", "analyst", "admin"
RANK = {"reader": 0, "analyst": 1, "admin": 2}
CALLERS = [None, "unknown", "revoked", "reader", "analyst", "admin"]


@dataclass(frozen=True)
class Rule:
    needs: str
    body: Callable[[dict], dict] | None = None
    query: str = ""
    # Statuses an allowed caller may get besides 2xx (the gate let it through).
    also_ok: frozenset[int] = field(default_factory=frozenset)


def _import_body(world: dict) -> dict:
    return {
        "title": f"Mali: After the Vote {world['n']}",
        "publisher": "Think Tank",
        "text": "To the Malian government:\n\n1. Publish the electoral calendar.\n",
    }


RULES: dict[tuple[str, str], Rule] = {
    # The dashboard's static pages: their data comes from the API, under its rules.
    ("GET", "/"): Rule(PUBLIC),
    ("GET", "/documents/{ref}"): Rule(PUBLIC),
    ("GET", "/static/{path}"): Rule(PUBLIC),
    ("GET", "/openapi.json"): Rule(PUBLIC),
    ("GET", "/docs"): Rule(PUBLIC),
    ("GET", "/docs/oauth2-redirect"): Rule(PUBLIC),
    ("GET", "/redoc"): Rule(PUBLIC),
    ("GET", "/healthz"): Rule(PUBLIC),
    ("GET", "/readyz"): Rule(PUBLIC),
    ("GET", "/api/v1/documents"): Rule(READ),
    ("GET", "/api/v1/documents/{ref}"): Rule(READ),
    ("GET", "/api/v1/documents/{ref}/text"): Rule(READ),
    ("POST", "/api/v1/documents"): Rule(ADMIN, lambda w: {"title": "New", "publisher": "UN"}),
    ("PATCH", "/api/v1/documents/{ref}"): Rule(ADMIN, lambda w: {"title": "Renamed"}),
    ("DELETE", "/api/v1/documents/{ref}"): Rule(ADMIN, query="cascade=true"),
    ("POST", "/api/v1/documents/import"): Rule(ANALYST, _import_body),
    ("GET", "/api/v1/actors"): Rule(READ),
    ("GET", "/api/v1/actors/{actor_id}"): Rule(READ),
    ("POST", "/api/v1/actors"): Rule(ADMIN, lambda w: {"name": f"ECOWAS {w['n']}"}),
    ("PATCH", "/api/v1/actors/{actor_id}"): Rule(ADMIN, lambda w: {"kind": "state"}),
    ("DELETE", "/api/v1/actors/{actor_id}"): Rule(ADMIN, query="cascade=true"),
    ("GET", "/api/v1/recommendations"): Rule(READ),
    ("GET", "/api/v1/recommendations/export"): Rule(READ, query="format=ndjson"),
    ("GET", "/api/v1/recommendations/{rec_id}"): Rule(READ),
    (
        "POST",
        "/api/v1/recommendations",
    ): Rule(ANALYST, lambda w: {"document_id": w["ref"], "text": "Open a corridor."}),
    ("PATCH", "/api/v1/recommendations/{rec_id}"): Rule(ANALYST, lambda w: {"theme": "Security"}),
    ("DELETE", "/api/v1/recommendations/{rec_id}"): Rule(ADMIN),
    ("POST", "/api/v1/recommendations/{rec_id}/status"): Rule(
        ANALYST, lambda w: {"status": "in_progress", "as_of": "2015-01-01"}
    ),
    ("GET", "/api/v1/recommendations/{rec_id}/history"): Rule(READ),
    ("GET", "/api/v1/recommendations/{rec_id}/related"): Rule(READ),
    # The two made-up recommendations are not linked: past the gate, that is a 404.
    ("POST", "/api/v1/recommendations/{rec_id}/related/{other_id}"): Rule(
        ANALYST, lambda w: {"confirmed": True}, also_ok=frozenset({404})
    ),
    ("GET", "/api/v1/status-changes"): Rule(READ),
    ("GET", "/api/v1/status-changes/{change_id}"): Rule(READ),
    ("GET", "/api/v1/stats"): Rule(READ),
    ("GET", "/api/v1/stats/timeline"): Rule(READ),
    ("GET", "/api/v1/keys"): Rule(ADMIN),
    ("GET", "/api/v1/keys/{name}"): Rule(ADMIN),
    ("POST", "/api/v1/keys"): Rule(
        ADMIN, lambda w: {"name": f"newcomer-{w['n']}", "role": "reader"}
    ),
    ("DELETE", "/api/v1/keys/{name}"): Rule(ADMIN),
}


def app_routes() -> list[tuple[str, str]]:
    """Every (method, path template) the app serves, HEAD aside."""
    app = create_app(Settings(database_url="sqlite://"))
    found = set()
    for context in iter_route_contexts(app.routes):
        # A mount (static files) serves GET under its prefix.
        for method in getattr(context.original_route, "methods", None) or ("GET",):
            if method != "HEAD":
                found.add((method, context.path_format or ""))
    return sorted(found, key=lambda r: (r[1], r[0]))


ROUTES = app_routes()


def test_every_route_has_a_rule():
    missing = [f"{m} {p}" for m, p in ROUTES if (m, p) not in RULES]
    assert not missing, f"routes without an access rule in tests/test_access.py: {missing}"
    stale = [f"{m} {p}" for m, p in RULES if (m, p) not in ROUTES]
    assert not stale, f"rules for routes that no longer exist: {stale}"


def expected(caller: str | None, needs: str) -> int | None:
    """The status a caller gets; None means let through."""
    if needs == PUBLIC:
        return None
    if caller in ("unknown", "revoked"):
        return 401
    if needs == READ:
        return None
    if caller is None:
        return 401
    return 403 if RANK[caller] < RANK[needs] else None


_worlds = iter(range(1, 10**6))


def make_world(client: TestClient) -> dict:
    """Fresh items for the path parameters, made by the admin client."""
    n = next(_worlds)
    doc = make_document(client)
    actor = make_actor(client)
    rec = make_recommendation(client, doc, actor_ids=[actor["id"]])
    other = make_recommendation(client, doc)
    change = client.post(
        f"/api/v1/recommendations/{rec['id']}/status",
        json={"status": "not_started", "as_of": "2014-06-01"},
    )
    assert change.status_code == 201, change.text
    key = client.post("/api/v1/keys", json={"name": f"spare-{n}", "role": "reader"})
    assert key.status_code == 201, key.text
    return {
        "n": n,
        "ref": doc["id"],
        "actor_id": actor["id"],
        "rec_id": rec["id"],
        "other_id": other["id"],
        "change_id": change.json()["id"],
        "name": f"spare-{n}",
        "path": "dashboard.css",
    }


@pytest.mark.parametrize("method,path", ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_route_x_role(client, as_role, method, path):
    rule = RULES.get((method, path))
    if rule is None:
        pytest.fail(f"no access rule for {method} {path}")
    world = make_world(client)
    # Refused callers first: they must leave everything as it was.
    callers = sorted(CALLERS, key=lambda c: expected(c, rule.needs) is None)
    for caller in callers:
        want = expected(caller, rule.needs)
        if want is None and method != "GET":
            world = make_world(client)  # each allowed write gets items of its own
        url = path.format(**world) + (f"?{rule.query}" if rule.query else "")
        caller_client = as_role(caller)  # its key exists before the snapshot
        before = snapshot(client) if want is not None else None
        response = caller_client.request(method, url, json=rule.body(world) if rule.body else None)
        who = caller or "anonymous"
        if want is None:
            ok = response.status_code < 400 or response.status_code in rule.also_ok
            assert ok, f"{who}: {response.status_code} {response.text[:300]}"
            continue
        assert response.status_code == want, f"{who}: {response.text[:300]}"
        assert response.headers["content-type"] == "application/problem+json"
        if want == 401:
            assert response.headers["www-authenticate"].startswith("Bearer")
        else:
            assert f"needs the {rule.needs} role" in response.json()["detail"]
        assert snapshot(client) == before, f"a refused {who} request changed something"


def test_reads_locked_down_refuse_anonymous_on_every_read_route(client, database_url, api_key):
    """With RECOTRACK_READ_REQUIRES_KEY=true every READ route is a 401 without a key."""
    reader = api_key("reader")
    world = make_world(client)
    app = create_app(Settings(database_url=database_url, read_requires_key=True))
    with TestClient(app, raise_server_exceptions=False) as locked:
        for (method, path), rule in RULES.items():
            if rule.needs != READ:
                continue
            url = path.format(**world) + (f"?{rule.query}" if rule.query else "")
            assert locked.request(method, url).status_code == 401, url
            with_key = locked.request(method, url, headers={"Authorization": f"Bearer {reader}"})
            assert with_key.status_code == 200, (url, with_key.text[:200])
