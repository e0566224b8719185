"""Hostile briefings through POST /documents/import and `recotrack import`: a clear error or a
bounded result, never a hang. No timings are asserted: pytest-timeout and the subprocess
timeout only make a hang fail instead of blocking the suite."""

import json
import os
import random
import subprocess
import sys

import pytest

from app import migrate
from app.config import PROJECT_ROOT
from app.models import Document, Recommendation

pytestmark = pytest.mark.timeout(300)

BINARY = bytes(random.Random(7).randrange(256) for _ in range(200_000))
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 50
FIFTY_MB = b"To the Malian government:\n1. Hold talks.\n" * (50 * 1024 * 1024 // 42 + 1)
DEEP = "\n".join(
    ["To the Malian government:"] + [" " * (i * 2) + f"{i % 9 + 1}. level {i}" for i in range(1500)]
).encode()
HEADINGS = "".join(f"To the Government of Country {i}:\n" for i in range(60_000)).encode()
ONE_LINE = ("The Security Council should act now and it must not wait: " * 60_000).encode()
TOO_MANY_LINES = b"x\n" * 250_000

# (file, what the API must answer, what the CLI must exit with)
FILES = {
    "binary": (BINARY, {422}, {2}),
    "png": (PNG, {422}, {2}),
    "50 MB": (FIFTY_MB, {413}, {2}),
    "deeply indented": (DEEP, {200}, {0}),
    "a heading every line": (HEADINGS, {200}, {0}),
    "no newline at all": (ONE_LINE, {200, 422}, {0, 2}),
    "too many lines": (TOO_MANY_LINES, {422}, {2}),
    "empty": (b"", {422}, {0, 2}),
    "NUL bytes": (b"To the government:\n1. Do\x00 it.\n", {422}, {2}),
}


@pytest.mark.parametrize("name", list(FILES))
def test_hostile_upload_is_refused_or_bounded(client, count, name):
    content, want, _ = FILES[name]
    response = client.post(
        "/api/v1/documents/import",
        data={"title": f"Hostile {name}", "publisher": "P", "dry_run": "true"},
        files={"file": ("briefing.txt", content, "text/plain")},
    )
    assert response.status_code in want, response.text[:500]
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["detail"]
    else:
        assert response.json()["dry_run"] is True
    assert count(Document) == 0 and count(Recommendation) == 0


def test_hostile_json_import_is_refused_or_bounded(client, count):
    for text, want in [
        (ONE_LINE.decode(), {200, 422}),
        (HEADINGS.decode(), {200}),
        ("x" * 5_000_001, {422}),
        ("\ud800 lone surrogate", {422}),
    ]:
        body = {"title": "Hostile", "publisher": "P", "text": text, "dry_run": True}
        response = client.post(
            "/api/v1/documents/import",
            content=json.dumps(body),  # ASCII, so a lone surrogate travels as \ud800
            headers={"content-type": "application/json"},
        )
        assert response.status_code in want, response.text[:300]
    assert count(Document) == 0


@pytest.fixture(scope="module")
def cli_database(tmp_path_factory) -> str:
    # The parser does the work here, not the database: one (SQLite) is enough.
    url = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'cli.db'}"
    migrate.upgrade(url)
    return url


@pytest.mark.parametrize("name", list(FILES))
def test_hostile_file_on_the_command_line(cli_database, tmp_path, name):
    content, _, want = FILES[name]
    path = tmp_path / "briefing.txt"
    path.write_bytes(content)
    env = os.environ | {"RECOTRACK_DATABASE_URL": cli_database}
    done = subprocess.run(
        [sys.executable, "-m", "app", "import", str(path), "--title", f"Hostile {name}"]
        + ["--publisher", "P", "--dry-run"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode in want, done.stderr[-2000:]
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    if done.returncode:
        assert done.stderr.startswith("error:") or "Error" in done.stderr, done.stderr[-500:]
