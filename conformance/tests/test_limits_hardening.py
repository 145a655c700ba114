"""The wire limits of the HTTP front (docs/options.md, Limits and shutdown), each with its option:
--max-header-size, --max-body-size, --max-uri-size, --max-connections,
--idle-timeout and --read-timeout (a client sending one byte a second is cut
off); 10,000 idle connections held while others are answered; and SIGTERM:
the listeners close, answers in flight (a delayed one) finish, the journal
file holds them, exit status 0."""
from __future__ import annotations

import json
import resource
import select
import signal
import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from harness.mockproc import ROOT, MockProcess
from harness.signer import HttpResponse
from harness.wire import TEXT, assert_envelope, assert_error, assert_translated, build, call, read_until_close

FIXTURES = ROOT / "fixtures"
BASE = ["--fixtures", str(FIXTURES), "--seed", "7", "--no-rate-limit"]


def start(*args: str) -> MockProcess:
    return MockProcess([*BASE, *args]).start()


def stop_clean(m: MockProcess) -> None:
    code = m.stop()
    assert code in (0, -15), f"tmtmock exited {code}; stderr:\n{''.join(m.stderr_lines)}"


def raw(m: MockProcess, data: bytes, timeout: float = 5.0) -> bytes:
    """Send bytes on a fresh connection; everything until EOF (or the timeout)."""
    with socket.create_connection((m.host, m.port), timeout=timeout) as s:
        s.sendall(data)
        return read_until_close(s, timeout)




def closed_within(s: socket.socket, seconds: float) -> float | None:
    """Seconds until the peer closed s (EOF or RST), or None if still open after `seconds`."""
    t0 = time.monotonic()
    s.settimeout(seconds)
    try:
        while True:
            chunk = s.recv(4096)
            if not chunk:
                return time.monotonic() - t0
    except socket.timeout:
        return None
    except ConnectionResetError:
        return time.monotonic() - t0


def ok(m: MockProcess) -> None:
    assert_translated(call(m, build(m, "tc3-post")), TEXT["SourceText"])


# ---------------------------------------------------------------- sizes


def test_header_size_default_and_option() -> None:
    m = start("--max-header-size", "4096")
    try:
        small = b"GET /_mock/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Pad: " + b"a" * 3000 + b"\r\n\r\n"
        assert raw(m, small).startswith(b"HTTP/1.1 200")
        big = b"GET /_mock/health HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 5000 + b"\r\n\r\n"
        answer = raw(m, big)
        # evhttp refuses the request and closes the connection.
        assert answer.startswith(b"HTTP/1.1 400"), answer[:100]
        ok(m)
    finally:
        stop_clean(m)
    m = start()
    try:   # default 256 KiB: 200 KiB of headers pass, 300 KiB do not
        pad = b"GET /_mock/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Pad: %s\r\n\r\n"
        assert raw(m, pad % (b"a" * 200_000)).startswith(b"HTTP/1.1 200")
        assert raw(m, pad % (b"a" * 300_000)).startswith(b"HTTP/1.1 400")
    finally:
        stop_clean(m)


def test_body_size_option() -> None:
    m = start("--max-body-size", "2048")
    try:
        head = (b"POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\n\r\n")
        answer = raw(m, head % 4096 + b"{" * 4096)
        assert answer.startswith(b"HTTP/1.1 413"), answer[:100]
        # Within the limit the pipeline answers (here: not a JSON object).
        answer = raw(m, head % 10 + b"[1,2,3,4,]")
        assert answer.startswith(b"HTTP/1.1 200"), answer[:100]
        ok(m)
    finally:
        stop_clean(m)


def test_uri_size_option() -> None:
    m = start("--max-uri-size", "1024")
    try:
        for n, status in ((900, b"200"), (1100, b"414")):
            req = b"GET /?Pad=" + b"a" * n + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            answer = raw(m, req)
            assert answer.startswith(b"HTTP/1.1 " + status), (n, answer[:100])
    finally:
        stop_clean(m)


@pytest.mark.parametrize("opt,value", [
    ("--max-connections", "0"), ("--idle-timeout", "-1"), ("--read-timeout", "x"),
    ("--max-header-size", "10"), ("--max-body-size", "1"), ("--max-uri-size", "1"),
])
def test_limit_options_refuse_bad_values(opt: str, value: str) -> None:
    from harness.mockproc import run_once

    r = run_once([opt, value])
    assert r.returncode == 2 and opt in r.stderr, r.stderr


# ---------------------------------------------------------------- connections


