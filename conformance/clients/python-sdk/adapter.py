#!/usr/bin/env python3
"""Conformance adapter for the official Tencent Cloud Python SDK (tencentcloud-sdk-python).

The SDK is found on PYTHONPATH (package `tencentcloud`, module
`tencentcloud.tmt.v20180321`; it needs `requests` and `certifi`). Where it cannot be
imported, the adapter still answers `start` (with the capabilities it would have) and
answers every `run` with `skipped`, so the suite reports SKIP for every scenario.

The SDK is used as an application would (docs/conformance.md):

    cred    = credential.Credential(secret_id, secret_key, token)
    http    = HttpProfile(protocol="http", endpoint="127.0.0.1:PORT", reqMethod=..., reqTimeout=s)
    profile = ClientProfile(httpProfile=http, signMethod=..., language=...,
                            retryer=StandardRetryer(max_attempts=N, backoff_fn=...))   # N > 1
    client  = tmt_client.TmtClient(cred, region, profile)
    client.TextTranslate(models.TextTranslateRequest().from_json_string(...))

An action the installed SDK has no method for (the newest SDKs keep only
ImageTranslateLLM) goes through the SDK's generic `client.call_json(action, params)`,
which shares the signing, transport and retryer of the typed methods.

Options: sign_method -> ClientProfile.signMethod; method -> HttpProfile.reqMethod;
timeout_ms -> HttpProfile.reqTimeout in seconds (a float: requests applies it to the
connect and to each read); language -> ClientProfile.language (the SDK only accepts
zh-CN and en-US; any other value is not sent, the SDK default zh-CN applies);
max_attempts > 1 -> StandardRetryer(max_attempts) when the SDK has it, with a
100 ms, 200 ms, ... backoff (the SDK's default is 1 s, 2 s, 4 s: the application's
choice, to keep the catalogue fast). The StandardRetryer retries only network errors,
non-200 answers and RequestLimitExceeded[.UinLimitExceeded|.GlobalRegionUinLimitExceeded],
re-signing every attempt.

What the SDK raises is mapped to the protocol's error kinds:
  TencentCloudSDKException with an API code         -> api (code, message, request_id)
  code ClientNetworkError                           -> network, or timeout ("timed out")
  code ServerNetworkError (HTTP status != 200)      -> network
  a wrapped JSONDecodeError / KeyError / ValueError -> parse
  a wrapped requests/urllib3 transport error        -> network, or timeout
  ClientError / ClientParamsError                   -> other
The response is the model's JSON (fields the model does not know are dropped by the
SDK; fields it knows but the answer lacked are left out here rather than sent as null).

Run against the SDK's public source trees (3.1.53 and 3.1.162): the known failures in
known_failures.json are the SDK's own behaviour, each with the journal lines that show it.
"""
from __future__ import annotations

import inspect
import json
import os
import re
import sys
from typing import Any
from urllib.parse import urlsplit
from pathlib import Path

# The protocol loop every Python adapter shares (conformance/clients/adapterkit.py).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import adapterkit  # noqa: E402

NAME = "python-sdk"
ACTIONS = [
    "TextTranslate", "TextTranslateBatch", "LanguageDetect", "SpeechTranslate",
    "ImageTranslate", "ImageTranslateLLM", "FileTranslate", "GetFileTranslate",
]
BASE_CAPABILITIES = [
    *ACTIONS,
    "sign:TC3-HMAC-SHA256", "sign:HmacSHA256", "sign:HmacSHA1",
    "method:POST", "method:GET",
    "timeout", "token", "language",
]
LANGUAGES = ("zh-CN", "en-US")

# requests sends every request through $HTTP_PROXY when set (unless NO_PROXY matches):
# the mock is on loopback, never proxy.
for _name in list(os.environ):
    if _name.lower() in ("http_proxy", "https_proxy", "all_proxy"):
        del os.environ[_name]

SDK_ERROR: str | None = None
try:
    import tencentcloud
    from tencentcloud.common import credential
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile
    from tencentcloud.tmt.v20180321 import models, tmt_client
