"""FileTranslate and GetFileTranslate over the wire (docs/behaviour.md, Actions and Mock conventions).

Mock conventions under test (mock_server/src/act_file.c):
- a task belongs to the account that made it and moves on the mock clock from
  its creation: "init" (Progress 0) for 1 s, "wait" (Progress 50) until 3 s,
  then "success" (Progress 100) with the document in FileData; another
  account's TaskId is answered as an unknown one (InvalidParameter);
- text formats (txt, markdown, html, xml, properties) in UTF-8 are translated
  whole (pseudo-translation "[<target>] " + ASCII letters upper-cased) and
  UsedAmount counts their code points; binary formats and non-UTF-8 text come
  back unchanged with UsedAmount 0;
- the mock downloads nothing: a task from a Url (SourceType 0) ends "fail"
  with a Message;
- CallbackUrl: the GetFileTranslate Data object is POSTed as JSON once when
  the task ends, only to a plain-http loopback host; any other CallbackUrl is
  accepted, logged and never called.

The tasks whose lifecycle is not itself under test are all created when the
module starts, so their three seconds run concurrently with the lifecycle test.
"""
from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from harness.actions import FILE_DATA_FIELDS, b64, check_file_init, check_file_success, pseudo
from harness.mockproc import ROOT, MockProcess
from harness.signer import Credentials
from harness.wire import DEFAULT, TEMPORARY, assert_envelope, assert_error, call, tc3, v1

FREE = Credentials("AKIDmockFreeTier00000000000000000000", "mockFreeTierSecretKey0000000000000")

INIT_S, SUCCESS_S = 1.0, 3.0
POLL_S = 0.1
SLACK_S = 0.02          # the mock truncates its clock to milliseconds
DEADLINE_S = 6.0        # from a task's creation to its end, generously
# Digit strings, as the documentation's examples ("100001"; docs/fidelity.md).
TASK_ID = re.compile(r"^[1-9][0-9]{9}$")

TEXT = "Hello, 世界! 😀 tmt\nline two\n"
NON_UTF8 = "café".encode("latin-1")
BINARY = {
    "pdf": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",
    "docx": b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00word/document.xml\x00\xff\xfe",
}
TEXT_FORMATS = {
    "markdown": "# Title\n\n*emphasis* and `code` — ünïcode",
    "html": "<p class=\"x\">Hello <b>world</b></p>",
    "xml": "<?xml version=\"1.0\"?><a b=\"c\">text</a>",
    "properties": "greeting=Hello\nfarewell=再见",
}


def post(mock: MockProcess, action: str, params: dict[str, Any], creds: Credentials = DEFAULT, **kw: Any):
    return call(mock, tc3(mock, creds, action=action, **kw).post(params).request)


def file_params(data: bytes | str | None = None, **over: Any) -> dict[str, Any]:
    params: dict[str, Any] = {"Source": "en", "Target": "zh", "DocumentType": "txt", "SourceType": 1}
    if data is not None:
        params["Data"] = b64(data)
    params.update(over)
    return params


def submit(mock: MockProcess, params: dict[str, Any], creds: Credentials = DEFAULT) -> str:
    inner = assert_envelope(post(mock, "FileTranslate", params, creds))
    assert "Error" not in inner, f"expected a task, got {inner['Error']}"
    assert set(inner) == {"Data", "RequestId"}, inner
    assert isinstance(inner["Data"], dict) and set(inner["Data"]) == {"TaskId"}, inner
    task = inner["Data"]["TaskId"]
    assert isinstance(task, str) and TASK_ID.match(task), task
    return task


def get(mock: MockProcess, task: str, creds: Credentials = DEFAULT) -> dict[str, Any]:
    inner = assert_envelope(post(mock, "GetFileTranslate", {"TaskId": task}, creds))
    assert "Error" not in inner, f"expected the task, got {inner['Error']}"
    assert set(inner) == {"Data", "RequestId"}, inner
    data = inner["Data"]
    assert set(data) == FILE_DATA_FIELDS, data
    assert data["TaskId"] == task
    assert type(data["Progress"]) is int and type(data["UsedAmount"]) is int, data
    return data


