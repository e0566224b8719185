"""`recotrack keys create|list|revoke` against the test databases."""

import pytest
from fastapi.testclient import TestClient


def test_create_prints_the_key_alone_on_its_last_line(client, recotrack):
    result = recotrack("keys", "create", "--name", "ops", "--role", "admin")
    assert result.exit_code == 0, result.output
    secret = result.stdout.rstrip("\n").splitlines()[-1]
    assert secret.startswith("rt_") and secret == secret.strip() and " " not in secret
    assert "not shown again" in result.stdout
    ops = TestClient(
        client.app, raise_server_exceptions=False, headers={"Authorization": f"Bearer {secret}"}
    )
    assert ops.post("/api/v1/actors", json={"name": "ECOWAS"}).status_code == 201


def test_list_shows_keys_but_never_secrets(client, recotrack):
    secret = recotrack("keys", "create", "--name", "amina", "--role", "analyst").stdout.split()[-1]
    result = recotrack("keys", "list")
    assert result.exit_code == 0
    line = next(line for line in result.stdout.splitlines() if line.startswith("amina "))
    assert line.split()[1] == "analyst"
    assert secret not in result.stdout


def test_revoke_locks_the_key_out(client, recotrack):
    secret = recotrack("keys", "create", "--name", "gone", "--role", "admin").stdout.split()[-1]
    result = recotrack("keys", "revoke", "gone")
    assert result.exit_code == 0
    assert "Revoked key 'gone'" in result.stdout
    gone = TestClient(
        client.app, raise_server_exceptions=False, headers={"Authorization": f"Bearer {secret}"}
    )
    assert gone.get("/api/v1/actors").status_code == 401
    listed = next(line for line in recotrack("keys", "list").stdout.splitlines() if "gone" in line)
    assert listed.split()[-1] != "-"  # the revocation time


@pytest.mark.parametrize(
    "args,code,message",
    [
        (["keys", "create", "--name", "x", "--role", "boss"], 2, "boss"),
        (["keys", "create", "--name", "with space", "--role", "reader"], 1, "error: name"),
        (["keys", "revoke", "nobody"], 1, "No key named 'nobody'"),
    ],
)
def test_bad_key_commands_fail_with_a_message(client, recotrack, args, code, message):
    result = recotrack(*args)
    assert result.exit_code == code
    assert message in result.output


def test_names_are_never_reused(client, recotrack):
    assert recotrack("keys", "create", "--name", "dup", "--role", "reader").exit_code == 0
    again = recotrack("keys", "create", "--name", "dup", "--role", "admin")
    assert again.exit_code == 1
    assert "already exists" in again.output
