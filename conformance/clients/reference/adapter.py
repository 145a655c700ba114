#!/usr/bin/env python3
"""The reference client of the conformance suite: a TMT client that does everything right.

It is the suite's yardstick (docs/conformance.md, The clients): every scenario must grade PASS
against it. Python standard library only; the signing functions are the harness's own
(conformance/harness/signer.py), so the client cannot drift from the signer the mock
is tested with.

Protocol (docs/conformance.md, Adapter protocol): newline-delimited JSON on stdin, one answer per
message on stdout, logs on stderr. The same loop serves one-shot mode (one `run`
line, then EOF).

What the client does, per `run`:

* signs with TC3-HMAC-SHA256 (POST: compact JSON body; GET: flattened params in the
  query) or v1 HmacSHA1/HmacSHA256 (POST form body or GET query, params flattened
  as Name.0 / Name.Field); host = the endpoint's host:port, service `tmt`, scope date
  = UTC date of the timestamp; X-TC-Token / Token and X-TC-Language / Language when given;
* each attempt is signed afresh (new timestamp, new v1 Nonce): it never resends the
  same signed bytes;
* timeout: options.timeout_ms is the budget of each attempt, from connect to the last
  body byte (a watchdog closes the socket when it runs out, so a dribbled body cannot
  stretch it);
* retries, at most options.max_attempts attempts in all, with a growing delay
  (100 ms, 200 ms, 400 ms, ...), only for
    - throttling: RequestLimitExceeded, RequestLimitExceeded.*, LimitExceeded.LimitedAccessFrequency
    - transient server errors: InternalError, InternalError.*, ResourceUnavailable,
      ResourceInsufficient, ServiceUnavailable, FailedOperation (bare, not FailedOperation.*)
    - transport failures: network, timeout, parse, any HTTP status other than 200;
  never for any other API error (client errors cannot heal);
* AuthFailure.SignatureExpire: if the HTTP `Date` header shows a server clock that
  differs from ours by more than a minute, it re-signs once with that clock (a MAY of
  docs/conformance.md, Expectations by class); otherwise it reports the error (re-signing with the same clock could only
  resend the same bytes within the same second);
* classifies failures:
    api      HTTP 200, JSON, Response.Error.Code present: code, message, request_id
    network  refused, reset, closed without an answer, truncated body, and any HTTP
             status other than 200 (an HTML 502/503/504 from a gateway, or a JSON error
             envelope with status 500: the gateway's answer, not the API's; the
             envelope's code and RequestId, if any, are kept in the error as extra fields)
    timeout  the attempt's budget ran out
    parse    HTTP 200 but the body is not JSON, has no `Response` object, no
             `RequestId`, or an `Error` without a string `Code`
  the error reported is that of the last attempt;
* on success returns the whole `Response` object as received: every field, unknown
  ones included, big integers exact (json's int is arbitrary precision).

Subclasses (the miniatures in ../mini-*) change one behaviour each by overriding a
method or a class attribute of ReferenceClient; `serve()` runs any of them.
"""
from __future__ import annotations

import email.utils
import http.client
import json
import os
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

CONFORMANCE = Path(__file__).resolve().parents[2]
if str(CONFORMANCE) not in sys.path:
    sys.path.insert(0, str(CONFORMANCE))

from harness import signer as S  # noqa: E402  (the harness's reference signer)
from clients import adapterkit  # noqa: E402  (the protocol loop of every Python adapter)

PROTOCOL = 1
VERSION = "1.0.0"

ACTIONS = [
    "TextTranslate", "TextTranslateBatch", "LanguageDetect", "SpeechTranslate",
    "ImageTranslate", "ImageTranslateLLM", "FileTranslate", "GetFileTranslate",
]
SIGN_METHODS = ["TC3-HMAC-SHA256", "HmacSHA256", "HmacSHA1"]
CAPABILITIES = [
    *ACTIONS,
    *(f"sign:{s}" for s in SIGN_METHODS),
    "method:POST", "method:GET",
    "retry", "timeout", "token", "language", "custom_action", "raw_params",
]

DEFAULTS: dict[str, Any] = {
    "sign_method": "TC3-HMAC-SHA256", "method": "POST", "timeout_ms": 2000,
    "max_attempts": 3, "language": None,
}

THROTTLED_EXACT = {"RequestLimitExceeded", "LimitExceeded.LimitedAccessFrequency"}
THROTTLED_PREFIX = ("RequestLimitExceeded.",)
TRANSIENT_EXACT = {"InternalError", "ResourceUnavailable", "ResourceInsufficient",
                   "ServiceUnavailable", "FailedOperation"}
