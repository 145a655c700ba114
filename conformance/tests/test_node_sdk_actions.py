"""Every TMT 2018-03-21 action through the official Node.js SDK (tencentcloud-sdk-nodejs-tmt 4.1.207).

The SDK's Client has methods for TextTranslate and ImageTranslateLLM only; the adapter
(conformance/clients/node-sdk/adapter.js) calls the other six with the SDK's generic
CommonClient.request(action, params), which signs and sends exactly as the Client does.
Each action runs with every signing (TC3-HMAC-SHA256, HmacSHA256, HmacSHA1) and both
methods (POST, GET); a recording proxy between the SDK and the mock shows what was sent,
so each test also checks that the request really was signed and sent that way.

The adapter is long-lived here (one process for the module); test_node_sdk.py covers the
protocol itself and the one-shot mode.
"""
from __future__ import annotations

import http.client
import json
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from harness.actions import (
    DEFAULT_LINE, FILE_DATA_FIELDS, b64, check_file_init, check_file_success, check_image, check_llm,
    check_speech, png, pseudo,
)
from harness.mockproc import MockProcess
from harness.nodesdk import (
    ADAPTER_DIR, DEFAULT_ID, DEFAULT_KEY, METHODS, NODE, REGION, REQUIRES_NODE_SDK, SIGN_CASES, SIGN_METHODS,
    adapter_env,
)
from harness.signer import flatten

pytestmark = REQUIRES_NODE_SDK

VERSION = "2018-03-21"

ACTIONS = [
    "TextTranslate", "TextTranslateBatch", "LanguageDetect", "SpeechTranslate",
    "ImageTranslate", "ImageTranslateLLM", "FileTranslate", "GetFileTranslate",
]
METHOD_ACTIONS = {"TextTranslate", "ImageTranslateLLM"}   # what tmt.v20180321.Client has in 4.1.207


FILE_TEXT = "Hello, 世界 😀\nsecond line"


# ---------------------------------------------------------------- a recording proxy


@dataclass
class Exchange:
    method: str
    target: str
    headers: dict[str, str]           # lower-case names
    body: bytes
    response: dict[str, Any] | None   # the Response object the mock answered

    @property
    def params(self) -> dict[str, str]:
        """Every parameter of a v1 request or a GET (query, or form body)."""
        if self.method == "GET":
            return dict(parse_qsl(urlsplit(self.target).query, keep_blank_values=True))
        return dict(parse_qsl(self.body.decode("ascii"), keep_blank_values=True))


@dataclass
class Proxy:
    server: ThreadingHTTPServer
    exchanges: list[Exchange] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def by_request_id(self, request_id: str) -> Exchange:
        with self.lock:
            found = [e for e in self.exchanges if e.response and e.response.get("RequestId") == request_id]
        assert len(found) == 1, f"{len(found)} requests answered with RequestId {request_id}"
        return found[0]


def start_proxy(mock: MockProcess) -> Proxy:
    """Forwards each request to the mock as it came (Host included, so the signature still
    verifies) and records it with the answer."""
    holder: list[Proxy] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def forward(self) -> None:
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n) if n else b""
            conn = http.client.HTTPConnection(mock.host, mock.port, timeout=30)
            try:
                conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
                for k, v in self.headers.items():
                    if k.lower() not in ("connection", "keep-alive", "transfer-encoding"):
                        conn.putheader(k, v)
                conn.endheaders(body or None)
                resp = conn.getresponse()
                answer = resp.read()
                status, ctype = resp.status, resp.getheader("Content-Type") or ""
            finally:
                conn.close()
            try:
                inner = json.loads(answer).get("Response")
            except ValueError:
                inner = None
            with holder[0].lock:
                holder[0].exchanges.append(Exchange(
                    self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body, inner))
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        do_GET = do_POST = forward  # noqa: N815

        def log_message(self, *args: Any) -> None:
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    holder.append(Proxy(srv))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return holder[0]


# ---------------------------------------------------------------- the adapter




