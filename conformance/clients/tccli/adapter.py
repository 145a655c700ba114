#!/usr/bin/env python3
"""Conformance adapter for tccli, the Tencent Cloud command line (one-shot mode).

The harness starts this program once per `run`, writes that one message on stdin and
reads one answer (it also answers `start`, if asked). The command is $TCCLI (split like
a shell would, e.g. `tccli` or `python3 -m tccli.main`); it is run as a user would:

    TENCENTCLOUD_SECRET_ID=... TENCENTCLOUD_SECRET_KEY=... [TENCENTCLOUD_TOKEN=...] \\
    $TCCLI tmt TextTranslate --cli-unfold-argument --SourceText=hello --Source=en \\
        --Target=zh --ProjectId=0 --endpoint http://127.0.0.1:PORT --region ap-guangzhou \\
        --timeout SECONDS --output json

with HOME set to an empty temporary folder (no ~/.tccli profile can change the call)
and no proxy variables. Parameters are unfolded as tccli's --cli-unfold-argument
expects: scalars `--Name=value`, lists of scalars `--Name v1 v2`, objects `--Name.Field=v`,
lists of objects `--Name.0.Field=v`; booleans as true/false.

tccli chooses its own signing (TC3-HMAC-SHA256 or HmacSHA256 depending on its version,
always POST), sends no X-TC-Language and never retries: the adapter claims only
sign:TC3-HMAC-SHA256, method:POST, timeout (whole seconds, rounded up) and token, so
scenarios that need anything else are SKIP. `--endpoint http://host:port` works through
a quirk of the Python SDK under tccli (docs/conformance.md: it then sends and signs
`Host: http://host:port`).

Output: on success tccli prints the response as JSON on stdout; on failure it prints
`[TencentCloudSDKException] code:C message:M requestId:R` on stderr (exit status 0 in
most versions). Codes are mapped as for the Python SDK (ClientNetworkError -> network or
timeout, ServerNetworkError -> network, wrapped JSON/Key errors -> parse, API codes -> api).
An action the installed tccli does not have ("invalid choice") is `skipped`. Arguments
tccli's own parser refuses (a required one missing: "error: the following arguments are
required: --Target", exit status 252) never reach the service: kind `validation`, which
the suite grades as "rejected locally" (docs/conformance.md).

Run against tccli's public source tree at 3.1.49.1 (TCCLI='python3 -m tccli.main', tccli
and the Python SDK on PYTHONPATH).
"""
from __future__ import annotations

import json
import math
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from typing import Any
from urllib.parse import urlsplit
from pathlib import Path

# The protocol loop every Python adapter shares (conformance/clients/adapterkit.py).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import adapterkit  # noqa: E402

NAME = "tccli"
CAPABILITIES = [
    "TextTranslate", "TextTranslateBatch", "LanguageDetect", "SpeechTranslate",
    "ImageTranslate", "ImageTranslateLLM", "FileTranslate", "GetFileTranslate",
    "sign:TC3-HMAC-SHA256", "method:POST", "timeout", "token",
]
# Beyond the call's own timeout: the start-up of tccli (it imports every service).
STARTUP_MARGIN_S = 30.0

EXC_RE = re.compile(r"\[TencentCloudSDKException\] code:(?P<code>\S*) message:(?P<rest>.*)", re.DOTALL)
# What tccli's argparse prints when it refuses the arguments (exit status 252), e.g.
# "main.py: error: the following arguments are required: --Target".
LOCAL_REJECT_RE = re.compile(r"error: (the following arguments are required|argument [^\n]*|"
                             r"unrecognized arguments)[^\n]*")
TIMEOUT_RE = re.compile(r"timed? ?out|timeout", re.IGNORECASE)
PARSE_CODES = {"JSONDecodeError", "KeyError", "ValueError", "TypeError", "UnicodeDecodeError"}
TRANSPORT_CODES = {"ConnectionError", "ChunkedEncodingError", "ProtocolError", "IncompleteRead",
                   "ContentDecodingError", "ReadTimeout", "ConnectTimeout", "Timeout"}


def log(*parts: Any) -> None:
    print("tccli adapter:", *parts, file=sys.stderr, flush=True)


def command() -> list[str] | None:
    spec = os.environ.get("TCCLI", "").strip()
    if not spec:
        return None
    argv = shlex.split(spec)
    if shutil.which(argv[0]) is None and not os.path.exists(argv[0]):
        return None
    return argv


