"""The official Node.js SDK (tencentcloud-sdk-nodejs-tmt) against tmtmock, through its adapter.

The adapter (conformance/clients/node-sdk/adapter.js) speaks the conformance adapter protocol
(docs/conformance.md, Adapter protocol). These tests run it as a subprocess, both one-shot (one "run" line on
stdin, then EOF) and long-lived (start, runs, stop).
"""
from __future__ import annotations

import json
import re
import subprocess
from typing import Any

import pytest

from harness.mockproc import MockProcess
from harness.nodesdk import (
    ADAPTER_DIR, DEFAULT_ID, DEFAULT_KEY, NODE, REGION, REQUIRES_NODE_SDK, SDK_PACKAGE, SIGN_CASES, adapter_env,
)

pytestmark = REQUIRES_NODE_SDK

TEMP_ID = "AKIDmockTemporary0000000000000000000"
TEMP_KEY = "mockTemporarySecretKey000000000000"
TEMP_TOKEN = "mock-sts-token-valid"
DISABLED_ID = "AKIDmockDisabled00000000000000000000"
DISABLED_KEY = "mockDisabledSecretKey0000000000000"
UNKNOWN_ID = "AKID" + "Unknown0Key" + "0" * 21  # well formed: AKID + 32 letters/digits

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

# Non-ASCII, an astral code point (two UTF-16 units in JavaScript, one code point), and characters
# that need escaping in a query/form (&, <, +, space).
SOURCE_TEXT = "hello 世界 😀 <b>&+1"


MSG_SIGNATURE_EN = "The provided credentials could not be validated. Please check your signature is correct."
MSG_NOT_FOUND_EN = "The SecretId is not found, please ensure that your SecretId is correct."
MSG_NOT_FOUND_ZH = "SecretId不存在，请输入正确的密钥。"

assert len(UNKNOWN_ID) == 36




def run_message(
    mock: MockProcess,
    *,
    seq: int = 1,
    secret_id: str = DEFAULT_ID,
    secret_key: str = DEFAULT_KEY,
    token: str | None = None,
    sign_method: str = "TC3-HMAC-SHA256",
    method: str = "POST",
    language: str | None = "en-US",
    params: dict[str, Any] | None = None,
) -> dict[str, Any]:
    options: dict[str, Any] = {
        "sign_method": sign_method,
        "method": method,
        "timeout_ms": 5000,
        "max_attempts": 1,
    }
    if language is not None:
        options["language"] = language
    return {
        "cmd": "run",
        "seq": seq,
        "endpoint": mock.url,
        "region": REGION,
        "credentials": {"secret_id": secret_id, "secret_key": secret_key, "token": token},
        "action": "TextTranslate",
        "params": params
        if params is not None
        else {"SourceText": SOURCE_TEXT, "Source": "en", "Target": "zh", "ProjectId": 0},
        "options": options,
    }


def run_once(message: dict[str, Any]) -> dict[str, Any]:
    """One-shot mode: one message on stdin, then EOF; exactly one answer line on stdout."""
    proc = subprocess.run(
        [NODE or "node", "adapter.js"],
        cwd=ADAPTER_DIR,
        input=json.dumps(message) + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        env=adapter_env(),
    )
    assert proc.returncode == 0, f"adapter exited {proc.returncode}; stderr:\n{proc.stderr}"
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one answer line, got {proc.stdout!r}; stderr:\n{proc.stderr}"
    answer = json.loads(lines[0])
    assert answer.get("seq") == message["seq"], answer
    return answer


def expect_ok(answer: dict[str, Any]) -> dict[str, Any]:
    result = answer.get("result")
    assert result is not None, f"no result: {answer}"
    assert result["ok"] is True, f"expected success, got {result}"
    return result["response"]


def expect_error(answer: dict[str, Any]) -> dict[str, Any]:
    result = answer.get("result")
    assert result is not None, f"no result: {answer}"
    assert result["ok"] is False, f"expected an error, got {result}"
    return result["error"]


def check_translation(response: dict[str, Any], text: str = SOURCE_TEXT) -> None:
    assert isinstance(response.get("TargetText"), str) and response["TargetText"], response
    assert response.get("Source") == "en", response
    assert response.get("Target") == "zh", response
    # UsedAmount counts code points (Python's len), not UTF-16 units or bytes.
    assert response.get("UsedAmount") == len(text), (response, len(text))
    assert UUID.match(response.get("RequestId") or ""), response


@pytest.mark.parametrize("sign_method,method", SIGN_CASES)
def test_text_translate_succeeds(mock: MockProcess, sign_method: str, method: str) -> None:
    answer = run_once(run_message(mock, sign_method=sign_method, method=method))
    check_translation(expect_ok(answer))


@pytest.mark.parametrize("sign_method,method", SIGN_CASES)
def test_temporary_credentials_with_token_succeed(mock: MockProcess, sign_method: str, method: str) -> None:
    answer = run_once(
        run_message(
            mock,
            secret_id=TEMP_ID,
            secret_key=TEMP_KEY,
            token=TEMP_TOKEN,
            sign_method=sign_method,
            method=method,
        )
    )
    check_translation(expect_ok(answer))


