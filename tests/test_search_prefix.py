"""A search prefix spelled out as the indexed terms it matches (SQLite) finds exactly what the
prefix query finds, and a term written later is found too."""

import pytest
from sqlalchemy import text

from app.services import search
from tests.factories import make_document, make_recommendation

URL = "/api/v1/recommendations"
TEXTS = [
    "Agreed terms of the ceasefire must hold.",
    "An agreement on ceasefires in the north.",
    "Agrees to reconcile the parties; reconciliation first.",
    "Governance, government and governors of the regions.",
    "Implement the implementation plan.",
]
QUERIES = [
    "ceasefire",
    "reconcile",
    "agre*",
    "agree*",
    "govern*",
    "implementation",
    "ceasefire -agreement",
    "reconciliation OR ceasefires",
    '"terms of the ceasefire"',
    "nothingstartslikethis",
]


@pytest.fixture
def words(client):
    document = make_document(client)
    return [make_recommendation(client, document, text=t) for t in TEXTS]


@pytest.fixture
def session(client):
    if not client.app.state.settings.database_url.startswith("sqlite"):
        pytest.skip("prefixes are spelled out for SQLite's FTS5 only")
    with client.app.state.sessionmaker() as session:
        yield session


def matched(session, expression: str) -> set[int]:
    sql = "SELECT rowid FROM recommendations_fts WHERE recommendations_fts MATCH :q"
    return set(session.scalars(text(sql), {"q": expression}))


@pytest.mark.parametrize("q", QUERIES)
def test_spelled_out_prefix_matches_what_the_prefix_matches(words, session, q):
    query = search.parse(q)
    assert matched(session, search.fts5_match(session, query)) == matched(
        session, search.to_fts5(query)
    )


def test_prefix_is_spelled_out_only_when_that_is_exact(words, session, monkeypatch):
    # The private tokenizer is the index's own.
    ddl = session.scalar(text("SELECT sql FROM sqlite_master WHERE name = 'recommendations_fts'"))
    assert f"tokenize='{search.FTS5_TOKENIZER}'" in ddl
    assert search.fts5_match(session, search.parse("ceasefire")) == '"ceasefir"'
    assert search.fts5_match(session, search.parse("reconcile")) == '("reconcil" OR "reconcili")'
    # 'agreed' is indexed as 'agre', which the stemmer would query as 'agr': no exact spelling.
    assert search.fts5_match(session, search.parse("agre*")) == '"agre"*'
    monkeypatch.setattr(search, "MAX_EXPANSION", 1)
    search._expansions.clear()
    assert search.fts5_match(session, search.parse("reconcile")) == '"reconcile"*'


def test_a_term_written_later_is_found(client, words):
    before = client.get(URL, params={"q": "ceasefire", "sort": "id"}).json()
    assert before["total"] == 2
    new = make_recommendation(client, text="Fund the ceasefirewatch monitors.")
    after = client.get(URL, params={"q": "ceasefire", "sort": "id"}).json()
    assert after["total"] == 3
    assert after["items"][-1]["id"] == new["id"]
    assert "<mark>" in after["items"][-1]["snippet"]
