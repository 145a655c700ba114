"""The Go helper (go/tmtmocktest; docs/helpers.md, Go): its own `go test`, offline, and the
docs' test file run as written in a fresh module made with the docs' `go mod edit` command
(a replace directive to the tree; GOPROXY=off, so nothing is downloaded)."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from harness.helpersdoc import HELPERS_MD, snippet
from harness.launch import clean_env
from harness.mockproc import ROOT, binary

PACKAGE = ROOT / "go" / "tmtmocktest"
GO = shutil.which("go")

pytestmark = pytest.mark.skipif(GO is None, reason="`go` is not on PATH (make test installs golang-go)")


def go_env(**extra: str) -> dict[str, str]:
    return clean_env({"TMTMOCK_BIN": str(binary()), "GOPROXY": "off", "GOFLAGS": "-mod=mod", "GOSUMDB": "off",
                      "GOTOOLCHAIN": "local", "CGO_ENABLED": "0", **extra})


def test_package_own_tests() -> None:
    r = subprocess.run([GO, "test", "-count=1", "-v", "./..."], cwd=PACKAGE, env=go_env(), capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr
    assert "--- PASS: TestFaultsAndJournal" in r.stdout and "--- FAIL" not in r.stdout, r.stdout[-3000:]


def test_package_is_formatted_and_vetted() -> None:
    gofmt = Path(GO).with_name("gofmt")  # type: ignore[arg-type]
    if gofmt.exists():
        r = subprocess.run([str(gofmt), "-l", "."], cwd=PACKAGE, capture_output=True, text=True, timeout=60)
        assert r.stdout == "", f"not gofmt-clean: {r.stdout}"
    r = subprocess.run([GO, "vet", "./..."], cwd=PACKAGE, env=go_env(), capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert (PACKAGE / "go.mod").read_text(encoding="utf-8").count("require") == 0, "the helper has no dependencies"


def docs_go_mod_edit() -> str:
    """The docs' `go mod edit` command, its continuation line joined."""
    text = HELPERS_MD.read_text(encoding="utf-8").replace("\\\n", " ")
    (line,) = [ln for ln in text.splitlines() if ln.startswith("go mod edit ")]
    return line


def test_docs_test_file_runs_as_written(tmp_path: Path) -> None:
    env = go_env()
    r = subprocess.run([GO, "mod", "init", "example.com/translate"], cwd=tmp_path, env=env, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    cmd = docs_go_mod_edit().replace("/path/to/tmtmock", str(ROOT))
    r = subprocess.run(cmd, shell=True, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    code = snippet("go-test", "go")
    name = code.splitlines()[0].removeprefix("// ").strip()
    assert name.endswith("_test.go")
    (tmp_path / name).write_text(code, encoding="utf-8")
    r = subprocess.run([GO, "test", "-count=1", "-v", "./..."], cwd=tmp_path, env=env, capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr
    assert "--- PASS: TestRetriesAfterThrottling" in r.stdout, r.stdout
