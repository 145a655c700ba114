"""What every wire test needs: the fixture accounts, signers bound to a mock, and the
assertions of the response envelope (contract: HTTP 200, Content-Type exactly
application/json, compact JSON, lowercase-UUID RequestId)."""
from __future__ import annotations

import json
import re
import socket
from typing import Any, Protocol
from urllib.parse import urlencode

from .signer import Credentials, HttpRequest, HttpResponse, Tc3Signer, V1Signer, send

DEFAULT = Credentials("AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE")
DISABLED = Credentials("AKIDmockDisabled00000000000000000000", "mockDisabledSecretKey0000000000000")
TEMPORARY = Credentials(
    "AKIDmockTemporary0000000000000000000", "mockTemporarySecretKey000000000000", "mock-sts-token-valid"
)
EXPIRED = Credentials(
    "AKIDmockTokenExpired0000000000000000", "mockTokenExpiredSecretKey000000000", "mock-sts-token-expired"
)
UNKNOWN = Credentials("AKID" + "0" * 32, "noSuchSecretKey")

TEXT = {"SourceText": "hello", "Source": "en", "Target": "zh", "ProjectId": 0}

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

# Exact texts of the contract.
MSG_SIG_FAIL_EN = "The provided credentials could not be validated. Please check your signature is correct."
MSG_SIG_FAIL_ZH = "请求签名验证失败，请检查您的签名计算是否正确。"
MSG_NOT_FOUND_EN = "The SecretId is not found, please ensure that your SecretId is correct."
MSG_NOT_FOUND_ZH = "SecretId不存在，请输入正确的密钥。"
MSG_EXPIRED = "The signature is expired, please request again."
MSG_SIZE_V1 = (
    "The provided credentials could not be validated because of exceeding request size limit, "
    "please use new signature method `TC3-HMAC-SHA256`."
)
MSG_SPLIT = "Url key and value should be splited by `=`."
MSG_INVALID_ACTION = "The request `Action` is invalid or not found."
MSG_UNSUPPORTED_REGION = "The action not support this region."


def msg_missing(name: str) -> str:
    return f"The request is missing a required parameter `{name}`."


def msg_no_such_version(version: str) -> str:
    return f"The specified api version=`{version}` does not exist in service=`tmt`."


def msg_bad_region(name: str) -> str:
    return f"A value specified in `{name}` is not valid, is unsupported, or cannot be used."


class MockLike(Protocol):
    host: str
    port: int


def host_header(mock: MockLike) -> str:
    return f"{mock.host}:{mock.port}"


def tc3(mock: MockLike, creds: Credentials = DEFAULT, **kw: Any) -> Tc3Signer:
    return Tc3Signer(creds, host=host_header(mock), **kw)


def v1(mock: MockLike, creds: Credentials = DEFAULT, **kw: Any) -> V1Signer:
    return V1Signer(creds, host=host_header(mock), **kw)


def call(mock: MockLike, req: HttpRequest) -> HttpResponse:
    return send(mock.host, mock.port, req)


def assert_envelope(resp: HttpResponse) -> dict[str, Any]:
    """Every JSON answer: 200, exact Content-Type, compact JSON, a lowercase-UUID RequestId.
    Returns the inner Response object."""
    assert resp.status == 200, f"status {resp.status}: {resp.body[:300]!r}"
    assert resp.header("Content-Type") == "application/json", resp.header("Content-Type")
    doc = resp.json()
    assert isinstance(doc, dict) and list(doc) == ["Response"], doc
    inner = doc["Response"]
    assert isinstance(inner, dict)
    redumped = json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    assert resp.body == redumped, f"not compact JSON: {resp.body[:300]!r}"
    rid = inner.get("RequestId")
    assert isinstance(rid, str) and UUID_RE.match(rid), f"RequestId {rid!r}"
    return inner


def assert_error(resp: HttpResponse, code: str, message: str | None = None) -> dict[str, Any]:
    """An error answer with this Code (and this exact Message when given)."""
    inner = assert_envelope(resp)
    err = inner.get("Error")
    assert isinstance(err, dict), f"expected error {code}, got {inner}"
    assert set(inner) == {"Error", "RequestId"}, inner
    assert err.get("Code") == code, f"expected {code}, got {err}"
    assert isinstance(err.get("Message"), str) and err["Message"], err
    if message is not None:
        assert err["Message"] == message, f"{code}: expected message {message!r}, got {err['Message']!r}"
    return err


def assert_translated(resp: HttpResponse, source_text: str, source: str = "en", target: str = "zh") -> dict[str, Any]:
    """A TextTranslate success: TargetText non-empty, Source/Target echoed, UsedAmount in code points."""
    inner = assert_envelope(resp)
    assert "Error" not in inner, f"expected success, got {inner['Error']}"
    assert isinstance(inner.get("TargetText"), str) and inner["TargetText"], inner
    assert inner.get("Source") == source and inner.get("Target") == target, inner
    used = inner.get("UsedAmount")
    assert type(used) is int and used == len(source_text), f"UsedAmount {used!r} != {len(source_text)}"
    return inner


# The six ways a test can sign a TextTranslate request.
KINDS = ("tc3-post", "tc3-get", "v1-sha1-post", "v1-sha1-get", "v1-sha256-post", "v1-sha256-get")


def build(mock: MockLike, kind: str, params: dict[str, Any] | None = None,
          creds: Credentials = DEFAULT, **kw: Any) -> HttpRequest:
    """A signed request of this kind (see KINDS); kw goes to the signer (language,
    region, action, version, timestamp, signed_host, ...)."""
    params = TEXT if params is None else params
    if kind.startswith("tc3-"):
        signer = tc3(mock, creds, **kw)
        return (signer.post(params) if kind == "tc3-post" else signer.get(params)).request
    family, method = kind.rsplit("-", 1)
    kw.setdefault("signature_method", {"v1-sha1": "HmacSHA1", "v1-sha256": "HmacSHA256"}[family])
    s = v1(mock, creds, **kw)
    return (s.post(params) if method == "post" else s.get(params)).request


def v1_request(mock: MockLike, method: str, params: dict[str, str], **kw: Any) -> HttpRequest:
    """Put already-flattened v1 parameters (Signature included, or not) on the wire as
    they stand: a GET query or a POST form body, form-encoded, in this order."""
    encoded = urlencode(list(params.items()))
    headers = (("Host", host_header(mock)), ("Content-Type", "application/x-www-form-urlencoded"))
    if method == "GET":
        return HttpRequest("GET", "/?" + encoded, headers, b"", **kw)
    return HttpRequest("POST", "/", headers, encoded.encode("ascii"), **kw)


def read_until_close(s: socket.socket, timeout: float) -> bytes:
    """Everything the peer sends until it closes, resets, or is silent for timeout seconds."""
    s.settimeout(timeout)
    out = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    return out
