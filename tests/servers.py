"""Real ``leadsource serve`` processes on free ports, for tests that need more than one."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(
    db_url: str, *, workers: int = 1, log: Path | None = None, env: dict[str, str] | None = None
) -> Iterator[str]:
    """A ``leadsource serve`` on ``db_url``; yields its base URL, stops it at the end."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "LEADSOURCE_BASE_URL": base, **(env or {})}
    args = [sys.executable, "-m", "ingest", "serve", "--db", db_url, "--port", str(port)]
    if workers > 1:
        args += ["--workers", str(workers)]
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(args, env=env, cwd=ROOT, stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=1):
                    break
            except (urllib.error.URLError, ConnectionError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    said = log.read_text() if log else ""
                    raise AssertionError(f"the server did not start:\n{said}") from None
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if log:
            out.close()
