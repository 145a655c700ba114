"""Run one client over scenarios: per scenario a fresh account, its setup, one `run` to the
adapter, the journal of what reached the mock, and the grade.

    results = run(manifest, scenarios, mock, workers=4)        # list[ScenarioResult], input order

    runner = Runner(manifest, mock, workers=4)                 # or step by step (pytest does)
    info = runner.start()                                      # the adapter's ClientInfo
    result = runner.run_one(scenario)                          # thread-safe: an adapter per worker
    runner.close()

A precall's answer can feed the call: a string "{{precalls[N].Data.TaskId}}" anywhere in
call.params (or expect) is replaced by that field of precall N's Response.

Parallel scenarios never share state: each has its own account, its fault rules are scoped
to it, and a scenario that needs global state (mock options, the clock) runs on its own
dedicated mock (setup.mock).
"""
from __future__ import annotations

import dataclasses
import datetime
import json
import os
import queue
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from harness.admin import random_secret_key
from harness.mockproc import binary
from harness.signer import Credentials, Tc3Signer, send

from . import grade as grading
from .adapter import AdapterError, AdapterProcess, for_version, manifest_info
from .mockctl import Mock, MockError, fake_secret_id
from .model import (SUITE_VERSION, VERDICTS, AdapterAnswer, Call, ClientInfo, ErrorClass, Manifest, Scenario,
                    ScenarioResult, Setup, Verdict)

HANG_GRACE_MS = 2000            # past the scenario's time budget before an adapter counts as hung
JOURNAL_GRACE_S = 1.0           # how long to wait for delayed answers to be journaled
TMT_ACTIONS = ("TextTranslate", "TextTranslateBatch", "LanguageDetect", "SpeechTranslate", "ImageTranslate",
               "ImageTranslateLLM", "FileTranslate", "GetFileTranslate")
PRECALL_REF = re.compile(r"^\{\{precalls\[(\d+)\]((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}\}$")
PRECALL_STEP = re.compile(r"\.[A-Za-z0-9_]+|\[\d+\]")
MAGIC_DELAY = re.compile(r"@mock:delay=(\d+)")


class SetupError(RuntimeError):
    """The harness could not prepare a scenario (the mock refused a rule, a precall failed)."""


def utc_now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"


def adapter_budget_s(sc: Scenario, no_fault_ms: int | None = None) -> float:
    """How long the adapter may take to answer: the scenario's time budget plus a grace."""
    return (grading.default_time_budget_ms(sc, no_fault_ms) + HANG_GRACE_MS) / 1000.0


# The no-fault call that measures a client's own latency (grade.time_margin_ms).
CALIBRATION = Scenario(
    id="calibration.no-fault", title="a plain TextTranslate, no fault: the client's own latency",
    error_class=ErrorClass.SUCCESS, codes=[], tags=[], setup=Setup(),
    call=Call("TextTranslate", {"SourceText": "hello", "Source": "en", "Target": "zh", "ProjectId": 0}),
    requires=[], expect={}, wire_skip=[])
CALIBRATION_CALLS = 2


def known_entry(manifest: Manifest, scenario_id: str, verdict: Verdict) -> dict[str, Any] | None:
    """The report line's `known`: the client's known-failures entry for this scenario and
    whether the verdict is the known one (None when the client has no entry)."""
    entry = manifest.known_failures.get(scenario_id)
    if not entry:
        return None
    out = {k: entry[k] for k in ("verdict", "issue", "note") if k in entry}
    out["matches"] = entry.get("verdict") == verdict.value
    return out


def implicit_requirements(sc: Scenario) -> list[str]:
    """Capabilities a scenario needs: its action (custom_action for a name that is not one
    of the eight), sign method, method, `requires`, and `token` when the adapter is handed a
    token."""
    needed = sc.capabilities_needed()
    if sc.call.action not in TMT_ACTIONS:
        # An action name no client knows (InvalidAction): what it needs is custom_action.
        needed = [c for c in needed if c != sc.call.action]
        if "custom_action" not in needed:
            needed.append("custom_action")
    if sc.setup.account.get("token") and sc.setup.credentials in ("ok", "wrong_token") and "token" not in needed:
        needed.append("token")
    return needed


def missing_capabilities(sc: Scenario, capabilities: Iterable[str]) -> list[str]:
    caps = set(capabilities)
    return [c for c in implicit_requirements(sc) if c not in caps]


@dataclass
class Prepared:
    """A scenario made ready on a mock."""

    mock: Mock
    dedicated: bool
    account: Credentials
    given: dict[str, Any]           # the credentials the adapter is handed
    journal_id: str                 # the SecretId whose journal entries are the attempts
    since: int
    global_since: int = 0           # a seq before the call's first entry, whatever its SecretId
    rule_ids: list[int] = field(default_factory=list)
    delay_rule_ids: list[int] = field(default_factory=list)
    max_delay_ms: int = 0
    scenario: Scenario | None = None   # the scenario with {{precalls[N]...}} resolved, if any


def credentials_for(kind: str, account: Credentials) -> dict[str, Any]:
    """What the adapter is given for setup.credentials ``kind``."""
    sid, key, token = account.secret_id, account.secret_key, account.token
    if kind == "wrong_key":
        key = random_secret_key()
        while key == account.secret_key:
            key = random_secret_key()
    elif kind in ("unknown_id", "malformed_id"):
        sid = fake_secret_id(kind)
    elif kind == "no_token":
        token = None
    elif kind == "wrong_token":
        token = "wrong-" + random_secret_key()
    return {"secret_id": sid, "secret_key": key, "token": token}


def precall(mock: Mock, account: Credentials, call: dict[str, Any], clock_now: int | None) -> dict[str, Any]:
    """One setup call with the harness's own signer; answers its Response, raises SetupError
    unless it succeeds."""
    signer = Tc3Signer(account, host=f"{mock.host}:{mock.port}", action=call["action"],
                       region=call.get("region", "ap-guangzhou"), timestamp=clock_now)
    try:
        resp = send(mock.host, mock.port, signer.post(call["params"]).request, timeout=10)
        doc = resp.json()
    except (OSError, ValueError) as e:
        raise SetupError(f"precall {call['action']}: {e}") from None
    inner = doc.get("Response") if isinstance(doc, dict) else None
    if resp.status != 200 or not isinstance(inner, dict) or "Error" in inner:
        raise SetupError(f"precall {call['action']} did not succeed: HTTP {resp.status} {resp.body[:300]!r}")
    return inner


def resolve(value: Any, responses: list[dict[str, Any]]) -> Any:
    """``value`` with every string "{{precalls[N].Path.To[0].Field}}" replaced by that field
    of precall N's Response (e.g. the TaskId a FileTranslate precall created)."""
    if isinstance(value, dict):
        return {k: resolve(v, responses) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, responses) for v in value]
    if not isinstance(value, str):
        return value
    m = PRECALL_REF.match(value)
    if not m:
        return value
    n = int(m.group(1))
    if n >= len(responses):
        raise SetupError(f"{value}: there are {len(responses)} precalls")
    cur: Any = responses[n]
    for step in PRECALL_STEP.findall(m.group(2)):
        try:
            cur = cur[int(step[1:-1])] if step.startswith("[") else cur[step[1:]]
        except (KeyError, IndexError, TypeError, ValueError):
            raise SetupError(f"{value}: precall {n}'s Response has no {step!r} there: "
                             f"{json.dumps(responses[n], ensure_ascii=False)[:300]}") from None
    return cur


def prepare(sc: Scenario, shared: Mock, seed: int | None = 42) -> Prepared:
    """Account, credentials, fault rules, precalls, the journal position; on a dedicated mock
    if the scenario has setup.mock (the caller stops it: Prepared.dedicated)."""
    mock, dedicated = shared, False
    if sc.setup.mock is not None:
        mock = Mock.start(options=list(sc.setup.mock.get("options", [])), seed=seed)
        dedicated = True
    try:
        clock = (sc.setup.mock or {}).get("clock")
        if clock:
            mock.set_clock(**clock)
        account = mock.new_account(sc.setup.account)
        given = credentials_for(sc.setup.credentials, account)
        journal_id = given["secret_id"]
        prep = Prepared(mock, dedicated, account, given, journal_id, 0, scenario=sc)
        for rule in sc.setup.faults:
            stored = mock.add_rule(rule, journal_id)
            prep.rule_ids.append(int(stored["id"]))
            if int(stored.get("delay_ms") or 0) > 0 or stored.get("fault") == "slow_body":
                prep.delay_rule_ids.append(int(stored["id"]))
                prep.max_delay_ms = max(prep.max_delay_ms, int(stored.get("delay_ms") or 2000))
        now = int(mock.clock()["now"]) if clock else None
        responses = [precall(mock, account, call, now) for call in sc.setup.precalls]
        if responses:
            # {{precalls[N]...}} in the call's params and the expected response
            prep.scenario = dataclasses.replace(
                sc, call=dataclasses.replace(sc.call, params=resolve(sc.call.params, responses)),
                expect=resolve(sc.expect, responses))
        prep.since = mock.journal_seq(journal_id)
        prep.global_since = mock.high_seq
        return prep
    except BaseException:
        if dedicated:
            mock.stop()
        raise


def run_message(sc: Scenario, prep: Prepared) -> dict[str, Any]:
    """The `run` message (without cmd and seq, which the adapter object adds)."""
    return {
        "endpoint": prep.mock.url,
        "region": sc.call.region,
        "credentials": dict(prep.given),
        "action": sc.call.action,
        "params": sc.call.params,
        "options": dict(sc.call.options),
        "scenario": sc.id,
    }


def answer_json(ans: AdapterAnswer) -> dict[str, Any] | None:
    """The report's `result`: the adapter's result object, or {"skipped"|"errored": ...}."""
    if ans.result is not None:
        return ans.result
    if ans.skipped is not None:
        return {"skipped": ans.skipped}
    if ans.errored is not None:
        return {"errored": ans.errored}
    return None


def collect_journal(sc: Scenario, prep: Prepared, ans: AdapterAnswer) -> tuple[list[dict[str, Any]], list[str]]:
    """The attempts (journal entries of the call, once delayed answers are in) and notes.

    A request refused before the mock reads its SecretId (checks 1-8: a malformed region, an
    unknown action or version, ...) is journaled without one; when the SecretId finds nothing,
    the entry is looked up by the RequestId the client reported."""
    magic = [int(m) for m in MAGIC_DELAY.findall(repr(sc.call.params))]
    if magic:
        wait_s = (max(magic) - ans.elapsed_ms) / 1000.0 + 0.1
        if wait_s > 0:
            time.sleep(min(wait_s, 10.0))
    deadline = time.monotonic() + prep.max_delay_ms / 1000.0 + JOURNAL_GRACE_S
    entries = prep.mock.wait_journal(prep.journal_id, prep.since, prep.delay_rule_ids, deadline)
    notes: list[str] = []
    err = (ans.result or {}).get("error")
    if not entries and isinstance(err, dict) and err.get("request_id"):
        entries = [e for e in prep.mock.journal(None, prep.global_since)
                   if e.get("secret_id") is None and e.get("request_id") == err["request_id"]]
        if entries:
            notes.append("the mock journaled this request without a SecretId (refused before reading it): "
                         "found by the RequestId the client reported; other attempts cannot be seen")
    return grading.order_attempts(entries), notes


class Runner:
    """One client over many scenarios, with up to ``workers`` adapter processes."""

    def __init__(self, manifest: Manifest, mock: Mock, workers: int = 4, env: dict[str, str] | None = None,
                 seed: int | None = 42) -> None:
        self.manifest = manifest
        self.mock = mock
        self.workers = max(1, workers)
        self.env = env
        self.seed = seed
        self.info: ClientInfo = manifest_info(manifest)
        self.start_error: str | None = None
        self.skip_all: str | None = None
        environ = os.environ if env is None else env
        if manifest.requires_env and not environ.get(manifest.requires_env):
            self.skip_all = f"client {manifest.name} requires ${manifest.requires_env}, which is unset"
        self._idle: queue.Queue[AdapterProcess] = queue.Queue()
        self._all: list[AdapterProcess] = []
        self._lock = threading.Lock()
        self._start_lock = threading.Lock()
        self._started = False
        self._calibration_lock = threading.Lock()
        self._calibrated = False
        self._no_fault_ms: int | None = None

    # ------------------------------------------------------------ adapters

    def _new_adapter(self) -> AdapterProcess:
        ad = AdapterProcess(self.manifest, env=self.env)
        with self._lock:
            self._all.append(ad)
        return ad

    def start(self) -> ClientInfo:
        """Start the first adapter and read the client's info from it (the manifest's when
        the client is skipped or its adapter does not start)."""
        with self._start_lock:
            if self._started:
                return self.info
            self._started = True
            if self.skip_all:
                return self.info
            ad = self._new_adapter()
            try:
                self.info = ad.start()
                self.start_error = ad.start_error
            except AdapterError as e:
                self.start_error = str(e)
            self._idle.put(ad)
            # The known failures of the release the adapter found (known_failures-<version>.json).
            try:
                self.manifest = for_version(self.manifest, self.info.version)
            except AdapterError as e:
                self.start_error = (self.start_error or "") + str(e)
            return self.info

    def _acquire(self) -> AdapterProcess:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            grow = len(self._all) < self.workers
        if grow:
            return self._new_adapter()
        return self._idle.get()

    def close(self) -> None:
        with self._lock:
            adapters = list(self._all)
        for ad in adapters:
            ad.stop()

    def __enter__(self) -> "Runner":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ calibration

    def no_fault_ms(self) -> int | None:
        """The client's own latency on a plain call without fault, measured once per run
        (the slowest of CALIBRATION_CALLS), None when it could not be measured. Call it
        while holding no adapter: it takes one."""
        with self._calibration_lock:
            if not self._calibrated:
                self._calibrated = True
                self._no_fault_ms = self._measure()
            return self._no_fault_ms

    def _measure(self) -> int | None:
        if self.skip_all or missing_capabilities(CALIBRATION, self.info.capabilities):
            return None
        samples = []
        for _ in range(CALIBRATION_CALLS):
            try:
                prep = prepare(CALIBRATION, self.mock, self.seed)
            except (SetupError, MockError, OSError, KeyError, ValueError):
                return None
            ad = self._acquire()
            try:
                ans = ad.run(run_message(CALIBRATION, prep), 60.0)
            finally:
                self._idle.put(ad)
            if not (ans.result or {}).get("ok"):
                return None
            samples.append(ans.elapsed_ms)
        return max(samples) if samples else None

    # ------------------------------------------------------------ scenarios

    def _result(self, sc: Scenario, verdict: Verdict, **kw: Any) -> ScenarioResult:
        return ScenarioResult(scenario=sc, client=self.manifest.name, verdict=verdict,
                              known=known_entry(self.manifest, sc.id, verdict), **kw)

    def run_one(self, sc: Scenario) -> ScenarioResult:
        """Set up, run and grade one scenario (safe to call from several threads)."""
        self.start()
        if self.skip_all:
            return self._result(sc, Verdict.SKIP, skip_reason=self.skip_all)
        missing = missing_capabilities(sc, self.info.capabilities)
        if missing:
            return self._result(sc, Verdict.SKIP, skip_reason="client lacks " + ", ".join(missing))
        if sc.setup.mock is not None and not binary().exists():
            return self._result(sc, Verdict.SKIP,
                                skip_reason=f"needs its own tmtmock (setup.mock) and {binary()} is missing")
        # A timed scenario's budget follows the client's own latency (before any adapter is held).
        no_fault = self.no_fault_ms() if sc.error_class is ErrorClass.TRANSPORT else None
        try:
            prep = prepare(sc, self.mock, self.seed)
        except (SetupError, MockError, OSError, KeyError, ValueError) as e:
            return self._result(sc, Verdict.ERROR, error=f"setup: {e}")
        try:
            live = prep.scenario or sc
            ad = self._acquire()
            try:
                ans = ad.run(run_message(live, prep), adapter_budget_s(sc, no_fault))
            finally:
                self._idle.put(ad)
            try:
                attempts, journal_notes = collect_journal(live, prep, ans)
            except (MockError, OSError) as e:
                return self._result(sc, Verdict.ERROR, error=f"journal: {e}", elapsed_ms=ans.elapsed_ms,
                                    answer=answer_json(ans), stderr=ans.stderr)
            g = grading.grade(live, ans, attempts, self.info.capabilities, no_fault)
            return self._result(
                sc, g.verdict, differences=g.differences, attempts=len(attempts), elapsed_ms=ans.elapsed_ms,
                notes=journal_notes + g.notes, skip_reason=g.skip_reason, error=g.error, answer=answer_json(ans),
                journal=attempts, stderr=ans.stderr,
            )
        finally:
            if prep.dedicated:
                prep.mock.stop()
            else:
                for rid in prep.rule_ids:
                    try:
                        prep.mock.delete_rule(rid)
                    except (MockError, OSError):
                        pass

    def run(self, scenarios: list[Scenario],
            on_result: Callable[[ScenarioResult], None] | None = None) -> list[ScenarioResult]:
        """Every scenario, ``workers`` at a time; results in the input order. ``on_result``
        is called (from worker threads, one at a time) as each finishes."""
        self.start()
        lock = threading.Lock()

        def one(sc: Scenario) -> ScenarioResult:
            try:
                r = self.run_one(sc)
            except Exception as e:  # a harness bug must not lose the other scenarios
                r = self._result(sc, Verdict.ERROR, error=f"harness: {type(e).__name__}: {e}")
            if on_result is not None:
                with lock:
                    on_result(r)
            return r

        if self.workers == 1 or len(scenarios) <= 1:
            return [one(sc) for sc in scenarios]
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="scenario") as pool:
            return list(pool.map(one, scenarios))


