"""The seed loader and the import of new briefings, through the database and the API."""

import pytest
from sqlalchemy import select

from app.config import PROJECT_ROOT
from app.ingest import loader
from app.models import Actor, Document, Recommendation, StatusChange, recommendation_actors

SEEDS = PROJECT_ROOT / "seeds"
# Counted by reading the sources (see tests/test_parser_publications.py for every item).
EXPECTED = {
    "mali-need-for-determined-and-coordinated-international-action": (14, 0),
    "open-letter-un-security-council-mali-2014": (0, 7),
    "mali-coup-within-a-coup": (0, 2),
    "mali-reform-or-relapse": (34, 0),
    "open-letter-un-security-council-peacekeeping-mali-2017": (5, 2),
    "stabilising-mali-special-briefing-part-1": (4, 0),
    "mali-transition-for-rethinking-security-and-stability": (7, 0),
}

NEW_BRIEFING = """Mali: After the Transition

I. OVERVIEW
Some analysis of the situation that is not a recommendation.

II. RECOMMENDATIONS

To the Malian transitional authorities:
1. Publish an electoral calendar before the end of the year.
2. Open talks with the armed groups in the centre by:
  a) naming a single negotiator;
  b) involving local civil society.

To the Wagner Group:
1. Leave the country.
"""


def run_seed(client) -> list[loader.LoadReport]:
    with client.app.state.sessionmaker() as session:
        reports = loader.seed(session, SEEDS)
        session.commit()
    return reports


def snapshot(client) -> dict:
    """Every row that the seed writes, with timestamps and versions."""
    with client.app.state.sessionmaker() as session:
        return {
            "documents": session.execute(select(Document.__table__).order_by(Document.id)).all(),
            "actors": session.execute(select(Actor.__table__).order_by(Actor.id)).all(),
            "recommendations": session.execute(
                select(Recommendation.__table__).order_by(Recommendation.id)
            ).all(),
            "links": session.execute(
                select(recommendation_actors).order_by(
                    recommendation_actors.c.recommendation_id, recommendation_actors.c.actor_id
                )
            ).all(),
        }


def test_seed_imports_every_publication(client):
    reports = run_seed(client)
    assert {r.slug: (r.list_items, r.prose_items) for r in reports} == EXPECTED
    docs = client.get("/api/v1/documents?limit=500").json()
    assert docs["total"] == 7
    for slug, (n_list, n_prose) in EXPECTED.items():
        listed = client.get(f"/api/v1/recommendations?document={slug}&kind=list").json()
        prose = client.get(f"/api/v1/recommendations?document={slug}&kind=prose").json()
        assert (listed["total"], prose["total"]) == (n_list, n_prose), slug


def test_seeded_items_quote_their_source(client):
    run_seed(client)
    items = client.get("/api/v1/recommendations?document=mali-reform-or-relapse&limit=500").json()
    text = client.get("/api/v1/documents/mali-reform-or-relapse/text").text
    for item in items["items"]:
        quote = " ".join(text[item["source_start"] : item["source_end"]].split())
        assert item["text"].split()[0] in quote and item["text"].split()[-1] in quote
    # The six-actor heading of Report 210 links six actors.
    six = [i for i in items["items"] if i["addressee_raw"].startswith("To MINUSMA, ECOWAS")]
    assert len(six) == 1
    assert {a["name"] for a in six[0]["actors"]} == {
        "MINUSMA",
        "ECOWAS",
        "African Union",
        "European Union",
        "Organisation of Islamic Cooperation",
        "French government",
    }
    # Sub-items point at their parent, whose text is its own lead-in.
    lead = next(i for i in items["items"] if i["text"].endswith("particularly in Kidal, by:"))
    children = client.get(f"/api/v1/recommendations?parent={lead['id']}").json()["items"]
    assert lead["label"] == "2"
    assert [c["label"] for c in children] == ["2.1", "2.2", "2.3", "2.4"]


def test_seeding_twice_changes_nothing(client):
    run_seed(client)
    before = snapshot(client)
    reports = run_seed(client)
    assert all((r.created, r.updated, r.removed) == (0, 0, 0) for r in reports)
    assert snapshot(client) == before


