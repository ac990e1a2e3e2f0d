"""The committed build of utm.js: every variant current with its source, untouched by hand,
the options the service knows the same as the build's, and the script free of the constructs
it must never use."""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from pathlib import Path

import pytest

from ingest.edge.tracker import SCRIPT_OPTIONS

TRACKER = Path(__file__).resolve().parent.parent / "tracker"
DIST = TRACKER / "dist"
MANIFEST = json.loads((DIST / "build.json").read_text())
STALE = "tracker/dist is stale: run scripts/build-tracker and commit tracker/dist"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_build_is_of_the_current_source() -> None:
    assert MANIFEST["source_sha256"] == sha256(TRACKER / "src" / "utm.js"), STALE
    assert MANIFEST["utm-debug.js"]["source_sha256"] == sha256(TRACKER / "src" / "utm-debug.js")


@pytest.mark.parametrize("name", [*MANIFEST["variants"], "utm-debug.js"])
def test_no_built_file_was_changed_by_hand(name: str) -> None:
    entry = MANIFEST["variants"].get(name) or MANIFEST[name]
    assert entry["sha256"] == sha256(DIST / name), f"tracker/dist/{name} was changed: {STALE}"


def test_every_combination_of_options_is_built_and_nothing_else() -> None:
    assert MANIFEST["options"] == list(SCRIPT_OPTIONS), (
        "ingest.edge.tracker.SCRIPT_OPTIONS and tracker/variants.mjs name different options"
    )
    built = sorted(tuple(entry["options"]) for entry in MANIFEST["variants"].values())
    every = sorted(
        combination
        for size in range(len(SCRIPT_OPTIONS) + 1)
        for combination in itertools.combinations(SCRIPT_OPTIONS, size)
    )
    assert built == every
    assert MANIFEST["variants"]["utm.js"]["options"] == []  # the default keeps its name
    on_disk = {path.name for path in DIST.glob("utm*.js")} - {"utm-debug.js"}
    assert on_disk == set(MANIFEST["variants"]), "files in tracker/dist the build did not make"


def test_a_switched_off_part_leaves_no_code_behind() -> None:
    """Dead-code elimination really removed each option's code from the variants without it
    (a marker string of each part, present in exactly the variants with the option)."""
    markers = {
        "pageviews": "sendBeacon",
        "consent": "globalPrivacyControl",
        "inputs": "WeakMap",
        "crossdomain": "IFRAME",
        "api": "lastNonDirect",
    }
    assert markers.keys() == SCRIPT_OPTIONS.keys()
    for name, entry in MANIFEST["variants"].items():
        code = (DIST / name).read_text()
        for option, marker in markers.items():
            assert (marker in code) == (option in entry["options"]), (name, option)


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
    assert "/*CONFIG*/null" in (DIST / "utm-debug.js").read_text()
