"""Accounts on the wire: checks 14-16 (MFA, CAM, account state) and 21 (the free
quota) of docs/behaviour.md (Order of checks), with the fixture accounts of
Accounts and fixtures and accounts written to a temporary fixtures directory; the order of
these checks among themselves and against 11-13, 18, 19 and 20."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterator

import pytest

from harness.mockproc import ROOT, MockProcess
from harness.signer import Credentials, now
from harness.wire import DEFAULT, TEXT, assert_envelope, assert_error, build, call

FIXTURES = ROOT / "fixtures"

MFA = Credentials("AKIDmockMfa0000000000000000000000000", "mockMfaSecretKey000000000000000000")
DENIED = Credentials("AKIDmockServiceDenied000000000000000", "mockServiceDeniedSecretKey00000000")
NOT_REGISTERED = Credentials("AKIDmockNotRegistered000000000000000", "mockNotRegisteredSecretKey00000000")
ISOLATED = Credentials("AKIDmockIsolated00000000000000000000", "mockIsolatedSecretKey0000000000000")
STOPPED = Credentials("AKIDmockStopped000000000000000000000", "mockStoppedSecretKey00000000000000")
DISABLED = Credentials("AKIDmockDisabled00000000000000000000", "mockDisabledSecretKey0000000000000")
FREE_TIER = Credentials("AKIDmockFreeTier00000000000000000000", "mockFreeTierSecretKey0000000000000")

# code, zh-CN message, en-US message (the default): docs/behaviour.md checks 14-16,
# texts from the server's catalogue (catalogue.c; the zh ones are the API definitions').
ACCOUNT_ERRORS: list[tuple[str, Credentials, str, str, str]] = [
    ("mfa", MFA, "AuthFailure.MFAFailure", "MFA 错误。",
     "MFA verification failed: this account requires multi-factor authentication."),
    ("service_denied", DENIED, "UnauthorizedOperation", "未授权操作。",
     "Unauthorized operation: this sub-account is denied the tmt service."),
    ("not_registered", NOT_REGISTERED, "FailedOperation.UserNotRegistered",
     "服务未开通，请在腾讯云官网机器翻译控制台开通服务。",
     "The service is not activated. Activate it in the TMT console first."),
    ("isolated", ISOLATED, "FailedOperation.ServiceIsolate",
     "账号因为欠费停止服务，请在腾讯云账户充值。",
     "The service is suspended due to overdue payments. Top up your account first."),
    ("stopped", STOPPED, "FailedOperation.StopUsing", "账号已停服。",
     "The service of this account has been stopped."),
]

CAM_ZH = "请求未授权。请参考 CAM 文档对鉴权的说明。"


def cam_en(action: str) -> str:
    return f"The request is not authorized: the CAM policy of this key does not allow `{action}`."


NO_FREE_ZH = "本月免费额度已用完，如需继续使用您可以在机器翻译控制台升级为付费使用。"
NO_FREE_EN = (
    "The free quota for this month is used up. To continue to use the service, "
    "you need to upgrade to a paid account in the TMT console."
)
DRY_RUN_ZH = "DryRun 操作，代表请求将会是成功的，只是多传了 DryRun 参数。"
MSG_SIG_FAIL_ZH = "请求签名验证失败，请检查您的签名计算是否正确。"

KINDS4 = ("tc3-post", "tc3-get", "v1-sha1-post", "v1-sha256-get")
LANGS = [(None, "en"), ("zh-CN", "zh"), ("en-US", "en")]  # no language: English

# A valid request of each text action, and one that fails every business check
# (check 18: no parameters at all), so an account answer proves 14-16 come first.
VALID: dict[str, dict[str, Any]] = {
    "TextTranslate": TEXT,
    "TextTranslateBatch": {"Source": "en", "Target": "zh", "ProjectId": 0, "SourceTextList": ["a", "b"]},
    "LanguageDetect": {"Text": "Das ist ein schöner Tag.", "ProjectId": 0},
    "GetFileTranslate": {"TaskId": "no-such-task"},
}


def akid(tag: str) -> str:
    """A well-formed test SecretId: AKID + tag, padded to 36 characters."""
    s = "AKID" + tag
    assert s.isalnum() and len(s) <= 36
    return s + "0" * (36 - len(s))


def account(tag: str, **fields: Any) -> tuple[Credentials, dict[str, Any]]:
    creds = Credentials(akid(tag), f"{tag}SecretKey")
    return creds, {"secret_id": creds.secret_id, "secret_key": creds.secret_key, **fields}


def fixtures_with(d: Path, extra: list[dict[str, Any]]) -> Path:
    """A fixtures dir: the shipped accounts.json plus ``extra`` accounts."""
    doc = json.loads((FIXTURES / "accounts.json").read_text(encoding="utf-8"))
    doc["accounts"].extend(extra)
    d.mkdir(parents=True, exist_ok=True)
    (d / "accounts.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return d


def start(d: Path, *extra: str) -> Iterator[MockProcess]:
    m = MockProcess(["--fixtures", str(d), "--seed", "7", "--no-rate-limit", *extra]).start()
    yield m
    code = m.stop()
    assert code in (0, -15), f"tmtmock exited {code}; stderr:\n{''.join(m.stderr_lines)}"


def wrong_key(creds: Credentials) -> Credentials:
    return replace(creds, secret_key=creds.secret_key + "x")


def ok(resp: Any) -> dict[str, Any]:
    inner = assert_envelope(resp)
    assert "Error" not in inner, f"expected success, got {inner['Error']}"
    return inner


def text(s: str, **kw: Any) -> dict[str, Any]:
    return dict(TEXT, SourceText=s, **kw)


# ---------------------------------------------------------------- checks 14-16: fixture accounts


@pytest.mark.parametrize("language, lang", LANGS, ids=["default", "zh-CN", "en-US"])
@pytest.mark.parametrize("kind", KINDS4)
@pytest.mark.parametrize(
    "creds, code, zh, en", [a[1:] for a in ACCOUNT_ERRORS], ids=[a[0] for a in ACCOUNT_ERRORS]
)
def test_14_16_fixture_account_errors(mock, creds, code, zh, en, kind, language, lang) -> None:
    resp = call(mock, build(mock, kind, creds=creds, language=language))
    assert_error(resp, code, zh if lang == "zh" else en)


@pytest.mark.parametrize("action", list(VALID))
@pytest.mark.parametrize("creds, code", [(a[1], a[2]) for a in ACCOUNT_ERRORS], ids=[a[0] for a in ACCOUNT_ERRORS])
def test_14_16_come_before_business_parameters(mock, creds, code, action) -> None:
    """Checks 14-16 answer before check 18: a request with no parameters at all still
    gets the account's answer, for every action."""
    for kind in ("tc3-post", "v1-sha1-get"):
        assert_error(call(mock, build(mock, kind, {}, creds=creds, action=action)), code)
        assert_error(call(mock, build(mock, kind, VALID[action], creds=creds, action=action)), code)


