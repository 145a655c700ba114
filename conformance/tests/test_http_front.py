"""The HTTP/1.1 front (mock_server/src/http.c, conn.c; docs/hardening.md, HTTP framing):
what it accepts (keep-alive, pipelining, Content-Length and chunked bodies,
Expect: 100-continue, Connection: close, HTTP/1.0, empty lines before a request)
and what it refuses because a proxy in front could read it otherwise (request
smuggling). Each refusal is a 400 (or the status named) with Connection: close, the
connection then closed, the request never reaching the pipeline or the journal, and the
request hidden behind it never answered: a lenient parser answers that second request,
and the test fails on it.

The differential test replays mock_server/fuzz/corpus/http/: accept/ holds requests as
the official SDKs and common clients send them (captured bytes), refuse/ malformed ones;
each must be accepted or refused exactly as its folder says."""
from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from harness.admin import Admin
from harness.mockproc import ROOT, MockProcess
from harness.wire import TEXT, build

CORPUS = ROOT / "mock_server" / "fuzz" / "corpus" / "http"
# Hidden behind each malformed request: a lenient parser answers it too.
SMUGGLED = b"GET /_mock/health HTTP/1.1\r\nHost: x\r\n\r\n"


def exchange(m: MockProcess, data: bytes, timeout: float = 5.0) -> bytes:
    """Sends data on a fresh connection; everything until the mock closes it."""
    with socket.create_connection((m.host, m.port), timeout=timeout) as s:
        s.sendall(data)
        s.settimeout(timeout)
        out = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    return out
                out += chunk
        except socket.timeout:
            raise AssertionError(f"the connection was not closed: {out[:300]!r}")
        except ConnectionResetError:
            return out


def journal_len(m: MockProcess) -> int:
    return len(Admin.of(m).journal()["entries"])


def assert_refused(m: MockProcess, data: bytes, status: int = 400) -> None:
    before = journal_len(m)
    out = exchange(m, data)
    assert out.startswith(b"HTTP/1.1 %d " % status), out[:300]
    assert out.count(b"HTTP/1.1 ") == 1, f"something behind the request was answered: {out!r}"
    head = out.split(b"\r\n\r\n", 1)[0]
    assert b"\r\nConnection: close" in head, head
    assert journal_len(m) == before, "a refused request reached the pipeline"


POST = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"

# name -> bytes of a request that must be refused (the smuggled one follows each).
SMUGGLING = {
    "cl-and-te": POST + b"Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
    "te-and-cl": POST + b"Transfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
    "two-lengths": POST + b"Content-Length: 2\r\nContent-Length: 42\r\n\r\n{}",
    "length-list": POST + b"Content-Length: 2, 2\r\n\r\n{}",
    "length-sign": POST + b"Content-Length: +2\r\n\r\n{}",
    "length-hex": POST + b"Content-Length: 0x2\r\n\r\n{}",
    "length-space-inside": POST + b"Content-Length: 1 2\r\n\r\n{}",
    "space-before-colon": POST + b"Content-Length : 2\r\n\r\n{}",
    "obs-fold": POST + b"Content-Length: 2\r\nX-Folded: a\r\n b\r\n\r\n{}",
    "obs-fold-tab": POST + b"Content-Length: 2\r\nX-Folded: a\r\n\tb\r\n\r\n{}",
    "first-line-folded": b"POST / HTTP/1.1\r\n Host: x\r\nContent-Length: 2\r\n\r\n{}",
    "bare-lf-header": POST + b"Content-Length: 2\nX-A: b\r\n\r\n{}",
    "bare-lf-request-line": b"POST / HTTP/1.1\nHost: x\r\nContent-Length: 2\r\n\r\n{}",
    "bare-lf-end": POST + b"Content-Length: 2\r\n\n{}",
    "bare-cr-header": POST + b"X-A: a\rb\r\nContent-Length: 2\r\n\r\n{}",
    "nul-in-value": POST + b"X-A: a\x00b\r\nContent-Length: 2\r\n\r\n{}",
    "nul-in-name": POST + b"X-\x00A: a\r\nContent-Length: 2\r\n\r\n{}",
    "ctl-in-value": POST + b"X-A: a\x01b\r\nContent-Length: 2\r\n\r\n{}",
    "te-twice": POST + b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
    "te-list": POST + b"Transfer-Encoding: gzip, chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
    "te-gzip": POST + b"Transfer-Encoding: gzip\r\n\r\n{}",
    "te-chunked-identity": POST + b"Transfer-Encoding: chunked, identity\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
    "te-http10": b"POST / HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
    "chunk-size-not-hex": POST + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
    "chunk-size-0x": POST + b"Transfer-Encoding: chunked\r\n\r\n0x2\r\n{}\r\n0\r\n\r\n",
    "chunk-size-negative": POST + b"Transfer-Encoding: chunked\r\n\r\n-2\r\n{}\r\n0\r\n\r\n",
    "chunk-size-overflow": POST + b"Transfer-Encoding: chunked\r\n\r\n10000000000000002\r\n{}\r\n0\r\n\r\n",
    "chunk-size-empty": POST + b"Transfer-Encoding: chunked\r\n\r\n\r\n{}\r\n0\r\n\r\n",
    "chunk-bare-lf": POST + b"Transfer-Encoding: chunked\r\n\r\n2\n{}\r\n0\r\n\r\n",
    "chunk-data-too-long": POST + b"Transfer-Encoding: chunked\r\n\r\n1\r\n{}\r\n0\r\n\r\n",
    "chunk-no-crlf-after-data": POST + b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}0\r\n\r\n",
    "bad-version": b"POST / HTTP/1.2\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}",
    "no-version": b"GET /\r\nHost: x\r\n\r\n",
    "two-spaces": b"GET  / HTTP/1.1\r\nHost: x\r\n\r\n",
}


