"""Grading: what a client answered and what the mock's journal saw -> differences -> verdict.

The expectations by class, with their names and levels, are docs/conformance.md,
Expectations by class. Every attempt also gets the wire checks (MUST).

    g = grade(scenario, answer, attempts, capabilities)
    g.verdict, g.differences, g.notes, g.skip_reason, g.error

``attempts`` are the journal entries of the scenario's call (precalls excluded); they are
put in the order they reached the mock (an entry is journaled when its answer is sent, so
a delayed one can carry a later seq: arrival = time - latency_us).

Where docs/conformance.md leaves a point open, this module decides (and the docstrings say so):

* a client claiming success in a class that expects an error is held to what the mock
  answered: ``no_false_success`` (MUST) when the last attempt was not a success, else
  ``fields_exact`` (MUST) as for the success class;
* ``attempted`` (MUST): at least one attempt reached the mock;
* ``fresh_signature`` (throttled, transient, transport retries): two TC3 attempts carrying
  the same signature and timestamp are a resend only when they reached the mock at least
  1.2 s apart (a fresh TC3 signature of the same request within the same second is the
  same bytes); for v1 (a fresh Nonce each time) any repeat is a resend. The clock class's
  ``no_replay`` (MUST) counts every repeat;
* ``backoff_grows``: the first gap at least 20 ms, and no later gap under half the one
  before less 50 ms (the gaps come from the journal on a loaded machine, so only a clear
  shrink counts; a constant delay passes);
* transport: a success is acceptable when the last attempt was answered cleanly (no fault,
  or only the charset Content-Type, within the client's timeout_ms), e.g. after the fault healed; an `api` error is an acceptable kind when the
  answer carried the JSON error envelope intact (no fault, charset, no RequestId, HTTP 500)
  and the code is the journal's.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterable

from .model import (AdapterAnswer, Difference, ErrorClass, Level, Scenario, Verdict,
                    verdict_of)

TMT_VERSION = "2018-03-21"
TIMESTAMP_WINDOW_S = 300
WIRE_CHECKS = ("signature", "action", "version", "region", "timestamp", "content_type")
TC3 = "TC3-HMAC-SHA256"
JSON_TYPE = "application/json"
FORM_TYPE = "application/x-www-form-urlencoded"
TRANSPORT_KINDS = ("network", "timeout", "parse")
# A fault after which the answer is still a well-formed API answer.
CLEAN_FAULTS = (None, "charset_content_type")
ENVELOPE_FAULTS = (None, "charset_content_type", "no_request_id", "error_status_500")
BACKOFF_MIN_FIRST_GAP_S = 0.020
BACKOFF_TOLERANCE_S = 0.050
RESEND_MIN_APART_S = 1.2
BASE_MARGIN_MS = 2000
REJECTED_LOCALLY_NOTE = ("rejected locally: the client validated the call and refused it before sending "
                         "(kind validation); nothing reached the mock")
NO_RETRY_NOTE = "no retry at all: the client has no retry (capability `retry` absent), so a fault that heals is not ridden out"


@dataclass
class Grade:
    verdict: Verdict
    differences: list[Difference] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skip_reason: str | None = None
    error: str | None = None


# ---------------------------------------------------------------- journal helpers


def arrival(entry: dict[str, Any]) -> float:
    """When the request reached the mock (mock clock, seconds)."""
    return float(entry.get("time") or 0.0) - float(entry.get("latency_us") or 0) / 1e6


def order_attempts(entries: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(entries, key=lambda e: (arrival(e), e.get("seq", 0)))


def body_doc(entry: dict[str, Any] | None) -> Any:
    """The answer body parsed as JSON, or None."""
    if not entry or not isinstance(entry.get("body"), str):
        return None
    try:
        return json.loads(entry["body"])
    except ValueError:
        return None


def response_of(entry: dict[str, Any] | None) -> dict[str, Any] | None:
    """The `Response` object of the answer body, or None (not JSON, no Response, cut)."""
    doc = body_doc(entry)
    if isinstance(doc, dict) and isinstance(doc.get("Response"), dict):
        return doc["Response"]
    return None


def error_of(entry: dict[str, Any] | None) -> dict[str, Any] | None:
    r = response_of(entry)
    if r is not None and isinstance(r.get("Error"), dict):
        return r["Error"]
    return None


def is_success(entry: dict[str, Any] | None, timeout_ms: int | None = None) -> bool:
    """The mock answered this attempt with a clean success the client may report (within
    ``timeout_ms``, when given: a success delayed past the client's timeout never reached it)."""
    if not entry:
        return False
    if timeout_ms is not None and float(entry.get("latency_us") or 0) / 1000.0 > timeout_ms:
        return False
    return (entry.get("error_code") is None and entry.get("fault") in CLEAN_FAULTS
            and entry.get("http_status") in (200, None) and response_of(entry) is not None
            and error_of(entry) is None)


def header(entry: dict[str, Any], name: str) -> Any:
    for k, v in (entry.get("headers") or {}).items():
        if k.lower() == name.lower():
            return v
    return None


# ---------------------------------------------------------------- comparing JSON values


def same(a: Any, b: Any) -> bool:
    """JSON equality without Python's coercions: true is not 1; numbers compare exactly
    (2**53 + 1 is not the float 2**53)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def field_diffs(server: Any, client: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    """(path, expected, got) for what the client returns differently from the server. Only
    what the client returns is compared (a field it drops is fine), recursively; a non-null
    field the server never sent is a difference."""
    if isinstance(server, dict) and isinstance(client, dict):
        out: list[tuple[str, Any, Any]] = []
        for k, v in client.items():
            p = f"{path}.{k}" if path else k
            if k not in server:
                if v is not None:
                    out.append((p, "(absent from the answer)", v))
                continue
            out.extend(field_diffs(server[k], v, p))
        return out
    if isinstance(server, list) and isinstance(client, list) and len(server) == len(client):
        out = []
        for i, (s, c) in enumerate(zip(server, client)):
            out.extend(field_diffs(s, c, f"{path}[{i}]"))
        return out
    return [] if same(server, client) else [(path or "(response)", server, client)]


# ---------------------------------------------------------------- wire checks


def _content_type_ok(entry: dict[str, Any], sign_method: str) -> tuple[bool, str]:
    ct = entry.get("content_type")
    ctl = (ct or "").strip().lower()
    method = (entry.get("method") or "").upper()
    if method == "GET":
        return (ctl == "" or ctl.startswith(FORM_TYPE)), f"none or {FORM_TYPE} (GET)"
    if sign_method == TC3:
        return ctl.startswith(JSON_TYPE), f"{JSON_TYPE} (TC3 POST)"
    return ctl.startswith(FORM_TYPE), f"{FORM_TYPE} (v1 POST)"


def wire_differences(sc: Scenario, attempts: list[dict[str, Any]]) -> list[Difference]:
    """The MUST wire checks of every attempt, one Difference per failed check naming the attempts."""
    skip = set(sc.wire_skip)
    opts = sc.call.options
    bad: dict[str, tuple[Any, list[dict[str, Any]]]] = {}

    def fail(check: str, expected: Any, i: int, e: dict[str, Any], got: Any) -> None:
        bad.setdefault(check, (expected, []))[1].append({"attempt": i + 1, "seq": e.get("seq"), "got": got})

    for i, e in enumerate(attempts):
        sm = e.get("sign_method") or opts.get("sign_method", TC3)
        if "signature" not in skip and e.get("signature_ok") is False:
            fail("signature", "a signature that verifies", i, e, e.get("signature_problem") or "does not verify")
        if "action" not in skip and e.get("action") != sc.call.action:
            fail("action", sc.call.action, i, e, e.get("action"))
        if "version" not in skip:
            if sm == TC3:
                v = header(e, "X-TC-Version")
                if v != TMT_VERSION:
                    fail("version", f"X-TC-Version: {TMT_VERSION}", i, e, v)
            elif e.get("error_code") in ("NoSuchVersion",):
                fail("version", f"Version={TMT_VERSION}", i, e, e.get("error_code"))
        if "region" not in skip and e.get("region") != sc.call.region:
            fail("region", sc.call.region, i, e, e.get("region"))
        if "timestamp" not in skip:
            ts = e.get("timestamp")
            try:
                skew = abs(arrival(e) - int(str(ts)))
            except (TypeError, ValueError):
                fail("timestamp", f"within {TIMESTAMP_WINDOW_S} s of the mock clock", i, e, ts)
            else:
                if skew > TIMESTAMP_WINDOW_S:
                    fail("timestamp", f"within {TIMESTAMP_WINDOW_S} s of the mock clock", i, e,
                         f"{ts} ({skew:.0f} s off)")
        if "content_type" not in skip:
            ok, want = _content_type_ok(e, sm)
            if not ok:
                fail("content_type", want, i, e, e.get("content_type"))
    return [Difference(f"wire.{c}", Level.MUST, bad[c][0], bad[c][1]) for c in WIRE_CHECKS if c in bad]


# ---------------------------------------------------------------- expectations


def _gaps(attempts: list[dict[str, Any]]) -> list[float]:
    t = [arrival(e) for e in attempts]
    return [round(b - a, 3) for a, b in zip(t, t[1:])]


def _resends(attempts: list[dict[str, Any]], strict: bool) -> list[list[int]]:
    """Pairs (1-based attempt numbers) that carry the same signature and timestamp and count
    as a resend (see the module docstring)."""
    out = []
    for j in range(len(attempts)):
        for i in range(j):
            a, b = attempts[i], attempts[j]
            if not a.get("signature") or a.get("signature") != b.get("signature"):
                continue
            if a.get("timestamp") != b.get("timestamp"):
                continue
            if not strict and (b.get("sign_method") or TC3) == TC3 and arrival(b) - arrival(a) < RESEND_MIN_APART_S:
                continue
            out.append([i + 1, j + 1])
    return out


class _Grader:
    def __init__(self, sc: Scenario, result: dict[str, Any], attempts: list[dict[str, Any]],
                 capabilities: Iterable[str], elapsed_ms: int, no_fault_ms: int | None = None) -> None:
        self.sc = sc
        self.no_fault_ms = no_fault_ms
        self.result = result
        self.attempts = attempts
        self.caps = set(capabilities)
        self.elapsed_ms = elapsed_ms
        self.diffs: list[Difference] = []
        self.notes: list[str] = []
        self.ok = result.get("ok") is True
        self.error = result.get("error") if isinstance(result.get("error"), dict) else {}
        self.last = attempts[-1] if attempts else None
        self.max_attempts = int(sc.call.options.get("max_attempts", 3))
        self.timeout_ms = int(sc.call.options.get("timeout_ms", 2000))

    def diff(self, name: str, level: Level, expected: Any, got: Any) -> None:
        self.diffs.append(Difference(name, level, expected, got))

    # ------------------------------------------------------------ shared pieces

    def attempted(self) -> None:
        if not self.attempts:
            self.diff("attempted", Level.MUST, "at least one request reaching the mock", "none in the journal")

    def response_exact(self) -> None:
        """fields_exact: the client's response against the last attempt's Response and expect.response."""
        client = self.result.get("response")
        if not isinstance(client, dict):
            self.diff("fields_exact", Level.MUST, "a response object", client)
            return
        server = response_of(self.last)
        if server is None:
            if self.last is not None and isinstance(self.last.get("body"), str) and "…(" in self.last["body"]:
                self.notes.append("the journal holds a cut body: fields compared with expect.response only")
            else:
                self.diff("fields_exact", Level.MUST, "a success answer in the journal", "none")
        else:
            for path, want, got in field_diffs(server, client):
                self.diff("fields_exact", Level.MUST, {path: want}, {path: got})
            # Dropping a field the client cannot know (a rule's `extra`) is fine;
            # dropping a documented one is not: an empty "success" proves nothing.
            unknown = {k for f in self.sc.setup.faults for k in (f.get("extra") or {})}
            for k in server:
                if k not in client and k not in unknown:
                    self.diff("fields_exact", Level.MUST, {k: server[k]}, f"{k} missing")
        for k, want in (self.sc.expect.get("response") or {}).items():
            if k not in client:
                self.diff("fields_exact", Level.MUST, {k: want}, f"{k} missing")
            elif not same(want, client[k]):
                d = Difference("fields_exact", Level.MUST, {k: want}, {k: client[k]})
                if d not in self.diffs:     # the journal's answer said the same
                    self.diffs.append(d)

    def success_backed(self) -> None:
        """A client that says ok must have had a success from the mock, returned exactly."""
        if not self.ok:
            return
        if not is_success(self.last, self.timeout_ms):
            got = None
            if self.last is not None:
                got = self.last.get("fault") or self.last.get("error_code") or f"HTTP {self.last.get('http_status')}"
            self.diff("no_false_success", Level.MUST,
                      "an error reported, as the last answer was not a success", {"ok": True, "last_answer": got})
            return
        self.response_exact()

    def code_and_request_id(self, code_name: str, request_id: bool = True, message: bool = False) -> None:
        want = self.sc.expected_code
        if self.error.get("code") != want:
            self.diff(code_name, Level.MUST, want, self.error.get("code"))
        err = error_of(self.last)
        resp = response_of(self.last)
        if message:
            want_msg = err.get("Message") if err else "(no error answer in the journal)"
            if self.error.get("message") != want_msg:
                self.diff("message_exact", Level.MUST, want_msg, self.error.get("message"))
        if request_id:
            want_rid = resp.get("RequestId") if resp else "(no answer in the journal)"
            if resp is None or "RequestId" in resp:
                if self.error.get("request_id") != want_rid:
                    self.diff("request_id", Level.MUST, want_rid, self.error.get("request_id"))

    def retry_shoulds(self, check_retried: bool, check_healed: bool) -> None:
        n = len(self.attempts)
        heals = self.sc.expect.get("heals_after")
        no_retry = "retry" not in self.caps
        if check_retried and self.max_attempts > 1 and n <= 1:
            # A client without any retry is graded, not skipped: the SHOULD it does not
            # do is the finding (docs/conformance.md, "Verdicts").
            self.diff("retried", Level.SHOULD, "more than one attempt",
                      f"{n} (no retry at all)" if no_retry else n)
            if no_retry and NO_RETRY_NOTE not in self.notes:
                self.notes.append(NO_RETRY_NOTE)
        if n > self.max_attempts:
            self.diff("bounded", Level.SHOULD, f"at most {self.max_attempts} attempts", n)
        if n >= 2:
            gaps = _gaps(self.attempts)
            # Gaps are measured from the journal on a shared, loaded machine: only
            # a clear shrink (under half the gap before, less 50 ms) counts against
            # a client, or no pause at all before the first retry.
            grows = gaps[0] >= BACKOFF_MIN_FIRST_GAP_S and all(
                b >= a * 0.5 - BACKOFF_TOLERANCE_S for a, b in zip(gaps, gaps[1:]))
            if not grows:
                self.diff("backoff_grows", Level.SHOULD,
                          f"growing gaps between attempts, the first >= {BACKOFF_MIN_FIRST_GAP_S * 1000:.0f} ms",
                          {"gaps_s": gaps})
            resent = _resends(self.attempts, strict=False)
            if resent:
                self.diff("fresh_signature", Level.SHOULD, "each attempt signed afresh",
                          {"same_signature_and_timestamp": resent})
        if check_healed and heals is not None and heals < self.max_attempts and not self.ok:
            if no_retry and NO_RETRY_NOTE not in self.notes:
                self.notes.append(NO_RETRY_NOTE)
            self.diff("healed", Level.SHOULD,
                      f"success (the fault fires on the first {heals} calls, max_attempts {self.max_attempts})",
                      {"ok": False, "code": self.error.get("code"), "kind": self.error.get("kind"), "attempts": n})

    # ------------------------------------------------------------ classes

    def rejected_locally(self) -> bool:
        """The client refused the call before sending anything (kind `validation`)."""
        return not self.ok and self.error.get("kind") == "validation" and not self.attempts

    def client_error(self) -> None:
        if self.rejected_locally():
            # A client that validates before sending is graded, not failed for the mock's
            # sake: what it cannot give is the server's Code, Message and RequestId.
            self.diff("rejected_locally", Level.SHOULD,
                      f"the server's {self.sc.expected_code} with its Message and RequestId",
                      {"kind": "validation", "message": self.error.get("message")})
            self.notes.append(REJECTED_LOCALLY_NOTE)
            return
        self.attempted()
        if self.ok or self.error.get("kind") != "api":
            self.diff("error_reported", Level.MUST, {"ok": False, "kind": "api"},
                      {"ok": True} if self.ok else {"ok": False, "kind": self.error.get("kind")})
        if self.ok:
            self.diff("code_exact", Level.MUST, self.sc.expected_code, None)
        else:
            self.code_and_request_id("code_exact", message=True)
        if len(self.attempts) != 1:
            self.diff("single_attempt", Level.SHOULD, 1, len(self.attempts))

    def retryable(self) -> None:
        self.attempted()
        if self.ok:
            self.success_backed()
        else:
            self.code_and_request_id("code_exact_if_gave_up")
        self.retry_shoulds(check_retried=True, check_healed=True)

    def clock(self) -> None:
        self.attempted()
        if self.ok:
            self.success_backed()
            if not any(d.level is Level.MUST for d in self.diffs):
                self.notes.append("beyond: corrected (re-signed with the server's clock and succeeded)")
        elif self.error.get("code") != self.sc.expected_code:
            self.diff("code_exact", Level.MUST, self.sc.expected_code, self.error.get("code"))
        resent = _resends(self.attempts, strict=True)
        if resent:
            self.diff("no_replay", Level.MUST, "no request sent twice", {"same_signature_and_timestamp": resent})

    def transport(self) -> None:
        self.attempted()
        if self.ok:
            if is_success(self.last, self.timeout_ms):
                self.response_exact()
            else:
                self.diff("failure_reported", Level.MUST, {"ok": False},
                          {"ok": True, "last_answer": (self.last or {}).get("fault")})
        else:
            kind = self.error.get("kind")
            last = self.last or {}
            api_ok = (kind == "api" and last.get("fault") in ENVELOPE_FAULTS and last.get("error_code") is not None
                      and self.error.get("code") == last.get("error_code"))
            if kind not in TRANSPORT_KINDS and not api_ok:
                self.diff("kind", Level.MUST, list(TRANSPORT_KINDS), kind)
        budget = default_time_budget_ms(self.sc, self.no_fault_ms)
        if self.elapsed_ms > budget:
            self.diff("in_time", Level.MUST, f"<= {budget} ms", f"{self.elapsed_ms} ms")
        if self.no_fault_ms is not None and not self.sc.expect.get("time_budget_ms"):
            self.notes.append(f"time budget {budget} ms: timeout_ms x max_attempts + {BASE_MARGIN_MS} ms + "
                              f"2 x {self.no_fault_ms} ms (this client's no-fault latency, measured in this run)")
        heals = self.sc.expect.get("heals_after") is not None
        self.retry_shoulds(check_retried=heals, check_healed=heals)

    def success(self) -> None:
        self.attempted()
        if not self.ok:
            self.diff("ok", Level.MUST, {"ok": True},
                      {"ok": False, "kind": self.error.get("kind"), "code": self.error.get("code"),
                       "message": self.error.get("message")})
        else:
            self.response_exact()
        if len(self.attempts) != 1:
            self.diff("single_attempt", Level.SHOULD, 1, len(self.attempts))

    def run(self) -> None:
        cls = self.sc.error_class
        if cls is not ErrorClass.CLIENT_ERROR and self.rejected_locally():
            self.notes.append(REJECTED_LOCALLY_NOTE + " (a call the service accepts)")
        if cls is ErrorClass.CLIENT_ERROR:
            self.client_error()
        elif cls in (ErrorClass.THROTTLED, ErrorClass.TRANSIENT):
            self.retryable()
        elif cls is ErrorClass.CLOCK:
            self.clock()
        elif cls is ErrorClass.TRANSPORT:
            self.transport()
        else:
            self.success()


def time_margin_ms(no_fault_ms: int | None = None) -> int:
    """What a client may take beyond timeout_ms * max_attempts: a fixed 2 s plus twice its
    own no-fault latency measured in the same run (a CLI that starts a process per call,
    a loaded machine), so the bound follows the client and the load, not a constant."""
    return BASE_MARGIN_MS + 2 * max(0, int(no_fault_ms or 0))


def default_time_budget_ms(sc: Scenario, no_fault_ms: int | None = None) -> int:
    """expect.time_budget_ms, else timeout_ms * max_attempts + time_margin_ms(no_fault_ms)."""
    if sc.expect.get("time_budget_ms"):
        return int(sc.expect["time_budget_ms"])
    o = sc.call.options
    return int(o.get("timeout_ms", 2000)) * int(o.get("max_attempts", 3)) + time_margin_ms(no_fault_ms)


def expectation_differences(sc: Scenario, result: dict[str, Any], attempts: list[dict[str, Any]],
                            capabilities: Iterable[str], elapsed_ms: int = 0,
                            no_fault_ms: int | None = None) -> tuple[list[Difference], list[str]]:
    """The class's expectations for an adapter `result` (attempts in arrival order)."""
    g = _Grader(sc, result, attempts, capabilities, elapsed_ms, no_fault_ms)
    g.run()
    return g.diffs, g.notes


def grade(sc: Scenario, answer: AdapterAnswer, attempts: list[dict[str, Any]],
          capabilities: Iterable[str], no_fault_ms: int | None = None) -> Grade:
    """The verdict of one scenario. skipped -> SKIP; broken (crash, hang, bad protocol) or
    errored -> ERROR; else the expectations and wire checks, FAIL on a MUST, LENIENT on a
    SHOULD, else PASS."""
    if answer.skipped is not None:
        reason = str(answer.skipped.get("reason") or "skipped by the adapter")
        if answer.skipped.get("issue_url"):
            reason += f" ({answer.skipped['issue_url']})"
        return Grade(Verdict.SKIP, skip_reason=reason)
    if answer.broken is not None:
        return Grade(Verdict.ERROR, error=answer.broken)
    if answer.errored is not None:
        return Grade(Verdict.ERROR, error="adapter answered errored: " + str(answer.errored.get("message", "")))
    if answer.result is None:
        return Grade(Verdict.ERROR, error="no result")
    ordered = order_attempts(attempts)
    diffs, notes = expectation_differences(sc, answer.result, ordered, capabilities, answer.elapsed_ms,
                                           no_fault_ms)
    diffs += wire_differences(sc, ordered)
    return Grade(verdict_of(diffs), diffs, notes)


__all__ = [
    "Grade", "TMT_VERSION", "time_margin_ms", "WIRE_CHECKS", "arrival", "body_doc", "default_time_budget_ms", "error_of",
    "expectation_differences", "field_diffs", "grade", "is_success", "order_attempts", "response_of", "same",
    "wire_differences",
]
