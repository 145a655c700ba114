"""The admin API under /_mock/ and the fault rules it manages (docs/admin-api.md;
its shapes are the contract).

Mock conventions under test (mock_server/src/admin.c, fault.c):
- every bad admin request gets a 4xx with a JSON body {"error": "..."} whose message
  names the problem, and changes nothing;
- the admin API answers loopback peers only on the API listener unless
  --admin-token is set (then a bearer token is required from everyone);
  --admin-listen serves /_mock/ only (404 elsewhere);
- a fault rule fires on its first `times` matches after skipping `after`, each
  drawn against `probability` from the --seed PRNG; the first rule that fires wins;
  `pre_auth` rules step in before check 8, `post_auth` rules after check 16;
- --faults FILE loads {"faults": [...]} at start-up, all or nothing, and a bad file
  stops the mock with status 2 and a message naming the file, the index and the field;
- POST /_mock/reset puts rules, journal, accounts, clock, counters and the PRNG back
  as they were at start-up (rules of --faults files included).
"""
from __future__ import annotations

import base64
import http.client
import json
import re
import socket
import time
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from harness.admin import Admin, random_secret_id, random_secret_key
from harness.mockproc import ROOT, MockProcess, run_once
from harness.signer import Credentials, HttpResponse, send
from harness.wire import DEFAULT, TEXT, assert_envelope, assert_error, build, call, tc3, v1

FIXTURES = ROOT / "fixtures"
FAULT_FILES = ROOT / "fixtures" / "faults"
BASE_ARGS = ["--fixtures", str(FIXTURES), "--seed", "42", "--no-rate-limit"]

BACKEND_TIMEOUT_ZH = "后台服务超时，请稍后重试。"
BACKEND_TIMEOUT_EN = "Backend service timeout. Please try again later."


# ---------------------------------------------------------------- helpers




def start(*extra: str, args: list[str] | None = None) -> MockProcess:
    return MockProcess([*(BASE_ARGS if args is None else args), *extra]).start()


def code_of(resp: HttpResponse) -> str | None:
    """The error code of an API answer, None for a success (envelope checked)."""
    inner = assert_envelope(resp)
    return inner["Error"]["Code"] if "Error" in inner else None


def tt(mock: MockProcess, creds: Credentials = DEFAULT, **kw: Any) -> HttpResponse:
    """A correctly signed TC3 POST TextTranslate."""
    return call(mock, tc3(mock, creds, **kw).post(TEXT).request)


def tt_code(mock: MockProcess, creds: Credentials = DEFAULT, **kw: Any) -> str | None:
    return code_of(tt(mock, creds, **kw))


def detect(mock: MockProcess, creds: Credentials = DEFAULT) -> HttpResponse:
    return call(mock, tc3(mock, creds, action="LanguageDetect").post({"Text": "hello world", "ProjectId": 0}).request)


def rule(adm: Admin, rule_id: int) -> dict[str, Any]:
    for r in adm.faults():
        if r["id"] == rule_id:
            return r
    raise AssertionError(f"no rule {rule_id} in {adm.faults()}")


def assert_4xx(answer: tuple[int, Any], status: int, *needles: str) -> str:
    """A refused admin request: this status, {"error": message}, the message naming each needle."""
    got, doc = answer
    assert got == status, f"expected {status}, got {got} {doc}"
    assert isinstance(doc, dict) and set(doc) == {"error"}, doc
    msg = doc["error"]
    assert isinstance(msg, str) and msg, doc
    for n in needles:
        assert n in msg, f"{n!r} not named in {msg!r}"
    return msg


def metric_counts(adm: Admin) -> dict[tuple[str, str], int]:
    status, text = adm.get("metrics")
    assert status == 200 and isinstance(text, str), (status, text)
    out: dict[tuple[str, str], int] = {}
    for m in re.finditer(r'^tmtmock_requests_total\{action="([^"]*)",code="([^"]*)"\} (\d+)$', text, re.M):
        out[(m.group(1), m.group(2))] = int(m.group(3))
    return out


def histogram_count(adm: Admin) -> int:
    _, text = adm.get("metrics")
    m = re.search(r"^tmtmock_request_duration_seconds_count (\d+)$", text, re.M)
    assert m, text
    return int(m.group(1))


