"""Reports you can trust: each defect that once made a verdict false has a test here.

* `make conformance` keeps the caller's PYTHONPATH (the Python SDK and tccli are found on it),
  and a run where every scenario SKIPs exits 3 with one clear message, never 0;
* scenarios grade the client, not themselves: DryRun needs raw parameters, the big integer
  sits in a documented field, a call refused locally is its own outcome ("rejected locally"),
  the time bound follows the client's own latency, every transport title says what is graded;
* a SHOULD a client does not do (no retry at all) is LENIENT with a note, never SKIP;
* known failures show as known everywhere (JUnit, summary, matrix, the run's last lines), a
  `baseline` command writes them with their evidence, a terminal shows progress;
* the Go adapter gives the SDK the params' own JSON and uses its typed methods.
"""
from __future__ import annotations

import json
import os
import pty
import select
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from harness.mockproc import ROOT
from harness.signer import Tc3Signer, send
from suite import grade as grading
from suite import report as R
from suite import schema
from suite.__main__ import baseline, known_line, mismatches
from suite.adapter import load_manifest
from suite.mockctl import Mock
from suite.model import AdapterAnswer, Difference, Level, ScenarioResult, Verdict
from suite.runner import Runner, known_entry, missing_capabilities
from suite.scenarios import load_all

SCENARIOS = {sc.id: sc for sc in load_all()}
CLIENTS = ROOT / "conformance" / "clients"
CAPS = ["TextTranslate", "sign:TC3-HMAC-SHA256", "method:POST", "timeout", "retry"]
NOW = 1_800_000_000.0
RID = "11111111-2222-4333-8444-555555555555"
BIG = 2 ** 53 + 1




def body_ok(**fields: Any) -> str:
    return json.dumps({"Response": {"TargetText": "[zh] HELLO", "Source": "en", "Target": "zh", "UsedAmount": 5,
                                    **fields, "RequestId": RID}}, separators=(",", ":"))


def entry(seq: int = 1, body: str | None = None, **kw: Any) -> dict[str, Any]:
    e: dict[str, Any] = {
        "seq": seq, "time": NOW + seq, "latency_us": 100, "method": "POST",
        "headers": {"X-TC-Version": "2018-03-21"}, "action": "TextTranslate", "region": "ap-guangzhou",
        "sign_method": "TC3-HMAC-SHA256", "timestamp": str(int(NOW + seq)), "content_type": "application/json",
        "signature": f"sig{seq}", "signature_ok": True, "http_status": 200, "error_code": None,
        "fault": None, "request_id": RID, "body": body if body is not None else body_ok(),
    }
    e.update(kw)
    return e


def ok(response: dict[str, Any], elapsed_ms: int = 50) -> AdapterAnswer:
    return AdapterAnswer(result={"ok": True, "response": response}, elapsed_ms=elapsed_ms)


def failed(kind: str, code: str | None = None, message: str = "m", elapsed_ms: int = 50) -> AdapterAnswer:
    return AdapterAnswer(result={"ok": False, "error": {"kind": kind, "code": code, "message": message,
                                                        "request_id": RID if kind == "api" else None}},
                         elapsed_ms=elapsed_ms)


def body_err(code: str) -> str:
    return json.dumps({"Response": {"Error": {"Code": code, "Message": "m"}, "RequestId": RID}})


def names(g: grading.Grade) -> dict[str, str]:
    return {d.expectation: d.level.value for d in g.differences}


# ---------------------------------------------------------------- defect 1: PYTHONPATH, all SKIP

PROBE_ADAPTER = r'''
import json, sys
try:
    import tmtmock_probe_module
    found = "probe found at " + tmtmock_probe_module.__file__
except ImportError:
    found = "probe missing"
for line in sys.stdin:
    msg = json.loads(line)
    if msg["cmd"] == "start":
        out = {"client": {"name": "probe", "version": "1", "language": "python",
                          "capabilities": ["TextTranslate", "sign:TC3-HMAC-SHA256", "method:POST"]}}
    elif msg["cmd"] == "run":
        out = {"seq": msg["seq"], "skipped": {"reason": found, "issue_url": None}}
    else:
        break
    print(json.dumps(out), flush=True)
'''