except Exception as _e:  # ImportError, or a dependency (requests, certifi) missing
    SDK_ERROR = f"{type(_e).__name__}: {_e}"

StandardRetryer: Any = None
if SDK_ERROR is None:
    try:
        from tencentcloud.common.retry import StandardRetryer
    except Exception:
        StandardRetryer = None


def has_retryer() -> bool:
    if SDK_ERROR is not None or StandardRetryer is None:
        return False
    try:
        return "retryer" in inspect.signature(ClientProfile.__init__).parameters
    except (TypeError, ValueError):
        return False


def has_call_json() -> bool:
    return SDK_ERROR is None and hasattr(tmt_client.TmtClient, "call_json")


def capabilities() -> list[str]:
    caps = list(BASE_CAPABILITIES)
    if SDK_ERROR is not None or has_retryer():
        caps.append("retry")
    if SDK_ERROR is not None or has_call_json():
        caps.append("custom_action")
    # Parameters pass as given only through call_json: a typed request model drops the keys
    # it does not define. So raw_params when TextTranslate (the action of the raw-parameter
    # scenarios) has no typed method (the newest SDKs).
    if SDK_ERROR is None and has_call_json() and not callable(getattr(tmt_client.TmtClient, "TextTranslate", None)):
        caps.append("raw_params")
    return caps


def client_info() -> dict[str, Any]:
    version = getattr(tencentcloud, "__version__", None) if SDK_ERROR is None else None
    calls = {}
    if SDK_ERROR is None:
        for a in ACTIONS:
            typed = callable(getattr(tmt_client.TmtClient, a, None)) and hasattr(models, a + "Request")
            calls[a] = "typed method" if typed else ("generic call_json" if has_call_json() else "none")
    return {"name": NAME, "version": version, "language": "python",
            "capabilities": capabilities(), **({"calls": calls} if calls else {}),
            "sdk": "missing: " + SDK_ERROR if SDK_ERROR else "tencentcloud-sdk-python"}


def log(*parts: Any) -> None:
    print("python-sdk adapter:", *parts, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- errors

TIMEOUT_RE = re.compile(r"timed? ?out|timeout", re.IGNORECASE)
PARSE_NAMES = {"JSONDecodeError", "KeyError", "ValueError", "TypeError", "UnicodeDecodeError",
               "AttributeError"}
TRANSPORT_NAMES = {"ConnectionError", "ChunkedEncodingError", "ProtocolError", "IncompleteRead",
                   "ContentDecodingError", "RemoteDisconnected", "ConnectionResetError",
                   "BrokenPipeError", "SSLError", "ProxyError", "InvalidChunkLength"}
TIMEOUT_NAMES = {"ReadTimeout", "ConnectTimeout", "Timeout", "ReadTimeoutError",
                 "ConnectTimeoutError", "timeout", "TimeoutError"}
API_CODE_RE = re.compile(r"^[A-Z][A-Za-z0-9]*(\.[A-Za-z0-9_]+)*$")


def failure(kind: str, code: str | None, message: Any, request_id: Any = None) -> dict[str, Any]:
    return {"ok": False, "error": {
        "kind": kind, "code": code if kind == "api" else None,
        "message": message if isinstance(message, str) else
        (message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)),
        "request_id": request_id if isinstance(request_id, str) and request_id else None,
        **({"sdk_code": code} if kind != "api" and code else {}),
    }}


def classify_name(name: str, message: str) -> str | None:
    if name in TIMEOUT_NAMES:
        return "timeout"
    if name in TRANSPORT_NAMES:
        return "timeout" if TIMEOUT_RE.search(message) else "network"
    if name in PARSE_NAMES:
        return "parse"
    return None


