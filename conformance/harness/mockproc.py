"""Start the real tmtmock binary on a free port and wait for its ready line."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BIN = ROOT / "mock_server" / "build" / "tmtmock"
READY = re.compile(r"^listening on (http://(\S+):(\d+))$")
READY_TLS = re.compile(r"^listening on (https://(\S+):(\d+))$")


def last_value(argv: list[str], opt: str) -> str | None:
    """The value of the last `opt VALUE` or `opt=VALUE` in argv (the one tmtmock keeps)."""
    value = None
    for i, a in enumerate(argv):
        if a == opt and i + 1 < len(argv):
            value = argv[i + 1]
        elif a.startswith(opt + "="):
            value = a[len(opt) + 1:]
    return value


def listen_host(listen: str | None) -> str:
    """The host of ADDR:PORT (brackets off), or tmtmock's default, localhost."""
    return listen.rsplit(":", 1)[0].strip("[]") if listen else "localhost"


def expected_addresses(host: str) -> list[str]:
    """The addresses tmtmock listens on for host, IPv4 first, as it resolves them (listen.c):
    one ready line each."""
    infos = socket.getaddrinfo(host, 0, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    seen: list[str] = []
    for family in (socket.AF_INET, socket.AF_INET6):
        for fam, _, _, _, sa in infos:
            if fam == family and sa[0] not in seen:
                seen.append(sa[0])
    return seen


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
    # Every ready line's URL, one per address of the listener's host.
    urls: list[str] = field(default_factory=list)
    tls_urls: list[str] = field(default_factory=list)
    stderr_lines: list[str] = field(default_factory=list)

    def start(self, timeout: float = 10.0) -> "MockProcess":
        cmd = [str(binary()), "--listen", "127.0.0.1:0", *self.args]
        self.proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        threading.Thread(target=self._drain_stderr, daemon=True).start()
        # One ready line per address of each listener (a name such as localhost may have
        # two): the plain ones first, the first of them is the one the tests use.
        self.url, self.host, self.port, self.urls = self._ready(READY, "http", timeout, last_value(cmd, "--listen"))
        tls = last_value(cmd, "--tls-listen")
        if tls is not None:
            self.tls_url, self.tls_host, self.tls_port, self.tls_urls = self._ready(READY_TLS, "https", timeout, tls)
        return self

    def _ready(self, pattern: re.Pattern[str], scheme: str, timeout: float,
               listen: str | None) -> tuple[str, str, int, list[str]]:
        urls: list[str] = []
        first: re.Match[str] | None = None
        for _ in range(len(expected_addresses(listen_host(listen)))):
            line = self._readline(timeout)
            m = pattern.match(line.rstrip("\n"))
            if not m:
                self.stop()
                raise RuntimeError(
                    f"tmtmock did not print its {scheme} ready line; got {line!r}; "
                    f"stderr: {''.join(self.stderr_lines)}"
                )
            first = first or m
            urls.append(m.group(1))
        assert first is not None
        return first.group(1), first.group(2), int(first.group(3)), urls

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
