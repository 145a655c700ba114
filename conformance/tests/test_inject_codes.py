"""Every error code of the TMT FAQ on demand (docs/admin-api.md, Every error on demand): by a fault
rule scoped to the test's own account, and by a magic value in a text parameter.

Each test makes a fresh account over the admin API (a random well-formed SecretId) and
scopes its rules to it, so the tests are isolated from each other and from the module's
other clients. Expected messages come from GET /_mock/catalogue (en-US by default, zh-CN
with X-TC-Language: zh-CN), exactly; the catalogue's FAQ list is checked against the list below.
"""
from __future__ import annotations

from typing import Any, Iterator

import pytest

from harness.actions import pseudo
from harness.admin import Admin
from harness.mockproc import ROOT, MockProcess
from harness.signer import Credentials
from harness.wire import DEFAULT, TEXT, assert_envelope, assert_error, assert_translated, build, call

# The 38 codes of the TMT FAQ (docs/behaviour.md, "The 38 error codes of the TMT FAQ").
FAQ_CODES = [
    "AuthFailure.InvalidSecretId",
    "AuthFailure.MFAFailure",
    "AuthFailure.SecretIdNotFound",
    "AuthFailure.SignatureExpire",
    "AuthFailure.SignatureFailure",
    "AuthFailure.TokenFailure",
    "AuthFailure.UnauthorizedOperation",
    "DryRunOperation",
    "FailedOperation",
    "FailedOperation.NoFreeAmount",
    "FailedOperation.ServiceIsolate",
    "FailedOperation.UserNotRegistered",
    "InternalError",
    "InternalError.BackendTimeout",
    "InternalError.ErrorUnknown",
    "InvalidAction",
    "InvalidParameter",
    "InvalidParameter.DuplicatedSessionIdAndSeq",
    "InvalidParameter.SeqIntervalTooLarge",
    "InvalidParameterValue",
    "LimitExceeded",
    "MissingParameter",
    "NoSuchVersion",
    "RequestLimitExceeded",
    "ResourceInUse",
    "ResourceInsufficient",
    "ResourceNotFound",
    "ResourceUnavailable",
    "UnauthorizedOperation",
    "UnauthorizedOperation.ActionNotFound",
    "UnknownParameter",
    "UnsupportedOperation",
    "UnsupportedOperation.TextTooLong",
    "UnsupportedOperation.UnSupportedTargetLanguage",
    "UnsupportedOperation.UnsupportedLanguage",
    "UnsupportedOperation.UnsupportedSourceLanguage",
    "UnsupportedProtocol",
    "UnsupportedRegion",
]
assert len(FAQ_CODES) == 38 and len(set(FAQ_CODES)) == 38

# (X-TC-Language sent, key of the catalogue's messages): en-US is the default.
LANGS = [(None, "en-US"), ("zh-CN", "zh-CN")]

BATCH = {"Source": "en", "Target": "zh", "ProjectId": 0}
DETECT_TEXT = "Das ist ein schöner Tag."


# ---------------------------------------------------------------- fixtures and helpers


@pytest.fixture(scope="module")
def catalogue(mock: MockProcess) -> dict[str, dict[str, Any]]:
    status, doc = Admin.of(mock).get("catalogue")
    assert status == 200, doc
    return {c["code"]: c for c in doc["codes"]}






def assert_code(resp: Any, code: str, message: str) -> dict[str, Any]:
    """The answer has exactly this Code and the catalogue's message for it (the catalogue
    lists the texts an injected error answers with, details filled in)."""
    assert "%s" not in message, f"{code}: the catalogue's message is a template: {message!r}"
    return assert_error(resp, code, message)


def text(source_text: str) -> dict[str, Any]:
    return {**TEXT, "SourceText": source_text}


def journal_params(adm: Admin, secret_id: str) -> list[dict[str, Any]]:
    return [e["params"] for e in adm.journal(secret_id=secret_id)["entries"]]


# ---------------------------------------------------------------- the catalogue


def test_catalogue_lists_exactly_the_38_faq_codes(catalogue: dict[str, dict[str, Any]]) -> None:
    faq = sorted(code for code, entry in catalogue.items() if entry["faq"] is True)
    assert len(faq) == 38, faq
    assert faq == sorted(FAQ_CODES)
    for code in FAQ_CODES:
        messages = catalogue[code]["messages"]
        assert messages["zh-CN"] and messages["en-US"], catalogue[code]


# ---------------------------------------------------------------- (a) by a fault rule