def test_max_connections() -> None:
    m = start("--max-connections", "5")
    held: list[socket.socket] = []
    try:
        for _ in range(5):
            held.append(socket.create_connection((m.host, m.port), timeout=5))
        time.sleep(0.3)
        # The sixth is accepted by the kernel and closed at once, unanswered.
        extra = socket.create_connection((m.host, m.port), timeout=5)
        assert closed_within(extra, 3.0) is not None, "the sixth connection was not closed"
        extra.close()
        # The five are still served, on their own connections.
        s = held[0]
        s.sendall(b"GET /_mock/health HTTP/1.1\r\nHost: x\r\n\r\n")
        s.settimeout(5)
        assert s.recv(100).startswith(b"HTTP/1.1 200")
        # One leaves: a new one is served again.
        held.pop().close()
        time.sleep(0.3)
        ok(m)
    finally:
        for s in held:
            s.close()
        stop_clean(m)


def test_idle_timeout() -> None:
    m = start("--idle-timeout", "1", "--read-timeout", "30")
    try:
        idle = socket.create_connection((m.host, m.port), timeout=5)
        took = closed_within(idle, 4.0)
        assert took is not None and 0.8 <= took <= 3.0, took
        idle.close()
        # A keep-alive connection used every half second stays open past it.
        s = socket.create_connection((m.host, m.port), timeout=5)
        for _ in range(5):
            s.sendall(b"GET /_mock/health HTTP/1.1\r\nHost: x\r\n\r\n")
            s.settimeout(5)
            assert s.recv(4096).startswith(b"HTTP/1.1 200")
            time.sleep(0.5)
        # ... and is closed once it falls idle.
        assert closed_within(s, 4.0) is not None
        s.close()
    finally:
        stop_clean(m)


def test_idle_timeout_zero_keeps_connections() -> None:
    m = start("--idle-timeout", "0")
    try:
        s = socket.create_connection((m.host, m.port), timeout=5)
        assert closed_within(s, 2.5) is None
        s.close()
    finally:
        stop_clean(m)


