"""Hostile load (docs/hardening.md): each attack that once got through, reproduced.

1. the journal is bounded in bytes per entry (containers cut with a marker) and in
   all (--journal-max-bytes), and FileTranslate tasks by count and bytes
   (--file-max-tasks, --file-max-bytes: FailedOperation.TooManyWaitProcess);
2. a CallbackUrl never reaches the mock's own listeners, and listening beyond
   loopback without --admin-token needs --admin-open;
3. an answer nobody reads is cut off after --write-timeout, and SIGTERM waits
   --shutdown-grace at most;
4. descriptors used up by callbacks do not make accept() spin;
5. --journal FILE write errors: reported once, counted, no torn line;
6. HEAD answers have headers only, with the length, so a kept-alive connection
   stays in step;
7. answers in flight at SIGTERM carry Connection: close;
8. differing Content-Length headers (or one beside Transfer-Encoding): 400 and
   the connection closed, nothing after it read as a request;
9. log lines cannot be forged, the journal file is 0600, SIGHUP reopens it, and
   a stderr nobody reads does not freeze the mock.
"""
from __future__ import annotations

import base64
import json
import os
import re
import resource
import signal
import socket
import stat
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from harness.admin import Admin
from harness.mockproc import ROOT, MockProcess, binary
from harness.wire import TEXT, assert_envelope, assert_error, assert_translated, build, call, read_until_close, tc3

FIXTURES = ROOT / "fixtures"
BASE = ["--fixtures", str(FIXTURES), "--seed", "7", "--no-rate-limit"]


def start(*args: str, **popen: Any) -> MockProcess:
    return MockProcess([*BASE, *args]).start()


def stop_clean(m: MockProcess) -> None:
    code = m.stop()
    assert code in (0, -15), f"tmtmock exited {code}; stderr:\n{''.join(m.stderr_lines)}"


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def nfds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def metric(m: MockProcess, name: str) -> float:
    status, text = Admin.of(m).get("metrics")
    assert status == 200
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"no metric {name}:\n{text}")