@pytest.mark.parametrize("name", list(SMUGGLING))
def test_smuggling_shapes_are_refused_and_closed(mock: MockProcess, name: str) -> None:
    status = {"te-gzip": 501, "bad-version": 505}.get(name, 400)
    assert_refused(mock, SMUGGLING[name] + SMUGGLED, status)


def test_refusals_of_two_lengths_are_counted(mock: MockProcess) -> None:
    def framing() -> float:
        _, text = Admin.of(mock).get("metrics")
        return float(next(x for x in text.splitlines() if x.startswith("tmtmock_bad_framing_total ")).split()[1])

    n = framing()
    assert_refused(mock, SMUGGLING["two-lengths"] + SMUGGLED)
    assert_refused(mock, SMUGGLING["cl-and-te"] + SMUGGLED)
    assert framing() == n + 2


def test_too_many_header_lines(mock: MockProcess) -> None:
    many = b"".join(b"X-H%d: v\r\n" % i for i in range(129))
    assert_refused(mock, b"GET /_mock/health HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n" + SMUGGLED, 431)
    # Host, 126 lines and Connection are 128: served.
    few = b"".join(b"X-H%d: v\r\n" % i for i in range(126))
    out = exchange(mock, b"GET /_mock/health HTTP/1.1\r\nHost: x\r\n" + few + b"Connection: close\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 200"), out[:200]


def test_unknown_expectation(mock: MockProcess) -> None:
    assert_refused(mock, POST + b"Expect: something\r\nContent-Length: 2\r\n\r\n{}" + SMUGGLED, 417)


# ---------------------------------------------------------------- what is accepted


def wire(req, chunked: bool = False, extra: bytes = b"") -> bytes:  # type: ignore[no-untyped-def]
    head = f"{req.method} {req.target} HTTP/1.1\r\n".encode()
    head += b"".join(f"{k}: {v}\r\n".encode() for k, v in req.headers)
    if chunked:
        body = req.body
        parts = [body[:7], body[7:20], body[20:]]
        enc = b"".join(b"%x;ext=1\r\n%s\r\n" % (len(p), p) for p in parts if p)
        return head + b"Transfer-Encoding: chunked\r\n" + extra + b"\r\n" + enc + b"0\r\nX-Trailer: t\r\n\r\n"
    return head + b"Content-Length: %d\r\n" % len(req.body) + extra + b"\r\n" + req.body


def answers(data: bytes) -> list[tuple[int, bytes, bytes]]:
    """Splits bytes into (status, head, body) by Content-Length."""
    out = []
    while data:
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        n = next(int(x.split(b":", 1)[1]) for x in lines[1:] if x.lower().startswith(b"content-length:"))
        out.append((int(lines[0].split()[1]), head, rest[:n]))
        data = rest[n:]
    return out


def translated(body: bytes) -> bool:
    return b'"TargetText"' in body and b'"Error"' not in body


