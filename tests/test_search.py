"""Full-text search (q) and facets, on SQLite FTS5 and PostgreSQL tsvector."""

from urllib.parse import parse_qsl

import pytest

from app.services import search
from tests.factories import make_actor, make_document, make_recommendation

URL = "/api/v1/recommendations"


def texts(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["text"] for item in response.json()["items"]]


@pytest.fixture
def corpus(client):
    doc = make_document(client, publisher="ICG", doc_type="report")
    other = make_document(client, publisher="MEI", doc_type="policy_brief")
    gov = make_actor(client, name="Malian government", kind="government")
    un = make_actor(client, name="United Nations", kind="international_organization")
    rows = [
        (doc, "Pursue a sustainable national reconciliation policy.", [gov["id"]]),
        (doc, "Reconcile the positions of ECOWAS member states.", [un["id"]]),
        (doc, "Strengthen peacekeeping in the north and protect civilians.", [un["id"]]),
        (other, "Hold elections once security allows; reconciliation first.", [gov["id"]]),
        (other, "Fund the electricity grid in Gao.", []),
    ]
    return [
        make_recommendation(client, d, text=t, actor_ids=a, addressee_raw="To the parties:")
        for d, t, a in rows
    ]


def test_stemming_finds_related_forms(client, corpus):
    found = texts(client.get(f"{URL}?q=reconcile&sort=id"))
    assert found == [corpus[0]["text"], corpus[1]["text"], corpus[3]["text"]]


def test_words_are_anded_and_phrases_match_exactly(client, corpus):
    assert texts(client.get(f"{URL}?q=national reconciliation")) == [corpus[0]["text"]]
    assert texts(client.get(f'{URL}?q="national reconciliation"')) == [corpus[0]["text"]]
    assert texts(client.get(f'{URL}?q="reconciliation national"')) == []
    assert texts(client.get(f"{URL}?q=elections civilians")) == []


def test_or_not_and_prefix(client, corpus):
    r = client.get(f"{URL}?q=elections OR peacekeeping&sort=id")
    assert texts(r) == [corpus[2]["text"], corpus[3]["text"]]
    assert texts(client.get(f"{URL}?q=reconcile -ECOWAS -elections")) == [corpus[0]["text"]]
    # A prefix matches word stems: elect* finds elections and electricity.
    assert texts(client.get(f"{URL}?q=elect*&sort=id")) == [corpus[3]["text"], corpus[4]["text"]]
    assert texts(client.get(f"{URL}?q=peacekeep*")) == [corpus[2]["text"]]
    # A bare word with a short stem is matched by its stem only: no 'electricity' here.
    assert texts(client.get(f"{URL}?q=elections")) == [corpus[3]["text"]]
    assert texts(client.get(f"{URL}?q=elect")) == [corpus[3]["text"]]


def test_search_covers_the_addressee_as_printed(client, corpus):
    assert client.get(f"{URL}?q=parties").json()["total"] == 5


def test_hits_carry_highlighted_snippets_and_rank(client, corpus):
    body = client.get(f"{URL}?q=reconcile").json()
    assert body["total"] == 3
    for item in body["items"]:
        assert "<mark>" in item["snippet"] and "</mark>" in item["snippet"]
    snippets = {item["id"]: item["snippet"].lower() for item in body["items"]}
    assert "<mark>reconciliation</mark>" in snippets[corpus[0]["id"]]
    assert "<mark>reconcile</mark>" in snippets[corpus[1]["id"]]


def test_best_match_first(client):
    doc = make_document(client)
    filler = " ".join(["the mission should also consider many other questions"] * 6)
    weak = make_recommendation(client, doc, text=f"{filler} including dialogue.")
    strong = make_recommendation(client, doc, text="Dialogue, dialogue: a national dialogue.")
    ranked = client.get(f"{URL}?q=dialogue").json()["items"]
    assert [i["id"] for i in ranked] == [strong["id"], weak["id"]]
    reverse = client.get(f"{URL}?q=dialogue&sort=-relevance").json()["items"]
    assert [i["id"] for i in reverse] == [weak["id"], strong["id"]]
    assert "snippet" not in client.get(URL).json()["items"][0]


def test_search_combines_with_filters_sort_and_paging(client, corpus):
    r = client.get(f"{URL}?q=reconcile&publisher=MEI")
    assert texts(r) == [corpus[3]["text"]]
    r = client.get(f"{URL}?q=reconcile&actor=United Nations")
    assert texts(r) == [corpus[1]["text"]]
    r = client.get(f"{URL}?q=reconcile&sort=-id&limit=2")
    assert texts(r) == [corpus[3]["text"], corpus[1]["text"]]
    assert r.json()["total"] == 3 and 'rel="next"' in r.headers["link"]
    r = client.get(f"{URL}?q=reconcile&sort=relevance,-id")
    assert sorted(texts(r)) == sorted(c["text"] for c in (corpus[0], corpus[1], corpus[3]))


