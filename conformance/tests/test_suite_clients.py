"""The suite's own clients: the reference client is the yardstick (PASS everywhere, its
signatures verify for every sign method and HTTP method), and each deliberately broken
miniature reaches the verdict it exists for, so PASS, LENIENT, FAIL, SKIP and ERROR are
each actually produced by the real runner and grader against the real mock.

Every miniature also gets its whole-catalogue run compared with its known_failures.json,
as `make conformance CLIENT=<mini>` does in CI.
"""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest


from suite import grade as grading
from suite.__main__ import mismatches
from suite.adapter import AdapterProcess, list_clients, load_manifest
from suite.mockctl import Mock
from suite.model import Verdict
from suite.runner import Runner
from suite.scenarios import load_all

SCENARIOS = {sc.id: sc for sc in load_all()}
MINIS = ["mini-no-retry", "mini-retry-forever", "mini-always-ok", "mini-crash", "mini-hang", "mini-bad-sign"]
SDK_CLIENTS = ["python-sdk", "go-sdk", "tccli"]
TEXT = {"SourceText": "hello", "Source": "en", "Target": "zh", "ProjectId": 0}




def run_client(name: str, ids: list[str], mock: Mock, env: dict[str, str] | None = None,
               workers: int = 4) -> dict[str, Any]:
    """scenario id -> ScenarioResult, for client ``name`` over the scenarios ``ids``."""
    missing = [i for i in ids if i not in SCENARIOS]
    assert not missing, f"scenarios gone from conformance/scenarios: {missing}"
    with Runner(load_manifest(name), mock, workers=workers, env=env) as runner:
        return {r.scenario.id: r for r in runner.run([SCENARIOS[i] for i in ids])}


def explain(r: Any) -> str:
    return json.dumps({"verdict": r.verdict.value, "error": r.error, "skip_reason": r.skip_reason,
                       "differences": [d.to_json() for d in r.differences], "result": r.answer},
                      ensure_ascii=False, default=str)[:2000]


# ---------------------------------------------------------------- the clients' files


def test_every_client_folder_loads() -> None:
    names = list_clients()
    for name in ["reference", "node-sdk", *MINIS, *SDK_CLIENTS]:
        assert name in names
    for name in names:
        m = load_manifest(name)          # validates the manifest and its known failures
        assert m.name == name
        for sid in m.known_failures:
            assert sid in SCENARIOS, f"{name}/known_failures.json names an unknown scenario {sid}"


# ---------------------------------------------------------------- the reference client


def test_reference_passes_every_scenario(suite_mock: Mock) -> None:
    results = run_client("reference", sorted(SCENARIOS), suite_mock, workers=8)
    bad = {sid: explain(r) for sid, r in results.items() if r.verdict is not Verdict.PASS}
    assert not bad, "the reference client must PASS every scenario:\n" + "\n".join(
        f"{sid}: {why}" for sid, why in sorted(bad.items()))


@pytest.mark.parametrize("method", ["POST", "GET"])
@pytest.mark.parametrize("sign_method", ["TC3-HMAC-SHA256", "HmacSHA256", "HmacSHA1"])
def test_reference_signatures_verify(suite_mock: Mock, sign_method: str, method: str) -> None:
    plain = suite_mock.new_account({})
    token = suite_mock.new_account({"token": "sts-token-" + sign_method.lower(), "token_expires_at": 4102444800})
    ad = AdapterProcess(load_manifest("reference"))
    try:
        ad.start()
        for creds, params in (
            (plain, TEXT),
            (token, {**TEXT, "SourceText": "héllo 世界 <b>&+ %"}),
        ):
            since = suite_mock.journal_seq(creds.secret_id)
            ans = ad.run({
                "endpoint": suite_mock.url, "region": "ap-guangzhou",
                "credentials": {"secret_id": creds.secret_id, "secret_key": creds.secret_key,
                                "token": creds.token},
                "action": "TextTranslate", "params": params,
                "options": {"sign_method": sign_method, "method": method, "timeout_ms": 2000,
                            "max_attempts": 1, "language": "en-US"},
            }, budget_s=10)
            assert ans.result is not None and ans.result["ok"] is True, (ans.result, ans.errored, ans.broken)
            entries = suite_mock.journal(creds.secret_id, since)
            assert len(entries) == 1, entries
            e = entries[0]
            assert e["signature_ok"] is True, e
            assert e["sign_method"] == sign_method and e["method"] == method, e
            assert ans.result["response"]["RequestId"] == e["request_id"]
    finally:
        ad.stop()