@pytest.mark.parametrize("creds", [a[1] for a in ACCOUNT_ERRORS], ids=[a[0] for a in ACCOUNT_ERRORS])
@pytest.mark.parametrize("kind", ["tc3-post", "v1-sha256-post"])
def test_13_signature_before_account_checks(mock, creds, kind) -> None:
    """A wrong signature on an MFA / denied / unregistered / ... account is
    AuthFailure.SignatureFailure: check 13 before 14-16."""
    assert_error(call(mock, build(mock, kind, creds=wrong_key(creds), language="zh-CN")),
                 "AuthFailure.SignatureFailure", MSG_SIG_FAIL_ZH)


@pytest.mark.parametrize("creds", [a[1] for a in ACCOUNT_ERRORS], ids=[a[0] for a in ACCOUNT_ERRORS])
def test_11_12_before_account_checks(mock, creds) -> None:
    assert_error(call(mock, build(mock, "tc3-post", creds=creds, timestamp=now() - 3600)),
                 "AuthFailure.SignatureExpire")
    assert_error(call(mock, build(mock, "v1-sha1-get", creds=replace(creds, token="tok"))),
                 "AuthFailure.TokenFailure")


def test_10_disabled_account_is_not_found(mock) -> None:
    assert_error(call(mock, build(mock, "tc3-post", creds=DISABLED)), "AuthFailure.SecretIdNotFound")


