#!/usr/bin/env python3
"""mini-no-retry: the reference client with retrying switched off.

Deliberately broken miniature (docs/conformance.md, The clients). It still claims the "retry"
capability, as a client would that documents retries it does not do, so the grader
holds it to the retry SHOULDs: a throttled or transient fault that heals after N
calls is reported as the error instead of healing (LENIENT), never a crash or a
wrong answer. Everything else (signing, timeouts, classification) is the reference's.
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


class NoRetryClient(ref.ReferenceClient):
    name = "mini-no-retry"
    retry_enabled = False      # one attempt, whatever the answer


if __name__ == "__main__":
    sys.exit(ref.main(NoRetryClient()))
