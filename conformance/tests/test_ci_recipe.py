"""action.yml, tmtmock's GitHub Action, and ci/github-actions.yml, the workflow users copy
(docs/helpers.md, CI: the GitHub Action).

The action's steps are shell scripts over environment variables: they run here as written,
in order, with the runner's files (GITHUB_OUTPUT, GITHUB_ENV, GITHUB_PATH,
GITHUB_STEP_SUMMARY, RUNNER_TEMP) in a scratch folder and the step's `env:` and `if:`
evaluated from the inputs (the `uses:` cache step is a cache miss). The build compiles
tmtmock, the service must answer, and the suite step must write the summary to the job
summary. The workflow must use the action pinned by a ref, not clone and compile."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from harness.launch import clean_env
from harness.mockproc import ROOT

WORKFLOW = ROOT / "ci" / "github-actions.yml"
ACTION = ROOT / "action.yml"


# ---------------------------------------------------------------- a small reader of action.yml

@dataclass
class Step:
    name: str
    id: str | None = None
    cond: str | None = None
    uses: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    run: str | None = None


def _unquote(v: str) -> str:
    v = v.strip()
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "\"'":
        return v[1:-1]
    return v


def _block(lines: list[str], start: int) -> tuple[list[str], int]:
    """The lines indented deeper than lines[start - 1], from start; and where they end."""
    base = len(lines[start - 1]) - len(lines[start - 1].lstrip())
    out: list[str] = []
    i = start
    while i < len(lines) and (lines[i].strip() == "" or len(lines[i]) - len(lines[i].lstrip()) > base):
        out.append(lines[i])
        i += 1
    while out and out[-1].strip() == "":
        out.pop()
    return out, i


def _dedent(block: list[str]) -> str:
    indent = min(len(ln) - len(ln.lstrip()) for ln in block if ln.strip())
    return "\n".join(ln[indent:] for ln in block) + "\n"


def action_inputs() -> dict[str, str]:
    """Each input's default."""
    lines = ACTION.read_text(encoding="utf-8").splitlines()
    start = lines.index("inputs:") + 1
    block, _ = _block(lines, start)
    inputs: dict[str, str] = {}
    name = None
    for ln in block:
        m = re.match(r"^  ([a-z-]+):\s*$", ln)
        if m:
            name = m.group(1)
            inputs[name] = ""
        m = re.match(r"^    default:\s*(.*)$", ln)
        if m and name:
            inputs[name] = _unquote(m.group(1))
    return inputs


def action_steps() -> list[Step]:
    lines = ACTION.read_text(encoding="utf-8").splitlines()
    i = lines.index("  steps:") + 1
    steps: list[Step] = []
    while i < len(lines):
        m = re.match(r"^    - name: (.*)$", lines[i])
        if not m:
            if lines[i].strip() and not lines[i].startswith("    "):
                break
            i += 1
            continue
        step = Step(m.group(1).strip())
        i += 1
        while i < len(lines) and lines[i].startswith("      ") :
            kv = re.match(r"^      ([a-z-]+):\s*(.*)$", lines[i])
            i += 1
            if not kv:
                continue
            key, value = kv.groups()
            if key == "id":
                step.id = value
            elif key == "if":
                step.cond = value
            elif key == "uses":
                step.uses = value
            elif key == "env":
                block, i = _block(lines, i)
                for ln in block:
                    k, _, v = ln.strip().partition(":")
                    step.env[k] = v.strip()
            elif key == "run" and value == "|":
                block, i = _block(lines, i)
                step.run = _dedent(block)
        steps.append(step)
    return steps


