"""The pytest plugin (python/pytest-tmtmock; docs/helpers.md, pytest): installed offline into
a fresh virtualenv as the docs say, then the docs' test file run as written, and a few
checks of what the fixtures promise (one mock per session, reset per test, the mock's stderr
on failure, a missing binary named)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from harness.helpersdoc import snippet
from harness.launch import clean_env
from harness.mockproc import ROOT, binary

PLUGIN = ROOT / "python" / "pytest-tmtmock"
# The plugin installs with Debian's Python, whose venv sees Debian's setuptools and pytest.
SYSTEM_PY = Path("/usr/bin/python3")


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not SYSTEM_PY.exists():
        pytest.skip("Debian's /usr/bin/python3 is not installed")
    # Building the plugin offline needs Debian's venv, setuptools and wheel (make test's deps).
    probe = subprocess.run([str(SYSTEM_PY), "-c", "import ensurepip, venv, setuptools, wheel"], capture_output=True,
                           text=True)
    if probe.returncode != 0:
        pytest.skip(f"python3-venv, python3-setuptools and python3-wheel are needed: {probe.stderr.strip()}")
    root = tmp_path_factory.mktemp("venv")
    # A copy, so the build leaves nothing (build/, *.egg-info) in the tree.
    src = root / "src"
    shutil.copytree(PLUGIN, src)
    env = clean_env({"PIP_NO_INDEX": "1"})
    env.pop("PYTHONPATH", None)
    r = subprocess.run([str(SYSTEM_PY), "-m", "venv", "--system-site-packages", str(root / "env")],
                       capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 0, r.stderr
    # The docs' command, with the copy's path.
    cmd = snippet_install().replace("./python/pytest-tmtmock", str(src))
    r = subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=300, env={
        **env, "PATH": f"{root / 'env' / 'bin'}{os.pathsep}{env['PATH']}"})
    assert r.returncode == 0, r.stdout + r.stderr
    return root / "env"


def snippet_install() -> str:
    text = (ROOT / "docs" / "helpers.md").read_text(encoding="utf-8")
    (line,) = [ln for ln in text.splitlines() if ln.startswith("pip install ") and "pytest-tmtmock" in ln]
    return line


def run_pytest(venv: Path, where: Path, *args: str, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = clean_env({"TMTMOCK_BIN": str(binary()), **(env_extra or {})})
    env.pop("PYTHONPATH", None)          # the plugin must come from the install, not the tree
    return subprocess.run([str(venv / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
                          cwd=where, capture_output=True, text=True, timeout=300, env=env)


def test_docs_test_file_runs_as_written(venv: Path, tmp_path: Path) -> None:
    code = snippet("pytest", "python")
    name = code.splitlines()[0].lstrip("# ").strip()
    assert name == "test_translate.py"
    (tmp_path / name).write_text(code, encoding="utf-8")
    r = run_pytest(venv, tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "3 passed" in r.stdout, r.stdout


def test_fixture_scopes_and_failure_report(venv: Path, tmp_path: Path) -> None:
    (tmp_path / "test_scopes.py").write_text(textwrap.dedent('''
        PORTS = []

        def test_one(tmtmock, tmtmock_session):
            assert tmtmock is tmtmock_session
            PORTS.append(tmtmock.port)
            tmtmock.faults.add(error="InternalError", times=None)
            assert tmtmock.call("LanguageDetect", {"Text": "hi", "ProjectId": 0})["Error"]["Code"] == "InternalError"

        def test_two_same_mock_reset(tmtmock):
            PORTS.append(tmtmock.port)
            assert PORTS[0] == PORTS[1]
            assert tmtmock.call("LanguageDetect", {"Text": "hello world", "ProjectId": 0})["Lang"] == "en"
            assert tmtmock.count(code="InternalError") == 0 and tmtmock.count() == 1

        def test_three_fails_on_purpose(tmtmock):
            tmtmock.call("Nope", {})
            assert tmtmock.count(action="Nope") == 2
    '''), encoding="utf-8")
    # -v: the mock writes an access line per request on stderr, which a failure then shows.
    (tmp_path / "pytest.ini").write_text("[pytest]\ntmtmock_args = -v --seed 1\n", encoding="utf-8")
    r = run_pytest(venv, tmp_path)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "2 passed" in r.stdout and "1 failed" in r.stdout, r.stdout
    report = r.stdout.split("test_three_fails_on_purpose", 1)[1]
    assert "tmtmock stderr" in report and "Nope" in report, report


def test_missing_binary_is_named(venv: Path, tmp_path: Path) -> None:
    (tmp_path / "test_x.py").write_text("def test_x(tmtmock):\n    pass\n", encoding="utf-8")
    r = run_pytest(venv, tmp_path, "--tmtmock-bin", str(tmp_path / "no-such-tmtmock"))
    assert r.returncode != 0
    assert "no-such-tmtmock" in r.stdout + r.stderr


def test_plugin_is_standard_library_only() -> None:
    """No import beyond the standard library and pytest (the package must install offline)."""
    import ast

    allowed = set(sys.stdlib_module_names) | {"pytest", "tmtmock_pytest"}
    for path in (PLUGIN / "tmtmock_pytest").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else []
            for n in names:
                assert n.split(".")[0] in allowed, f"{path.name} imports {n}"
