"""Limits on the wire: check 17 (rate limits per SecretId + Action + Region over a
sliding second) and the text-length rules of check 19 (code points; --text-limit;
TextTranslateBatch sums its list; LanguageDetect's own 2000), from
docs/behaviour.md (Order of checks, Text length, Rate limits).

Rate-limit tests are timing-sensitive: every burst goes over one keep-alive
connection, its duration is measured, and a scenario whose timing assumption did
not hold (a burst over 800 ms, a pause that overshot) is run once more after the
window has emptied instead of failing."""
from __future__ import annotations

import http.client
import json
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from harness.mockproc import ROOT, MockProcess
from harness.signer import Credentials, HttpRequest, HttpResponse
from harness.wire import DEFAULT, TEXT, assert_envelope, assert_error, build, call

FIXTURES = ROOT / "fixtures"
FREE_TIER = Credentials("AKIDmockFreeTier00000000000000000000", "mockFreeTierSecretKey0000000000000")
STOPPED = Credentials("AKIDmockStopped000000000000000000000", "mockStoppedSecretKey00000000000000")
BURST_BUDGET = 0.8      # seconds a burst may take for its answers to be judged


def rate_msg(n: int, limit: int, lang: str) -> str:
    if lang == "en":
        return (f"Your current request times equals to `{n}` in a second, which exceeds the frequency "
                f"limit `{limit}` for a second. Please reduce the frequency of calls.")
    return f"您当前每秒请求 `{n}` 次，超过了每秒频率上限 `{limit}`，请稍后重试。"


def ok(resp: HttpResponse) -> dict[str, Any]:
    inner = assert_envelope(resp)
    assert "Error" not in inner, f"expected success, got {inner['Error']}"
    return inner


def code_of(resp: HttpResponse) -> str | None:
    err = assert_envelope(resp).get("Error")
    return err["Code"] if err else None


class Slow(AssertionError):
    """A timing assumption of a scenario did not hold (the machine was busy)."""


class KeepAlive:
    """One HTTP/1.1 connection reused for a whole burst."""

    def __init__(self, mock: MockProcess) -> None:
        self.conn = http.client.HTTPConnection(mock.host, mock.port, timeout=10)

    def send(self, req: HttpRequest) -> HttpResponse:
        c = self.conn
        c.putrequest(req.method, req.target, skip_host=True, skip_accept_encoding=True)
        for k, v in req.headers:
            c.putheader(k, v)
        if req.body or req.method != "GET":
            c.putheader("Content-Length", str(len(req.body)))
        c.endheaders(req.body or None)
        r = c.getresponse()
        body = r.read()
        return HttpResponse(r.status, r.reason, tuple(r.getheaders()), body)

    def close(self) -> None:
        self.conn.close()


def burst(mock: MockProcess, reqs: list[HttpRequest], budget: float = BURST_BUDGET) -> list[HttpResponse]:
    """Send reqs back to back on one connection; Slow if that took longer than budget."""
    conn = KeepAlive(mock)
    try:
        t0 = time.monotonic()
        out = [conn.send(r) for r in reqs]
        took = time.monotonic() - t0
    finally:
        conn.close()
    if took > budget:
        raise Slow(f"a burst of {len(reqs)} took {took * 1000:.0f} ms (> {budget * 1000:.0f} ms)")
    return out


def retry_once(scenario: Callable[[], None]) -> None:
    """Run a timed scenario; if its timing failed, wait for every window to empty and
    run it once more (a second Slow fails the test)."""
    try:
        scenario()
    except Slow:
        time.sleep(1.1)
        scenario()


def akid(tag: str) -> str:
    s = "AKID" + tag
    return s + "0" * (36 - len(s))