def test_reseed_keeps_status_history_and_fixes_text_in_place(client, count):
    run_seed(client)
    rec = client.get("/api/v1/recommendations?document=mali-reform-or-relapse&limit=1").json()
    rec = rec["items"][0]
    r = client.post(
        f"/api/v1/recommendations/{rec['id']}/status",
        json={"status": "in_progress", "as_of": "2015-06-20", "note": "Algiers accord signed."},
    )
    assert r.status_code == 201, r.text
    # An older parser got this item's text wrong and lost a link.
    with client.app.state.sessionmaker() as session:
        row = session.get(Recommendation, rec["id"])
        row.text = "garbled text"
        session.execute(
            recommendation_actors.delete().where(
                recommendation_actors.c.recommendation_id == rec["id"]
            )
        )
        session.commit()
    counts = (count(Document), count(Recommendation), count(Actor), count(StatusChange))
    reports = run_seed(client)
    assert sum(r.updated for r in reports) == 1
    assert (count(Document), count(Recommendation), count(Actor), count(StatusChange)) == counts
    after = client.get(f"/api/v1/recommendations/{rec['id']}").json()
    assert after["text"] == rec["text"]
    assert after["actors"] == rec["actors"]
    assert (after["status"], after["status_as_of"]) == ("in_progress", "2015-06-20")
    history = client.get(f"/api/v1/recommendations/{rec['id']}/history").json()
    assert [h["note"] for h in history["items"]] == ["Algiers accord signed."]


def test_vanished_items_go_unless_assessed(client):
    run_seed(client)
    doc = client.get("/api/v1/documents/mali-reform-or-relapse").json()
    extra = {"document_id": doc["id"], "text": "An item a buggy parser once found."}
    stale = client.post("/api/v1/recommendations", json=extra).json()
    assessed = client.post("/api/v1/recommendations", json=extra).json()
    client.post(
        f"/api/v1/recommendations/{assessed['id']}/status",
        json={"status": "not_started", "as_of": "2016-01-01"},
    )
    with client.app.state.sessionmaker() as session:
        for rid, key in ((stale["id"], "old/1"), (assessed["id"], "old/2")):
            session.get(Recommendation, rid).source_key = key
        session.commit()
    reports = {r.slug: r for r in run_seed(client)}
    report = reports["mali-reform-or-relapse"]
    assert (report.removed, report.kept_with_history) == (1, 1)
    assert client.get(f"/api/v1/recommendations/{stale['id']}").status_code == 404
    assert client.get(f"/api/v1/recommendations/{assessed['id']}").status_code == 200


def test_import_dry_run_writes_nothing(client, count):
    body = {
        "title": "Mali: After the Transition",
        "publisher": "Think Tank",
        "published_on": "2022-03",
        "text": NEW_BRIEFING,
        "dry_run": True,
    }
    r = client.post("/api/v1/documents/import", json=body)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["dry_run"] is True
    assert out["document"]["slug"] == "mali-after-the-transition"
    assert out["document"]["date_precision"] == "month"
    rows = [(i["label"], i["parent_label"], i["addressee_raw"]) for i in out["recommendations"]]
    assert rows == [
        ("1", None, "To the Malian transitional authorities:"),
        ("2", None, "To the Malian transitional authorities:"),
        ("2.a", "2", "To the Malian transitional authorities:"),
        ("2.b", "2", "To the Malian transitional authorities:"),
        ("1", None, "To the Wagner Group:"),
    ]
    assert out["recommendations"][1]["text"] == "Open talks with the armed groups in the centre by:"
    assert out["recommendations"][0]["theme"] == "RECOMMENDATIONS"
    assert "Wagner Group" in out["summary"]["new_actors"]
    assert (count(Document), count(Recommendation), count(Actor)) == (0, 0, 0)


def test_import_creates_document_items_and_new_actors(client, as_role):
    client.post(
        "/api/v1/actors",
        json={
            "name": "Malian government",
            "kind": "government",
            "aliases": ["Malian transitional authorities"],
        },
    )
    body = {
        "title": "Mali: After the Transition",
        "publisher": "Think Tank",
        "published_on": "2022-03-15",
        "text": NEW_BRIEFING,
    }
    r = as_role("analyst").post("/api/v1/documents/import", json=body)
    assert r.status_code == 201, r.text
    doc = r.json()["document"]
    assert r.headers["location"] == f"/api/v1/documents/{doc['id']}"
    assert r.json()["summary"]["new_actors"] == ["Wagner Group"]
    items = client.get(f"/api/v1/recommendations?document={doc['slug']}").json()["items"]
    assert len(items) == 5
    assert items[0]["actors"][0]["name"] == "Malian government"
    assert items[4]["actors"][0]["name"] == "Wagner Group"
    assert items[2]["parent_id"] == items[1]["id"]
    text = client.get(f"/api/v1/documents/{doc['id']}/text").text
    assert text[items[0]["source_start"] : items[0]["source_end"]].endswith("end of the year.")
    # Importing the same title again is a conflict; naming the slug re-imports in place.
    assert client.post("/api/v1/documents/import", json=body).status_code == 409
    again = client.post("/api/v1/documents/import", json=body | {"slug": doc["slug"]})
    assert again.status_code == 201
    assert again.json()["summary"]["created"] == 0
    assert client.get("/api/v1/documents").json()["total"] == 1