def wait_end(mock: MockProcess, task: str, creds: Credentials = DEFAULT, deadline_s: float = DEADLINE_S) -> dict[str, Any]:
    end = time.monotonic() + deadline_s
    while True:
        data = get(mock, task, creds)
        if data["Status"] not in ("init", "wait"):
            return data
        assert time.monotonic() < end, f"task {task} still {data['Status']} after {deadline_s} s"
        time.sleep(POLL_S)


expect_init = check_file_init
expect_success = check_file_success


# ---------------------------------------------------------------- callback listeners


@dataclass
class Received:
    path: str
    method: str
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class Listener:
    """A loopback HTTP server that records every connection and every request."""

    server: ThreadingHTTPServer
    requests: list[Received] = field(default_factory=list)
    connections: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def to(self, path: str) -> list[Received]:
        with self.lock:
            return [r for r in self.requests if r.path == path]

    def wait_for(self, path: str, deadline_s: float) -> list[Received]:
        end = time.monotonic() + deadline_s
        while not self.to(path) and time.monotonic() < end:
            time.sleep(0.05)
        return self.to(path)


def listener() -> Listener:
    holder: list[Listener] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            with holder[0].lock:
                holder[0].connections += 1

        def do_POST(self) -> None:  # noqa: N802
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n)
            with holder[0].lock:
                holder[0].requests.append(
                    Received(self.path, self.command, {k.lower(): v for k, v in self.headers.items()}, body, time.monotonic())
                )
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        do_GET = do_PUT = do_POST  # noqa: N815 (recorded with self.command)

        def log_message(self, *args: Any) -> None:
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    holder.append(Listener(srv))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return holder[0]


@pytest.fixture(scope="module")
def mock() -> MockProcess:
    """This module's own mock, verbose, so the log shows which callbacks were made."""
    m = MockProcess(["--fixtures", str(ROOT / "fixtures"), "--seed", "11", "--no-rate-limit", "-v"]).start()
    yield m
    code = m.stop()
    assert code in (0, -15), f"tmtmock exited {code}; stderr:\n{''.join(m.stderr_lines)}"


@pytest.fixture(scope="module")
def hooks() -> Listener:
    lst = listener()
    yield lst
    lst.server.shutdown()
    lst.server.server_close()


@pytest.fixture(scope="module")
def trap() -> Listener:
    """A listener no callback may ever reach."""
    lst = listener()
    yield lst
    lst.server.shutdown()
    lst.server.server_close()


@dataclass
class Early:
    """The tasks made when the module starts. A task the mock refused fails only the tests
    that use it (task() and first() raise the refusal), not the whole module."""

    made: dict[str, str | AssertionError]
    firsts: dict[str, dict[str, Any] | AssertionError]   # GetFileTranslate right after creation

    def task(self, name: str) -> str:
        made = self.made[name]
        if isinstance(made, AssertionError):
            raise AssertionError(f"FileTranslate for the {name!r} task failed: {made}")
        return made

    def first(self, name: str) -> dict[str, Any]:
        self.task(name)
        got = self.firsts[name]
        if isinstance(got, AssertionError):
            raise AssertionError(f"the first GetFileTranslate of the {name!r} task failed: {got}")
        return got