def unfold(params: dict[str, Any]) -> list[str]:
    """--cli-unfold-argument arguments for params."""
    out: list[str] = []

    def scalar(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        return str(v)

    def walk(name: str, value: Any) -> None:
        if value is None:
            return
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{name}.{k}", v)
        elif isinstance(value, list):
            if all(not isinstance(v, (dict, list)) for v in value):
                out.append(f"--{name}")
                out.extend(scalar(v) for v in value)
            else:
                for i, v in enumerate(value):
                    walk(f"{name}.{i}", v)
        else:
            out.append(f"--{name}={scalar(value)}")

    for key, value in params.items():
        walk(key, value)
    return out


def failure(kind: str, code: str | None, message: str, request_id: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"kind": kind, "code": code if kind == "api" else None,
                             "message": message, "request_id": request_id or None}
    if kind != "api" and code:
        error["sdk_code"] = code
    return {"ok": False, "error": error}


def classify(code: str, rest: str) -> dict[str, Any]:
    message, _, rid = rest.rstrip().rpartition(" requestId:")
    if not _:
        message, rid = rest.rstrip(), ""
    rid = rid.strip()
    rid = None if rid in ("", "None") else rid
    if code == "ClientNetworkError" or code in TRANSPORT_CODES:
        return failure("timeout" if TIMEOUT_RE.search(message) else "network", code, message, rid)
    if code == "ServerNetworkError":
        return failure("network", code, message, rid)
    if code in PARSE_CODES:
        return failure("parse", code, message, rid)
    if code in ("ClientError", "ClientParamsError", "None", ""):
        return failure("other", code, message, rid)
    return failure("api", code, message, rid)


def drop_nulls(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: drop_nulls(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, list):
        return [drop_nulls(v) for v in obj]
    return obj


def run(msg: dict[str, Any]) -> dict[str, Any]:
    seq = msg.get("seq")
    argv = command()
    if argv is None:
        return {"seq": seq, "skipped": {
            "reason": "tccli is not installed: set TCCLI to the command that runs it",
            "issue_url": None}}
    opts = msg.get("options") or {}
    creds = msg.get("credentials") or {}
    endpoint = str(msg.get("endpoint") or "")
    split = urlsplit(endpoint)
    timeout_s = max(1, math.ceil((opts.get("timeout_ms") or 60000) / 1000))
    args = [*argv, "tmt", str(msg.get("action")), "--cli-unfold-argument",
            *unfold(msg.get("params") or {}),
            "--endpoint", f"{split.scheme or 'http'}://{split.netloc}",
            "--timeout", str(timeout_s), "--output", "json"]
    if msg.get("region"):
        args += ["--region", str(msg["region"])]
    with tempfile.TemporaryDirectory(prefix="tccli-home-") as home:
        env = {k: v for k, v in os.environ.items()
               if k.lower() not in ("http_proxy", "https_proxy", "all_proxy")
               and not k.startswith("TENCENTCLOUD_")}
        env.update(HOME=home, TENCENTCLOUD_SECRET_ID=creds.get("secret_id") or "",
                   TENCENTCLOUD_SECRET_KEY=creds.get("secret_key") or "")
        if creds.get("token"):
            env["TENCENTCLOUD_TOKEN"] = creds["token"]
        try:
            proc = subprocess.run(args, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                                  text=True, timeout=timeout_s + STARTUP_MARGIN_S)
        except subprocess.TimeoutExpired:
            return {"seq": seq, "result": failure(
                "timeout", None, f"tccli did not finish within {timeout_s + STARTUP_MARGIN_S:.0f} s")}
    out, err = proc.stdout.strip(), proc.stderr.strip()
    if err:
        log(f"stderr: {err[-2000:]}")
    m = EXC_RE.search(err) or EXC_RE.search(out)
    if m:
        return {"seq": seq, "result": classify(m.group("code"), m.group("rest"))}
    if out:
        try:
            doc = json.loads(out)
        except ValueError:
            doc = None
        if isinstance(doc, dict):
            return {"seq": seq, "result": {"ok": True, "response": drop_nulls(doc)}}
    local = LOCAL_REJECT_RE.search(err) or LOCAL_REJECT_RE.search(out)
    if local:
        # tccli's argument parser refused the call: nothing was sent (kind validation).
        return {"seq": seq, "result": failure("validation", None, local.group(0).strip())}
    if "invalid choice" in err or "Invalid choice" in err:
        return {"seq": seq, "skipped": {
            "reason": f"this tccli has no tmt {msg.get('action')}: {err[-300:]}", "issue_url": None}}
    return {"seq": seq, "result": failure(
        "other", None, f"tccli exited {proc.returncode} without a result: {(err or out)[-500:]}")}


def client_info() -> dict[str, Any]:
    version = None
    argv = command()
    if argv is not None:
        try:
            version = subprocess.run([*argv, "--version"], capture_output=True, text=True,
                                     timeout=STARTUP_MARGIN_S).stdout.strip() or None
        except (OSError, subprocess.TimeoutExpired):
            version = None
    return {"name": NAME, "version": version, "language": "cli", "capabilities": CAPABILITIES}


def main() -> int:
    return adapterkit.serve(client_info, run)

if __name__ == "__main__":
    sys.exit(main())
