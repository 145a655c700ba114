"""tmtmock in your tests: start a mock on a free port, drive its admin API, query its journal.

    from tmtmock_pytest import start

    with start() as mock:                 # or the pytest fixture `tmtmock`
        mock.faults.add(error="RequestLimitExceeded", times=2)
        ...                               # your client against mock.endpoint
        assert mock.count(code="RequestLimitExceeded") == 2

Standard library only (docs/helpers.md).
"""
from __future__ import annotations

from .mock import Clock, Faults, Tmtmock, TmtmockError, find_binary, start

__all__ = ["Clock", "Faults", "Tmtmock", "TmtmockError", "find_binary", "start"]