TRANSIENT_PREFIX = ("InternalError.",)
EXPIRED = "AuthFailure.SignatureExpire"
# A server clock this far from ours explains a SignatureExpire (the window is 300 s).
SKEW_THRESHOLD_S = 60


def log(*parts: Any) -> None:
    print("reference adapter:", *parts, file=sys.stderr, flush=True)


def retryable_code(code: str | None) -> bool:
    """Throttled or transient: the codes docs/conformance.md says may heal."""
    if not code:
        return False
    return (code in THROTTLED_EXACT or code.startswith(THROTTLED_PREFIX)
            or code in TRANSIENT_EXACT or code.startswith(TRANSIENT_PREFIX))


# ---------------------------------------------------------------- one call


@dataclass
class Call:
    """A `run` message, with the defaults filled in."""

    seq: Any
    endpoint: str
    host: str                 # host:port, the Host header and the signed host
    conn_host: str
    conn_port: int
    region: str | None
    credentials: S.Credentials
    action: str
    params: dict[str, Any]
    sign_method: str
    method: str
    timeout_s: float
    max_attempts: int
    language: str | None

    @classmethod
    def of(cls, msg: dict[str, Any]) -> "Call":
        opts = dict(DEFAULTS)
        opts.update({k: v for k, v in (msg.get("options") or {}).items() if v is not None})
        endpoint = str(msg.get("endpoint") or "")
        split = urlsplit(endpoint if "://" in endpoint else "http://" + endpoint)
        if split.scheme not in ("http", ""):
            raise ValueError(f"only http:// endpoints are supported, not {endpoint!r}")
        port = split.port or 80
        creds = msg.get("credentials") or {}
        timeout_ms = opts.get("timeout_ms")
        return cls(
            seq=msg.get("seq"),
            endpoint=endpoint,
            host=split.netloc,
            conn_host=split.hostname or "127.0.0.1",
            conn_port=port,
            region=msg.get("region"),
            credentials=S.Credentials(str(creds.get("secret_id") or ""),
                                      str(creds.get("secret_key") or ""),
                                      creds.get("token")),
            action=str(msg.get("action")),
            params=msg.get("params") if isinstance(msg.get("params"), dict) else {},
            sign_method=str(opts["sign_method"]),
            method=str(opts["method"]).upper(),
            timeout_s=(float(timeout_ms) / 1000.0) if timeout_ms else 60.0,
            max_attempts=max(1, int(opts.get("max_attempts") or 1)),
            language=opts.get("language"),
        )


@dataclass
class Outcome:
    """What one attempt got. kind: ok | api | network | timeout | parse."""

    kind: str
    response: dict[str, Any] | None = None
    code: str | None = None
    message: str = ""
    request_id: str | None = None
    status: int | None = None
    date: str | None = None           # the HTTP Date header, if any
    extra: dict[str, Any] = field(default_factory=dict)

    def result(self) -> dict[str, Any]:
        """The protocol's `result` object."""
        if self.kind == "ok":
            return {"ok": True, "response": self.response}
        error: dict[str, Any] = {"kind": self.kind, "code": self.code if self.kind == "api" else None,
                                 "message": self.message, "request_id": self.request_id}
        error.update(self.extra)
        return {"ok": False, "error": error}


