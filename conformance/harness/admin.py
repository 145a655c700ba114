"""A small client of the mock's admin API (docs/admin-api.md), standard library only.

Every call answers ``(status, body)``: the HTTP status and the body parsed as JSON
(``None`` when the body is empty; the raw text when it is not JSON, as for
``/_mock/metrics``). Non-2xx statuses are returned, never raised, so tests can check
the 4xx answers too.

    adm = Admin.of(mock)                      # the API listener of a MockProcess
    status, rule = adm.post("faults", {"error": "InternalError", "times": 2})
    adm.delete(f"faults/{rule['id']}")
    adm.new_account()                         # a fresh random account, returns Credentials
"""
from __future__ import annotations

import http.client
import json
import random
import string
from typing import Any, Protocol
from urllib.parse import urlencode

from .signer import Credentials

ALNUM = string.ascii_letters + string.digits


class MockLike(Protocol):
    host: str
    port: int


def random_secret_id() -> str:
    """A well-formed random SecretId: "AKID" + 32 letters or digits."""
    return "AKID" + "".join(random.SystemRandom().choice(ALNUM) for _ in range(32))


def random_secret_key() -> str:
    return "".join(random.SystemRandom().choice(ALNUM) for _ in range(32))


class Admin:
    """The admin API at host:port (the API listener or an --admin-listen one)."""

    def __init__(self, host: str, port: int, token: str | None = None, timeout: float = 10.0) -> None:
        self.host, self.port, self.token, self.timeout = host, port, token, timeout

    @classmethod
    def of(cls, mock: MockLike, token: str | None = None) -> "Admin":
        return cls(mock.host, mock.port, token)

    # ------------------------------------------------------------ raw

    def request(self, method: str, path: str, body: Any = None, *, raw: bytes | str | None = None,
                query: dict[str, Any] | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, Any]:
        """``method`` on ``/_mock/<path>``. ``body`` is sent as JSON; ``raw`` as it stands."""
        target = path if path.startswith("/") else "/_mock/" + path
        if query:
            target += "?" + urlencode(query)
        data: bytes | None = None
        hdrs = {"Host": f"{self.host}:{self.port}"}
        if raw is not None:
            data = raw.encode("utf-8") if isinstance(raw, str) else raw
        elif body is not None:
            data = json.dumps(body).encode("utf-8")
        if data is not None:
            hdrs["Content-Type"] = "application/json"
        if self.token is not None:
            hdrs["Authorization"] = f"Bearer {self.token}"
        hdrs.update(headers or {})
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            conn.request(method, target, body=data, headers=hdrs)
            resp = conn.getresponse()
            text = resp.read().decode("utf-8")
            status = resp.status
        finally:
            conn.close()
        if text == "":
            return status, None
        try:
            return status, json.loads(text)
        except ValueError:
            return status, text

    def get(self, path: str, **query: Any) -> tuple[int, Any]:
        return self.request("GET", path, query=query or None)

    def post(self, path: str, body: Any = None, **kw: Any) -> tuple[int, Any]:
        return self.request("POST", path, body, **kw)

    def patch(self, path: str, body: Any = None, **kw: Any) -> tuple[int, Any]:
        return self.request("PATCH", path, body, **kw)

    def delete(self, path: str) -> tuple[int, Any]:
        return self.request("DELETE", path)

    # ------------------------------------------------------------ conveniences (assert 2xx)

    def ok(self, method: str, path: str, body: Any = None, **kw: Any) -> Any:
        status, doc = self.request(method, path, body, **kw)
        assert 200 <= status < 300, f"{method} /_mock/{path}: {status} {doc}"
        return doc

    def reset(self) -> None:
        self.ok("POST", "reset")

    def add_fault(self, **rule: Any) -> dict[str, Any]:
        """POST a rule (keyword arguments are its fields); answers the stored rule."""
        return self.ok("POST", "faults", rule)

    def faults(self) -> list[dict[str, Any]]:
        return self.ok("GET", "faults")["faults"]

    def clear_faults(self) -> None:
        self.ok("DELETE", "faults")

    def new_account(self, **fields: Any) -> Credentials:
        """Adds an active account with a fresh random SecretId (fields override), answers its keys."""
        body = {"secret_id": random_secret_id(), "secret_key": random_secret_key(), **fields}
        self.ok("POST", "accounts", body)
        return Credentials(body["secret_id"], body["secret_key"], body.get("token"))

    def account(self, secret_id: str) -> dict[str, Any] | None:
        for a in self.ok("GET", "accounts")["accounts"]:
            if a["secret_id"] == secret_id:
                return a
        return None

    def journal(self, **query: Any) -> dict[str, Any]:
        return self.ok("GET", "journal", query=query or None)

    def clock(self) -> dict[str, Any]:
        return self.ok("GET", "clock")

    def set_clock(self, **one: Any) -> dict[str, Any]:
        return self.ok("POST", "clock", one)

    def now(self) -> int:
        """The mock clock, in whole seconds (sign with this when the clock is moved)."""
        return int(self.clock()["now"])


__all__ = ["Admin", "random_secret_id", "random_secret_key"]
