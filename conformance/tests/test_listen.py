"""Where the mock listens, and what it says when it cannot.

A name is bound on every address it resolves to (listen.c), so a client that resolves
``localhost`` to ``::1`` first (Node.js on a standard Debian) reaches the mock. These tests
never depend on how this machine's /etc/hosts reads: the ones about ``localhost`` run the mock
and its clients inside a mount namespace whose /etc/hosts is Debian's standard one.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from harness.mockproc import ROOT, binary
from harness.nodesdk import REQUIRES_NODE_SDK

STANDARD_HOSTS = (
    "127.0.0.1\tlocalhost\n"
    "::1\t\tlocalhost ip6-localhost ip6-loopback\n"
    "ff02::1\t\tip6-allnodes\nff02::2\t\tip6-allrouters\n"
)
ONLY_V4_HOSTS = "127.0.0.1\tlocalhost\n"


def _can_unshare() -> bool:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode == 0


NEEDS_NAMESPACE = pytest.mark.skipif(
    not _can_unshare(), reason="needs root and unshare(1) to give the mock its own /etc/hosts")


def probe(tmp_path: Path, hosts: str, *args: str) -> dict:
    """harness.listenprobe inside a mount namespace whose /etc/hosts reads `hosts`."""
    f = tmp_path / "hosts"
    f.write_text(hosts)
    cmd = " ".join(["exec", sys.executable, "-m", "harness.listenprobe", "--bin", str(binary()),
                    *(f"'{a}'" for a in args)])
    p = subprocess.run(["unshare", "-m", "sh", "-c", f'mount --bind "{f}" /etc/hosts && {cmd}'],
                       cwd=ROOT / "conformance", capture_output=True, text=True, timeout=120)
    assert p.stdout.strip(), p.stderr
    return json.loads(p.stdout.strip().splitlines()[-1])


@NEEDS_NAMESPACE
@pytest.mark.parametrize("hosts, addrs", [
    (STANDARD_HOSTS, ["127.0.0.1", "::1"]),
    (ONLY_V4_HOSTS, ["127.0.0.1"]),
], ids=["standard-hosts", "ipv4-only-hosts"])
def test_localhost_is_every_address_it_resolves_to(tmp_path: Path, hosts: str, addrs: list[str]) -> None:
    out = probe(tmp_path, hosts, "--listen", "localhost:0")
    assert out["resolves"] == addrs
    port = out["lines"][0].rsplit(":", 1)[1]
    want = [f"listening on http://{a if ':' not in a else f'[{a}]'}:{port}" for a in addrs]
    assert out["lines"] == want, "one line per address, one port for all, IPv4 first"
    assert all(v == "[zh] HELLO" for v in out["answers"].values()), out["answers"]


@NEEDS_NAMESPACE
@pytest.mark.parametrize("listen", ["localhost:0", ""], ids=["localhost", "default"])
def test_node_sdk_reaches_localhost_on_a_standard_debian(tmp_path: Path, listen: str) -> None:
    """Node tries ::1 first for localhost: a mock on 127.0.0.1 alone got ECONNREFUSED."""
    for mark in REQUIRES_NODE_SDK:
        if mark.args[0]:
            pytest.skip(mark.kwargs["reason"])
    if listen == "":
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", 9000)) == 0:
                pytest.skip("port 9000, the default, is in use on this machine")
    out = probe(tmp_path, STANDARD_HOSTS, "--node", "--listen", listen)
    assert len(out["lines"]) == 2, out
    if listen == "":
        assert out["lines"] == ["listening on http://127.0.0.1:9000", "listening on http://[::1]:9000"]
    assert out["node_localhost"] == "[zh] HELLO", out


def run_mock(*args: str, env: dict[str, str] | None = None, timeout: float = 10) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(binary()), *args], capture_output=True, text=True, timeout=timeout,
                          env=env)


def test_port_in_use_names_address_reason_and_ways_out() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        r = run_mock("--listen", f"127.0.0.1:{port}")
    assert r.returncode == 1, r
    assert r.stdout == ""
    err = r.stderr.strip()
    assert err.startswith(f"tmtmock: cannot listen on http://127.0.0.1:{port}: Address already in use"), err
    for way in ("--listen ADDR:PORT", "TMTMOCK_LISTEN=ADDR:PORT", "make run LISTEN=ADDR:PORT"):
        assert way in err, (way, err)
    assert "warning" not in err


@pytest.mark.parametrize("opt, env", [("--tls-listen", "TMTMOCK_TLS_LISTEN"),
                                      ("--admin-listen", "TMTMOCK_ADMIN_LISTEN")])
def test_other_listeners_name_their_own_option(opt: str, env: str) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        r = run_mock("--listen", "127.0.0.1:0", opt, f"127.0.0.1:{port}")
    assert r.returncode == 1, r
    assert f"127.0.0.1:{port}: Address already in use" in r.stderr
    assert f"{opt} ADDR:PORT" in r.stderr and f"{env}=ADDR:PORT" in r.stderr, r.stderr
    assert "make run" not in r.stderr


@pytest.mark.parametrize("listen, words", [
    ("nosuch.invalid:9000", ["nosuch.invalid does not resolve"]),
    ("192.0.2.1:9000", ["192.0.2.1:9000", "Cannot assign requested address", "no interface"]),
])
def test_unusable_addresses_are_explained(listen: str, words: list[str]) -> None:
    # Beyond loopback the admin API needs a token (or --admin-open) before any bind.
    r = run_mock("--listen", listen, "--admin-token", "t")
    assert r.returncode == 1, r
    for w in words:
        assert w in r.stderr, (w, r.stderr)
    assert "--listen ADDR:PORT" in r.stderr


@pytest.mark.parametrize("args, words", [
    (["--fixtures", "/nonexistent-tmtmock"], ["--fixtures: /nonexistent-tmtmock is not a folder",
                                              "No such file or directory", "TMTMOCK_FIXTURES=DIR"]),
    (["--faults", "/nonexistent-tmtmock.json"], ["--faults: /nonexistent-tmtmock.json: unable to open"]),
    (["--config", "/nonexistent-tmtmock.json"], ["--config: /nonexistent-tmtmock.json: unable to open"]),
    (["--journal", "/nonexistent-tmtmock/j.jsonl"], ["cannot open /nonexistent-tmtmock/j.jsonl",
                                                     "No such file or directory"]),
])
def test_start_up_failures_say_what_and_why(args: list[str], words: list[str]) -> None:
    r = run_mock("--listen", "127.0.0.1:0", *args)
    assert r.returncode == 2, r
    for w in words:
        assert w in r.stderr, (w, r.stderr)
    assert "line -1" not in r.stderr, "no position for a file that was never read"


def test_fixtures_file_not_folder(tmp_path: Path) -> None:
    f = tmp_path / "accounts.json"
    f.write_text("{}")
    r = run_mock("--listen", "127.0.0.1:0", "--fixtures", str(f))
    assert r.returncode == 2
    assert f"--fixtures: {f} is not a folder (not a directory)" in r.stderr, r.stderr


def _make_run(env_extra: dict[str, str], *make_args: str) -> tuple[str, str]:
    """`make run` (no rebuild needed: test-py runs after the build), its first line, stopped."""
    env = dict(os.environ) | env_extra
    p = subprocess.Popen(["make", "-s", "--no-print-directory", "run", *make_args], cwd=ROOT, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert p.stdout is not None
        line = p.stdout.readline().strip()
    finally:
        os.killpg(p.pid, 15)
        _, err = p.communicate(timeout=30)
    return line, err


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_run_leaves_tmtmock_listen_alone() -> None:
    line, err = _make_run({"TMTMOCK_LISTEN": "127.0.0.1:0"})
    assert line.startswith("listening on http://127.0.0.1:") and not line.endswith(":9000"), (line, err)
    line, err = _make_run({"TMTMOCK_LISTEN": "127.0.0.1:1"}, "LISTEN=127.0.0.1:0")
    assert line.startswith("listening on http://127.0.0.1:") and not line.endswith(":1"), (line, err)