@pytest.mark.parametrize("code", FAQ_CODES)
def test_rule_injects_faq_code(mock: MockProcess, adm: Admin, creds: Credentials,
                               catalogue: dict[str, dict[str, Any]], code: str) -> None:
    rule = adm.add_fault(match={"secret_id": creds.secret_id}, error=code, times=len(LANGS))
    assert rule["error"] == code and rule["times"] == len(LANGS), rule
    request_ids = set()
    for language, key in LANGS:
        resp = call(mock, build(mock, "tc3-post", creds=creds, language=language))
        assert_code(resp, code, catalogue[code]["messages"][key])
        request_ids.add(assert_envelope(resp)["RequestId"])
    assert len(request_ids) == len(LANGS), "each answer has its own RequestId"
    # Spent after `times`: the same account translates again.
    assert_translated(call(mock, build(mock, "tc3-post", creds=creds)), TEXT["SourceText"])
    journal = adm.journal(secret_id=creds.secret_id)["entries"]
    assert [e["error_code"] for e in journal] == [code, code, None], journal
    assert [e["rule_id"] for e in journal] == [rule["id"], rule["id"], None], journal


def test_rule_is_scoped_to_its_secret_id(mock: MockProcess, adm: Admin, creds: Credentials) -> None:
    adm.add_fault(match={"secret_id": creds.secret_id}, error="InternalError", times=None)
    other = adm.new_account()
    for who in (DEFAULT, other):
        assert_translated(call(mock, build(mock, "tc3-post", creds=who)), TEXT["SourceText"])
    for _ in range(3):
        assert_error(call(mock, build(mock, "tc3-post", creds=creds)), "InternalError")


@pytest.mark.parametrize("kind", ["tc3-get", "v1-sha1-post", "v1-sha256-get"])
def test_rule_injects_with_every_signature_kind(mock: MockProcess, adm: Admin, creds: Credentials,
                                                catalogue: dict[str, dict[str, Any]], kind: str) -> None:
    adm.add_fault(match={"secret_id": creds.secret_id}, error="ResourceUnavailable")
    assert_code(call(mock, build(mock, kind, creds=creds, language="en-US")), "ResourceUnavailable",
                catalogue["ResourceUnavailable"]["messages"]["en-US"])
    assert_translated(call(mock, build(mock, kind, creds=creds)), TEXT["SourceText"])


# ---------------------------------------------------------------- (b) by a magic value


@pytest.mark.parametrize("code", FAQ_CODES)
def test_magic_value_injects_faq_code(mock: MockProcess, adm: Admin, creds: Credentials,
                                      catalogue: dict[str, dict[str, Any]], code: str) -> None:
    for language, key in LANGS:
        resp = call(mock, build(mock, "tc3-post", text(f"@mock:error={code} hello"),
                                creds=creds, language=language))
        assert_code(resp, code, catalogue[code]["messages"][key])
    # A magic value fires once, on its own request: the next one is a plain success.
    inner = assert_translated(call(mock, build(mock, "tc3-post", text("hello"), creds=creds)), "hello")
    assert inner["TargetText"] == pseudo("zh", "hello"), inner
    # The mock saw the text without its marker.
    entries = adm.journal(secret_id=creds.secret_id)["entries"]
    assert [e["params"]["SourceText"] for e in entries] == ["hello"] * 3, entries
    assert [e["error_code"] for e in entries] == [code, code, None], entries
    assert [e.get("magic") for e in entries] == [True, True, False], entries


@pytest.mark.parametrize("source_text,clean", [
    ("@mock:delay=1 hello", "hello"),
    ("hello @mock:delay=1", "hello"),
    ("hello @mock:delay=1 world", "hello world"),
    ("@mock:delay=1 @mock:delay=2 你好 😀", "你好 😀"),
])
def test_magic_marker_is_neither_translated_nor_counted(mock: MockProcess, adm: Admin, creds: Credentials,
                                                        source_text: str, clean: str) -> None:
    inner = assert_translated(call(mock, build(mock, "tc3-post", text(source_text), creds=creds)), clean)
    assert inner["TargetText"] == pseudo("zh", clean), inner
    assert inner["UsedAmount"] == len(clean), inner
    assert journal_params(adm, creds.secret_id)[-1]["SourceText"] == clean
    assert adm.account(creds.secret_id)["used_chars"] == len(clean)


