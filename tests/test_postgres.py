"""PostgreSQL with several processes on one database: races between nodes are settled by
unique keys, migrations run once however many processes start together."""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from ingest import storage
from ingest.storage import lead_counts, migrations, pending

from .conftest import count, rows
from .servers import serving

# Two nodes, each allowing plenty: the test is about races, not limits.
UNLIMITED = {
    f"LEADSOURCE_LIMIT_{what}_PER_{who}": "100000"
    for what in ("SUBMIT", "FORM", "COLLECT", "SCRIPT")
    for who in ("CLIENT", "TENANT")
}


@pytest.fixture
def backend() -> str:
    return "postgres"


def post_json(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def at_once(calls: list) -> list:
    """Run the calls in threads released together."""
    start = threading.Barrier(len(calls))

    def run(call):
        start.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_two_nodes_given_the_same_new_email_at_once_make_one_person(db_url, make_tenant):
    tenant = make_tenant()
    rounds = 20
    with serving(db_url, env=UNLIMITED) as a, serving(db_url, env=UNLIMITED) as b:
        for i in range(rounds):
            body = {"email": f"race{i}@example.com", "company": f"Race {i}"}
            answers = at_once(
                [
                    lambda node=node, body=body: post_json(
                        node + tenant.form_path,
                        {**body, "ls_submission_id": uuid.uuid4().hex},
                    )
                    for node in (a, b)
                ]
            )
            assert [status for status, _ in answers] == [201, 201], answers
    # One person and one company per email, each with both submissions.
    persons = rows(db_url, "SELECT email FROM persons WHERE tenant_id = ?", tenant.tenant_id)
    assert sorted(p["email"] for p in persons) == sorted(
        f"race{i}@example.com" for i in range(rounds)
    )
    assert count(db_url, "companies") == rounds
    assert count(db_url, "submissions") == 2 * rounds


def test_one_submission_id_sent_to_two_nodes_at_once_is_one_submission(db_url, make_tenant):
    tenant = make_tenant()
    with serving(db_url, env=UNLIMITED) as a, serving(db_url, env=UNLIMITED) as b:
        for i in range(10):
            body = {"email": f"retry{i}@example.com", "ls_submission_id": f"retry-{i:04d}-abcd"}
            answers = at_once(
                [
                    lambda node=node, body=body: post_json(node + tenant.form_path, body)
                    for node in (a, b)
                ]
            )
            # Both acknowledged, with the one stored answer.
            assert [status for status, _ in answers] == [201, 201], answers
            assert {answer["submission_id"] for _, answer in answers} == {body["ls_submission_id"]}
            # Other content under the same id is a conflict on either node.
            other = {**body, "email": f"other{i}@example.com"}
            assert post_json(b + tenant.form_path, other)[0] == 409
    assert count(db_url, "submissions") == 10
    assert count(db_url, "persons") == 10


@pytest.mark.parametrize("pipelined", [False, True])
def test_a_job_that_breaks_a_unique_key_runs_again_with_nothing_of_its_first_run(
    db_url, make_tenant, pipelined
):
    """What a race with another node looks like to a job: its first run breaks a unique key
    (in pipeline mode the error comes only at the next read or the COMMIT); the run is rolled
    back with the counts it gathered, and the second run's alone are kept."""
    tenant = make_tenant()
    runs: list[int] = []
    insert = (
        "INSERT INTO lead_counts (tenant_id, lead_status_id, owner_id, slot, persons)"
        " VALUES (?, ?, '', 0, 1)"
    )

    def job(conn):
        runs.append(len(runs) + 1)
        pending.add(conn, lead_counts.KIND, (tenant.tenant_id, "st_gathered", ""), 10)
        conn.execute(insert, (tenant.tenant_id, f"st_run{len(runs)}"))
        if len(runs) == 1:
            conn.execute(insert, (tenant.tenant_id, "st_run1"))  # the same key again
        return len(runs)

    async def write():
        db = storage.open_database(db_url)
        await db.start()
        try:
            return await db.write(job, pipelined=pipelined)
        finally:
            await db.close()

    assert asyncio.run(write()) == 2
    found = rows(
        db_url,
        "SELECT lead_status_id, SUM(persons) AS n FROM lead_counts WHERE tenant_id = ?"
        " GROUP BY lead_status_id ORDER BY lead_status_id",
        tenant.tenant_id,
    )
    assert [
        (r["lead_status_id"], r["n"]) for r in found if r["lead_status_id"].startswith("st_")
    ] == [
        ("st_gathered", 10),
        ("st_run2", 1),
    ]


def test_processes_starting_together_apply_each_migration_once(postgres_database):
    server = postgres_database.rsplit("/", 1)[0] + "/postgres"
    name = f"leadsource_migrate_{uuid.uuid4().hex[:8]}"
    with storage.connect(server) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    url = server.rsplit("/", 1)[0] + "/" + name
    try:

        def migrate() -> list[int]:
            with storage.connect(url) as conn:
                return storage.migrate(conn)

        applied = at_once([migrate] * 4)
        versions = [v for v, _, _ in migrations.migrations()]
        # One process applied everything; the others found nothing left to do.
        assert sorted(applied, key=len) == [[], [], [], versions]
        recorded = rows(url, "SELECT version FROM schema_migrations ORDER BY version")
        assert [r["version"] for r in recorded] == versions
    finally:
        with storage.connect(server) as conn:
            conn.execute(f"DROP DATABASE {name} WITH (FORCE)")


def test_serve_with_workers_runs_processes_on_one_port(db_url, make_tenant, tmp_path):
    """``leadsource serve --workers 2``: both processes answer on the one port, and every
    submission sent at once is stored once."""
    tenant = make_tenant()
    with serving(db_url, workers=2, env=UNLIMITED, log=tmp_path / "serve.log") as node:
        answers = at_once(
            [
                lambda i=i: post_json(
                    node + tenant.form_path,
                    {"email": f"worker{i}@example.com", "ls_submission_id": f"worker-{i:04d}"},
                )
                for i in range(16)
            ]
        )
    assert [status for status, _ in answers] == [201] * 16
    assert count(db_url, "persons") == 16
    # uvicorn's supervisor started two worker processes.
    log = (tmp_path / "serve.log").read_text()
    assert log.count("Started server process") >= 2, log
