"""ETag / If-Match round trips, and concurrent writes against a real server process."""

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from app import db
from tests.factories import make_actor, make_document, make_recommendation
from tests.servers import Server

# --- ETag round trips through the app -------------------------------------------------------


def test_recommendation_etag_is_its_version_and_if_match_guards_writes(client):
    rec = make_recommendation(client)
    url = f"/api/v1/recommendations/{rec['id']}"
    got = client.get(url)
    assert got.headers["etag"] == '"1"' == f'"{got.json()["version"]}"'

    patched = client.patch(url, json={"theme": "Security"}, headers={"If-Match": '"1"'})
    assert patched.status_code == 200
    assert patched.headers["etag"] == '"2"' and patched.json()["version"] == 2
    assert client.get(url).headers["etag"] == '"2"'

    stale = client.patch(url, json={"theme": "Governance"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.headers["content-type"] == "application/problem+json"
    assert stale.headers["etag"] == '"2"'
    assert stale.json()["current_version"] == 2
    assert stale.json()["current_etag"] == '"2"'
    assert client.get(url).json()["theme"] == "Security"

    gone = client.delete(url, headers={"If-Match": '"1"'})
    assert gone.status_code == 412
    assert client.get(url).status_code == 200
    assert client.delete(url, headers={"If-Match": '"2"'}).status_code == 204
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "if_match,ok",
    [
        ('"1"', True),
        ("*", True),
        ('"7", "1"', True),
        ("1", True),  # a bare version is accepted
        ('W/"1"', False),  # weak tags never match for writes
        ('"7"', False),
        ('""', False),
    ],
)
def test_if_match_forms(client, if_match, ok):
    rec = make_recommendation(client)
    response = client.patch(
        f"/api/v1/recommendations/{rec['id']}", json={"label": "9"}, headers={"If-Match": if_match}
    )
    assert response.status_code == (200 if ok else 412)


def test_status_write_with_stale_if_match_writes_nothing(client):
    rec = make_recommendation(client)
    url = f"/api/v1/recommendations/{rec['id']}/status"
    first = client.post(url, json={"status": "in_progress"}, headers={"If-Match": '"1"'})
    assert first.status_code == 201
    assert first.headers["etag"] == '"2"'
    stale = client.post(url, json={"status": "not_started"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 2
    history = client.get(f"/api/v1/recommendations/{rec['id']}/history").json()
    assert [c["status"] for c in history["items"]] == ["in_progress"]
    assert client.get(f"/api/v1/recommendations/{rec['id']}").json()["status"] == "in_progress"
    # A PATCH moves the version too, so a status write based on the old read is stale.
    client.patch(f"/api/v1/recommendations/{rec['id']}", json={"theme": "Security"})
    assert (
        client.post(url, json={"status": "not_started"}, headers={"If-Match": '"2"'}).status_code
        == 412
    )


@pytest.mark.parametrize("kind", ["documents", "actors"])
def test_document_and_actor_etags_round_trip(client, kind):
    if kind == "documents":
        item, change, other = make_document(client), {"title": "Renamed"}, {"title": "Again"}
    else:
        item, change, other = make_actor(client), {"kind": "state"}, {"kind": "group"}
    url = f"/api/v1/{kind}/{item['id']}"
    created_etag = client.get(url).headers["etag"]
    assert created_etag.startswith('"') and created_etag.endswith('"')
    assert client.get(url).headers["etag"] == created_etag  # stable while nothing changes

    patched = client.patch(url, json=change, headers={"If-Match": created_etag})
    assert patched.status_code == 200
    new_etag = patched.headers["etag"]
    assert new_etag != created_etag
    assert client.get(url).headers["etag"] == new_etag  # the write's ETag is the next read's

    stale = client.patch(url, json=other, headers={"If-Match": created_etag})
    assert stale.status_code == 412
    assert stale.json()["current_etag"] == new_etag
    assert client.get(url).json() == patched.json()
    assert client.delete(url, headers={"If-Match": created_etag}).status_code == 412
    assert client.delete(url, headers={"If-Match": new_etag}).status_code == 204


def test_document_text_change_changes_its_etag(client):
    doc = make_document(client)
    url = f"/api/v1/documents/{doc['id']}"
    before = client.get(url).headers["etag"]
    assert client.patch(url, json={"text": "New text."}).status_code == 200
    assert client.get(url).headers["etag"] != before


# --- Concurrent writes against a real server -------------------------------------------------

RACERS = 8
ROUNDS = 4


@pytest.fixture
def server(client, database_url, tmp_path) -> Iterator[str]:
    """`recotrack serve` in its own process on the test database; stopped before the tables
    are emptied."""
    srv = Server(database_url=database_url, log_path=tmp_path / "server.log").start()
    try:
        yield srv.base
    finally:
        srv.stop()


def _fire(calls: list) -> list[httpx.Response]:
    """Run the calls at once from as many threads, released together by a barrier."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        with httpx.Client(timeout=20) as http:
            http.get(call["base"] + "/healthz")  # connect before the start line
            barrier.wait(timeout=20)
            return http.request(
                call["method"], call["url"], json=call.get("json"), headers=call["headers"]
            )

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def _auth(secret: str, **extra: str) -> dict:
    return {"Authorization": f"Bearer {secret}", **extra}


def test_racing_analysts_with_the_same_if_match_one_wins(server, client, api_key):
    rec = make_recommendation(client)
    url = f"{server}/api/v1/recommendations/{rec['id']}"
    analysts = [api_key("analyst") for _ in range(RACERS)]
    winners = []
    started = time.monotonic()
    for round_ in range(ROUNDS):
        etag = httpx.get(url).headers["etag"]
        calls = [
            {
                "base": server,
                "method": "POST",
                "url": f"{url}/status",
                "json": {"status": "in_progress", "note": f"round {round_} analyst {i}"},
                "headers": _auth(secret, **{"If-Match": etag}),
            }
            for i, secret in enumerate(analysts)
        ]
        responses = _fire(calls)
        codes = sorted(r.status_code for r in responses)
        assert codes == [201] + [412] * (RACERS - 1), [r.text for r in responses]
        (won,) = [r for r in responses if r.status_code == 201]
        new_version = won.json()["recommendation"]["version"]
        assert new_version == int(etag.strip('"')) + 1
        for lost in (r for r in responses if r.status_code == 412):
            assert lost.json()["current_version"] == new_version
        winners.append(won.json()["note"])
    assert time.monotonic() - started < 30
    history = httpx.get(f"{url}/history").json()
    assert history["total"] == ROUNDS
    assert [c["note"] for c in history["items"]] == winners
    assert httpx.get(url).json()["version"] == rec["version"] + ROUNDS


def test_parallel_writes_without_if_match_lose_nothing(server, client, api_key):
    rec = make_recommendation(client)
    url = f"{server}/api/v1/recommendations/{rec['id']}"
    statuses = ["not_started", "in_progress", "partially_implemented"]
    calls = []
    for i in range(RACERS * 2):
        headers = _auth(api_key("analyst"))
        if i % 4 == 3:  # some analysts edit the recommendation meanwhile
            calls.append(
                {
                    "base": server,
                    "method": "PATCH",
                    "url": url,
                    "json": {"theme": f"theme {i}"},
                    "headers": headers,
                }
            )
        else:
            calls.append(
                {
                    "base": server,
                    "method": "POST",
                    "url": f"{url}/status",
                    "json": {"status": statuses[i % 3], "note": f"writer {i}"},
                    "headers": headers,
                }
            )
    responses = _fire(calls)
    assert all(r.status_code in (200, 201) for r in responses), [r.text for r in responses]

    status_writes = [r.json() for r in responses if r.status_code == 201]
    versions = sorted(
        [w["recommendation"]["version"] for w in status_writes]
        + [r.json()["version"] for r in responses if r.status_code == 200]
    )
    # Every write got its own version: none overwrote another.
    assert versions == list(range(rec["version"] + 1, rec["version"] + 1 + len(calls)))
    # In the order they committed (change ids), versions only go up.
    by_id = sorted((w["id"], w["recommendation"]["version"]) for w in status_writes)
    assert [v for _, v in by_id] == sorted(v for _, v in by_id)
    assert len({v for _, v in by_id}) == len(by_id)

    history = httpx.get(f"{url}/history?limit=500").json()["items"]
    assert sorted(c["id"] for c in history) == sorted(w["id"] for w in status_writes)
    assert len(history) == len(status_writes)
    final = httpx.get(url).json()
    assert final["version"] == rec["version"] + len(calls)
    # Same as_of for all: the current status is the one recorded last.
    assert final["status"] == max(status_writes, key=lambda w: w["id"])["status"]


def test_every_write_gives_back_its_turn(client):
    """SQLite writers of one process take turns (app/db.py); a write that commits, fails its
    precondition or fails validation inside its transaction ends its turn."""
    rec = make_recommendation(client)
    body = {"status": "in_progress", "as_of": "2020-01-01", "note": "seen"}
    url = f"/api/v1/recommendations/{rec['id']}"
    assert client.post(f"{url}/status", json=body).status_code == 201
    stale = client.post(f"{url}/status", json=body, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    bad = client.patch(url, json={"parent_id": rec["id"]})
    assert bad.status_code == 422
    assert client.delete(f"/api/v1/actors/{10**6}").status_code == 404
    assert not db._write_turn.locked()
    # and the next writer gets one at once
    assert client.post(f"{url}/status", json=body).status_code == 201
    assert not db._write_turn.locked()