def non_loopback_address() -> str | None:
    """An address of this host that is not loopback, or None."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(("198.51.100.1", 9))  # a route lookup: no packet is sent
        addr = s.getsockname()[0]
    except OSError:
        return None
    finally:
        s.close()
    return None if addr.startswith("127.") or addr == "0.0.0.0" else addr


# ---------------------------------------------------------------- health


def test_health(adm: Admin) -> None:
    status, doc = adm.get("health")
    assert status == 200, doc
    assert doc["status"] == "ok", doc
    version = run_once(["--version"]).stdout
    assert isinstance(doc["version"], str) and doc["version"] and doc["version"] in version, (doc, version)
    assert type(doc["uptime_s"]) is int and doc["uptime_s"] >= 0, doc
    time.sleep(1.1)
    _, later = adm.get("health")
    assert later["uptime_s"] >= doc["uptime_s"] + 1, (doc, later)


# ---------------------------------------------------------------- faults: list, add, delete


def test_fault_added_with_defaults_filled(adm: Admin, mock: MockProcess) -> None:
    assert adm.get("faults") == (200, {"faults": []})
    status, r = adm.post("faults", {"error": "InternalError.BackendTimeout"})
    assert status == 201, r
    assert type(r["id"]) is int and r["id"] > 0, r
    want = {
        "id": r["id"], "match": {}, "error": "InternalError.BackendTimeout", "message": None, "fault": None,
        "delay_ms": 0, "times": 1, "after": 0, "probability": 1.0, "stage": "post_auth", "matched": 0, "fired": 0,
    }
    # Fields may be added to the contract's shape, never renamed.
    assert {k: r.get(k, "<absent>") for k in want} == want, r
    assert adm.get("faults") == (200, {"faults": [r]})
    assert tt_code(mock) == "InternalError.BackendTimeout"
    assert rule(adm, r["id"])["matched"] == 1 and rule(adm, r["id"])["fired"] == 1
    assert tt_code(mock) is None
    got = rule(adm, r["id"])
    assert (got["matched"], got["fired"]) == (2, 1), got


def test_fault_fields_kept_as_given(adm: Admin) -> None:
    body = {"match": {"action": "TextTranslate", "secret_id": DEFAULT.secret_id, "region": "ap-guangzhou",
                      "sign_method": "TC3-HMAC-SHA256"},
            "error": "InternalError.BackendTimeout", "message": "custom", "fault": None, "delay_ms": 5,
            "times": None, "after": 2, "probability": 0.25, "stage": "pre_auth"}
    status, r = adm.post("faults", body)
    assert status == 201, r
    assert {k: r[k] for k in body} == body, r
    first = r["id"]
    _, r2 = adm.post("faults", {"fault": "html_502"})
    _, r3 = adm.post("faults", {"delay_ms": 10})
    assert first < r2["id"] < r3["id"], (r, r2, r3)
    assert [x["id"] for x in adm.faults()] == [first, r2["id"], r3["id"]]
    assert r2["fault"] == "html_502" and r2["error"] is None, r2
    assert r3["error"] is None and r3["fault"] is None and r3["delay_ms"] == 10, r3


def test_fault_delete_one(adm: Admin, mock: MockProcess) -> None:
    a = adm.add_fault(error="InternalError", times=None)
    b = adm.add_fault(error="ResourceUnavailable", times=None)
    assert tt_code(mock) == "InternalError"
    assert adm.delete(f"faults/{a['id']}") == (200, {"deleted": 1})
    assert [x["id"] for x in adm.faults()] == [b["id"]]
    assert tt_code(mock) == "ResourceUnavailable"
    assert_4xx(adm.delete(f"faults/{a['id']}"), 404, str(a["id"]))
    assert_4xx(adm.delete("faults/999999"), 404, "999999")
    assert_4xx(adm.delete("faults/abc"), 400, "abc")
    assert_4xx(adm.delete("faults/1x"), 400, "1x")
    assert [x["id"] for x in adm.faults()] == [b["id"]]
    assert adm.delete(f"faults/{b['id']}") == (200, {"deleted": 1})
    assert tt_code(mock) is None


def test_fault_delete_all(adm: Admin, mock: MockProcess) -> None:
    for code in ("InternalError", "ResourceUnavailable", "LimitExceeded"):
        adm.add_fault(error=code, times=None)
    assert adm.delete("faults") == (200, {"deleted": 3})
    assert adm.get("faults") == (200, {"faults": []})
    assert tt_code(mock) is None
    assert adm.delete("faults") == (200, {"deleted": 0})


# ---------------------------------------------------------------- accounts


def fixture_accounts() -> list[dict[str, Any]]:
    return json.loads((FIXTURES / "accounts.json").read_text())["accounts"]


def test_accounts_list_is_the_fixtures(adm: Admin) -> None:
    status, doc = adm.get("accounts")
    assert status == 200, doc
    got = {a["secret_id"]: a for a in doc["accounts"]}
    want = {a["secret_id"]: a for a in fixture_accounts()}
    assert set(got) == set(want)
    for sid, a in want.items():
        for k, v in a.items():
            assert got[sid][k] == v, (sid, k, got[sid])


def test_account_add(adm: Admin, mock: MockProcess) -> None:
    creds = Credentials(random_secret_id(), random_secret_key())
    assert tt_code(mock, creds) == "AuthFailure.SecretIdNotFound"
    status, a = adm.post("accounts", {"secret_id": creds.secret_id, "secret_key": creds.secret_key})
    assert status == 201, a
    assert a["secret_id"] == creds.secret_id and a["secret_key"] == creds.secret_key, a
    assert a.get("used_chars") == 0, a
    assert adm.account(creds.secret_id) is not None
    assert tt_code(mock, creds) is None
    assert adm.account(creds.secret_id)["used_chars"] == len(TEXT["SourceText"])


def test_account_duplicate_409(adm: Admin, mock: MockProcess) -> None:
    creds = adm.new_account()
    msg = assert_4xx(adm.post("accounts", {"secret_id": creds.secret_id, "secret_key": "another"}), 409)
    assert creds.secret_id in msg, msg
    # The first one stands.
    assert tt_code(mock, creds) is None
    assert tt_code(mock, Credentials(creds.secret_id, "another")) == "AuthFailure.SignatureFailure"
    assert_4xx(adm.post("accounts", {"secret_id": DEFAULT.secret_id, "secret_key": "x"}), 409, DEFAULT.secret_id)
    assert tt_code(mock) is None


@pytest.mark.parametrize("body,needle", [
    ({"secret_id": "AKID" + "s" * 32}, "secret_key"),
    ({"secret_id": "AKID" + "s" * 32, "secret_key": ""}, "secret_key"),
    ({"secret_key": "k"}, "secret_id"),
    ({"secret_id": "AKID" + "s" * 32, "secret_key": "k", "secretkey": "k"}, "secretkey"),
    ({"secret_id": "AKID" + "s" * 32, "secret_key": "k", "state": "asleep"}, "state"),
    ({"secret_id": "AKID" + "s" * 32, "secret_key": "k", "mfa": "yes"}, "mfa"),
    ({"secret_id": "AKID" + "s" * 32, "secret_key": "k", "qps": {"TextTranslate": -1}}, "qps"),
    ({"secret_id": "AKID" + "s" * 32, "secret_key": "k", "billing": "gratis"}, "billing"),
])
def test_account_add_refused(adm: Admin, body: dict[str, Any], needle: str) -> None:
    before = adm.get("accounts")
    assert_4xx(adm.post("accounts", body), 400, needle)
    assert adm.get("accounts") == before


STATE_CODES = [
    ("isolated", "FailedOperation.ServiceIsolate"),
    ("stopped", "FailedOperation.StopUsing"),
    ("not_registered", "FailedOperation.UserNotRegistered"),
    ("disabled", "AuthFailure.SecretIdNotFound"),
]


@pytest.mark.parametrize("state,code", STATE_CODES)
def test_patch_state_takes_effect_on_next_request(adm: Admin, mock: MockProcess, state: str, code: str) -> None:
    creds = adm.new_account()
    assert tt_code(mock, creds) is None
    status, a = adm.patch(f"accounts/{creds.secret_id}", {"state": state})
    assert status == 200, a
    assert a["state"] == state and a["secret_id"] == creds.secret_id, a
    assert adm.account(creds.secret_id)["state"] == state
    assert tt_code(mock, creds) == code
    assert adm.patch(f"accounts/{creds.secret_id}", {"state": "active"})[0] == 200
    assert tt_code(mock, creds) is None


def test_patch_used_chars(adm: Admin, mock: MockProcess) -> None:
    creds = adm.new_account(billing="free", monthly_free_chars=12)
    assert tt_code(mock, creds) is None                   # 5 of 12
    assert adm.account(creds.secret_id)["used_chars"] == 5
    status, a = adm.patch(f"accounts/{creds.secret_id}", {"used_chars": 8})
    assert status == 200 and a["used_chars"] == 8, a
    assert tt_code(mock, creds) == "FailedOperation.NoFreeAmount"   # 8 + 5 > 12
    assert adm.patch(f"accounts/{creds.secret_id}", {"used_chars": 7})[0] == 200
    assert tt_code(mock, creds) is None                   # 7 + 5 = 12
    assert adm.account(creds.secret_id)["used_chars"] == 12


def test_patch_qps() -> None:
    m = start(args=["--fixtures", str(FIXTURES), "--seed", "42"])   # rate limits on
    try:
        adm = Admin.of(m)
        creds = adm.new_account(qps={"TextTranslate": 1})
        first = tt(m, creds)
        second = tt(m, creds)
        assert code_of(first) is None
        assert_error(second, "RequestLimitExceeded")
        assert "`1`" in second.json()["Response"]["Error"]["Message"], second.body
        status, a = adm.patch(f"accounts/{creds.secret_id}", {"qps": {"TextTranslate": 3}})
        assert status == 200 and a["qps"] == {"TextTranslate": 3}, a
        time.sleep(1.2)
        codes = [tt_code(m, creds) for _ in range(4)]
        assert codes == [None, None, None, "RequestLimitExceeded"], codes
    finally:
        m.stop()


def test_patch_refused(adm: Admin, mock: MockProcess) -> None:
    creds = adm.new_account()
    path = f"accounts/{creds.secret_id}"
    before = adm.account(creds.secret_id)
    other = random_secret_id()
    assert_4xx(adm.patch(f"accounts/{other}", {"state": "isolated"}), 404, other)
    assert_4xx(adm.patch(path, {"secret_id": other}), 400, "secret_id")
    assert_4xx(adm.patch(path, {"state": "asleep"}), 400, "state")
    assert_4xx(adm.patch(path, {"used_chars": -1}), 400, "used_chars")
    assert_4xx(adm.patch(path, {"qps": {"TextTranslate": "fast"}}), 400, "qps")
    assert_4xx(adm.patch(path, {"colour": "red"}), 400, "colour")
    assert_4xx(adm.request("PATCH", path, raw="{not json"), 400, "JSON")
    # All or nothing: a good field beside a bad one is not applied either.
    assert_4xx(adm.patch(path, {"state": "isolated", "used_chars": -1}), 400, "used_chars")
    assert adm.account(creds.secret_id) == before
    assert adm.account(other) is None
    assert tt_code(mock, creds) is None
    # The same SecretId in the patch is not a change.
    assert adm.patch(path, {"secret_id": creds.secret_id, "state": "stopped"})[0] == 200
    assert tt_code(mock, creds) == "FailedOperation.StopUsing"


# ---------------------------------------------------------------- clock (shapes and bad input)


def test_clock_get_shape(adm: Admin) -> None:
    status, doc = adm.get("clock")
    assert status == 200, doc
    assert set(doc) >= {"now", "offset_s", "frozen"}, doc
    assert type(doc["now"]) is int and abs(doc["now"] - time.time()) <= 2, doc
    assert doc["offset_s"] == 0 and doc["frozen"] is False, doc


@pytest.mark.parametrize("body,needles", [
    ({}, ["offset_s", "freeze_at", "reset"]),
    ({"offset_s": 10, "freeze_at": 1795747109}, ["offset_s", "freeze_at"]),
    ({"offset_s": "600"}, ["offset_s"]),
    ({"offset_s": 1.5}, ["offset_s"]),
    ({"advance_s": None}, ["advance_s"]),
    ({"freeze_at": "soon"}, ["freeze_at"]),
    ({"freeze_at": -1}, ["freeze_at"]),
    ({"reset": False}, ["reset"]),
    ({"rewind_s": 5}, ["rewind_s"]),
    ([600], []),
])
def test_clock_refused(adm: Admin, body: Any, needles: list[str]) -> None:
    adm.set_clock(offset_s=1234)
    msg = assert_4xx(adm.post("clock", body), 400, *needles)
    if isinstance(body, dict) and len(body) == 1 and set(body) <= {"offset_s", "advance_s", "freeze_at", "reset"}:
        assert "unknown field" not in msg, msg
    doc = adm.clock()
    assert doc["offset_s"] == 1234 and doc["frozen"] is False, doc


def test_clock_not_json(adm: Admin) -> None:
    assert_4xx(adm.request("POST", "clock", raw="offset_s=600"), 400, "JSON")


# ---------------------------------------------------------------- catalogue


def faq_section() -> str:
    """docs/behaviour.md's table of the 38 FAQ codes, up to the next section."""
    text = (ROOT / "docs" / "behaviour.md").read_text(encoding="utf-8")
    start_at = text.index("## The 38 error codes of the TMT FAQ")
    return text[start_at:text.index("\n## ", start_at + 1)]