@pytest.fixture(scope="module", autouse=True)
def early(mock: MockProcess, hooks: Listener, trap: Listener) -> Early:
    specs: dict[str, dict[str, Any]] = {
        "pdf": file_params(BINARY["pdf"], DocumentType="pdf"),
        "docx": file_params(BINARY["docx"], DocumentType="docx"),
        "non-utf8": file_params(NON_UTF8),
        "nul": file_params(b"abc\x00def"),
        "url": file_params(SourceType=0, Url="https://example.com/doc.pdf", DocumentType="pdf",
                           CallbackUrl=hooks.url("/fail", host="localhost")),
        "url-implicit": {"Source": "en", "Target": "zh", "DocumentType": "pdf", "Url": "https://example.com/x.pdf"},
        "callback": file_params(TEXT, CallbackUrl=hooks.url("/cb/ok?x=1&y=%20")),
        "remote": file_params(TEXT, CallbackUrl="http://192.0.2.1/cb"),
        "zero": file_params(TEXT, CallbackUrl=trap.url("/zero", host="0.0.0.0")),
        "https": file_params(TEXT, CallbackUrl=f"https://127.0.0.1:{trap.port}/tls"),
        "refused": file_params(TEXT, CallbackUrl="http://127.0.0.1:1/nobody"),
        "es-fr": file_params("hola", Source="es", Target="fr"),
        "zh-en": file_params("你好 abc", Source="zh", Target="en"),
    }
    for kind, text in TEXT_FORMATS.items():
        specs[kind] = file_params(text, DocumentType=kind)
    made: dict[str, str | AssertionError] = {}
    firsts: dict[str, dict[str, Any] | AssertionError] = {}
    for name, params in specs.items():
        try:
            made[name] = submit(mock, params)
        except AssertionError as e:
            made[name] = e
    for name, task in made.items():
        if isinstance(task, str):
            try:
                firsts[name] = get(mock, task)
            except AssertionError as e:
                firsts[name] = e
    return Early(made, firsts)


# ---------------------------------------------------------------- the lifecycle


def test_lifecycle_txt(mock: MockProcess) -> None:
    t0 = time.monotonic()
    task = submit(mock, file_params(TEXT))
    t1 = time.monotonic()
    seen: list[tuple[float, float, dict[str, Any]]] = []   # (sent, received, data), from t0/t1
    while True:
        sent = time.monotonic()
        data = get(mock, task)
        received = time.monotonic()
        seen.append((sent, received, data))
        if data["Status"] not in ("init", "wait"):
            break
        assert received - t0 < DEADLINE_S, f"still {data['Status']} after {DEADLINE_S} s"
        time.sleep(POLL_S)

    statuses = [d["Status"] for _, _, d in seen]
    # init, then wait, then success: never back, never skipped, nothing else.
    order = {"init": 0, "wait": 1, "success": 2}
    assert all(s in order for s in statuses), statuses
    assert [order[s] for s in statuses] == sorted(order[s] for s in statuses), statuses
    assert statuses[0] == "init", "GetFileTranslate right after FileTranslate"
    assert "wait" in statuses, statuses
    assert statuses[-1] == "success", statuses

    for sent, received, data in seen:
        if data["Status"] == "init":
            expect_init(data, task)
            assert sent - t1 < INIT_S + SLACK_S, f"init {sent - t1:.3f} s after creation"
        elif data["Status"] == "wait":
            assert data == {"TaskId": task, "Status": "wait", "FileData": "", "Message": "",
                            "Progress": 50, "UsedAmount": 0}, data
            assert received - t0 >= INIT_S - SLACK_S, f"wait already {received - t0:.3f} s after creation"
            assert sent - t1 < SUCCESS_S + SLACK_S, f"wait {sent - t1:.3f} s after creation"
        else:
            assert received - t0 >= SUCCESS_S - SLACK_S, f"success already {received - t0:.3f} s after creation"
            expect_success(data, task, pseudo("zh", TEXT).encode("utf-8"), len(TEXT))
    # The first success comes soon after 3 s (the polls are 100 ms apart).
    assert seen[-1][0] - t1 < SUCCESS_S + 1.0, seen[-1][0] - t1
    # And stays.
    expect_success(get(mock, task), task, pseudo("zh", TEXT).encode("utf-8"), len(TEXT))


def test_every_task_starts_init(early: Early) -> None:
    for name in early.made:
        expect_init(early.first(name), early.task(name))


def test_task_ids_are_distinct(early: Early) -> None:
    ids = [early.task(name) for name in early.made]
    assert len(set(ids)) == len(ids), ids