@pytest.mark.parametrize("code", ["InternalError.BackendTimeout", "LimitExceeded", "UnsupportedOperation.TextTooLong"])
@pytest.mark.parametrize("position", [0, 1])
def test_magic_value_in_source_text_list_item(mock: MockProcess, adm: Admin, creds: Credentials,
                                              catalogue: dict[str, dict[str, Any]], code: str,
                                              position: int) -> None:
    items = ["good morning", "good night"]
    marked = list(items)
    marked[position] = f"{marked[position]} @mock:error={code}"
    for language, key in LANGS:
        resp = call(mock, build(mock, "tc3-post", {**BATCH, "SourceTextList": marked}, creds=creds,
                                action="TextTranslateBatch", language=language))
        assert_code(resp, code, catalogue[code]["messages"][key])
    assert journal_params(adm, creds.secret_id)[-1]["SourceTextList"] == items
    # A batch with a delay marker only: every item translated, the marker not counted.
    delayed = list(items)
    delayed[position] = f"@mock:delay=1 {delayed[position]}"
    resp = call(mock, build(mock, "tc3-post", {**BATCH, "SourceTextList": delayed}, creds=creds,
                            action="TextTranslateBatch"))
    inner = assert_envelope(resp)
    assert inner.get("TargetTextList") == [pseudo("zh", t) for t in items], inner
    assert inner.get("UsedAmount") == sum(len(t) for t in items), inner


@pytest.mark.parametrize("code", ["ResourceInUse", "FailedOperation", "InvalidParameterValue"])
def test_magic_value_in_language_detect_text(mock: MockProcess, adm: Admin, creds: Credentials,
                                             catalogue: dict[str, dict[str, Any]], code: str) -> None:
    for language, key in LANGS:
        resp = call(mock, build(mock, "tc3-post", {"Text": f"@mock:error={code} {DETECT_TEXT}", "ProjectId": 0},
                                creds=creds, action="LanguageDetect", language=language))
        assert_code(resp, code, catalogue[code]["messages"][key])
    assert journal_params(adm, creds.secret_id)[-1]["Text"] == DETECT_TEXT
    resp = call(mock, build(mock, "tc3-post", {"Text": f"@mock:delay=1 {DETECT_TEXT}", "ProjectId": 0},
                            creds=creds, action="LanguageDetect"))
    inner = assert_envelope(resp)
    assert inner.get("Lang") == "de", inner


@pytest.mark.parametrize("kind", ["tc3-get", "v1-sha1-post", "v1-sha256-get"])
def test_magic_value_with_every_signature_kind(mock: MockProcess, creds: Credentials, kind: str) -> None:
    assert_error(call(mock, build(mock, kind, text("@mock:error=ResourceNotFound hi"), creds=creds)),
                 "ResourceNotFound")
    assert_translated(call(mock, build(mock, kind, text("hi @mock:delay=1"), creds=creds)), "hi")


@pytest.mark.parametrize("marker", [
    "@mock:error=NoSuchCode", "@mock:fault=explode", "@mock:delay=soon", "@mock:delay=-5",
    "@mock:delay=600001", "@mock:colour=red", "@mock:error",
])
def test_unknown_magic_value_is_invalid_parameter_value(mock: MockProcess, creds: Credentials, marker: str) -> None:
    err = assert_error(call(mock, build(mock, "tc3-post", text(f"{marker} hello"), creds=creds)),
                       "InvalidParameterValue")
    assert marker in err["Message"], err


def test_rule_wins_over_magic_value_and_the_marker_is_still_stripped(
        mock: MockProcess, adm: Admin, creds: Credentials) -> None:
    adm.add_fault(match={"secret_id": creds.secret_id}, error="LimitExceeded")
    assert_error(call(mock, build(mock, "tc3-post", text("@mock:error=InternalError hello"), creds=creds)),
                 "LimitExceeded")
    assert journal_params(adm, creds.secret_id)[-1]["SourceText"] == "hello"


# ---------------------------------------------------------------- (c) times, after, message


@pytest.mark.parametrize("code,times,after", [
    ("InternalError.BackendTimeout", 2, 0),
    ("RequestLimitExceeded", 1, 2),
    ("ResourceInsufficient", 3, 1),
    ("FailedOperation", 0, 0),
])
def test_rule_times_and_after(mock: MockProcess, adm: Admin, creds: Credentials,
                              code: str, times: int, after: int) -> None:
    rule = adm.add_fault(match={"secret_id": creds.secret_id}, error=code, times=times, after=after)
    got = []
    for _ in range(after + times + 2):
        inner = assert_envelope(call(mock, build(mock, "tc3-post", creds=creds)))
        got.append(inner["Error"]["Code"] if "Error" in inner else None)
    assert got == [None] * after + [code] * times + [None, None], got
    stored = [r for r in adm.faults() if r["id"] == rule["id"]][0]
    assert stored["fired"] == times and stored["matched"] == after + times + 2, stored


