"""What each use installs (scripts/deps.sh): grading a client must not pull the test toolchain.

The full proof, that the README's commands work on a fresh Debian 12, is scripts/fresh-check.sh
(root, a few minutes, not part of `make test`); these check the split it relies on.
"""
from __future__ import annotations

import subprocess

import pytest

from harness.mockproc import ROOT

DEPS = ROOT / "scripts" / "deps.sh"


def packages(use: str) -> list[str]:
    p = subprocess.run([str(DEPS), "--list", use], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    return p.stdout.split()


def test_each_use_includes_the_one_before() -> None:
    build, grade, test = packages("build"), packages("grade"), packages("test")
    assert set(build) < set(grade) < set(test)
    assert set(packages("fuzz")) < set(test), "make test ends with the fuzz pass"


def test_build_is_the_compiler_with_libc_headers_and_the_three_libraries() -> None:
    # gcc without its recommends has no libc6-dev: the first compile failed on a fresh root.
    assert set(packages("build")) == {"gcc", "libc6-dev", "make", "pkg-config", "libevent-dev",
                                      "libjansson-dev", "libssl-dev"}


@pytest.mark.parametrize("pkg", ["chromium", "valgrind", "golang-go", "libcunit1-dev", "man-db",
                                 "python3-pytest", "clang"])
def test_grading_a_client_does_not_install_the_test_toolchain(pkg: str) -> None:
    assert pkg not in packages("grade")
    assert pkg in packages("test")


@pytest.mark.parametrize("pkg", ["python3-jsonschema", "nodejs", "npm", "ca-certificates"])
def test_grading_has_python_jsonschema_and_node(pkg: str) -> None:
    assert pkg in packages("grade")


@pytest.mark.parametrize("pkg", ["curl", "openssl"])
def test_the_readme_tools_come_with_test(pkg: str) -> None:
    """The tour and the curl recipe call them; nothing else installs them on a fresh machine."""
    assert pkg in packages("test")


def test_unknown_use_is_refused() -> None:
    p = subprocess.run([str(DEPS), "tset"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 2
    assert "unknown use 'tset'" in p.stderr


def test_make_conformance_asks_for_grade_only() -> None:
    p = subprocess.run(["make", "-n", "--no-print-directory", "conformance"], cwd=ROOT,
                       capture_output=True, text=True, timeout=30)
    assert "scripts/deps.sh grade" in p.stdout, p.stdout
    assert "scripts/deps.sh test" not in p.stdout


@pytest.mark.parametrize("client, pkgs", [
    ("go-sdk", ["golang-go"]),
    ("python-sdk", ["python3-requests"]),
    ("tccli", ["python3-requests", "python3-jmespath", "python3-six"]),
])
def test_grading_an_sdk_from_source_adds_what_it_imports(client: str, pkgs: list[str]) -> None:
    p = subprocess.run([str(DEPS), "--list", "grade", client], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    got = p.stdout.split()
    assert set(packages("grade")) < set(got)
    for pkg in pkgs:
        assert pkg in got
    assert "chromium" not in got
