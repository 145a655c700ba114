"""The harness's reference signer: TC3-HMAC-SHA256 and v1 (HmacSHA1, HmacSHA256).

Standard library only. Written from Tencent's description of the algorithms
(docs/behaviour.md, Signatures) and checked against the published vectors (Test
vectors there) by tests/test_signer.py.

Three layers:

* pure functions (``tc3_*``, ``v1_*``, ``flatten``) that compute one step each, so a
  test can check a canonical request or a string to sign against a vector;
* two frozen dataclasses, :class:`Tc3Signer` and :class:`V1Signer`, holding every knob
  a test turns (service, signed host, scope date, signed headers, timestamp, token,
  language, ...); ``dataclasses.replace`` gives a variant. Their ``get``/``post``
  return a signed :class:`HttpRequest` together with the intermediate strings;
* :func:`send`, which puts any :class:`HttpRequest` on the wire with http.client as
  it stands (arbitrary method, headers, raw query, body; no header added but
  Content-Length), so tests can send malformed requests too.
"""
from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import http.client
import json
import random
import time
from dataclasses import dataclass, replace
from typing import Any, Mapping, Sequence
from urllib.parse import urlencode

TMT_VERSION = "2018-03-21"
TC3_ALGORITHM = "TC3-HMAC-SHA256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
JSON_TYPE = "application/json"
FORM_TYPE = "application/x-www-form-urlencoded"
DEFAULT_REGION = "ap-guangzhou"


# ---------------------------------------------------------------- primitives


def _bytes(data: bytes | str) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else data


def sha256_hex(data: bytes | str) -> str:
    """Lowercase hex SHA-256 of the bytes (a str is taken as UTF-8)."""
    return hashlib.sha256(_bytes(data)).hexdigest()


