#!/usr/bin/env python3
"""mini-crash: dies with an uncaught exception in the middle of every run whose
action is not TextTranslate.

Deliberately broken miniature (docs/conformance.md, The clients). For any other action it
sends the request, then raises an exception that is not caught anywhere: the process
exits (status 1, traceback on stderr) without answering, and the harness must grade
ERROR and restart it. TextTranslate runs are the reference client's.
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


class Crash(BaseException):
    """Not an Exception: the adapter loop's error handler does not catch it."""


class CrashingClient(ref.ReferenceClient):
    name = "mini-crash"

    def call(self, call):
        if call.action == "TextTranslate":
            return super().call(call)
        self.attempt(call, 0.0)
        raise Crash(f"mini-crash: deliberate crash in the middle of a {call.action} run")


if __name__ == "__main__":
    sys.exit(ref.main(CrashingClient()))
