"""Self-tests of the conformance suite's core (suite/): the adapter protocol in both modes and
its failures, schema validation of scenario files, selection, skipping, the runner against the
real mock, the CLI, and the grader on hand-made journal entries (every expectation can fail).

Independent of the shipped clients and scenarios: the adapters here are throwaway programs
written into a tmp dir.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from harness.mockproc import ROOT
from suite import adapter as adapters
from suite import grade as grading
from suite import runner as runners
from suite import schema, scenarios
from suite.mockctl import Mock, canonical_json
from suite.model import AdapterAnswer, Level, Manifest, Verdict

CONFORMANCE = ROOT / "conformance"

# ---------------------------------------------------------------- a throwaway adapter

ADAPTER = r'''
import json, os, sys, time, traceback
sys.path.insert(0, HARNESS)
from urllib.parse import urlsplit

CAPS = json.loads(os.environ.get("TOY_CAPS") or "null") or [
    "TextTranslate", "LanguageDetect", "sign:TC3-HMAC-SHA256", "method:POST", "retry", "timeout"]

if "--start-crash" in sys.argv:
    sys.stdin.readline()
    sys.exit(3)
if "--start-garbage" in sys.argv:
    sys.stdin.readline()
    print("hello, I am not JSON", flush=True)
    time.sleep(5)

def call(msg):
    from harness.signer import Credentials, Tc3Signer, send
    u = urlsplit(msg["endpoint"])
    c = msg["credentials"]
    s = Tc3Signer(Credentials(c["secret_id"], c["secret_key"], c["token"]), host=u.netloc,
                  action=msg["action"], region=msg["region"], language=msg["options"].get("language"))
    try:
        r = send(u.hostname, u.port, s.post(msg["params"]).request, timeout=msg["options"]["timeout_ms"] / 1000)
    except OSError as e:
        return {"ok": False, "error": {"kind": "network", "code": None, "message": str(e), "request_id": None}}
    try:
        inner = r.json()["Response"]
    except (ValueError, KeyError, TypeError) as e:
        return {"ok": False, "error": {"kind": "parse", "code": None, "message": str(e), "request_id": None}}
    if "Error" in inner:
        return {"ok": False, "error": {"kind": "api", "code": inner["Error"]["Code"],
                "message": inner["Error"]["Message"], "request_id": inner.get("RequestId")}}
    return {"ok": True, "response": inner}

def answer(msg):
    seq = msg["seq"]
    how = msg["params"].get("behave", "call")
    sys.stderr.write(f"toy: seq {seq} {how}\n"); sys.stderr.flush()
    if how == "crash":
        raise SystemExit(7)
    if how == "hang":
        time.sleep(60)
    if how == "garbage":
        return "this is { not json"
    if how == "bad-kind":
        return json.dumps({"seq": seq, "result": {"ok": False, "error": {"kind": "bogus"}}})
    if how == "wrong-seq":
        return json.dumps({"seq": seq + 5, "result": {"ok": True, "response": {}}})
    if how == "errored":
        return json.dumps({"seq": seq, "errored": {"message": "boom", "traceback": "Traceback..."}})
    if how == "skip":
        return json.dumps({"seq": seq, "skipped": {"reason": "not today", "issue_url": None}})
    if how == "echo":
        return json.dumps({"seq": seq, "result": {"ok": True, "response": {
            "pid": os.getpid(), "proxy": os.environ.get("http_proxy"), "cwd": os.getcwd(), "msg": msg}}})
    if how == "double":
        print(json.dumps({"seq": seq, "result": {"ok": True, "response": {"n": 1}}}), flush=True)
        return json.dumps({"seq": seq, "result": {"ok": True, "response": {"n": 2}}})
    return json.dumps({"seq": seq, "result": call(msg)})

for line in sys.stdin:
    if not line.strip():
        continue
    msg = json.loads(line)
    if msg["cmd"] == "start":
        print(json.dumps({"client": {"name": "toy", "version": "1", "language": "python",
                                     "capabilities": CAPS}}), flush=True)
    elif msg["cmd"] == "stop":
        break
    else:
        print(answer(msg), flush=True)
'''


def make_client(tmp: Path, mode: str = "ndjson", args: tuple[str, ...] = (), name: str = "toy",
                known: dict[str, Any] | None = None, requires_env: str | None = None) -> Path:
    folder = tmp / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "adapter.py").write_text(f"HARNESS = {str(CONFORMANCE)!r}\n" + ADAPTER)
    manifest: dict[str, Any] = {"name": name, "command": ["python3", "adapter.py", *args], "mode": mode,
                                "capabilities": ["TextTranslate"], "known_failures": "known_failures.json",
                                "description": "a throwaway adapter"}
    if requires_env:
        manifest["requires"] = {"env": requires_env}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    (folder / "known_failures.json").write_text(json.dumps(known or {}))
    return folder


def run_msg(behave: str = "echo", **params: Any) -> dict[str, Any]:
    return {"endpoint": "http://127.0.0.1:9", "region": "ap-guangzhou",
            "credentials": {"secret_id": "AKID" + "a" * 32, "secret_key": "k", "token": None},
            "action": "TextTranslate", "params": {"behave": behave, **params},
            "options": {"sign_method": "TC3-HMAC-SHA256", "method": "POST", "timeout_ms": 2000,
                        "max_attempts": 3, "language": "en-US"}}


@pytest.fixture
def toy(tmp_path: Path) -> Manifest:
    return adapters.load_manifest(str(make_client(tmp_path)))


# ---------------------------------------------------------------- adapter: NDJSON


def test_ndjson_start_and_runs_share_one_process(toy: Manifest, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("http_proxy", "http://proxy.invalid:3128")
    with adapters.AdapterProcess(toy) as ad:
        info = ad.start()
        assert info.name == "toy" and info.version == "1" and "retry" in info.capabilities
        a1 = ad.run(run_msg(), 5)
        a2 = ad.run(run_msg(), 5)
    assert a1.result and a2.result, (a1, a2)
    r1, r2 = a1.result["response"], a2.result["response"]
    assert r1["pid"] == r2["pid"] and ad.starts == 1
    assert r1["msg"]["seq"] == 1 and r2["msg"]["seq"] == 2 and r1["msg"]["cmd"] == "run"
    assert r1["proxy"] is None, "http_proxy must not reach the adapter"
    assert Path(r1["cwd"]) == Path(toy.folder)
    assert "toy: seq 1 echo" in a1.stderr and "seq 2" not in a1.stderr


def test_python3_in_a_command_is_our_interpreter(toy: Manifest) -> None:
    assert adapters.resolve_command(toy)[0] == sys.executable


@pytest.mark.parametrize("behave, why", [
    ("crash", "exited with status 7"),
    ("hang", "no answer within 700 ms"),
    ("garbage", "not JSON"),
    ("bad-kind", "result.error.kind"),
    ("wrong-seq", "seq"),
])
def test_ndjson_broken_answer_is_error_and_the_adapter_restarts(toy: Manifest, behave: str, why: str) -> None:
    with adapters.AdapterProcess(toy) as ad:
        ad.start()
        first = ad.run(run_msg("echo"), 5).result["response"]["pid"]
        bad = ad.run(run_msg(behave), 0.7)
        assert bad.broken is not None and why in bad.broken, bad
        assert bad.elapsed_ms < 3000
        g = grading.grade(scenarios.build(scenario_doc()), bad, [], [])
        assert g.verdict is Verdict.ERROR and why in (g.error or "")
        again = ad.run(run_msg("echo"), 5)
        assert again.result is not None, again
        assert again.result["response"]["pid"] != first and ad.starts == 2


def test_ndjson_crash_keeps_stderr(toy: Manifest) -> None:
    with adapters.AdapterProcess(toy) as ad:
        bad = ad.run(run_msg("crash"), 5)
    assert bad.broken and "toy: seq 1 crash" in bad.stderr


def test_errored_and_skipped_answers(toy: Manifest) -> None:
    sc = scenarios.build(scenario_doc())
    with adapters.AdapterProcess(toy) as ad:
        err = ad.run(run_msg("errored"), 5)
        skip = ad.run(run_msg("skip"), 5)
        assert ad.starts == 1, "errored is an answer, not a broken adapter"
    assert err.errored == {"message": "boom", "traceback": "Traceback..."}
    g = grading.grade(sc, err, [], [])
    assert g.verdict is Verdict.ERROR and "boom" in (g.error or "")
    g = grading.grade(sc, skip, [], [])
    assert g.verdict is Verdict.SKIP and g.skip_reason == "not today"


def test_late_double_answer_is_ignored(toy: Manifest) -> None:
    with adapters.AdapterProcess(toy) as ad:
        a = ad.run(run_msg("double"), 5)
        b = ad.run(run_msg("echo"), 5)
    assert a.result == {"ok": True, "response": {"n": 1}}
    assert b.result and b.result["response"]["msg"]["seq"] == 2, b
    assert "ignored a late answer to seq 1" in b.stderr


@pytest.mark.parametrize("flag, why", [("--start-crash", "exited with status 3"), ("--start-garbage", "not JSON")])
def test_ndjson_start_failure(tmp_path: Path, flag: str, why: str) -> None:
    m = adapters.load_manifest(str(make_client(tmp_path, args=(flag,))))
    ad = adapters.AdapterProcess(m, start_timeout=3)
    with pytest.raises(adapters.AdapterError, match=why):
        ad.start()
    ans = ad.run(run_msg(), 2)
    assert ans.broken and "did not start" in ans.broken
    ad.stop()


def test_missing_program_is_an_adapter_error(tmp_path: Path) -> None:
    folder = make_client(tmp_path)
    doc = json.loads((folder / "manifest.json").read_text())
    doc["command"] = ["/nonexistent/adapter"]
    (folder / "manifest.json").write_text(json.dumps(doc))
    ad = adapters.AdapterProcess(adapters.load_manifest(str(folder)))
    with pytest.raises(adapters.AdapterError, match="cannot run"):
        ad.start()


# ---------------------------------------------------------------- adapter: one-shot


def test_oneshot_one_process_per_run(tmp_path: Path) -> None:
    m = adapters.load_manifest(str(make_client(tmp_path, mode="oneshot")))
    ad = adapters.AdapterProcess(m)
    info = ad.start()
    assert info.name == "toy" and ad.start_error is None
    a1, a2 = ad.run(run_msg(), 5), ad.run(run_msg(), 5)
    assert a1.result and a2.result
    assert a1.result["response"]["pid"] != a2.result["response"]["pid"]
    assert "toy: seq 1 echo" in a1.stderr
    bad = ad.run(run_msg("crash"), 5)
    assert bad.broken and "exited with status 7" in bad.broken
    hang = ad.run(run_msg("hang"), 0.5)
    assert hang.broken and "no answer" in hang.broken
    assert ad.run(run_msg(), 5).result


def test_oneshot_start_falls_back_to_the_manifest(tmp_path: Path) -> None:
    m = adapters.load_manifest(str(make_client(tmp_path, mode="oneshot", args=("--start-crash",))))
    ad = adapters.AdapterProcess(m)
    info = ad.start()
    assert info.name == "toy" and info.capabilities == ["TextTranslate"]
    assert ad.start_error and "status 3" in ad.start_error


# ---------------------------------------------------------------- manifests and schemas


def test_manifest_schema_names_the_field(tmp_path: Path) -> None:
    folder = make_client(tmp_path)
    doc = json.loads((folder / "manifest.json").read_text())
    doc["mode"] = "batch"
    (folder / "manifest.json").write_text(json.dumps(doc))
    with pytest.raises(adapters.AdapterError, match=r"manifest.json: mode: 'batch' is not one of"):
        adapters.load_manifest(str(folder))


def test_known_failures_are_validated(tmp_path: Path) -> None:
    folder = make_client(tmp_path, known={"x.y": {"verdict": "BROKEN"}})
    with pytest.raises(adapters.AdapterError, match=r"known_failures.json: x.y.verdict"):
        adapters.load_manifest(str(folder))


def test_schemas_are_valid_draft_2020_12() -> None:
    for name in schema.NAMES:
        schema.validator(name)


def test_reply_schema() -> None:
    assert schema.problems("adapter-reply", {"seq": 1, "result": {"ok": True, "response": {"A": 1}}}) == []
    assert schema.problems("adapter-reply", {"seq": None, "errored": {"message": "x"}}) == []
    assert schema.problems("adapter-reply", {"seq": 1, "result": {"ok": True}}) == [
        "result: 'response' is a required property"]
    assert schema.problems("adapter-reply", {"seq": 1, "skipped": {"reason": "r"}, "errored": {"message": "m"}})
    assert schema.problems("adapter-request", {"cmd": "run", "seq": 1}) != []


# ---------------------------------------------------------------- scenario files


def scenario_doc(**over: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": "toy.text", "title": "a toy", "class": "success", "codes": [], "tags": ["toy"],
        "call": {"action": "TextTranslate",
                 "params": {"SourceText": "hello", "Source": "en", "Target": "zh", "ProjectId": 0}},
    }
    doc.update(over)
    return doc


def write_scenario(root: Path, doc: dict[str, Any], sub: str = "success", stem: str | None = None) -> Path:
    (root / sub).mkdir(parents=True, exist_ok=True)
    p = root / sub / f"{stem or doc['id']}.json"
    p.write_text(json.dumps(doc))
    return p


def test_scenario_defaults(tmp_path: Path) -> None:
    sc = scenarios.load_file(write_scenario(tmp_path, scenario_doc()))
    assert sc.call.region == "ap-guangzhou"
    assert sc.call.options == {"sign_method": "TC3-HMAC-SHA256", "method": "POST", "timeout_ms": 2000,
                               "max_attempts": 3, "language": "en-US"}
    assert sc.setup.credentials == "ok" and sc.setup.faults == [] and sc.setup.mock is None
    assert sc.capabilities_needed() == ["TextTranslate", "sign:TC3-HMAC-SHA256", "method:POST"]


@pytest.mark.parametrize("change, field", [
    (lambda d: d["call"].update(options={"timout_ms": 5}), "call.options: Additional properties are not allowed "
                                                          "('timout_ms' was unexpected)"),
    (lambda d: d.update(setup={"faults": [{"error": "InternalError", "tims": 2}]}), "setup.faults[0]: Additional"),
    (lambda d: d.update(setup={"faults": [{"match": {"secret_id": "AKID"}, "error": "X"}]}), "setup.faults[0].match"),
    (lambda d: d.update({"class": "weird"}), "class: 'weird' is not one of"),
    (lambda d: d.update(requires=["teleport"]), "requires[0]: 'teleport' is not one of"),
    (lambda d: d.update(wire={"skip": ["signatur"]}), "wire.skip[0]"),
    (lambda d: d.pop("title"), "(top level): 'title' is a required property"),
    (lambda d: d.update(setup={"credentials": "stolen"}), "setup.credentials"),
    (lambda d: d.update(expect={"heals_after": 1}), "expect.heals_after: only throttled"),
    (lambda d: d.update({"class": "client_error"}), "codes: a client_error scenario names the code"),
    (lambda d: d.update(setup={"credentials": "no_token"}), "setup.credentials: no_token needs a token account"),
])
def test_bad_scenario_names_file_and_field(tmp_path: Path, change: Any, field: str) -> None:
    doc = scenario_doc()
    change(doc)
    path = write_scenario(tmp_path, doc, stem="toy.text")
    with pytest.raises(scenarios.ScenarioError) as exc:
        scenarios.load_file(path)
    text = str(exc.value)
    assert "toy.text.json" in text and field in text, text


def test_id_is_the_file_stem_and_unique(tmp_path: Path) -> None:
    write_scenario(tmp_path, scenario_doc(), stem="other")
    with pytest.raises(scenarios.ScenarioError, match=r"other.json: id: 'toy.text' is not the file name's stem"):
        scenarios.load_all(tmp_path)
    (tmp_path / "success" / "other.json").unlink()
    write_scenario(tmp_path, scenario_doc())
    write_scenario(tmp_path, scenario_doc(), sub="elsewhere")
    with pytest.raises(scenarios.ScenarioError, match="is already the id of"):
        scenarios.load_all(tmp_path)


def test_not_json_scenario(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text("{nope")
    with pytest.raises(scenarios.ScenarioError, match=r"x.json: not JSON: line 1"):
        scenarios.load_all(tmp_path)


def test_selection() -> None:
    mk = lambda i, cls, tags, codes: scenarios.build(  # noqa: E731
        scenario_doc(id=i, **{"class": cls}, tags=tags, codes=codes))
    all_ = [mk("auth.sig", "client_error", ["faq", "natural"], ["AuthFailure.SignatureFailure"]),
            mk("transport.reset", "transport", ["injection"], []),
            mk("throttle.heal", "throttled", ["faq", "injection"], ["RequestLimitExceeded"])]
    ids = lambda xs: [s.id for s in xs]  # noqa: E731
    assert ids(scenarios.select(all_, expr="faq")) == ["auth.sig", "throttle.heal"]
    assert ids(scenarios.select(all_, expr="faq and not natural")) == ["throttle.heal"]
    assert ids(scenarios.select(all_, expr="(transport or signaturefailure) and not heal")) == [
        "auth.sig", "transport.reset"]
    assert ids(scenarios.select(all_, tags=["injection"])) == ["transport.reset", "throttle.heal"]
    assert ids(scenarios.select(all_, ids=["throttle.heal"])) == ["throttle.heal"]
    with pytest.raises(ValueError, match="no such scenario: nope"):
        scenarios.select(all_, ids=["nope"])
    with pytest.raises(ValueError):
        scenarios.select(all_, expr="faq and (")


# ---------------------------------------------------------------- runner against the mock




def test_mock_account_rules_journal(suite_mock: Mock) -> None:
    acct = suite_mock.new_account({"billing": "free"})
    assert acct.secret_id.startswith("AKID") and len(acct.secret_id) == 36
    rule = suite_mock.add_rule({"match": {"action": "TextTranslate"}, "error": "InternalError"}, acct.secret_id)
    assert rule["match"] == {"action": "TextTranslate", "secret_id": acct.secret_id}
    assert suite_mock.journal_seq(acct.secret_id) == 0
    h = suite_mock.catalogue_hash()
    assert len(h) == 64 and h == suite_mock.catalogue_hash()
    assert canonical_json({"b": 1, "a": "é"}) == '{"a":"é","b":1}'.encode()


def test_runner_end_to_end(tmp_path: Path, suite_mock: Mock) -> None:
    """Real calls through the toy adapter: success, a natural client error, an injected
    transient error the toy does not retry, a capability skip, an errored adapter."""
    m = adapters.load_manifest(str(make_client(tmp_path)))
    params = {"SourceText": "hello", "Source": "en", "Target": "zh", "ProjectId": 0}
    docs = [
        scenario_doc(id="t.ok", expect={"response": {"TargetText": "[zh] HELLO"}}),
        scenario_doc(id="t.wrong-key", **{"class": "client_error"}, codes=["AuthFailure.SignatureFailure"],
                     setup={"credentials": "wrong_key"}, wire={"skip": ["signature"]}),
        scenario_doc(id="t.internal", **{"class": "transient"}, codes=["InternalError"],
                     setup={"faults": [{"error": "InternalError", "times": None}]}),
        scenario_doc(id="t.detect", call={"action": "LanguageDetect", "params": {"Text": "hi", "ProjectId": 0}},
                     requires=["token"]),
        scenario_doc(id="t.errored", call={"action": "TextTranslate", "params": {**params, "behave": "errored"}}),
        scenario_doc(id="t.dedicated", setup={"mock": {"options": ["--text-limit", "3"]}}, **{"class": "client_error"},
                     codes=["UnsupportedOperation.TextTooLong"]),
    ]
    chosen = [scenarios.build(d) for d in docs]
    got = {r.scenario.id: r for r in runners.run(m, chosen, suite_mock, workers=3)}
    assert got["t.ok"].verdict is Verdict.PASS, got["t.ok"]
    assert got["t.ok"].attempts == 1 and got["t.ok"].journal[0]["action"] == "TextTranslate"
    assert got["t.wrong-key"].verdict is Verdict.PASS, got["t.wrong-key"].differences
    internal = got["t.internal"]
    assert internal.verdict is Verdict.LENIENT, internal.differences
    assert [d.expectation for d in internal.differences] == ["retried"]
    assert got["t.detect"].verdict is Verdict.SKIP and got["t.detect"].skip_reason == "client lacks token"
    assert got["t.errored"].verdict is Verdict.ERROR and "boom" in got["t.errored"].error
    assert got["t.dedicated"].verdict is Verdict.PASS, got["t.dedicated"].differences
    assert got["t.dedicated"].journal[0]["error_code"] == "UnsupportedOperation.TextTooLong"
    for r in got.values():
        assert schema.problems("report-line", r.to_json()) == [], r.scenario.id


def test_precall_results_feed_the_call(tmp_path: Path, suite_mock: Mock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOY_CAPS", json.dumps(["GetFileTranslate", "sign:TC3-HMAC-SHA256", "method:POST"]))
    m = adapters.load_manifest(str(make_client(tmp_path)))
    file_params = {"Source": "en", "Target": "zh", "DocumentType": "txt", "SourceType": 1, "Data": "aGVsbG8K"}
    sc = scenarios.build(scenario_doc(
        id="t.get-file", setup={"precalls": [{"action": "FileTranslate", "params": file_params}]},
        call={"action": "GetFileTranslate", "params": {"TaskId": "{{precalls[0].Data.TaskId}}"}}))
    [r] = runners.run(m, [sc], suite_mock)
    assert r.verdict is Verdict.PASS, (r.differences, r.error, r.answer)
    task = r.journal[0]["params"]["TaskId"]
    assert task.isdigit() and r.answer["response"]["Data"]["TaskId"] == task
    with pytest.raises(runners.SetupError, match="has no"):
        runners.resolve({"x": ["{{precalls[0].Data.Nope}}"]}, [{"Data": {}}])
    assert runners.resolve({"x": ["{{precalls[0].A[1]}}", 3]}, [{"A": [5, "b"]}]) == {"x": ["b", 3]}


def test_precall_reference_out_of_range(tmp_path: Path) -> None:
    doc = scenario_doc(call={"action": "GetFileTranslate", "params": {"TaskId": "{{precalls[0].Data.TaskId}}"}})
    with pytest.raises(scenarios.ScenarioError, match=r"call.params: \{\{precalls\[0\]...\}\} but the scenario has 0"):
        scenarios.load_file(write_scenario(tmp_path, doc))


def test_requires_env_skips_everything(tmp_path: Path, suite_mock: Mock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOY_SDK_HOME", raising=False)
    m = adapters.load_manifest(str(make_client(tmp_path, requires_env="TOY_SDK_HOME")))
    [r] = runners.run(m, [scenarios.build(scenario_doc())], suite_mock)
    assert r.verdict is Verdict.SKIP and "TOY_SDK_HOME" in (r.skip_reason or "")


def test_header_and_footer_match_the_report_schema(toy: Manifest, suite_mock: Mock) -> None:
    info = adapters.manifest_info(toy)
    header = runners.make_header(info, suite_mock, 3, toy)
    assert schema.problems("report-line", {"header": header}) == []
    assert header["mock_version"] and len(header["catalogue_hash"]) == 64
    footer = runners.make_footer([], 12)
    assert footer["totals"] == {"PASS": 0, "LENIENT": 0, "FAIL": 0, "SKIP": 0, "ERROR": 0}
    assert schema.problems("report-line", {"footer": footer}) == []


def _cli(*args: str, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(CONFORMANCE), **(env_extra or {}))
    return subprocess.run([sys.executable, "-m", "suite", *args], capture_output=True, text=True, env=env,
                          timeout=120, cwd=ROOT)


def test_cli_run_exit_status_follows_known_failures(tmp_path: Path) -> None:
    sdir = tmp_path / "scen"
    write_scenario(sdir, scenario_doc(id="t.ok"))
    write_scenario(sdir, scenario_doc(id="t.internal", **{"class": "transient"}, codes=["InternalError"],
                                      setup={"faults": [{"error": "InternalError", "times": None}]}),
                   sub="transient")
    client = make_client(tmp_path / "c1")
    out = tmp_path / "rep"
    p = _cli("run", "--client", str(client), "--reports", str(out), "--scenarios", str(sdir))
    assert p.returncode == 1, p.stdout + p.stderr
    assert "LENIENT t.internal" in " ".join(p.stdout.split()) and "t.internal: got LENIENT" in p.stdout
    lines = [json.loads(x) for x in (out / "report.jsonl").read_text().splitlines()]
    assert "header" in lines[0] and "footer" in lines[-1]
    assert lines[-1]["footer"]["totals"]["LENIENT"] == 1
    for ln in lines:
        assert schema.problems("report-line", ln) == [], ln

    client2 = make_client(tmp_path / "c2", known={"t.internal": {"verdict": "LENIENT", "issue": None}})
    p = _cli("run", "--client", str(client2), "--reports", str(out), "--scenarios", str(sdir), "-k", "internal")
    assert p.returncode == 0, p.stdout + p.stderr


def test_cli_list_and_bad_scenarios(tmp_path: Path) -> None:
    write_scenario(tmp_path / "good", scenario_doc(id="t.listed"))
    p = _cli("list", "--scenarios", str(tmp_path / "good"))
    assert p.returncode == 0 and p.stdout.split() == ["t.listed", "success", "-"], p.stdout + p.stderr
    write_scenario(tmp_path, scenario_doc(setup={"faults": [{"tims": 1}]}))
    p = _cli("list", "--scenarios", str(tmp_path))
    assert p.returncode == 2 and "toy.text.json: setup.faults[0]" in p.stderr


# ---------------------------------------------------------------- grading on hand-made journals

NOW = 1_800_000_000.0
RID = "11111111-2222-4333-8444-555555555555"


def body_ok(**fields: Any) -> str:
    return json.dumps({"Response": {"TargetText": "[zh] HELLO", "Source": "en", "Target": "zh", "UsedAmount": 5,
                                    **fields, "RequestId": RID}}, separators=(",", ":"))


def body_err(code: str, message: str = "the message") -> str:
    return json.dumps({"Response": {"Error": {"Code": code, "Message": message}, "RequestId": RID}})


def entry(seq: int = 1, t: float = NOW, body: str | None = None, error_code: str | None = None, **kw: Any) -> dict[str, Any]:
    e: dict[str, Any] = {
        "seq": seq, "conn_id": seq, "time": t, "latency_us": 100, "method": "POST",
        "headers": {"X-TC-Action": "TextTranslate", "X-TC-Version": "2018-03-21", "X-TC-Region": "ap-guangzhou",
                    "X-TC-Timestamp": str(int(t))},
        "action": "TextTranslate", "region": "ap-guangzhou", "secret_id": "AKID" + "a" * 32,
        "sign_method": "TC3-HMAC-SHA256", "timestamp": str(int(t)), "content_type": "application/json",
        "signature": f"sig{seq}", "signature_ok": True, "http_status": 200, "error_code": error_code,
        "fault": None, "delay_ms": 0, "rule_id": None, "request_id": RID,
        "body": body if body is not None else (body_err(error_code) if error_code else body_ok()),
    }
    e.update(kw)
    return e


def sc_of(cls: str, codes: list[str] | None = None, **over: Any) -> Any:
    return scenarios.build(scenario_doc(**{"class": cls}, codes=codes or [], **over))


def ok(response: dict[str, Any]) -> AdapterAnswer:
    return AdapterAnswer(result={"ok": True, "response": response}, elapsed_ms=50)


def err(code: str | None, message: str | None = "the message", request_id: str | None = RID,
        kind: str = "api", elapsed_ms: int = 50) -> AdapterAnswer:
    return AdapterAnswer(result={"ok": False, "error": {"kind": kind, "code": code, "message": message,
                                                         "request_id": request_id}}, elapsed_ms=elapsed_ms)


def names(g: grading.Grade) -> dict[str, str]:
    return {d.expectation: d.level.value for d in g.differences}


CAPS = ["TextTranslate", "sign:TC3-HMAC-SHA256", "method:POST", "retry"]
SUCCESS_RESPONSE = json.loads(body_ok())["Response"]


def test_client_error_pass_and_each_expectation() -> None:
    sc = sc_of("client_error", ["AuthFailure.SignatureFailure"])
    j = [entry(error_code="AuthFailure.SignatureFailure")]
    assert grading.grade(sc, err("AuthFailure.SignatureFailure"), j, CAPS).verdict is Verdict.PASS
    assert names(grading.grade(sc, ok({}), j, CAPS)) == {"error_reported": "MUST", "code_exact": "MUST"}
    assert names(grading.grade(sc, err("AuthFailure.SignatureFailure", kind="other"), j, CAPS)) == {
        "error_reported": "MUST"}
    assert names(grading.grade(sc, err("AuthFailure"), j, CAPS)) == {"code_exact": "MUST"}
    assert names(grading.grade(sc, err("AuthFailure.SignatureFailure", message="[SDK] the message"), j, CAPS)) == {
        "message_exact": "MUST"}
    assert names(grading.grade(sc, err("AuthFailure.SignatureFailure", request_id=None), j, CAPS)) == {
        "request_id": "MUST"}
    g = grading.grade(sc, err("AuthFailure.SignatureFailure"), j + [entry(2, NOW + 1, error_code=j[0]["error_code"])],
                      CAPS)
    assert names(g) == {"single_attempt": "SHOULD"} and g.verdict is Verdict.LENIENT
    g = grading.grade(sc, err("AuthFailure.SignatureFailure"), [], CAPS)
    assert g.verdict is Verdict.FAIL and "attempted" in names(g)


def test_throttled_expectations() -> None:
    sc = sc_of("throttled", ["RequestLimitExceeded"], expect={"heals_after": 2})
    code = "RequestLimitExceeded"
    healed = [entry(1, NOW, error_code=code), entry(2, NOW + 0.1, error_code=code), entry(3, NOW + 0.35)]
    assert grading.grade(sc, ok(SUCCESS_RESPONSE), healed, CAPS).verdict is Verdict.PASS
    # gave up after one attempt with the right code: no retry, not healed
    one = [entry(1, NOW, error_code=code)]
    g = grading.grade(sc, err(code), one, CAPS)
    assert names(g) == {"retried": "SHOULD", "healed": "SHOULD"} and g.verdict is Verdict.LENIENT
    # without the retry capability, not retrying is the finding: LENIENT with a note, never SKIP
    g = grading.grade(sc, err(code), one, CAPS[:-1])
    assert names(g) == {"retried": "SHOULD", "healed": "SHOULD"} and g.verdict is Verdict.LENIENT
    assert any("no retry at all" in n for n in g.notes), g.notes
    assert names(grading.grade(sc, err("InternalError"), one, CAPS))["code_exact_if_gave_up"] == "MUST"
    assert names(grading.grade(sc, err(code, request_id="x"), one, CAPS))["request_id"] == "MUST"
    # five attempts, no growing gaps, the same signature twice, far apart
    five = [entry(i + 1, NOW + g_, error_code=code, signature="same", timestamp=str(int(NOW)))
            for i, g_ in enumerate([0, 0.001, 0.002, 1.5, 1.501])]
    g = grading.grade(sc, err(code), five, CAPS)
    assert {"bounded", "backoff_grows", "fresh_signature", "healed"} <= set(names(g)), names(g)
    # the same TC3 signature within the same second is a legitimate re-signing
    quick = [entry(1, NOW, error_code=code, signature="s", timestamp="1"),
             entry(2, NOW + 0.1, error_code=code, signature="s", timestamp="1")]
    assert "fresh_signature" not in names(grading.grade(sc, err(code), quick, CAPS))
    # ... but not for v1, which has a fresh Nonce each time
    v1 = [dict(e, sign_method="HmacSHA1", content_type="application/x-www-form-urlencoded", headers={})
          for e in quick]
    assert "fresh_signature" in names(grading.grade(sc, err(code), v1, CAPS))
    # a success claimed while the last answer was an error
    g = grading.grade(sc, ok(SUCCESS_RESPONSE), one, CAPS)
    assert names(g) == {"no_false_success": "MUST", "retried": "SHOULD"}
    # a success with a wrong field
    g = grading.grade(sc, ok({**SUCCESS_RESPONSE, "TargetText": "x"}), healed, CAPS)
    assert names(g) == {"fields_exact": "MUST"}


def test_transient_gaps_must_grow() -> None:
    sc = sc_of("transient", ["InternalError"])
    shrinking = [entry(1, NOW, error_code="InternalError"), entry(2, NOW + 0.4, error_code="InternalError"),
                 entry(3, NOW + 0.5, error_code="InternalError")]
    g = grading.grade(sc, err("InternalError"), shrinking, CAPS)
    assert names(g) == {"backoff_grows": "SHOULD"}
    growing = [entry(1, NOW, error_code="InternalError"), entry(2, NOW + 0.1, error_code="InternalError"),
               entry(3, NOW + 0.3, error_code="InternalError")]
    assert grading.grade(sc, err("InternalError"), growing, CAPS).verdict is Verdict.PASS


def test_clock_expectations() -> None:
    code = "AuthFailure.SignatureExpire"
    sc = sc_of("clock", [code], wire={"skip": ["timestamp"]})
    j = [entry(1, NOW, error_code=code, timestamp=str(int(NOW - 600)))]
    assert grading.grade(sc, err(code), j, CAPS).verdict is Verdict.PASS
    assert names(grading.grade(sc, err("AuthFailure.SignatureFailure"), j, CAPS)) == {"code_exact": "MUST"}
    replay = j + [entry(2, NOW + 0.05, error_code=code, signature="sig1", timestamp=str(int(NOW - 600)))]
    assert names(grading.grade(sc, err(code), replay, CAPS)) == {"no_replay": "MUST"}
    corrected = j + [entry(2, NOW + 0.05, timestamp=str(int(NOW)))]
    g = grading.grade(sc, ok(SUCCESS_RESPONSE), corrected, CAPS)
    assert g.verdict is Verdict.PASS and any("beyond" in n for n in g.notes)
    assert names(grading.grade(sc, ok(SUCCESS_RESPONSE), j, CAPS)) == {"no_false_success": "MUST"}


def test_transport_expectations() -> None:
    sc = sc_of("transport", call={"action": "TextTranslate", "params": {}, "options": {"timeout_ms": 500,
                                                                                        "max_attempts": 2}})
    reset = [entry(1, NOW, fault="reset"), entry(2, NOW + 0.2, fault="reset")]
    assert grading.grade(sc, err(None, kind="network", request_id=None), reset, CAPS).verdict is Verdict.PASS
    g = grading.grade(sc, ok({}), reset, CAPS)
    assert names(g) == {"failure_reported": "MUST"}
    assert names(grading.grade(sc, err(None, kind="other"), reset, CAPS)) == {"kind": "MUST"}
    # budget: 500 * 2 + 2000
    assert names(grading.grade(sc, err(None, kind="timeout", elapsed_ms=3001), reset, CAPS)) == {"in_time": "MUST"}
    # a success delayed past the client's timeout never reached it
    late = [entry(1, NOW + 1.5, latency_us=1_500_000, delay_ms=1500)]
    assert names(grading.grade(sc, ok({}), late, CAPS)) == {"failure_reported": "MUST"}
    # the JSON error envelope intact (HTTP 500): the api kind with the journal's code is fine
    e500 = [entry(1, NOW, error_code="InternalError", fault="error_status_500", http_status=500)]
    assert grading.grade(sc, err("InternalError"), e500, CAPS).verdict is Verdict.PASS
    # heals after 1: a retrying client should retry and succeed
    heal = sc_of("transport", expect={"heals_after": 1})
    one = [entry(1, NOW, fault="close")]
    assert names(grading.grade(heal, err(None, kind="network"), one, CAPS)) == {
        "retried": "SHOULD", "healed": "SHOULD"}
    two = one + [entry(2, NOW + 0.1)]
    assert grading.grade(heal, ok(SUCCESS_RESPONSE), two, CAPS).verdict is Verdict.PASS


def test_success_expectations() -> None:
    sc = sc_of("success", expect={"response": {"TargetText": "[zh] HELLO"}})
    j = [entry(1, NOW, body=body_ok(Big=9007199254740993, Flag=True))]
    full = json.loads(j[0]["body"])["Response"]
    assert grading.grade(sc, ok(full), j, CAPS).verdict is Verdict.PASS
    # dropping a documented field is a difference: an empty "success" proves nothing
    assert names(grading.grade(sc, ok({"TargetText": "[zh] HELLO"}), j, CAPS)) == {"fields_exact": "MUST"}
    assert names(grading.grade(sc, ok({"Source": "en"}), j, CAPS)) == {"fields_exact": "MUST"}
    # ... but dropping the fields a rule's `extra` added (unknown to any client) is fine
    with_extra = sc_of("success", expect={"response": {"TargetText": "[zh] HELLO"}},
                       setup={"faults": [{"extra": {"Big": 9007199254740993, "Flag": True}}]})
    known = {k: v for k, v in full.items() if k not in ("Big", "Flag")}
    assert grading.grade(with_extra, ok(known), j, CAPS).verdict is Verdict.PASS
    g = grading.grade(sc, ok({**full, "Big": 9007199254740992}), j, CAPS)
    assert names(g) == {"fields_exact": "MUST"} and g.differences[0].expected == {"Big": 9007199254740993}
    assert names(grading.grade(sc, ok({**full, "Flag": 1}), j, CAPS)) == {"fields_exact": "MUST"}
    assert names(grading.grade(sc, ok({**full, "Invented": "x"}), j, CAPS)) == {"fields_exact": "MUST"}
    assert names(grading.grade(sc, err("InternalError"), j, CAPS)) == {"ok": "MUST"}
    g = grading.grade(sc, ok(full), j + [entry(2, NOW + 0.2, body=j[0]["body"])], CAPS)
    assert names(g) == {"single_attempt": "SHOULD"}


@pytest.mark.parametrize("check, change", [
    ("signature", {"signature_ok": False}),
    ("action", {"action": "LanguageDetect"}),
    ("version", {"headers": {"X-TC-Version": "2017-03-12"}}),
    ("region", {"region": "ap-beijing"}),
    ("timestamp", {"timestamp": str(int(NOW) - 301)}),
    ("timestamp", {"timestamp": None}),
    ("content_type", {"content_type": "text/plain"}),
    ("content_type", {"method": "GET", "content_type": "application/json"}),
])
def test_wire_checks(check: str, change: dict[str, Any]) -> None:
    sc = sc_of("success")
    good = [entry()]
    assert grading.grade(sc, ok(SUCCESS_RESPONSE), good, CAPS).verdict is Verdict.PASS
    bad = [entry(**change)]
    g = grading.grade(sc, ok(SUCCESS_RESPONSE), bad, CAPS)
    assert names(g) == {f"wire.{check}": "MUST"} and g.verdict is Verdict.FAIL
    assert g.differences[0].got[0]["attempt"] == 1
    skipping = sc_of("success", wire={"skip": [check]})
    assert grading.grade(skipping, ok(SUCCESS_RESPONSE), bad, CAPS).verdict is Verdict.PASS


def test_v1_wire_forms() -> None:
    sc = sc_of("success", call={"action": "TextTranslate", "params": {},
                                "options": {"sign_method": "HmacSHA1", "method": "GET"}})
    j = [entry(sign_method="HmacSHA1", method="GET", headers={}, content_type=None)]
    assert grading.grade(sc, ok(SUCCESS_RESPONSE), j, CAPS).verdict is Verdict.PASS
    j = [entry(sign_method="HmacSHA256", headers={}, content_type="application/x-www-form-urlencoded")]
    assert grading.grade(sc, ok(SUCCESS_RESPONSE), j, CAPS).verdict is Verdict.PASS
    j = [entry(sign_method="HmacSHA256", headers={}, content_type="application/json")]
    assert "wire.content_type" in names(grading.grade(sc, ok(SUCCESS_RESPONSE), j, CAPS))


def test_attempts_are_ordered_by_arrival() -> None:
    """A delayed answer is journaled late (higher seq) but arrived first."""
    early = entry(2, NOW + 1.0, latency_us=1_000_000)
    late = entry(1, NOW + 0.2)
    assert [e["seq"] for e in grading.order_attempts([late, early])] == [2, 1]


def test_same_is_strict_json_equality() -> None:
    assert grading.same(1, 1.0) and not grading.same(True, 1) and not grading.same(2**53 + 1, float(2**53))
    assert not grading.same({"a": [1]}, {"a": [1, 2]}) and grading.same(None, None)


def test_missing_capability_skips(toy: Manifest, suite_mock: Mock) -> None:
    sc = sc_of("success", call={"action": "ImageTranslate", "params": {}}, requires=["language"])
    with runners.Runner(toy, suite_mock, workers=1) as r:
        res = r.run_one(sc)
    assert res.verdict is Verdict.SKIP and res.skip_reason == "client lacks ImageTranslate, language"
    assert res.attempts == 0 and res.to_json()["skip_reason"] == res.skip_reason
    custom = sc_of("client_error", ["InvalidAction"], call={"action": "TranslateAll", "params": {}})
    assert runners.missing_capabilities(custom, ["sign:TC3-HMAC-SHA256", "method:POST"]) == ["custom_action"]


def test_levels_map_to_verdicts() -> None:
    from suite.model import Difference, verdict_of
    assert verdict_of([Difference("x", Level.SHOULD, 1, 2)]) is Verdict.LENIENT
    assert verdict_of([Difference("x", Level.SHOULD, 1, 2), Difference("y", Level.MUST, 1, 2)]) is Verdict.FAIL