@pytest.mark.parametrize("kind", KINDS4)
def test_active_fixture_accounts_succeed(mock, kind) -> None:
    """The controls: the default (paid) and the free-tier fixture accounts translate."""
    for creds in (DEFAULT, FREE_TIER):
        inner = ok(call(mock, build(mock, kind, text("hello"), creds=creds)))
        assert inner["TargetText"] == "[zh] HELLO" and inner["UsedAmount"] == 5, inner


# ---------------------------------------------------------------- CAM allow list and order, temp accounts

CAM_ONE, CAM_ONE_ACC = account("camOne", allow_actions=["LanguageDetect"])
CAM_TWO, CAM_TWO_ACC = account("camTwo", allow_actions=["LanguageDetect", "TextTranslate"])
CAM_NONE, CAM_NONE_ACC = account("camNone", allow_actions=[])
CAM_NULL, CAM_NULL_ACC = account("camNull", allow_actions=None, billing="paid")
# Accounts that fail several of checks 14-16 at once: the first one answers.
MFA_ALL, MFA_ALL_ACC = account("mfaAll", mfa=True, service_denied=True, allow_actions=[], state="stopped")
DENIED_ALL, DENIED_ALL_ACC = account("deniedAll", service_denied=True, allow_actions=[], state="isolated")
CAM_ISOLATED, CAM_ISOLATED_ACC = account("camIsolated", allow_actions=["LanguageDetect"], state="isolated")
DISABLED_MFA, DISABLED_MFA_ACC = account("disabledMfa", mfa=True, state="disabled")


@pytest.fixture(scope="module")
def cam(tmp_path_factory) -> Iterator[MockProcess]:
    d = fixtures_with(tmp_path_factory.mktemp("cam"), [
        CAM_ONE_ACC, CAM_TWO_ACC, CAM_NONE_ACC, CAM_NULL_ACC, MFA_ALL_ACC, DENIED_ALL_ACC,
        CAM_ISOLATED_ACC, DISABLED_MFA_ACC,
    ])
    yield from start(d)


# (account, action, allowed?)
CAM_CASES: list[tuple[str, Credentials, str, bool]] = [
    ("one: TextTranslate refused", CAM_ONE, "TextTranslate", False),
    ("one: LanguageDetect allowed", CAM_ONE, "LanguageDetect", True),
    ("one: TextTranslateBatch refused", CAM_ONE, "TextTranslateBatch", False),
    ("two: TextTranslate allowed", CAM_TWO, "TextTranslate", True),
    ("two: LanguageDetect allowed", CAM_TWO, "LanguageDetect", True),
    ("two: TextTranslateBatch refused", CAM_TWO, "TextTranslateBatch", False),
    ("empty list: LanguageDetect refused", CAM_NONE, "LanguageDetect", False),
    ("null: TextTranslate allowed", CAM_NULL, "TextTranslate", True),
    ("null: TextTranslateBatch allowed", CAM_NULL, "TextTranslateBatch", True),
]


@pytest.mark.parametrize("language, lang", LANGS, ids=["default", "zh-CN", "en-US"])
@pytest.mark.parametrize("kind", KINDS4)
@pytest.mark.parametrize("creds, action, allowed", [c[1:] for c in CAM_CASES], ids=[c[0] for c in CAM_CASES])
def test_15_cam_allow_list(cam, creds, action, allowed, kind, language, lang) -> None:
    resp = call(cam, build(cam, kind, VALID[action], creds=creds, action=action, language=language))
    if allowed:
        ok(resp)
    else:
        assert_error(resp, "AuthFailure.UnauthorizedOperation", CAM_ZH if lang == "zh" else cam_en(action))


