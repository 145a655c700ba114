"""Transport faults (docs/faults.md) seen on the wire by a raw socket client.

The client speaks HTTP/1.1 by hand over the socket module, with a request signed by the
harness's reference signer, and records every byte with the time it arrived, the EOF and
the socket error, so a fault cannot hide behind a forgiving HTTP library. Each of the
twelve fault names is produced by a fault rule (scoped to the test's own account) and by a
magic value in SourceText; after each fault the mock must still serve.

Timings are generous (a 2-core machine under load): a 1500 ms delay must not answer before
1450 ms; a concurrent request must answer within 700 ms.
"""
from __future__ import annotations

import json
import socket
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import pytest

from harness.admin import Admin
from harness.mockproc import ROOT, MockProcess
from harness.signer import Credentials, HttpRequest
from harness.wire import TEXT, UUID_RE, build

FAULTS = [
    "reset", "close", "truncate", "not_json", "html_502", "html_503", "html_504", "slow_body",
    "error_status_500", "charset_content_type", "no_request_id", "no_response",
]
VIA = ["rule", "magic"]
DELAY_MS = 1500
SLOW_MS = 1500          # slow_body spread over this (rule delay_ms / magic @mock:delay)
EARLY_S = 0.6           # "at once" on a loaded 2-core machine
HTML_REASONS = {502: "Bad Gateway", 503: "Service Temporarily Unavailable", 504: "Gateway Time-out"}


# ---------------------------------------------------------------- a raw HTTP/1.1 client


@dataclass
class Raw:
    """What came back on one connection, byte for byte."""

    sent_at: float
    chunks: list[tuple[float, bytes]] = field(default_factory=list)   # (seconds after send, bytes)
    eof: bool = False
    error: BaseException | None = None
    head: bytes = b""
    status: int = 0
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    body_times: list[tuple[float, int]] = field(default_factory=list)  # (seconds, body bytes in that recv)
    head_time: float | None = None

    @property
    def data(self) -> bytes:
        return b"".join(c for _, c in self.chunks)

    def header(self, name: str) -> str | None:
        vals = [v for k, v in self.headers if k.lower() == name.lower()]
        assert len(vals) <= 1, f"{name} sent {len(vals)} times: {self.headers}"
        return vals[0] if vals else None

    @property
    def content_length(self) -> int | None:
        v = self.header("Content-Length")
        return int(v) if v is not None else None

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))

    def describe(self) -> str:
        return f"status={self.status} eof={self.eof} error={self.error!r} data={self.data[:400]!r}"


