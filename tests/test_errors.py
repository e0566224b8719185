"""Every error is application/problem+json with type, title, status and detail."""

PROBLEM = "application/problem+json"


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    assert body["type"].startswith("https://") and body["title"] and body["detail"]
    return body


def test_unknown_route_is_problem(client):
    assert_problem(client.get("/api/v1/nothing-here"), 404)


def test_wrong_method_is_problem(client):
    assert_problem(client.put("/api/v1/recommendations"), 405)


def test_validation_lists_every_bad_field(client):
    body = assert_problem(
        client.post("/api/v1/documents", json={"title": "", "doc_type": "memo"}), 422
    )
    locs = {tuple(e["loc"]) for e in body["errors"]}
    assert locs == {("body", "title"), ("body", "publisher"), ("body", "doc_type")}
    assert all(e["msg"] and e["type"] for e in body["errors"])


def test_unknown_query_parameter_names_it(client):
    body = assert_problem(client.get("/api/v1/documents?publsher=UN"), 422)
    assert body["errors"] == [
        {"loc": ["query", "publsher"], "msg": "unknown query parameter", "type": "extra_forbidden"}
    ]


def test_openapi_documents_the_api(client):
    spec = client.get("/openapi.json").json()
    assert {"/api/v1/documents", "/api/v1/actors/{actor_id}", "/api/v1/recommendations"} <= set(
        spec["paths"]
    )
    params = {p["name"] for p in spec["paths"]["/api/v1/recommendations"]["get"]["parameters"]}
    assert {"status", "actor", "document", "sort", "limit", "offset", "top_level"} <= params
