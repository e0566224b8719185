"""Reject query parameters that a route does not declare, so a typo is a 422, not ignored;
NUL characters in any query or path value; and more than 100 values for one parameter."""

from collections import Counter

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from app.errors import Unprocessable


def _query_names(dependant: Dependant) -> set[str]:
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


_declared: dict[int, frozenset[str]] = {}
# Each repeated value is an OR term in SQL; thousands of them are a cheap way to load the DB.
MAX_VALUES_PER_PARAMETER = 100


def _forbid_nul(request: Request) -> None:
    # PostgreSQL cannot store or even compare a string with a NUL in it (a 500 otherwise).
    bad = [("query", k) for k, v in request.query_params.multi_items() if "\x00" in k + v]
    bad += [("path", k) for k, v in request.path_params.items() if "\x00" in str(v)]
    if bad:
        raise Unprocessable(
            f"NUL characters are not allowed: {', '.join(name for _, name in bad)}.",
            errors=[
                {
                    "loc": [where, name],
                    "msg": "must not contain NUL characters",
                    "type": "value_error",
                }
                for where, name in bad
            ],
        )


def _limit_repeats(request: Request) -> None:
    counts = Counter(name for name, _ in request.query_params.multi_items())
    over = sorted(name for name, n in counts.items() if n > MAX_VALUES_PER_PARAMETER)
    if over:
        message = f"at most {MAX_VALUES_PER_PARAMETER} values per parameter"
        raise Unprocessable(
            f"Too many values for {', '.join(over)}: {message}.",
            errors=[{"loc": ["query", name], "msg": message, "type": "too_long"} for name in over],
            limit=MAX_VALUES_PER_PARAMETER,
        )


def forbid_unknown_query(request: Request) -> None:
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    # Routes are built once per app, so their id is a stable cache key.
    declared = _declared.get(id(route))
    if declared is None:
        declared = _declared[id(route)] = frozenset(_query_names(route.dependant))
    _forbid_nul(request)
    _limit_repeats(request)
    unknown = sorted(set(request.query_params) - declared)
    if unknown:
        raise Unprocessable(
            f"Unknown query parameter(s): {', '.join(unknown)}.",
            errors=[
                {
                    "loc": ["query", name],
                    "msg": "unknown query parameter",
                    "type": "extra_forbidden",
                }
                for name in unknown
            ],
        )
