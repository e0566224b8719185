"""Faults against a real server process: SIGKILL mid-stream, the database going away, load.

Each test prints its figures (run with -s to see them): writes acknowledged and found after a
crash, and how many concurrent writers were held.
"""

import os
import random
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from sqlalchemy.orm import Session, sessionmaker

from app import db, migrate
from app.config import Settings
from app.db import make_engine
from app.main import create_app
from app.models import Role
from app.services import keys
from tests import pgserver
from tests.conftest import REQUIRE_POSTGRES, _fresh_database
from tests.factories import make_recommendation
from tests.servers import Server

PROBLEM = "application/problem+json"
STATUSES = ["not_started", "in_progress", "partially_implemented"]


def _auth(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def _history(http: httpx.Client, rec_id: int) -> list[dict]:
    items, offset = [], 0
    while True:
        page = http.get(f"/api/v1/recommendations/{rec_id}/history?limit=500&offset={offset}")
        assert page.status_code == 200, page.text
        items += page.json()["items"]
        offset += 500
        if offset >= page.json()["total"]:
            return items


def _assert_consistent(http: httpx.Client, rec_id: int, history: list[dict]) -> None:
    """The stored status and version agree with the history: nothing half-written."""
    rec = http.get(f"/api/v1/recommendations/{rec_id}").json()
    assert rec["version"] == 1 + len(history), (rec, len(history))
    latest = history[-1] if history else None  # history is in timeline order
    assert rec["status"] == (latest["status"] if latest else "unassessed")
    assert rec["status_as_of"] == (latest["as_of"] if latest else None)
    assert len({c["id"] for c in history}) == len(history)


# --- SIGKILL in the middle of a stream of writes ----------------------------------------------

MAX_WRITES = 2000  # the loop's bound; the kill comes long before


def test_sigkill_mid_stream_loses_no_acknowledged_write(client, api_key, database_url, tmp_path):
    recs = [make_recommendation(client)["id"] for _ in range(3)]
    analyst = api_key("analyst")
    server = Server(database_url, tmp_path / "server.log").start()
    acked: list[dict] = []
    attempted: list[str] = []
    refused: list[httpx.Response] = []

    def writer() -> None:
        with httpx.Client(base_url=server.base, headers=_auth(analyst), timeout=10) as http:
            for i in range(MAX_WRITES):
                rec_id, note = recs[i % len(recs)], f"write {i}"
                attempted.append(note)
                body = {"status": STATUSES[i % len(STATUSES)], "note": note}
                try:
                    response = http.post(f"/api/v1/recommendations/{rec_id}/status", json=body)
                except httpx.TransportError:
                    return  # the server is gone: this write's fate is unknown
                if response.status_code != 201:
                    refused.append(response)
                    return
                acked.append(response.json())

    thread = threading.Thread(target=writer)
    thread.start()
    deadline = time.monotonic() + 60
    while len(acked) < 40 and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(random.uniform(0, 0.05))  # land somewhere inside a write
    server.kill()
    thread.join(timeout=30)
    assert not refused, [r.text for r in refused]
    assert len(acked) >= 40 and len(attempted) < MAX_WRITES

    server.start()  # the same database, a new process
    try:
        with httpx.Client(base_url=server.base, timeout=10) as http:
            found = []
            for rec_id in recs:
                history = _history(http, rec_id)
                _assert_consistent(http, rec_id, history)
                found += history
    finally:
        server.stop()
    notes = Counter(c["note"] for c in found)
    for change in acked:
        assert notes[change["note"]] == 1, change
    assert {c["id"] for c in acked} <= {c["id"] for c in found}
    # At most one more: the write in flight at the kill may have committed unacknowledged.
    assert len(found) in (len(acked), len(acked) + 1)
    if len(found) == len(acked) + 1:
        (extra,) = [c for c in found if c["id"] not in {a["id"] for a in acked}]
        assert extra["note"] == attempted[-1]
    backend = database_url.split(":")[0]
    print(
        f"\n[{backend}] SIGKILL: {len(attempted)} writes sent, {len(acked)} acknowledged, "
        f"{len(found)} in the history after restart"
    )
    assert "Traceback" not in server.log()


# --- The database goes away and comes back --------------------------------------------------


def _assert_503(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["status"] == 503


def _new_key(url: str, role: Role) -> str:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            secret = keys.create(session, f"outage-{role}", role)[1]
            session.commit()
    finally:
        engine.dispose()
    return secret


def test_sqlite_outage_is_503_and_recovers_by_itself(tmp_path):
    folder = tmp_path / "data"
    url = f"sqlite:///{folder / 'recotrack.db'}"
    migrate.upgrade(url)
    admin = _auth(_new_key(url, Role.admin))
    app = create_app(Settings(database_url=url, request_log=False))
    with TestClient(app, raise_server_exceptions=False) as http:
        assert http.get("/readyz").status_code == 200
        assert http.post("/api/v1/actors", json={"name": "UN"}, headers=admin).status_code == 201

        # The volume disappears (root ignores file modes, so move the folder away), and the
        # pooled connections, which would keep the old file open, are dropped.
        folder.rename(tmp_path / "gone")
        app.state.engine.dispose()
        _assert_503(http.get("/readyz"))
        _assert_503(http.get("/api/v1/actors"))
        _assert_503(http.post("/api/v1/actors", json={"name": "EU"}, headers=admin))

        (tmp_path / "gone").rename(folder)
        assert http.get("/readyz").status_code == 200
        assert http.post("/api/v1/actors", json={"name": "EU"}, headers=admin).status_code == 201
        assert [a["name"] for a in http.get("/api/v1/actors").json()["items"]] == ["EU", "UN"]


def test_exhausted_connection_pool_is_503_not_500(database_url):
    app = create_app(Settings(database_url=database_url, request_log=False))
    with TestClient(app, raise_server_exceptions=False) as http:
        # A pool of one connection, held elsewhere: the request waits pool_timeout, then gives up.
        engine = make_engine(database_url, pool_size=1, max_overflow=0, pool_timeout=0.2)
        app.state.engine, app.state.sessionmaker = engine, sessionmaker(engine)
        try:
            held = engine.connect()
            busy = http.get("/api/v1/actors")
            _assert_503(busy)
            assert busy.headers["retry-after"] == "1"
            held.close()
            assert http.get("/api/v1/actors").status_code == 200
        finally:
            engine.dispose()


@pytest.fixture(scope="module")
def spare_postgres() -> Iterator[pgserver.PostgresServer]:
    """A PostgreSQL server of its own, so stopping it disturbs no other test."""
    if os.environ.get("RECOTRACK_TEST_POSTGRES_URL") and not pgserver.find_bindir():
        pytest.skip("needs PostgreSQL binaries to stop and start a server")
    server = pgserver.start_server()
    if server is None:
        if REQUIRE_POSTGRES:
            pytest.fail("PostgreSQL binaries not found (RECOTRACK_REQUIRE_POSTGRES=1)")
        pytest.skip("PostgreSQL binaries not found")
    yield server
    server.stop()


def test_postgres_outage_is_503_and_recovers_by_itself(spare_postgres, tmp_path):
    url = _fresh_database(spare_postgres.url, "recotrack_outage")
    migrate.upgrade(url)
    admin = _auth(_new_key(url, Role.admin))
    server = Server(url, tmp_path / "server.log").start()
    try:
        with httpx.Client(base_url=server.base, timeout=15) as http:
            assert (
                http.post("/api/v1/actors", json={"name": "UN"}, headers=admin).status_code == 201
            )

            spare_postgres.halt()
            _assert_503(http.get("/readyz"))
            _assert_503(http.get("/api/v1/actors"))
            _assert_503(http.get("/api/v1/actors", headers=admin))
            _assert_503(http.post("/api/v1/actors", json={"name": "EU"}, headers=admin))

            spare_postgres.resume()
            deadline = time.monotonic() + 30
            while http.get("/readyz").status_code != 200:
                assert time.monotonic() < deadline, "the server did not recover"
                time.sleep(0.2)
            created = http.post("/api/v1/actors", json={"name": "EU"}, headers=admin)
            assert created.status_code == 201, created.text
            names = [a["name"] for a in http.get("/api/v1/actors").json()["items"]]
            assert names == ["EU", "UN"]
    finally:
        server.stop()
    log = server.log()
    assert "Traceback" not in log and "unhandled error" not in log, log[-3000:]


# --- Many analysts at once on PostgreSQL with several workers --------------------------------

WRITERS = 50
RECOMMENDATIONS = 20
WORKERS = 4
SECONDS = float(os.environ.get("RECOTRACK_LOAD_SECONDS", "8"))


@pytest.fixture
def load_database(postgres_url) -> Iterator[str]:
    url = _fresh_database(postgres_url, "recotrack_load")
    migrate.upgrade(url)
    yield url


def test_fifty_analysts_on_four_workers_lose_nothing(load_database, tmp_path):
    url = load_database
    engine = make_engine(url)
    with Session(engine) as session:
        admin = keys.create(session, "load-admin", Role.admin)[1]
        analysts = [keys.create(session, f"analyst-{i}", Role.analyst)[1] for i in range(WRITERS)]
        session.commit()
    engine.dispose()
    server = Server(url, tmp_path / "server.log", workers=WORKERS).start()
    try:
        with httpx.Client(base_url=server.base, headers=_auth(admin), timeout=30) as http:
            doc = http.post("/api/v1/documents", json={"title": "Load", "publisher": "P"}).json()
            recs = [
                http.post(
                    "/api/v1/recommendations", json={"document_id": doc["id"], "text": f"R{i}."}
                ).json()["id"]
                for i in range(RECOMMENDATIONS)
            ]
        results: list[tuple[int, dict | str]] = []
        lock = threading.Lock()
        stop_at: list[float] = []
        # Everyone connected first; the clock starts when the last analyst is ready.
        start = threading.Barrier(
            WRITERS, action=lambda: stop_at.append(time.monotonic() + SECONDS)
        )

        def analyst(n: int, secret: str) -> None:
            rng = random.Random(n)
            with httpx.Client(base_url=server.base, headers=_auth(secret), timeout=60) as http:
                http.get("/healthz")
                start.wait(timeout=30)
                i = 0
                while time.monotonic() < stop_at[0]:
                    rec_id = rng.choice(recs)
                    body = {"status": rng.choice(STATUSES), "note": f"analyst {n} write {i}"}
                    response = http.post(f"/api/v1/recommendations/{rec_id}/status", json=body)
                    payload = response.json() if response.status_code == 201 else response.text
                    with lock:
                        results.append((response.status_code, payload))
                    i += 1

        threads = [threading.Thread(target=analyst, args=(n, s)) for n, s in enumerate(analysts)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=SECONDS + 90)
        assert not any(t.is_alive() for t in threads)

        codes = Counter(code for code, _ in results)
        assert set(codes) == {201}, [p for c, p in results if c != 201][:5]
        acked = [p for _, p in results]
        by_rec: dict[int, list[dict]] = defaultdict(list)
        for change in acked:
            by_rec[change["recommendation_id"]].append(change)
        with httpx.Client(base_url=server.base, timeout=30) as http:
            total_found = 0
            for rec_id in recs:
                history = _history(http, rec_id)
                _assert_consistent(http, rec_id, history)
                mine = by_rec[rec_id]
                assert sorted(c["id"] for c in history) == sorted(c["id"] for c in mine)
                # In commit order (change ids), each write saw a higher version than the last.
                versions = [
                    c["recommendation"]["version"] for c in sorted(mine, key=lambda c: c["id"])
                ]
                assert versions == list(range(2, 2 + len(mine)))
                total_found += len(history)
        assert all(c["as_of"] <= date.today().isoformat() for c in acked)
    finally:
        server.stop()
    log = server.log()
    assert "Traceback" not in log and "deadlock" not in log.lower(), log[-3000:]
    print(
        f"\n[postgresql, {WORKERS} workers] {WRITERS} concurrent analysts for {SECONDS:.0f}s: "
        f"{len(acked)} writes acknowledged, {total_found} in the histories, "
        f"status codes {dict(codes)}"
    )


def test_sqlite_opens_a_few_connections_then_queues(tmp_path):
    # More SQLite connections than cores only contend and hold memory (app/db.py).
    engine = make_engine(f"sqlite:///{tmp_path / 'pool.db'}", pool_timeout=0.1)
    held = [engine.connect() for _ in range(db.SQLITE_POOL_SIZE + db.SQLITE_POOL_OVERFLOW)]
    try:
        with pytest.raises(SQLAlchemyTimeoutError):
            engine.connect()
    finally:
        for connection in held:
            connection.close()
        engine.dispose()