# ---------------------------------------------------------------- results


@pytest.mark.parametrize("kind", list(TEXT_FORMATS))
def test_text_formats_are_translated(mock: MockProcess, early: Early, kind: str) -> None:
    task = early.task(kind)
    text = TEXT_FORMATS[kind]
    expect_success(wait_end(mock, task), task, pseudo("zh", text).encode("utf-8"), len(text))


@pytest.mark.parametrize("name,source,target,text", [("es-fr", "es", "fr", "hola"), ("zh-en", "zh", "en", "你好 abc")])
def test_other_pairs(mock: MockProcess, early: Early, name: str, source: str, target: str, text: str) -> None:
    task = early.task(name)
    expect_success(wait_end(mock, task), task, pseudo(target, text).encode("utf-8"), len(text))


@pytest.mark.parametrize("kind", list(BINARY))
def test_binary_document_comes_back_unchanged(mock: MockProcess, early: Early, kind: str) -> None:
    task = early.task(kind)
    expect_success(wait_end(mock, task), task, BINARY[kind], 0)


@pytest.mark.parametrize("name,original", [("non-utf8", NON_UTF8), ("nul", b"abc\x00def")])
def test_text_that_cannot_be_translated_comes_back_unchanged(
    mock: MockProcess, early: Early, name: str, original: bytes
) -> None:
    task = early.task(name)
    expect_success(wait_end(mock, task), task, original, 0)


@pytest.mark.parametrize("name", ["url", "url-implicit"])
def test_url_task_fails_with_message(mock: MockProcess, early: Early, name: str) -> None:
    task = early.task(name)
    data = wait_end(mock, task)
    assert data["Status"] == "fail", data
    assert isinstance(data["Message"], str) and data["Message"], data
    assert "Url" in data["Message"], data
    assert data["FileData"] == "" and data["UsedAmount"] == 0, data
    assert data["Progress"] == 0, data
    # It stays failed.
    assert get(mock, task) == data


# ---------------------------------------------------------------- GetFileTranslate errors


@pytest.mark.parametrize("task", ["0000000000000000", "nope", "", "../etc"])
def test_unknown_task(mock: MockProcess, task: str) -> None:
    assert_error(post(mock, "GetFileTranslate", {"TaskId": task}), "InvalidParameter",
                 f"The TaskId `{task}` does not exist.")


@pytest.mark.parametrize("other", [FREE, TEMPORARY], ids=["free-tier", "temporary"])
def test_another_accounts_task(mock: MockProcess, early: Early, other: Credentials) -> None:
    task = early.task("pdf")
    assert_error(post(mock, "GetFileTranslate", {"TaskId": task}, other), "InvalidParameter",
                 f"The TaskId `{task}` does not exist.")
    # Still the owner's.
    assert get(mock, task)["TaskId"] == task


def test_task_of_another_account_is_its_own(mock: MockProcess) -> None:
    task = submit(mock, file_params("x"), TEMPORARY)
    expect_init(get(mock, task, TEMPORARY), task)
    assert_error(post(mock, "GetFileTranslate", {"TaskId": task}), "InvalidParameter")


def test_missing_task_id(mock: MockProcess) -> None:
    assert_error(post(mock, "GetFileTranslate", {}), "MissingParameter",
                 "The request is missing a required parameter `TaskId`.")


# ---------------------------------------------------------------- FileTranslate errors


@pytest.mark.parametrize(
    "params,name",
    [
        (file_params(), "Data"),
        (file_params(Data=""), "Data"),
        (file_params(Data=None), "Data"),
        (file_params(Url="https://example.com/a.txt"), "Data"),      # SourceType 1 takes Data, not Url
        (file_params(SourceType=0), "Url"),
        (file_params(SourceType=0, Url=""), "Url"),
        (file_params("abc", SourceType=0), "Url"),
        ({"Source": "en", "Target": "zh", "DocumentType": "txt"}, "Data"),
    ],
    ids=["st1-no-data", "st1-empty-data", "st1-null-data", "st1-url-only", "st0-no-url", "st0-empty-url",
         "st0-data-only", "neither"],
)
def test_document_missing(mock: MockProcess, params: dict[str, Any], name: str) -> None:
    assert_error(post(mock, "FileTranslate", params), "MissingParameter",
                 f"The request is missing a required parameter `{name}`.")


