"""Stats over everything read counts kept by triggers (SQLite, migration 0005): after any write,
bulk load or migration they equal a fresh count."""

from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, text

from app import migrate
from tests.factories import make_actor, make_recommendation
from tests.test_bulk_load import assessed, backup, empty_url, load  # noqa: F401 (fixtures)
from tests.test_seed_import import run_seed
from tests.test_stats import record, stats

_TRUTH = {
    "totals": "SELECT status, count(*) FROM recommendations GROUP BY status",
    "unlinked": (
        "SELECT status, count(*) FROM recommendations r WHERE NOT EXISTS"
        " (SELECT 1 FROM recommendation_actors ra WHERE ra.recommendation_id = r.id)"
        " GROUP BY status"
    ),
    "actors": (
        "SELECT ra.actor_id, r.status, count(*) FROM recommendation_actors ra"
        " JOIN recommendations r ON r.id = ra.recommendation_id GROUP BY ra.actor_id, r.status"
    ),
}
_KEPT = {
    "totals": "SELECT status, total FROM status_counts WHERE total != 0",
    "unlinked": "SELECT status, unlinked FROM status_counts WHERE unlinked != 0",
    "actors": "SELECT actor_id, status, n FROM actor_status_counts WHERE n != 0",
}


def _read(url: str, queries: dict) -> dict:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                name: sorted(map(tuple, conn.execute(text(sql)))) for name, sql in queries.items()
            }
    finally:
        engine.dispose()


def assert_kept(url: str) -> None:
    """On SQLite, the kept counts are the counts; elsewhere there is nothing kept."""
    if url.startswith("sqlite"):
        assert _read(url, _KEPT) == _read(url, _TRUTH)


def assert_stats_agree(client) -> None:
    """Stats over everything (the kept counts on SQLite) equal stats through a filter that
    keeps every row (kind is list or prose), which counts with GROUP BY."""
    for by in ("actor", "status"):
        everything = stats(client, by=by)
        counted = stats(client, by=by, kind=["list", "prose"])
        assert everything == counted
    assert_kept(client.app.state.settings.database_url)


def test_counts_follow_every_kind_of_write(client):
    run_seed(client)
    assert_stats_agree(client)
    items = client.get("/api/v1/recommendations", params={"limit": 4}).json()["items"]
    record(client, items[0]["id"], "in_progress", "2015-01-01")
    record(client, items[0]["id"], "implemented", "2016-01-01")
    record(client, items[1]["id"], "not_started", "2014-06-01")
    assert_stats_agree(client)

    mali = make_actor(client, name="Counted State", kind="state")
    lone = make_recommendation(client, text="Nobody is asked.")
    record(client, lone["id"], "not_implemented", "2020-01-01")  # a status change while unlinked
    assert stats(client, by="actor")["rows"][-1]["key"] is None  # the unlinked row
    assert_stats_agree(client)
    linked = client.patch(f"/api/v1/recommendations/{lone['id']}", json={"actor_ids": [mali["id"]]})
    assert linked.status_code == 200, linked.text
    assert_stats_agree(client)
    record(client, lone["id"], "implemented", "2021-01-01")  # a change while linked
    moved = client.patch(f"/api/v1/recommendations/{items[2]['id']}", json={"actor_ids": []})
    assert moved.status_code == 200, moved.text
    assert_stats_agree(client)

    assert client.delete(f"/api/v1/recommendations/{lone['id']}").status_code == 204
    assert client.delete(f"/api/v1/recommendations/{items[2]['id']}").status_code == 204
    assert_stats_agree(client)
    both = make_recommendation(client, actor_ids=[mali["id"], items[3]["actors"][0]["id"]])
    record(client, both["id"], "partially_implemented", "2022-01-01")
    gone = client.delete(f"/api/v1/actors/{mali['id']}", params={"cascade": True})
    assert gone.status_code == 204, gone.text
    assert_stats_agree(client)
    document = items[1]["document"]["id"]
    gone = client.delete(f"/api/v1/documents/{document}", params={"cascade": True})
    assert gone.status_code == 204, gone.text
    assert_stats_agree(client)


def test_a_failed_write_leaves_the_counts(client):
    run_seed(client)
    rec = client.get("/api/v1/recommendations", params={"limit": 1}).json()["items"][0]
    before = stats(client, by="actor")
    bad = client.patch(f"/api/v1/recommendations/{rec['id']}", json={"actor_ids": [999999]})
    assert bad.status_code == 422
    assert stats(client, by="actor") == before
    assert_stats_agree(client)


def test_bulk_load_keeps_the_counts(client, assessed, empty_url, tmp_path):  # noqa: F811
    lines = backup(client.app.state.settings.database_url, tmp_path / "backup.ndjson")
    assert any(line["type"] == "recommendation" and not line["actors"] for line in lines)
    load(empty_url, tmp_path / "backup.ndjson", "--batch", "7")
    assert_kept(empty_url)
    load(empty_url, tmp_path / "backup.ndjson")  # again: nothing new, nothing counted twice
    assert_kept(empty_url)


def test_migration_counts_what_is_already_there(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(migrate.alembic_config(url), "0004")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO documents (id, slug, title, publisher, doc_type, text, created_at,"
                " updated_at) VALUES (1, 'd', 'D', 'P', 'briefing', 'x', '2024-01-01',"
                " '2024-01-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO actors (id, name, name_key, kind)"
                " VALUES (1, 'A', 'a', 'state'), (2, 'B', 'b', 'state')"
            )
        )
        for rec_id, status in enumerate(["unassessed", "implemented", "implemented"], start=1):
            conn.execute(
                text(
                    "INSERT INTO recommendations (id, document_id, position, text, kind,"
                    " status, version, created_at, updated_at) VALUES (:id, 1, :id, 'r',"
                    " 'list', :s, 1, '2024-01-01', '2024-01-01')"
                ),
                {"id": rec_id, "s": status},
            )
        conn.execute(
            text(
                "INSERT INTO recommendation_actors (recommendation_id, actor_id)"
                " VALUES (2, 1), (2, 2), (3, 2)"
            )
        )
    engine.dispose()
    migrate.upgrade(url)
    assert _read(url, _KEPT) == _read(url, _TRUTH)
    assert _read(url, _KEPT)["unlinked"] == [("unassessed", 1)]