QPS2 = Credentials(akid("qpsTwo"), "qpsTwoSecretKey")
QPS10 = Credentials(akid("qpsTen"), "qpsTenSecretKey")
QPS_LLM3 = Credentials(akid("qpsLlmThree"), "qpsLlmThreeSecretKey")
EXTRA_ACCOUNTS = [
    {"secret_id": QPS2.secret_id, "secret_key": QPS2.secret_key, "billing": "paid", "qps": {"TextTranslate": 2}},
    {"secret_id": QPS10.secret_id, "secret_key": QPS10.secret_key, "billing": "paid", "qps": {"TextTranslate": 10}},
    {"secret_id": QPS_LLM3.secret_id, "secret_key": QPS_LLM3.secret_key, "billing": "paid",
     "qps": {"ImageTranslateLLM": 3}},
]


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[MockProcess]:
    """A fresh mock WITH rate limiting (and the shipped accounts plus three QPS overrides)."""
    doc = json.loads((FIXTURES / "accounts.json").read_text(encoding="utf-8"))
    doc["accounts"].extend(EXTRA_ACCOUNTS)
    (tmp_path / "accounts.json").write_text(json.dumps(doc), encoding="utf-8")
    m = MockProcess(["--fixtures", str(tmp_path), "--seed", "3"]).start()
    yield m
    code = m.stop()
    assert code in (0, -15), f"tmtmock exited {code}; stderr:\n{''.join(m.stderr_lines)}"


PNG_B64 = "iVBORw0KGgoAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="  # PNG magic + zero bytes
# A valid request of each action (the control: they pass every check).
VALID: dict[str, dict[str, Any]] = {
    "TextTranslate": TEXT,
    "TextTranslateBatch": {"Source": "en", "Target": "zh", "ProjectId": 0, "SourceTextList": ["a", "b"]},
    "LanguageDetect": {"Text": "Das ist ein schöner Tag.", "ProjectId": 0},
    "ImageTranslateLLM": {"Data": PNG_B64, "Target": "zh"},
}
QPS = {  # docs/behaviour.md, Rate limits: the documented defaults
    "TextTranslate": 5, "TextTranslateBatch": 5, "LanguageDetect": 5, "SpeechTranslate": 5,
    "ImageTranslate": 5, "ImageTranslateLLM": 1, "FileTranslate": 5, "GetFileTranslate": 20,
}


# ---------------------------------------------------------------- check 17: rate limits


# No language is English (docs/fidelity.md); zh-CN gives the Chinese text.
@pytest.mark.parametrize("kind, language, lang", [
    ("tc3-post", None, "en"), ("tc3-post", "zh-CN", "zh"),
    ("v1-sha1-get", "zh-CN", "zh"), ("v1-sha256-post", None, "en"),
])
def test_17_sixth_in_a_second_is_refused(limited, kind, language, lang) -> None:
    m = limited

    def scenario() -> None:
        resps = burst(m, [build(m, kind, TEXT, language=language) for _ in range(7)])
        for r in resps[:5]:
            ok(r)
        assert_error(resps[5], "RequestLimitExceeded", rate_msg(6, 5, lang))
        # Refused requests count too: the 7th is the 7th of the second (docs/behaviour.md, Rate limits).
        assert_error(resps[6], "RequestLimitExceeded", rate_msg(7, 5, lang))

    retry_once(scenario)


def test_17_passes_again_after_the_second(limited) -> None:
    m = limited

    def scenario() -> None:
        t0 = time.monotonic()
        resps = burst(m, [build(m, "tc3-post") for _ in range(6)])
        assert [code_of(r) for r in resps] == [None] * 5 + ["RequestLimitExceeded"]
        # Half a second on, the window still holds all six.
        time.sleep(max(0.0, t0 + 0.5 - time.monotonic()))
        r = burst(m, [build(m, "tc3-post")])[0]
        if time.monotonic() - t0 > 0.95:
            raise Slow("the mid-second request came too late")
        assert_error(r, "RequestLimitExceeded", rate_msg(7, 5, "en"))
        # 1.1 s after the last of them the window is empty: 5 more pass, the 6th is refused.
        time.sleep(1.1)
        resps = burst(m, [build(m, "v1-sha1-post") for _ in range(6)])
        assert [code_of(r) for r in resps] == [None] * 5 + ["RequestLimitExceeded"], [r.body for r in resps]
        assert_error(resps[5], "RequestLimitExceeded", rate_msg(6, 5, "en"))

    retry_once(scenario)


