#!/usr/bin/env python3
"""mini-always-ok: sends the request once, then reports success with an empty
response, whatever the answer was.

Deliberately broken miniature (docs/conformance.md, The clients): every error scenario must
grade FAIL (MUST error_reported / failure_reported / no_false_success), and every
success scenario FAIL too (MUST fields_exact: the answer's fields are missing).
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


class AlwaysOkClient(ref.ReferenceClient):
    name = "mini-always-ok"

    def call(self, call):
        self.attempt(call, 0.0)                 # the answer is ignored
        return ref.Outcome("ok", response={})


if __name__ == "__main__":
    sys.exit(ref.main(AlwaysOkClient()))
