"""GET /api/v1/recommendations/export and `recotrack export`: CSV and NDJSON, every matching row."""

import csv
import io
import json

import pytest

from app.services import export
from tests.factories import make_actor, make_document, make_recommendation
from tests.test_stats import record

TRICKY = 'He said "no, never", then left.\nNext line: café, Ségou, 中文 — done'


def get_export(client, **params):
    response = client.get("/api/v1/recommendations/export", params=params)
    assert response.status_code == 200, response.text
    return response


def csv_rows(client, **params) -> list[dict]:
    response = get_export(client, format="csv", **params)
    text = response.content.decode("utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def ndjson_lines(client, **params) -> list[dict]:
    response = get_export(client, format="ndjson", **params)
    assert response.headers["content-type"] == "application/x-ndjson"
    lines = response.content.decode("utf-8").split("\n")
    assert lines[-1] == ""  # every line ends with a newline
    return [json.loads(line) for line in lines[:-1]]


def recs(lines: list[dict]) -> list[dict]:
    return [line for line in lines if line["type"] == "recommendation"]


def listed_ids(client, **params) -> list[int]:
    body = client.get("/api/v1/recommendations", params={"limit": 500, **params}).json()
    return [item["id"] for item in body["items"]]


@pytest.fixture
def data(client):
    """UN > MINUSMA (with aliases), two documents, a parent with a sub-item, some history."""
    un = make_actor(client, name="United Nations", kind="international_organization")
    minusma = make_actor(
        client, name="MINUSMA", kind="un_entity", parent_id=un["id"], aliases=["the Mission"]
    )
    niger = make_actor(client, name="Niger, Republic of", kind="state")
    first = make_document(
        client, title="First", text='Full text of the first, with "quotes".\nAnd lines.'
    )
    second = make_document(client, title="Second", published_on="2016-05-01", text="Second text")
    parent = make_recommendation(
        client,
        first,
        label="1",
        text=TRICKY,
        addressee_raw="To the UN, and to Niger:",
        actor_ids=[minusma["id"], niger["id"]],
        theme="Peace, security",
    )
    child = make_recommendation(client, first, label="1.a", parent_id=parent["id"])
    other = make_recommendation(client, second, actor_ids=[un["id"]])
    record(client, parent["id"], "in_progress", "2015-01-01")
    record(client, parent["id"], "implemented", "2016-01-01")
    return {
        "recs": (parent, child, other),
        "docs": (first, second),
        "actors": (un, minusma, niger),
    }


def test_csv_parses_back_with_quoting_and_utf8(client, data):
    response = get_export(client, format="csv")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == "attachment; filename=recommendations.csv"
    assert response.content.decode("utf-8").startswith("id,document_id,document_slug,")
    assert b"\r\n" in response.content  # RFC 4180 line ends
    rows = csv_rows(client)
    assert list(rows[0]) == list(export.CSV_COLUMNS)
    parent, child, other = data["recs"]
    assert [int(r["id"]) for r in rows] == [parent["id"], child["id"], other["id"]]
    first = rows[0]
    assert first["text"] == TRICKY
    assert first["addressee_raw"] == "To the UN, and to Niger:"
    assert first["actors"] == "MINUSMA; Niger, Republic of"
    assert first["theme"] == "Peace, security"
    assert (first["status"], first["status_as_of"]) == ("implemented", "2016-01-01")
    assert first["document_slug"] == data["docs"][0]["slug"]
    assert (first["publisher"], first["published_on"]) == (
        "International Crisis Group",
        "2014-01-10",
    )
    assert rows[1]["parent_id"] == str(parent["id"])
    assert rows[1]["actors"] == "" and rows[1]["status_as_of"] == ""


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"actor": "United Nations"},
        {"document": "second"},
        {"status": "implemented"},
        {"top_level": "true", "sort": "-id"},
        {"as_of": "2015-06-01", "sort": "status"},
        {"q": "café"},
        {"sort": "-published_on,position"},
    ],
)
def test_every_matching_row_in_the_list_order(client, data, filters):
    rows = csv_rows(client, **filters)
    assert [int(r["id"]) for r in rows] == listed_ids(client, **filters)
    assert [r["id"] for r in recs(ndjson_lines(client, **filters))] == listed_ids(client, **filters)


def test_as_of_exports_the_status_in_force_then(client, data):
    rows = csv_rows(client, as_of="2015-06-01")
    assert [(r["status"], r["status_as_of"]) for r in rows] == [
        ("in_progress", "2015-01-01"),
        ("unassessed", ""),
    ]


