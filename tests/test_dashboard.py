"""The dashboard page in a real browser: headless Chromium driven by Playwright."""

import os
from pathlib import Path

import httpx
import pytest

from tests.servers import Server
from tests.test_seed_import import run_seed

CHROMIUM = Path("/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("RECOTRACK_REQUIRE_BROWSER") == "1"
# Flags for a sandboxed machine without network: no sandbox (root in CI), no background calls.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def api_total(server: Server, **params) -> int:
    return httpx.get(server.base + "/api/v1/recommendations", params=params).json()["total"]


@pytest.fixture
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if sync_playwright is None or not CHROMIUM.exists():
        reason = "Chromium (Debian package) or Playwright missing: dashboard browser test SKIPPED"
        if REQUIRE_BROWSER:
            pytest.fail(reason + " (RECOTRACK_REQUIRE_BROWSER=1)")
        pytest.skip(reason)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def server(client, database_url, tmp_path):
    run_seed(client)
    items = client.get("/api/v1/recommendations?document=mali-reform-or-relapse").json()["items"]
    for item, status, as_of in (
        (items[0], "in_progress", "2015-03-01"),
        (items[1], "implemented", "2016-06-01"),
        (items[2], "not_implemented", "2018-01-15"),
    ):
        body = {"status": status, "as_of": as_of, "note": "Seen in the 2018 UN report."}
        assert client.post(f"/api/v1/recommendations/{item['id']}/status", json=body).is_success
    server = Server(database_url=database_url, log_path=tmp_path / "server.log").start()
    yield server
    server.stop()


def test_dashboard_loads_searches_and_links_to_sources(browser, server):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto(server.base + "/")
    page.wait_for_selector("body[data-loaded=true]", timeout=20_000)

    assert page.text_content("#total") == "75 recommendations"
    assert page.text_content(".card[data-status=implemented] b") == "1"
    assert page.locator("#results tbody tr").count() == 50
    assert page.text_content("#results-count") == "75 found"
    # The timeline chart has bars, including the statuses recorded above.
    assert page.locator("#timeline rect").count() > 10
    assert page.locator("#timeline rect[data-status=implemented]").count() >= 1
    assert page.locator("#actors tbody tr").count() > 5

    # A search narrows the table to what the API finds for the same filters.
    page.fill("#q", "reconcile")
    page.click("button[type=submit]")
    expected = api_total(server, q="reconcile")
    assert 0 < expected < 75
    page.wait_for_function(
        f"document.querySelector('#results-count').textContent === '{expected} found'"
    )
    assert page.locator("#results tbody tr").count() == expected
    assert page.locator("#results tbody mark").count() >= expected
    assert page.text_content("#total") == f"{expected} recommendations"

    page.select_option("#document", "mali-reform-or-relapse")
    page.click("button[type=submit]")
    narrower = api_total(server, q="reconcile", document="mali-reform-or-relapse")
    assert 0 < narrower < expected
    page.wait_for_function(
        f"document.querySelector('#results-count').textContent === '{narrower} found'"
    )

    quote = page.locator("#results tbody tr").first
    with page.expect_navigation():
        quote.locator("text=source").click()
    page.wait_for_selector("body[data-loaded=true]")
    assert "/documents/" in page.url
    assert page.text_content("#title") == "Mali: Reform or Relapse"
    first = httpx.get(
        server.base + "/api/v1/recommendations",
        params={"q": "reconcile", "document": "mali-reform-or-relapse", "limit": 1},
    ).json()["items"][0]
    assert " ".join(page.text_content("#quote").split()).startswith(first["text"][:40])
    assert errors == []
