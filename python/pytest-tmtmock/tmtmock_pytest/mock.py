"""A running tmtmock and its admin API (docs/admin-api.md), standard library only."""
from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import os
import re
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence
from urllib.parse import urlencode

# The documentation's example keys; the mock is started with them as
# TENCENTCLOUD_SECRET_ID/_KEY, so the account survives every reset.
EXAMPLE_SECRET_ID = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"
EXAMPLE_SECRET_KEY = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
TMT_VERSION = "2018-03-21"
READY = re.compile(r"^listening on http://(\S+):(\d+)$")


class TmtmockError(RuntimeError):
    """The mock did not start, or an admin call failed."""


def find_binary(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The tmtmock to run: ``explicit``, else $TMTMOCK_BIN, else `tmtmock` on PATH."""
    for candidate in (explicit, os.environ.get("TMTMOCK_BIN"), shutil.which("tmtmock")):
        if candidate:
            return Path(candidate)
    raise TmtmockError("no tmtmock binary: give --tmtmock-bin, set TMTMOCK_BIN, or put tmtmock on PATH "
                       "(make install in tmtmock's tree)")


@dataclass
class Faults:
    """The mock's fault rules (docs/admin-api.md, Fault rules)."""

    mock: "Tmtmock"

    def add(self, **rule: Any) -> dict[str, Any]:
        """Add a rule (its fields as keywords: error, fault, match, times, after, delay_ms, ...);
        answers the stored rule, its id included."""
        return self.mock.admin("POST", "faults", rule)

    def list(self) -> list[dict[str, Any]]:
        return self.mock.admin("GET", "faults")["faults"]

    def clear(self) -> None:
        self.mock.admin("DELETE", "faults")


@dataclass
class Clock:
    """The mock clock (docs/admin-api.md, The mock clock)."""

    mock: "Tmtmock"

    def get(self) -> dict[str, Any]:
        return self.mock.admin("GET", "clock")

    def now(self) -> int:
        return int(self.get()["now"])

    def freeze(self, at: int | None = None) -> dict[str, Any]:
        return self.mock.admin("POST", "clock", {"freeze_at": self.now() if at is None else at})

    def advance(self, seconds: int) -> dict[str, Any]:
        return self.mock.admin("POST", "clock", {"advance_s": seconds})

    def offset(self, seconds: int) -> dict[str, Any]:
        return self.mock.admin("POST", "clock", {"offset_s": seconds})

    def reset(self) -> dict[str, Any]:
        return self.mock.admin("POST", "clock", {"reset": True})


def journal_query(filters: Mapping[str, Any]) -> dict[str, str]:
    """Keyword filters as GET /_mock/journal's query: ``from_`` is ``from``, booleans are
    true/false, None is left out."""
    query: dict[str, str] = {}
    for key, value in filters.items():
        if value is None:
            continue
        key = key.rstrip("_")
        query[key] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return query


@dataclass
class Tmtmock:
    """A tmtmock process on a loopback port: ``start()`` it, or use the pytest fixture."""

    binary: Path | None = None
    args: Sequence[str] = ()
    secret_id: str = EXAMPLE_SECRET_ID
    secret_key: str = field(default=EXAMPLE_SECRET_KEY, repr=False)
    region: str = "ap-guangzhou"
    admin_token: str | None = None
    host: str = ""
    port: int = 0
    stderr_lines: list[str] = field(default_factory=list, repr=False)
    proc: subprocess.Popen[str] | None = field(default=None, repr=False)

    # ------------------------------------------------------------ process

    def start(self, timeout: float = 10.0) -> "Tmtmock":
        exe = find_binary(self.binary)
        env = dict(os.environ)
        env.update({"TENCENTCLOUD_SECRET_ID": self.secret_id, "TENCENTCLOUD_SECRET_KEY": self.secret_key})
        args = [str(exe), "--listen", "127.0.0.1:0", *self.args]
        if self.admin_token:
            args += ["--admin-token", self.admin_token]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        threading.Thread(target=self._drain, daemon=True).start()
        got: list[str] = []
        reader = threading.Thread(target=lambda: got.append(self.proc.stdout.readline()),  # type: ignore[union-attr]
                                  daemon=True)
        reader.start()
        reader.join(timeout)
        m = READY.match(got[0].rstrip("\n")) if got else None
        if not m:
            self.stop()
            raise TmtmockError(f"{exe} did not start: {got[0] if got else 'no ready line'!r}; "
                               f"stderr: {''.join(self.stderr_lines)}")
        self.host, self.port = m.group(1), int(m.group(2))
        return self

    def _drain(self) -> None:
        assert self.proc and self.proc.stderr
        for line in self.proc.stderr:
            self.stderr_lines.append(line)

    def stop(self) -> int | None:
        """SIGTERM, then the exit status (None if it never started)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def __enter__(self) -> "Tmtmock":
        return self if self.proc is not None else self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------ where

    @property
    def endpoint(self) -> str:
        """HOST:PORT, what the SDKs' HttpProfile wants (scheme http)."""
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # ------------------------------------------------------------ admin API

    def admin(self, method: str, path: str, body: Any = None, query: Mapping[str, str] | None = None) -> Any:
        """``method`` on /_mock/<path>; the JSON answer, or TmtmockError on a non-2xx."""
        status, text = self._http(method, "/_mock/" + path + ("?" + urlencode(query) if query else ""),
                                  None if body is None else json.dumps(body).encode(), admin=True)
        if not 200 <= status < 300:
            raise TmtmockError(f"{method} /_mock/{path}: {status} {text}")
        return json.loads(text) if text else None

    @property
    def faults(self) -> Faults:
        return Faults(self)

    @property
    def clock(self) -> Clock:
        return Clock(self)

    def reset(self) -> None:
        """Rules, journal, accounts, clock, rate windows back to start-up."""
        self.admin("POST", "reset")

    def journal(self, **filters: Any) -> list[dict[str, Any]]:
        """The journal's entries that match every filter: action, code (OK, an error code, a
        fault), secret_id, signature_ok, since (a seq), from_ and until (mock-clock seconds)."""
        return self.admin("GET", "journal", query=journal_query(filters))["entries"]

    def count(self, **filters: Any) -> int:
        """How many entries match (the journal's filters, as for journal())."""
        return self.admin("GET", "journal", query={**journal_query(filters), "count": "1"})["count"]

    def new_account(self, **fields: Any) -> tuple[str, str]:
        """A fresh account (fields override: state, qps, ...); answers (secret_id, secret_key)."""
        token = os.urandom(16).hex()
        body = {"secret_id": "AKID" + token, "secret_key": token, **fields}
        self.admin("POST", "accounts", body)
        return body["secret_id"], body["secret_key"]

    # ------------------------------------------------------------ a signed call

    def call(self, action: str, params: Mapping[str, Any], *, secret_id: str | None = None,
             secret_key: str | None = None, timestamp: int | None = None) -> dict[str, Any]:
        """One TC3-signed POST of ``action``, for a test that needs a request without an SDK;
        answers the envelope's Response (an error is in it, not raised)."""
        sid, key = secret_id or self.secret_id, secret_key or self.secret_key
        ts = int(time.time()) if timestamp is None else timestamp
        day = time.strftime("%Y-%m-%d", time.gmtime(ts))
        body = json.dumps(params, separators=(",", ":"), ensure_ascii=False).encode()
        host = self.endpoint
        creq = "\n".join(["POST", "/", "", "content-type:application/json", f"host:{host}", "",
                          "content-type;host", hashlib.sha256(body).hexdigest()])
        sts = "\n".join(["TC3-HMAC-SHA256", str(ts), f"{day}/tmt/tc3_request",
                         hashlib.sha256(creq.encode()).hexdigest()])
        k = ("TC3" + key).encode()
        for part in (day, "tmt", "tc3_request"):
            k = hmac.new(k, part.encode(), hashlib.sha256).digest()
        sig = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
        headers = {
            "Content-Type": "application/json", "X-TC-Action": action, "X-TC-Version": TMT_VERSION,
            "X-TC-Region": self.region, "X-TC-Timestamp": str(ts),
            "Authorization": f"TC3-HMAC-SHA256 Credential={sid}/{day}/tmt/tc3_request, "
                             f"SignedHeaders=content-type;host, Signature={sig}",
        }
        status, text = self._http("POST", "/", body, headers=headers)
        try:
            return json.loads(text)["Response"]
        except (ValueError, KeyError, TypeError):
            raise TmtmockError(f"{action}: HTTP {status}, not an API answer: {text[:200]!r}") from None

    def _http(self, method: str, target: str, body: bytes | None, *, admin: bool = False,
              headers: Mapping[str, str] | None = None) -> tuple[int, str]:
        hdrs = {"Host": self.endpoint, **(headers or {})}
        if body is not None and "Content-Type" not in hdrs:
            hdrs["Content-Type"] = "application/json"
        if admin and self.admin_token:
            hdrs["Authorization"] = f"Bearer {self.admin_token}"
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            conn.request(method, target, body=body, headers=hdrs)
            resp = conn.getresponse()
            return resp.status, resp.read().decode("utf-8", "replace")
        finally:
            conn.close()


def start(args: Sequence[str] = (), binary: str | os.PathLike[str] | None = None, **kw: Any) -> Tmtmock:
    """A started Tmtmock (a context manager that stops it): ``args`` are extra options."""
    return Tmtmock(binary=Path(binary) if binary else None, args=tuple(args), **kw).start()