def test_ndjson_line_holds_the_recommendation_document_and_actors(client, data):
    parent, child, _ = data["recs"]
    lines = ndjson_lines(client, document=data["docs"][0]["slug"])
    assert [line["type"] for line in lines] == ["recommendation", "recommendation"]
    first, second = lines
    assert first["id"] == parent["id"] and first["text"] == TRICKY
    assert first["document"] == {
        "id": data["docs"][0]["id"],
        "slug": data["docs"][0]["slug"],
        "title": "First",
        "publisher": "International Crisis Group",
        "doc_type": "briefing",
        "published_on": "2014-01-10",
        "date_precision": "day",
        "url": None,
        "source_file": None,
        "text": 'Full text of the first, with "quotes".\nAnd lines.',
    }
    assert "text" not in second["document"]  # once per document, on its first line
    assert first["actors"] == [
        {
            "name": "MINUSMA",
            "kind": "un_entity",
            "parent": "United Nations",
            "aliases": ["the Mission"],
        },
        {"name": "Niger, Republic of", "kind": "state", "parent": None, "aliases": []},
    ]
    assert (first["status"], first["status_as_of"], first["label"]) == (
        "implemented",
        "2016-01-01",
        "1",
    )
    assert (second["parent_id"], second["parent_source_key"]) == (parent["id"], None)
    for field in ("source_key", "position", "kind", "addressee_raw", "theme", "version"):
        assert field in first
    assert "history" not in first


def test_history_inline_matches_the_history_endpoint(client, data):
    parent = data["recs"][0]
    lines = recs(ndjson_lines(client, with_history="true"))
    inline = {line["id"]: line["history"] for line in lines}
    api = client.get(f"/api/v1/recommendations/{parent['id']}/history").json()["items"]
    assert inline[parent["id"]] == [
        {k: v for k, v in change.items() if k not in ("id", "recommendation_id")} for change in api
    ]
    assert [c["status"] for c in inline[parent["id"]]] == ["in_progress", "implemented"]
    assert inline[data["recs"][1]["id"]] == []


def test_unfiltered_ndjson_is_a_complete_backup(client, data):
    lonely = make_document(client, title="No recommendations", text="Nothing to ask.")
    make_actor(client, name="ECOWAS", kind="international_organization")  # addressed by nobody
    lines = ndjson_lines(client, with_history="true")
    actors = [line for line in lines if line["type"] == "actor"]
    assert [a["name"] for a in actors] == [
        "ECOWAS",
        "Niger, Republic of",
        "United Nations",
        "MINUSMA",  # parents before children
    ]
    documents = [line for line in lines if line["type"] == "document"]
    assert [(d["slug"], d["text"]) for d in documents] == [(lonely["slug"], "Nothing to ask.")]
    texts = [line["document"]["slug"] for line in recs(lines) if "text" in line["document"]]
    assert sorted(texts) == sorted(d["slug"] for d in data["docs"])
    assert len(recs(lines)) == 3
    # A filtered export is a slice, not a backup: no actor or document lines.
    assert {line["type"] for line in ndjson_lines(client, actor="United Nations")} == {
        "recommendation"
    }


def test_batches_keep_rows_whole_and_document_text_once(client, data, monkeypatch):
    monkeypatch.setattr(export, "BATCH", 2)
    first, second = data["docs"]
    for _ in range(3):
        make_recommendation(client, second)
        make_recommendation(client, first)
    lines = recs(ndjson_lines(client, sort="-id"))
    assert [line["id"] for line in lines] == listed_ids(client, sort="-id")
    with_text = [line["document"]["slug"] for line in lines if "text" in line["document"]]
    assert with_text == [first["slug"], second["slug"]]
    rows = csv_rows(client, sort="-id")
    assert [int(r["id"]) for r in rows] == listed_ids(client, sort="-id")
    assert len(rows) == 9 and TRICKY in [r["text"] for r in rows]


def test_export_is_not_taken_for_an_id(client):
    assert get_export(client).text == ",".join(export.CSV_COLUMNS) + "\r\n"
    assert client.get("/api/v1/recommendations/exports").status_code == 422


@pytest.mark.parametrize(
    "params,field",
    [
        ({"format": "xml"}, "format"),
        ({"limit": "10"}, "limit"),
        ({"offset": "0"}, "offset"),
        ({"format": "csv", "with_history": "true"}, "with_history"),
        ({"actor": "Nobody"}, "actor"),
        ({"sort": "relevance"}, "sort"),
    ],
)
def test_bad_parameters_are_422_before_anything_streams(client, data, params, field):
    response = client.get("/api/v1/recommendations/export", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["loc"][1] == field


def test_export_is_open_to_anonymous_readers(as_role, data):
    response = as_role(None).get("/api/v1/recommendations/export", params={"format": "ndjson"})
    assert response.status_code == 200


def test_cli_export_writes_what_the_endpoint_serves(client, data, recotrack, tmp_path):
    result = recotrack("export", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == get_export(client, format="csv").content
    out = tmp_path / "backup.ndjson"
    result = recotrack("export", "--format", "ndjson", "--with-history", "--output", str(out))
    assert result.exit_code == 0, result.output
    served = get_export(client, format="ndjson", with_history="true").content
    assert out.read_bytes() == served
    assert "wrote" in result.stderr


@pytest.mark.parametrize(
    "args,message",
    [
        (["export"], "--format"),
        (["export", "--format", "xml"], "xml"),
        (["export", "--format", "csv", "--with-history"], "with_history"),
    ],
)
def test_cli_export_refuses_bad_options(client, recotrack, args, message):
    result = recotrack(*args)
    assert result.exit_code != 0
    assert message in result.output
