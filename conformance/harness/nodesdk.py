"""Where the official Node.js SDK adapter lives and how to run it (shared by its tests)."""
from __future__ import annotations

import os
import shutil

import pytest

from harness.mockproc import ROOT

ADAPTER_DIR = ROOT / "conformance" / "clients" / "node-sdk"
SDK_PACKAGE = ADAPTER_DIR / "node_modules" / "tencentcloud-sdk-nodejs-tmt" / "package.json"
NODE = shutil.which("node")

# The tests skip only where the SDK cannot run; `make test` installs both.
REQUIRES_NODE_SDK = [
    pytest.mark.skipif(NODE is None, reason="`node` is not on PATH (the Node.js SDK adapter needs it)"),
    pytest.mark.skipif(
        not SDK_PACKAGE.exists(),
        reason=f"{ADAPTER_DIR / 'node_modules'} is missing: run `npm ci` in {ADAPTER_DIR}",
    ),
]

DEFAULT_ID = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"
DEFAULT_KEY = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
REGION = "ap-guangzhou"

SIGN_METHODS = ["TC3-HMAC-SHA256", "HmacSHA256", "HmacSHA1"]
METHODS = ["POST", "GET"]
SIGN_CASES = [pytest.param(s, m, id=f"{s}-{m}") for s in SIGN_METHODS for m in METHODS]


def adapter_env() -> dict[str, str]:
    """The environment without proxies: the SDK sends everything through $http_proxy when set."""
    env = dict(os.environ)
    for name in list(env):
        if name.lower() in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
            del env[name]
    return env