def test_reference_retries_with_growing_delay_and_fresh_signatures(suite_mock: Mock) -> None:
    r = run_client("reference", ["transient.internal-error"], suite_mock)["transient.internal-error"]
    assert r.verdict is Verdict.PASS, explain(r)
    assert r.attempts == 3
    times = [e["time"] - e.get("latency_us", 0) / 1e6 for e in r.journal]
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert gaps[0] >= 0.09 and gaps[1] >= gaps[0], gaps          # 100 ms, then 200 ms
    assert r.answer["error"]["code"] == "InternalError"


# ---------------------------------------------------------------- each verdict, reached


INTENDED = [
    # client, scenario, verdict, expectations that must be among the differences
    ("mini-no-retry", "transient.service-unavailable-heals", Verdict.LENIENT, {"retried", "healed"}),
    ("mini-no-retry", "success.text-translate", Verdict.PASS, set()),
    ("mini-retry-forever", "transient.internal-error", Verdict.LENIENT, {"bounded", "backoff_grows"}),
    ("mini-retry-forever", "transport.slow-body", Verdict.FAIL, {"in_time"}),
    ("mini-always-ok", "auth.signature-failure", Verdict.FAIL, {"error_reported"}),
    ("mini-always-ok", "transport.reset", Verdict.FAIL, {"failure_reported"}),
    ("mini-bad-sign", "success.text-translate", Verdict.FAIL, {"wire.signature"}),
    # ERROR: mini-crash and mini-hang below; SKIP: the SDK clients below.
]


@pytest.mark.parametrize("client,scenario,verdict,expectations", INTENDED,
                         ids=[f"{c}-{s}" for c, s, _, _ in INTENDED])
def test_miniature_reaches_its_verdict(suite_mock: Mock, client: str, scenario: str, verdict: Verdict,
                                       expectations: set[str]) -> None:
    r = run_client(client, [scenario], suite_mock)[scenario]
    assert r.verdict is verdict, explain(r)
    got = {d.expectation for d in r.differences}
    assert expectations <= got, (expectations - got, explain(r))


def test_crash_is_error_and_the_adapter_restarts(suite_mock: Mock) -> None:
    ids = ["success.language-detect", "success.text-translate", "success.text-translate-batch",
           "success.unicode-text"]
    results = run_client("mini-crash", ids, suite_mock, workers=1)
    verdicts = {sid: r.verdict for sid, r in results.items()}
    assert verdicts == {"success.language-detect": Verdict.ERROR, "success.text-translate": Verdict.PASS,
                        "success.text-translate-batch": Verdict.ERROR, "success.unicode-text": Verdict.PASS}, \
        {sid: explain(r) for sid, r in results.items()}
    assert results["success.language-detect"].error, explain(results["success.language-detect"])


def test_hang_is_error_at_the_time_budget(suite_mock: Mock) -> None:
    t0 = time.monotonic()
    results = run_client("mini-hang", ["success.language-detect", "success.text-translate"], suite_mock,
                         workers=1)
    took = time.monotonic() - t0
    assert results["success.language-detect"].verdict is Verdict.ERROR
    assert results["success.text-translate"].verdict is Verdict.PASS, explain(results["success.text-translate"])
    assert took < 30, took


@pytest.mark.skipif(importlib.util.find_spec("tencentcloud") is not None,
                    reason="tencentcloud-sdk-python is importable here: the python-sdk adapter runs for real")
def test_python_sdk_skips_without_the_sdk(suite_mock: Mock) -> None:
    r = run_client("python-sdk", ["success.text-translate"], suite_mock)["success.text-translate"]
    assert r.verdict is Verdict.SKIP, explain(r)
    assert "not installed" in (r.skip_reason or "")