class _Watchdog:
    """Shuts a socket down when the attempt's time is up, whatever it is blocked on."""

    def __init__(self, sock: socket.socket, seconds: float) -> None:
        self.fired = False
        self._sock = sock
        self._timer = threading.Timer(max(seconds, 0.0), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        self.fired = True
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def cancel(self) -> None:
        self._timer.cancel()


@dataclass
class RawAnswer:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None


def http_send(call: Call, req: S.HttpRequest, timeout_s: float) -> RawAnswer | Outcome:
    """One HTTP exchange within timeout_s (connect to last body byte). Answers the raw
    answer, or the failing Outcome (network / timeout)."""
    deadline = time.monotonic() + timeout_s
    conn = http.client.HTTPConnection(call.conn_host, call.conn_port, timeout=timeout_s)
    dog: _Watchdog | None = None
    try:
        try:
            conn.connect()
        except (socket.timeout, TimeoutError):
            return Outcome("timeout", message=f"connect: no answer within {timeout_s:.3f} s")
        except OSError as e:
            return Outcome("network", message=f"connect: {type(e).__name__}: {e}")
        assert conn.sock is not None
        dog = _Watchdog(conn.sock, deadline - time.monotonic())
        try:
            conn.putrequest(req.method, req.target, skip_host=True, skip_accept_encoding=True)
            for name, value in req.headers:
                conn.putheader(name, value)
            if req.body or req.method not in ("GET", "HEAD"):
                conn.putheader("Content-Length", str(len(req.body)))
            conn.endheaders(req.body or None)
            resp = conn.getresponse()
            body = resp.read()
            return RawAnswer(resp.status, resp.reason, list(resp.getheaders()), body)
        except (socket.timeout, TimeoutError) as e:
            return Outcome("timeout", message=f"no complete answer within {timeout_s:.3f} s ({type(e).__name__})")
        except (http.client.HTTPException, OSError) as e:
            if dog.fired:
                return Outcome("timeout", message=f"no complete answer within {timeout_s:.3f} s")
            what = {
                "RemoteDisconnected": "connection closed without an answer",
                "IncompleteRead": "answer cut short (truncated body)",
                "ConnectionResetError": "connection reset",
                "BrokenPipeError": "connection closed while sending",
                "BadStatusLine": "not an HTTP answer",
            }.get(type(e).__name__, "transport failure")
            detail = str(e) if not isinstance(e, http.client.IncompleteRead) else \
                f"{len(e.partial)} bytes read, {e.expected} more expected"
            return Outcome("network", message=f"{what}: {type(e).__name__}: {detail}")
    finally:
        if dog is not None:
            dog.cancel()
        conn.close()


def interpret(ans: RawAnswer) -> Outcome:
    """The Outcome of a complete HTTP answer."""
    date = ans.header("Date")
    text: str | None
    try:
        text = ans.body.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    doc: Any = None
    if text is not None:
        try:
            doc = json.loads(text)
        except ValueError:
            doc = None
    resp = doc.get("Response") if isinstance(doc, dict) else None

    if ans.status != 200:
        # A gateway's answer (HTML 5xx) or an envelope with a non-200 status: transport-level.
        out = Outcome("network", status=ans.status, date=date,
                      message=f"HTTP {ans.status} {ans.reason}: {_snippet(ans.body)}")
        if isinstance(resp, dict):
            err = resp.get("Error") if isinstance(resp.get("Error"), dict) else {}
            out.request_id = resp.get("RequestId") if isinstance(resp.get("RequestId"), str) else None
            if isinstance(err.get("Code"), str):
                out.extra["api_code"] = err["Code"]
                out.extra["api_message"] = err.get("Message")
        out.extra["http_status"] = ans.status
        return out
    if text is None:
        return Outcome("parse", status=200, date=date, message="body is not UTF-8")
    if doc is None:
        return Outcome("parse", status=200, date=date, message=f"body is not JSON: {_snippet(ans.body)}")
    if not isinstance(resp, dict):
        return Outcome("parse", status=200, date=date, message=f"no `Response` object in the body: {_snippet(ans.body)}")
    rid = resp.get("RequestId")
    err = resp.get("Error")
    if err is not None:
        if not isinstance(err, dict) or not isinstance(err.get("Code"), str) or not err.get("Code"):
            return Outcome("parse", status=200, date=date, request_id=rid if isinstance(rid, str) else None,
                           message=f"`Response.Error` without a `Code`: {_snippet(ans.body)}")
        if not isinstance(rid, str):
            return Outcome("parse", status=200, date=date,
                           message=f"error {err['Code']} without a `RequestId`: {_snippet(ans.body)}",
                           extra={"api_code": err["Code"], "api_message": err.get("Message")})
        msg = err.get("Message")
        return Outcome("api", code=err["Code"], message=msg if isinstance(msg, str) else "",
                       request_id=rid, status=200, date=date)
    if not isinstance(rid, str):
        return Outcome("parse", status=200, date=date, message=f"`Response` without a `RequestId`: {_snippet(ans.body)}")
    return Outcome("ok", response=resp, request_id=rid, status=200, date=date)


def _snippet(body: bytes, n: int = 200) -> str:
    text = body[:n].decode("utf-8", "replace")
    return text + ("..." if len(body) > n else "")


def server_clock(date_header: str | None) -> float | None:
    """The server's clock from an HTTP Date header (seconds since the epoch)."""
    if not date_header:
        return None
    try:
        return email.utils.parsedate_to_datetime(date_header).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


# ---------------------------------------------------------------- the client


class ReferenceClient:
    """The well-behaved client. The miniatures override one knob or method each."""

    name = "reference"
    version = VERSION
    language = "python"
    capabilities = CAPABILITIES

    retry_enabled = True          # retry throttled / transient / transport failures
    unbounded = False             # ignore max_attempts (bounded by the caps below instead)
    attempts_cap = 20             # hard caps of unbounded retrying
    time_cap_s = 5.0
    backoff_base_s = 0.1          # delay before retry n (1-based): base * 2**(n-1)
    resign_on_expire = True       # re-sign once with the server clock on SignatureExpire

    # ------------------------------------------------------------ protocol

    def info(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "language": self.language,
                "capabilities": list(self.capabilities)}

    def run(self, msg: dict[str, Any]) -> dict[str, Any]:
        """The answer to a `run` message (without its seq)."""
        call = Call.of(msg)
        return {"result": self.call(call).result()}

    # ------------------------------------------------------------ signing

    def timestamp(self, offset_s: float) -> int:
        return int(time.time() + offset_s)

    def signed_host(self, call: Call) -> str:
        """The host the signature covers: the Host header sent (host:port)."""
        return call.host

    def sign(self, call: Call, timestamp: int) -> S.HttpRequest:
        """The signed request of one attempt: TC3 (POST: compact JSON body; GET: the
        params flattened into the query) or v1 (params flattened, form body or query)."""
        if call.sign_method == "TC3-HMAC-SHA256":
            signer = S.Tc3Signer(
                credentials=call.credentials, host=call.host, action=call.action,
                region=call.region, timestamp=timestamp, language=call.language,
                service="tmt", signed_host=self.signed_host(call))
            if call.method == "GET":
                return signer.get(query=urlencode(list(S.flatten(call.params).items()))).request
            return signer.sign(call.method, "", S.compact_json(call.params)).request
        v1 = S.V1Signer(
            credentials=call.credentials, host=call.host, action=call.action,
            region=call.region, timestamp=timestamp, signature_method=call.sign_method,
            language=call.language, signed_host=self.signed_host(call))
        return v1.sign(call.method, call.params).request

    # ------------------------------------------------------------ attempts

    def attempt(self, call: Call, offset_s: float) -> Outcome:
        req = self.sign(call, self.timestamp(offset_s))
        got = http_send(call, req, call.timeout_s)
        return got if isinstance(got, Outcome) else interpret(got)

    def should_retry(self, out: Outcome) -> bool:
        if out.kind in ("network", "timeout", "parse"):
            return True
        return out.kind == "api" and retryable_code(out.code)

    def delay_s(self, retry: int) -> float:
        """The pause before retry number `retry` (1 = the second attempt)."""
        return self.backoff_base_s * (2 ** (retry - 1))

    def may_continue(self, call: Call, attempts: int, started: float) -> bool:
        if not self.retry_enabled:
            return False
        if self.unbounded:
            return attempts < self.attempts_cap and time.monotonic() - started < self.time_cap_s
        return attempts < call.max_attempts

    def clock_correction(self, out: Outcome) -> float | None:
        """The offset to add to our clock after a SignatureExpire, or None."""
        if not self.resign_on_expire or out.kind != "api" or out.code != EXPIRED:
            return None
        server = server_clock(out.date)
        if server is None:
            return None
        skew = server - time.time()
        return skew if abs(skew) > SKEW_THRESHOLD_S else None

    def call(self, call: Call) -> Outcome:
        started = time.monotonic()
        offset = 0.0
        resigned = False
        attempts = 0
        while True:
            out = self.attempt(call, offset)
            attempts += 1
            if out.kind == "ok":
                return out
            if not resigned:
                skew = self.clock_correction(out)
                if skew is not None:
                    resigned = True
                    offset = skew
                    log(f"seq {call.seq}: SignatureExpire, server clock {skew:+.0f} s from ours: re-signing")
                    continue
            if not self.should_retry(out) or not self.may_continue(call, attempts, started):
                return out
            time.sleep(self.delay_s(attempts))


# ---------------------------------------------------------------- the loop


def serve(client: ReferenceClient) -> int:
    """The adapter loop on stdin/stdout until `stop` or EOF."""
    log(f"{client.name} {client.version}, python {sys.version.split()[0]}, pid {os.getpid()}")
    return adapterkit.serve(client.info, client.run)


def main(client: ReferenceClient | None = None) -> int:
    return serve(client or ReferenceClient())


if __name__ == "__main__":
    sys.exit(main())
