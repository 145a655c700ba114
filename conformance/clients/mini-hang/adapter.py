#!/usr/bin/env python3
"""mini-hang: never answers a run whose action is LanguageDetect.

Deliberately broken miniature (docs/conformance.md, The clients). For LanguageDetect it sends
the request, then blocks forever without answering: the harness must give up at the
scenario's time budget, grade ERROR, kill the adapter and restart it for the next
scenario. Every other run is the reference client's.
"""
from __future__ import annotations

import threading

import importlib.util
import sys
from pathlib import Path

# The reference client, loaded under its own name (a plain `import adapter` would find this file).
_spec = importlib.util.spec_from_file_location(
    "tmtmock_reference_adapter", Path(__file__).resolve().parents[1] / "reference" / "adapter.py")
ref = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = ref
_spec.loader.exec_module(ref)


HANG_ACTION = "LanguageDetect"


class HangingClient(ref.ReferenceClient):
    name = "mini-hang"

    def call(self, call):
        if call.action != HANG_ACTION:
            return super().call(call)
        self.attempt(call, 0.0)
        ref.log(f"mini-hang: seq {call.seq}: {call.action}: hanging forever")
        threading.Event().wait()                # never set
        raise AssertionError("unreachable")


if __name__ == "__main__":
    sys.exit(ref.main(HangingClient()))