def readme_faq_codes() -> list[str]:
    return re.findall(r"^\| `([A-Za-z.]+)` \|", faq_section(), re.M)


def readme_injection_only() -> set[str]:
    return set(re.findall(r"^\| `([A-Za-z.]+)` \| injection only", faq_section(), re.M))


def test_catalogue(adm: Admin) -> None:
    status, doc = adm.get("catalogue")
    assert status == 200, doc
    codes = doc["codes"]
    assert isinstance(codes, list) and codes
    names = [c["code"] for c in codes]
    assert len(names) == len(set(names)), "a code is listed twice"
    for c in codes:
        assert set(c) >= {"code", "messages", "trigger", "retry_class", "faq"}, c
        assert isinstance(c["code"], str) and re.fullmatch(r"[A-Z][A-Za-z]*(\.[A-Za-z]+)*", c["code"]), c
        msgs = c["messages"]
        assert set(msgs) >= {"zh-CN", "en-US"}, c
        assert all(isinstance(msgs[k], str) and msgs[k] for k in ("zh-CN", "en-US")), c
        assert c["trigger"] is None or (isinstance(c["trigger"], str) and c["trigger"]), c
        assert c["retry_class"] in ("client_error", "throttled", "transient", "clock"), c
        assert isinstance(c["faq"], bool), c
    faq = {c["code"] for c in codes if c["faq"]}
    assert len(faq) == 38, sorted(faq)
    readme = readme_faq_codes()
    assert len(readme) == 38, readme
    assert set(readme) == faq, (set(readme) ^ faq)
    # What docs/behaviour.md calls "injection only" has no natural trigger, and the rest do.
    only = readme_injection_only()
    assert only, "the FAQ table of docs/behaviour.md lost its injection-only rows"
    by = {c["code"]: c for c in codes}
    for code in readme:
        assert (by[code]["trigger"] is None) == (code in only), by[code]
    assert by["RequestLimitExceeded"]["retry_class"] == "throttled"
    assert by["InternalError.BackendTimeout"]["retry_class"] == "transient"
    assert by["AuthFailure.SignatureExpire"]["retry_class"] == "clock"
    assert by["AuthFailure.SignatureFailure"]["retry_class"] == "client_error"
    assert by["InternalError.BackendTimeout"]["messages"] == {"zh-CN": BACKEND_TIMEOUT_ZH,
                                                              "en-US": BACKEND_TIMEOUT_EN}