def test_17_window_slides(limited) -> None:
    """3 requests at t0 and 2 at t0+0.5 pass; at t0+1.15 the first three have left the
    window but the two have not, so 3 more pass and the next is the 6th."""
    m = limited

    def scenario() -> None:
        t0 = time.monotonic()
        for r in burst(m, [build(m, "tc3-post") for _ in range(3)], budget=0.1):
            ok(r)
        t1 = time.monotonic()
        time.sleep(max(0.0, t0 + 0.5 - time.monotonic()))
        t2 = time.monotonic()
        for r in burst(m, [build(m, "tc3-post") for _ in range(2)], budget=0.1):
            ok(r)
        time.sleep(max(0.0, t1 + 1.1 - time.monotonic()))
        reqs = [build(m, "tc3-post") for _ in range(4)]
        t3 = time.monotonic()
        resps = burst(m, reqs, budget=0.1)
        if t3 < t1 + 1.05 or time.monotonic() > t2 + 0.95:
            raise Slow("the pauses overshot")
        assert [code_of(r) for r in resps] == [None] * 3 + ["RequestLimitExceeded"], [r.body for r in resps]
        assert_error(resps[3], "RequestLimitExceeded", rate_msg(6, 5, "en"))

    retry_once(scenario)


def test_17_key_is_secret_id_action_region(limited) -> None:
    """Another region, another action, another account each pass while the first key is
    refused; the signing method is not part of the key (TC3 and v1 share the count)."""
    m = limited

    def scenario() -> None:
        reqs = [
            build(m, "tc3-post"), build(m, "v1-sha1-get"), build(m, "tc3-get"),
            build(m, "v1-sha256-post"), build(m, "tc3-post"),
            build(m, "v1-sha1-post"),                                           # 6th: refused
            build(m, "tc3-post", region="ap-beijing"),                          # another region
            build(m, "tc3-post", VALID["LanguageDetect"], action="LanguageDetect"),  # another action
            build(m, "v1-sha1-get", creds=FREE_TIER),                           # another account
            build(m, "tc3-post"),                                               # still refused
        ]
        resps = burst(m, reqs)
        codes = [code_of(r) for r in resps]
        assert codes == [None] * 5 + ["RequestLimitExceeded", None, None, None, "RequestLimitExceeded"], codes
        assert_error(resps[9], "RequestLimitExceeded", rate_msg(7, 5, "en"))

    retry_once(scenario)


@pytest.mark.parametrize("action", list(QPS))
def test_17_each_action_default_limit(limited, action) -> None:
    """Check 17 comes before 18: with no parameters at all, the first `limit` requests
    reach the schema (MissingParameter), the next one is RequestLimitExceeded."""
    m, limit = limited, QPS[action]

    def scenario() -> None:
        resps = burst(m, [build(m, k, {}, action=action, language="en-US")
                          for k in ("tc3-post", "v1-sha1-post") * (limit + 1)][: limit + 2])
        assert [code_of(r) for r in resps] == ["MissingParameter"] * limit + ["RequestLimitExceeded"] * 2
        assert_error(resps[limit], "RequestLimitExceeded", rate_msg(limit + 1, limit, "en"))

    retry_once(scenario)


def test_17_image_translate_llm_one_per_second(limited) -> None:
    m = limited

    def scenario() -> None:
        resps = burst(m, [build(m, "tc3-post", VALID["ImageTranslateLLM"], action="ImageTranslateLLM")
                          for _ in range(2)])
        assert ok(resps[0])["Target"] == "zh"
        assert_error(resps[1], "RequestLimitExceeded", rate_msg(2, 1, "en"))

    retry_once(scenario)


def test_17_get_file_translate_twenty_per_second(limited) -> None:
    m = limited

    def scenario() -> None:
        reqs = [build(m, "tc3-post", {"TaskId": "no-such-task"}, action="GetFileTranslate") for _ in range(21)]
        resps = burst(m, reqs)
        for r in resps[:20]:   # they pass check 17 and reach the action: an unknown TaskId
            assert_error(r, "InvalidParameter")
        assert_error(resps[20], "RequestLimitExceeded", rate_msg(21, 20, "en"))

    retry_once(scenario)