def run(manifest: Manifest, scenarios: list[Scenario], mock: Mock, workers: int = 4,
        on_result: Callable[[ScenarioResult], None] | None = None,
        env: dict[str, str] | None = None) -> list[ScenarioResult]:
    """Run ``manifest``'s client over ``scenarios`` against ``mock``; adapters are stopped after."""
    with Runner(manifest, mock, workers, env) as runner:
        return runner.run(scenarios, on_result)


# ---------------------------------------------------------------- header and footer


def make_header(info: ClientInfo, mock: Mock, scenarios: int, manifest: Manifest | None = None,
                started_at: str | None = None, start_error: str | None = None) -> dict[str, Any]:
    """The report's header object (report.jsonl's first line is {"header": this})."""
    try:
        mock_version: str | None = mock.version()
    except (MockError, OSError):
        mock_version = None
    try:
        cat_hash: str | None = mock.catalogue_hash()
    except (MockError, OSError):
        cat_hash = None
    header: dict[str, Any] = {
        "suite_version": SUITE_VERSION,
        "mock_version": mock_version,
        "catalogue_hash": cat_hash,
        "client": info.to_json(),
        "started_at": started_at or utc_now(),
        "scenarios": scenarios,
        "mock_url": mock.url,
    }
    if manifest is not None:
        header["client_name"] = manifest.name
        header["mode"] = manifest.mode
    if start_error:
        header["adapter_start_error"] = start_error
    return header


def totals(results: Iterable[ScenarioResult]) -> dict[str, int]:
    out = {v: 0 for v in VERDICTS}
    for r in results:
        out[r.verdict.value] += 1
    return out


def make_footer(results: list[ScenarioResult], elapsed_ms: int, finished_at: str | None = None) -> dict[str, Any]:
    """The report's footer object (report.jsonl's last line is {"footer": this})."""
    return {"totals": totals(results), "elapsed_ms": int(elapsed_ms), "finished_at": finished_at or utc_now()}


__all__ = [
    "CALIBRATION", "HANG_GRACE_MS", "Prepared", "known_entry", "Runner", "SetupError", "adapter_budget_s", "answer_json", "credentials_for",
    "implicit_requirements", "make_footer", "make_header", "missing_capabilities", "prepare", "run",
    "run_message", "totals", "utc_now",
]