def test_catalogue_messages_are_texts(adm: Admin) -> None:
    """A message may hold a `%s` for the name it reports, but must say something besides."""
    bare = [(c["code"], lang, msg) for c in adm.ok("GET", "catalogue")["codes"]
            for lang, msg in c["messages"].items() if not re.sub(r"%s", "", msg).strip(" `.")]
    assert bare == [], bare


# ---------------------------------------------------------------- metrics


def test_metrics_count_by_action_and_code(adm: Admin, mock: MockProcess) -> None:
    status, text = adm.get("metrics")
    assert status == 200 and isinstance(text, str), (status, text)
    assert "# TYPE tmtmock_requests_total counter" in text, text
    assert "# TYPE tmtmock_request_duration_seconds histogram" in text, text
    before, n0 = metric_counts(adm), histogram_count(adm)
    assert before == {} and n0 == 0, (before, n0)   # just reset
    adm.add_fault(error="InternalError.BackendTimeout", match={"action": "LanguageDetect"})
    assert tt_code(mock) is None
    assert tt_code(mock) is None
    assert code_of(detect(mock)) == "InternalError.BackendTimeout"
    assert code_of(detect(mock)) is None
    assert tt_code(mock, Credentials(DEFAULT.secret_id, "wrong")) == "AuthFailure.SignatureFailure"
    adm.get("health")
    adm.get("journal")
    after = metric_counts(adm)
    assert after == {
        ("TextTranslate", "OK"): 2,
        ("LanguageDetect", "InternalError.BackendTimeout"): 1,
        ("LanguageDetect", "OK"): 1,
        ("TextTranslate", "AuthFailure.SignatureFailure"): 1,
    }, after
    # Admin requests are not counted; every API request is in the histogram.
    assert histogram_count(adm) == 5
    tt(mock)
    assert metric_counts(adm)[("TextTranslate", "OK")] == 3


def test_metrics_content_type(mock: MockProcess) -> None:
    conn = http.client.HTTPConnection(mock.host, mock.port, timeout=10)
    try:
        conn.request("GET", "/_mock/metrics")
        resp = conn.getresponse()
        resp.read()
        assert resp.status == 200
        assert resp.getheader("Content-Type", "").startswith("text/plain"), resp.getheaders()
    finally:
        conn.close()


# ---------------------------------------------------------------- reset


def test_reset_puts_everything_back(adm: Admin, mock: MockProcess) -> None:
    creds = adm.new_account()
    adm.add_fault(error="InternalError", match={"action": "LanguageDetect"}, times=None)
    adm.patch(f"accounts/{DEFAULT.secret_id}", {"state": "isolated"})
    assert tt_code(mock, creds) is None
    assert tt_code(mock) == "FailedOperation.ServiceIsolate"
    assert code_of(detect(mock, creds)) == "InternalError"
    adm.set_clock(freeze_at=1795747109)
    assert adm.journal()["entries"] and metric_counts(adm)

    assert adm.post("reset") == (200, {"reset": True})

    assert adm.faults() == []
    assert adm.journal() == {"entries": [], "dropped": 0}
    assert metric_counts(adm) == {} and histogram_count(adm) == 0
    clock = adm.clock()
    assert clock["frozen"] is False and clock["offset_s"] == 0 and abs(clock["now"] - time.time()) <= 2, clock
    assert adm.account(creds.secret_id) is None
    ids = {a["secret_id"] for a in adm.ok("GET", "accounts")["accounts"]}
    assert ids == {a["secret_id"] for a in fixture_accounts()}
    assert adm.account(DEFAULT.secret_id)["state"] == "active"
    assert tt_code(mock, creds) == "AuthFailure.SecretIdNotFound"
    assert tt_code(mock) is None
    assert code_of(detect(mock)) is None
    # The journal starts again at seq 1.
    assert [e["seq"] for e in adm.journal()["entries"]] == [1, 2, 3]


def test_reset_forgets_sessions_and_tasks(adm: Admin, mock: MockProcess) -> None:
    session = str(uuid.uuid4())
    speech = {"SessionUuid": session, "Source": "en", "Target": "zh", "AudioFormat": 146, "Seq": 0, "IsEnd": 0,
              "Data": base64.b64encode(b"\x01\x00" * 3200).decode(), "ProjectId": 0}
    send_speech = lambda: call(mock, tc3(mock, action="SpeechTranslate").post(speech).request)  # noqa: E731
    assert code_of(send_speech()) is None
    assert code_of(send_speech()) == "InvalidParameter.DuplicatedSessionIdAndSeq"
    inner = assert_envelope(call(mock, tc3(mock, action="FileTranslate").post({
        "Source": "en", "Target": "zh", "DocumentType": "txt", "SourceType": 1,
        "Data": base64.b64encode(b"hello\n").decode()}).request))
    task = inner["Data"]["TaskId"]
    get_task = lambda: call(mock, tc3(mock, action="GetFileTranslate").post({"TaskId": task}).request)  # noqa: E731
    assert code_of(get_task()) is None
    adm.reset()
    assert code_of(send_speech()) is None
    assert code_of(get_task()) == "InvalidParameter"


def test_reset_clears_rate_windows() -> None:
    m = start(args=["--fixtures", str(FIXTURES), "--seed", "42"])   # rate limits on
    try:
        assert [tt_code(m) for _ in range(6)] == [None] * 5 + ["RequestLimitExceeded"]
        Admin.of(m).reset()
        assert [tt_code(m) for _ in range(5)] == [None] * 5
    finally:
        m.stop()


def test_reset_replays_the_seed() -> None:
    """RequestIds after a reset repeat those after start-up (the PRNG is reseeded)."""
    m = start(args=["--fixtures", str(FIXTURES), "--seed", "7", "--no-rate-limit"])
    try:
        first = [assert_envelope(tt(m))["RequestId"] for _ in range(3)]
        tt(m)
        assert Admin.of(m).post("reset")[0] == 200
        again = [assert_envelope(tt(m))["RequestId"] for _ in range(3)]
        assert again == first
    finally:
        m.stop()


def test_reset_restores_rules_of_faults_files() -> None:
    m = start("--faults", str(FAULT_FILES / "throttle-first-2.json"))
    try:
        adm = Admin.of(m)
        (loaded,) = adm.faults()
        assert loaded["error"] == "RequestLimitExceeded" and loaded["times"] == 2, loaded
        assert [tt_code(m) for _ in range(3)] == ["RequestLimitExceeded", "RequestLimitExceeded", None]
        adm.delete(f"faults/{loaded['id']}")
        adm.add_fault(error="InternalError", times=None)
        adm.reset()
        (back,) = adm.faults()
        assert back["error"] == "RequestLimitExceeded" and back["times"] == 2, back
        assert (back["matched"], back["fired"]) == (0, 0), back
        assert [tt_code(m) for _ in range(3)] == ["RequestLimitExceeded", "RequestLimitExceeded", None]
    finally:
        m.stop()