def test_free_tier_has_no_file_quota(mock: MockProcess) -> None:
    assert_error(
        post(mock, "FileTranslate", file_params(TEXT), FREE, language="zh-CN"), "FailedOperation.UserHasNoFreeAmount",
        "本月免费额度已用完，如需继续使用您可以在机器翻译控制台购买资源包或开通后付费使用。",
    )
    # Check 20 (DryRun) comes before check 21 (quota).
    assert_error(post(mock, "FileTranslate", {**file_params(TEXT), "DryRun": True}, FREE), "DryRunOperation")


def test_free_tier_english_message(mock: MockProcess) -> None:
    err = assert_error(post(mock, "FileTranslate", file_params(TEXT), FREE, language="en-US"),
                       "FailedOperation.UserHasNoFreeAmount")
    assert "free quota" in err["Message"], err


def test_size_limit(mock: MockProcess) -> None:
    limit = 5 * 1024 * 1024
    submit(mock, file_params(b"a" * (limit - 1)))
    assert_error(post(mock, "FileTranslate", file_params(b"a" * limit)), "InvalidParameterValue",
                 "The file in `Data` must be smaller than 5 MB (decoded).")


@pytest.mark.parametrize("source,target", [("ja", "ko"), ("en", "en"), ("es", "de"), ("xx", "zh"), ("zh", "zh-TW")])
def test_language_pair(mock: MockProcess, source: str, target: str) -> None:
    assert_error(post(mock, "FileTranslate", file_params("x", Source=source, Target=target)),
                 "InvalidParameterValue", f"不支持的语种：{source}_to_{target}")


@pytest.mark.parametrize(
    "over,code",
    [
        ({"DocumentType": "doc"}, "InvalidParameterValue"),
        ({"SourceType": 2}, "InvalidParameterValue"),
        ({"CallbackUrl": "http://127.0.0.1/" + "a" * 240}, "InvalidParameterValue"),
        ({"SourceType": 0, "Url": "https://example.com/" + "a" * 981}, "InvalidParameterValue"),
        ({"Data": "abc"}, "InvalidParameter"),
        ({"SourceType": "1"}, "InvalidParameter"),
    ],
    ids=["doctype", "sourcetype", "callback-257", "url-1001", "data-not-base64", "sourcetype-string"],
)
def test_bad_parameters(mock: MockProcess, over: dict[str, Any], code: str) -> None:
    assert_error(post(mock, "FileTranslate", {**file_params("x"), **over}), code)


def test_length_limits_inclusive(mock: MockProcess) -> None:
    submit(mock, file_params("x", CallbackUrl="http://192.0.2.1/" + "a" * (256 - 17)))
    submit(mock, file_params(SourceType=0, Url="https://example.com/" + "a" * (1000 - 20)))


def test_dry_run(mock: MockProcess) -> None:
    assert_error(post(mock, "FileTranslate", {**file_params("x"), "DryRun": True}), "DryRunOperation")


@pytest.mark.parametrize("sign_method", ["HmacSHA1", "HmacSHA256"])
def test_v1_signing(mock: MockProcess, sign_method: str) -> None:
    s = v1(mock, action="FileTranslate", signature_method=sign_method)
    inner = assert_envelope(call(mock, s.post(file_params("v1 text")).request))
    task = inner["Data"]["TaskId"]
    g = v1(mock, action="GetFileTranslate", signature_method=sign_method)
    inner = assert_envelope(call(mock, g.get({"TaskId": task}).request))
    expect_init(inner["Data"], task)


# ---------------------------------------------------------------- callbacks


