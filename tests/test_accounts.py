"""Accounts of the app: `leadsource user create|update`, password hashing, roles, and the
sign-in that follows (on both engines)."""

from __future__ import annotations

import json
import threading

import pytest
from argon2 import PasswordHasher

from ingest import storage
from ingest.domain import accounts
from ingest.ops.cli import main
from ingest.storage.reads import StoreError

from .conftest import rows, sign_in


@pytest.fixture
def cli(db_url, capsys):
    def run(*args: str) -> tuple[int, dict | None, str]:
        code = main([*args, "--db", db_url])
        out, err = capsys.readouterr()
        return code, (json.loads(out) if code == 0 else None), err

    run("tenant", "create", "acme")
    run("tenant", "create", "beta")
    return run


def test_user_create_prints_the_account_and_a_generated_password(cli, db_url, client):
    code, out, _ = cli("user", "create", " Ann@Example.COM ", "--tenant", "acme", "--role", "owner")
    assert code == 0
    assert set(out) == {"user_id", "email", "tenant_id", "role", "password"}
    assert out["email"] == "ann@example.com"
    assert (out["tenant_id"], out["role"]) == ("acme", "admin")  # owner is the admin role
    assert out["user_id"].startswith("usr_") and len(out["password"]) >= 20
    (user,) = rows(db_url, "SELECT * FROM users")
    # Only an Argon2id hash is stored, never the password.
    assert user["password_hash"].startswith("$argon2id$")
    assert out["password"] not in json.dumps(user)
    # The printed password signs in, and leads to the tenant's home.
    response = sign_in(client, "ANN@example.com", out["password"])
    assert (response.status_code, response.headers["location"]) == (303, "/app/acme/")


def test_user_create_with_a_password(cli, client):
    code, out, _ = cli(
        "user", "create", "bo@example.com", "--tenant", "beta", "--role", "sales",
        "--password", "a long enough password",
    )  # fmt: skip
    assert code == 0 and out["password"] == "a long enough password"
    assert sign_in(client, "bo@example.com", "a long enough password").status_code == 303


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("x@example.com", "--tenant", "acme", "--role", "boss"), "role must be one of"),
        (("x@example.com", "--tenant", "nope", "--role", "sales"), "no tenant 'nope'"),
        (("not-an-email", "--tenant", "acme", "--role", "sales"), "is not an email address"),
        (("x@example.com", "--tenant", "acme", "--role", "sales", "--password", "short"), "10-"),
    ],
)
def test_user_create_refusals(cli, db_url, args, message):
    code, _, err = cli("user", "create", *args)
    assert code == 2 and message in err
    assert rows(db_url, "SELECT * FROM users") == []  # all or nothing


def test_user_create_twice_fails_clearly(cli):
    cli("user", "create", "ann@example.com", "--tenant", "acme", "--role", "admin")
    code, _, err = cli("user", "create", "ann@example.com", "--tenant", "beta", "--role", "sales")
    assert code == 2 and "exists already" in err


def test_user_update_adds_tenants_changes_roles_and_removes(cli, db_url):
    cli("user", "create", "ann@example.com", "--tenant", "acme", "--role", "marketer")
    code, out, _ = cli("user", "update", "ann@example.com", "--tenant", "beta", "--role", "sales")
    assert code == 0 and "password" not in out
    assert out["tenants"] == [
        {"tenant_id": "acme", "role": "marketer"},
        {"tenant_id": "beta", "role": "sales"},
    ]
    _, out, _ = cli("user", "update", "ann@example.com", "--tenant", "acme", "--role", "admin")
    assert out["tenants"][0] == {"tenant_id": "acme", "role": "admin"}
    _, out, _ = cli("user", "update", "ann@example.com", "--tenant", "acme", "--remove")
    assert out["tenants"] == [{"tenant_id": "beta", "role": "sales"}]
    code, _, err = cli("user", "update", "ann@example.com", "--tenant", "acme", "--remove")
    assert code == 2 and "not a member" in err
    code, _, err = cli("user", "update", "nobody@example.com", "--new-password")
    assert code == 2 and "no user" in err
    code, _, err = cli("user", "update", "ann@example.com", "--role", "admin")
    assert code == 2 and "need --tenant" in err