class Adapter:
    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [NODE or "node", "adapter.js"], cwd=ADAPTER_DIR, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, env=adapter_env(),
        )
        self.seq = 0
        self.stderr: list[str] = []
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        assert self.proc.stderr
        for line in self.proc.stderr:
            self.stderr.append(line)

    def ask(self, message: dict[str, Any]) -> dict[str, Any]:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, f"adapter closed stdout; exit {self.proc.poll()}; stderr:\n{''.join(self.stderr)}"
        return json.loads(line)

    def stop(self) -> int:
        assert self.proc.stdin
        try:
            self.proc.stdin.write(json.dumps({"cmd": "stop"}) + "\n")
            self.proc.stdin.flush()
            return self.proc.wait(timeout=10)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()


@dataclass
class Sdk:
    adapter: Adapter
    proxy: Proxy
    hello: dict[str, Any]

    def run(self, action: str, params: dict[str, Any], sign_method: str = "TC3-HMAC-SHA256",
            method: str = "POST") -> dict[str, Any]:
        self.adapter.seq += 1
        seq = self.adapter.seq
        answer = self.adapter.ask({
            "cmd": "run", "seq": seq, "endpoint": self.proxy.url, "region": REGION,
            "credentials": {"secret_id": DEFAULT_ID, "secret_key": DEFAULT_KEY, "token": None},
            "action": action, "params": params,
            "options": {"sign_method": sign_method, "method": method, "timeout_ms": 10000, "max_attempts": 1,
                        "language": "en-US"},
        })
        assert answer.get("seq") == seq, answer
        return answer

    def ok(self, action: str, params: dict[str, Any], sign_method: str = "TC3-HMAC-SHA256",
           method: str = "POST") -> dict[str, Any]:
        """Runs the call, demands success, and checks on the wire that it was sent as asked."""
        answer = self.run(action, params, sign_method, method)
        result = answer.get("result")
        assert result is not None, f"no result: {answer}"
        assert result["ok"] is True, f"{action} {sign_method} {method}: expected success, got {result}"
        response = result["response"]
        check_wire(self.proxy.by_request_id(response["RequestId"]), action, params, sign_method, method)
        return response

    def error(self, action: str, params: dict[str, Any], code: str, sign_method: str = "TC3-HMAC-SHA256",
              method: str = "POST") -> dict[str, Any]:
        answer = self.run(action, params, sign_method, method)
        result = answer.get("result")
        assert result is not None and result["ok"] is False, f"expected {code}, got {answer}"
        err = result["error"]
        assert (err["kind"], err["code"]) == ("api", code), err
        assert isinstance(err["message"], str) and err["message"], err
        check_wire(self.proxy.by_request_id(err["request_id"]), action, params, sign_method, method)
        return err


def check_wire(ex: Exchange, action: str, params: dict[str, Any], sign_method: str, method: str) -> None:
    assert ex.method == method, (ex.method, method)
    if sign_method == "TC3-HMAC-SHA256":
        auth = ex.headers.get("authorization", "")
        assert auth.startswith(f"TC3-HMAC-SHA256 Credential={DEFAULT_ID}/"), auth
        assert ex.headers.get("x-tc-action") == action, ex.headers
        assert ex.headers.get("x-tc-version") == VERSION, ex.headers
        assert ex.headers.get("x-tc-region") == REGION, ex.headers
        if method == "POST":
            assert ex.headers.get("content-type", "").startswith("application/json"), ex.headers
            assert json.loads(ex.body) == params, ex.body[:300]
        else:
            assert ex.params == flatten(params), ex.target[:300]
    else:
        assert "authorization" not in ex.headers, ex.headers
        sent = ex.params
        assert sent.get("SignatureMethod") == sign_method, sent
        assert sent.get("Action") == action and sent.get("Version") == VERSION and sent.get("Region") == REGION, sent
        assert sent.get("SecretId") == DEFAULT_ID and sent.get("Signature"), sent
        business = {k: v for k, v in sent.items() if k not in (
            "Action", "Version", "Region", "Timestamp", "Nonce", "SecretId", "SignatureMethod", "Signature",
            "Language", "RequestClient", "Token")}
        assert business == flatten(params), business


@pytest.fixture(scope="module")
def sdk(mock: MockProcess) -> Sdk:
    proxy = start_proxy(mock)
    adapter = Adapter()
    hello = adapter.ask({"cmd": "start", "protocol": 1})
    yield Sdk(adapter, proxy, hello)
    assert adapter.stop() == 0, "".join(adapter.stderr)
    proxy.server.shutdown()
    proxy.server.server_close()