def test_15_cam_refusal_comes_before_business_parameters(cam) -> None:
    assert_error(call(cam, build(cam, "tc3-post", {}, creds=CAM_ONE)), "AuthFailure.UnauthorizedOperation")
    # ...and the allowed action goes on to check 18.
    assert_error(call(cam, build(cam, "tc3-post", {}, creds=CAM_ONE, action="LanguageDetect")), "MissingParameter")


ORDER_CASES: list[tuple[str, Credentials, str, str]] = [
    ("mfa before the rest", MFA_ALL, "TextTranslate", "AuthFailure.MFAFailure"),
    ("service denied before CAM and state", DENIED_ALL, "TextTranslate", "UnauthorizedOperation"),
    ("CAM before state", CAM_ISOLATED, "TextTranslate", "AuthFailure.UnauthorizedOperation"),
    ("state once CAM allows", CAM_ISOLATED, "LanguageDetect", "FailedOperation.ServiceIsolate"),
    ("disabled before mfa (check 10)", DISABLED_MFA, "TextTranslate", "AuthFailure.SecretIdNotFound"),
]


@pytest.mark.parametrize("kind", ["tc3-post", "v1-sha1-get"])
@pytest.mark.parametrize("creds, action, code", [c[1:] for c in ORDER_CASES], ids=[c[0] for c in ORDER_CASES])
def test_14_16_order(cam, creds, action, code, kind) -> None:
    assert_error(call(cam, build(cam, kind, VALID[action], creds=creds, action=action)), code)


def test_13_before_15_on_a_cam_account(cam) -> None:
    assert_error(call(cam, build(cam, "tc3-post", creds=wrong_key(CAM_ONE))), "AuthFailure.SignatureFailure")


# ---------------------------------------------------------------- check 21: the free quota

FREE = {"billing": "free", "monthly_free_chars": 10, "used_chars": 0}
Q_STEPS, Q_STEPS_ACC = account("quotaSteps", **FREE)
Q_BATCH, Q_BATCH_ACC = account("quotaBatch", **FREE)
Q_FAILS, Q_FAILS_ACC = account("quotaFails", **FREE)
Q_DRY, Q_DRY_ACC = account("quotaDry", **FREE)
Q_USED, Q_USED_ACC = account("quotaUsed", billing="free", monthly_free_chars=10, used_chars=8)
Q_FULL, Q_FULL_ACC = account("quotaFull", billing="free", monthly_free_chars=10, used_chars=10)
Q_ZERO, Q_ZERO_ACC = account("quotaZero", billing="free", monthly_free_chars=0, used_chars=0)
Q_FILE, Q_FILE_ACC = account("quotaFile", billing="free")
PAID, PAID_ACC = account("paidTiny", billing="paid", monthly_free_chars=1, used_chars=100)


@pytest.fixture(scope="module")
def quota(tmp_path_factory) -> Iterator[MockProcess]:
    d = fixtures_with(tmp_path_factory.mktemp("quota"), [
        Q_STEPS_ACC, Q_BATCH_ACC, Q_FAILS_ACC, Q_DRY_ACC, Q_USED_ACC, Q_FULL_ACC, Q_ZERO_ACC,
        Q_FILE_ACC, PAID_ACC,
    ])
    yield from start(d)


SIX = "你好😀é!a"      # 6 code points (9 UTF-16 units, 14 UTF-8 bytes)
FIVE = "ab😀世c"        # 5 code points
FOUR = "😀😀😀😀"        # 4 code points (8 UTF-16 units, 16 UTF-8 bytes)


