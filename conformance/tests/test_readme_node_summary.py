"""The published compatibility summary of the official Node SDK is what the suite says today.

The compatibility page (docs/compatibility/README.md, which the README links) promises
numbers produced by the suite, not prose: this runs the whole catalogue against the
node-sdk client and compares the per-class table, and checks the known failures file
still matches (CI fails on a change of verdict)."""
from __future__ import annotations

import re
from collections import Counter

import pytest

from harness.mockproc import ROOT, binary
from harness.nodesdk import REQUIRES_NODE_SDK
from suite.__main__ import mismatches
from suite.adapter import load_manifest
from suite.mockctl import Mock
from suite.model import VERDICTS
from suite.runner import Runner
from suite.scenarios import load_all

pytestmark = REQUIRES_NODE_SDK
PAGE = ROOT / "docs" / "compatibility" / "README.md"

# README row label -> scenario class
ROWS = {"client error": "client_error", "throttled": "throttled", "transient": "transient",
        "clock": "clock", "transport": "transport", "success": "success"}


def readme_table() -> dict[str, list[int]]:
    text = PAGE.read_text(encoding="utf-8")
    start = text.index("### The official Node.js SDK, as the suite grades it")
    table: dict[str, list[int]] = {}
    for line in text[start:].splitlines():
        m = re.match(r"^\| (\*\*)?([a-z ]+?)( \(\d+\))?(\*\*)? \|(.*)\|$", line)
        if m and (m.group(2) in ROWS or m.group(2) == "total"):
            table[m.group(2)] = [int(x.strip().strip("*")) for x in m.group(5).split("|")]
        if line.startswith("- FAQ codes") or (table and not line.strip()):
            break
    return table


def test_readme_summary_matches_a_real_run() -> None:
    if not binary().exists():
        pytest.fail(f"{binary()} is missing: build it with `make build`")
    mock = Mock.start()
    try:
        manifest = load_manifest("node-sdk")
        with Runner(manifest, mock, workers=4) as runner:
            results = runner.run(load_all())
    finally:
        mock.stop()
    assert not mismatches(manifest, results), mismatches(manifest, results)
    got: dict[str, Counter[str]] = {c: Counter() for c in ROWS.values()}
    for r in results:
        got[r.scenario.error_class.value][r.verdict.value] += 1
    table = readme_table()
    assert set(table) == set(ROWS) | {"total"}, table
    for label, cls in ROWS.items():
        assert table[label] == [got[cls][v] for v in VERDICTS], (label, table[label], dict(got[cls]))
    totals = Counter(r.verdict.value for r in results)
    assert table["total"] == [totals[v] for v in VERDICTS]
    assert f"**total ({len(results)})**" in PAGE.read_text(encoding="utf-8")