# ---------------------------------------------------------------- what the SDK has


def test_client_methods_of_4_1_207() -> None:
    """The premise: which actions the SDK's Client has a method for, and that the generic
    CommonClient with its request(action, params) exists."""
    script = (
        "const t=require('tencentcloud-sdk-nodejs-tmt');"
        "const c=require('tencentcloud-sdk-nodejs-common');"
        "const C=t.tmt.v20180321.Client;"
        "console.log(JSON.stringify({methods:Object.getOwnPropertyNames(C.prototype)"
        ".filter(n=>/^[A-Z]/.test(n)),"
        "common:typeof c.CommonClient, request:typeof c.CommonClient.prototype.request,"
        "version:require('tencentcloud-sdk-nodejs-tmt/package.json').version}))"
    )
    out = subprocess.run([NODE or "node", "-e", script], cwd=ADAPTER_DIR, capture_output=True, text=True,
                         timeout=30, env=adapter_env())
    assert out.returncode == 0, out.stderr
    info = json.loads(out.stdout)
    assert info["version"] == "4.1.207"
    assert set(info["methods"]) == METHOD_ACTIONS, info
    assert info["common"] == "function" and info["request"] == "function", info


def test_capabilities_name_all_eight_actions(sdk: Sdk) -> None:
    client = sdk.hello["client"]
    for action in ACTIONS:
        assert action in client["capabilities"], client
    manifest = json.loads((ADAPTER_DIR / "manifest.json").read_text())
    assert manifest["capabilities"] == client["capabilities"], (manifest["capabilities"], client["capabilities"])
    assert client["calls"] == {
        a: ("Client method" if a in METHOD_ACTIONS else "CommonClient.request") for a in ACTIONS
    }, client


def test_not_a_tmt_action_reaches_the_mock(sdk: Sdk) -> None:
    """custom_action: CommonClient sends any name, and the mock answers InvalidAction."""
    answer = sdk.run("DescribeInstances", {})
    assert answer["result"]["ok"] is False, answer
    assert answer["result"]["error"]["code"] == "InvalidAction", answer


# ---------------------------------------------------------------- the eight actions


@pytest.mark.parametrize("sign_method,method", SIGN_CASES)
def test_text_translate(sdk: Sdk, sign_method: str, method: str) -> None:
    text = "hello 世界 😀 &+="
    r = sdk.ok("TextTranslate", {"SourceText": text, "Source": "en", "Target": "zh", "ProjectId": 0},
               sign_method, method)
    assert set(r) == {"TargetText", "Source", "Target", "UsedAmount", "RequestId"}, r
    assert r["TargetText"] == pseudo("zh", text), r
    assert (r["Source"], r["Target"], r["UsedAmount"]) == ("en", "zh", len(text)), r


@pytest.mark.parametrize("sign_method,method", SIGN_CASES)
def test_text_translate_batch(sdk: Sdk, sign_method: str, method: str) -> None:
    texts = ["你好", "今天天气怎么样"]
    r = sdk.ok("TextTranslateBatch", {"Source": "auto", "Target": "en", "ProjectId": 0, "SourceTextList": texts},
               sign_method, method)
    assert set(r) == {"Source", "Target", "TargetTextList", "UsedAmount", "RequestId"}, r
    assert r["TargetTextList"] == [pseudo("en", t) for t in texts], r
    # The documented example: auto detected as zh, UsedAmount 9.
    assert (r["Source"], r["Target"], r["UsedAmount"]) == ("zh", "en", 9), r


@pytest.mark.parametrize("sign_method,method", SIGN_CASES)
@pytest.mark.parametrize("text,lang", [("你好", "zh"), ("Hello, how are you today? The weather is nice.", "en")])
def test_language_detect(sdk: Sdk, sign_method: str, method: str, text: str, lang: str) -> None:
    r = sdk.ok("LanguageDetect", {"Text": text, "ProjectId": 0}, sign_method, method)
    assert r == {"Lang": lang, "RequestId": r["RequestId"]}, r