def test_read_timeout_cuts_a_slow_client() -> None:
    """One byte a second: cut off --read-timeout after the first byte, whatever the
    idle timeout, without an answer."""
    m = start("--read-timeout", "2", "--idle-timeout", "60")
    try:
        s = socket.create_connection((m.host, m.port), timeout=5)
        request = b"GET /_mock/health HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 40 + b"\r\n\r\n"
        t0 = time.monotonic()
        cut = None
        for byte in request:
            try:
                s.sendall(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                cut = time.monotonic() - t0
                break
            r, _, _ = select.select([s], [], [], 1.0)
            if r:
                try:
                    data = s.recv(4096)
                except ConnectionResetError:
                    data = b""
                assert data == b"", f"the slow request was answered: {data[:80]!r}"
                cut = time.monotonic() - t0
                break
        assert cut is not None, "a client sending one byte a second was never cut off"
        assert 1.5 <= cut <= 4.5, cut
        s.close()
        # A quick client on a connection idle longer than the read timeout is fine.
        s = socket.create_connection((m.host, m.port), timeout=5)
        time.sleep(3)
        s.sendall(b"GET /_mock/health HTTP/1.1\r\nHost: x\r\n\r\n")
        s.settimeout(5)
        assert s.recv(4096).startswith(b"HTTP/1.1 200")
        s.close()
    finally:
        stop_clean(m)


def test_slow_body_is_cut_too() -> None:
    m = start("--read-timeout", "1")
    try:
        s = socket.create_connection((m.host, m.port), timeout=5)
        s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 100\r\n\r\n{")
        took = closed_within(s, 4.0)
        assert took is not None and took <= 3.0, took
        s.close()
    finally:
        stop_clean(m)


def _raise_nofile(need: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < need:
        pytest.skip(f"RLIMIT_NOFILE hard limit {hard} < {need}: cannot open 10,000 sockets here")
    if soft != resource.RLIM_INFINITY and soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))


def test_ten_thousand_idle_connections() -> None:
    """10,000 open idle connections held while other clients are answered."""
    n = 10_000
    _raise_nofile(n + 200)
    m = start()
    held: list[socket.socket] = []
    try:
        for i in range(n):
            held.append(socket.create_connection((m.host, m.port), timeout=10))
        for _ in range(3):
            ok(m)
        for kind in ("tc3-get", "v1-sha256-post"):
            assert "Error" not in assert_envelope(call(m, build(m, kind)))
        # None of the 10,000 was closed: a closed one would poll readable (EOF).
        poller = select.poll()
        for s in held:
            poller.register(s, select.POLLIN)
        assert poller.poll(500) == [], "idle connections were closed"
        # And they work: a request on some of them.
        for s in held[:: n // 10]:
            s.sendall(b"GET /_mock/health HTTP/1.1\r\nHost: x\r\n\r\n")
        for s in held[:: n // 10]:
            s.settimeout(10)
            assert s.recv(4096).startswith(b"HTTP/1.1 200")
    finally:
        for s in held:
            s.close()
    try:
        time.sleep(0.5)
        ok(m)
    finally:
        stop_clean(m)


# ---------------------------------------------------------------- shutdown


def test_sigterm_finishes_answers_in_flight(tmp_path: Path) -> None:
    journal = tmp_path / "journal.jsonl"
    m = start("--journal", str(journal))
    assert m.proc is not None
    result: dict[str, Any] = {}
    delayed = build(m, "tc3-post", {**TEXT, "SourceText": "slow @mock:delay=1500"})

    def slow() -> None:
        t0 = time.monotonic()
        result["resp"] = call(m, delayed)
        result["took"] = time.monotonic() - t0

    idle = socket.create_connection((m.host, m.port), timeout=5)   # keep-alive, no request
    t = threading.Thread(target=slow)
    t.start()
    time.sleep(0.4)
    m.proc.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    # Not accepting any more.
    with pytest.raises(OSError):
        socket.create_connection((m.host, m.port), timeout=2).close()
    t.join(10)
    assert not t.is_alive(), "the delayed answer never came"
    resp: HttpResponse = result["resp"]
    assert_translated(resp, "slow")
    assert result["took"] >= 1.4, result["took"]
    assert m.proc.wait(10) == 0, "".join(m.stderr_lines)
    assert closed_within(idle, 1.0) is not None
    idle.close()
    entries = [json.loads(line) for line in journal.read_text().splitlines()]
    last = entries[-1]
    assert last["delay_ms"] == 1500 and last["error_code"] is None, last


def test_sigterm_idle_exits_at_once() -> None:
    m = start()
    assert m.proc is not None
    ok(m)
    t0 = time.monotonic()
    m.proc.send_signal(signal.SIGTERM)
    assert m.proc.wait(5) == 0
    assert time.monotonic() - t0 < 2


def test_second_signal_stops_at_once() -> None:
    m = start()
    assert m.proc is not None
    req = build(m, "tc3-post", {**TEXT, "SourceText": "slow @mock:delay=20000"})
    t = threading.Thread(target=lambda: _swallow(lambda: call(m, req)), daemon=True)
    t.start()
    time.sleep(0.4)
    m.proc.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    assert m.proc.poll() is None, "the first SIGTERM did not wait for the delayed answer"
    m.proc.send_signal(signal.SIGTERM)
    assert m.proc.wait(5) == 0


def _swallow(fn: Any) -> None:
    try:
        fn()
    except Exception:  # noqa: BLE001 - the connection is cut by the second signal
        pass


@pytest.mark.parametrize("action,params", [
    ("TextTranslate", {**TEXT, "Target": ""}),
    ("ImageTranslateLLM", {"Data": "", "Url": "https://example.com/a.png", "Target": ""}),
])
def test_empty_target_is_answered(mock: MockProcess, action: str, params: dict[str, Any]) -> None:
    """Regression (found by fuzz_schema): an empty Target looped for ever in lang.c's
    in_list(), and the whole mock stopped answering."""
    resp = call(mock, build(mock, "tc3-post", params, action=action))
    inner = assert_envelope(resp)
    assert "Error" in inner, inner


def test_flattened_names_cannot_amplify(mock: MockProcess) -> None:
    """Regressions (found by fuzz_form's speed): a v1 name a million segments deep was
    kept in the journal so deep that GET /_mock/journal overflowed the stack (the mock
    died), and one 64 Ki-slot list per pair ("A0.65535=x&A1.65535=x&...") took seconds
    and a GiB. Both are InvalidParameter now, at once, and the mock goes on."""
    from harness.signer import HttpRequest, send

    form = (("Host", "x"), ("Content-Type", "application/x-www-form-urlencoded"))
    for body in (".".join(["a"] * 400_000) + "=1", "&".join(f"A{i}.65535=x" for i in range(3000))):
        t0 = time.monotonic()
        resp = send(mock.host, mock.port, HttpRequest("POST", "/", form, body.encode()))
        assert time.monotonic() - t0 < 2.0
        assert_error(resp, "InvalidParameter")
    journal = send(mock.host, mock.port, HttpRequest("GET", "/_mock/journal", (("Host", "x"),)))
    assert journal.status == 200
    ok(mock)