def test_user_update_password_changes_it(cli, client):
    cli("user", "create", "ann@example.com", "--tenant", "acme", "--role", "sales",
        "--password", "the first password")  # fmt: skip
    code, out, _ = cli("user", "update", "ann@example.com", "--new-password")
    assert code == 0 and len(out["password"]) >= 20
    assert sign_in(client, "ann@example.com", "the first password").status_code == 400
    assert sign_in(client, "ann@example.com", out["password"]).status_code == 303
    _, out, _ = cli("user", "update", "ann@example.com", "--password", "my own new password")
    assert out["password"] == "my own new password"
    assert sign_in(client, "ann@example.com", "my own new password").status_code == 303


def test_passwords_are_salted_and_verified():
    first, second = accounts.hash_password("same password"), accounts.hash_password("same password")
    assert first != second  # a salt per hash
    assert accounts.verify_password(first, "same password")
    assert not accounts.verify_password(first, "same passworD")
    assert not accounts.verify_password("not a hash", "same password")
    assert not accounts.verify_password(None, "anything")  # no such user


def test_the_real_hasher_is_argon2id_with_rfc_9106_parameters(monkeypatch):
    monkeypatch.undo()  # the conftest's cheap hasher off: the one the service uses
    hashed = accounts.hasher.hash("x")
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_a_weaker_hash_is_upgraded_at_sign_in(make_user, client, db_url, monkeypatch):
    make_user("ann@example.com", ("acme", "sales"))
    weak = rows(db_url, "SELECT password_hash FROM users")[0]["password_hash"]
    stronger_hasher = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    monkeypatch.setattr(accounts, "hasher", stronger_hasher)
    assert sign_in(client, "ann@example.com").status_code == 303
    stronger = rows(db_url, "SELECT password_hash FROM users")[0]["password_hash"]
    assert stronger != weak and "m=16,t=2" in stronger
    # Not a password change: the session stays valid.
    assert client.get("/app/acme/").status_code == 200


def test_two_admins_demoting_each_other_at_once_leave_one_admin(cli, db_url, backend):
    """Each demotion is its own transaction, as two app processes would run them: the second
    must see the first's result (on PostgreSQL the admins' rows are locked), never both
    succeed and leave the account without an admin. On PostgreSQL both transactions are
    open before either counts the admins; on SQLite the write lock orders them from BEGIN,
    so they only start together."""
    ids = {}
    for name in ("ann", "bea"):
        _, out, _ = cli(
            "user", "create", f"{name}@x.example", "--tenant", "acme", "--role", "admin"
        )
        ids[name] = out["user_id"]
    for _ in range(10):
        for name in ids:
            cli("user", "update", f"{name}@x.example", "--tenant", "acme", "--role", "admin")
        outcomes = race(db_url, backend, ids)
        admins = rows(db_url, "SELECT user_id FROM memberships WHERE tenant_id = ? AND role = ?",
                      "acme", "admin")  # fmt: skip
        assert len(admins) == 1, outcomes
        assert sorted(outcomes) == ["The account needs at least one admin.", "demoted"]


def race(db_url: str, backend: str, ids: dict[str, str]) -> list[str]:
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def demote(user: str, by: str) -> None:
        def job(conn):
            if backend == "postgres":
                barrier.wait(timeout=10)
            return accounts.change_role(conn, "acme", ids[user], "marketer", ids[by])

        if backend != "postgres":
            barrier.wait(timeout=10)
        try:
            storage.transaction(db_url, job)
            outcomes.append("demoted")
        except StoreError as error:
            outcomes.append(str(error))

    threads = [
        threading.Thread(target=demote, args=("ann", "bea")),
        threading.Thread(target=demote, args=("bea", "ann")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes
