"""Every conformance scenario as one pytest test, against one client (the `reference` client
unless $CONFORMANCE_CLIENT names another folder of conformance/clients/).

Test ids are the scenario ids; each test carries its class and its tags as marks, so
`-m transport`, `-m "throttled or transient"`, `-k faq` or `-k auth.` select scenarios, and
pytest's own --junitxml gives the JUnit view. The selected scenarios run once, in parallel
(4 workers, one adapter process each), against a session-scoped mock started for them (rate
limits on: every scenario has its own account); each test then asserts its verdict is the
client's known one (absent from known_failures.json: PASS; for clients other than the
reference, SKIP is accepted too).

`python -m suite run` is the same run with the four report files.
"""
from __future__ import annotations

import json
import os
from typing import Any

import pytest

from harness.mockproc import binary
from suite import adapter as adapters
from suite import scenarios as scenario_files
from suite.mockctl import Mock
from suite.model import Scenario, ScenarioResult, Verdict
from suite.runner import Runner

CLIENT = os.environ.get("CONFORMANCE_CLIENT", "reference")
WORKERS = int(os.environ.get("CONFORMANCE_WORKERS", "4"))

try:
    SCENARIOS: list[Scenario] = scenario_files.load_all()
    LOAD_ERROR: str | None = None
except scenario_files.ScenarioError as e:
    SCENARIOS, LOAD_ERROR = [], str(e)

BY_ID = {s.id: s for s in SCENARIOS}


def _params() -> list[Any]:
    out = []
    for s in SCENARIOS:
        marks = [getattr(pytest.mark, s.error_class.value)] + [getattr(pytest.mark, t) for t in s.tags]
        out.append(pytest.param(s.id, id=s.id, marks=marks))
    return out


@pytest.fixture(scope="session")
def conformance_results(request: pytest.FixtureRequest) -> dict[str, ScenarioResult]:
    """The selected scenarios of this module, run once in parallel; results by scenario id."""
    selected = [item.callspec.params["scenario_id"] for item in request.session.items
                if item.module is not None and item.module.__name__ == __name__ and hasattr(item, "callspec")
                and "scenario_id" in item.callspec.params]
    if not binary().exists():
        pytest.fail(f"{binary()} is missing: build it with `make build`")
    try:
        manifest = adapters.load_manifest(CLIENT)
    except adapters.AdapterError as e:
        pytest.fail(str(e))
    mock = Mock.start()
    try:
        with Runner(manifest, mock, workers=WORKERS) as runner:
            results = runner.run([BY_ID[i] for i in dict.fromkeys(selected)])
        yield {r.scenario.id: r for r in results}
    finally:
        mock.stop()


@pytest.fixture(scope="session")
def known_failures() -> dict[str, dict[str, Any]]:
    return adapters.load_manifest(CLIENT).known_failures


def _explain(r: ScenarioResult) -> str:
    lines = [f"{CLIENT} / {r.scenario.id} ({r.scenario.error_class.value}): {r.verdict.value}"]
    if r.error:
        lines.append(f"error: {r.error}")
    if r.skip_reason:
        lines.append(f"skipped: {r.skip_reason}")
    for d in r.differences:
        lines.append(f"  {d.level.value} {d.expectation}: expected {json.dumps(d.expected, ensure_ascii=False, default=str)}"
                     f", got {json.dumps(d.got, ensure_ascii=False, default=str)}")
    lines.append(f"result: {json.dumps(r.answer, ensure_ascii=False, default=str)[:1000]}")
    lines.append(f"attempts: {r.attempts}, elapsed {r.elapsed_ms} ms")
    for e in r.journal[:5]:
        lines.append(f"  journal seq {e.get('seq')}: {e.get('method')} {e.get('action')} -> "
                     f"{e.get('error_code') or 'OK'} fault={e.get('fault')} signature_ok={e.get('signature_ok')}")
    if r.stderr:
        lines.append("adapter stderr:\n" + r.stderr[-3000:])
    return "\n".join(lines)


if LOAD_ERROR is not None:
    def test_scenario_files_load() -> None:
        pytest.fail(LOAD_ERROR)
else:
    @pytest.mark.parametrize("scenario_id", _params())
    def test_scenario(scenario_id: str, conformance_results: dict[str, ScenarioResult],
                      known_failures: dict[str, dict[str, Any]]) -> None:
        r = conformance_results[scenario_id]
        known = known_failures.get(scenario_id)
        if known:
            assert r.verdict.value == known["verdict"], _explain(r)
            if r.verdict is Verdict.SKIP:
                pytest.skip(f"known: {r.skip_reason}")
            return
        if r.verdict is Verdict.SKIP and CLIENT != "reference":
            pytest.skip(r.skip_reason or "skipped")
        assert r.verdict is Verdict.PASS, _explain(r)


def test_every_client_manifest_is_valid() -> None:
    """Every folder of conformance/clients/ has a manifest (and known failures) the suite accepts."""
    names = adapters.list_clients()
    assert CLIENT in names
    for name in names:
        adapters.load_manifest(name)
