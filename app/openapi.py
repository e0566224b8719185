"""The OpenAPI document: every error answer is documented as application/problem+json."""

from typing import Any

from fastapi import FastAPI

from app.schemas import Problem

PROBLEM_MEDIA_TYPE = "application/problem+json"
_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}

CLIENT_ERRORS = (
    "A problem document: 401 no, unknown or revoked key; 403 role too low; 404 not found; "
    "405 method not allowed; 409 conflicts with existing data; 412 stale If-Match; "
    "413 body too large; 422 invalid input (`errors` lists each bad field)."
)


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_MEDIA_TYPE: {"schema": _PROBLEM_REF}}}


def document_problems(schema: dict[str, Any], *, open_reads: bool) -> dict[str, Any]:
    """Replace FastAPI's default 422 with problem+json and add 4XX and 503 to every operation.

    With open_reads, a key is optional on GET: `security` lists the empty requirement too.
    """
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            if open_reads and method == "get" and operation.get("security"):
                operation["security"] = [{}, *operation["security"]]
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            responses["4XX"] = _problem(CLIENT_ERRORS)
            if path != "/healthz":
                description = responses.get("503", {}).get("description")
                responses["503"] = _problem(
                    description or "The database is unavailable; retry later."
                )
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    return schema


def install(app: FastAPI) -> None:
    """Post-process the generated OpenAPI document once, when it is first asked for."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            open_reads = not app.state.settings.read_requires_key
            app.openapi_schema = document_problems(generate(), open_reads=open_reads)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
