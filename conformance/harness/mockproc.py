"""Start the real tmtmock binary on a free port and wait for its ready line."""
from __future__ import annotations

import os
import re
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BIN = ROOT / "mock_server" / "build" / "tmtmock"
READY = re.compile(r"^listening on (http://(\S+):(\d+))$")
READY_TLS = re.compile(r"^listening on (https://(\S+):(\d+))$")


def binary() -> Path:
    """The binary under test: $TMTMOCK_BIN (e.g. the sanitizer build) or the default build."""
    return Path(os.environ.get("TMTMOCK_BIN", DEFAULT_BIN))


@dataclass
class MockProcess:
    """A running tmtmock. stderr is collected so a failing test can show it."""

    args: list[str]
    proc: subprocess.Popen[str] | None = None
    url: str = ""
    host: str = ""
    port: int = 0
    # With --tls-listen: the second ready line, `listening on https://HOST:PORT`.
    tls_url: str = ""
    tls_host: str = ""
    tls_port: int = 0
    stderr_lines: list[str] = field(default_factory=list)

    def start(self, timeout: float = 10.0) -> "MockProcess":
        cmd = [str(binary()), "--listen", "127.0.0.1:0", *self.args]
        self.proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        threading.Thread(target=self._drain_stderr, daemon=True).start()
        line = self._readline(timeout)
        m = READY.match(line.rstrip("\n"))
        if not m:
            self.stop()
            raise RuntimeError(
                f"tmtmock did not print its ready line; got {line!r}; "
                f"stderr: {''.join(self.stderr_lines)}"
            )
        self.url, self.host, self.port = m.group(1), m.group(2), int(m.group(3))
        if any(a == "--tls-listen" or a.startswith("--tls-listen=") for a in self.args):
            line = self._readline(timeout)
            m = READY_TLS.match(line.rstrip("\n"))
            if not m:
                self.stop()
                raise RuntimeError(
                    f"tmtmock did not print its https ready line; got {line!r}; "
                    f"stderr: {''.join(self.stderr_lines)}"
                )
            self.tls_url, self.tls_host, self.tls_port = m.group(1), m.group(2), int(m.group(3))
        return self

    def _readline(self, timeout: float) -> str:
        assert self.proc and self.proc.stdout
        result: list[str] = []
        t = threading.Thread(target=lambda: result.append(self.proc.stdout.readline()))  # type: ignore[union-attr]
        t.daemon = True
        t.start()
        t.join(timeout)
        return result[0] if result else ""

    def _drain_stderr(self) -> None:
        assert self.proc and self.proc.stderr
        for line in self.proc.stderr:
            self.stderr_lines.append(line)

    def stop(self) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def __enter__(self) -> "MockProcess":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def run_once(args: list[str], timeout: float = 10.0) -> subprocess.CompletedProcess[str]:
    """Run tmtmock with args that should make it exit (bad options, --help)."""
    return subprocess.run(
        [str(binary()), *args], capture_output=True, text=True, timeout=timeout
    )
