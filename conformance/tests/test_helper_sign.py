"""docs/helpers.md, Signing without an SDK: its console sessions run as written (`tmtmock` on
PATH, as installed), against a fresh mock on 127.0.0.1:9000 (another free port if 9000 is
taken: the port is the only thing changed), and the printed command is the one shown, with
the signature the harness's own signer computes."""
from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

from harness.helpersdoc import snippet
from harness.launch import clean_env, documented_port, launch
from harness.mockproc import ROOT, binary
from harness.signer import (
    sha256_hex, tc3_canonical_request, tc3_scope, tc3_signature,
    tc3_string_to_sign, utc_date,
)

KEY = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"


def session(name: str) -> list[tuple[str, list[str]]]:
    steps: list[tuple[str, list[str]]] = []
    for line in snippet(name, "console").splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        else:
            assert steps, line
            steps[-1][1].append(line)
    return steps


def shown_matches(shown: list[str], printed: str) -> bool:
    """What the docs show, `…` standing for anything, against what was printed."""
    pattern = "\n".join(".*".join(re.escape(part) for part in line.split("…")) for line in shown)
    return re.fullmatch(pattern, printed.rstrip("\n"), re.S) is not None


def sh_env() -> dict[str, str]:
    return clean_env({"PATH": f"{Path(binary()).parent}{os.pathsep}{os.environ.get('PATH', '')}"})



def test_sign_session_runs_as_written(tmp_path: Path) -> None:
    steps = session("sign-session")
    assert [c.split()[0] for c, _ in steps] == ["tmtmock", "tmtmock", "curl"], steps
    port = documented_port()
    with launch(["--listen", f"127.0.0.1:{port}", "--fixtures", str(ROOT / "fixtures")], cwd=tmp_path) as m:
        for command, shown in steps:
            cmd = command.replace(":9000", f":{port}")
            r = subprocess.run(["sh", "-c", cmd], cwd=tmp_path, env=sh_env(), capture_output=True, text=True,
                               timeout=60)
            assert r.returncode == 0, f"$ {command}\n{r.stdout}{r.stderr}"
            assert shown_matches(shown, r.stdout), f"$ {command}: printed {r.stdout!r}, the docs show {shown}"
        assert m.proc.poll() is None


def test_printed_command_is_the_one_shown() -> None:
    ((command, shown),) = session("sign-print")
    r = subprocess.run(["sh", "-c", command], env=sh_env(), capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == shown
    # The signature shown is the harness's reference signer's for the same request.
    ts = int(re.search(r"--timestamp (\d+)", command).group(1))  # type: ignore[union-attr]
    body = re.search(r"--params '([^']*)'", command).group(1)  # type: ignore[union-attr]
    creq = tc3_canonical_request("POST", "", "content-type:application/json\nhost:localhost:9000\n",
                                 "content-type;host", sha256_hex(body))
    sig = tc3_signature(KEY, utc_date(ts), "tmt", tc3_string_to_sign(ts, tc3_scope(utc_date(ts), "tmt"), creq))
    assert f"Signature={sig}'" in r.stdout
    assert json.loads(re.search(r"--data-raw '([^']*)'", r.stdout).group(1)) == json.loads(body)  # type: ignore[union-attr]
