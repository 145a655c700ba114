"""scripts/stress.py --short: every hostile-load attack of docs/hardening.md, small, against
the binary under test; each must be held (the script's exit status) and reported on one line
with the mock's peak memory and descriptors and the other clients' p99. `make stress` runs the
full size."""
from __future__ import annotations

import subprocess
import sys

from harness.mockproc import ROOT, binary


def test_stress_short() -> None:
    cmd = [sys.executable, str(ROOT / "scripts" / "stress.py"), "--short", "--binary", str(binary())]
    if b"__asan_init" in binary().read_bytes():
        cmd.append("--no-rss-check")     # ASan's quarantine grows RSS by design
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    lines = [x for x in r.stdout.splitlines() if x.startswith("stress: ")]
    assert r.returncode == 0, f"{r.stdout}\n{r.stderr}"
    attacks = lines[:-1]
    assert len(attacks) >= 13 and all(" held " in x for x in attacks), r.stdout
    assert all("peak_rss=" in x and "fds=" in x and "others_p99=" in x for x in attacks), r.stdout
    assert lines[-1].startswith(f"stress: {len(attacks)} of {len(attacks)} attacks held"), r.stdout