def probe_client(tmp_path: Path) -> tuple[Path, Path]:
    client = tmp_path / "probe"
    client.mkdir()
    (client / "adapter.py").write_text(PROBE_ADAPTER)
    (client / "manifest.json").write_text(json.dumps({
        "name": "probe", "command": [sys.executable, "adapter.py"], "mode": "ndjson",
        "capabilities": ["TextTranslate", "sign:TC3-HMAC-SHA256", "method:POST"]}))
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "tmtmock_probe_module.py").write_text("")
    return client, lib


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_conformance_keeps_the_callers_pythonpath_and_an_all_skip_run_exits_3(tmp_path: Path) -> None:
    client, lib = probe_client(tmp_path)
    env = dict(os.environ, PYTHONPATH=str(lib))
    # -o deps-test: the dependencies are the lead's script's business, not this test's.
    p = subprocess.run(["make", "--no-print-directory", "-o", "deps-test", "conformance", f"CLIENT={client}",
                        f"REPORTS={tmp_path / 'r'}", "SUITE_ARGS=--scenario success.text-translate"],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    lines = [json.loads(x) for x in (tmp_path / "r" / "report.jsonl").read_text().splitlines()]
    reason = lines[1]["skip_reason"]
    assert reason.startswith("probe found at " + str(lib)), (reason, p.stdout, p.stderr)
    # Nothing was graded: a distinct exit status and one clear message, not a silent 0.
    assert p.returncode != 0, (p.stdout, p.stderr)
    assert "every one of the 1 scenarios was SKIP, nothing was graded: probe found" in p.stderr, p.stderr


def test_an_all_skip_run_exits_3_and_a_graded_one_0(tmp_path: Path) -> None:
    client, lib = probe_client(tmp_path)
    cmd = [sys.executable, "-m", "suite", "run", "--client", str(client), "--reports", str(tmp_path / "r"),
           "--scenario", "success.text-translate", "--scenario", "params.missing-parameter"]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "conformance"), str(lib)]))
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 3, (p.stdout, p.stderr)
    assert "every one of the 2 scenarios was SKIP" in p.stderr
    # A client with known failures whose code is absent: still 3, not 1 for every known verdict.
    p = subprocess.run([*cmd[:5], "python-sdk", *cmd[6:], "--scenario", "transport.no-request-id"],
                       env=dict(env, PYTHONPATH=str(ROOT / "conformance")), capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 3 and "not installed" in p.stderr, (p.stdout, p.stderr)
    assert "differ from" not in p.stdout, p.stdout
    p = subprocess.run([*cmd[:5], "reference", *cmd[6:]], env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, (p.stdout, p.stderr)
    assert "reference: no FAIL, ERROR or LENIENT, 0 changed" in p.stdout, p.stdout


# ---------------------------------------------------------------- defect 3: scenarios that failed clients falsely


def test_dry_run_needs_raw_parameters() -> None:
    sc = SCENARIOS["account.dry-run"]
    assert "DryRun" in sc.call.params and "raw_params" in sc.requires
    assert missing_capabilities(sc, CAPS) == ["raw_params"]
    assert missing_capabilities(sc, [*CAPS, "raw_params"]) == []


# Documented fields of TextTranslate's answer (docs/tencent-api: TextTranslateResponse).
TEXT_TRANSLATE_FIELDS = {"TargetText", "Source", "Target", "UsedAmount", "RequestId"}


def test_big_integer_is_in_a_documented_field() -> None:
    sc = SCENARIOS["success.big-integer"]
    extra = {k: v for f in sc.setup.faults for k, v in (f.get("extra") or {}).items()}
    assert extra == {"UsedAmount": BIG}
    assert set(extra) <= TEXT_TRANSLATE_FIELDS and sc.expect["response"]["UsedAmount"] == BIG
    journal = [entry(body=body_ok().replace('"UsedAmount":5', f'"UsedAmount":{BIG}'))]
    exact = json.loads(journal[0]["body"])["Response"]
    assert grading.grade(sc, ok(exact), journal, CAPS).verdict is Verdict.PASS
    lost = dict(exact, UsedAmount=float(BIG))      # what a client parsing with doubles returns
    g = grading.grade(sc, ok(lost), journal, CAPS)
    assert g.verdict is Verdict.FAIL and "fields_exact" in names(g)
    dropped = {k: v for k, v in exact.items() if k != "UsedAmount"}
    assert grading.grade(sc, ok(dropped), journal, CAPS).verdict is Verdict.FAIL


def test_the_mock_sets_a_documented_field_to_a_big_integer(suite_mock: Mock) -> None:
    account = suite_mock.new_account({})
    rule = suite_mock.add_rule({"extra": {"UsedAmount": BIG}, "times": None}, account.secret_id)
    try:
        signer = Tc3Signer(account, host=f"{suite_mock.host}:{suite_mock.port}", action="TextTranslate",
                           region="ap-guangzhou")
        resp = send(suite_mock.host, suite_mock.port, signer.post(
            {"SourceText": "hello", "Source": "en", "Target": "zh", "ProjectId": 0}).request, timeout=10)
    finally:
        suite_mock.delete_rule(int(rule["id"]))
    assert f'"UsedAmount":{BIG}'.encode() in resp.body, resp.body
    assert json.loads(resp.body)["Response"]["UsedAmount"] == BIG


def test_a_call_rejected_locally_is_its_own_graded_outcome() -> None:
    sc = SCENARIOS["params.missing-parameter"]
    g = grading.grade(sc, failed("validation", message="error: the following arguments are required: --Target"),
                      [], CAPS)
    assert g.verdict is Verdict.LENIENT and names(g) == {"rejected_locally": "SHOULD"}, g
    assert any(n.startswith("rejected locally") for n in g.notes), g.notes
    # Sent after all, or another kind with nothing sent: not this outcome.
    assert "error_reported" in names(grading.grade(sc, failed("validation"), [entry(error_code="MissingParameter")],
                                                   CAPS))
    assert "attempted" in names(grading.grade(sc, failed("other"), [], CAPS))
    # A valid call refused locally is a FAIL, explained.
    g = grading.grade(SCENARIOS["success.text-translate"], failed("validation"), [], CAPS)
    assert g.verdict is Verdict.FAIL and any("rejected locally" in n for n in g.notes)
    schema.validate("adapter-reply", {"seq": 1, "result": {"ok": False, "error": {
        "kind": "validation", "code": None, "message": "m", "request_id": None}}}, "reply")


def test_tccli_adapter_reports_argparse_refusals_as_validation(tmp_path: Path) -> None:
    fake = tmp_path / "tccli"
    fake.write_text("#!/bin/sh\n[ \"$1\" = --version ] && { echo 3.0.0; exit 0; }\n"
                    "echo 'usage: tccli [options] <command>' >&2\n"
                    "echo 'main.py: error: the following arguments are required: --Target' >&2\nexit 252\n")
    fake.chmod(0o755)
    msg = {"cmd": "run", "seq": 3, "endpoint": "http://127.0.0.1:9", "region": "ap-guangzhou",
           "credentials": {"secret_id": "AKID", "secret_key": "k", "token": None}, "action": "TextTranslate",
           "params": {"SourceText": "hello", "Source": "en", "ProjectId": 0}, "options": {"timeout_ms": 500}}
    p = subprocess.run([sys.executable, "adapter.py"], cwd=CLIENTS / "tccli", input=json.dumps(msg) + "\n",
                       env=dict(os.environ, TCCLI=str(fake)), capture_output=True, text=True, timeout=60)
    answer = json.loads(p.stdout.splitlines()[-1])
    assert answer["result"]["ok"] is False, answer
    assert answer["result"]["error"]["kind"] == "validation", answer
    assert "--Target" in answer["result"]["error"]["message"]


def test_the_time_bound_follows_the_clients_own_latency() -> None:
    sc = SCENARIOS["transport.delay-beyond-timeout"]
    journal = [entry(i, fault=None, latency_us=1_500_000, body=body_ok()) for i in (1, 2, 3)]
    slow_cli = failed("timeout", elapsed_ms=3668)      # a CLI that starts a process per call, under load
    assert "in_time" in names(grading.grade(sc, slow_cli, journal, CAPS))
    g = grading.grade(sc, slow_cli, journal, CAPS, no_fault_ms=900)
    assert "in_time" not in names(g), g
    assert any("900 ms (this client's no-fault latency" in n for n in g.notes), g.notes
    assert grading.time_margin_ms(None) == 2000 and grading.time_margin_ms(900) == 3800
    # Still a bound: a client that hangs far beyond it fails.
    assert "in_time" in names(grading.grade(sc, failed("timeout", elapsed_ms=9000), journal, CAPS, no_fault_ms=900))


def test_the_runner_measures_the_no_fault_latency_once(suite_mock: Mock) -> None:
    sc = SCENARIOS["transport.delay-beyond-timeout"]
    with Runner(load_manifest("reference"), suite_mock, workers=1) as runner:
        first = runner.no_fault_ms()
        assert isinstance(first, int) and 0 <= first < 5000
        assert runner.no_fault_ms() == first
        r = runner.run_one(sc)
    assert r.verdict is Verdict.PASS, r.differences
    assert any("no-fault latency, measured in this run" in n for n in r.notes), r.notes


@dataclass(frozen=True)
class TitleCase:
    scenario: str
    success_is_fine: bool


def transport_title_cases() -> list[TitleCase]:
    """Each transport scenario with a fault, and what its title promises about a success."""
    out = []
    for sc in SCENARIOS.values():
        if sc.error_class.value != "transport" or sc.expect.get("heals_after") is not None:
            continue
        if not any(f.get("fault") for f in sc.setup.faults):
            continue
        out.append(TitleCase(sc.id, "success returned" in sc.title))
    return out


@pytest.mark.parametrize("case", transport_title_cases(), ids=lambda c: c.scenario)
def test_transport_titles_say_what_is_graded(case: TitleCase) -> None:
    """A title that says the failure is reported must not accept a success, and one that
    accepts a success must say so."""
    sc = SCENARIOS[case.scenario]
    fault = next(f.get("fault") for f in sc.setup.faults if f.get("fault"))
    journal = [entry(fault=fault, body=body_ok())]
    exact = json.loads(body_ok())["Response"]
    g = grading.grade(sc, ok(exact), journal, CAPS)
    if case.success_is_fine:
        assert g.verdict is Verdict.PASS, (sc.title, g)
        assert grading.grade(sc, ok({"RequestId": RID}), journal, CAPS).verdict is Verdict.FAIL
    else:
        assert "failure reported" in sc.title or "reported" in sc.title, sc.title
        assert g.verdict is Verdict.FAIL, (sc.title, g)


def test_charset_title_matches_its_grading() -> None:
    assert [c for c in transport_title_cases() if c.scenario == "transport.charset-content-type"] == [
        TitleCase("transport.charset-content-type", True)]


# ---------------------------------------------------------------- defect 4: no retry is a finding


def test_no_scenario_skips_a_client_for_not_retrying() -> None:
    needing = [sc.id for sc in SCENARIOS.values() if "retry" in sc.requires]
    assert needing == [], needing
    heals = [sc for sc in SCENARIOS.values() if sc.expect.get("heals_after") is not None]
    assert len(heals) >= 5
    no_retry = [c for c in CAPS if c != "retry"]
    for sc in heals:
        g = grading.grade(sc, failed("api" if sc.codes else "network", sc.codes[0] if sc.codes else None),
                          [entry(error_code=sc.codes[0], body=body_err(sc.codes[0])) if sc.codes
                           else entry(fault="reset", http_status=None, body="")], no_retry)
        assert g.verdict is Verdict.LENIENT and "healed" in names(g), (sc.id, g)
        assert any("no retry at all" in n for n in g.notes), (sc.id, g.notes)


# ---------------------------------------------------------------- defect 6: known failures, known everywhere


def results_with_known() -> list[ScenarioResult]:
    sc_fail, sc_ok, sc_len = (SCENARIOS["transport.no-request-id"], SCENARIOS["success.text-translate"],
                              SCENARIOS["transient.internal-error"])
    known = {"transport.no-request-id": {"verdict": "FAIL", "issue": None, "note": "accepts no RequestId"},
             "success.text-translate": {"verdict": "FAIL", "issue": None, "note": "was broken"},
             "transient.internal-error": {"verdict": "LENIENT", "note": "no retry"}}
    m = replace(load_manifest("reference"), known_failures=known)
    diff = Difference("failure_reported", Level.MUST, {"ok": False}, {"ok": True})
    out = [ScenarioResult(sc_fail, "toy", Verdict.FAIL, differences=[diff], attempts=1,
                          journal=[entry(fault="no_request_id")], answer={"ok": True, "response": {}}),
           ScenarioResult(sc_ok, "toy", Verdict.PASS, attempts=1),
           ScenarioResult(sc_len, "toy", Verdict.LENIENT, attempts=1,
                          differences=[Difference("retried", Level.SHOULD, "more than one attempt", 1)])]
    for r in out:
        r.known = known_entry(m, r.scenario.id, r.verdict)
    return out


def test_known_failures_show_as_known_in_junit_summary_and_matrix(tmp_path: Path) -> None:
    rs = results_with_known()
    header = {"suite_version": "t", "client": {"name": "toy", "version": "1", "capabilities": []}, "scenarios": 3}
    paths = R.write_reports(rs, header, {"totals": {}, "elapsed_ms": 1}, tmp_path)
    ts = ET.parse(paths["junit.xml"]).getroot().find("testsuite")
    cases = {tc.get("name"): tc for tc in ts.findall("testcase")}
    # The known FAIL is no red mark; the PASS whose known verdict is FAIL is (the run exits 1 on it).
    known = cases["transport.no-request-id"]
    assert known.find("failure") is None and known.find("skipped").get("type") == "known"
    assert "accepts no RequestId" in known.find("skipped").get("message")
    assert cases["success.text-translate"].find("failure").get("type") == "CHANGED"
    assert (ts.get("failures"), ts.get("skipped")) == ("1", "1")
    summary = paths["summary.md"].read_text()
    assert "Known failures: **all 1 FAIL known, all 1 LENIENT known, 1 changed**" in summary, summary
    rows = [ln for ln in summary.splitlines() if ln.startswith("| `")]
    assert rows and "(known)" in next(r for r in rows if "no-request-id" in r)
    html = paths["matrix.html"].read_text()
    assert 'data-known="known"' in html and 'data-known="changed"' in html and ">known</span>" in html


def test_a_new_lenient_is_red_in_junit_as_the_run_exits_1(tmp_path: Path) -> None:
    """A LENIENT with no known-failures entry is a changed verdict: the run exits 1 on it, so
    junit.xml must not be green."""
    rs = results_with_known()
    rs[2].known = None      # transient.internal-error: LENIENT, no longer in the file
    header = {"suite_version": "t", "client": {"name": "toy", "version": "1", "capabilities": []}, "scenarios": 3}
    paths = R.write_reports(rs, header, {"totals": {}, "elapsed_ms": 1}, tmp_path)
    ts = ET.parse(paths["junit.xml"]).getroot().find("testsuite")
    case = {tc.get("name"): tc for tc in ts.findall("testcase")}["transient.internal-error"]
    assert case.find("failure") is not None and case.find("failure").get("type") == "CHANGED"
    assert ts.get("failures") == "2"


def test_the_runs_last_lines_count_known_and_changed() -> None:
    rs = results_with_known()
    m = replace(load_manifest("reference"), known_failures={
        r.scenario.id: {"verdict": r.known["verdict"]} for r in rs if r.known})
    bad = mismatches(m, rs)
    assert len(bad) == 1 and bad[0].startswith("success.text-translate: got PASS, expected FAIL")
    assert known_line(m, rs, bad).startswith("reference: all 1 FAIL known, all 1 LENIENT known, 1 changed")


def test_baseline_writes_known_failures_with_evidence(tmp_path: Path) -> None:
    rs = results_with_known()
    lines = [r.to_json() for r in rs]
    doc = baseline(lines, {"transport.no-request-id": {"verdict": "FAIL", "note": "kept note", "issue": "u"}})
    assert set(doc) == {"transport.no-request-id", "transient.internal-error"}
    e = doc["transport.no-request-id"]
    assert (e["verdict"], e["note"], e["issue"]) == ("FAIL", "kept note", "u")
    assert any(x.startswith("journal seq 1: POST TextTranslate") and "fault=no_request_id" in x
               for x in e["evidence"]), e["evidence"]
    assert doc["transient.internal-error"]["note"].startswith("retried (SHOULD)")
    schema.validate("known-failures", doc, "baseline")
    # The command line, from a report on disk.
    header = {"suite_version": "t", "client": {"name": "toy", "capabilities": []}, "scenarios": 3}
    R.write_reports(rs, header, {"totals": {}, "elapsed_ms": 1}, tmp_path)
    out = tmp_path / "kf.json"
    p = subprocess.run([sys.executable, "-m", "suite", "baseline", str(tmp_path / "report.jsonl"), "--out", str(out)],
                       env=dict(os.environ, PYTHONPATH=str(ROOT / "conformance")), capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 0, p.stderr
    assert set(json.loads(out.read_text())) == {"transport.no-request-id", "transient.internal-error"}


def test_progress_on_a_terminal(tmp_path: Path) -> None:
    master, slave = pty.openpty()
    p = subprocess.Popen([sys.executable, "-m", "suite", "run", "--client", "reference", "--reports",
                          str(tmp_path), "--scenario", "success.text-translate", "--scenario", "success.method-get"],
                         env=dict(os.environ, PYTHONPATH=str(ROOT / "conformance")),
                         stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        r, _, _ = select.select([master], [], [], 1.0)
        if r:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        elif p.poll() is not None:
            break
    p.wait(timeout=60)
    os.close(master)
    assert b"reference: scenario 1/2" in seen and b"reference: scenario 2/2" in seen, seen


# ---------------------------------------------------------------- defect 6: the Node SDK absent


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_node_sdk_absent_is_one_clear_skip(tmp_path: Path) -> None:
    folder = tmp_path / "node-sdk"
    folder.mkdir()
    for name in ("adapter.js", "manifest.json", "package.json"):
        shutil.copy(CLIENTS / "node-sdk" / name, folder / name)
    shutil.copy(CLIENTS / "adapterkit.js", tmp_path / "adapterkit.js")     # the shared protocol loop
    msgs = [{"cmd": "start", "protocol": 1},
            {"cmd": "run", "seq": 1, "endpoint": "http://127.0.0.1:9", "region": "ap-guangzhou",
             "credentials": {"secret_id": "a", "secret_key": "b", "token": None}, "action": "TextTranslate",
             "params": {}, "options": {}},
            {"cmd": "stop"}]
    p = subprocess.run(["node", "adapter.js"], cwd=folder, input="".join(json.dumps(m) + "\n" for m in msgs),
                       capture_output=True, text=True, timeout=60)
    start, run = [json.loads(x) for x in p.stdout.splitlines()]
    assert start["client"]["name"] == "node-sdk" and "TextTranslate" in start["client"]["capabilities"]
    reason = run["skipped"]["reason"]
    assert "tencentcloud-sdk-nodejs-tmt is not installed" in reason and f"cd {folder} && npm ci" in reason, reason
