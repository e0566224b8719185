"""`recotrack load`: an NDJSON backup loaded into an empty database gives the same data back."""

import json
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import migrate
from app.services import bulk_parse
from tests.cli import run_cli as run
from tests.factories import make_actor, make_document
from tests.test_seed_import import run_seed
from tests.test_stats import record


@pytest.fixture
def empty_url(database_url: str, tmp_path: Path) -> str:
    """Another migrated, empty database on the same backend."""
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'restored.db'}"
    else:
        parsed = make_url(database_url)
        conninfo = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute('DROP DATABASE IF EXISTS "recotrack_restored" WITH (FORCE)')
            conn.execute('CREATE DATABASE "recotrack_restored"')
        url = parsed.set(database="recotrack_restored").render_as_string(hide_password=False)
    migrate.upgrade(url)
    return url


@pytest.fixture
def postgresql_only(database_url: str) -> None:
    """Listed first, it skips the SQLite run before the other fixtures seed anything."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's planner statistics")


@pytest.fixture
def sqlite_only(database_url: str) -> None:
    """Listed first, it skips the PostgreSQL run before the other fixtures seed anything."""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's FTS5 index")


def backup(url: str, path: Path) -> list[dict]:
    result = run(url, "export", "--format", "ndjson", "--with-history", "--output", str(path))
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def load(url: str, path: Path, *args: str) -> str:
    result = run(url, "load", str(path), *args)
    assert result.exit_code == 0, result.output
    return result.stdout


def without_ids(lines: list[dict]) -> list[dict]:
    """The lines with every database id replaced by the line number of what it points to."""
    recs = {line["id"]: n for n, line in enumerate(lines) if line["type"] == "recommendation"}
    plain = []
    for line in lines:
        line = dict(line)
        if line["type"] == "recommendation":
            line["id"] = recs[line["id"]]
            line["parent_id"] = recs.get(line["parent_id"], line["parent_id"])
            line["document"] = {k: v for k, v in line["document"].items() if k != "id"}
        elif line["type"] == "link":
            line["low_id"], line["high_id"] = recs[line["low_id"]], recs[line["high_id"]]
        line.pop("id", None) if line["type"] == "document" else None
        plain.append(line)
    return plain


@pytest.fixture
def assessed(client, as_role):
    """The seed, a status history, a confirmed link, an analyst's item with a sub-item."""
    run_seed(client)
    items = client.get("/api/v1/recommendations", params={"limit": 5}).json()["items"]
    first, second, third = (item["id"] for item in items[:3])
    record(client, first, "in_progress", "2015-01-01")
    record(client, first, "implemented", "2016-01-01")
    record(client, second, "not_started", "2014-06-01")
    linked = client.post(
        f"/api/v1/recommendations/{second}/related/{third}", json={"confirmed": True}
    )
    assert linked.status_code in (200, 201), linked.text
    make_actor(client, name="Nobody Asked", kind="civil_society", aliases=["NA group"])
    document = make_document(client, title="Analyst notes", text="Notes.")
    analyst = as_role("analyst")
    parent = analyst.post(
        "/api/v1/recommendations",
        json={"document_id": document["id"], "text": "Fund the courts.", "actors": ["MINUSMA"]},
    ).json()
    child = analyst.post(
        "/api/v1/recommendations",
        json={"document_id": document["id"], "text": "Pay judges.", "parent_id": parent["id"]},
    )
    assert child.status_code == 201, child.text
    make_document(client, title="Nothing to ask", text="No recommendations here.")
    return first


def test_backup_loads_into_an_empty_database_unchanged(client, assessed, empty_url, tmp_path):
    source = client.app.state.settings.database_url
    before = backup(source, tmp_path / "before.ndjson")
    kinds = {line["type"] for line in before}
    assert kinds == {"actor", "document", "recommendation", "link"}
    out = load(empty_url, tmp_path / "before.ndjson", "--batch", "7")
    assert "0 already there" in out
    after = backup(empty_url, tmp_path / "after.ndjson")
    assert without_ids(after) == without_ids(before)

    # Loading the same file again adds nothing.
    out = load(empty_url, tmp_path / "before.ndjson")
    assert out.startswith("loaded 0 recommendations")
    assert "0 documents, 0 actors, 0 status changes, 0 links" in out
    assert backup(empty_url, tmp_path / "again.ndjson") == after


