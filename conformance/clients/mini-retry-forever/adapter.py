#!/usr/bin/env python3
"""mini-retry-forever: retries throttled, transient and transport failures without
bound and without backoff.

Deliberately broken miniature (docs/conformance.md, The clients). It ignores
options.max_attempts and never waits between attempts; to stay finite (and inside the
harness's time budget) it stops after 20 attempts or once 5 s have passed since the
first one, whichever comes first. Between attempts it pauses a constant 5 ms (no growth:
just enough for the mock's millisecond journal clock to keep the attempts in order). It never retries a client error (those still get
exactly one attempt). Expected: LENIENT (SHOULD bounded, SHOULD backoff_grows) where
a fault keeps firing or heals late; PASS elsewhere.
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


class RetryForeverClient(ref.ReferenceClient):
    name = "mini-retry-forever"
    unbounded = True           # ignore max_attempts ...
    attempts_cap = 20          # ... but stop after 20 attempts
    time_cap_s = 5.0           # ... or 5 s

    def delay_s(self, retry):
        return 0.005           # constant: no backoff


if __name__ == "__main__":
    sys.exit(ref.main(RetryForeverClient()))