def test_rule_without_limit_fires_every_time(mock: MockProcess, adm: Admin, creds: Credentials) -> None:
    adm.add_fault(match={"secret_id": creds.secret_id}, error="ResourceUnavailable", times=None, after=1)
    got = [assert_envelope(call(mock, build(mock, "tc3-post", creds=creds))).get("Error", {}).get("Code")
           for _ in range(6)]
    assert got == [None] + ["ResourceUnavailable"] * 5, got


def test_rule_custom_message(mock: MockProcess, adm: Admin, creds: Credentials) -> None:
    custom = "后端超时 (custom) — try again"
    adm.add_fault(match={"secret_id": creds.secret_id}, error="InternalError.BackendTimeout",
                  message=custom, times=2)
    # The rule's message is the answer's, whatever the language asked for.
    for language in (None, "zh-CN"):
        assert_error(call(mock, build(mock, "tc3-post", creds=creds, language=language)),
                     "InternalError.BackendTimeout", custom)
    assert_translated(call(mock, build(mock, "tc3-post", creds=creds)), TEXT["SourceText"])


@pytest.mark.parametrize("rule,field", [
    ({"error": "NoSuchCode"}, "error"),
    ({"fault": "explode"}, "fault"),
    ({"error": "InternalError", "fault": "reset"}, "error, fault"),
    ({"fault": "reset", "message": "x"}, "message"),
    ({"error": "InternalError", "times": -1}, "times"),
])
def test_bad_rule_is_refused(adm: Admin, rule: dict[str, Any], field: str) -> None:
    before = len(adm.faults())
    status, doc = adm.post("faults", rule)
    assert status == 400, (status, doc)
    assert field in str(doc), doc
    assert len(adm.faults()) == before


# ---------------------------------------------------------------- --no-magic


@pytest.fixture(scope="module")
def no_magic_mock() -> Iterator[MockProcess]:
    m = MockProcess(["--fixtures", str(ROOT / "fixtures"), "--seed", "7", "--no-rate-limit",
                     "--no-magic"]).start()
    yield m
    code = m.stop()
    assert code in (0, -15), f"tmtmock exited {code}; stderr:\n{''.join(m.stderr_lines)}"


@pytest.mark.parametrize("source_text", [
    "@mock:error=InternalError hello", "hello @mock:fault=reset", "@mock:delay=1500 hi", "@mock:bogus=1 x",
])
def test_no_magic_leaves_markers_as_text(no_magic_mock: MockProcess, source_text: str) -> None:
    m = no_magic_mock
    creds = Admin.of(m).new_account()
    inner = assert_translated(call(m, build(m, "tc3-post", text(source_text), creds=creds)), source_text)
    assert inner["TargetText"] == pseudo("zh", source_text), inner
    assert inner["UsedAmount"] == len(source_text), inner
    assert Admin.of(m).account(creds.secret_id)["used_chars"] == len(source_text)


def test_no_magic_keeps_batch_and_detect_markers(no_magic_mock: MockProcess) -> None:
    m = no_magic_mock
    creds = Admin.of(m).new_account()
    items = ["@mock:error=LimitExceeded a", "b"]
    inner = assert_envelope(call(m, build(m, "tc3-post", {**BATCH, "SourceTextList": items}, creds=creds,
                                          action="TextTranslateBatch")))
    assert inner.get("TargetTextList") == [pseudo("zh", t) for t in items], inner
    assert inner.get("UsedAmount") == sum(len(t) for t in items), inner
    inner = assert_envelope(call(m, build(m, "tc3-post", {"Text": f"@mock:error=ResourceInUse {DETECT_TEXT}",
                                                          "ProjectId": 0}, creds=creds, action="LanguageDetect")))
    assert "Error" not in inner, inner


def test_no_magic_still_honours_rules(no_magic_mock: MockProcess) -> None:
    m = no_magic_mock
    adm = Admin.of(m)
    creds = adm.new_account()
    adm.add_fault(match={"secret_id": creds.secret_id}, error="InternalError.ErrorUnknown")
    assert_error(call(m, build(m, "tc3-post", creds=creds)), "InternalError.ErrorUnknown")
    assert_translated(call(m, build(m, "tc3-post", creds=creds)), TEXT["SourceText"])