def test_import_multipart_upload(client):
    r = client.post(
        "/api/v1/documents/import",
        data={
            "title": "Uploaded",
            "publisher": "Think Tank",
            "doc_type": "briefing",
            "dry_run": "true",
        },
        files={"file": ("brief.txt", NEW_BRIEFING.encode(), "text/plain")},
    )
    assert r.status_code == 200, r.text
    assert len(r.json()["recommendations"]) == 5
    assert r.json()["document"]["source_file"] == "brief.txt"
    assert r.json()["document"]["id"] is None and "text" not in r.json()["document"]
    r = client.post(
        "/api/v1/documents/import",
        data={"title": "Binary", "publisher": "Think Tank"},
        files={"file": ("x.bin", b"\xff\xfe\x00\x01" * 100, "application/octet-stream")},
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["loc"] == ["body", "file"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "   \n  "}, "text"),
        ({"text": "abc\x00def"}, "text"),
        ({"published_on": "March 2022"}, "published_on"),
        ({"published_on": "2022-02-30"}, "published_on"),
        ({"doc_type": "memo"}, "doc_type"),
        ({"title": ""}, "title"),
    ],
)
def test_import_bad_input_is_422_and_writes_nothing(client, count, body, field):
    base = {"title": "T", "publisher": "P", "text": NEW_BRIEFING}
    r = client.post("/api/v1/documents/import", json=base | body)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"][0]["loc"][:2] == ["body", field]
    assert count(Document) == 0


def test_import_not_a_briefing_says_so(client):
    body = {
        "title": "Recipe",
        "publisher": "Cook",
        "dry_run": True,
        "text": "Take two eggs.\nBeat them well.\nServe warm.\n",
    }
    r = client.post("/api/v1/documents/import", json=body)
    assert r.status_code == 200
    assert r.json()["recommendations"] == []
    assert "no recommendation list found" in r.json()["warnings"]


def test_import_needs_an_analyst(as_role):
    # The role is checked before the body: a bad body from a reader is still a 403.
    assert as_role("reader").post("/api/v1/documents/import", json={}).status_code == 403
    assert as_role(None).post("/api/v1/documents/import", content=b"{").status_code == 401
    body = {"title": "T", "publisher": "P", "text": NEW_BRIEFING, "dry_run": True}
    assert as_role(None).post("/api/v1/documents/import", json=body).status_code == 401
    assert as_role("reader").post("/api/v1/documents/import", json=body).status_code == 403
    assert as_role("revoked").post("/api/v1/documents/import", json=body).status_code == 401
    assert as_role("analyst").post("/api/v1/documents/import", json=body).status_code == 200


def test_cli_seed_and_import(client, recotrack, tmp_path):
    first = recotrack("seed")
    assert first.exit_code == 0, first.output
    assert "mali-reform-or-relapse: 34 list + 0 prose items (34 new" in first.output
    second = recotrack("seed")
    assert "mali-reform-or-relapse: 34 list + 0 prose items (0 new, 0 updated" in second.output
    path = tmp_path / "brief.txt"
    path.write_text(NEW_BRIEFING, encoding="utf-8")
    args = ["import", str(path), "--title", "After", "--publisher", "TT", "--date", "2022"]
    dry = recotrack(*args, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "To the Wagner Group: | 1 | list | Leave the country. ..." in dry.output
    assert client.get("/api/v1/documents/after").status_code == 404
    real = recotrack(*args)
    assert real.exit_code == 0, real.output
    assert client.get("/api/v1/documents/after").json()["date_precision"] == "year"
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    failed = recotrack("import", str(empty), "--title", "E", "--publisher", "P")
    assert failed.exit_code == 2
    assert "input is empty" in failed.output