def raw_request(method: str, target: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    head = f"{method} {target} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return head.encode() + b"\r\n" + body


def file_translate(m: MockProcess, doc: bytes, **over: Any):
    params = {"Source": "en", "Target": "zh", "DocumentType": "txt", "SourceType": 1,
              "Data": base64.b64encode(doc).decode(), **over}
    return call(m, tc3(m, action="FileTranslate").post(params).request)


def task_of(resp) -> str:  # type: ignore[no-untyped-def]
    inner = assert_envelope(resp)
    assert "Error" not in inner, inner
    return inner["Data"]["TaskId"]


# ---------------------------------------------------------------- 1. bounded memory

def big_unsigned_body(n_items: int) -> bytes:
    """An unsigned TextTranslate whose parameters carry a large array and object:
    kept whole by the journal, before any signature check, until bounded."""
    params = {"SourceText": "x", "Source": "en", "Target": "zh", "ProjectId": 0,
              "Pad": ["%08d-padding-padding-padding-padding" % i for i in range(n_items)],
              "Obj": {"k%07d" % i: i for i in range(n_items // 4)}}
    return json.dumps(params).encode()


def test_journal_entry_is_bounded_in_bytes() -> None:
    m = start()
    try:
        assert m.proc is not None
        body = big_unsigned_body(100_000)     # ~5.5 MB
        headers = {"Host": f"{m.host}:{m.port}", "Content-Type": "application/json",
                   "X-TC-Action": "TextTranslate", "X-TC-Version": "2018-03-21",
                   "X-TC-Region": "ap-guangzhou", "X-TC-Timestamp": str(int(time.time())),
                   "Authorization": "TC3-HMAC-SHA256 Credential=AKIDx/2024-01-01/tmt/tc3_request, "
                                    "SignedHeaders=content-type;host, Signature=00",
                   "Content-Length": str(len(body))}
        # Many large X-TC-* headers, all kept whole before.
        for i in range(100):
            headers[f"X-TC-Pad{i}"] = "h" * 2000
        before = rss_kib(m.proc.pid)
        for _ in range(25):
            with socket.create_connection((m.host, m.port), timeout=30) as s:
                s.sendall(raw_request("POST", "/", headers, body))
                s.shutdown(socket.SHUT_WR)
                assert read_until_close(s, 30).startswith(b"HTTP/1.1 200")
        grown_mib = (rss_kib(m.proc.pid) - before) / 1024
        # Kept whole, 25 entries held ~140 MiB; bounded, each holds some 100 KiB.
        # (ASan's quarantine grows RSS by design: the entry's size decides there.)
        if b"__asan_init" not in binary().read_bytes():
            assert grown_mib < 60, f"RSS grew {grown_mib:.0f} MiB for 25 journal entries"
        journal = Admin.of(m).journal()
        last = journal["entries"][-1]
        size = len(json.dumps(last))
        assert size < 200_000, f"one entry is {size} bytes"
        params = json.dumps(last["params"])
        assert "more items" in params and "more members" in params, params[-300:]
        assert len(last["headers"]) <= 66, len(last["headers"])
        assert any("more X-TC-* headers" in str(v) for v in last["headers"].values()), last["headers"]
        assert metric(m, "tmtmock_journal_bytes") < 64 * 1024 * 1024
    finally:
        stop_clean(m)


def test_journal_max_bytes_evicts_oldest_first() -> None:
    m = start("--journal-max-bytes", "262144")
    try:
        body = big_unsigned_body(4000)
        headers = {"Host": f"{m.host}:{m.port}", "Content-Type": "application/json",
                   "X-TC-Action": "TextTranslate", "Content-Length": str(len(body))}
        for _ in range(30):
            with socket.create_connection((m.host, m.port), timeout=10) as s:
                s.sendall(raw_request("POST", "/", headers, body))
                s.shutdown(socket.SHUT_WR)
                read_until_close(s, 10)
        journal = Admin.of(m).journal()
        seqs = [e["seq"] for e in journal["entries"]]
        assert 1 <= len(seqs) < 30, len(seqs)
        assert seqs == list(range(31 - len(seqs), 31)), seqs     # the newest kept, in order
        assert journal["dropped"] == 30 - len(seqs)
        assert metric(m, "tmtmock_journal_bytes") <= 262144
        assert metric(m, "tmtmock_journal_evicted_bytes_total") > 0
    finally:
        stop_clean(m)


def test_journal_max_bytes_option_is_checked() -> None:
    p = subprocess.run([str(binary()), "--journal-max-bytes", "12"], capture_output=True, text=True, timeout=10)
    assert p.returncode == 2 and "--journal-max-bytes" in p.stderr, p.stderr


def test_file_tasks_are_bounded_by_count_and_bytes() -> None:
    m = start("--file-max-tasks", "3", "--file-max-bytes", "300000")
    try:
        adm = Admin.of(m)
        for _ in range(3):
            task_of(file_translate(m, b"hello world\n"))
        assert_error(file_translate(m, b"hello world\n"), "FailedOperation.TooManyWaitProcess")
        adm.reset()
        # Bytes: two documents of 120 kB fit in 300 kB, a third does not.
        doc = b"\x00binary" * 20000
        task_of(file_translate(m, doc, DocumentType="pdf"))
        task_of(file_translate(m, doc, DocumentType="pdf"))
        assert_error(file_translate(m, doc, DocumentType="pdf"), "FailedOperation.TooManyWaitProcess")
        assert 240000 <= metric(m, "tmtmock_file_task_bytes") <= 300000
        # A small one still fits; the account's usual errors come first as ever.
        task_of(file_translate(m, b"tiny"))
    finally:
        stop_clean(m)


# ---------------------------------------------------------------- 2. the admin guard

class BlackHole:
    """A loopback listener that accepts connections and never answers."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(512)
        self.port = self.sock.getsockname()[1]
        self.conns: list[socket.socket] = []
        self.stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stop:
            try:
                c, _ = self.sock.accept()
                self.conns.append(c)
            except socket.timeout:
                continue
            except OSError:
                return

    def close(self) -> None:
        self.stop = True
        self.thread.join(2)
        for c in self.conns:
            c.close()
        self.sock.close()


def test_callback_never_reaches_the_mocks_own_listeners() -> None:
    m = start("--admin-listen", "127.0.0.1:0")
    try:
        line = m._readline(10)
        admin_port = int(re.search(r":(\d+) \(admin\)", line).group(1))   # type: ignore[union-attr]
        adm = Admin.of(m)
        rule = adm.add_fault(error="InternalError", match={"action": "LanguageDetect"})
        urls = [f"http://127.0.0.1:{m.port}/_mock/reset", f"http://localhost:{m.port}/_mock/reset",
                f"http://127.0.0.2:{m.port}/_mock/reset", f"http://LOCALHOST:{m.port}/_mock/reset",
                f"http://[::1]:{m.port}/_mock/reset", f"http://127.0.0.1:{admin_port}/_mock/reset"]
        for url in urls:
            task_of(file_translate(m, b"hello\n", CallbackUrl=url))
        adm.set_clock(advance_s=10)
        time.sleep(1.5)     # the task timer ticks every 200 ms
        assert [r["id"] for r in adm.faults()] == [rule["id"]], "a callback reset the mock"
        said = "".join(m.stderr_lines)
        assert said.count("a port the mock itself listens on") == len(urls), said
        assert metric(m, "tmtmock_callbacks_refused_total") == len(urls)
    finally:
        stop_clean(m)


@pytest.mark.parametrize("opt", ["--listen", "--tls-listen", "--admin-listen"])
def test_beyond_loopback_needs_a_token_or_admin_open(opt: str) -> None:
    p = subprocess.run([str(binary()), *BASE, "--listen", "127.0.0.1:0", opt, "0.0.0.0:0"],
                       capture_output=True, text=True, timeout=10)
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert "--admin-token" in p.stderr and "--admin-open" in p.stderr, p.stderr
    assert p.stdout == ""       # nothing was listened on


def test_admin_open_starts_with_a_warning() -> None:
    m = start("--listen", "0.0.0.0:0", "--admin-open")
    try:
        time.sleep(0.2)
        assert any("--admin-open" in line and "warning" in line for line in m.stderr_lines), m.stderr_lines
        assert Admin("127.0.0.1", m.port).get("health")[0] == 200
    finally:
        stop_clean(m)
    m = start("--listen", "0.0.0.0:0", "--admin-token", "tok")
    try:
        assert Admin("127.0.0.1", m.port, "tok").get("health")[0] == 200
    finally:
        stop_clean(m)


# ---------------------------------------------------------------- 3. answers nobody reads

def big_task(m: MockProcess, size: int = 4_500_000) -> tuple[str, bytes]:
    """A finished FileTranslate task whose GetFileTranslate answer is ~6 MB, and that request."""
    task = task_of(file_translate(m, b"\x00" * size, DocumentType="pdf"))
    Admin.of(m).set_clock(advance_s=5)
    req = tc3(m, action="GetFileTranslate", timestamp=Admin.of(m).now()).post({"TaskId": task}).request
    wire = raw_request(req.method, req.target, dict(req.headers) | {"Content-Length": str(len(req.body))}, req.body)
    return task, wire


def non_reader(m: MockProcess, wire: bytes) -> socket.socket:
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect((m.host, m.port))
    s.sendall(wire)
    return s


def test_write_timeout_closes_a_client_that_never_reads() -> None:
    m = start("--write-timeout", "2", "--idle-timeout", "60")
    try:
        assert m.proc is not None
        _, wire = big_task(m)
        base_fds = nfds(m.proc.pid)
        t0 = time.monotonic()
        clients = [non_reader(m, wire) for _ in range(8)]
        # Each answer (6 MB, built one after another) is cut 2 s after it was
        # handed over; a loaded machine may take a while to build them all.
        while metric(m, "tmtmock_write_timeouts_total") < 8 and time.monotonic() - t0 < 30:
            time.sleep(0.25)
        assert time.monotonic() - t0 >= 2.0, "closed before --write-timeout"
        # Closed by the mock: what is left to read ends well short of the answer.
        for s in clients:
            got = read_until_close(s, 10)
            assert got.startswith(b"HTTP/1.1 200"), got[:100]
            length = int(re.search(rb"Content-Length: (\d+)", got).group(1))   # type: ignore[union-attr]
            assert len(got) < length, "the whole answer was kept for a client that did not read"
            s.close()
        assert metric(m, "tmtmock_write_timeouts_total") == 8
        assert nfds(m.proc.pid) <= base_fds + 1
        ok = call(m, build(m, "tc3-post", timestamp=Admin.of(m).now()))
        assert_translated(ok, TEXT["SourceText"])
    finally:
        stop_clean(m)


def test_sigterm_gives_a_non_reader_the_grace_period_only() -> None:
    m = start("--write-timeout", "0", "--shutdown-grace", "2")
    try:
        assert m.proc is not None
        _, wire = big_task(m)
        s = non_reader(m, wire)
        time.sleep(0.5)
        t0 = time.monotonic()
        m.proc.send_signal(signal.SIGTERM)
        code = m.proc.wait(15)
        took = time.monotonic() - t0
        assert code == 0, "".join(m.stderr_lines)
        assert 1.5 <= took < 8, took
        assert any("shutdown-grace" in line for line in m.stderr_lines), m.stderr_lines
        s.close()
    finally:
        m.stop()


# ---------------------------------------------------------------- 4. descriptors

def test_descriptor_exhaustion_does_not_spin() -> None:
    """Callbacks hold descriptors; then the limit is lowered (prlimit) to exactly what the
    mock has open, so every accept() fails with EMFILE while clients keep connecting: the
    old front retried at once, for ever, at full CPU, warning each time."""
    hole = BlackHole()
    cmd = [str(binary()), "--listen", "127.0.0.1:0", *BASE]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    err: list[bytes] = []
    threading.Thread(target=lambda: err.append(proc.stderr.read()), daemon=True).start()  # type: ignore[union-attr]
    try:
        line = proc.stdout.readline().decode()  # type: ignore[union-attr]
        port = int(line.rsplit(":", 1)[1])
        m = MockProcess([], proc=proc, host="127.0.0.1", port=port)
        for _ in range(40):
            task_of(file_translate(m, b"x\n", CallbackUrl=f"http://127.0.0.1:{hole.port}/cb"))
        Admin.of(m).set_clock(advance_s=10)
        time.sleep(1.0)     # the callbacks connect and wait for an answer that never comes
        # No descriptor left: the limit is what is open now (a hole below it is filled by
        # the first connection held below).
        open_now = len(os.listdir(f"/proc/{proc.pid}/fd"))
        _, hard = resource.prlimit(proc.pid, resource.RLIMIT_NOFILE)
        resource.prlimit(proc.pid, resource.RLIMIT_NOFILE, (open_now, hard))
        held = []
        for _ in range(60):
            try:
                held.append(socket.create_connection(("127.0.0.1", port), timeout=2))
            except OSError:
                break
        c0, t0 = cpu_s(proc.pid), time.monotonic()
        time.sleep(3.0)
        busy = (cpu_s(proc.pid) - c0) / (time.monotonic() - t0)
        assert len(held) > 5, "clients must be left waiting in the backlog"
        for s in held:
            s.close()
        resource.prlimit(proc.pid, resource.RLIMIT_NOFILE, (open_now + 64, hard))
        assert busy < 0.3, f"the mock used {busy:.0%} of a CPU while out of descriptors"
        # The backlog of closed connections drains, 16 per rest, then it serves.
        for _ in range(50):
            time.sleep(0.2)
            try:
                if Admin("127.0.0.1", port).get("health")[0] == 200:
                    break
            except OSError:
                pass
        assert Admin("127.0.0.1", port).get("health")[0] == 200
        assert metric(m, "tmtmock_accept_pauses_total") >= 1
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(15)
        hole.close()
    said = b"".join(err)
    # Before: hundreds of thousands of identical warnings a second.
    assert len(said) < 20000, f"{len(said)} bytes of stderr: {said[:500]!r}"


# ---------------------------------------------------------------- 5. journal write errors

def test_journal_write_errors_leave_no_torn_line(tmp_path: Path) -> None:
    journal = tmp_path / "journal.jsonl"

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (20000, 20000))

    cmd = [str(binary()), "--listen", "127.0.0.1:0", *BASE, "--journal", str(journal)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=small_files)
    try:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        port = int(line.rsplit(":", 1)[1])
        m = MockProcess([], proc=proc, host="127.0.0.1", port=port)
        for i in range(60):
            assert_translated(call(m, build(m, "tc3-post", {**TEXT, "SourceText": f"entry {i}"})), f"entry {i}")
        lost = metric(m, "tmtmock_journal_file_lost_total")
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(15)
    err = proc.stderr.read()  # type: ignore[union-attr]
    assert code == 0, err
    text = journal.read_text()
    assert text.endswith("\n")
    lines = text.splitlines()
    entries = [json.loads(x) for x in lines]        # every line whole
    assert 0 < len(entries) < 60
    assert lost == 60 - len(entries), (lost, len(entries))
    assert err.count("--journal") == 1, err      # said once


def test_journal_file_is_private(tmp_path: Path) -> None:
    journal = tmp_path / "journal.jsonl"
    m = start("--journal", str(journal))
    try:
        ok = call(m, build(m, "tc3-post"))
        assert_translated(ok, TEXT["SourceText"])
        assert stat.S_IMODE(journal.stat().st_mode) == 0o600
    finally:
        stop_clean(m)


# ---------------------------------------------------------------- 6. HEAD

@pytest.mark.parametrize("target", ["/", "/_mock/health", "/?Action=TextTranslate"])
def test_head_answers_have_no_body(target: str) -> None:
    m = start()
    try:
        host = f"{m.host}:{m.port}"
        with socket.create_connection((m.host, m.port), timeout=5) as s:
            s.sendall(raw_request("GET", target, {"Host": host}))
            time.sleep(0.3)
            s.sendall(raw_request("HEAD", target, {"Host": host}))
            time.sleep(0.3)
            s.sendall(raw_request("GET", "/_mock/health", {"Host": host, "Connection": "close"}))
            data = read_until_close(s, 5)
        # Read as a client does: HEAD's answer has no body whatever its length says.
        resp: list[tuple[int, dict[str, str], bytes]] = []
        while data:
            head, _, rest = data.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            assert lines[0].startswith("HTTP/1.1 "), f"answer {len(resp) + 1} out of step: {lines[0]!r}"
            hdrs = {k.lower(): v.strip() for k, v in (x.split(":", 1) for x in lines[1:])}
            assert "content-length" in hdrs, hdrs
            n = 0 if len(resp) == 1 else int(hdrs["content-length"])
            resp.append((int(lines[0].split()[1]), hdrs, rest[:n]))
            data = rest[n:]
        assert len(resp) == 3, resp
        (gs, gh, gb), (hs, hh, hb), (ls, _, lb) = resp
        assert gh["content-length"] == str(len(gb))
        assert ls == 200 and json.loads(lb)["status"] == "ok"
        if target.startswith("/_mock/"):
            assert hs == gs and hh["content-length"] == gh["content-length"]
        else:
            # The API answers HEAD with its own error (check 1): the length is
            # that of the body the journal says was meant.
            time.sleep(0.2)
            head = [e for e in Admin.of(m).journal()["entries"] if e["method"] == "HEAD"]
            assert len(head) == 1 and head[0]["error_code"] == "UnsupportedProtocol", head
            assert hh["content-length"] == str(len(head[0]["body"].encode()))
    finally:
        stop_clean(m)


# ---------------------------------------------------------------- 7. SIGTERM

def test_answers_in_flight_at_sigterm_say_connection_close() -> None:
    m = start()
    try:
        assert m.proc is not None
        result: dict[str, Any] = {}
        delayed = build(m, "tc3-post", {**TEXT, "SourceText": "slow @mock:delay=1500"})
        t = threading.Thread(target=lambda: result.update(resp=call(m, delayed)))
        t.start()
        time.sleep(0.4)
        m.proc.send_signal(signal.SIGTERM)
        t.join(10)
        resp = result["resp"]
        assert_translated(resp, "slow")
        assert (resp.header("Connection") or "").lower() == "close", resp.headers
        assert m.proc.wait(10) == 0
    finally:
        m.stop()


# ---------------------------------------------------------------- 8. smuggling

SMUGGLED = b"GET /_mock/health HTTP/1.1\r\nHost: x\r\n\r\n"


@pytest.mark.parametrize("framing", [
    {"Content-Length": ["2", str(2 + len(SMUGGLED))]},
    {"Content-Length": [str(2 + len(SMUGGLED)), "2"]},
    {"Content-Length": ["2"], "Transfer-Encoding": ["chunked"]},
])
def test_conflicting_lengths_are_refused_and_closed(framing: dict[str, list[str]]) -> None:
    m = start()
    try:
        head = "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        for k, vs in framing.items():
            head += "".join(f"{k}: {v}\r\n" for v in vs)
        body = b"{}" + SMUGGLED
        if "Transfer-Encoding" in framing:
            body = b"2\r\n{}\r\n0\r\n\r\n" + SMUGGLED
        with socket.create_connection((m.host, m.port), timeout=5) as s:
            s.sendall(head.encode() + b"\r\n" + body)
            data = read_until_close(s, 5)
        assert data.startswith(b"HTTP/1.1 400"), data[:200]
        assert data.count(b"HTTP/1.1 ") == 1, f"something after the body was answered: {data!r}"
        assert b"Connection: close" in data
        assert Admin.of(m).journal()["entries"] == []       # never reached the pipeline
        # evhttp itself refuses Content-Length beside chunked; the front refuses
        # differing lengths, which evhttp would take the first of.
        if "Transfer-Encoding" not in framing:
            assert metric(m, "tmtmock_bad_framing_total") == 1
        # Two equal lengths are one length (RFC 9110 8.6).
        with socket.create_connection((m.host, m.port), timeout=5) as s:
            s.sendall(b"GET /_mock/health HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
                      b"Content-Length: 0\r\nConnection: close\r\n\r\n")
            assert read_until_close(s, 5).startswith(b"HTTP/1.1 200")
    finally:
        stop_clean(m)


# ---------------------------------------------------------------- 9. the smaller ones

def test_callback_url_cannot_forge_log_lines() -> None:
    m = start()
    try:
        for url in ["http://example.com/x\r\ntmtmock: warning: forged line",
                    "http://127.0.0.1:1/\ntmtmock: forged too"]:
            resp = file_translate(m, b"hi\n", CallbackUrl=url)
            assert_envelope(resp)
        time.sleep(0.3)
        said = "".join(m.stderr_lines)
        assert "tmtmock: warning: forged line" not in said.splitlines()
        assert not any(line.startswith("tmtmock: forged") for line in said.splitlines()), said
        assert "??tmtmock: warning: forged line" in said or "?tmtmock: warning: forged line" in said, said
    finally:
        stop_clean(m)


def test_sighup_reopens_the_journal(tmp_path: Path) -> None:
    journal = tmp_path / "journal.jsonl"
    m = start("--journal", str(journal))
    try:
        assert m.proc is not None
        assert_translated(call(m, build(m, "tc3-post", {**TEXT, "SourceText": "before"})), "before")
        journal.rename(tmp_path / "journal.jsonl.1")
        m.proc.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        assert m.proc.poll() is None, "SIGHUP killed the mock"
        assert_translated(call(m, build(m, "tc3-post", {**TEXT, "SourceText": "after"})), "after")
        time.sleep(0.3)     # the entry is written after the answer
        old = [json.loads(x) for x in (tmp_path / "journal.jsonl.1").read_text().splitlines()]
        new = [json.loads(x) for x in journal.read_text().splitlines()]
        assert [e["params"]["SourceText"] for e in old] == ["before"]
        assert [e["params"]["SourceText"] for e in new] == ["after"]
        assert stat.S_IMODE(journal.stat().st_mode) == 0o600
    finally:
        stop_clean(m)


def test_unread_stderr_does_not_freeze_the_mock() -> None:
    cmd = [str(binary()), "--listen", "127.0.0.1:0", *BASE, "-v"]
    # stderr is a pipe nobody reads: it fills after some 400 access lines.
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        port = int(proc.stdout.readline().decode().rsplit(":", 1)[1])  # type: ignore[union-attr]
        m = MockProcess([], proc=proc, host="127.0.0.1", port=port)
        req = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
        t0 = time.monotonic()
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            for i in range(1500):
                s.sendall(req)
                got = b""
                while not got.endswith(b"}"):
                    chunk = s.recv(65536)
                    assert chunk, f"closed after {i} requests"
                    got += chunk
        assert time.monotonic() - t0 < 60
        assert metric(m, "tmtmock_log_lines_dropped_total") > 0
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            assert proc.wait(15) == 0
        finally:
            proc.kill() if proc.poll() is None else None