def test_index_follows_updates_and_deletes(client, corpus):
    rec = corpus[4]
    client.patch(f"{URL}/{rec['id']}", json={"text": "Rebuild the water network in Gao."})
    assert texts(client.get(f"{URL}?q=electricity")) == []
    assert client.get(f"{URL}?q=water").json()["total"] == 1
    client.delete(f"{URL}/{rec['id']}")
    assert client.get(f"{URL}?q=water").json()["total"] == 0
    doc_id = corpus[0]["document"]["id"]
    client.delete(f"/api/v1/documents/{doc_id}?cascade=true")
    assert client.get(f"{URL}?q=peacekeeping").json()["total"] == 0


@pytest.mark.parametrize(
    ("q", "message"),
    [
        ('"unclosed phrase', "unbalanced quote"),
        ("OR peace", "OR needs a term"),
        ("peace OR", "OR needs a term"),
        ("peace OR OR war", "OR needs a term"),
        ("-peace", "not only excluded"),
        ("peace OR -war", "negated term"),
        ("!!! ???", "not only excluded"),
        ("x" * 501, "at most 500"),
        (" ".join(["w"] * 33), "at most 32 terms"),
    ],
)
def test_bad_query_is_422(client, corpus, q, message):
    r = client.get(URL, params={"q": q})
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert message in r.json()["errors"][0]["msg"] + r.json()["detail"]


def test_query_syntax_of_the_engines_is_inert(client, corpus):
    for q in (
        "NEAR(peace war)",
        "peace AND",
        "text:peace",
        "peace'; DROP TABLE x; --",
        "peace & war | !x",
        "{peace}",
        "^peace",
        "peace:*",
    ):
        r = client.get(URL, params={"q": q})
        assert r.status_code == 200, q
    assert client.get(URL).json()["total"] == 5


def test_relevance_needs_q(client):
    assert client.get(f"{URL}?sort=relevance").status_code == 422


def test_facets_count_the_whole_filtered_set(client, corpus):
    r = client.get(f"{URL}?limit=1&facets=status,actor,document,publisher,doc_type")
    body = r.json()
    assert len(body["items"]) == 1 and body["total"] == 5
    facets = body["facets"]
    assert facets["status"] == [{"value": "unassessed", "count": 5}]
    assert facets["publisher"] == [{"value": "ICG", "count": 3}, {"value": "MEI", "count": 2}]
    assert facets["doc_type"] == [
        {"value": "report", "count": 3},
        {"value": "policy_brief", "count": 2},
    ]
    actors = {f["value"]: (f["id"], f["count"]) for f in facets["actor"]}
    assert actors == {
        "Malian government": (corpus[0]["actors"][0]["id"], 2),
        "United Nations": (corpus[1]["actors"][0]["id"], 2),
    }
    docs = {f["id"]: f["count"] for f in facets["document"]}
    assert docs == {corpus[0]["document"]["id"]: 3, corpus[3]["document"]["id"]: 2}
    filtered = client.get(f"{URL}?q=reconcile&facets=publisher").json()
    assert filtered["facets"] == {
        "publisher": [{"value": "ICG", "count": 2}, {"value": "MEI", "count": 1}]
    }
    assert "facets" not in client.get(URL).json()


def test_bad_facets_are_422(client):
    for raw in ("colour", "status,colour", ",", ""):
        assert client.get(f"{URL}?facets={raw}").status_code == 422, raw


def test_query_language_renders_for_both_engines():
    query = search.parse('reconcile "national dialogue" elections OR vote -junta town*')
    assert search.to_fts5(query) == (
        '("reconcile"* AND "national dialogue" AND ("elections" OR "vote") AND "town"*) NOT "junta"'
    )
    assert search.to_tsquery(query) == (
        "(('reconcile':*)) & (('national' <-> 'dialogue')) & (('elections') | ('vote'))"
        " & (!('junta')) & (('town':*))"
    )


@pytest.mark.parametrize("query", ["", "q=reconcile", "publisher=ICG", "q=the&kind=list"])
def test_each_facet_count_is_the_total_of_the_list_narrowed_by_it(client, corpus, query):
    body = client.get(f"{URL}?{query}&facets=status,actor,document,publisher,doc_type").json()
    for name, values in body["facets"].items():
        for facet in values:
            ref = facet["id"] if name in ("actor", "document") else facet["value"]
            params = [*parse_qsl(query), (name, ref)]
            narrowed = client.get(URL, params=params).json()
            assert narrowed["total"] == facet["count"], (name, facet)
