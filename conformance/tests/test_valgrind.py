"""valgrind on a whole start -> load -> SIGTERM cycle of the normal build: no invalid
access, no use of uninitialised memory, no leak (definite, indirect or possible).

Skipped when valgrind is missing (scripts/deps.sh test installs it) or when the binary
under test is the sanitizer build (ASan and valgrind do not mix; the ASan run of the
suite checks that build)."""
from __future__ import annotations

import re
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from harness.mockproc import READY, READY_TLS, ROOT, binary
from harness.signer import HttpRequest, send
from harness.wire import TEXT, assert_envelope, assert_error, build, call

VALGRIND = shutil.which("valgrind")


def _is_asan(path: Path) -> bool:
    try:
        return b"__asan_init" in path.read_bytes()
    except OSError:
        return False


@pytest.mark.skipif(VALGRIND is None, reason="valgrind is not installed (make deps-test)")
def test_start_load_sigterm_under_valgrind(tmp_path: Path) -> None:
    if _is_asan(binary()):
        pytest.skip("the binary under test is the ASan build; valgrind checks the normal one")
    log = tmp_path / "valgrind.log"
    journal = tmp_path / "journal.jsonl"
    cmd = [VALGRIND, "--leak-check=full", "--error-exitcode=3", "--errors-for-leak-kinds=definite,indirect,possible",
           "--show-leak-kinds=definite,indirect,possible", f"--log-file={log}",
           str(binary()), "--listen", "127.0.0.1:0", "--fixtures", str(ROOT / "fixtures"), "--seed", "1",
           "--journal", str(journal), "--journal-size", "5", "--tls-listen", "127.0.0.1:0", "-v"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stderr: list[str] = []
    threading.Thread(target=lambda: stderr.extend(proc.stderr), daemon=True).start()  # type: ignore[arg-type]
    try:
        assert proc.stdout is not None
        m = READY.match(proc.stdout.readline().strip())
        assert m, f"no ready line; stderr: {''.join(stderr)}"
        assert READY_TLS.match(proc.stdout.readline().strip())

        class Mock:
            host, port = m.group(2), int(m.group(3))

        mock = Mock()
        # Every signature scheme, errors, magic values, a transport fault, the admin API.
        # Rate limiting is on (limit.c is part of the cycle): a burst may be refused.
        for kind in ("tc3-post", "tc3-get", "v1-sha1-post", "v1-sha1-get", "v1-sha256-post", "v1-sha256-get"):
            inner = assert_envelope(call(mock, build(mock, kind)))
            assert inner.get("Error", {}).get("Code", "RequestLimitExceeded") == "RequestLimitExceeded", inner
        time.sleep(1.1)
        assert_error(call(mock, build(mock, "tc3-post", {**TEXT, "Target": "xx"})), "InvalidParameterValue")
        assert_error(call(mock, build(mock, "tc3-post", {**TEXT, "SourceText": "a @mock:error=InternalError"})),
                     "InternalError")
        resp = call(mock, build(mock, "tc3-post", {**TEXT, "SourceText": "a @mock:fault=not_json @mock:delay=50"}))
        assert resp.status == 200 and not resp.body.startswith(b"{")
        for action, params in (("LanguageDetect", {"Text": "bonjour le monde", "ProjectId": 0}),
                               ("TextTranslateBatch", {"SourceTextList": ["a", "b"], "Source": "en",
                                                       "Target": "zh", "ProjectId": 0})):
            inner = assert_envelope(call(mock, build(mock, "tc3-post", params, action=action)))
            assert "Error" not in inner, inner
        rule = b'{"match":{"action":"TextTranslate"},"error":"ResourceUnavailable","times":1}'
        r = send(mock.host, mock.port, HttpRequest("POST", "/_mock/faults",
                                                   (("Host", "x"), ("Content-Type", "application/json")), rule))
        assert r.status == 201, r.body
        assert_error(call(mock, build(mock, "tc3-post")), "ResourceUnavailable")
        for path in ("/_mock/journal", "/_mock/metrics", "/_mock/faults", "/_mock/accounts", "/_mock/clock"):
            assert send(mock.host, mock.port, HttpRequest("GET", path, (("Host", "x"),))).status == 200
        assert send(mock.host, mock.port, HttpRequest("POST", "/_mock/reset", (("Host", "x"),))).status == 200
        for _ in range(10):   # past --journal-size: entries dropped
            call(mock, build(mock, "tc3-post"))
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(120)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait()
    report = log.read_text()
    assert code == 0, f"exit {code} under valgrind:\n{report[-4000:]}"
    assert re.search(r"ERROR SUMMARY: 0 errors", report), report[-4000:]
    for kind in ("definitely", "indirectly", "possibly"):
        m = re.search(rf"{kind} lost: ([\d,]+) bytes", report)
        assert m is None or m.group(1) == "0", report[-4000:]
    assert journal.read_text().count("\n") >= 10
