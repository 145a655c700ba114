"""scripts/soak.py with a small N: 20,000 requests over keep-alive connections with random
fault rules, magic values and refusals mixed in; every answer is the one asked for, the
mock's VmRSS is flat once its journal (--journal-size 1000) is full, and it exits 0 on
SIGTERM. docs/testing.md ("Soak") has the full million."""
from __future__ import annotations

import subprocess
import sys

from harness.mockproc import ROOT, binary


def test_soak_small() -> None:
    cmd = [sys.executable, str(ROOT / "scripts" / "soak.py"), "--requests", "20000", "--binary", str(binary()),
           "--quiet"]
    if b"__asan_init" in binary().read_bytes():
        cmd.append("--no-rss-check")     # ASan's quarantine grows RSS by design
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, f"{r.stdout}\n{r.stderr}"
    assert " unexpected=0 " in r.stdout and r.stdout.rstrip().endswith("pass"), r.stdout
