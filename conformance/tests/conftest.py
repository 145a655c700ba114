"""Fixtures shared by the harness tests: one mock per test module, its stderr on failure."""
from __future__ import annotations

import sys
from typing import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.admin import Admin  # noqa: E402
from harness.mockproc import ROOT, MockProcess, binary  # noqa: E402
from harness.signer import Credentials  # noqa: E402
from suite.mockctl import Mock  # noqa: E402


@pytest.fixture(scope="module")
def mock() -> MockProcess:
    """A tmtmock on a free loopback port with the project's fixtures and a fixed seed.

    Rate limiting is off here: these tests send hundreds of requests with one
    account; the rate-limit tests start their own mock with it on."""
    if not binary().exists():
        pytest.fail(f"{binary()} is missing: build it with `make build`")
    m = MockProcess(["--fixtures", str(ROOT / "fixtures"), "--seed", "42", "--no-rate-limit"]).start()
    yield m
    code = m.stop()
    # A clean stop is SIGTERM's; a crash (ASan, segfault) shows here.
    assert code in (0, -15), f"tmtmock exited {code}; stderr:\n{''.join(m.stderr_lines)}"


@pytest.fixture(scope="module")
def suite_mock() -> Iterator[Mock]:
    """The mock as the conformance suite drives it (suite.mockctl): one per test module."""
    if not binary().exists():
        pytest.fail(f"{binary()} is missing: build it with `make build`")
    m = Mock.start()
    yield m
    m.stop()


CONFORMANCE_CLASSES = ("client_error", "throttled", "transient", "clock", "transport", "success")


def pytest_configure(config):  # type: ignore[no-untyped-def]
    """test_conformance.py marks each scenario with its class and its tags (``-m transport``,
    ``-k faq``): register them, so pytest does not warn about unknown marks."""
    import json

    tags: set[str] = set()
    for path in (ROOT / "conformance" / "scenarios").rglob("*.json"):
        try:
            tags.update(t for t in json.loads(path.read_text(encoding="utf-8")).get("tags", []) if isinstance(t, str))
        except (OSError, ValueError, AttributeError):
            pass  # a bad file is reported by the suite's loader, not here
    for cls in CONFORMANCE_CLASSES:
        config.addinivalue_line("markers", f"{cls}: conformance scenarios of class {cls}")
    for tag in sorted(tags - set(CONFORMANCE_CLASSES)):
        config.addinivalue_line("markers", f"{tag}: conformance scenarios tagged {tag}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):  # type: ignore[no-untyped-def]
    outcome = yield
    rep = outcome.get_result()
    m = item.funcargs.get("mock") if hasattr(item, "funcargs") else None
    if rep.failed and isinstance(m, MockProcess) and m.stderr_lines:
        rep.sections.append(("tmtmock stderr", "".join(m.stderr_lines[-50:])))


@pytest.fixture
def adm(mock: MockProcess) -> Iterator[Admin]:
    """The module mock's admin API, reset before and after each test."""
    a = Admin.of(mock)
    a.reset()
    yield a
    a.reset()


@pytest.fixture
def creds(adm: Admin) -> Iterator[Credentials]:
    """A fresh account of its own, so rules scoped to it touch no other test."""
    yield adm.new_account()