# ---------------------------------------------------------------- bad admin input

GOOD_RULE = {"error": "InternalError"}

BAD_FAULTS = [
    ("malformed JSON", '{"error": "InternalError"', ["JSON"]),
    ("not an object", '["InternalError"]', ["object"]),
    ("unknown field", {"error": "InternalError", "tims": 2}, ["tims", "unknown field"]),
    ("unknown match field", {"error": "InternalError", "match": {"acton": "TextTranslate"}}, ["acton"]),
    ("unknown error code", {"error": "InternalError.Nope"}, ["InternalError.Nope", "error"]),
    ("unknown fault name", {"fault": "explode"}, ["explode", "fault"]),
    ("both error and fault", {"error": "InternalError", "fault": "reset"}, ["error", "fault"]),
    ("neither", {"times": 2}, ["error", "fault"]),
    ("probability 2", {"error": "InternalError", "probability": 2}, ["probability"]),
    ("probability -0.1", {"error": "InternalError", "probability": -0.1}, ["probability"]),
    ("probability string", {"error": "InternalError", "probability": "0.5"}, ["probability"]),
    ("unknown stage", {"error": "InternalError", "stage": "pre_sign"}, ["stage"]),
    ("unknown match.action", {"error": "InternalError", "match": {"action": "TextTranslat"}}, ["match.action", "TextTranslat"]),
    ("unknown match.sign_method", {"error": "InternalError", "match": {"sign_method": "MD5"}}, ["match.sign_method"]),
    ("times -1", {"error": "InternalError", "times": -1}, ["times"]),
    ("times string", {"error": "InternalError", "times": "2"}, ["times"]),
    ("after -1", {"error": "InternalError", "after": -1}, ["after"]),
    ("delay_ms -5", {"delay_ms": -5}, ["delay_ms"]),
    ("error not a string", {"error": 500}, ["error"]),
    ("message without error", {"fault": "reset", "message": "hi"}, ["message"]),
]


@pytest.mark.parametrize("body,needles", [(b, n) for _, b, n in BAD_FAULTS], ids=[i for i, _, _ in BAD_FAULTS])
def test_bad_fault_refused(adm: Admin, mock: MockProcess, body: Any, needles: list[str]) -> None:
    answer = adm.request("POST", "faults", raw=body) if isinstance(body, str) else adm.post("faults", body)
    assert_4xx(answer, 400, *needles)
    assert adm.faults() == []
    assert tt_code(mock) is None


@pytest.mark.parametrize("method,path,status,needles", [
    ("PUT", "faults", 405, ["/_mock/faults"]),
    ("PATCH", "faults", 405, ["/_mock/faults"]),
    ("GET", "faults/1", 405, ["DELETE"]),
    ("DELETE", "accounts", 405, ["/_mock/accounts"]),
    ("GET", f"accounts/{DEFAULT.secret_id}", 405, ["PATCH"]),
    ("POST", "journal", 405, ["/_mock/journal"]),
    ("DELETE", "clock", 405, ["/_mock/clock"]),
    ("GET", "reset", 405, ["/_mock/reset"]),
    ("GET", "fault", 404, ["fault"]),
    ("GET", "nothing/here", 404, ["nothing/here"]),
    ("GET", "", 404, []),
])
def test_wrong_method_or_endpoint(adm: Admin, method: str, path: str, status: int, needles: list[str]) -> None:
    assert_4xx(adm.request(method, "/_mock/" + path), status, *needles)


def test_journal_query_refused(adm: Admin) -> None:
    assert_4xx(adm.get("journal", since="yesterday"), 400, "since")
    assert_4xx(adm.get("journal", since="-1"), 400, "since")
    assert_4xx(adm.get("journal", secretid="x"), 400, "secretid")


def test_admin_answers_json(mock: MockProcess) -> None:
    conn = http.client.HTTPConnection(mock.host, mock.port, timeout=10)
    try:
        for method, path in (("GET", "/_mock/health"), ("GET", "/_mock/nope"), ("PUT", "/_mock/faults")):
            conn.request(method, path)
            resp = conn.getresponse()
            json.loads(resp.read())
            assert resp.getheader("Content-Type") == "application/json", (path, resp.getheaders())
    finally:
        conn.close()


# ---------------------------------------------------------------- access control


def test_admin_token() -> None:
    m = start("--admin-token", "s3cret-token")
    try:
        for token in (None, "wrong", "s3cret-toke", "s3cret-token-and-more"):
            assert_4xx(Admin.of(m, token).get("clock"), 401, "token")
            # Health needs no token: a container's probe has none (docs/admin-api.md).
            assert Admin.of(m, token).get("health")[0] == 200
        assert_4xx(Admin.of(m).request("GET", "clock", headers={"Authorization": "Basic s3cret-token"}), 401)
        assert_4xx(Admin.of(m).post("faults", GOOD_RULE), 401)
        good = Admin.of(m, "s3cret-token")
        assert good.get("clock")[0] == 200
        assert good.faults() == []     # the refused POST added nothing
        # The token guards /_mock/ only: the API answers as ever.
        assert tt_code(m) is None
    finally:
        m.stop()


def test_admin_loopback_only_on_api_listener() -> None:
    addr = non_loopback_address()
    if addr is None:
        pytest.skip("this host has no non-loopback address to connect from")
    # Beyond loopback without a token is refused unless --admin-open says so
    # (test_hostile.py); with it, the peer's address is the guard.
    m = start("--listen", "0.0.0.0:0", "--admin-open")
    try:
        far = Admin(addr, m.port)
        assert_4xx(far.get("clock"), 403, "loopback")
        assert_4xx(far.post("faults", GOOD_RULE), 403)
        assert far.get("health")[0] == 200      # health answers every peer
        near = Admin("127.0.0.1", m.port)
        assert near.get("clock")[0] == 200
        assert near.faults() == []
        # The API itself answers any peer.
        far_api = SimpleNamespace(host=addr, port=m.port)
        assert code_of(call(far_api, tc3(far_api).post(TEXT).request)) is None
    finally:
        m.stop()
    # With --admin-token the token, not the address, decides.
    m = start("--listen", "0.0.0.0:0", "--admin-token", "tok")
    try:
        assert Admin(addr, m.port, "tok").get("clock")[0] == 200
        assert_4xx(Admin(addr, m.port).get("clock"), 401)
        assert Admin(addr, m.port).get("health")[0] == 200
    finally:
        m.stop()