@dataclass
class Runner:
    """What a runner gives a composite action's steps."""

    root: Path
    inputs: dict[str, str]
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)

    def file(self, name: str) -> Path:
        p = self.root / name
        p.touch()
        return p

    def expr(self, text: str) -> str:
        """${{ inputs.x }} and ${{ steps.id.outputs.x }}; nothing else is used in env:."""
        def one(m: re.Match[str]) -> str:
            e = m.group(1).strip()
            if e.startswith("inputs."):
                return self.inputs[e[len("inputs."):]]
            sm = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", e)
            assert sm, f"teach this test the expression {e!r}"
            return self.outputs.get(sm.group(1), {}).get(sm.group(2), "")
        return re.sub(r"\$\{\{(.*?)\}\}", one, text)

    def cond(self, text: str | None) -> bool:
        """`if:` as the action writes it: always(), inputs.x == 'v', inputs.x != 'v', joined by &&."""
        if text is None:
            return True
        ok = True
        for part in text.split("&&"):
            part = part.strip()
            if part == "always()":
                continue
            m = re.fullmatch(r"inputs\.([\w-]+) (==|!=) '([^']*)'", part)
            assert m, f"teach this test the condition {part!r}"
            same = self.inputs[m.group(1)] == m.group(3)
            ok = ok and (same if m.group(2) == "==" else not same)
        return ok

    def run(self, step: Step, cwd: Path, base_env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        out = self.root / f"output-{step.id or 'x'}"
        out.write_text("")
        env = dict(base_env)
        env.update({k: self.expr(v) for k, v in step.env.items()})
        env.update({"GITHUB_OUTPUT": str(out), "GITHUB_ENV": str(self.file("env")),
                    "GITHUB_PATH": str(self.file("path")), "GITHUB_STEP_SUMMARY": str(self.file("summary.md")),
                    "RUNNER_TEMP": str(self.root / "temp"), "GITHUB_ACTION_PATH": str(ROOT)})
        (self.root / "temp").mkdir(exist_ok=True)
        assert step.run is not None
        r = subprocess.run(["bash", "-e", "-c", step.run], cwd=cwd, env=env, capture_output=True, text=True,
                           timeout=900)
        if step.id:
            self.outputs[step.id] = dict(ln.split("=", 1) for ln in out.read_text().splitlines() if "=" in ln)
        return r


def runner_env() -> dict[str, str]:
    """A job's environment: nothing of the make that runs these tests (`make test-asan`
    passes its sanitizer flags down through MAKEFLAGS)."""
    return {k: v for k, v in clean_env().items()
            if k not in ("MAKEFLAGS", "MFLAGS", "MAKEOVERRIDES", "MAKELEVEL", "CFLAGS", "LDFLAGS", "CPPFLAGS",
                         "BUILD", "TMTMOCK_BIN")}


def run_action(tmp: Path, inputs: dict[str, str], stop_at: str | None = None) -> tuple[Runner, dict[str, str]]:
    """The action's steps in order, as a runner would; answers the runner and each step's
    stdout + stderr by name."""
    runner = Runner(tmp / "runner", {**action_inputs(), **inputs})
    runner.root.mkdir(parents=True, exist_ok=True)
    work = tmp / "workspace"
    work.mkdir(exist_ok=True)
    logs: dict[str, str] = {}
    for step in action_steps():
        if not runner.cond(step.cond):
            continue
        if step.uses:
            assert step.uses.startswith("actions/cache@"), step.uses
            continue                      # a cache miss
        r = runner.run(step, work, runner_env())
        logs[step.name] = r.stdout + r.stderr
        assert r.returncode == 0, f"step {step.name!r} failed:\n{logs[step.name]}"
        if step.name == stop_at:
            break
    return runner, logs


def kill(pid: str | None) -> None:
    if pid:
        try:
            os.kill(int(pid), signal.SIGTERM)
        except ProcessLookupError:
            pass


# ---------------------------------------------------------------- the action

def test_action_steps_are_the_documented_ones() -> None:
    names = [s.name for s in action_steps()]
    assert names == ["Dependencies", "Cache key", "Build cache", "Build tmtmock", "Start tmtmock",
                     "Conformance suite", "Job summary"], names
    cache = next(s for s in action_steps() if s.uses)
    assert cache.uses == "actions/cache@v4"
    text = ACTION.read_text(encoding="utf-8")
    assert "using: composite" in text
    for out in ("endpoint", "url", "pid", "logs", "reports"):
        assert re.search(rf"^  {out}:\n", text.split("\noutputs:\n")[1].split("\nruns:\n")[0], re.M), out
    yaml = pytest.importorskip("yaml")
    doc = yaml.safe_load(text)
    assert [s["name"] for s in doc["runs"]["steps"]] == names
    assert set(doc["inputs"]) == set(action_inputs())


def test_action_builds_and_starts_the_service(tmp_path: Path) -> None:
    runner, logs = run_action(tmp_path, {"listen": "127.0.0.1:0", "args": "--seed 1 --no-rate-limit"})
    start = runner.outputs["start"]
    try:
        assert re.fullmatch(r"127\.0\.0\.1:\d+", start["endpoint"]), start
        assert start["url"] == "http://" + start["endpoint"]
        env = dict(ln.split("=", 1) for ln in (runner.root / "env").read_text().splitlines())
        assert env["TMTMOCK_ENDPOINT"] == start["endpoint"] and env["TMTMOCK_URL"] == start["url"]
        bindir = (runner.root / "path").read_text().strip()
        assert Path(env["TMTMOCK_BIN"]) == Path(bindir) / "tmtmock"
        # A later step of the job: `tmtmock` on PATH signs a request the service answers.
        later = {**runner_env(), "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}"}
        r = subprocess.run(["sh", "-c", f"tmtmock sign --endpoint {start['url']} --action LanguageDetect "
                            "--params '{\"Text\":\"hello world\",\"ProjectId\":0}' | sh"],
                           env=later, capture_output=True, text=True, timeout=60)
        assert '"Lang":"en"' in r.stdout, r.stdout + r.stderr
        # The journal line is written once the answer is on its way: it may trail the answer.
        journal = Path(start["logs"], "journal.jsonl")
        deadline = time.monotonic() + 10
        while journal.read_text().count("LanguageDetect") < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert journal.read_text().count("LanguageDetect") >= 1
        assert "serves " + start["url"] in logs["Start tmtmock"]
    finally:
        kill(start.get("pid"))
    assert runner.outputs["key"]["key"].startswith("tmtmock-")


def test_action_start_fails_when_the_address_is_taken(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(AssertionError, match="did not become healthy"):
            run_action(tmp_path, {"listen": f"127.0.0.1:{port}"})


def test_action_grades_a_client_and_writes_the_job_summary(tmp_path: Path) -> None:
    runner, logs = run_action(tmp_path, {"start": "false", "conformance-client": "reference",
                                         "conformance-args": "--scenario success.text-translate --workers 1",
                                         "reports": "reports"})
    assert "start" not in runner.outputs, "start: false started a mock"
    reports = Path(runner.outputs["suite"]["reports"])
    assert reports == tmp_path / "workspace" / "reports"
    for name in ("summary.md", "report.jsonl", "junit.xml", "matrix.html"):
        assert (reports / name).exists(), name
    summary = (runner.root / "summary.md").read_text()
    assert summary == (reports / "summary.md").read_text() and "1 scenario" in summary, summary


def test_job_summary_says_when_the_suite_wrote_none(tmp_path: Path) -> None:
    step = next(s for s in action_steps() if s.name == "Job summary")
    runner = Runner(tmp_path, {**action_inputs(), "conformance-client": "x"})
    runner.outputs["suite"] = {"reports": str(tmp_path / "nothing-here")}
    r = runner.run(step, tmp_path, runner_env())
    assert r.returncode == 0
    assert "wrote no summary" in (tmp_path / "summary.md").read_text()


# ---------------------------------------------------------------- the workflow users copy

def workflow_uses() -> list[str]:
    return re.findall(r"^\s*(?:- )?uses: (\S+)", WORKFLOW.read_text(encoding="utf-8"), re.M)


def test_workflow_uses_the_action_pinned_by_ref() -> None:
    ours = [u for u in workflow_uses() if u.split("@")[0].endswith("/tmtmock")]
    assert len(ours) == 2, workflow_uses()
    assert len(set(ours)) == 1, f"both uses must have the same pin: {ours}"
    repo, _, ref = ours[0].partition("@")
    assert ref and ref not in ("main", "master", "HEAD"), f"pin a tag or a commit, not {ref!r}"
    text = WORKFLOW.read_text(encoding="utf-8")
    assert "make -C .tmtmock" not in text and "path: .tmtmock" not in text, "no clone and compile"
    assert "CHANGE" in text.split(ours[0], 1)[1].splitlines()[0]


def test_workflow_with_names_inputs_of_the_action() -> None:
    inputs = set(action_inputs())
    text = WORKFLOW.read_text(encoding="utf-8")
    for block in re.findall(r"uses: \S+/tmtmock@\S+[^\n]*\n\s+with:\n((?:\s{10}\S[^\n]*\n)+)", text):
        for ln in block.splitlines():
            assert ln.strip().split(":")[0] in inputs, ln
    assert "conformance-client: " in text and 'start: "false"' in text


def test_workflow_is_yaml() -> None:
    yaml = pytest.importorskip("yaml")
    doc = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    steps = doc["jobs"]["tmt"]["steps"]
    names = [s.get("name") for s in steps if s.get("name")]
    assert names == ["Start tmtmock", "Your tests against the mock", "Conformance suite on your client", "Reports"]
    assert steps[1]["with"]["listen"] == "127.0.0.1:9000"
    assert "${{ steps.tmtmock.outputs.endpoint }}" in steps[2]["env"]["TMT_ENDPOINT"]


def test_workflow_keeps_the_reports() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    assert "actions/upload-artifact@" in text and "reports/matrix.html" in text
    assert "if: always()" in text
