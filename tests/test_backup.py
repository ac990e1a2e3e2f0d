"""`leadsource backup`: a consistent copy while the writer keeps committing, which the
service can then run on."""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
import threading
import time
from dataclasses import replace

import pytest
from starlette.testclient import TestClient

from ingest.app import create_app
from ingest.domain.submissions import Touches, record
from ingest.domain.validation import validate
from ingest.ops.backup import table_counts
from ingest.ops.cli import main
from ingest.storage.sqlite import Writer

from .conftest import person


@pytest.fixture
def backend() -> str:
    """SQLite's online backup; a PostgreSQL database is backed up with pg_dump."""
    return "sqlite"


def test_backup_of_postgresql_points_to_its_own_tools(capsys):
    code, err = backup("postgresql://postgres@127.0.0.1/leadsource", "/tmp/x.db", capsys=capsys)
    assert code == 2 and "pg_dump" in err


class Submitter(threading.Thread):
    """The real writer committing submissions (a person and a company each) as fast as it
    can, in a thread of its own, until told to stop."""

    def __init__(self, db_path: str, tenant_id: str) -> None:
        super().__init__(daemon=True)
        self.db_path = db_path
        self.tenant_id = tenant_id
        self.acknowledged = 0
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            asyncio.run(self._submit())
        except BaseException as exc:  # reported by the test
            self.error = exc

    async def _submit(self) -> None:
        writer = Writer(self.db_path, max_batch=8)
        await writer.start()
        try:
            n = 0
            while not self.stop.is_set():
                jobs = []
                for _ in range(8):
                    n += 1
                    clean = validate({"email": f"b{n}@acme.example", "company": f"Co {n}"}, [])
                    jobs.append(
                        writer.run(
                            lambda conn, clean=clean, n=n: record(
                                conn,
                                tenant_id=self.tenant_id,
                                form_id="frm_backup",
                                submission_id=f"sub-backup-{n:06d}",
                                clean=clean,
                                touches=Touches(),
                                utm_transfer=True,
                            )
                        )
                    )
                await asyncio.gather(*jobs)
                self.acknowledged += len(jobs)
        finally:
            await writer.close()

    def wait_for(self, count: int, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while self.acknowledged < count:
            assert self.error is None, self.error
            assert time.monotonic() < deadline, f"only {self.acknowledged} acknowledged"
            time.sleep(0.01)


def backup(db_path: str, target: str, *extra: str, capsys) -> tuple[int, dict | str]:
    code = main(["backup", "--to", target, *extra, "--db", db_path])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else err)


def counts(path: str) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        return table_counts(conn)


def test_a_backup_while_the_writer_writes_is_consistent_and_usable(
    settings, make_tenant, tmp_path, capsys, clock
):
    tenant = make_tenant()
    submitter = Submitter(settings.db_path, tenant.tenant_id)
    submitter.start()
    try:
        submitter.wait_for(80)
        code, out = backup(settings.db_path, str(tmp_path / "live.db"), capsys=capsys)
        at_backup = submitter.acknowledged
        submitter.wait_for(at_backup + 80)  # the writer was never held up for long
    finally:
        submitter.stop.set()
        submitter.join(timeout=30)
    assert submitter.error is None
    assert code == 0, out
    assert out["integrity"] == "ok"

    taken = out["counts"]
    assert taken == counts(str(tmp_path / "live.db"))
    # A snapshot between two commits: every submission with its person and its company.
    assert taken["submissions"] == taken["persons"] == taken["companies"]
    assert 80 <= taken["submissions"] < counts(settings.db_path)["submissions"]

    # Once the writer is done, a backup holds exactly what the database holds.
    code, out = backup(settings.db_path, str(tmp_path / "live.db"), "--force", capsys=capsys)
    assert code == 0 and out["counts"] == counts(settings.db_path)
    assert out["counts"]["submissions"] == submitter.acknowledged

    # One self-contained file: copied alone, the service runs on it and finds the people.
    restored = tmp_path / "restored" / "leadsource.db"
    restored.parent.mkdir()
    shutil.copy(tmp_path / "live.db", restored)
    assert not (tmp_path / "live.db-wal").exists()
    with TestClient(create_app(replace(settings, db_path=str(restored)), clock=clock)) as client:
        assert person(client, tenant, "b1@acme.example")["first_touch"] is None
        listed = client.get("/api/v1/persons", params={"limit": 200}, headers=tenant.auth)
        assert len(listed.json()["items"]) == min(200, submitter.acknowledged)


def test_backup_does_not_replace_a_file_unless_told(settings, make_tenant, tmp_path, capsys):
    make_tenant()
    target = tmp_path / "existing.db"
    target.write_text("keep me")
    code, err = backup(settings.db_path, str(target), capsys=capsys)
    assert code == 2 and "--force" in err
    assert target.read_text() == "keep me"
    code, err = backup(settings.db_path, settings.db_path, "--force", capsys=capsys)
    assert code == 2 and "cannot replace the database" in err
    assert not list(tmp_path.glob(".*.partial"))


def test_backup_of_a_missing_database_fails_clearly(tmp_path, capsys):
    missing = tmp_path / "nothing-here.db"
    code, err = backup(str(missing), str(tmp_path / "copy.db"), capsys=capsys)
    assert code == 2 and "no database" in err
    assert not missing.exists()  # not created by looking
