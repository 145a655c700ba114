"""`make install PREFIX=...` into a temporary prefix: the installed binary (its version, its
default fixtures found from its own path), the conformance entry point, the man page
(`man -l`), and `make uninstall` removing exactly what was installed."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from harness.launch import clean_env, launch
from harness.mockproc import ROOT, run_once
from harness.signer import Credentials
from harness.wire import assert_error, assert_translated, build, call

MAN = shutil.which("man")
MARKER = Credentials("AKIDinstalledFixtures000000000000000", "installedFixturesKey")


def make(*args: str) -> subprocess.CompletedProcess[str]:
    """A fresh make: nothing inherited from a make that runs these tests (BUILD, -j, ...)."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}
    return subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), *args], capture_output=True,
                          text=True, timeout=600, env=env)


def tree(root: Path) -> set[str]:
    """Every file and directory under root, relative, directories ending in /."""
    out = set()
    for p in root.rglob("*"):
        rel = p.relative_to(root).as_posix()
        out.add(rel + "/" if p.is_dir() else rel)
    return out


@pytest.fixture(scope="module")
def prefix(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("install")
    p = base / "prefix"
    # Something of the user's in the prefix already: install and uninstall leave it.
    (p / "bin").mkdir(parents=True)
    (p / "bin" / "someone-elses-tool").write_text("#!/bin/sh\n", encoding="utf-8")
    r = make("install", f"PREFIX={p}")
    assert r.returncode == 0, r.stdout + r.stderr
    return p


def test_layout_and_manifest(prefix: Path) -> None:
    for rel in ("bin/tmtmock", "bin/tmtmock-conformance", "share/man/man1/tmtmock.1",
                "share/tmtmock/fixtures/accounts.json", "share/tmtmock/fixtures/faults/throttle-first-2.json",
                "share/tmtmock/conformance/harness/signer.py", "share/tmtmock/install-manifest.txt"):
        assert (prefix / rel).is_file(), rel
    for rel in ("bin/tmtmock", "bin/tmtmock-conformance"):
        assert os.access(prefix / rel, os.X_OK), rel
    manifest = (prefix / "share/tmtmock/install-manifest.txt").read_text(encoding="utf-8").splitlines()
    # The manifest lists exactly what is there, but for what was there before.
    assert set(manifest) == tree(prefix) - {"bin/", "bin/someone-elses-tool"}
    assert not any("node_modules" in m or "__pycache__" in m for m in manifest)
    assert not any(m.startswith("share/tmtmock/conformance/tests/") for m in manifest)
    src = {p.relative_to(ROOT / "fixtures").as_posix() for p in (ROOT / "fixtures").rglob("*") if p.is_file()}
    inst = {m[len("share/tmtmock/fixtures/"):] for m in manifest
            if m.startswith("share/tmtmock/fixtures/") and not m.endswith("/")}
    assert inst == src


def test_installed_version(prefix: Path) -> None:
    r = subprocess.run([str(prefix / "bin/tmtmock"), "--version"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 0 and r.stdout.strip() == run_once(["--version"]).stdout.strip(), r


def test_installed_binary_finds_its_fixtures(prefix: Path, tmp_path: Path) -> None:
    """No --fixtures, run from another directory: the prefix's share/tmtmock/fixtures are used
    (an account added only there answers), also after the prefix is moved."""
    acc = prefix / "share/tmtmock/fixtures/accounts.json"
    doc = json.loads(acc.read_text(encoding="utf-8"))
    doc["accounts"].append({"secret_id": MARKER.secret_id, "secret_key": MARKER.secret_key, "billing": "paid"})
    acc.write_text(json.dumps(doc), encoding="utf-8")
    with launch(["--listen", "127.0.0.1:0"], exe=prefix / "bin/tmtmock", cwd=tmp_path) as m:
        assert_translated(call(m, build(m, "tc3-post", creds=MARKER)), "hello")
        assert_error(call(m, build(m, "tc3-post", creds=Credentials("AKIDmockIsolated00000000000000000000",
                                                                    "mockIsolatedSecretKey0000000000000"))),
                     "FailedOperation.ServiceIsolate")
    moved = tmp_path / "moved"
    shutil.copytree(prefix, moved, symlinks=True)
    with launch(["--listen", "127.0.0.1:0"], exe=moved / "bin/tmtmock", cwd=tmp_path) as m:
        assert_translated(call(m, build(m, "tc3-post", creds=MARKER)), "hello")
    # --fixtures and TMTMOCK_FIXTURES still choose.
    with launch(["--listen", "127.0.0.1:0", "--fixtures", str(ROOT / "fixtures")],
                exe=prefix / "bin/tmtmock", cwd=tmp_path) as m:
        assert_error(call(m, build(m, "tc3-post", creds=MARKER)), "AuthFailure.SecretIdNotFound")
    with launch(["--listen", "127.0.0.1:0"], exe=prefix / "bin/tmtmock", cwd=tmp_path,
                env=clean_env({"TMTMOCK_FIXTURES": str(ROOT / "fixtures")})) as m:
        assert_error(call(m, build(m, "tc3-post", creds=MARKER)), "AuthFailure.SecretIdNotFound")


def test_conformance_entry_point(prefix: Path, tmp_path: Path) -> None:
    """tmtmock-conformance runs `python3 -m suite` with the installed suite and binary."""
    stub = tmp_path / "python-stub"
    stub.write_text('#!/bin/sh\nprintf "%s\\n" "$PYTHONPATH" "$TMTMOCK_BIN" "$*"\n', encoding="utf-8")
    stub.chmod(0o755)
    r = subprocess.run([str(prefix / "bin/tmtmock-conformance"), "--client", "x"], capture_output=True, text=True,
                       timeout=10, cwd=tmp_path, env=clean_env({"PYTHON": str(stub), "PYTHONPATH": "/elsewhere"}))
    assert r.returncode == 0, r.stderr
    pythonpath, tmtmock_bin, args = r.stdout.splitlines()
    assert pythonpath == f"{prefix / 'share/tmtmock/conformance'}:/elsewhere"
    assert tmtmock_bin == str(prefix / "bin/tmtmock")
    assert args == "-m suite --client x"
    if (prefix / "share/tmtmock/conformance/suite/__main__.py").exists():
        # As on a fresh machine, Python may write bytecode beside the installed modules
        # (this machine may set PYTHONDONTWRITEBYTECODE): uninstall must remove it too.
        env = clean_env({"PYTHON": sys.executable})
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        r = subprocess.run([str(prefix / "bin/tmtmock-conformance"), "--help"], capture_output=True, text=True,
                           timeout=60, cwd=tmp_path, env=env)
        assert r.returncode == 0, r.stdout + r.stderr


def help_options() -> list[str]:
    out = run_once(["--help"]).stdout
    opts = re.findall(r"^\s+(?:-\w, )?(--[a-z][a-z-]*)", out, re.M)
    assert len(opts) >= 20, out
    return opts


@pytest.mark.skipif(MAN is None, reason="man is not installed (scripts/deps.sh test installs man-db)")
def test_man_page(prefix: Path) -> None:
    page = prefix / "share/man/man1/tmtmock.1"
    env = clean_env({"MANWIDTH": "100", "LANG": "C.UTF-8"})
    r = subprocess.run([MAN or "man", "-l", str(page)], capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 0, r.stderr
    assert r.stderr == "", r.stderr
    text = r.stdout
    for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "CONFIGURATION", "ADMIN API",
                    "MAGIC VALUES", "LOGS", "FILES", "ENVIRONMENT", "EXIT STATUS"):
        assert re.search(rf"^{section}$", text, re.M), section
    missing = [o for o in help_options() if o not in text]
    assert not missing, f"options of --help missing from the man page: {missing}"
    for word in ("-v", "/_mock/health", "/_mock/reset", "/_mock/faults", "/_mock/accounts", "/_mock/journal",
                 "/_mock/clock", "/_mock/catalogue", "/_mock/metrics", "@mock:error=", "@mock:fault=",
                 "@mock:delay=", "reset", "truncate", "slow_body", "error_status_500", "no_response",
                 "TMTMOCK_CONFIG", "TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_TOKEN", "install-manifest.txt",
                 "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "AKIDmockServiceDenied000000000000000"):
        assert word in text, word
    # groff itself finds nothing to warn about.
    if shutil.which("groff"):
        g = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", str(page)], capture_output=True, text=True,
                           timeout=60)
        assert g.returncode == 0 and g.stderr == "", g.stderr


def test_reinstall_then_uninstall_leaves_nothing(prefix: Path) -> None:
    # Bytecode Python wrote beside the installed suite goes with a reinstall: not compared.
    before = {p for p in tree(prefix) if "__pycache__" not in p}
    r = make("install", f"PREFIX={prefix}")      # over the earlier install
    assert r.returncode == 0, r.stdout + r.stderr
    assert {p for p in tree(prefix) if "__pycache__" not in p} == before
    r = make("uninstall", f"PREFIX={prefix}")
    assert r.returncode == 0, r.stdout + r.stderr
    assert tree(prefix) == {"bin/", "bin/someone-elses-tool"}
    r = make("uninstall", f"PREFIX={prefix}")    # twice: nothing to do, no error
    assert r.returncode == 0, r.stdout + r.stderr


def test_destdir_staging(tmp_path: Path) -> None:
    stage = tmp_path / "stage"
    r = make("install", f"DESTDIR={stage}", "PREFIX=/opt/tmtmock")
    assert r.returncode == 0, r.stdout + r.stderr
    root = stage / "opt/tmtmock"
    assert (root / "bin/tmtmock").is_file() and (root / "share/tmtmock/fixtures/accounts.json").is_file()
    r = make("uninstall", f"DESTDIR={stage}", "PREFIX=/opt/tmtmock")
    assert r.returncode == 0, r.stdout + r.stderr
    assert tree(root) == set()
