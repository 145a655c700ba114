"""The conformance suite's data model: scenarios, what a client answered, and verdicts.

Everything here is plain data (typed dataclasses), shared by the loader, the runner,
the grader and the report writers. The public names (verdict words, report fields)
are fixed by docs/conformance.md (reports): fields may be added, never renamed.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

SUITE_VERSION = "0.1.0"

DEFAULT_REGION = "ap-guangzhou"
DEFAULT_OPTIONS: dict[str, Any] = {
    "sign_method": "TC3-HMAC-SHA256",
    "method": "POST",
    "timeout_ms": 2000,
    "max_attempts": 3,
    "language": "en-US",
}


class Verdict(str, enum.Enum):
    PASS = "PASS"
    LENIENT = "LENIENT"
    FAIL = "FAIL"
    SKIP = "SKIP"
    ERROR = "ERROR"


# The order in reports and totals.
VERDICTS = [v.value for v in Verdict]


class Level(str, enum.Enum):
    MUST = "MUST"
    SHOULD = "SHOULD"
    MAY = "MAY"


class ErrorClass(str, enum.Enum):
    CLIENT_ERROR = "client_error"
    THROTTLED = "throttled"
    TRANSIENT = "transient"
    CLOCK = "clock"
    TRANSPORT = "transport"
    SUCCESS = "success"


# What the adapter is handed, relative to the account the harness created.
CREDENTIAL_KINDS = ("ok", "wrong_key", "unknown_id", "malformed_id", "no_token", "wrong_token")


@dataclass(frozen=True)
class Call:
    action: str
    params: dict[str, Any]
    region: str = DEFAULT_REGION
    options: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_OPTIONS))


@dataclass(frozen=True)
class Setup:
    account: dict[str, Any] = field(default_factory=dict)
    credentials: str = "ok"
    faults: list[dict[str, Any]] = field(default_factory=list)
    precalls: list[dict[str, Any]] = field(default_factory=list)
    # Options and clock of a dedicated mock; None runs on the shared one.
    mock: dict[str, Any] | None = None


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    error_class: ErrorClass
    codes: list[str]
    tags: list[str]
    setup: Setup
    call: Call
    requires: list[str]
    expect: dict[str, Any]
    wire_skip: list[str]
    path: str = ""

    @property
    def expected_code(self) -> str | None:
        return self.expect.get("code") or (self.codes[0] if self.codes else None)

    def capabilities_needed(self) -> list[str]:
        """The action, sign method and HTTP method it calls with, and its extra needs."""
        o = self.call.options
        # A scenario that calls a name outside TMT asks for custom_action instead.
        action = [] if "custom_action" in self.requires else [self.call.action]
        return [
            *action,
            f"sign:{o.get('sign_method', DEFAULT_OPTIONS['sign_method'])}",
            f"method:{o.get('method', DEFAULT_OPTIONS['method'])}",
            *self.requires,
        ]


@dataclass(frozen=True)
class Difference:
    expectation: str
    level: Level
    expected: Any
    got: Any

    def to_json(self) -> dict[str, Any]:
        return {"expectation": self.expectation, "level": self.level.value,
                "expected": self.expected, "got": self.got}


@dataclass(frozen=True)
class ClientInfo:
    name: str
    version: str = ""
    language: str = ""
    capabilities: list[str] = field(default_factory=list)
    # The rest of the adapter's start answer, e.g. "calls": how each action is called
    # (typed method or generic client), "sdk": the build it found.
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {**self.extra, "name": self.name, "version": self.version, "language": self.language,
                "capabilities": list(self.capabilities)}


@dataclass(frozen=True)
class Manifest:
    name: str
    command: list[str]
    mode: str  # "ndjson" or "oneshot"
    capabilities: list[str]
    known_failures: dict[str, dict[str, Any]]
    folder: str
    description: str = ""
    requires_env: str | None = None
    # Where known_failures came from (known_failures.json, or known_failures-<version>.json).
    known_failures_file: str = ""


@dataclass
class AdapterAnswer:
    """One answer to a `run`: exactly one of result, skipped, errored is set, unless
    the adapter broke (crashed, hung, spoke nonsense), which `broken` describes."""

    result: dict[str, Any] | None = None
    skipped: dict[str, Any] | None = None
    errored: dict[str, Any] | None = None
    broken: str | None = None
    elapsed_ms: int = 0
    stderr: str = ""


@dataclass
class ScenarioResult:
    scenario: Scenario
    client: str
    verdict: Verdict
    differences: list[Difference] = field(default_factory=list)
    attempts: int = 0
    elapsed_ms: int = 0
    notes: list[str] = field(default_factory=list)
    skip_reason: str | None = None
    error: str | None = None
    answer: dict[str, Any] | None = None
    journal: list[dict[str, Any]] = field(default_factory=list)
    # The adapter's stderr while it ran this scenario (docs/conformance.md: kept with the report).
    stderr: str = ""
    # The client's known-failures entry for this scenario, with "matches": whether the
    # verdict is the known one (None: no entry, so PASS or SKIP is expected).
    known: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        """The report.jsonl line: the documented names first."""
        line = {
            "scenario": self.scenario.id,
            "title": self.scenario.title,
            "class": self.scenario.error_class.value,
            "codes": list(self.scenario.codes),
            "tags": list(self.scenario.tags),
            "client": self.client,
            "verdict": self.verdict.value,
            "differences": [d.to_json() for d in self.differences],
            "attempts": self.attempts,
            "elapsed_ms": self.elapsed_ms,
            "notes": list(self.notes),
            "skip_reason": self.skip_reason,
            "error": self.error,
            "result": self.answer,
            "journal": self.journal,
            "stderr": self.stderr,
        }
        # Always present in a run's lines (null: no entry), so that a reader tells "no entry"
        # from a report written before known failures were recorded.
        line["known"] = dict(self.known) if self.known is not None else None
        return line


def verdict_of(differences: list[Difference]) -> Verdict:
    """FAIL on any MUST difference, LENIENT on any SHOULD, else PASS (MAY never fails)."""
    levels = {d.level for d in differences}
    if Level.MUST in levels:
        return Verdict.FAIL
    if Level.SHOULD in levels:
        return Verdict.LENIENT
    return Verdict.PASS