def test_callback_on_success(mock: MockProcess, early: Early, hooks: Listener) -> None:
    task = early.task("callback")
    final = wait_end(mock, task)
    expect_success(final, task, pseudo("zh", TEXT).encode("utf-8"), len(TEXT))
    got = hooks.wait_for("/cb/ok?x=1&y=%20", 2.0)
    assert len(got) == 1, got
    cb = got[0]
    assert cb.method == "POST"
    assert cb.headers.get("content-type") == "application/json", cb.headers
    assert cb.headers.get("host") == f"127.0.0.1:{hooks.port}", cb.headers
    body = json.loads(cb.body)
    assert body == final, body


def test_callback_on_failure_to_localhost(mock: MockProcess, early: Early, hooks: Listener) -> None:
    task = early.task("url")
    final = wait_end(mock, task)
    got = hooks.wait_for("/fail", 2.0)
    assert len(got) == 1, got
    assert got[0].headers.get("content-type") == "application/json"
    assert json.loads(got[0].body) == final


def test_callback_is_called_once(mock: MockProcess, early: Early, hooks: Listener) -> None:
    for name in ("callback", "url"):
        wait_end(mock, early.task(name))
    hooks.wait_for("/cb/ok?x=1&y=%20", 2.0)
    hooks.wait_for("/fail", 2.0)
    time.sleep(0.6)   # three ticks of the mock's task timer
    assert len(hooks.to("/cb/ok?x=1&y=%20")) == 1
    assert len(hooks.to("/fail")) == 1
    # Tasks without a CallbackUrl call nothing.
    assert {r.path for r in hooks.requests} == {"/cb/ok?x=1&y=%20", "/fail"}, hooks.requests


def _log(mock: MockProcess) -> str:
    return "".join(mock.stderr_lines)


def test_callback_made_is_logged(mock: MockProcess, early: Early, hooks: Listener) -> None:
    """The control for the next tests: a callback that is made shows in the -v log."""
    task = early.task("callback")
    wait_end(mock, task)
    hooks.wait_for("/cb/ok?x=1&y=%20", 2.0)
    assert f"task {task}: calling back {hooks.url('/cb/ok?x=1&y=%20')}" in _log(mock), _log(mock)


@pytest.mark.parametrize("name,url", [("remote", "http://192.0.2.1/cb")])
def test_non_loopback_callback_is_accepted_and_not_called(mock: MockProcess, early: Early, name: str, url: str) -> None:
    task = early.task(name)
    expect_success(wait_end(mock, task), task, pseudo("zh", TEXT).encode("utf-8"), len(TEXT))
    time.sleep(0.5)
    log = _log(mock)
    assert f"CallbackUrl {url}: the mock calls back loopback hosts only: never called" in log, log
    assert f"calling back {url}" not in log, log
    assert f"task {task}: cannot call back" not in log, log


@pytest.mark.parametrize("name", ["zero", "https"])
def test_callback_the_mock_refuses_never_arrives(mock: MockProcess, early: Early, trap: Listener, name: str) -> None:
    """0.0.0.0 is not loopback (though it would reach this host), and https is not called back."""
    task = early.task(name)
    expect_success(wait_end(mock, task), task, pseudo("zh", TEXT).encode("utf-8"), len(TEXT))
    time.sleep(0.5)
    assert trap.connections == 0 and trap.requests == [], trap.requests
    assert f"task {task}: calling back" not in _log(mock)
    assert "never called" in _log(mock)


def test_refused_callback_does_not_hurt(mock: MockProcess, early: Early) -> None:
    task = early.task("refused")
    expect_success(wait_end(mock, task), task, pseudo("zh", TEXT).encode("utf-8"), len(TEXT))
    end = time.monotonic() + 2.0
    while "the callback to http://127.0.0.1:1/nobody failed" not in _log(mock) and time.monotonic() < end:
        time.sleep(0.05)
    assert f"task {task}: the callback to http://127.0.0.1:1/nobody failed" in _log(mock), _log(mock)
    # The mock still answers.
    assert get(mock, task)["Status"] == "success"
