def test_empty_list(client):
    r = client.get("/api/v1/recommendations")
    assert r.status_code == 200
    assert r.json() == {"items": [], "total": 0, "limit": 50, "offset": 0}
