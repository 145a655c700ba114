"""The mock a run talks to: a dedicated tmtmock started for the run (harness.mockproc) or
one already running (--mock-url), and the admin calls the runner needs.

    with Mock.start() as mock:                      # fixtures/, --seed; rate limits stay on
        acct = mock.new_account({"billing": "free"})  # fresh AKID + 32 alnum, random key
        mock.add_rule({"error": "InternalError"}, acct.secret_id)   # match.secret_id forced
        since = mock.journal_seq(acct.secret_id)
        ...
        entries = mock.journal(acct.secret_id, since)

Parallel scenarios stay apart because every one has its own account and its rules are
scoped to it; global state (options, the clock) needs a dedicated mock (Mock.start with
options, then set_clock).
"""
from __future__ import annotations

import hashlib
import json
import random
import string
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from harness.admin import Admin, random_secret_id, random_secret_key
from harness.mockproc import ROOT, MockProcess, binary
from harness.signer import Credentials

ALNUM = string.ascii_letters + string.digits
# The journal must hold a whole run (a client that retries forever sends many).
JOURNAL_SIZE = 100000


class MockError(RuntimeError):
    """An admin call failed (status and answer in the message)."""


def canonical_json(doc: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8: the bytes the catalogue hash is taken over."""
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class Mock:
    """A tmtmock at ``url`` (http://HOST:PORT), owned (``proc`` set: stop() ends it) or attached."""

    def __init__(self, url: str, proc: MockProcess | None = None, admin_token: str | None = None) -> None:
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname or not parts.port:
            raise ValueError(f"mock URL {url!r}: expected http://HOST:PORT")
        self.url = f"http://{parts.hostname}:{parts.port}"
        self.host = parts.hostname
        self.port = parts.port
        self.proc = proc
        self.admin = Admin(self.host, self.port, admin_token)
        # The highest journal seq seen in any answer: a lower bound of the next entry's seq.
        self.high_seq = 0
        self._seq_lock = threading.Lock()

    # ------------------------------------------------------------ lifecycle

    @classmethod
    def start(cls, options: list[str] | tuple[str, ...] = (), seed: int | None = 42,
              fixtures: str | None = None, timeout: float = 10.0) -> "Mock":
        """Start a dedicated tmtmock ($TMTMOCK_BIN or the default build) on a free port."""
        if not binary().exists():
            raise MockError(f"{binary()} is missing: build it with `make build` (or set TMTMOCK_BIN)")
        args = ["--fixtures", fixtures or str(ROOT / "fixtures"), "--journal-size", str(JOURNAL_SIZE)]
        if seed is not None and not any(o == "--seed" or o.startswith("--seed=") for o in options):
            args += ["--seed", str(seed)]
        args += list(options)
        proc = MockProcess(args)
        try:
            proc.start(timeout)
        except RuntimeError as e:
            raise MockError(str(e)) from None
        return cls(proc.url, proc)

    @classmethod
    def attach(cls, url: str, admin_token: str | None = None) -> "Mock":
        """A mock that is already running; checks it answers /_mock/health."""
        m = cls(url, None, admin_token)
        m.health()
        return m

    def stop(self) -> int | None:
        """Stops a mock this object started (an attached one is left alone)."""
        if self.proc is None:
            return None
        return self.proc.stop()

    @property
    def owned(self) -> bool:
        return self.proc is not None

    def stderr(self) -> str:
        return "".join(self.proc.stderr_lines) if self.proc else ""

    def __enter__(self) -> "Mock":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------ admin

    def _ok(self, method: str, path: str, body: Any = None, **kw: Any) -> Any:
        try:
            status, doc = self.admin.request(method, path, body, **kw)
        except OSError as e:
            raise MockError(f"{method} /_mock/{path} at {self.url}: {e}") from None
        if not 200 <= status < 300:
            raise MockError(f"{method} /_mock/{path}: HTTP {status} {doc}")
        return doc

    def health(self) -> dict[str, Any]:
        return self._ok("GET", "health")

    def version(self) -> str:
        return str(self.health().get("version", ""))

    def catalogue(self) -> dict[str, Any]:
        return self._ok("GET", "catalogue")

    def catalogue_hash(self) -> str:
        """sha256 (hex) of the catalogue as canonical JSON (sorted keys, compact, UTF-8)."""
        return hashlib.sha256(canonical_json(self.catalogue())).hexdigest()

    def new_account(self, fields: dict[str, Any] | None = None) -> Credentials:
        """A fresh account: fields merged over {"state": "active", "billing": "paid"}, with a
        random SecretId (AKID + 32 alnum) and key. Answers its credentials (token included)."""
        body: dict[str, Any] = {"state": "active", "billing": "paid"}
        body.update(fields or {})
        for _ in range(3):
            body["secret_id"] = random_secret_id()
            body["secret_key"] = random_secret_key()
            status, doc = self.admin.request("POST", "accounts", body)
            if status == 409:       # a collision of 190 random bits: try again
                continue
            if not 200 <= status < 300:
                raise MockError(f"POST /_mock/accounts: HTTP {status} {doc}")
            return Credentials(body["secret_id"], body["secret_key"], body.get("token"))
        raise MockError("POST /_mock/accounts: 409 three times")

    def add_rule(self, rule: dict[str, Any], secret_id: str) -> dict[str, Any]:
        """POST a fault rule scoped to ``secret_id`` (match.secret_id is forced, never global)."""
        body = json.loads(json.dumps(rule))
        match = dict(body.get("match") or {})
        match["secret_id"] = secret_id
        body["match"] = match
        return self._ok("POST", "faults", body)

    def rules(self, secret_id: str | None = None) -> list[dict[str, Any]]:
        rules = self._ok("GET", "faults")["faults"]
        if secret_id is not None:
            rules = [r for r in rules if (r.get("match") or {}).get("secret_id") == secret_id]
        return rules

    def delete_rule(self, rule_id: int) -> None:
        self._ok("DELETE", f"faults/{rule_id}")

    def clock(self) -> dict[str, Any]:
        return self._ok("GET", "clock")

    def set_clock(self, **one: Any) -> dict[str, Any]:
        """One of offset_s=, advance_s=, freeze_at=, reset=True."""
        return self._ok("POST", "clock", one)

    def journal(self, secret_id: str | None, since: int = 0) -> list[dict[str, Any]]:
        """The journal entries of ``secret_id`` (None: of every request) after seq ``since``,
        in seq order."""
        query: dict[str, Any] = {"since": since}
        if secret_id is not None:
            query["secret_id"] = secret_id
        doc = self._ok("GET", "journal", query=query)
        entries = sorted(doc.get("entries", []), key=lambda e: e.get("seq", 0))
        if entries:
            with self._seq_lock:
                self.high_seq = max(self.high_seq, int(entries[-1].get("seq", 0)))
        return entries

    def journal_seq(self, secret_id: str) -> int:
        """The last journal seq of ``secret_id`` (0 when it has none): note it before a call,
        then journal(secret_id, since=that) is what the call did."""
        entries = self.journal(secret_id, 0)
        return max((int(e.get("seq", 0)) for e in entries), default=0)

    def wait_journal(self, secret_id: str, since: int, rule_ids: list[int], deadline: float) -> list[dict[str, Any]]:
        """The journal after ``since``, once every request the delaying rules ``rule_ids`` fired
        on is in it (a delayed answer is journaled when it is sent, maybe after the client
        gave up), or at ``deadline`` (time.monotonic()) with what there is."""
        while True:
            entries = self.journal(secret_id, since)
            if not rule_ids:
                return entries
            fired = sum(int(r.get("fired", 0)) for r in self.rules(secret_id) if r.get("id") in rule_ids)
            seen = sum(1 for e in entries if e.get("rule_id") in rule_ids)
            if seen >= fired or time.monotonic() >= deadline:
                return entries
            time.sleep(0.03)


def fake_secret_id(kind: str) -> str:
    """A SecretId no account has, of the form the scenario needs (docs/behaviour.md, order
    of checks 9 and 10; mock_server/src/cred.c): well formed is "AKID" followed by 32 to
    124 letters, digits, `_` or `-` (128 characters in all at most).

    - "unknown_id": "AKID" + 32 letters or digits, well formed: AuthFailure.SecretIdNotFound.
    - "malformed_id": "AKID" + 12 letters or digits + "-x", 14 characters after "AKID",
      too short for the form: AuthFailure.InvalidSecretId. (An unknown id that does not
      start with "AKID" at all would be SecretIdNotFound instead.)"""
    rnd = random.SystemRandom()
    if kind == "unknown_id":
        return random_secret_id()
    return "AKID" + "".join(rnd.choice(ALNUM) for _ in range(12)) + "-x"


__all__ = ["JOURNAL_SIZE", "Mock", "MockError", "canonical_json", "fake_secret_id"]