ADMIN_READY = re.compile(r"^listening on http://(\S+):(\d+) \(admin\)$")


def test_admin_listen() -> None:
    m = start("--admin-listen", "127.0.0.1:0")
    try:
        line = m._readline(10).rstrip("\n")
        got = ADMIN_READY.match(line)
        assert got, f"no admin ready line: {line!r}"
        port = int(got.group(2))
        assert port != m.port
        own = Admin("127.0.0.1", port)
        status, doc = own.get("health")
        assert status == 200 and doc["status"] == "ok", doc
        # Only /_mock/ is served there: `/` is 404, even a signed API request.
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            conn.request("GET", "/")
            resp = conn.getresponse()
            resp.read()
            assert resp.status == 404, resp.status
        finally:
            conn.close()
        signed = tc3(m).post(TEXT).request
        assert send("127.0.0.1", port, signed).status == 404
        # The API listener still serves /_mock/ to loopback peers; both see one state.
        api = Admin.of(m)
        assert api.get("health")[0] == 200
        r = own.add_fault(error="InternalError")
        assert [x["id"] for x in api.faults()] == [r["id"]]
        assert tt_code(m) == "InternalError"
        assert [e["error_code"] for e in own.journal()["entries"]] == ["InternalError"]
    finally:
        m.stop()


# ---------------------------------------------------------------- rules: matching


def test_match_action(adm: Admin, mock: MockProcess) -> None:
    r = adm.add_fault(error="InternalError.BackendTimeout", match={"action": "LanguageDetect"}, times=None)
    assert tt_code(mock) is None
    assert code_of(detect(mock)) == "InternalError.BackendTimeout"
    assert tt_code(mock) is None
    assert code_of(detect(mock)) == "InternalError.BackendTimeout"
    got = rule(adm, r["id"])
    assert (got["matched"], got["fired"]) == (2, 2), got


def test_match_secret_id_isolates_accounts(adm: Admin, mock: MockProcess) -> None:
    a, b = adm.new_account(), adm.new_account()
    r = adm.add_fault(error="ResourceUnavailable", match={"secret_id": a.secret_id}, times=None)
    for _ in range(3):
        assert tt_code(mock, b) is None
        assert tt_code(mock, a) == "ResourceUnavailable"
        assert tt_code(mock) is None
    got = rule(adm, r["id"])
    assert (got["matched"], got["fired"]) == (3, 3), got
    # A times-1 rule for B is spent by B alone; A's requests never touch it.
    r2 = adm.add_fault(error="LimitExceeded", match={"secret_id": b.secret_id})
    adm.delete(f"faults/{r['id']}")
    assert [tt_code(mock, a) for _ in range(3)] == [None, None, None]
    assert tt_code(mock, b) == "LimitExceeded"
    assert tt_code(mock, b) is None
    got = rule(adm, r2["id"])
    assert (got["matched"], got["fired"]) == (2, 1), got


def test_match_region(adm: Admin, mock: MockProcess) -> None:
    adm.add_fault(error="InternalError", match={"region": "ap-shanghai"}, times=None)
    assert tt_code(mock, region="ap-guangzhou") is None
    assert tt_code(mock, region="ap-shanghai") == "InternalError"
    assert tt_code(mock, region="ap-beijing") is None
    assert code_of(call(mock, build(mock, "v1-sha1-get", region="ap-shanghai"))) == "InternalError"


@pytest.mark.parametrize("method,hit", [
    ("TC3-HMAC-SHA256", {"tc3-post", "tc3-get"}),
    ("HmacSHA1", {"v1-sha1-post", "v1-sha1-get"}),
    ("HmacSHA256", {"v1-sha256-post", "v1-sha256-get"}),
])
def test_match_sign_method(adm: Admin, mock: MockProcess, method: str, hit: set[str]) -> None:
    adm.add_fault(error="InternalError", match={"sign_method": method}, times=None)
    for kind in ("tc3-post", "tc3-get", "v1-sha1-post", "v1-sha1-get", "v1-sha256-post", "v1-sha256-get"):
        want = "InternalError" if kind in hit else None
        assert code_of(call(mock, build(mock, kind))) == want, kind


def test_v1_without_signature_method_is_hmacsha1(adm: Admin, mock: MockProcess) -> None:
    adm.add_fault(error="InternalError", match={"sign_method": "HmacSHA1"}, times=None)
    req = v1(mock, signature_method=None).post(TEXT).request
    assert code_of(call(mock, req)) == "InternalError"


def test_match_all_fields_together(adm: Admin, mock: MockProcess) -> None:
    a = adm.new_account()
    adm.add_fault(error="InternalError", times=None, match={
        "action": "TextTranslate", "secret_id": a.secret_id, "region": "ap-shanghai", "sign_method": "TC3-HMAC-SHA256"})
    assert tt_code(mock, a, region="ap-guangzhou") is None
    assert code_of(detect(mock, a)) is None
    assert tt_code(mock, region="ap-shanghai") is None
    assert code_of(call(mock, build(mock, "v1-sha1-post", creds=a, region="ap-shanghai"))) is None
    assert tt_code(mock, a, region="ap-shanghai") == "InternalError"


# ---------------------------------------------------------------- rules: times, after, probability


def test_times_2(adm: Admin, mock: MockProcess) -> None:
    r = adm.add_fault(error="InternalError", times=2)
    assert [tt_code(mock) for _ in range(5)] == ["InternalError", "InternalError", None, None, None]
    got = rule(adm, r["id"])
    assert (got["matched"], got["fired"]) == (5, 2), got


def test_after_3(adm: Admin, mock: MockProcess) -> None:
    r = adm.add_fault(error="InternalError", after=3)
    assert [tt_code(mock) for _ in range(6)] == [None, None, None, "InternalError", None, None]
    got = rule(adm, r["id"])
    assert (got["matched"], got["fired"]) == (6, 1), got


def test_after_and_times(adm: Admin, mock: MockProcess) -> None:
    adm.add_fault(error="InternalError", after=1, times=2)
    assert [tt_code(mock) for _ in range(5)] == [None, "InternalError", "InternalError", None, None]


def test_times_null_fires_forever(adm: Admin, mock: MockProcess) -> None:
    r = adm.add_fault(error="InternalError", times=None)
    assert r["times"] is None
    assert [tt_code(mock) for _ in range(25)] == ["InternalError"] * 25
    assert rule(adm, r["id"])["fired"] == 25


def test_times_0_never_fires(adm: Admin, mock: MockProcess) -> None:
    adm.add_fault(error="InternalError", times=0)
    assert [tt_code(mock) for _ in range(3)] == [None, None, None]


def fired_pattern(seed: int, n: int = 40) -> list[int]:
    """The request numbers a probability-0.5 rule fires on, in a fresh mock with --seed."""
    m = start(args=["--fixtures", str(FIXTURES), "--seed", str(seed), "--no-rate-limit"])
    try:
        Admin.of(m).add_fault(error="InternalError", probability=0.5, times=None)
        return [i for i in range(n) if tt_code(m) == "InternalError"]
    finally:
        m.stop()


def test_probability_replays_with_seed() -> None:
    a, b, c = fired_pattern(1234), fired_pattern(1234), fired_pattern(98765)
    assert a == b
    assert 5 <= len(a) <= 35, a            # about half of 40
    assert c != a
    assert 5 <= len(c) <= 35, c


def test_probability_0_and_1(adm: Admin, mock: MockProcess) -> None:
    adm.add_fault(error="InternalError", probability=0.0, times=None)
    assert [tt_code(mock) for _ in range(10)] == [None] * 10
    adm.add_fault(error="ResourceInUse", probability=1, times=None)
    assert [tt_code(mock) for _ in range(10)] == ["ResourceInUse"] * 10


# ---------------------------------------------------------------- rules: stages, messages, order


def test_pre_auth_answers_before_the_signature(adm: Admin, mock: MockProcess) -> None:
    adm.add_fault(error="InternalError.BackendTimeout", stage="pre_auth", times=None)
    good = tc3(mock).post(TEXT).request
    unsigned = good.with_header("Authorization", "not a TC3 authorization")
    wrong_key = tc3(mock, Credentials(DEFAULT.secret_id, "wrong")).post(TEXT).request
    unknown = tc3(mock, Credentials(random_secret_id(), "k")).post(TEXT).request
    stale = tc3(mock, timestamp=int(time.time()) - 3600).post(TEXT).request
    for req in (unsigned, wrong_key, unknown, stale, good):
        assert code_of(call(mock, req)) == "InternalError.BackendTimeout"
    v1_wrong = v1(mock, Credentials(DEFAULT.secret_id, "wrong")).get(TEXT).request
    assert code_of(call(mock, v1_wrong)) == "InternalError.BackendTimeout"


def test_post_auth_lets_signature_failure_answer_first(adm: Admin, mock: MockProcess) -> None:
    r = adm.add_fault(error="InternalError.BackendTimeout")  # post_auth by default
    wrong_key = tc3(mock, Credentials(DEFAULT.secret_id, "wrong")).post(TEXT).request
    unsigned = tc3(mock).post(TEXT).request.with_header("Authorization", "not a TC3 authorization")
    assert code_of(call(mock, wrong_key)) == "AuthFailure.SignatureFailure"
    assert code_of(call(mock, unsigned)) == "AuthFailure.InvalidAuthorization"
    assert tt_code(mock, Credentials(random_secret_id(), "k")) == "AuthFailure.SecretIdNotFound"
    assert tt_code(mock, Credentials("AKIDmockIsolated00000000000000000000",
                                     "mockIsolatedSecretKey0000000000000")) == "FailedOperation.ServiceIsolate"
    got = rule(adm, r["id"])
    assert (got["matched"], got["fired"]) == (0, 0), got
    assert tt_code(mock) == "InternalError.BackendTimeout"


def test_pre_auth_matches_the_unverified_secret_id(adm: Admin, mock: MockProcess) -> None:
    a, b = adm.new_account(), adm.new_account()
    adm.add_fault(error="ResourceInsufficient", stage="pre_auth", match={"secret_id": a.secret_id}, times=None)
    assert tt_code(mock, Credentials(a.secret_id, "wrong")) == "ResourceInsufficient"
    assert tt_code(mock, Credentials(b.secret_id, "wrong")) == "AuthFailure.SignatureFailure"
    assert tt_code(mock, b) is None


def test_pre_auth_rule_is_not_a_post_auth_rule(adm: Admin, mock: MockProcess) -> None:
    """Each stage looks only at its own rules: a spent pre_auth rule leaves the post_auth one."""
    pre = adm.add_fault(error="InternalError", stage="pre_auth")
    post = adm.add_fault(error="ResourceNotFound")
    assert tt_code(mock) == "InternalError"
    assert tt_code(mock) == "ResourceNotFound"
    assert tt_code(mock) is None
    assert (rule(adm, pre["id"])["fired"], rule(adm, post["id"])["fired"]) == (1, 1)


def test_message_overrides_catalogue(adm: Admin, mock: MockProcess) -> None:
    adm.add_fault(error="InternalError.BackendTimeout", times=2)
    assert_error(tt(mock, language="zh-CN"), "InternalError.BackendTimeout", BACKEND_TIMEOUT_ZH)
    assert_error(tt(mock), "InternalError.BackendTimeout", BACKEND_TIMEOUT_EN)
    adm.add_fault(error="InternalError.BackendTimeout", message="the backend took a nap", times=2)
    assert_error(tt(mock), "InternalError.BackendTimeout", "the backend took a nap")
    assert_error(tt(mock, language="en-US"), "InternalError.BackendTimeout", "the backend took a nap")
    assert tt_code(mock) is None


def test_first_firing_rule_wins(adm: Admin, mock: MockProcess) -> None:
    other = adm.add_fault(error="LimitExceeded", match={"action": "LanguageDetect"}, times=None)
    never = adm.add_fault(error="ResourceInUse", probability=0.0, times=None)
    second = adm.add_fault(error="InternalError")
    third = adm.add_fault(error="ResourceNotFound", times=2)
    assert [tt_code(mock) for _ in range(4)] == ["InternalError", "ResourceNotFound", "ResourceNotFound", None]
    counts = {r["id"]: (r["matched"], r["fired"]) for r in adm.faults()}
    assert counts[other["id"]] == (0, 0)
    assert counts[never["id"]] == (4, 0)
    assert counts[second["id"]] == (4, 1)
    # A rule after the one that fired is not even matched.
    assert counts[third["id"]] == (3, 2)


def test_delay_only_rule(adm: Admin, mock: MockProcess) -> None:
    adm.add_fault(delay_ms=600)
    t0 = time.monotonic()
    assert tt_code(mock) is None
    # libevent's cached loop time can make a timer a few ms early.
    assert time.monotonic() - t0 >= 0.55
    t0 = time.monotonic()
    assert tt_code(mock) is None
    assert time.monotonic() - t0 < 0.3


# ---------------------------------------------------------------- --faults files


def test_preset_throttle_first_2() -> None:
    m = start("--faults", str(FAULT_FILES / "throttle-first-2.json"))
    try:
        codes = [tt_code(m) for _ in range(5)]
        assert codes == ["RequestLimitExceeded", "RequestLimitExceeded", None, None, None], codes
    finally:
        m.stop()


