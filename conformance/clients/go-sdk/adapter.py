#!/usr/bin/env python3
"""Launcher of the Go SDK adapter (main.go beside this file).

With $TMT_GO_SDK (a local checkout of tencentcloud-sdk-go) and `go` on PATH, it builds
main.go against that checkout, with the network off:

    go.mod:  require github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common v1.0.0
             replace github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common => $TMT_GO_SDK/tencentcloud/common
    env:     GOFLAGS=-mod=mod GOPROXY=off GOSUMDB=off
    go build -ldflags "-X main.sdkVersion=<the checkout's version>"

(a checkout from before the SDK was split into modules, with only a root go.mod, is
required and replaced as github.com/tencentcloud/tencentcloud-sdk-go instead; a
$TMT_GO_SDK that is itself the common module is used as it is). The build goes to a
cache folder keyed by the checkout and by main.go, so it happens once (adapters started
together wait for one build; to build ahead of a run, so that the first `start` is not
slow: `TMT_GO_SDK=... python3 adapter.py </dev/null`); then this process becomes the
adapter (exec), which speaks the protocol on the same stdin/stdout.

Without the SDK, without `go`, or when the build fails (e.g. a dependency of the SDK
missing from the module cache, since nothing is downloaded), it speaks the protocol
itself: `start` gets the capabilities the Go adapter has, and every `run` gets
`skipped` with the reason, so the suite reports SKIP for every scenario.
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

# The protocol loop every Python adapter shares (conformance/clients/adapterkit.py).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import adapterkit  # noqa: E402

HERE = Path(__file__).resolve().parent
MAIN_GO = HERE / "main.go"
COMMON_MODULE = "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
ROOT_MODULE = "github.com/tencentcloud/tencentcloud-sdk-go"

# Kept equal to `capabilities` in main.go.
CAPABILITIES = [
    "TextTranslate", "TextTranslateBatch", "LanguageDetect", "SpeechTranslate",
    "ImageTranslate", "ImageTranslateLLM", "FileTranslate", "GetFileTranslate",
    "sign:TC3-HMAC-SHA256", "sign:HmacSHA256", "sign:HmacSHA1",
    "method:POST", "method:GET",
    "retry", "timeout", "token", "language", "custom_action", "raw_params",
]


def log(*parts: Any) -> None:
    print("go-sdk adapter:", *parts, file=sys.stderr, flush=True)


def module_name(go_mod: Path) -> str | None:
    try:
        m = re.search(r"^module\s+(\S+)", go_mod.read_text(), re.MULTILINE)
    except OSError:
        return None
    return m.group(1) if m else None


def locate(sdk: Path) -> tuple[str, Path] | None:
    """(module to require, directory to replace it with) for the checkout at sdk."""
    common = sdk / "tencentcloud" / "common"
    if module_name(common / "go.mod") == COMMON_MODULE:
        return COMMON_MODULE, common
    name = module_name(sdk / "go.mod")
    if name == COMMON_MODULE:
        return COMMON_MODULE, sdk
    if name == ROOT_MODULE and common.is_dir():
        return ROOT_MODULE, sdk
    return None


def sdk_version(common: Path) -> str:
    """The version the SDK stamps into X-TC-RequestClient (http/request.go)."""
    for path in (common / "http" / "request.go", common / "tencentcloud" / "common" / "http" / "request.go"):
        try:
            m = re.search(r'sdkVersion\s*=\s*"([^"]+)"', path.read_text())
        except OSError:
            continue
        if m:
            return m.group(1)
    return "unknown"


def build() -> tuple[Path | None, str]:
    """Build the adapter; answers (binary, "") or (None, why not)."""
    sdk_env = os.environ.get("TMT_GO_SDK")
    if not sdk_env:
        return None, "TMT_GO_SDK is not set (the path of a local tencentcloud-sdk-go checkout)"
    go = shutil.which("go")
    if go is None:
        return None, "`go` is not on PATH"
    sdk = Path(sdk_env).resolve()
    found = locate(sdk)
    if found is None:
        return None, f"TMT_GO_SDK={sdk} is not a tencentcloud-sdk-go checkout (no go.mod of {COMMON_MODULE})"
    module, replace_dir = found
    common_dir = replace_dir if module == COMMON_MODULE else replace_dir / "tencentcloud" / "common"
    version = sdk_version(common_dir)
    newest = max((p.stat().st_mtime for p in common_dir.rglob("*.go")), default=0.0)
    key = hashlib.sha256(f"{replace_dir}\n{version}\n{newest}\n".encode() + MAIN_GO.read_bytes()).hexdigest()[:16]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path(tempfile.gettempdir())) / "tmtmock-go-sdk-adapter" / key
    binary = cache / "go-sdk-adapter"
    cache.mkdir(parents=True, exist_ok=True)
    # The runner starts several adapters at once: one builds, the others wait for it.
    with open(cache / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if binary.exists():
            return binary, ""
        return _build(go, cache, binary, module, replace_dir, version)


def _build(go: str, cache: Path, binary: Path, module: str, replace_dir: Path, version: str) -> tuple[Path | None, str]:
    shutil.copyfile(MAIN_GO, cache / "main.go")
    (cache / "go.mod").write_text(
        "module tmtmock/go-sdk-adapter\n\ngo 1.17\n\n"
        f"require {module} v1.0.0\n\nreplace {module} => {replace_dir}\n")
    env = dict(os.environ, GOFLAGS="-mod=mod", GOPROXY="off", GOSUMDB="off", GOTOOLCHAIN="local",
               CGO_ENABLED="0")
    cmd = [go, "build", "-o", str(binary), "-ldflags", f"-X main.sdkVersion={version}", "."]
    log(f"building against {module} => {replace_dir} (version {version}) in {cache}")
    proc = subprocess.run(cmd, cwd=cache, env=env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0 or not binary.exists():
        out = proc.stdout.strip()
        log(f"go build failed ({proc.returncode}):\n{out}")
        return None, f"go build against {replace_dir} failed: {out[-400:]}"
    return binary, ""


def serve_skipped(reason: str) -> int:
    """The protocol without an SDK: SKIP everything, with the reason."""
    log(f"skipping every run: {reason}")
    return adapterkit.serve(
        lambda: {"name": "go-sdk", "version": None, "language": "go", "capabilities": CAPABILITIES},
        lambda msg: {"skipped": {"reason": f"tencentcloud-sdk-go is not installed: {reason}",
                                 "issue_url": None}})


def main() -> int:
    binary, why = build()
    if binary is None:
        return serve_skipped(why)
    sys.stdout.flush()
    os.execv(str(binary), [str(binary)])
    return 1  # not reached

if __name__ == "__main__":
    sys.exit(main())