@pytest.mark.parametrize("sign_method,method", SIGN_CASES)
def test_speech_translate(sdk: Sdk, sign_method: str, method: str) -> None:
    s = str(uuid.uuid4())

    def chunk(seq: int, is_end: int, n: int) -> dict[str, Any]:
        return {"SessionUuid": s, "Source": "en", "Target": "zh", "AudioFormat": 146, "Seq": seq,
                "IsEnd": is_end, "Data": b64(b"\x00\x01" * (n // 2)), "ProjectId": 0}

    check_speech(sdk.ok("SpeechTranslate", chunk(0, 0, 6400), sign_method, method), s, 0, 1, 6400)
    check_speech(sdk.ok("SpeechTranslate", chunk(1, 1, 3200), sign_method, method), s, 1, 0, 9600)
    err = sdk.error("SpeechTranslate", chunk(1, 0, 3200), "InvalidParameter.DuplicatedSessionIdAndSeq",
                    sign_method, method)
    assert err["message"] == "The combination of SessionUuid and Seq is duplicated.", err


@pytest.mark.parametrize("sign_method,method", SIGN_CASES)
def test_image_translate(sdk: Sdk, sign_method: str, method: str) -> None:
    params = {"SessionUuid": "img-" + str(uuid.uuid4()), "Scene": "doc", "Data": b64(png(2, 2)),
              "Source": "auto", "Target": "ja", "ProjectId": 0}
    check_image(sdk.ok("ImageTranslate", params, sign_method, method), params, [DEFAULT_LINE], "en")


@pytest.mark.parametrize("sign_method,method", SIGN_CASES)
def test_image_translate_llm(sdk: Sdk, sign_method: str, method: str) -> None:
    check_llm(sdk.ok("ImageTranslateLLM", {"Data": b64(png(3, 1)), "Target": "zh"}, sign_method, method),
              "zh", [DEFAULT_LINE], "en")
    sdk.error("ImageTranslateLLM", {"Data": "", "Url": "https://example.com/a.png", "Target": "zh"},
              "FailedOperation.DownloadErr", sign_method, method)


@dataclass
class FileTask:
    task: str
    created: float
    first: dict[str, Any]


@pytest.fixture(scope="module")
def file_tasks(sdk: Sdk) -> dict[tuple[str, str], FileTask]:
    """One FileTranslate per signing case, all made at once so their 3 s run together; the
    first GetFileTranslate right after each."""
    out: dict[tuple[str, str], FileTask] = {}
    for s in SIGN_METHODS:
        for m in METHODS:
            params = {"Source": "en", "Target": "zh", "DocumentType": "txt", "SourceType": 1,
                      "Data": b64(FILE_TEXT)}
            r = sdk.ok("FileTranslate", params, s, m)
            assert set(r) == {"Data", "RequestId"} and set(r["Data"]) == {"TaskId"}, r
            task = r["Data"]["TaskId"]
            first = sdk.ok("GetFileTranslate", {"TaskId": task}, s, m)
            out[(s, m)] = FileTask(task, time.monotonic(), first)
    return out


@pytest.mark.parametrize("sign_method,method", SIGN_CASES)
def test_file_translate_and_get(sdk: Sdk, file_tasks: dict[tuple[str, str], FileTask], sign_method: str,
                                method: str) -> None:
    ft = file_tasks[(sign_method, method)]
    assert set(ft.first) == {"Data", "RequestId"}, ft.first
    check_file_init(ft.first["Data"], ft.task)
    while True:
        r = sdk.ok("GetFileTranslate", {"TaskId": ft.task}, sign_method, method)
        data = r["Data"]
        assert set(data) == FILE_DATA_FIELDS, data
        if data["Status"] == "success":
            break
        assert data["Status"] in ("init", "wait"), data
        assert time.monotonic() - ft.created < 6.0, f"still {data['Status']}"
        time.sleep(0.1)
    check_file_success(data, ft.task, pseudo("zh", FILE_TEXT).encode("utf-8"), len(FILE_TEXT))


@pytest.mark.parametrize("sign_method,method", SIGN_CASES)
def test_get_file_translate_unknown(sdk: Sdk, sign_method: str, method: str) -> None:
    err = sdk.error("GetFileTranslate", {"TaskId": "0123456789abcdef"}, "InvalidParameter", sign_method, method)
    assert err["message"] == "The TaskId `0123456789abcdef` does not exist.", err
