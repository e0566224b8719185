"""Property-based fuzzing of the whole HTTP API from its own OpenAPI document (schemathesis).

A real uvicorn process serves the test database; schemathesis generates valid and invalid
requests for every operation, with an analyst key and with none. No response may be a 5xx,
every response must match what /openapi.json documents, and every error is problem+json.
"""

import os
from collections import Counter
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.config import SchemathesisConfig
from schemathesis.generation import GenerationMode
from sqlalchemy.orm import Session

from app.db import make_engine
from app.models import Role
from app.services import keys
from tests.conftest import _truncate
from tests.servers import Server

# Examples per operation, per generation mode; RECOTRACK_FUZZ_EXAMPLES=500 for a long soak.
MAX_EXAMPLES = int(os.environ.get("RECOTRACK_FUZZ_EXAMPLES", "20"))
PROBLEM = "application/problem+json"
FUZZED: Counter = Counter()

CONFIG = {
    "generation": {
        "max-examples": MAX_EXAMPLES,
        "mode": "all",
        "database": "none",
        "allow-x00": True,
    },
    "checks": {
        # Valid-by-schema input may still be refused (an analyst may not create documents, an
        # id may not exist, published_from may be after published_to): not a bug.
        "positive_data_acceptance": {"enabled": False},
        # A query string has no types: "publisher=0.79" is a fine publisher, not the number
        # the negative generator meant, so "invalid data accepted" is noise for queries.
        "negative_data_rejection": {"enabled": False},
    },
}


def _seed(database_url: str) -> dict[str, str]:
    """A little data for ids to hit, and one key per role."""
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            secrets = {
                role: keys.create(session, f"fuzz-{role}", Role(role))[1]
                for role in ("reader", "analyst", "admin")
            }
            session.commit()
    finally:
        engine.dispose()
    return secrets


@pytest.fixture(scope="module")
def fuzz_server(database_url: str, tmp_path_factory) -> Iterator[tuple[Server, dict]]:
    """One server per backend for the module; the tables are emptied afterwards."""
    secrets = _seed(database_url)
    server = Server(database_url, tmp_path_factory.mktemp("fuzz") / "server.log").start()
    admin = {"Authorization": f"Bearer {secrets['admin']}"}
    import httpx

    with httpx.Client(base_url=server.base, headers=admin, timeout=10) as http:
        doc = http.post(
            "/api/v1/documents",
            json={"title": "Seed", "publisher": "ICG", "published_on": "2014-01-10", "text": "x"},
        ).json()
        un = http.post("/api/v1/actors", json={"name": "United Nations", "aliases": ["UN"]}).json()
        http.post("/api/v1/actors", json={"name": "MINUSMA", "parent_id": un["id"]})
        for i in range(3):
            rec = http.post(
                "/api/v1/recommendations",
                json={"document_id": doc["id"], "text": f"Do {i}.", "actors": ["UN"]},
            ).json()
            http.post(f"/api/v1/recommendations/{rec['id']}/status", json={"status": "in_progress"})
    try:
        yield server, secrets
    finally:
        server.stop()
        log = server.log()
        engine = make_engine(database_url)
        with Session(engine) as session:
            _truncate(session)
        engine.dispose()
        assert "Traceback" not in log, log[-5000:]
        for secret in secrets.values():
            assert secret not in log


def _fuzz_operation(
    operation, mode, headers: dict, secrets: dict, label: str, examples: int
) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: report the first failure
    )
    def run(case) -> None:
        response = case.call_and_validate(headers=headers, timeout=30)
        FUZZED[label] += 1
        content_type = response.headers.get("content-type", [None])[0]
        if response.status_code >= 400:
            assert content_type == PROBLEM, (
                f"{case.method} {case.formatted_path} -> {response.status_code} "
                f"{content_type}: {response.text[:300]}"
            )
        assert not any(secret in response.text for secret in secrets.values())

    run()


@pytest.mark.parametrize("role", ["analyst", None], ids=["analyst", "anonymous"])
def test_api_survives_fuzzing(fuzz_server, role, database_url):
    server, secrets = fuzz_server
    config = SchemathesisConfig.from_dict(CONFIG)
    schema = schemathesis.openapi.from_url(f"{server.base}/openapi.json", config=config)
    headers = {"Authorization": f"Bearer {secrets[role]}"} if role else {}
    label = f"{database_url.split(':')[0]}/{role or 'anonymous'}"
    failures = []

    def examples(operation) -> int:
        # Without a key every write stops at the key check: a few examples show that.
        anonymous_write = role is None and operation.method.upper() != "GET"
        return max(3, MAX_EXAMPLES // 5) if anonymous_write else MAX_EXAMPLES

    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzz_operation(operation, mode, headers, secrets, label, examples(operation))
            except Unsatisfiable:  # nothing to make invalid (no parameters, no body)
                pass
            except (Exception, BaseExceptionGroup) as exc:  # report every operation, not the first
                failures.append(f"--- {operation.label} ({mode.value}):\n{exc}")
    assert not failures, "\n".join(failures)


def test_fuzz_figures(capsys):
    """Print how many requests the fuzzer sent (the module's last test)."""
    with capsys.disabled():
        print(f"\nfuzzed requests: {dict(FUZZED)} total {sum(FUZZED.values())}")