def test_preset_backend_timeout_once() -> None:
    m = start("--faults", str(FAULT_FILES / "backend-timeout-once.json"))
    try:
        assert_error(tt(m), "InternalError.BackendTimeout", BACKEND_TIMEOUT_EN)
        assert [tt_code(m) for _ in range(3)] == [None, None, None]
    finally:
        m.stop()


def raw_post(m: MockProcess) -> tuple[int | None, bytes, float]:
    """Sends a signed TextTranslate; (status, body, seconds), status None when the connection broke."""
    t0 = time.monotonic()
    try:
        resp = call(m, tc3(m).post(TEXT).request)
    except (ConnectionError, http.client.HTTPException, OSError):
        return None, b"", time.monotonic() - t0
    return resp.status, resp.body, time.monotonic() - t0


def test_preset_gateway_trouble() -> None:
    m = start("--faults", str(FAULT_FILES / "gateway-trouble.json"))
    try:
        answers = [raw_post(m) for _ in range(4)]
        assert [a[0] for a in answers] == [504, 502, 503, 200], answers
        assert answers[0][2] >= 2.0, answers[0]
        assert answers[1][2] < 2.0 and answers[2][2] < 2.0, answers
        for (status, body, _), word in zip(answers[:3], ("Gateway Time-out", "Bad Gateway", "Unavailable")):
            assert b"<html>" in body and word.encode() in body, body
        assert json.loads(answers[3][1])["Response"]["TargetText"]
    finally:
        m.stop()


def flaky_run(seed: int, n: int = 30) -> list[int]:
    m = start(args=["--fixtures", str(FIXTURES), "--seed", str(seed), "--no-rate-limit",
                    "--faults", str(FAULT_FILES / "flaky-network.json")])
    try:
        broken = []
        for i in range(n):
            status, _, _ = raw_post(m)
            assert status in (None, 200), status
            if status is None:
                broken.append(i)
        (r,) = Admin.of(m).faults()
        assert r["fired"] == len(broken) and r["matched"] == n, (r, broken)
        return broken
    finally:
        m.stop()


def test_preset_flaky_network() -> None:
    a = flaky_run(5)
    assert 1 <= len(a) <= 15, a       # one in five of 30
    assert flaky_run(5) == a


def test_faults_files_repeatable_in_order() -> None:
    m = start("--faults", str(FAULT_FILES / "throttle-first-2.json"),
              "--faults", str(FAULT_FILES / "backend-timeout-once.json"))
    try:
        rules = Admin.of(m).faults()
        assert [r["error"] for r in rules] == ["RequestLimitExceeded", "InternalError.BackendTimeout"], rules
        codes = [tt_code(m) for _ in range(5)]
        assert codes == ["RequestLimitExceeded", "RequestLimitExceeded", "InternalError.BackendTimeout", None, None]
    finally:
        m.stop()


def test_faults_file_with_every_field(tmp_path: Path) -> None:
    a = random_secret_id()
    f = tmp_path / "rules.json"
    f.write_text(json.dumps({"faults": [
        {"comment": "pre-auth, for one SecretId", "match": {"secret_id": a}, "stage": "pre_auth",
         "error": "ResourceInUse", "times": None},
        {"match": {"action": "TextTranslate", "region": "ap-shanghai", "sign_method": "HmacSHA1"},
         "error": "InternalError", "message": "from a file", "after": 1, "times": 1},
    ]}))
    m = start("--faults", str(f))
    try:
        assert tt_code(m, Credentials(a, "whatever")) == "ResourceInUse"
        req = lambda: call(m, build(m, "v1-sha1-post", region="ap-shanghai"))  # noqa: E731
        assert code_of(req()) is None
        assert_error(req(), "InternalError", "from a file")
        assert code_of(req()) is None
        assert tt_code(m, region="ap-shanghai") is None
    finally:
        m.stop()


BAD_FILES = [
    ("not JSON", '{"faults": [', ["line"]),
    ("not the faults object", '[{"error": "InternalError"}]', ["faults"]),
    ("unknown code", '{"faults": [{"error": "InternalError"}, {"error": "InternalError.Nope"}]}',
     ["faults[1]", "error", "InternalError.Nope"]),
    ("unknown field", '{"faults": [{"error": "InternalError", "tiems": 2}]}', ["faults[0]", "tiems"]),
    ("unknown fault", '{"faults": [{"fault": "meltdown"}]}', ["faults[0]", "fault", "meltdown"]),
    ("both", '{"faults": [{"error": "InternalError", "fault": "reset"}]}', ["faults[0]", "error", "fault"]),
    ("bad stage", '{"faults": [{"error": "InternalError"}, {"error": "InternalError"}, '
                  '{"error": "InternalError", "stage": "later"}]}', ["faults[2]", "stage"]),
    ("bad probability", '{"faults": [{"error": "InternalError", "probability": 1.5}]}', ["faults[0]", "probability"]),
]


@pytest.mark.parametrize("text,needles", [(t, n) for _, t, n in BAD_FILES], ids=[i for i, _, _ in BAD_FILES])
def test_malformed_faults_file_exits_2(tmp_path: Path, text: str, needles: list[str]) -> None:
    f = tmp_path / "bad-rules.json"
    f.write_text(text)
    r = run_once(["--listen", "127.0.0.1:0", *BASE_ARGS, "--faults", str(f)], timeout=5)
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert "listening on" not in r.stdout, r.stdout
    assert str(f) in r.stderr, r.stderr
    for n in needles:
        assert n in r.stderr, f"{n!r} not in {r.stderr!r}"


def test_missing_faults_file_exits_2(tmp_path: Path) -> None:
    f = tmp_path / "nope.json"
    r = run_once(["--listen", "127.0.0.1:0", *BASE_ARGS, "--faults", str(f)], timeout=5)
    assert r.returncode == 2 and str(f) in r.stderr, (r.returncode, r.stderr)


def test_bad_second_faults_file_exits_2(tmp_path: Path) -> None:
    f = tmp_path / "bad.json"
    f.write_text('{"faults": [{"error": "Nope"}]}')
    r = run_once(["--listen", "127.0.0.1:0", *BASE_ARGS, "--faults", str(FAULT_FILES / "throttle-first-2.json"),
                  "--faults", str(f)], timeout=5)
    assert r.returncode == 2 and str(f) in r.stderr and "faults[0]" in r.stderr, (r.returncode, r.stderr)


def test_preset_files_all_load() -> None:
    presets = sorted(FAULT_FILES.glob("*.json"))
    assert len(presets) >= 4
    for p in presets:
        want = json.loads(p.read_text())["faults"]
        m = start("--faults", str(p))
        try:
            got = Admin.of(m).faults()
            assert len(got) == len(want), (p, got)
            for g, w in zip(got, want):
                for k, v in w.items():
                    if k != "comment":
                        assert g[k] == v, (p, k, g)
        finally:
            m.stop()
