"""Start a tmtmock binary exactly as told: its command line, environment and directory.

MockProcess (mockproc.py) always adds ``--listen 127.0.0.1:0`` and passes the caller's
environment on. The tests of configuration sources, of an installed binary and of the
README's recipes need neither: they choose every source themselves.
"""
from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

from .mockproc import READY, binary

# What a caller's environment could leak into a configuration test.
LEAKY_PREFIXES = ("TMTMOCK_", "TENCENTCLOUD_")
PROXIES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The caller's environment without TMTMOCK_*, TENCENTCLOUD_* and proxy variables,
    plus ``extra``."""
    env = {
        k: v for k, v in os.environ.items()
        if not k.startswith(LEAKY_PREFIXES) and k.lower() not in PROXIES
    }
    env.update(extra or {})
    return env


def documented_port() -> int:
    """9000, the port the README's sessions name, when it is free; else a free one (the
    sessions are then run with the port rewritten)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", 9000))
        except OSError:
            return free_port()
    return 9000


def free_port() -> int:
    """A loopback port free at the time of asking."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Launched:
    """A running tmtmock; ``stderr_lines`` fills as it writes."""

    proc: subprocess.Popen[str]
    url: str = ""
    host: str = ""
    port: int = 0
    stderr_lines: list[str] = field(default_factory=list)

    def wait_stderr(self, pred: Callable[[str], bool], timeout: float = 5.0) -> str:
        """The first stderr line for which ``pred`` holds; AssertionError after ``timeout``."""
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            lines = list(self.stderr_lines)
            for line in lines[seen:]:
                if pred(line):
                    return line
            seen = len(lines)
            if time.monotonic() > deadline:
                raise AssertionError(f"no such line on stderr; got:\n{''.join(lines)}")
            time.sleep(0.02)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def __enter__(self) -> "Launched":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def launch(args: list[str], *, exe: Path | str | None = None, env: Mapping[str, str] | None = None,
           cwd: Path | str | None = None, timeout: float = 10.0) -> Launched:
    """Run ``exe`` (default: the binary under test) with exactly ``args`` and ``env``
    (default: clean_env()) and wait for its `listening on http://` line."""
    proc = subprocess.Popen(
        [str(exe or binary()), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=dict(env) if env is not None else clean_env(), cwd=cwd,
    )
    m = Launched(proc)

    def drain() -> None:
        assert proc.stderr
        for line in proc.stderr:
            m.stderr_lines.append(line)

    threading.Thread(target=drain, daemon=True).start()
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(proc.stdout.readline()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    reader.join(timeout)
    line = got[0] if got else ""
    ready = READY.match(line.rstrip("\n"))
    if not ready:
        m.stop()
        raise RuntimeError(f"tmtmock did not print its ready line; got {line!r}; "
                           f"exit {proc.returncode}; stderr: {''.join(m.stderr_lines)}")
    m.url, m.host, m.port = ready.group(1), ready.group(2), int(ready.group(3))
    return m
