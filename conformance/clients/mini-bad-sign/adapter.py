#!/usr/bin/env python3
"""mini-bad-sign: signs every request over the wrong host (the endpoint's port + 1).

Deliberately broken miniature (docs/conformance.md, The clients). The Host header sent is
right, but the canonical host in the TC3 canonical request (and the host in the v1
source string) carries another port, the classic mistake of signing a different host
than the one requested. The mock accepts the Host header with or without its port,
not another port, so every request that reaches the signature check gets
AuthFailure.SignatureFailure, and the wire check "signature" fails on every attempt.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

# The reference client, loaded under its own name (a plain `import adapter` would find this file).
_spec = importlib.util.spec_from_file_location(
    "tmtmock_reference_adapter", Path(__file__).resolve().parents[1] / "reference" / "adapter.py")
ref = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = ref
_spec.loader.exec_module(ref)


class BadSignClient(ref.ReferenceClient):
    name = "mini-bad-sign"

    def signed_host(self, call):
        return f"{call.conn_host}:{call.conn_port + 1}"


if __name__ == "__main__":
    sys.exit(ref.main(BadSignClient()))