def wire_bytes(req: HttpRequest) -> bytes:
    lines = [f"{req.method} {req.target} HTTP/1.1"]
    lines += [f"{k}: {v}" for k, v in req.headers]
    lines.append(f"Content-Length: {len(req.body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + req.body


def open_and_send(mock: MockProcess, req: HttpRequest, timeout: float = 10.0) -> tuple[socket.socket, float]:
    s = socket.create_connection((mock.host, mock.port), timeout=timeout)
    s.sendall(wire_bytes(req))
    return s, time.monotonic()


def read_answer(s: socket.socket, sent_at: float) -> Raw:
    """Reads one answer: the head, then Content-Length bytes of body, or up to EOF or a
    socket error. Never waits for EOF once the announced body is complete (keep-alive)."""
    r = Raw(sent_at)
    buf = b""
    try:
        while True:
            b = s.recv(65536)
            t = time.monotonic() - sent_at
            if not b:
                r.eof = True
                break
            r.chunks.append((t, b))
            buf += b
            if r.head_time is None and b"\r\n\r\n" in buf:
                r.head_time = t
                head, rest = buf.split(b"\r\n\r\n", 1)
                r.head = head
                status_line, *hdr_lines = head.decode("latin-1").split("\r\n")
                assert status_line.startswith("HTTP/1.1 "), status_line
                r.status = int(status_line.split()[1])
                r.headers = [tuple(x.strip() for x in line.split(":", 1)) for line in hdr_lines]  # type: ignore[misc]
                if rest:
                    r.body_times.append((t, len(rest)))
                r.body = rest
            elif r.head_time is not None:
                r.body_times.append((t, len(b)))
                r.body += b
            if r.head_time is not None and r.content_length is not None and len(r.body) >= r.content_length:
                break
    except OSError as e:  # ConnectionResetError, socket.timeout
        r.error = e
    finally:
        s.close()
    return r


def exchange(mock: MockProcess, req: HttpRequest, timeout: float = 10.0) -> Raw:
    s, t0 = open_and_send(mock, req, timeout)
    return read_answer(s, t0)


# ---------------------------------------------------------------- fixtures and helpers






def text(source_text: str) -> dict[str, Any]:
    return {**TEXT, "SourceText": source_text}


def faulty_request(mock: MockProcess, adm: Admin, creds: Credentials, via: str, fault: str,
                   delay_ms: int = 0) -> HttpRequest:
    """A signed TextTranslate of "hello" that gets `fault`: by a one-shot rule on the account,
    or by a magic value (and @mock:delay for delay_ms)."""
    if via == "rule":
        rule: dict[str, Any] = {"match": {"secret_id": creds.secret_id}, "fault": fault, "times": 1}
        if delay_ms:
            rule["delay_ms"] = delay_ms
        adm.add_fault(**rule)
        return build(mock, "tc3-post", text("hello"), creds=creds)
    marker = f"@mock:fault={fault}" + (f" @mock:delay={delay_ms}" if delay_ms else "")
    return build(mock, "tc3-post", text(f"{marker} hello"), creds=creds)


def assert_still_serving(mock: MockProcess, creds: Credentials) -> None:
    """A plain request on a new connection succeeds after the fault."""
    r = exchange(mock, build(mock, "tc3-post", text("still here"), creds=creds))
    assert r.error is None and r.status == 200, r.describe()
    inner = r.json()["Response"]
    assert inner.get("UsedAmount") == len("still here") and UUID_RE.match(inner["RequestId"]), inner


def assert_not_json(body: bytes) -> None:
    with pytest.raises(ValueError):
        json.loads(body.decode("utf-8"))


def success_inner(r: Raw) -> dict[str, Any]:
    doc = r.json()
    inner = doc["Response"]
    assert "Error" not in inner, inner
    assert inner.get("TargetText") and inner.get("UsedAmount") == len("hello"), inner
    return inner


# ---------------------------------------------------------------- what each fault looks like


def check_reset(r: Raw) -> None:
    assert isinstance(r.error, ConnectionResetError), f"expected an RST (ECONNRESET): {r.describe()}"
    assert r.data == b"", r.describe()


def check_close(r: Raw) -> None:
    assert r.error is None and r.eof, f"expected a FIN: {r.describe()}"
    assert r.data == b"", r.describe()


def check_truncate(r: Raw) -> None:
    assert r.error is None, r.describe()
    assert r.status == 200 and r.header("Content-Type") == "application/json", r.describe()
    n = r.content_length
    assert n is not None and n > 0, r.headers
    assert r.eof, f"expected EOF after the cut body: {r.describe()}"
    assert 0 < len(r.body) < n, (len(r.body), n)
    # The announced length is the full answer's; what came is its start.
    assert r.body.startswith(b'{"Response":{'), r.body
    assert_not_json(r.body)


def check_not_json(r: Raw) -> None:
    assert r.error is None and r.status == 200, r.describe()
    assert len(r.body) == r.content_length and r.body, r.describe()
    assert_not_json(r.body)


def check_html(status: int) -> Callable[[Raw], None]:
    def check(r: Raw) -> None:
        assert r.error is None and r.status == status, r.describe()
        assert r.header("Content-Type") == "text/html", r.headers
        assert len(r.body) == r.content_length, r.describe()
        html = r.body.decode("utf-8")
        assert html.lstrip().lower().startswith("<html") and "</html>" in html.lower(), html
        assert f"{status} {HTML_REASONS[status]}" in html, html
        assert_not_json(r.body)
    return check


def check_slow_body(r: Raw, spread_ms: int = SLOW_MS) -> None:
    assert r.error is None and r.status == 200, r.describe()
    assert r.header("Content-Type") == "application/json"
    assert len(r.body) == r.content_length, f"incomplete slow body: {r.describe()}"
    success_inner(r)
    assert r.head_time is not None and r.head_time < EARLY_S, f"head after {r.head_time:.3f}s"
    first, last = r.body_times[0][0], r.body_times[-1][0]
    assert first < EARLY_S, f"first body byte after {first:.3f}s"
    assert last >= spread_ms / 1000 * 0.8, f"last body byte after {last:.3f}s, expected ~{spread_ms} ms"
    assert last < spread_ms / 1000 + 3, f"last body byte after {last:.3f}s"
    assert len(r.body_times) >= 4, f"body in {len(r.body_times)} pieces: {r.body_times}"


def check_error_500(r: Raw) -> None:
    assert r.error is None and r.status == 500, r.describe()
    assert r.header("Content-Type") == "application/json", r.headers
    inner = r.json()["Response"]
    assert set(inner) == {"Error", "RequestId"}, inner
    assert inner["Error"]["Code"] == "InternalError" and inner["Error"]["Message"], inner
    assert UUID_RE.match(inner["RequestId"]), inner


def check_charset(r: Raw) -> None:
    assert r.error is None and r.status == 200, r.describe()
    assert r.header("Content-Type") == "application/json; charset=utf-8", r.headers
    inner = success_inner(r)
    assert UUID_RE.match(inner["RequestId"]), inner


def check_no_request_id(r: Raw) -> None:
    assert r.error is None and r.status == 200, r.describe()
    assert r.header("Content-Type") == "application/json", r.headers
    inner = success_inner(r)
    assert "RequestId" not in inner, inner
    assert set(inner) == {"TargetText", "Source", "Target", "UsedAmount"}, inner


def check_no_response(r: Raw) -> None:
    assert r.error is None and r.status == 200, r.describe()
    assert r.header("Content-Type") == "application/json", r.headers
    doc = r.json()
    assert isinstance(doc, dict) and "Response" not in doc, doc


CHECKS: dict[str, Callable[[Raw], None]] = {
    "reset": check_reset, "close": check_close, "truncate": check_truncate, "not_json": check_not_json,
    "html_502": check_html(502), "html_503": check_html(503), "html_504": check_html(504),
    "slow_body": check_slow_body, "error_status_500": check_error_500, "charset_content_type": check_charset,
    "no_request_id": check_no_request_id, "no_response": check_no_response,
}
assert sorted(CHECKS) == sorted(FAULTS)


# ---------------------------------------------------------------- every fault, by rule and by magic


@pytest.mark.parametrize("via", VIA)
@pytest.mark.parametrize("fault", FAULTS)
def test_fault_on_the_wire(mock: MockProcess, adm: Admin, creds: Credentials, fault: str, via: str) -> None:
    delay = SLOW_MS if fault == "slow_body" else 0
    r = exchange(mock, faulty_request(mock, adm, creds, via, fault, delay))
    CHECKS[fault](r)
    # The journal names the fault it applied (and the rule, for a rule).
    entry = adm.journal(secret_id=creds.secret_id)["entries"][-1]
    assert entry["fault"] == fault, entry
    assert (entry["rule_id"] is not None) == (via == "rule"), entry
    assert entry["params"]["SourceText"] == "hello", entry
    assert_still_serving(mock, creds)


def test_rule_fault_fires_only_times(mock: MockProcess, adm: Admin, creds: Credentials) -> None:
    adm.add_fault(match={"secret_id": creds.secret_id}, fault="close", times=2, after=1)
    got = []
    for _ in range(4):
        r = exchange(mock, build(mock, "tc3-post", creds=creds))
        got.append("close" if r.eof and not r.data else r.status)
    assert got == [200, "close", "close", 200], got


def test_slow_body_default_spread_is_two_seconds(mock: MockProcess, adm: Admin, creds: Credentials) -> None:
    r = exchange(mock, build(mock, "tc3-post", text("@mock:fault=slow_body hello"), creds=creds))
    check_slow_body(r, spread_ms=2000)


@pytest.mark.parametrize("fault", ["error_status_500", "charset_content_type", "no_request_id"])
def test_magic_fault_with_magic_error(mock: MockProcess, creds: Credentials, fault: str) -> None:
    """An error and a fault in one text: the error's envelope, shaped by the fault."""
    r = exchange(mock, build(mock, "tc3-post", text(f"@mock:fault={fault} @mock:error=ResourceUnavailable hi"),
                             creds=creds, language="en-US"))
    assert r.error is None, r.describe()
    assert r.status == (500 if fault == "error_status_500" else 200), r.describe()
    ctype = "application/json; charset=utf-8" if fault == "charset_content_type" else "application/json"
    assert r.header("Content-Type") == ctype, r.headers
    inner = r.json()["Response"]
    assert inner["Error"] == {"Code": "ResourceUnavailable", "Message": "The resource is unavailable."}, inner
    assert ("RequestId" in inner) == (fault != "no_request_id"), inner


def test_pre_auth_fault_hits_an_unsigned_request(mock: MockProcess, adm: Admin, creds: Credentials) -> None:
    adm.add_fault(match={"secret_id": creds.secret_id}, fault="reset", stage="pre_auth")
    bad = build(mock, "tc3-post", creds=Credentials(creds.secret_id, "not-the-key"))
    check_reset(exchange(mock, bad))
    # Without the rule the same request is refused by the signature check.
    r = exchange(mock, bad)
    assert r.status == 200 and r.json()["Response"]["Error"]["Code"] == "AuthFailure.SignatureFailure", r.describe()


# ---------------------------------------------------------------- delays


@pytest.mark.parametrize("via", VIA)
def test_delay_holds_the_answer(mock: MockProcess, adm: Admin, creds: Credentials, via: str) -> None:
    if via == "rule":
        adm.add_fault(match={"secret_id": creds.secret_id}, delay_ms=DELAY_MS)
        req = build(mock, "tc3-post", text("hello"), creds=creds)
    else:
        req = build(mock, "tc3-post", text(f"@mock:delay={DELAY_MS} hello"), creds=creds)
    r = exchange(mock, req)
    assert r.error is None and r.status == 200, r.describe()
    assert r.head_time is not None and r.head_time >= DELAY_MS / 1000 - 0.05, f"answered after {r.head_time:.3f}s"
    assert r.head_time < DELAY_MS / 1000 + 3, f"answered after {r.head_time:.3f}s"
    assert len(r.body) == r.content_length
    success_inner(r)
    entry = adm.journal(secret_id=creds.secret_id)["entries"][-1]
    assert entry["delay_ms"] == DELAY_MS and entry["error_code"] is None, entry


def test_delayed_error_and_delayed_fault(mock: MockProcess, adm: Admin, creds: Credentials) -> None:
    adm.add_fault(match={"secret_id": creds.secret_id}, error="InternalError.BackendTimeout", delay_ms=DELAY_MS)
    s, t0 = open_and_send(mock, build(mock, "tc3-post", creds=creds))
    r = read_answer(s, t0)
    assert r.head_time is not None and r.head_time >= DELAY_MS / 1000 - 0.05, r.head_time
    assert r.json()["Response"]["Error"]["Code"] == "InternalError.BackendTimeout", r.describe()
    r = exchange(mock, build(mock, "tc3-post", text(f"@mock:delay={DELAY_MS} @mock:fault=reset hi"), creds=creds))
    check_reset(r)
    assert time.monotonic() - r.sent_at >= DELAY_MS / 1000 - 0.05
    assert_still_serving(mock, creds)


@pytest.mark.parametrize("via", VIA)
def test_delay_does_not_hold_other_connections(mock: MockProcess, adm: Admin, creds: Credentials, via: str) -> None:
    slow_ms = 2000
    if via == "rule":
        adm.add_fault(match={"secret_id": creds.secret_id}, delay_ms=slow_ms)
        slow_req = build(mock, "tc3-post", text("hello"), creds=creds)
    else:
        slow_req = build(mock, "tc3-post", text(f"@mock:delay={slow_ms} hello"), creds=creds)
    other = adm.new_account()
    slow_sock, slow_t0 = open_and_send(mock, slow_req)
    time.sleep(0.1)       # the slow request is surely in the mock's hands
    fast = exchange(mock, build(mock, "tc3-post", text("quick"), creds=other))
    assert fast.error is None and fast.status == 200, fast.describe()
    assert fast.head_time is not None and fast.head_time < 0.7, f"concurrent answer after {fast.head_time:.3f}s"
    assert time.monotonic() - slow_t0 < slow_ms / 1000, "the slow request was answered first"
    slow = read_answer(slow_sock, slow_t0)
    assert slow.status == 200 and slow.head_time is not None and slow.head_time >= slow_ms / 1000 - 0.05, slow.describe()
    success_inner(slow)


def test_slow_body_does_not_hold_other_connections(mock: MockProcess, creds: Credentials) -> None:
    slow_sock, slow_t0 = open_and_send(mock, build(mock, "tc3-post", text("@mock:fault=slow_body hello"),
                                                   creds=creds))
    time.sleep(0.1)
    fast = exchange(mock, build(mock, "tc3-post", text("quick"), creds=creds))
    assert fast.status == 200 and fast.head_time is not None and fast.head_time < 0.7, fast.describe()
    check_slow_body(read_answer(slow_sock, slow_t0), spread_ms=2000)


# ---------------------------------------------------------------- the mock survives it all


def test_client_leaving_during_delay_and_slow_body(mock: MockProcess, creds: Credentials) -> None:
    """Clients that hang up while their answer is delayed or being dribbled."""
    for marker in ("@mock:delay=300", "@mock:fault=slow_body @mock:delay=600"):
        s, _ = open_and_send(mock, build(mock, "tc3-post", text(f"{marker} bye"), creds=creds))
        time.sleep(0.05)
        s.close()
    time.sleep(0.9)
    assert_still_serving(mock, creds)


def test_every_fault_then_a_clean_exit() -> None:
    """A mock of its own: every fault by rule and by magic, a client leaving mid-fault,
    answers still pending at SIGTERM; then it exits 0 (or by SIGTERM), with no sanitizer report."""
    m = MockProcess(["--fixtures", str(ROOT / "fixtures"), "--seed", "3", "--no-rate-limit"]).start()
    pending: list[socket.socket] = []
    try:
        adm = Admin.of(m)
        c = adm.new_account()
        for fault in FAULTS:
            for via in VIA:
                if fault == "slow_body":
                    check_slow_body(exchange(m, faulty_request(m, adm, c, via, fault, 300)), spread_ms=300)
                else:
                    CHECKS[fault](exchange(m, faulty_request(m, adm, c, via, fault)))
        assert_still_serving(m, c)
        # Left in flight at SIGTERM: a delayed answer and a dribbled one.
        pending = [open_and_send(m, build(m, "tc3-post", text(f"{mk} x"), creds=c))[0]
                   for mk in ("@mock:delay=5000", "@mock:fault=slow_body @mock:delay=5000",
                              "@mock:delay=5000 @mock:fault=truncate", "@mock:delay=5000 @mock:fault=reset")]
        time.sleep(0.3)
        pending.pop().close()   # one client gone before its answer is due
    finally:
        code = m.stop()
    for s in pending:
        s.close()
    stderr = "".join(m.stderr_lines)
    assert code in (0, -15), f"tmtmock exited {code}; stderr:\n{stderr}"
    assert "Sanitizer" not in stderr and "runtime error" not in stderr, stderr