def test_21_free_quota_steps(quota) -> None:
    """10 free characters: 6 ok, 5 more refused, 4 more ok (exactly 10), then 1 more refused.
    Counted in code points; a refused request consumes nothing."""
    m = quota
    assert (len(SIX), len(FIVE), len(FOUR)) == (6, 5, 4)
    assert ok(call(m, build(m, "tc3-post", text(SIX), creds=Q_STEPS)))["UsedAmount"] == 6
    assert_error(call(m, build(m, "v1-sha1-post", text(FIVE), creds=Q_STEPS, language="zh-CN")),
                 "FailedOperation.NoFreeAmount", NO_FREE_ZH)
    assert_error(call(m, build(m, "tc3-post", text(FIVE), creds=Q_STEPS, language="en-US")),
                 "FailedOperation.NoFreeAmount", NO_FREE_EN)
    assert ok(call(m, build(m, "v1-sha256-post", text(FOUR), creds=Q_STEPS)))["UsedAmount"] == 4
    assert_error(call(m, build(m, "tc3-get", text("x"), creds=Q_STEPS)), "FailedOperation.NoFreeAmount", NO_FREE_EN)
    assert_error(call(m, build(m, "v1-sha1-get", text("x"), creds=Q_STEPS, language="en-US")),
                 "FailedOperation.NoFreeAmount", NO_FREE_EN)


def batch(items: list[str]) -> dict[str, Any]:
    return {"Source": "en", "Target": "zh", "ProjectId": 0, "SourceTextList": items}


def test_21_batch_consumes_the_sum(quota) -> None:
    m = quota
    assert ok(call(m, build(m, "tc3-post", batch(["abc", "d😀fg"]), creds=Q_BATCH, action="TextTranslateBatch")))["UsedAmount"] == 7
    assert_error(call(m, build(m, "v1-sha1-post", batch(["ab", "cd"]), creds=Q_BATCH, action="TextTranslateBatch")),
                 "FailedOperation.NoFreeAmount")
    assert ok(call(m, build(m, "v1-sha1-post", batch(["a", "b", "c"]), creds=Q_BATCH, action="TextTranslateBatch")))["UsedAmount"] == 3
    assert_error(call(m, build(m, "tc3-post", text("z"), creds=Q_BATCH)), "FailedOperation.NoFreeAmount")


def test_21_failed_requests_do_not_consume(quota) -> None:
    """Requests that fail at checks 18, 19 or 20 consume nothing: after all of them the
    whole quota (10) is still there, and not one character more."""
    m = quota
    ten = "abcdefghij"
    failures = [
        (text(ten, Target="zh-CN"), "InvalidParameterValue"),               # 19: language pair
        (text(ten, Source="ja", Target="fr"), "InvalidParameterValue"),      # 19: not a pair
        (text("1234567890", Source="auto"), "FailedOperation.LanguageRecognitionErr"),  # 19: auto
        (text(ten, Bogus="1"), "UnknownParameter"),                          # 18
        (text(ten, ProjectId="zero"), "InvalidParameter"),                   # 18
        (text(ten, DryRun=True), "DryRunOperation"),                         # 20
        (text("a" * 6000), "UnsupportedOperation.TextTooLong"),              # 19: length
    ]
    for params, code in failures:
        assert_error(call(m, build(m, "tc3-post", params, creds=Q_FAILS)), code)
    assert_error(call(m, build(m, "tc3-post", batch(["abcde", "fghij"]) | {"Target": "zh-TW", "Source": "zh"},
                                creds=Q_FAILS, action="TextTranslateBatch")), "InvalidParameterValue")
    assert ok(call(m, build(m, "tc3-post", text(ten), creds=Q_FAILS)))["UsedAmount"] == 10
    assert_error(call(m, build(m, "tc3-post", text("a"), creds=Q_FAILS)), "FailedOperation.NoFreeAmount")