def test_chunked_body_is_signed_and_served(mock: MockProcess) -> None:
    req = build(mock, "tc3-post", TEXT)
    out = exchange(mock, wire(req, chunked=True, extra=b"Connection: close\r\n"))
    (status, _, body), = answers(out)
    assert status == 200 and translated(body), out[:400]


def test_pipelined_requests_are_answered_in_order(mock: MockProcess) -> None:
    reqs = [build(mock, "tc3-post", {**TEXT, "SourceText": f"n{i}"}) for i in range(3)]
    data = wire(reqs[0]) + wire(reqs[1], chunked=True) + SMUGGLED.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n")
    res = answers(exchange(mock, data))
    assert [s for s, _, _ in res] == [200, 200, 200], res
    assert b"N0" in res[0][2] and b"N1" in res[1][2] and b'"status"' in res[2][2], res


def test_delayed_answer_keeps_pipelined_order(mock: MockProcess) -> None:
    slow = build(mock, "tc3-post", {**TEXT, "SourceText": "first @mock:delay=300"})
    fast = build(mock, "tc3-post", {**TEXT, "SourceText": "second"})
    res = answers(exchange(mock, wire(slow) + wire(fast, extra=b"Connection: close\r\n")))
    assert [s for s, _, _ in res] == [200, 200]
    assert b"FIRST" in res[0][2] and b"SECOND" in res[1][2], res


def test_expect_100_continue(mock: MockProcess) -> None:
    req = build(mock, "tc3-post", TEXT)
    data = wire(req, extra=b"Expect: 100-continue\r\nConnection: close\r\n")
    head, _, body = data.partition(b"\r\n\r\n")
    with socket.create_connection((mock.host, mock.port), timeout=5) as s:
        s.sendall(head + b"\r\n\r\n")
        s.settimeout(5)
        first = s.recv(4096)
        assert first == b"HTTP/1.1 100 Continue\r\n\r\n", first
        s.sendall(body)
        out = b""
        while chunk := s.recv(65536):
            out += chunk
    (status, _, b), = answers(out)
    assert status == 200 and translated(b), out[:300]


def test_connection_close_and_http10(mock: MockProcess) -> None:
    for line in (b"GET /_mock/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                 b"GET /_mock/health HTTP/1.0\r\nHost: x\r\n\r\n"):
        out = exchange(mock, line + SMUGGLED)
        assert out.startswith(b"HTTP/1.1 200") and out.count(b"HTTP/1.1 ") == 1, out
        assert b"\r\nConnection: close\r\n" in out


def test_empty_lines_before_a_request_are_ignored(mock: MockProcess) -> None:
    out = exchange(mock, b"\r\n\r\nGET /_mock/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 200"), out


def test_request_in_pieces(mock: MockProcess) -> None:
    """A request written a few bytes at a time is read whole."""
    req = build(mock, "tc3-post", TEXT)
    data = wire(req, chunked=True, extra=b"Connection: close\r\n")
    with socket.create_connection((mock.host, mock.port), timeout=5) as s:
        for i in range(0, len(data), 7):
            s.sendall(data[i:i + 7])
            time.sleep(0.002)
        s.settimeout(5)
        out = b""
        while chunk := s.recv(65536):
            out += chunk
    (status, _, body), = answers(out)
    assert status == 200 and translated(body), out[:300]


# ---------------------------------------------------------------- the differential corpus


def corpus(kind: str) -> list[Path]:
    return sorted(p for p in (CORPUS / kind).iterdir() if p.is_file() and not p.name.startswith("."))


@pytest.mark.parametrize("path", corpus("accept"), ids=lambda p: p.name)
def test_corpus_accepted(mock: MockProcess, path: Path) -> None:
    """Each captured request is read as one request and answered (not 4xx by the front)."""
    data = path.read_bytes()
    out = exchange(mock, data + b"GET /_mock/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    res = answers(out)
    if data.split(b"\r\n", 1)[0].endswith(b"HTTP/1.0"):     # closed after its answer
        assert len(res) == 1, out[:400]
    else:
        assert len(res) == 2 and res[1][0] == 200, out[:400]
    assert b"text/plain" not in res[0][1], f"the front refused it: {out[:300]!r}"


@pytest.mark.parametrize("path", corpus("refuse"), ids=lambda p: p.name)
def test_corpus_refused(mock: MockProcess, path: Path) -> None:
    data = path.read_bytes()
    status = int(path.name.split("-", 1)[0]) if path.name[:3].isdigit() else 400
    assert_refused(mock, data + SMUGGLED, status)
