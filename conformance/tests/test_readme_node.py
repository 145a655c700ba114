"""The README's walkthrough, executed as written: its `translate.js` (the official Node.js
SDK) and the shell session after it, against a mock on 127.0.0.1:9000.

The SDK comes from conformance/clients/node-sdk/node_modules through NODE_PATH, standing in
for the README's `npm install`. If port 9000 is taken (a `make run` beside the tests), the
port is the only thing changed, in the script and the commands alike.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from harness.launch import clean_env, documented_port, launch
from harness.mockproc import ROOT
from harness.nodesdk import ADAPTER_DIR, REQUIRES_NODE_SDK

pytestmark = REQUIRES_NODE_SDK

README = ROOT / "README.md"


def block_after(marker: str, lang: str) -> str:
    """The fenced block of ``lang`` that follows the HTML comment starting with ``marker``."""
    text = README.read_text(encoding="utf-8")
    m = re.search(rf"<!-- {re.escape(marker)}[^\n]*-->\n```{lang}\n(.*?)\n```\n", text, re.S)
    assert m, f"README.md has no ```{lang} block after <!-- {marker} -->"
    return m.group(1) + "\n"


def session() -> list[tuple[str, list[str]]]:
    """The console session: each `$ command` with the lines shown after it."""
    steps: list[tuple[str, list[str]]] = []
    for line in block_after("session:", "console").splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        else:
            assert steps, line
            steps[-1][1].append(line)
    return steps



def test_the_walkthrough_runs_as_written(tmp_path: Path) -> None:
    script = block_after("translate.js:", "js")
    steps = session()
    assert steps and steps[0][0] == "node translate.js", steps
    port = documented_port()

    def at_port(text: str) -> str:
        return text if port == 9000 else text.replace(":9000", f":{port}")

    (tmp_path / "translate.js").write_text(at_port(script), encoding="utf-8")
    env = clean_env({"NODE_PATH": str(ADAPTER_DIR / "node_modules")})
    assert shutil.which("curl"), "the session uses curl"
    with launch(["--listen", f"127.0.0.1:{port}", "--fixtures", str(ROOT / "fixtures")]) as m:
        for command, shown in steps:
            r = subprocess.run(["sh", "-c", at_port(command)], cwd=tmp_path, env=env, capture_output=True,
                               text=True, timeout=60)
            assert r.returncode == 0, f"$ {command}\n{r.stdout}{r.stderr}"
            if command.startswith("node "):
                # What node prints is shown exactly; other commands' output is abridged.
                assert r.stdout.splitlines() == shown, f"$ {command}: printed {r.stdout!r}, README shows {shown}"
            else:
                assert r.stdout.strip(), f"$ {command} printed nothing"
        assert m.proc.poll() is None, "".join(m.stderr_lines)


def test_the_walkthrough_script_is_the_documented_client() -> None:
    """The snippet uses the example keys and the endpoint the README tells every client to use."""
    script = block_after("translate.js:", "js")
    for needle in ('require("tencentcloud-sdk-nodejs-tmt")', "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
                   "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", 'endpoint: "127.0.0.1:9000"', 'protocol: "http://"'):
        assert needle in script, needle
