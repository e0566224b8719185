"""Actors: names and aliases, parents, delete rules."""

from app.models import Actor, ActorAlias
from tests.factories import make_actor, make_recommendation


def test_create_with_aliases_and_parent(client):
    un = make_actor(
        client, name="United Nations", kind="international_organization", aliases=["UN"]
    )
    minusma = make_actor(client, name="MINUSMA", kind="un_entity", parent_id=un["id"])
    assert un["aliases"] == ["UN"]
    assert minusma["parent_id"] == un["id"]
    assert client.get(f"/api/v1/actors/{minusma['id']}").json() == minusma
    listed = client.get(f"/api/v1/actors?parent_id={un['id']}").json()
    assert [a["name"] for a in listed["items"]] == ["MINUSMA"]
    kinds = client.get("/api/v1/actors?kind=un_entity&kind=state").json()
    assert [a["id"] for a in kinds["items"]] == [minusma["id"]]


def test_names_and_aliases_are_unique_ignoring_case_and_apostrophes(client, count):
    make_actor(client, name="Côte d’Ivoire", aliases=["Ivory Coast"])
    for body in (
        {"name": "côte d'ivoire"},
        {"name": "IVORY COAST"},
        {"name": "Other", "aliases": ["ivory  coast"]},
    ):
        r = client.post("/api/v1/actors", json=body)
        assert r.status_code == 409, body
        assert r.headers["content-type"] == "application/problem+json"
    r = client.post("/api/v1/actors", json={"name": "X", "aliases": ["Y", "y"]})
    assert r.status_code == 422
    assert count(Actor) == 1 and count(ActorAlias) == 1


def test_patch_aliases_replaces_them(client):
    actor = make_actor(client, name="ECOWAS", aliases=["CEDEAO", "Economic Community"])
    r = client.patch(f"/api/v1/actors/{actor['id']}", json={"aliases": ["Economic Community", "E"]})
    assert r.status_code == 200
    assert r.json()["aliases"] == ["Economic Community", "E"]
    assert client.get("/api/v1/recommendations?actor=CEDEAO").status_code == 422
    r = client.patch(f"/api/v1/actors/{actor['id']}", json={"name": "Ecowas"})
    assert r.status_code == 200 and r.json()["name"] == "Ecowas"


def test_parent_must_exist_and_not_make_a_cycle(client):
    a = make_actor(client)
    b = make_actor(client, parent_id=a["id"])
    c = make_actor(client, parent_id=b["id"])
    assert client.post("/api/v1/actors", json={"name": "Z", "parent_id": 999}).status_code == 422
    r = client.patch(f"/api/v1/actors/{a['id']}", json={"parent_id": c["id"]})
    assert r.status_code == 422
    assert r.json()["errors"][0]["loc"] == ["body", "parent_id"]
    assert client.patch(f"/api/v1/actors/{a['id']}", json={"parent_id": a["id"]}).status_code == 422
    assert client.get(f"/api/v1/actors/{a['id']}").json()["parent_id"] is None
    r = client.patch(f"/api/v1/actors/{c['id']}", json={"parent_id": None})
    assert r.status_code == 200 and r.json()["parent_id"] is None


def test_delete_rules(client, count):
    parent = make_actor(client)
    child = make_actor(client, parent_id=parent["id"])
    linked = make_actor(client)
    rec = make_recommendation(client, actor_ids=[linked["id"]])
    assert client.delete(f"/api/v1/actors/{parent['id']}").status_code == 409
    assert client.delete(f"/api/v1/actors/{linked['id']}").status_code == 409
    assert client.delete(f"/api/v1/actors/{parent['id']}?cascade=true").status_code == 204
    assert client.get(f"/api/v1/actors/{child['id']}").json()["parent_id"] is None
    assert client.delete(f"/api/v1/actors/{linked['id']}?cascade=true").status_code == 204
    assert client.get(f"/api/v1/recommendations/{rec['id']}").json()["actors"] == []
    lone = make_actor(client, aliases=["lonely"])
    assert client.delete(f"/api/v1/actors/{lone['id']}").status_code == 204
    assert count(ActorAlias) == 0


def test_unknown_actor_paths(client):
    assert client.get("/api/v1/actors/999").status_code == 404
    assert client.get("/api/v1/actors/abc").status_code == 422
    assert client.get("/api/v1/actors/0").status_code == 422
    assert client.get("/api/v1/actors/99999999999").status_code == 422
    assert client.patch("/api/v1/actors/999", json={"kind": "state"}).status_code == 404
    assert client.delete("/api/v1/actors/999").status_code == 404
    assert client.post("/api/v1/actors", json={"name": "A", "kind": "alien"}).status_code == 422