@pytest.mark.parametrize("creds, action, limit", [
    (QPS2, "TextTranslate", 2), (QPS10, "TextTranslate", 10), (QPS_LLM3, "ImageTranslateLLM", 3),
], ids=["TextTranslate-2", "TextTranslate-10", "ImageTranslateLLM-3"])
def test_17_per_account_qps_override(limited, creds, action, limit) -> None:
    m = limited

    def scenario() -> None:
        reqs = [build(m, "tc3-post", VALID[action], creds=creds, action=action, language="en-US")
                for _ in range(limit + 1)]
        # The override is per action: the same account's LanguageDetect keeps 5/s.
        reqs += [build(m, "v1-sha1-post", VALID["LanguageDetect"], creds=creds, action="LanguageDetect")
                 for _ in range(6)]
        resps = burst(m, reqs)
        for r in resps[:limit]:
            ok(r)
        assert_error(resps[limit], "RequestLimitExceeded", rate_msg(limit + 1, limit, "en"))
        for r in resps[limit + 1: limit + 6]:
            assert ok(r)["Lang"] == "de"
        assert_error(resps[limit + 6], "RequestLimitExceeded", rate_msg(6, 5, "en"))

    retry_once(scenario)


def test_17_rejected_before_17_do_not_count(limited) -> None:
    """Requests refused at checks 13 or 16 never reach 17: they are not counted, and an
    account refused at 16 is never rate-limited."""
    m = limited

    def scenario() -> None:
        bad = Credentials(DEFAULT.secret_id, DEFAULT.secret_key + "x")
        reqs = [build(m, "tc3-post", creds=bad) for _ in range(6)]
        reqs += [build(m, "v1-sha1-get", creds=STOPPED) for _ in range(8)]
        reqs += [build(m, "tc3-post") for _ in range(6)]
        codes = [code_of(r) for r in burst(m, reqs)]
        assert codes == (["AuthFailure.SignatureFailure"] * 6 + ["FailedOperation.StopUsing"] * 8
                         + [None] * 5 + ["RequestLimitExceeded"]), codes

    retry_once(scenario)


def test_17_counts_requests_that_fail_later(limited) -> None:
    """Requests that pass 17 count even when they fail at 18, 19 or 20; and over the
    limit, RequestLimitExceeded answers before those checks."""
    m = limited

    def scenario() -> None:
        reqs = [
            build(m, "tc3-post", dict(TEXT, Bogus=1)),              # 18
            build(m, "tc3-post", dict(TEXT, Target="zh-CN")),       # 19
            build(m, "tc3-post", dict(TEXT, DryRun=True)),          # 20
            build(m, "v1-sha1-post", dict(TEXT, DryRun=True)),      # 20
            build(m, "tc3-post"),                                   # 5th: passes
            build(m, "tc3-post", dict(TEXT, Bogus=1)),              # 6th: 17 first
            build(m, "tc3-post", dict(TEXT, DryRun=True)),          # 7th: 17 first
        ]
        codes = [code_of(r) for r in burst(m, reqs)]
        assert codes == ["UnknownParameter", "InvalidParameterValue", "DryRunOperation", "DryRunOperation",
                         None, "RequestLimitExceeded", "RequestLimitExceeded"], codes

    retry_once(scenario)


def test_17_no_rate_limit_turns_it_off(mock) -> None:
    """The shared `mock` runs with --no-rate-limit: 20 TextTranslate and 5
    ImageTranslateLLM in a burst all pass."""
    reqs = [build(mock, "tc3-post" if i % 2 else "v1-sha1-get") for i in range(20)]
    reqs += [build(mock, "tc3-post", VALID["ImageTranslateLLM"], action="ImageTranslateLLM") for _ in range(5)]
    for r in burst(mock, reqs, budget=30):
        ok(r)


# ---------------------------------------------------------------- check 19: text length

TOO_LONG = "UnsupportedOperation.TextTooLong"


def too_long_msg(limit: int) -> str:
    return f"Please ensure that a single request length less than {limit}"


def text(s: str, **kw: Any) -> dict[str, Any]:
    return dict(TEXT, SourceText=s, **kw)


# (unit, kinds): a 5999-code-point text of emoji is 11998 UTF-16 units and 23996
# UTF-8 bytes; of CJK 17997 bytes; only code points count. Non-ASCII goes by POST
# (a GET URI over 32 KiB is a 414, check 2).
UNITS = [("ascii", "a"), ("cjk", "世"), ("emoji", "😀"), ("accented", "é")]
POST_KINDS = ("tc3-post", "v1-sha1-post", "v1-sha256-post")
GET_KINDS = ("tc3-get", "v1-sha1-get")


def length_cases() -> list[tuple[str, str]]:
    return [(k, u) for _, u in UNITS for k in POST_KINDS] + [(k, "a") for k in GET_KINDS]


def _ids() -> list[str]:
    names = {u: n for n, u in UNITS}
    return [f"{k}-{names[u]}" for k, u in length_cases()]


@pytest.mark.parametrize("kind, unit", length_cases(), ids=_ids())
def test_19_text_length_counts_code_points(mock, kind, unit) -> None:
    inner = ok(call(mock, build(mock, kind, text(unit * 5999))))
    assert inner["UsedAmount"] == 5999
    assert_error(call(mock, build(mock, kind, text(unit * 6000))), TOO_LONG, too_long_msg(6000))
    assert_error(call(mock, build(mock, kind, text(unit * 6001))), TOO_LONG, too_long_msg(6000))


@pytest.mark.parametrize("language", [None, "en-US"], ids=["zh", "en"])
def test_19_text_too_long_has_one_text(mock, language) -> None:
    """The only observed text is English; it is the answer in both languages."""
    for kind in ("tc3-post", "v1-sha1-post"):
        assert_error(call(mock, build(mock, kind, text("x" * 6000), language=language)), TOO_LONG, too_long_msg(6000))


def test_19_mixed_text_just_under_the_limit(mock) -> None:
    s = "😀" * 2999 + "a" * 2000 + "世" * 1000      # 5999 code points, 2 + 3 + 4 byte forms
    assert ok(call(mock, build(mock, "tc3-post", text(s))))["UsedAmount"] == 5999
    assert_error(call(mock, build(mock, "tc3-post", text(s + "é"))), TOO_LONG, too_long_msg(6000))


def batch(items: list[str], **kw: Any) -> dict[str, Any]:
    return {"Source": "en", "Target": "zh", "ProjectId": 0, "SourceTextList": items, **kw}


BATCH_CASES: list[tuple[str, list[str], bool]] = [
    ("two halves under", ["a" * 3000, "b" * 2999], True),
    ("two halves at", ["a" * 3000, "b" * 3000], False),
    ("emoji and cjk under", ["😀" * 3000, "世" * 2999], True),
    ("emoji and cjk at", ["😀" * 3000, "世" * 3000], False),
    ("600 items of 10", ["0123456789"] * 600, False),
    ("599 items of 10 plus 9", ["0123456789"] * 599 + ["012345678"], True),
]


@pytest.mark.parametrize("kind", ["tc3-post", "v1-sha1-post"])
@pytest.mark.parametrize("items, passes", [c[1:] for c in BATCH_CASES], ids=[c[0] for c in BATCH_CASES])
def test_19_batch_sums_the_list(mock, kind, items, passes) -> None:
    resp = call(mock, build(mock, kind, batch(items), action="TextTranslateBatch"))
    if passes:
        inner = ok(resp)
        assert inner["UsedAmount"] == sum(len(s) for s in items) == 5999
        assert len(inner["TargetTextList"]) == len(items)
    else:
        assert_error(resp, TOO_LONG, too_long_msg(6000))


def detect(s: str) -> dict[str, Any]:
    return {"Text": s, "ProjectId": 0}


def german(n: int) -> str:
    return ("Das ist gut und schön. " * (n // 20 + 1))[:n]


@pytest.mark.parametrize("kind", ["tc3-post", "v1-sha1-post", "v1-sha256-get"])
def test_19_language_detect_own_limit_2000(mock, kind) -> None:
    assert ok(call(mock, build(mock, kind, detect(german(1999)), action="LanguageDetect")))["Lang"] == "de"
    assert_error(call(mock, build(mock, kind, detect(german(2000)), action="LanguageDetect")),
                 TOO_LONG, too_long_msg(2000))
    # Code points again: 1999 CJK characters pass, 2000 do not.
    if kind != "v1-sha256-get":
        assert ok(call(mock, build(mock, kind, detect("世界和平" * 499 + "好吧中"), action="LanguageDetect")))["Lang"] == "zh"
        assert_error(call(mock, build(mock, kind, detect("世界和平" * 500), action="LanguageDetect")),
                     TOO_LONG, too_long_msg(2000))


def test_19_length_before_language_checks(mock) -> None:
    """Within check 19 the length rule answers first, and check 18 before all of them."""
    assert_error(call(mock, build(mock, "tc3-post", text("a" * 6000, Target="zh-CN"))), TOO_LONG)
    assert_error(call(mock, build(mock, "tc3-post", text("1" * 6000, Source="auto"))), TOO_LONG)
    assert_error(call(mock, build(mock, "tc3-post", detect("1" * 2000), action="LanguageDetect")), TOO_LONG)
    assert_error(call(mock, build(mock, "tc3-post", text("a" * 6000, Bogus=1))), "UnknownParameter")
    assert_error(call(mock, build(mock, "tc3-post", text("a" * 6000, ProjectId="0"))), "InvalidParameter")


def _start(*extra: str) -> Iterator[MockProcess]:
    m = MockProcess(["--fixtures", str(FIXTURES), "--seed", "5", "--no-rate-limit", *extra]).start()
    yield m
    code = m.stop()
    assert code in (0, -15), f"tmtmock exited {code}; stderr:\n{''.join(m.stderr_lines)}"


@pytest.fixture(scope="module")
def limit2000() -> Iterator[MockProcess]:
    yield from _start("--text-limit", "2000")


@pytest.fixture(scope="module")
def limit100() -> Iterator[MockProcess]:
    yield from _start("--text-limit", "100")


@pytest.mark.parametrize("kind", ["tc3-post", "v1-sha1-post", "tc3-get"])
def test_19_text_limit_2000(limit2000, kind) -> None:
    m = limit2000
    unit = "a" if kind == "tc3-get" else "😀"
    assert ok(call(m, build(m, kind, text(unit * 1999))))["UsedAmount"] == 1999
    assert_error(call(m, build(m, kind, text(unit * 2000))), TOO_LONG, too_long_msg(2000))
    assert ok(call(m, build(m, kind, batch(["a" * 1000, "b" * 999]), action="TextTranslateBatch")))["UsedAmount"] == 1999
    assert_error(call(m, build(m, kind, batch(["a" * 1000, "b" * 1000]), action="TextTranslateBatch")),
                 TOO_LONG, too_long_msg(2000))


def test_19_text_limit_does_not_move_language_detect(limit100) -> None:
    m = limit100
    assert ok(call(m, build(m, "tc3-post", text("a" * 99))))["UsedAmount"] == 99
    assert_error(call(m, build(m, "tc3-post", text("a" * 100))), TOO_LONG, too_long_msg(100))
    assert_error(call(m, build(m, "tc3-post", batch(["a" * 50, "b" * 50]), action="TextTranslateBatch")),
                 TOO_LONG, too_long_msg(100))
    assert ok(call(m, build(m, "tc3-post", detect(german(1999)), action="LanguageDetect")))["Lang"] == "de"
    assert_error(call(m, build(m, "tc3-post", detect(german(2000)), action="LanguageDetect")),
                 TOO_LONG, too_long_msg(2000))
