"""The adapter protocol's side of a Python adapter: one loop for all of them.

docs/conformance.md, Adapter protocol: newline-delimited JSON on stdin and stdout, `start` answered
with the client's info, each `run` with exactly one `result`, `skipped` or `errored`,
`stop` (or EOF) ends. An exception in the client's own code becomes `errored` with its
traceback: the harness grades that as ERROR instead of waiting for an answer that never
comes. stderr is free for logs. Standard library only; an adapter copied elsewhere takes
this file along.
"""
from __future__ import annotations

import json
import sys
import traceback
from typing import Any, Callable


def log(*parts: Any) -> None:
    print(*parts, file=sys.stderr, flush=True)


def write(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=True, allow_nan=False) + "\n")
    sys.stdout.flush()


def errored(seq: Any, message: str, tb: str = "") -> dict[str, Any]:
    return {"seq": seq, "errored": {"message": message, "traceback": tb}}


def answer_run(run: Callable[[dict[str, Any]], dict[str, Any]], msg: dict[str, Any]) -> dict[str, Any]:
    """{"seq", ...run's answer}, or `errored` when run raised or answered unserialisable JSON."""
    seq = msg.get("seq")
    try:
        answer = run(msg)
        json.dumps(answer, allow_nan=False)
    except Exception as e:  # a bug of the adapter or its client: the protocol's `errored`
        return errored(seq, f"{type(e).__name__}: {e}", traceback.format_exc())
    return {"seq": seq, **{k: v for k, v in answer.items() if k != "seq"}}


def serve(info: Callable[[], dict[str, Any]], run: Callable[[dict[str, Any]], dict[str, Any]]) -> int:
    """The loop until `stop` or EOF. info() gives the `client` object of the start answer;
    run(msg) gives {"result": ...}, {"skipped": ...} or {"errored": ...} for a run message."""
    while True:
        line = sys.stdin.readline()
        if not line:
            return 0
        if not line.strip():
            continue
        try:
            msg = json.loads(line)
        except ValueError as e:
            write(errored(None, f"not JSON: {e}"))
            continue
        cmd = msg.get("cmd") if isinstance(msg, dict) else None
        if cmd == "start":
            write({"client": info()})
        elif cmd == "run":
            write(answer_run(run, msg))
        elif cmd == "stop":
            return 0
        else:
            write(errored(msg.get("seq") if isinstance(msg, dict) else None, f"unknown cmd {cmd!r}"))