def classify(err: BaseException) -> dict[str, Any]:
    if SDK_ERROR is None and isinstance(err, TencentCloudSDKException):
        code = err.get_code()
        message = err.get_message()
        text = message if isinstance(message, str) else str(message)
        rid = err.get_request_id()
        if code == "ClientNetworkError":
            return failure("timeout" if TIMEOUT_RE.search(text) else "network", code, text, rid)
        if code == "ServerNetworkError":
            return failure("network", code, text, rid)
        if code in ("ClientError", "ClientParamsError"):
            return failure("other", code, text, rid)
        kind = classify_name(str(code), text)
        if kind is not None:
            return failure(kind, code, text, rid)
        if isinstance(code, str) and API_CODE_RE.match(code) and rid:
            return failure("api", code, text, rid)
        return failure("other", str(code), text, rid)
    name = type(err).__name__
    kind = classify_name(name, str(err)) or "other"
    return failure(kind, name, f"{name}: {err}")


# ---------------------------------------------------------------- one run


def build_client(msg: dict[str, Any]) -> Any:
    opts = msg.get("options") or {}
    creds = msg.get("credentials") or {}
    endpoint = str(msg.get("endpoint") or "")
    split = urlsplit(endpoint if "://" in endpoint else "http://" + endpoint)
    http = HttpProfile(protocol=split.scheme or "http", endpoint=split.netloc,
                       reqMethod=str(opts.get("method") or "POST").upper(),
                       reqTimeout=(opts.get("timeout_ms") or 60000) / 1000.0)
    kwargs: dict[str, Any] = {"httpProfile": http,
                              "signMethod": opts.get("sign_method") or "TC3-HMAC-SHA256"}
    language = opts.get("language")
    if language in LANGUAGES:
        kwargs["language"] = language
    elif language:
        log(f"language {language!r} is not one the SDK accepts; not sent")
    attempts = int(opts.get("max_attempts") or 1)
    if attempts > 1 and has_retryer():
        kwargs["retryer"] = StandardRetryer(max_attempts=attempts, backoff_fn=lambda n: 0.1 * (2 ** n))
    profile = ClientProfile(**kwargs)
    cred = credential.Credential(creds.get("secret_id") or "", creds.get("secret_key") or "",
                                 creds.get("token"))
    return tmt_client.TmtClient(cred, msg.get("region"), profile)


def drop_nulls(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: drop_nulls(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, list):
        return [drop_nulls(v) for v in obj]
    return obj


def run(msg: dict[str, Any]) -> dict[str, Any]:
    seq = msg.get("seq")
    if SDK_ERROR is not None:
        return {"seq": seq, "skipped": {
            "reason": "tencentcloud-sdk-python is not installed: cannot import "
                      f"tencentcloud.tmt.v20180321 ({SDK_ERROR}); put the SDK on PYTHONPATH",
            "issue_url": None}}
    action = str(msg.get("action"))
    params = msg.get("params") or {}
    client = build_client(msg)
    method = getattr(client, action, None)
    request_cls = getattr(models, action + "Request", None)
    try:
        if callable(method) and request_cls is not None:
            request = request_cls()
            request.from_json_string(json.dumps(params))
            model = method(request)
            response = drop_nulls(json.loads(model.to_json_string()))
        elif has_call_json():
            doc = client.call_json(action, params)
            response = doc.get("Response") if isinstance(doc, dict) else None
            if not isinstance(response, dict):
                return {"seq": seq, "result": failure("parse", None, f"no Response in {doc!r}"[:500])}
        else:
            return {"seq": seq, "skipped": {
                "reason": f"tencentcloud-sdk-python {tencentcloud.__version__} has no {action} "
                          "method and no generic call_json", "issue_url": None}}
    except Exception as e:  # what the SDK raised is the client's answer, classified
        return {"seq": seq, "result": classify(e)}
    return {"seq": seq, "result": {"ok": True, "response": response}}


# ---------------------------------------------------------------- the loop


def main() -> int:
    log(f"SDK: {'missing (' + SDK_ERROR + ')' if SDK_ERROR else tencentcloud.__version__}")
    return adapterkit.serve(client_info, run)

if __name__ == "__main__":
    sys.exit(main())