def test_20_dry_run_does_not_consume_quota(quota) -> None:
    m = quota
    for kind, dry in (("tc3-post", True), ("v1-sha1-post", "true"), ("v1-sha256-get", "true")):
        assert_error(call(m, build(m, kind, text("abcdefghij", DryRun=dry), creds=Q_DRY, language="zh-CN")),
                     "DryRunOperation", DRY_RUN_ZH)
    assert_error(call(m, build(m, "tc3-post", batch(["abcde", "fghij"]) | {"DryRun": True}, creds=Q_DRY,
                                action="TextTranslateBatch")), "DryRunOperation")
    assert ok(call(m, build(m, "tc3-post", text("abcdefghij"), creds=Q_DRY)))["UsedAmount"] == 10
    assert_error(call(m, build(m, "tc3-post", text("a"), creds=Q_DRY)), "FailedOperation.NoFreeAmount")


def test_20_before_21_dry_run_on_an_exhausted_account(quota) -> None:
    """DryRun (check 20) answers before the free quota (check 21)."""
    assert_error(call(quota, build(quota, "tc3-post", text("hello", DryRun=True), creds=Q_FULL)), "DryRunOperation")
    assert_error(call(quota, build(quota, "tc3-post", text("hello"), creds=Q_FULL)), "FailedOperation.NoFreeAmount")


def test_19_before_21_on_an_exhausted_account(quota) -> None:
    """The action's rules (19) answer before the quota (21)."""
    assert_error(call(quota, build(quota, "tc3-post", text("a" * 6000), creds=Q_FULL)), "UnsupportedOperation.TextTooLong")
    assert_error(call(quota, build(quota, "tc3-post", text("hi", Target="xx"), creds=Q_FULL)), "InvalidParameterValue")


def test_21_used_chars_from_the_fixture(quota) -> None:
    m = quota
    assert_error(call(m, build(m, "tc3-post", text("abc"), creds=Q_USED)), "FailedOperation.NoFreeAmount")
    assert ok(call(m, build(m, "tc3-post", text("ab"), creds=Q_USED)))["UsedAmount"] == 2
    assert_error(call(m, build(m, "tc3-post", text("a"), creds=Q_USED)), "FailedOperation.NoFreeAmount")


def test_21_zero_quota_refuses_any_text(quota) -> None:
    m = quota
    assert_error(call(m, build(m, "tc3-post", text("a"), creds=Q_ZERO)), "FailedOperation.NoFreeAmount")
    assert_error(call(m, build(m, "v1-sha1-post", batch(["a"]), creds=Q_ZERO, action="TextTranslateBatch")),
                 "FailedOperation.NoFreeAmount")


@pytest.mark.parametrize("kind", ["tc3-post", "v1-sha1-post"])
def test_21_paid_accounts_are_never_refused(quota, kind) -> None:
    """billing paid: the quota fields are ignored, even when usage is already over them."""
    big = "世" * 5999
    for _ in range(3):
        assert ok(call(quota, build(quota, kind, text(big), creds=PAID)))["UsedAmount"] == 5999
        assert ok(call(quota, build(quota, kind, text(big))))["UsedAmount"] == 5999  # the default account


def test_21_file_translation_has_no_free_quota(quota) -> None:
    """docs/behaviour.md: no free quota for file translation; FailedOperation.UserHasNoFreeAmount."""
    params = {"Source": "en", "Target": "zh", "DocumentType": "txt", "SourceType": 1, "Data": "aGVsbG8="}
    assert_error(call(quota, build(quota, "tc3-post", params, creds=Q_FILE, action="FileTranslate")),
                 "FailedOperation.UserHasNoFreeAmount")
    assert_error(call(quota, build(quota, "tc3-post", params | {"DryRun": True}, creds=Q_FILE, action="FileTranslate")),
                 "DryRunOperation")
    inner = ok(call(quota, build(quota, "tc3-post", params, creds=PAID, action="FileTranslate")))
    assert isinstance(inner["Data"]["TaskId"], str) and inner["Data"]["TaskId"], inner


def test_21_quotas_are_per_account(quota) -> None:
    """Exhausting one free account leaves another untouched (Q_ZERO is empty, Q_FILE is fresh)."""
    assert ok(call(quota, build(quota, "tc3-post", text("abcdefghij" * 10), creds=Q_FILE)))["UsedAmount"] == 100
