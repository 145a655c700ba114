"""Transport faults (docs/faults.md) through the official Node.js SDK.

The SDK (tencentcloud-sdk-nodejs-tmt 4.1.207, -common 4.1.220) is driven by its adapter
(conformance/clients/node-sdk/adapter.js), TC3-HMAC-SHA256 over POST as an application
uses it by default. Each test records what the SDK surfaces for one broken answer (the
adapter's error kind, code and message shape) and asserts exactly that; docs/conformance.md
(The official SDKs) has the Node column these observations must agree with. Whatever the mock
sends, the adapter must never crash: every run gets a `result`, never `errored`.

Faults come from a rule scoped to a fresh account and from a magic value in SourceText.
"""
from __future__ import annotations

import json
import re
import subprocess
import time
from typing import Any, Iterator

import pytest

from harness.admin import Admin
from harness.mockproc import MockProcess
from harness.nodesdk import ADAPTER_DIR, NODE, REGION, REQUIRES_NODE_SDK, adapter_env
from harness.signer import Credentials

pytestmark = REQUIRES_NODE_SDK

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
VIA = ["rule", "magic"]
TIMEOUT_MS = 3000   # the SDK's reqTimeout for these runs


class Adapter:
    """One long-lived adapter process; runs are answered strictly in order."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [NODE or "node", "adapter.js"], cwd=ADAPTER_DIR, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, env=adapter_env())
        self.seq = 0
        hello = self.ask({"cmd": "start", "protocol": 1})
        assert hello.get("client", {}).get("name") == "node-sdk", hello

    def ask(self, message: dict[str, Any]) -> dict[str, Any]:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, f"the adapter closed stdout (exit {self.proc.poll()}): it crashed"
        return json.loads(line)

    def run(self, mock: MockProcess, creds: Credentials, source_text: str, *, language: str = "en-US",
            timeout_ms: int = TIMEOUT_MS) -> tuple[dict[str, Any], float]:
        """TextTranslate through the SDK; answers (result, seconds it took)."""
        self.seq += 1
        message = {
            "cmd": "run", "seq": self.seq, "endpoint": mock.url, "region": REGION,
            "credentials": {"secret_id": creds.secret_id, "secret_key": creds.secret_key, "token": None},
            "action": "TextTranslate",
            "params": {"SourceText": source_text, "Source": "en", "Target": "zh", "ProjectId": 0},
            "options": {"sign_method": "TC3-HMAC-SHA256", "method": "POST", "timeout_ms": timeout_ms,
                        "language": language},
        }
        t0 = time.monotonic()
        answer = self.ask(message)
        took = time.monotonic() - t0
        assert "errored" not in answer, f"the adapter failed on its own: {answer}"
        assert answer.get("seq") == self.seq and "result" in answer, answer
        return answer["result"], took

    def close(self) -> str:
        assert self.proc.stdin
        try:
            self.proc.stdin.write(json.dumps({"cmd": "stop"}) + "\n")
            self.proc.stdin.flush()
            code = self.proc.wait(timeout=10)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
        stderr = self.proc.stderr.read() if self.proc.stderr else ""
        assert code == 0, f"adapter exited {code}; stderr:\n{stderr}"
        return stderr


@pytest.fixture(scope="module")
def sdk() -> Iterator[Adapter]:
    a = Adapter()
    yield a
    stderr = a.close()
    # The SDK threw nothing the adapter failed to catch.
    assert "uncaught exception" not in stderr and "unhandled rejection" not in stderr, stderr






def through_sdk(sdk: Adapter, mock: MockProcess, adm: Admin, creds: Credentials, via: str, fault: str,
                delay_ms: int = 0) -> tuple[dict[str, Any], float]:
    if via == "rule":
        rule: dict[str, Any] = {"match": {"secret_id": creds.secret_id}, "fault": fault, "times": 1}
        if delay_ms:
            rule["delay_ms"] = delay_ms
        adm.add_fault(**rule)
        result = sdk.run(mock, creds, "hello")
    else:
        marker = f"@mock:fault={fault}" + (f" @mock:delay={delay_ms}" if delay_ms else "")
        result = sdk.run(mock, creds, f"{marker} hello")
    # The mock applied exactly that fault, and serves the SDK normally afterwards.
    entry = adm.journal(secret_id=creds.secret_id)["entries"][-1]
    assert entry["fault"] == fault, entry
    after, _ = sdk.run(mock, creds, "hello")
    assert after["ok"] is True and after["response"]["UsedAmount"] == 5, after
    return result


def error_of(result: dict[str, Any]) -> dict[str, Any]:
    assert result["ok"] is False, f"expected an error, got {result}"
    err = result["error"]
    assert set(err) >= {"kind", "code", "message", "request_id"}, err
    return err


def success_of(result: dict[str, Any]) -> dict[str, Any]:
    assert result["ok"] is True, f"expected success, got {result}"
    resp = result["response"]
    assert resp.get("TargetText") == "[zh] HELLO" and resp.get("UsedAmount") == 5, resp
    return resp


# ---------------------------------------------------------------- what the SDK surfaces


@pytest.mark.parametrize("via", VIA)
def test_reset_is_a_network_error(sdk: Adapter, mock: MockProcess, adm: Admin, creds: Credentials, via: str) -> None:
    # node-fetch's "request to URL failed, reason: read ECONNRESET", wrapped in TencentCloudSDKHttpException.
    err = error_of(through_sdk(sdk, mock, adm, creds, via, "reset")[0])
    assert (err["kind"], err["code"], err["request_id"]) == ("network", None, None), err
    assert re.fullmatch(r"TencentCloudSDKHttpException: request to http://\S+/ failed, reason: .*ECONNRESET.*",
                        err["message"]), err


@pytest.mark.parametrize("via", VIA)
def test_close_is_a_network_error(sdk: Adapter, mock: MockProcess, adm: Admin, creds: Credentials, via: str) -> None:
    # A FIN with no answer: Node's "socket hang up", wrapped like any transport failure.
    err = error_of(through_sdk(sdk, mock, adm, creds, via, "close")[0])
    assert (err["kind"], err["code"], err["request_id"]) == ("network", None, None), err
    assert re.fullmatch(r"TencentCloudSDKHttpException: request to http://\S+/ failed, reason: socket hang up",
                        err["message"]), err


@pytest.mark.parametrize("via", VIA)
def test_truncate_is_a_body_timeout(sdk: Adapter, mock: MockProcess, adm: Admin, creds: Credentials, via: str) -> None:
    # The mock sends half the body and a FIN at once (see test_transport_faults). Node's
    # IncomingMessage reports "aborted", but the SDK's node-fetch does not pass that on to the
    # body stream: the SDK sees nothing until its own reqTimeout, then a raw (unwrapped)
    # FetchError of type body-timeout. A client relying on the SDK waits the full timeout.
    (result, took) = through_sdk(sdk, mock, adm, creds, via, "truncate")
    err = error_of(result)
    assert (err["kind"], err["code"], err["request_id"]) == ("timeout", None, None), err
    assert re.fullmatch(r"FetchError: Response timeout while trying to fetch http://\S+/ \(over 3000ms\)",
                        err["message"]), err
    assert took >= TIMEOUT_MS / 1000 - 0.1, took


@pytest.mark.parametrize("via", VIA)
def test_not_json_is_a_parse_error(sdk: Adapter, mock: MockProcess, adm: Admin, creds: Credentials, via: str) -> None:
    # 200 + HTML: node-fetch's raw FetchError invalid-json (docs/conformance.md, The official SDKs: not wrapped).
    err = error_of(through_sdk(sdk, mock, adm, creds, via, "not_json")[0])
    assert (err["kind"], err["code"], err["request_id"]) == ("parse", None, None), err
    assert err["message"].startswith("FetchError: invalid json response body at http://"), err


@pytest.mark.parametrize("via", VIA)
@pytest.mark.parametrize("status,reason", [(502, "Bad Gateway"), (503, "Service Unavailable"),
                                           (504, "Gateway Time-out")])
def test_html_5xx_is_an_http_status_error(sdk: Adapter, mock: MockProcess, adm: Admin, creds: Credentials,
                                          via: str, status: int, reason: str) -> None:
    # The SDK checks the status before the body: TencentCloudSDKHttpException(statusText) with
    # httpCode and no code. The reason is Node's own text for the status, not the mock's
    # (503 is "Service Temporarily Unavailable" on the wire, "Service Unavailable" here).
    err = error_of(through_sdk(sdk, mock, adm, creds, via, f"html_{status}")[0])
    assert (err["kind"], err["code"], err["request_id"]) == ("network", None, None), err
    assert err["message"] == f"TencentCloudSDKHttpException: HTTP {status} {reason}", err


@pytest.mark.parametrize("via", VIA)
def test_error_status_500_hides_the_api_error(sdk: Adapter, mock: MockProcess, adm: Admin, creds: Credentials,
                                              via: str) -> None:
    # docs/conformance.md, The official SDKs: Node reports the HTTP status text, not the envelope's Code/RequestId.
    err = error_of(through_sdk(sdk, mock, adm, creds, via, "error_status_500")[0])
    assert (err["kind"], err["code"], err["request_id"]) == ("network", None, None), err
    assert err["message"] == "TencentCloudSDKHttpException: HTTP 500 Internal Server Error", err


def test_error_status_500_with_an_error_code(sdk: Adapter, mock: MockProcess, creds: Credentials) -> None:
    result, _ = sdk.run(mock, creds, "@mock:fault=error_status_500 @mock:error=ResourceUnavailable hello")
    err = error_of(result)
    assert (err["kind"], err["code"]) == ("network", None), err
    assert "HTTP 500" in err["message"] and "ResourceUnavailable" not in err["message"], err


@pytest.mark.parametrize("via", VIA)
def test_charset_content_type_success_is_read(sdk: Adapter, mock: MockProcess, adm: Admin, creds: Credentials,
                                              via: str) -> None:
    # Node parses `application/json; charset=utf-8` like plain JSON (unlike the Python SDK).
    resp = success_of(through_sdk(sdk, mock, adm, creds, via, "charset_content_type")[0])
    assert UUID.match(resp.get("RequestId") or ""), resp


def test_charset_content_type_error_is_still_an_api_error(sdk: Adapter, mock: MockProcess, creds: Credentials) -> None:
    # docs/conformance.md, The official SDKs: 200, charset Content-Type, error envelope -> Node: error as normal.
    result, _ = sdk.run(mock, creds, "@mock:fault=charset_content_type @mock:error=InternalError.BackendTimeout hi")
    err = error_of(result)
    assert (err["kind"], err["code"]) == ("api", "InternalError.BackendTimeout"), err
    assert err["message"] == "Backend service timeout. Please try again later.", err
    assert UUID.match(err["request_id"] or ""), err


@pytest.mark.parametrize("via", VIA)
def test_no_request_id_is_a_success_without_it(sdk: Adapter, mock: MockProcess, adm: Admin, creds: Credentials,
                                               via: str) -> None:
    # No validation of the answer's fields: the SDK returns the Response as it came.
    resp = success_of(through_sdk(sdk, mock, adm, creds, via, "no_request_id")[0])
    assert "RequestId" not in resp, resp


def test_no_request_id_on_an_error(sdk: Adapter, mock: MockProcess, creds: Credentials) -> None:
    result, _ = sdk.run(mock, creds, "@mock:fault=no_request_id @mock:error=LimitExceeded hi")
    err = error_of(result)
    assert (err["kind"], err["code"], err["request_id"]) == ("api", "LimitExceeded", None), err


@pytest.mark.parametrize("via", VIA)
def test_no_response_is_the_sdks_type_error(sdk: Adapter, mock: MockProcess, adm: Admin, creds: Credentials,
                                            via: str) -> None:
    # 200 `{}`: parseResponse reads Response.Error of undefined, a raw TypeError (not wrapped);
    # the adapter classifies it as a parse error.
    err = error_of(through_sdk(sdk, mock, adm, creds, via, "no_response")[0])
    assert (err["kind"], err["code"], err["request_id"]) == ("parse", None, None), err
    assert re.fullmatch(r"TypeError: Cannot read properties of undefined \(reading '\w+'\)", err["message"]), err


@pytest.mark.parametrize("via", VIA)
def test_slow_body_is_read_whole(sdk: Adapter, mock: MockProcess, adm: Admin, creds: Credentials, via: str) -> None:
    # A body dribbled over 1500 ms, within the SDK's 3000 ms timeout: a normal success.
    result, took = through_sdk(sdk, mock, adm, creds, via, "slow_body", delay_ms=1500)
    success_of(result)
    assert took >= 1.2, took


def test_slow_body_past_the_sdk_timeout(sdk: Adapter, mock: MockProcess, creds: Credentials) -> None:
    # Headers at once, the body over 2000 ms, the SDK's timeout 1000 ms: node-fetch's body timeout.
    result, took = sdk.run(mock, creds, "@mock:fault=slow_body @mock:delay=2000 hello", timeout_ms=1000)
    err = error_of(result)
    assert (err["kind"], err["code"]) == ("timeout", None), err
    assert "over 1000ms" in err["message"], err
    assert 0.9 <= took < 1.9, took


@pytest.mark.parametrize("via", VIA)
def test_delay_within_the_timeout_succeeds(sdk: Adapter, mock: MockProcess, adm: Admin, creds: Credentials,
                                           via: str) -> None:
    if via == "rule":
        adm.add_fault(match={"secret_id": creds.secret_id}, delay_ms=1500)
        result, took = sdk.run(mock, creds, "hello")
    else:
        result, took = sdk.run(mock, creds, "@mock:delay=1500 hello")
    success_of(result)
    assert took >= 1.45, took


def test_delay_past_the_timeout_is_a_timeout(sdk: Adapter, mock: MockProcess, creds: Credentials) -> None:
    # No answer within reqTimeout: "network timeout at: URL", wrapped.
    result, took = sdk.run(mock, creds, "@mock:delay=2500 hello", timeout_ms=1000)
    err = error_of(result)
    assert (err["kind"], err["code"], err["request_id"]) == ("timeout", None, None), err
    assert re.fullmatch(r"TencentCloudSDKHttpException: network timeout at: http://\S+/", err["message"]), err
    assert 0.9 <= took < 2.4, took
    time.sleep(1.6)   # the mock answers the abandoned request; it must not mind


def test_injected_error_code_through_the_sdk(sdk: Adapter, mock: MockProcess, adm: Admin, creds: Credentials) -> None:
    adm.add_fault(match={"secret_id": creds.secret_id}, error="InternalError.BackendTimeout")
    for language, message in (("en-US", "Backend service timeout. Please try again later."),
                              ("zh-CN", "后台服务超时，请稍后重试。")):
        if language == "zh-CN":
            adm.add_fault(match={"secret_id": creds.secret_id}, error="InternalError.BackendTimeout")
        result, _ = sdk.run(mock, creds, "hello", language=language)
        err = error_of(result)
        assert (err["kind"], err["code"], err["message"]) == ("api", "InternalError.BackendTimeout", message), err
        assert UUID.match(err["request_id"] or ""), err
