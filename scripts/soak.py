#!/usr/bin/env python3
"""soak.py: a long run against one tmtmock, checking every answer and the mock's memory.

    scripts/soak.py                          # 1,000,000 requests (a few minutes)
    scripts/soak.py --requests 20000         # what the test suite runs

It starts the mock (--binary, default $TMTMOCK_BIN or mock_server/build/tmtmock) with
a small journal (--journal-size 1000), makes one paid account per connection and sends
N signed requests over keep-alive connections (--connections), of these kinds, drawn
from a seeded PRNG:

  ok        TextTranslate, TextTranslateBatch, LanguageDetect; TC3 POST, TC3 GET and v1
  magic     a magic value in the text: @mock:error=CODE, a fault (not_json, html_50x,
            error_status_500, charset_content_type, no_request_id, no_response,
            slow_body, reset, close, truncate) or a short delay
  rule      a fault rule scoped to the connection's SecretId (an error, a fault, a
            delay or extra fields), fired by the next request, then deleted
  invalid   a request the mock must refuse: a wrong signature, an unknown parameter, a
            made-up Action (a new name each time)
  admin     GET /_mock/health, /_mock/metrics, /_mock/journal?since=

Every answer must be exactly what was asked for: a success, the injected error, the
injected fault (a reset, close or truncate as the matching connection error, after
which the client reconnects), or the refusal. The mock's resident memory
(/proc/PID/status VmRSS) is sampled throughout; once the journal is full and the run
warmed up it must stay flat (grow by at most --rss-slack-kib). The mock must still
answer at the end and exit 0 on SIGTERM. Exit status 0 when all held, 1 otherwise;
the last line sums it up:

    soak: requests=N ok=... injected=... refused=... unexpected=0 rps=... rss_kib=A->B (max C, +D) pass
Standard library only (and the harness's reference signer, itself standard library).
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "conformance"))

from harness.signer import Credentials, HttpRequest, Tc3Signer, V1Signer  # noqa: E402

READY = re.compile(r"^listening on http://(\S+):(\d+)$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
CODES = ["InternalError", "InternalError.BackendTimeout", "InternalError.ErrorUnknown", "ResourceUnavailable",
         "ResourceInsufficient", "LimitExceeded", "FailedOperation", "RequestLimitExceeded",
         "UnauthorizedOperation.ActionNotFound", "ResourceInUse", "ResourceNotFound"]
SOFT_FAULTS = ["not_json", "html_502", "html_503", "html_504", "error_status_500", "charset_content_type",
               "no_request_id", "no_response"]
HARD_FAULTS = ["reset", "close", "truncate"]
WORDS = ["hello", "world", "mock", "translate", "soak", "bonjour", "你好", "test", "memory", "flat"]


class Unexpected(Exception):
    """An answer that is not what the request asked for."""


@dataclass
class Stats:
    sent: int = 0
    ok: int = 0
    injected: int = 0
    refused: int = 0
    admin: int = 0
    reconnects: int = 0
    unexpected: int = 0
    examples: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Answer:
    status: int
    ctype: str
    body: bytes

    def doc(self) -> dict[str, Any]:
        try:
            d = json.loads(self.body)
        except ValueError as e:
            raise Unexpected(f"not JSON: {self.body[:120]!r}") from e
        if not isinstance(d, dict):
            raise Unexpected(f"not an object: {self.body[:120]!r}")
        return d


class Client:
    """One keep-alive connection and its account."""

    def __init__(self, host: str, port: int, index: int, rng: random.Random, stats: Stats) -> None:
        self.host, self.port, self.rng, self.stats = host, port, rng, stats
        self.creds = Credentials(f"AKIDsoak{index:028d}", f"soakSecretKey{index:021d}")
        self.hosthdr = f"{host}:{port}"
        self.conn: http.client.HTTPConnection | None = None

    # ------------------------------------------------------------ transport

    def connect(self) -> http.client.HTTPConnection:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        return self.conn

    def drop(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.conn = None
        self.stats.reconnects += 1

    def send(self, req: HttpRequest) -> Answer:
        c = self.connect()
        c.putrequest(req.method, req.target, skip_host=True, skip_accept_encoding=True)
        for k, v in req.headers:
            c.putheader(k, v)
        if req.body or req.method != "GET":
            c.putheader("Content-Length", str(len(req.body)))
        c.endheaders(req.body or None)
        r = c.getresponse()
        body = r.read()
        if r.getheader("Connection", "").lower() == "close":
            self.drop()
        return Answer(r.status, r.getheader("Content-Type", ""), body)

    def admin(self, method: str, path: str, body: Any = None) -> Answer:
        data = json.dumps(body).encode() if body is not None else b""
        headers = (("Host", self.hosthdr), ("Content-Type", "application/json"))
        return self.send(HttpRequest(method, path, headers, data))

    # ------------------------------------------------------------ requests

    def text(self) -> str:
        return " ".join(self.rng.choice(WORDS) for _ in range(self.rng.randint(1, 6)))

    def signed(self, action: str, params: dict[str, Any], how: str | None = None,
               creds: Credentials | None = None) -> HttpRequest:
        how = how or self.rng.choice(("tc3-post", "tc3-post", "tc3-post", "tc3-get", "v1-get", "v1-post"))
        creds = creds or self.creds
        if how.startswith("tc3"):
            s = Tc3Signer(creds, host=self.hosthdr, action=action)
            return (s.post(params) if how == "tc3-post" else s.get(params)).request
        v = V1Signer(creds, host=self.hosthdr, action=action,
                     signature_method=self.rng.choice(("HmacSHA1", "HmacSHA256")))
        return (v.post(params) if how == "v1-post" else v.get(params)).request

    def business(self, text: str) -> tuple[str, dict[str, Any]]:
        pick = self.rng.random()
        if pick < 0.6:
            return "TextTranslate", {"SourceText": text, "Source": "en", "Target": "zh", "ProjectId": 0}
        if pick < 0.85:
            return "TextTranslateBatch", {"SourceTextList": [text, self.text()], "Source": "en",
                                          "Target": "ja", "ProjectId": 0}
        return "LanguageDetect", {"Text": text, "ProjectId": 0}

    # ------------------------------------------------------------ checks

    @staticmethod
    def success(a: Answer, action: str, extra: dict[str, Any] | None = None,
                ctype: str = "application/json", request_id: bool = True) -> None:
        if a.status != 200 or a.ctype != ctype:
            raise Unexpected(f"status {a.status} {a.ctype}: {a.body[:160]!r}")
        inner = a.doc().get("Response")
        if not isinstance(inner, dict) or "Error" in inner:
            raise Unexpected(f"expected success of {action}: {a.body[:200]!r}")
        key = {"TextTranslate": "TargetText", "TextTranslateBatch": "TargetTextList",
               "LanguageDetect": "Lang"}[action]
        if key not in inner:
            raise Unexpected(f"{action} without {key}: {a.body[:200]!r}")
        if request_id != bool(UUID.match(str(inner.get("RequestId", "")))):
            raise Unexpected(f"RequestId: {a.body[:200]!r}")
        for k, v in (extra or {}).items():
            if inner.get(k) != v:
                raise Unexpected(f"extra field {k} missing: {a.body[:200]!r}")

    @staticmethod
    def error(a: Answer, code: str, status: int = 200) -> None:
        if a.status != status:
            raise Unexpected(f"expected {code} with {status}, got {a.status}: {a.body[:160]!r}")
        err = (a.doc().get("Response") or {}).get("Error") or {}
        if err.get("Code") != code:
            raise Unexpected(f"expected {code}, got {a.body[:200]!r}")

    def fault(self, req: HttpRequest, action: str, fault: str, code: str | None = None) -> None:
        """Send req, which carries `fault`; check that this is what came."""
        if fault in HARD_FAULTS:
            try:
                a = self.send(req)
            except (ConnectionResetError, http.client.RemoteDisconnected, http.client.IncompleteRead,
                    BrokenPipeError):
                self.drop()
                return
            raise Unexpected(f"{fault}: an answer came: {a.status} {a.body[:120]!r}")
        a = self.send(req)
        if fault == "not_json":
            if a.status != 200 or a.body.lstrip().startswith((b"{", b"[")):
                raise Unexpected(f"not_json: {a.status} {a.body[:120]!r}")
        elif fault.startswith("html_"):
            if a.status != int(fault[5:]) or not a.ctype.startswith("text/html"):
                raise Unexpected(f"{fault}: {a.status} {a.ctype}")
        elif fault == "error_status_500":
            self.error(a, code or "InternalError", 500)
        elif fault == "charset_content_type":
            if code:
                self.error(a, code)
            else:
                self.success(a, action, ctype="application/json; charset=utf-8")
        elif fault == "no_request_id":
            if code:
                self.error(a, code)
            else:
                self.success(a, action, request_id=False)
        elif fault == "no_response":
            if a.status != 200 or json.loads(a.body) != {}:
                raise Unexpected(f"no_response: {a.body[:120]!r}")
        elif fault == "slow_body":
            self.success(a, action)
        else:
            raise AssertionError(fault)

    # ------------------------------------------------------------ one request

    def one(self) -> str:
        """Sends one request (or a rule + request); returns its class."""
        pick = self.rng.random()
        text = self.text()
        if pick < 0.55:
            action, params = self.business(text)
            self.success(self.send(self.signed(action, params)), action)
            return "ok"
        if pick < 0.70:
            code = self.rng.choice(CODES)
            action, params = self.business(f"{text} @mock:error={code}")
            self.error(self.send(self.signed(action, params)), code)
            return "injected"
        if pick < 0.80:
            fault = self.rng.choice(SOFT_FAULTS + SOFT_FAULTS + HARD_FAULTS + ["slow_body"])
            marker = f"@mock:fault={fault}" + (" @mock:delay=20" if fault == "slow_body" else "")
            action, params = self.business(f"{text} {marker}")
            self.fault(self.signed(action, params), action, fault)
            return "injected"
        if pick < 0.82:
            action, params = self.business(f"{text} @mock:delay={self.rng.randint(1, 3)}")
            self.success(self.send(self.signed(action, params)), action)
            return "injected"
        if pick < 0.94:
            return self.rule()
        if pick < 0.98:
            which = self.rng.random()
            if which < 0.3:
                # A made-up Action each time: nothing of it may stay in the mock.
                name = f"Soak{self.rng.getrandbits(48):012x}"
                self.error(self.send(self.signed(name, {"Text": text})), "InvalidAction")
            elif which < 0.65:
                bad = Credentials(self.creds.secret_id, "not-the-key")
                self.error(self.send(self.signed("TextTranslate", {"SourceText": text, "Source": "en",
                                                                   "Target": "zh", "ProjectId": 0},
                                                 creds=bad)), "AuthFailure.SignatureFailure")
            else:
                self.error(self.send(self.signed("LanguageDetect", {"Text": text, "ProjectId": 0, "Nope": 1},
                                                 how="tc3-post")), "UnknownParameter")
            return "refused"
        path = self.rng.choice(("/_mock/health", "/_mock/metrics", "/_mock/journal?since=999999999"))
        a = self.admin("GET", path)
        if a.status != 200:
            raise Unexpected(f"{path}: {a.status} {a.body[:120]!r}")
        return "admin"

    def rule(self) -> str:
        match = {"secret_id": self.creds.secret_id}
        kind = self.rng.random()
        rule: dict[str, Any] = {"match": match, "times": 1}
        code = fault = None
        extra = None
        if kind < 0.4:
            code = self.rng.choice(CODES)
            rule["error"] = code
        elif kind < 0.8:
            fault = self.rng.choice(SOFT_FAULTS + HARD_FAULTS)
            rule["fault"] = fault
        elif kind < 0.9:
            rule["delay_ms"] = 2
        else:
            extra = {"SoakField": self.rng.randint(0, 9)}
            rule["extra"] = extra
        a = self.admin("POST", "/_mock/faults", rule)
        if a.status != 201:
            raise Unexpected(f"rule refused: {a.status} {a.body[:200]!r}")
        rid = a.doc()["id"]
        action, params = self.business(self.text())
        req = self.signed(action, params)
        if code:
            self.error(self.send(req), code)
        elif fault:
            self.fault(req, action, fault)
        else:
            self.success(self.send(req), action, extra=extra)
        d = self.admin("DELETE", f"/_mock/faults/{rid}")
        if d.status != 200:
            raise Unexpected(f"rule {rid} not deleted: {d.status} {d.body[:120]!r}")
        return "injected"


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=1_000_000)
    ap.add_argument("--connections", type=int, default=4)
    ap.add_argument("--binary", default=os.environ.get("TMTMOCK_BIN", str(ROOT / "mock_server/build/tmtmock")))
    ap.add_argument("--journal-size", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--warmup", type=float, default=0.2,
                    help="part of the run before the RSS baseline (at least 3 journals' worth)")
    ap.add_argument("--rss-slack-kib", type=int, default=1024,
                    help="growth of VmRSS allowed after the warm-up")
    ap.add_argument("--no-rss-check", action="store_true",
                    help="sample but do not judge VmRSS (a sanitizer build's quarantine grows it)")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()

    cmd = [args.binary, "--listen", "127.0.0.1:0", "--fixtures", str(ROOT / "fixtures"), "--seed", str(args.seed),
           "--journal-size", str(args.journal_size), "--no-rate-limit"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stderr: list[str] = []
    threading.Thread(target=lambda: stderr.extend(proc.stderr or []), daemon=True).start()
    assert proc.stdout is not None
    m = READY.match(proc.stdout.readline().strip())
    if not m:
        print(f"soak: the mock did not start: {''.join(stderr)}", file=sys.stderr)
        return 1
    host, port = m.group(1), int(m.group(2))
    stats = Stats()
    rng = random.Random(args.seed)
    clients = [Client(host, port, i, random.Random(rng.random()), stats) for i in range(args.connections)]
    for c in clients:
        a = c.admin("POST", "/_mock/accounts", {"secret_id": c.creds.secret_id, "secret_key": c.creds.secret_key,
                                                 "billing": "paid", "comment": "soak"})
        assert a.status == 201, a.body

    samples: list[tuple[int, int]] = []
    done = threading.Event()

    def sampler() -> None:
        while not done.is_set():
            samples.append((stats.sent, rss_kib(proc.pid)))
            done.wait(0.25)

    def worker(c: Client, n: int) -> None:
        for _ in range(n):
            try:
                kind = c.one()
            except Unexpected as e:
                kind = "unexpected"
                with stats.lock:
                    if len(stats.examples) < 10:
                        stats.examples.append(str(e))
                c.drop()
            except (OSError, http.client.HTTPException) as e:
                kind = "unexpected"
                with stats.lock:
                    if len(stats.examples) < 10:
                        stats.examples.append(f"{type(e).__name__}: {e}")
                c.drop()
            with stats.lock:
                stats.sent += 1
                setattr(stats, kind, getattr(stats, kind) + 1)
            if proc.poll() is not None:
                return

    t0 = time.monotonic()
    threading.Thread(target=sampler, daemon=True).start()
    share = [args.requests // args.connections + (1 if i < args.requests % args.connections else 0)
             for i in range(args.connections)]
    threads = [threading.Thread(target=worker, args=(c, n)) for c, n in zip(clients, share)]
    for t in threads:
        t.start()
    last_report = time.monotonic()
    while any(t.is_alive() for t in threads):
        time.sleep(0.5)
        if not args.quiet and time.monotonic() - last_report >= 10:
            last_report = time.monotonic()
            print(f"soak: {stats.sent}/{args.requests} sent, {stats.unexpected} unexpected, "
                  f"VmRSS {samples[-1][1] if samples else 0} KiB", flush=True)
    took = time.monotonic() - t0
    done.set()
    samples.append((stats.sent, rss_kib(proc.pid) if proc.poll() is None else 0))

    alive = proc.poll() is None
    healthy = False
    if alive:
        try:
            healthy = Client(host, port, 0, rng, Stats()).admin("GET", "/_mock/health").status == 200
        except OSError:
            healthy = False
    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        code = proc.wait()

    # RSS: the baseline once the journal is full and the run warmed up.
    warm = max(int(args.requests * args.warmup), 3 * args.journal_size)
    after = [rss for n, rss in samples if n >= warm and rss > 0]
    base = after[0] if after else 0
    peak = max(after) if after else 0
    end = after[-1] if after else 0
    growth = peak - base
    flat = args.no_rss_check or (bool(after) and growth <= args.rss_slack_kib)
    ok = stats.unexpected == 0 and alive and healthy and code == 0 and flat and stats.sent == args.requests
    for e in stats.examples:
        print(f"soak: unexpected: {e}", file=sys.stderr)
    if not alive or code != 0:
        print(f"soak: the mock exited {proc.returncode}; stderr:\n{''.join(stderr[-40:])}", file=sys.stderr)
    if not flat:
        print(f"soak: VmRSS grew {growth} KiB after the warm-up (allowed {args.rss_slack_kib}); "
              f"samples (requests, KiB): {samples[:: max(1, len(samples) // 20)]}", file=sys.stderr)
    print(f"soak: requests={stats.sent} ok={stats.ok} injected={stats.injected} refused={stats.refused} "
          f"admin={stats.admin} reconnects={stats.reconnects} unexpected={stats.unexpected} "
          f"rps={stats.sent / took:.0f} seconds={took:.1f} "
          f"rss_kib={base}->{end} (max {peak}, +{growth} after {warm} requests; start {samples[0][1]}) "
          f"exit={code} {'pass' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