@pytest.mark.parametrize("sign_method,method", SIGN_CASES)
def test_wrong_secret_key_is_signature_failure(mock: MockProcess, sign_method: str, method: str) -> None:
    answer = run_once(
        run_message(mock, secret_key=DEFAULT_KEY[:-1] + "X", sign_method=sign_method, method=method)
    )
    error = expect_error(answer)
    assert error["kind"] == "api", error
    assert error["code"] == "AuthFailure.SignatureFailure", error
    assert error["message"] == MSG_SIGNATURE_EN, error
    assert UUID.match(error.get("request_id") or ""), error


@pytest.mark.parametrize("sign_method,method", SIGN_CASES)
def test_signature_failure_message_defaults_to_english(mock: MockProcess, sign_method: str, method: str) -> None:
    # The Node SDK sends no X-TC-Language / Language unless profile.language is set; production
    # then answers in English (docs/fidelity.md).
    answer = run_once(
        run_message(mock, secret_key="wrong", sign_method=sign_method, method=method, language=None)
    )
    error = expect_error(answer)
    assert (error["kind"], error["code"]) == ("api", "AuthFailure.SignatureFailure"), error
    assert error["message"] == MSG_SIGNATURE_EN, error
    assert UUID.match(error.get("request_id") or ""), error


@pytest.mark.parametrize("sign_method,method", SIGN_CASES)
@pytest.mark.parametrize(
    "secret_id,secret_key",
    [pytest.param(UNKNOWN_ID, DEFAULT_KEY, id="unknown"), pytest.param(DISABLED_ID, DISABLED_KEY, id="disabled")],
)
def test_unknown_secret_id_is_not_found(
    mock: MockProcess, secret_id: str, secret_key: str, sign_method: str, method: str
) -> None:
    answer = run_once(
        run_message(mock, secret_id=secret_id, secret_key=secret_key, sign_method=sign_method, method=method)
    )
    error = expect_error(answer)
    assert error["kind"] == "api", error
    assert error["code"] == "AuthFailure.SecretIdNotFound", error
    assert error["message"] == MSG_NOT_FOUND_EN, error
    assert UUID.match(error.get("request_id") or ""), error


def test_unknown_secret_id_message_in_chinese(mock: MockProcess) -> None:
    answer = run_once(run_message(mock, secret_id=UNKNOWN_ID, language="zh-CN"))
    error = expect_error(answer)
    assert (error["kind"], error["code"], error["message"]) == (
        "api",
        "AuthFailure.SecretIdNotFound",
        MSG_NOT_FOUND_ZH,
    ), error


def test_missing_business_parameter(mock: MockProcess) -> None:
    answer = run_once(run_message(mock, params={"SourceText": "hi", "Source": "en", "ProjectId": 0}))
    error = expect_error(answer)
    assert (error["kind"], error["code"]) == ("api", "MissingParameter"), error
    assert error["message"] == "The request is missing a required parameter `Target`.", error
    assert UUID.match(error.get("request_id") or ""), error


def test_connection_refused_is_network_error(mock: MockProcess) -> None:
    message = run_message(mock)
    message["endpoint"] = "http://127.0.0.1:1"
    error = expect_error(run_once(message))
    assert error["kind"] == "network", error
    assert error["code"] is None, error


def test_long_lived_protocol(mock: MockProcess) -> None:
    """start -> client info; two runs answered in order with their seq; stop -> exit 0."""
    proc = subprocess.Popen(
        [NODE or "node", "adapter.js"],
        cwd=ADAPTER_DIR,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=adapter_env(),
    )
    assert proc.stdin and proc.stdout
    try:

        def ask(message: dict[str, Any]) -> dict[str, Any]:
            proc.stdin.write(json.dumps(message) + "\n")  # type: ignore[union-attr]
            proc.stdin.flush()  # type: ignore[union-attr]
            line = proc.stdout.readline()  # type: ignore[union-attr]
            assert line, f"adapter closed stdout; exit {proc.poll()}"
            return json.loads(line)

        hello = ask({"cmd": "start", "protocol": 1})
        client = hello["client"]
        sdk_version = json.loads(SDK_PACKAGE.read_text())["version"]
        assert client["name"] == "node-sdk"
        assert client["version"] == sdk_version == "4.1.207"
        assert client["language"] == "javascript"
        for cap in ("TextTranslate", "sign:TC3-HMAC-SHA256", "sign:HmacSHA256", "sign:HmacSHA1", "method:GET"):
            assert cap in client["capabilities"], client
        assert "retry" not in client["capabilities"], "the Node SDK never retries"

        first = ask(run_message(mock, seq=7))
        assert first["seq"] == 7
        check_translation(expect_ok(first))

        second = ask(run_message(mock, seq=8, sign_method="HmacSHA1", method="GET", secret_key="wrong"))
        assert second["seq"] == 8
        error = expect_error(second)
        assert (error["kind"], error["code"]) == ("api", "AuthFailure.SignatureFailure"), error
        assert UUID.match(error.get("request_id") or ""), error
        assert error["request_id"] != first["result"]["response"]["RequestId"]

        proc.stdin.write(json.dumps({"cmd": "stop"}) + "\n")
        proc.stdin.flush()
        assert proc.wait(timeout=10) == 0
        assert proc.stdout.read() == "", "no answer after stop"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        stderr = proc.stderr.read() if proc.stderr else ""
        if stderr:
            print(f"adapter stderr:\n{stderr}")
