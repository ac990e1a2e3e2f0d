"""The committed build of utm.js: current with its source, untouched by hand, and free of
the constructs the script must never use."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

TRACKER = Path(__file__).resolve().parent.parent / "tracker"
MANIFEST = json.loads((TRACKER / "dist" / "build.json").read_text())


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("name", ["utm.js", "utm-debug.js"])
def test_build_is_current(name: str) -> None:
    built = MANIFEST[name]
    assert built["source_sha256"] == sha256(TRACKER / "src" / name), (
        f"tracker/dist/{name} is stale: run scripts/build-tracker and commit tracker/dist"
    )
    assert built["sha256"] == sha256(TRACKER / "dist" / name), (
        f"tracker/dist/{name} was changed by hand: run scripts/build-tracker"
    )


@pytest.mark.parametrize("name", ["utm.js", "utm-debug.js"])
def test_no_html_injection_or_eval(name: str) -> None:
    source = (TRACKER / "src" / name).read_text()
    code = re.sub(r"/\*.*?\*/|//[^\n]*", "", source, flags=re.S)
    for forbidden in (
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "new Function",
        "setTimeout('",
        'setTimeout("',
    ):
        assert forbidden not in code, f"{name} uses {forbidden}"


def test_the_debug_helper_keeps_its_config_placeholder() -> None:
    assert "/*CONFIG*/null" in (TRACKER / "dist" / "utm-debug.js").read_text()
