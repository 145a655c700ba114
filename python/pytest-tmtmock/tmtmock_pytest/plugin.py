"""The pytest plugin (entry point pytest11 `tmtmock`): one mock per session, reset per test.

    def test_retries(tmtmock):            # function scope: the session's mock, reset first
        tmtmock.faults.add(error="RequestLimitExceeded", times=2)
        ...

``tmtmock_session`` is the session-scoped mock itself (no reset). Options: ``--tmtmock-bin``
(else $TMTMOCK_BIN, else PATH) and the ini value ``tmtmock_args`` (extra options, e.g.
``--seed 1 --no-rate-limit``).
"""
from __future__ import annotations

import shlex
from typing import Any, Iterator

import pytest

from .mock import Tmtmock


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("tmtmock")
    group.addoption("--tmtmock-bin", default=None, help="the tmtmock binary (default: $TMTMOCK_BIN, then PATH)")
    parser.addini("tmtmock_args", "extra tmtmock options for the session's mock", default="")


@pytest.fixture(scope="session")
def tmtmock_session(pytestconfig: pytest.Config) -> Iterator[Tmtmock]:
    """A tmtmock on a free loopback port for the whole session; stopped at the end."""
    mock = Tmtmock(binary=pytestconfig.getoption("tmtmock_bin"),
                   args=tuple(shlex.split(pytestconfig.getini("tmtmock_args")))).start()
    try:
        yield mock
    finally:
        mock.stop()


@pytest.fixture
def tmtmock(tmtmock_session: Tmtmock) -> Iterator[Tmtmock]:
    """The session's mock, reset before the test: no rule, entry or clock change of another
    test is left."""
    tmtmock_session.reset()
    yield tmtmock_session


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Iterator[None]:
    """A failing test that used the mock shows the end of its stderr."""
    outcome = yield
    rep = outcome.get_result()
    mock = getattr(item, "funcargs", {}).get("tmtmock") or getattr(item, "funcargs", {}).get("tmtmock_session")
    if rep.failed and isinstance(mock, Tmtmock) and mock.stderr_lines:
        rep.sections.append(("tmtmock stderr", "".join(mock.stderr_lines[-50:])))