def hmac_sha256(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def utc_date(timestamp: int) -> str:
    """YYYY-MM-DD of a Unix timestamp in UTC (the TC3 scope date)."""
    return datetime.datetime.fromtimestamp(timestamp, tz=datetime.timezone.utc).strftime("%Y-%m-%d")


def now() -> int:
    return int(time.time())


def flatten(params: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Flatten business parameters the v1 way: lists as Name.0, Name.1, objects as
    Name.Field, booleans as true/false; None values are left out."""
    out: dict[str, str] = {}

    def walk(name: str, value: Any) -> None:
        if value is None:
            return
        if isinstance(value, Mapping):
            for k, v in value.items():
                walk(f"{name}.{k}", v)
        elif isinstance(value, (list, tuple)):
            for i, v in enumerate(value):
                walk(f"{name}.{i}", v)
        elif isinstance(value, bool):
            out[name] = "true" if value else "false"
        else:
            out[name] = str(value)

    for key, value in params.items():
        walk(f"{prefix}{key}", value)
    return out


def compact_json(params: Mapping[str, Any]) -> bytes:
    """The JSON body the harness sends: compact, raw UTF-8 (like the Node and Go SDKs)."""
    return json.dumps(params, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


# ---------------------------------------------------------------- TC3 steps


def tc3_canonical_headers(
    headers: Sequence[tuple[str, str]], names: Sequence[str]
) -> tuple[str, str]:
    """(CanonicalHeaders, SignedHeaders) for the header names listed in ``names``.

    Values are looked up case-insensitively in ``headers`` (first occurrence), trimmed
    and lower-cased; lines are sorted by name; a name without a header signs "".
    """
    lowered = sorted({n.strip().lower() for n in names})
    lookup: dict[str, str] = {}
    for k, v in headers:
        lookup.setdefault(k.lower(), v)
    canonical = "".join(f"{n}:{lookup.get(n, '').strip().lower()}\n" for n in lowered)
    return canonical, ";".join(lowered)


def tc3_canonical_request(
    method: str, query: str, canonical_headers: str, signed_headers: str, payload_hash: str
) -> str:
    """The TC3 canonical request (docs/behaviour.md; CanonicalURI is always "/")."""
    return "\n".join([method.upper(), "/", query, canonical_headers, signed_headers, payload_hash])


def tc3_scope(date: str, service: str) -> str:
    return f"{date}/{service}/tc3_request"


def tc3_string_to_sign(timestamp: int | str, scope: str, canonical_request: str) -> str:
    return "\n".join([TC3_ALGORITHM, str(timestamp), scope, sha256_hex(canonical_request)])


def tc3_signing_key(secret_key: str, date: str, service: str) -> bytes:
    """The TC3 signing key, SecretSigning (docs/behaviour.md)."""
    secret_date = hmac_sha256(("TC3" + secret_key).encode("utf-8"), date)
    secret_service = hmac_sha256(secret_date, service)
    return hmac_sha256(secret_service, "tc3_request")


def tc3_sign_with_key(signing_key: bytes, string_to_sign: str) -> str:
    return hmac.new(signing_key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def tc3_signature(secret_key: str, date: str, service: str, string_to_sign: str) -> str:
    return tc3_sign_with_key(tc3_signing_key(secret_key, date, service), string_to_sign)


def tc3_authorization(secret_id: str, scope: str, signed_headers: str, signature: str) -> str:
    return (
        f"{TC3_ALGORITHM} Credential={secret_id}/{scope}, "
        f"SignedHeaders={signed_headers}, Signature={signature}"
    )


# ---------------------------------------------------------------- v1 steps


def v1_source(method: str, host: str, params: Mapping[str, str], path: str = "/") -> str:
    """METHOD + Host + path + "?" + sorted name=raw value pairs (Signature left out)."""
    pairs = sorted((k, v) for k, v in params.items() if k != "Signature")
    return f"{method.upper()}{host}{path}?" + "&".join(f"{k}={v}" for k, v in pairs)


def v1_signature(secret_key: str, source: str, signature_method: str | None = "HmacSHA1") -> str:
    """Base64(HMAC(key, source)): SHA-256 for HmacSHA256, SHA-1 otherwise (the default)."""
    digest = hashlib.sha256 if signature_method == "HmacSHA256" else hashlib.sha1
    mac = hmac.new(secret_key.encode("utf-8"), source.encode("utf-8"), digest).digest()
    return base64.b64encode(mac).decode("ascii")


# ---------------------------------------------------------------- requests


@dataclass(frozen=True)
class Credentials:
    secret_id: str
    secret_key: str
    token: str | None = None


@dataclass(frozen=True)
class HttpRequest:
    """A request exactly as it goes on the wire (send() adds only Content-Length)."""

    method: str
    target: str = "/"
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    add_content_length: bool = True

    @property
    def query(self) -> str:
        return self.target.split("?", 1)[1] if "?" in self.target else ""

    def header(self, name: str) -> str | None:
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def with_header(self, name: str, value: str) -> "HttpRequest":
        """Replace the header (case-insensitively) in place, or append it."""
        out, done = [], False
        for k, v in self.headers:
            if k.lower() == name.lower():
                if not done:
                    out.append((name, value))
                    done = True
            else:
                out.append((k, v))
        if not done:
            out.append((name, value))
        return replace(self, headers=tuple(out))

    def without_header(self, name: str) -> "HttpRequest":
        return replace(self, headers=tuple((k, v) for k, v in self.headers if k.lower() != name.lower()))

    def with_body(self, body: bytes | str) -> "HttpRequest":
        return replace(self, body=_bytes(body))

    def with_query(self, query: str) -> "HttpRequest":
        return replace(self, target="/?" + query if query else "/")

    def with_method(self, method: str) -> "HttpRequest":
        return replace(self, method=method)


@dataclass(frozen=True)
class Tc3Signed:
    request: HttpRequest
    canonical_request: str
    string_to_sign: str
    credential_scope: str
    signature: str
    authorization: str


@dataclass(frozen=True)
class Tc3Signer:
    """Signs TC3-HMAC-SHA256 requests. ``None`` for action/version/region/timestamp
    leaves that header out (timestamp: ``now()`` unless ``omit_timestamp``)."""

    credentials: Credentials
    host: str                                   # the Host header sent
    action: str | None = "TextTranslate"
    version: str | None = TMT_VERSION
    region: str | None = DEFAULT_REGION
    timestamp: int | str | None = None          # None: now()
    omit_timestamp: bool = False
    language: str | None = None                 # X-TC-Language
    service: str = "tmt"
    signed_host: str | None = None              # canonical host value; None: the Host header
    scope_date: str | None = None               # None: UTC date of the timestamp
    signed_headers: tuple[str, ...] = ("content-type", "host")
    content_type: str | None = None             # None: by method; "": no Content-Type header
    unsigned_payload: bool = False              # X-TC-Content-SHA256: UNSIGNED-PAYLOAD
    extra_headers: tuple[tuple[str, str], ...] = ()

    def post(self, params: Mapping[str, Any] | None = None, *, body: bytes | str | None = None) -> Tc3Signed:
        """POST with a JSON body: ``body`` verbatim, else ``params`` as compact JSON."""
        raw = _bytes(body) if body is not None else compact_json(params or {})
        return self.sign("POST", "", raw)

    def get(self, params: Mapping[str, Any] | None = None, *, query: str | None = None) -> Tc3Signed:
        """GET with the business parameters in the query: ``query`` verbatim, else
        ``params`` flattened and form-encoded."""
        q = query if query is not None else urlencode(list(flatten(params or {}).items()))
        return self.sign("GET", q, b"")

    def sign(self, method: str, query: str, body: bytes) -> Tc3Signed:
        ts = self.timestamp if self.timestamp is not None else now()
        if self.scope_date is not None:
            date = self.scope_date
        else:
            try:
                date = utc_date(int(ts))
            except ValueError:
                date = utc_date(now())
        ctype = self.content_type
        if ctype is None:
            ctype = JSON_TYPE if method.upper() == "POST" else FORM_TYPE
        headers: list[tuple[str, str]] = [("Host", self.host)]
        if ctype:
            headers.append(("Content-Type", ctype))
        for name, value in (
            ("X-TC-Action", self.action),
            ("X-TC-Version", self.version),
            ("X-TC-Region", self.region),
            ("X-TC-Timestamp", None if self.omit_timestamp else str(ts)),
            ("X-TC-Token", self.credentials.token),
            ("X-TC-Language", self.language),
            ("X-TC-Content-SHA256", UNSIGNED_PAYLOAD if self.unsigned_payload else None),
        ):
            if value is not None:
                headers.append((name, value))
        headers.extend(self.extra_headers)

        signing_view = list(headers)
        if self.signed_host is not None:
            signing_view = [("Host", self.signed_host)] + [h for h in headers if h[0].lower() != "host"]
        canonical_headers, signed = tc3_canonical_headers(signing_view, self.signed_headers)
        payload_hash = sha256_hex(UNSIGNED_PAYLOAD if self.unsigned_payload else body)
        canonical = tc3_canonical_request(method, query, canonical_headers, signed, payload_hash)
        scope = tc3_scope(date, self.service)
        sts = tc3_string_to_sign(ts, scope, canonical)
        signature = tc3_signature(self.credentials.secret_key, date, self.service, sts)
        auth = tc3_authorization(self.credentials.secret_id, scope, signed, signature)
        headers.append(("Authorization", auth))
        target = "/?" + query if query else "/"
        req = HttpRequest(method.upper(), target, tuple(headers), body)
        return Tc3Signed(req, canonical, sts, scope, signature, auth)


@dataclass(frozen=True)
class V1Signed:
    request: HttpRequest
    params: dict[str, str]      # every parameter sent, Signature included
    source: str
    signature: str


@dataclass(frozen=True)
class V1Signer:
    """Signs v1 requests (HmacSHA1 / HmacSHA256). ``None`` leaves a parameter out;
    ``signature_method=None`` omits SignatureMethod (the server then uses HmacSHA1)."""

    credentials: Credentials
    host: str                                   # the Host header sent
    action: str | None = "TextTranslate"
    version: str | None = TMT_VERSION
    region: str | None = DEFAULT_REGION
    timestamp: int | str | None = None          # None: now()
    omit_timestamp: bool = False
    nonce: int | str | None = None              # None: random
    signature_method: str | None = "HmacSHA1"
    language: str | None = None
    request_client: str | None = None
    signed_host: str | None = None              # host in the source string; None: Host header
    content_type: str | None = None             # None: form type; "": no Content-Type header
    extra_headers: tuple[tuple[str, str], ...] = ()

    def common_params(self) -> dict[str, str]:
        ts = self.timestamp if self.timestamp is not None else now()
        nonce = self.nonce if self.nonce is not None else random.randint(1, 2**31 - 1)
        out: dict[str, str] = {}
        for name, value in (
            ("Action", self.action),
            ("Version", self.version),
            ("Region", self.region),
            ("Timestamp", None if self.omit_timestamp else ts),
            ("Nonce", nonce),
            ("SecretId", self.credentials.secret_id),
            ("SignatureMethod", self.signature_method),
            ("Token", self.credentials.token),
            ("Language", self.language),
            ("RequestClient", self.request_client),
        ):
            if value is not None:
                out[name] = str(value)
        return out

    def get(self, params: Mapping[str, Any] | None = None) -> V1Signed:
        return self.sign("GET", params)

    def post(self, params: Mapping[str, Any] | None = None) -> V1Signed:
        return self.sign("POST", params)

    def sign(self, method: str, params: Mapping[str, Any] | None = None) -> V1Signed:
        all_params = self.common_params()
        all_params.update(flatten(params or {}))
        source = v1_source(method, self.signed_host or self.host, all_params)
        signature = v1_signature(self.credentials.secret_key, source, self.signature_method)
        all_params["Signature"] = signature
        encoded = urlencode(list(all_params.items()))
        headers: list[tuple[str, str]] = [("Host", self.host)]
        ctype = FORM_TYPE if self.content_type is None else self.content_type
        if ctype:
            headers.append(("Content-Type", ctype))
        headers.extend(self.extra_headers)
        if method.upper() == "GET":
            req = HttpRequest("GET", "/?" + encoded, tuple(headers), b"")
        else:
            req = HttpRequest(method.upper(), "/", tuple(headers), encoded.encode("ascii"))
        return V1Signed(req, all_params, source, signature)


# ---------------------------------------------------------------- the wire


@dataclass(frozen=True)
class HttpResponse:
    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> Any:
        """The body parsed as JSON (raises ValueError if it is not)."""
        return json.loads(self.text)


def send(host: str, port: int, request: HttpRequest, timeout: float = 30.0) -> HttpResponse:
    """Send ``request`` as it stands: its method, target, headers (no Host or
    Accept-Encoding added) and body; Content-Length is added when the request
    has none, unless ``add_content_length`` is false or the request is a GET
    without a body."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.putrequest(request.method, request.target, skip_host=True, skip_accept_encoding=True)
        for name, value in request.headers:
            conn.putheader(name, value)
        if (
            request.add_content_length
            and request.header("Content-Length") is None
            and (request.body or request.method.upper() not in ("GET", "HEAD"))
        ):
            conn.putheader("Content-Length", str(len(request.body)))
        conn.endheaders(request.body or None)
        resp = conn.getresponse()
        body = resp.read()
        return HttpResponse(resp.status, resp.reason, tuple(resp.getheaders()), body)
    finally:
        conn.close()


__all__ = [
    "Credentials", "HttpRequest", "HttpResponse", "Tc3Signed", "Tc3Signer", "V1Signed", "V1Signer",
    "compact_json", "flatten", "send", "sha256_hex", "tc3_authorization", "tc3_canonical_headers",
    "tc3_canonical_request", "tc3_scope", "tc3_sign_with_key", "tc3_signature", "tc3_signing_key",
    "tc3_string_to_sign", "utc_date", "v1_signature", "v1_source", "now",
]