@pytest.mark.parametrize("client,var", [("go-sdk", "TMT_GO_SDK"), ("tccli", "TCCLI")])
def test_sdk_clients_skip_cleanly(suite_mock: Mock, client: str, var: str) -> None:
    unset = {k: v for k, v in os.environ.items() if k != var}
    r = run_client(client, ["success.text-translate"], suite_mock, env=unset)["success.text-translate"]
    assert r.verdict is Verdict.SKIP and var in (r.skip_reason or ""), explain(r)
    # Set to something that is not an SDK: the adapter itself answers `skipped`.
    bogus = dict(unset, **{var: "/nonexistent/tmtmock-no-such-sdk"})
    r = run_client(client, ["success.text-translate", "transport.reset"], suite_mock, env=bogus)
    for sid, res in r.items():
        assert res.verdict is Verdict.SKIP and "not installed" in (res.skip_reason or ""), explain(res)


@pytest.mark.skipif(shutil.which("go") is None, reason="`go` is not on PATH")
def test_go_sdk_adapter_builds_and_speaks_the_protocol(tmp_path: Path) -> None:
    """main.go compiled by the launcher against a stub of the SDK's API (tests/go_sdk_stub):
    proves the launcher's go.mod and build, and the Go side of the protocol."""
    stub = Path(__file__).resolve().parent / "go_sdk_stub"
    env = dict(os.environ, TMT_GO_SDK=str(stub), XDG_CACHE_HOME=str(tmp_path))
    messages = [
        {"cmd": "start", "protocol": 1},
        {"cmd": "run", "seq": 5, "endpoint": "http://127.0.0.1:9", "region": "ap-guangzhou",
         "credentials": {"secret_id": "AKID", "secret_key": "k", "token": None},
         "action": "TextTranslate", "params": {"Big": 12345678901234567890},
         "options": {"sign_method": "HmacSHA1", "method": "GET", "timeout_ms": 500, "max_attempts": 3,
                     "language": "en-US"}},
        {"cmd": "stop"},
    ]
    adapter = load_manifest("go-sdk").folder
    proc = subprocess.run([sys.executable, "adapter.py"], cwd=adapter, env=env, timeout=300,
                          input="".join(json.dumps(m) + "\n" for m in messages),
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    start, run = [json.loads(line) for line in proc.stdout.splitlines()]
    assert start["client"]["name"] == "go-sdk" and start["client"]["version"] == "0.0.0-stub", start
    assert "custom_action" in start["client"]["capabilities"]
    # The stub has no tmt module: the generic client, said in the result.
    # The params reach the SDK as their JSON bytes ([]uint8), never as a map this adapter
    # decoded: the SDK's JSON fork writes a json.Number as a string ("ProjectId":"0").
    assert run == {"seq": 5, "result": {"ok": False, "via": "generic CommonClient", "error": {
        "kind": "network", "code": None, "message": "stub: no SDK (params given as []uint8)", "request_id": None,
        "sdk_code": "ClientError.NetworkError"}}}, run
    assert start["client"]["calls"]["TextTranslate"] == "generic CommonClient"
    assert "raw_params" in start["client"]["capabilities"]


STUB_TMT_GO = """package v20180321

import (
	"encoding/json"
	"strings"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
)

type Client struct{}

func NewClient(credential common.CredentialIface, region string, clientProfile *profile.ClientProfile) (client *Client, err error) {
	return &Client{}, nil
}

type TextTranslateRequest struct{ raw string }

func NewTextTranslateRequest() (request *TextTranslateRequest) { return &TextTranslateRequest{} }
func (r *TextTranslateRequest) FromJsonString(s string) error   { r.raw = s; return nil }

type TextTranslateResponse struct {
	Response map[string]interface{} `json:"Response"`
}

func (r *TextTranslateResponse) ToJsonString() string { b, _ := json.Marshal(r); return string(b) }

// Answers what it was given: the test sees exactly the params the typed request received.
func (c *Client) TextTranslate(request *TextTranslateRequest) (response *TextTranslateResponse, err error) {
	var m map[string]interface{}
	d := json.NewDecoder(strings.NewReader(request.raw))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		return nil, err
	}
	return &TextTranslateResponse{Response: m}, nil
}
"""


@pytest.mark.skipif(shutil.which("go") is None, reason="`go` is not on PATH")
def test_go_sdk_adapter_uses_the_typed_method_where_the_sdk_has_one(tmp_path: Path) -> None:
    """With a tmt module that has a typed TextTranslate, the adapter calls it (and says so),
    gives it the params' own JSON, and keeps the generic client for the other actions."""
    sdk = tmp_path / "sdk"
    shutil.copytree(Path(__file__).resolve().parent / "go_sdk_stub", sdk)
    tmt = sdk / "tencentcloud" / "tmt"
    (tmt / "v20180321").mkdir(parents=True)
    (tmt / "go.mod").write_text("module github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tmt\n\ngo 1.14\n\n"
                                "require github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common v1.0.0\n")
    (tmt / "v20180321" / "client.go").write_text(STUB_TMT_GO)
    params = {"SourceText": "hello", "Source": "en", "Target": "zh", "ProjectId": 0, "Big": 12345678901234567890}
    base = {"endpoint": "http://127.0.0.1:9", "region": "ap-guangzhou",
            "credentials": {"secret_id": "AKID", "secret_key": "k", "token": None},
            "options": {"sign_method": "TC3-HMAC-SHA256", "method": "POST", "timeout_ms": 500, "max_attempts": 1}}
    messages = [{"cmd": "start", "protocol": 1},
                {"cmd": "run", "seq": 1, "action": "TextTranslate", "params": params, **base},
                {"cmd": "run", "seq": 2, "action": "LanguageDetect", "params": {"Text": "hi", "ProjectId": 0}, **base},
                {"cmd": "stop"}]
    env = dict(os.environ, TMT_GO_SDK=str(sdk), XDG_CACHE_HOME=str(tmp_path / "cache"))
    proc = subprocess.run([sys.executable, "adapter.py"], cwd=load_manifest("go-sdk").folder, env=env, timeout=300,
                          input="".join(json.dumps(m) + "\n" for m in messages), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    start, typed, generic = [json.loads(line) for line in proc.stdout.splitlines()]
    calls = start["client"]["calls"]
    assert calls["TextTranslate"] == "typed method" and calls["LanguageDetect"] == "generic CommonClient", calls
    assert "raw_params" not in start["client"]["capabilities"]   # a typed model would refuse unknown keys
    assert typed["result"]["via"] == "typed method TextTranslate", typed
    assert typed["result"]["ok"] is True and typed["result"]["response"] == params, typed   # 0 is 0, not "0"
    assert generic["result"]["via"] == "generic CommonClient", generic


# ---------------------------------------------------------------- known failures, as CI checks them


def pause_stretched_by_load(r: Any) -> bool:
    """mini-retry-forever pauses a constant 5 ms before a retry, so backoff_grows (first gap
    at least 20 ms) makes a healing scenario LENIENT. On a loaded machine the journal can see
    that pause as 20 ms or more, and then PASS is the right grade of what reached the mock."""
    gaps = grading._gaps(grading.order_attempts(r.journal))
    return bool(gaps) and gaps[0] >= grading.BACKOFF_MIN_FIRST_GAP_S


@pytest.mark.parametrize("client", MINIS)
def test_miniature_matches_its_known_failures(suite_mock: Mock, client: str) -> None:
    manifest = load_manifest(client)
    with Runner(manifest, suite_mock, workers=8) as runner:
        results = runner.run(list(SCENARIOS.values()))
    if client == "mini-retry-forever":
        results = [r for r in results if not (
            r.verdict is Verdict.PASS and (manifest.known_failures.get(r.scenario.id) or {}).get("verdict") == "LENIENT"
            and r.scenario.expect.get("heals_after") is not None and pause_stretched_by_load(r))]
    bad = mismatches(manifest, results)
    assert not bad, f"{client}: verdicts differ from known_failures.json:\n" + "\n".join(bad)
    produced = {r.verdict for r in results}
    assert produced - {Verdict.PASS, Verdict.SKIP}, f"{client} must fail somewhere"