def test_postgresql_has_statistics_right_after_a_load(
    postgresql_only, client, assessed, empty_url, tmp_path
):
    backup(client.app.state.settings.database_url, tmp_path / "backup.ndjson")
    load(empty_url, tmp_path / "backup.ndjson")
    engine = create_engine(empty_url)
    try:
        with engine.connect() as conn:
            analyzed = conn.scalar(
                text(
                    "SELECT last_analyze IS NOT NULL AND last_vacuum IS NOT NULL"
                    " FROM pg_stat_user_tables WHERE relname = 'recommendations'"
                )
            )
    finally:
        engine.dispose()
    assert analyzed


def test_history_is_added_to_recommendations_already_there(client, assessed, empty_url, tmp_path):
    # Restoring onto a freshly seeded database gives the seeded items their history back.
    path = tmp_path / "backup.ndjson"
    before = backup(client.app.state.settings.database_url, path)
    assert run(empty_url, "seed").exit_code == 0
    load(empty_url, path)
    after = backup(empty_url, tmp_path / "after.ndjson")
    fields = ("source_key", "text", "status", "status_as_of", "version", "history")

    def assessments(lines):
        return [{k: line[k] for k in fields} for line in lines if line["type"] == "recommendation"]

    assert assessments(after) == assessments(before)
    links = [
        (line["state"], line["reviewed_by"])
        for line in without_ids(after)
        if line["type"] == "link"
    ]
    assert links == [
        (line["state"], line["reviewed_by"])
        for line in without_ids(before)
        if line["type"] == "link"
    ]


def test_bad_line_is_an_error_naming_it(empty_url, tmp_path):
    path = tmp_path / "bad.ndjson"
    path.write_text('{"type": "actor", "name": "UN", "kind": "other"}\nnot json\n')
    result = run(empty_url, "load", str(path))
    assert result.exit_code == 2
    assert "line 2" in result.output


def test_parser_hands_over_small_pieces_first(tmp_path):
    # The writer waits for the first piece: it is 1/16 of a batch, and the pieces grow to a
    # whole batch by the time one batch has been handed over, so commits fall where they did.
    line = {
        "type": "recommendation",
        "id": 0,
        "document": {"slug": "d", "title": "D", "publisher": "P", "doc_type": "report"},
        "position": 0,
        "kind": "list",
        "text": "Do it.",
    }
    lines = [json.dumps(line | {"id": n, "position": n}) for n in range(100)]
    sizes = [len(chunk) for chunk in bulk_parse._chunks(lines, 32, True)]
    assert sizes == [2, 2, 4, 8, 16, 32, 32, 4]


@pytest.mark.parametrize("automerge", [None, 8])
def test_full_text_index_is_written_and_its_automerge_kept(
    sqlite_only, client, assessed, empty_url, tmp_path, automerge
):
    # The load writes the index without automerge (app/services/bulk.py, _fts_automerge_off)
    # and puts the setting back as it found it, in the same transaction.
    engine = create_engine(empty_url)
    fts_config = "SELECT v FROM recommendations_fts_config WHERE k = 'automerge'"
    try:
        if automerge is not None:
            with engine.begin() as conn:
                conn.execute(
                    text(
                        "INSERT INTO recommendations_fts(recommendations_fts, rank)"
                        " VALUES ('automerge', :v)"
                    ),
                    {"v": automerge},
                )
        backup(client.app.state.settings.database_url, tmp_path / "backup.ndjson")
        load(empty_url, tmp_path / "backup.ndjson", "--batch", "7")
        with engine.connect() as conn:
            assert conn.scalar(text(fts_config)) == (automerge or 4)
            for word, stem in (("ensure", "ensur"), ("courts", "court"), ("judges", "judg")):
                matched = conn.scalar(
                    text(
                        "SELECT count(*) FROM recommendations_fts"
                        " WHERE recommendations_fts MATCH :w"
                    ),
                    {"w": f"text : {word}"},
                )
                containing = conn.scalar(
                    text("SELECT count(*) FROM recommendations WHERE lower(text) LIKE :w"),
                    {"w": f"%{stem}%"},
                )
                assert matched == containing > 0, word
    finally:
        engine.dispose()
