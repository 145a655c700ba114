"""ci/github-actions.yml, the workflow users copy: its "Start tmtmock" step runs here as
written (the health-check loop included), and the steps after it name the documented
conformance command and the report files the suite writes (docs/conformance.md, Reports)."""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
from pathlib import Path

import pytest

from harness.launch import clean_env, free_port
from harness.mockproc import ROOT, binary

WORKFLOW = ROOT / "ci" / "github-actions.yml"


def step_run(name: str) -> str:
    """The `run:` text of the step called ``name`` (a `run: |` block or a one-line run)."""
    lines = WORKFLOW.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if re.match(rf"^\s*- name: {re.escape(name)}\s*$", line):
            break
    else:
        raise AssertionError(f"no step {name!r} in {WORKFLOW}")
    for j in range(i + 1, len(lines)):
        m = re.match(r"^(\s*)run: (.*)$", lines[j])
        if m and m.group(2).strip() != "|":
            return m.group(2)
        if m:
            indent = None
            body = []
            for line in lines[j + 1:]:
                if line.strip() == "":
                    body.append("")
                    continue
                cur = len(line) - len(line.lstrip())
                if indent is None:
                    indent = cur
                if cur < indent:
                    break
                body.append(line[indent:])
            return "\n".join(body).strip() + "\n"
        if re.match(r"^\s*- name: ", lines[j]):
            break
    raise AssertionError(f"step {name!r} has no run")


def test_start_step_runs_and_waits_for_health(tmp_path: Path) -> None:
    script = step_run("Start tmtmock")
    with socket.socket() as s:
        busy = s.connect_ex(("127.0.0.1", 9000)) == 0
    if busy:
        script = script.replace(":9000", f":{free_port()}")
    env = clean_env({"PATH": f"{Path(binary()).parent}{os.pathsep}{os.environ.get('PATH', '')}"})
    r = subprocess.run(["bash", "-e", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                       timeout=60)
    pid_file = tmp_path / "tmtmock-logs" / "pid"
    try:
        assert r.returncode == 0, r.stdout + r.stderr
        assert '"status":"ok"' in r.stdout.replace(" ", ""), r.stdout
    finally:
        if pid_file.exists():
            pid = int(pid_file.read_text().strip())
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    assert (tmp_path / "tmtmock-logs" / "stdout.txt").read_text().startswith("listening on http://127.0.0.1:")


def test_workflow_is_yaml() -> None:
    yaml = pytest.importorskip("yaml")
    doc = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    steps = doc["jobs"]["tmt"]["steps"]
    assert [s.get("name") for s in steps if s.get("name")][:3] == ["Tools", "Get tmtmock", "Build and install tmtmock"]


def test_later_steps_use_the_documented_names() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    assert re.search(r"make -C \S+ conformance CLIENT=\S+ REPORTS=", step_run("Conformance suite on your client"))
    summary = step_run("Step summary")
    assert "reports/summary.md" in summary and "$GITHUB_STEP_SUMMARY" in summary
    assert "actions/upload-artifact@" in text and "reports/matrix.html" in text
    assert "if: always()" in text
