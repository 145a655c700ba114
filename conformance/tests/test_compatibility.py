"""The published compatibility matrix (docs/compatibility/) stays true.

* Every npm-installable client (a folder of conformance/clients/ with a package-lock.json)
  is rerun over the whole catalogue, and CI fails when a verdict changes without its
  known-failures file changing. The runs go four clients at a time, each with 4 workers
  (about 15 s for the eight of them on an idle machine).
* Every published report agrees with its client's known failures of today (a known-failures
  file changed without regenerating the matrix fails here), was a complete run of the whole
  catalogue, and is in the combined matrix.
* The page's one-line-per-client table names each published report with its counts (its
  Node SDK table against a real run: test_readme_node_summary.py).
"""
from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from harness.mockproc import ROOT
from suite import report as R
from suite.__main__ import mismatches
from suite.adapter import for_version, load_manifest
from suite.mockctl import Mock
from suite.model import VERDICTS
from suite.runner import Runner
from suite.scenarios import load_all

CLIENTS = ROOT / "conformance" / "clients"
PUBLISHED = ROOT / "docs" / "compatibility"
NPM_CLIENTS = sorted(p.parent.name for p in CLIENTS.glob("*/package-lock.json"))
SCENARIOS = load_all()




def test_the_npm_clients_are_pinned() -> None:
    assert len(NPM_CLIENTS) >= 8, NPM_CLIENTS
    for name in NPM_CLIENTS:
        pkg = json.loads((CLIENTS / name / "package.json").read_text())
        lock = json.loads((CLIENTS / name / "package-lock.json").read_text())
        for dep, version in pkg["dependencies"].items():
            assert re.fullmatch(r"\d+\.\d+\.\d+", version), (name, dep, version)
            assert lock["packages"][f"node_modules/{dep}"]["version"] == version, (name, dep)


@pytest.fixture(scope="module")
def npm_runs(suite_mock: Mock) -> dict[str, list[str]]:
    """client -> its mismatches with its known failures, for each installed npm client."""
    if shutil.which("node") is None:
        pytest.skip("`node` is not on PATH")
    installed = [n for n in NPM_CLIENTS if (CLIENTS / n / "node_modules").is_dir()]
    if not installed:
        pytest.skip("no npm client is installed (make test runs npm ci in each folder)")

    def one(name: str) -> tuple[str, list[str]]:
        manifest = load_manifest(name)
        with Runner(manifest, suite_mock, workers=4) as runner:
            results = runner.run(SCENARIOS)
            return name, mismatches(runner.manifest, results)

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(pool.map(one, installed))


@pytest.mark.parametrize("client", NPM_CLIENTS)
def test_npm_client_verdicts_are_the_known_ones(npm_runs: dict[str, list[str]], client: str) -> None:
    if client not in npm_runs:
        pytest.skip(f"{CLIENTS / client / 'node_modules'} is missing: npm ci in that folder")
    assert not npm_runs[client], (f"{client}: verdicts differ from its known failures (update them with "
                                  f"`python -m suite baseline`):\n" + "\n".join(npm_runs[client]))


def published() -> list[Path]:
    return sorted(PUBLISHED.glob("*/report.jsonl"))


def test_the_matrix_is_published() -> None:
    labels = {p.parent.name for p in published()}
    # The reference, the Node SDK at five releases, its generic client and the international
    # SDK, a third-party client, and the Python SDK, Go SDK and tccli from their source trees.
    for want in ("reference", "node-sdk-4.1.207", "node-sdk-4.1.248", "node-sdk-4.1.313", "node-sdk-4.0.1035", "node-sdk-3.0.270",
                 "node-sdk-common-4.1.220", "node-sdk-intl-en-3.0.1335", "tencent-sdk-capi-2.0.3",
                 "python-sdk-3.1.53", "python-sdk-3.1.162", "go-sdk-1.3.54", "go-sdk-1.3.166", "tccli-3.1.49.1"):
        assert want in labels, (want, sorted(labels))
    assert (PUBLISHED / "matrix.html").exists() and (PUBLISHED / "summary.md").exists()


@pytest.mark.parametrize("path", published(), ids=lambda p: p.parent.name)
def test_published_report_agrees_with_the_known_failures(path: Path) -> None:
    rep = R.load_report(path)
    assert rep.complete and len(rep.lines) == len(SCENARIOS), (path, len(rep.lines))
    assert (path.parent / "summary.md").exists()
    manifest = for_version(load_manifest(str(rep.header.get("client_name") or rep.client)),
                           rep.client_info.get("version"))
    got = {ln["scenario"]: ln["verdict"] for ln in rep.lines}
    want = {sid: e["verdict"] for sid, e in manifest.known_failures.items()}
    changed = {sid: (v, want.get(sid, "PASS or SKIP")) for sid, v in got.items()
               if v != want.get(sid, v if v in ("PASS", "SKIP") else "PASS or SKIP")}
    stale = {sid: v for sid, v in want.items() if sid not in got}
    assert not changed and not stale, (f"{path}: regenerate docs/compatibility (make compatibility): "
                                       f"changed {changed}, known but not run {stale}")
    assert all(R.known_state(ln) in ("known", "ok") for ln in rep.lines), path
    html = (PUBLISHED / "matrix.html").read_text(encoding="utf-8")
    assert f'data-client="{rep.client}' in html, (rep.client, "not in matrix.html")


def readme_rows() -> dict[str, str]:
    """label -> its row of the findings table in docs/compatibility/README.md."""
    text = (PUBLISHED / "README.md").read_text(encoding="utf-8")
    rows = {}
    for line in text.splitlines():
        m = re.search(r"\]\(([^)]+)/summary\.md\)", line)
        if line.startswith("| ") and m:
            rows[m.group(1).strip("./")] = line
    return rows


def test_the_page_has_one_line_per_published_client() -> None:
    rows = readme_rows()
    for path in published():
        label = path.parent.name
        assert label in rows, (label, "has no row in docs/compatibility/README.md")
        t = Counter(ln["verdict"] for ln in R.load_report(path).lines)
        counts = "/".join(str(t[v]) for v in VERDICTS)
        assert counts in rows[label], (label, counts, rows[label])
