"""Where a real client met the mock differently than production (issue 12; docs/fidelity.md).

Each test puts on the wire the bytes such a client sends: the harness signers produce the
same canonical requests as the official SDKs (test_signer.py), and where a client's request
has a peculiarity (a temporary SecretId, a Content-Type on a GET, a Nonce of 0, an empty
X-TC-Region, a Host of another product) the request carries exactly that.
"""
from __future__ import annotations

import time
from typing import Any, Iterator
from urllib.parse import urlencode

import pytest

from harness.admin import Admin
from harness.mockproc import ROOT, MockProcess, run_once
from harness.signer import (
    Credentials, HttpRequest, Tc3Signer, V1Signer, v1_signature, v1_source,
)
from harness.wire import (
    DEFAULT, MSG_NOT_FOUND_EN, MSG_NOT_FOUND_ZH, MSG_SIG_FAIL_EN, TEXT, assert_envelope, assert_error,
    assert_translated, build, call, host_header, msg_bad_region, msg_missing, tc3, v1,
)

FIXTURES = str(ROOT / "fixtures")

# A temporary SecretId of the real form: AKID and 64 letters, digits, `_` and `-` (68 in
# all, as tccli's STS example shows); written for this test, it belongs to no account.
STS_ID = "AKID" + "-Zy9_" * 12 + "q0Rt"
STS_KEY = "stsTemporarySecretKeyForTmtmock0000000000"
STS_TOKEN = "sts-session-token-for-tmtmock-" + "x" * 40
assert len(STS_ID) == 68

SIGN_KINDS = ("tc3-post", "tc3-get", "v1-sha1-post", "v1-sha1-get", "v1-sha256-post", "v1-sha256-get")


def _mock(*extra: str) -> Iterator[MockProcess]:
    m = MockProcess(["--fixtures", FIXTURES, "--seed", "7", "--no-rate-limit", *extra]).start()
    yield m
    code = m.stop()
    assert code in (0, -15), f"tmtmock {extra} exited {code}; stderr:\n{''.join(m.stderr_lines)}"


def ok(resp) -> dict[str, Any]:
    inner = assert_envelope(resp)
    assert "Error" not in inner, inner["Error"]
    return inner


def v1_unsigned_params(creds: Credentials = DEFAULT, **over: str | None) -> dict[str, str]:
    """v1 common parameters plus TEXT, as strings; a None in over leaves the name out."""
    params: dict[str, str | None] = {
        "Action": "TextTranslate", "Version": "2018-03-21", "Region": "ap-guangzhou",
        "Timestamp": str(int(time.time())), "Nonce": "12345", "SecretId": creds.secret_id,
        "SignatureMethod": "HmacSHA256", **{k: str(v) for k, v in TEXT.items()},
    }
    params.update(over)
    return {k: v for k, v in params.items() if v is not None}


def v1_signed(mock: MockProcess, method: str, params: dict[str, str], creds: Credentials = DEFAULT,
              content_type: str = "application/x-www-form-urlencoded") -> HttpRequest:
    """Signs params as they stand (HmacSHA256) and puts them on the wire: a GET query or a POST body."""
    signed = dict(params)
    signed["Signature"] = v1_signature(creds.secret_key, v1_source(method, host_header(mock), params),
                                       params.get("SignatureMethod", "HmacSHA1"))
    encoded = urlencode(list(signed.items()))
    headers = (("Host", host_header(mock)), ("Content-Type", content_type))
    if method == "GET":
        return HttpRequest("GET", "/?" + encoded, headers)
    return HttpRequest("POST", "/", headers, encoded.encode("ascii"))


# ---------------------------------------------------------------- 1. temporary credentials


@pytest.mark.parametrize("kind", SIGN_KINDS)
def test_1_temporary_secret_id_of_the_real_form(mock: MockProcess, adm: Admin, kind: str) -> None:
    creds = adm.new_account(secret_id=STS_ID, secret_key=STS_KEY, token=STS_TOKEN)
    assert_translated(call(mock, build(mock, kind, creds=creds)), TEXT["SourceText"])
    # The token is still demanded of it.
    no_token = Credentials(STS_ID, STS_KEY)
    assert_error(call(mock, build(mock, kind, creds=no_token)), "AuthFailure.TokenFailure")


def test_1_an_id_in_the_store_is_well_formed(mock: MockProcess, adm: Admin) -> None:
    creds = adm.new_account(secret_id="AKID" + "a" * 20)      # not of the AKID form at all
    for kind in ("tc3-post", "v1-sha1-get"):
        assert_translated(call(mock, build(mock, kind, creds=creds)), TEXT["SourceText"])


@pytest.mark.parametrize("kind", ["tc3-post", "v1-sha256-get"])
def test_1_unknown_temporary_id_is_not_found(mock: MockProcess, kind: str) -> None:
    creds = Credentials(STS_ID, STS_KEY, STS_TOKEN)
    assert_error(call(mock, build(mock, kind, creds=creds)), "AuthFailure.SecretIdNotFound", MSG_NOT_FOUND_EN)


# ---------------------------------------------------------------- 2. invalid vs not found


# What the Node SDK sends for a credential key spelt `SecretId` (credential.secretId is then
# undefined, or null without a credential object), and a numeric app id used as the key.
@pytest.mark.parametrize("secret_id", ["undefined", "null", "1400000000", "190000"])
@pytest.mark.parametrize("kind", ["tc3-post", "tc3-get", "v1-sha1-post"])
def test_2_not_a_cloud_key_is_not_found(mock: MockProcess, kind: str, secret_id: str) -> None:
    creds = Credentials(secret_id, "whatever")
    assert_error(call(mock, build(mock, kind, creds=creds)), "AuthFailure.SecretIdNotFound", MSG_NOT_FOUND_EN)


@pytest.mark.parametrize("secret_id", ["AKIDshort", "AKID" + "x" * 31 + "!"])
def test_2_a_broken_akid_is_invalid(mock: MockProcess, secret_id: str) -> None:
    creds = Credentials(secret_id, "whatever")
    assert_error(call(mock, build(mock, "tc3-post", creds=creds)), "AuthFailure.InvalidSecretId")


# ---------------------------------------------------------------- 3. default language


@pytest.mark.parametrize("kind", ["tc3-post", "v1-sha1-get"])
def test_3_no_language_is_english(mock: MockProcess, kind: str) -> None:
    unknown = Credentials("AKID" + "Q" * 32, "k")
    assert_error(call(mock, build(mock, kind, creds=unknown)), "AuthFailure.SecretIdNotFound", MSG_NOT_FOUND_EN)
    assert_error(call(mock, build(mock, kind, creds=unknown, language="zh-CN")),
                 "AuthFailure.SecretIdNotFound", MSG_NOT_FOUND_ZH)


# ---------------------------------------------------------------- 4. a GET's parameters


@pytest.mark.parametrize("ctype", ["application/json", "application/json; charset=utf-8", "text/plain"])
def test_4_v1_get_labelled_json_reads_its_query(mock: MockProcess, ctype: str) -> None:
    req = v1_signed(mock, "GET", v1_unsigned_params(), content_type=ctype)
    assert_translated(call(mock, req), TEXT["SourceText"])


def test_4_tc3_get_labelled_json_reads_its_query(mock: MockProcess) -> None:
    # content-type is signed: the client signs the value it sends.
    req = tc3(mock, content_type="application/json").get(TEXT).request
    assert req.header("Content-Type") == "application/json" and req.body == b""
    assert_translated(call(mock, req), TEXT["SourceText"])


def test_4_v1_post_form_labelled_json_says_what_it_got(mock: MockProcess) -> None:
    req = v1_signed(mock, "POST", v1_unsigned_params(), content_type="application/json")
    err = assert_error(call(mock, req), "InvalidParameter")
    assert "application/json" in err["Message"] and "`Signature`" in err["Message"], err
    assert "x-www-form-urlencoded" in err["Message"], err


def test_4_signature_decides_the_scheme(mock: MockProcess) -> None:
    """A v1 GET that also carries TC3 headers (X-TC-Action) is v1: its Signature says so."""
    req = v1_signed(mock, "GET", v1_unsigned_params())
    req = req.with_header("X-TC-Action", "TextTranslate").with_header("X-TC-Version", "2018-03-21")
    assert_translated(call(mock, req), TEXT["SourceText"])


# ---------------------------------------------------------------- 6. v1 Nonce


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("nonce", ["abc", "-5", "+5", "1.5", "0x10", " 7", "99999999999999999999999"])
def test_6_nonce_type_error(mock: MockProcess, method: str, nonce: str) -> None:
    req = v1_signed(mock, method, v1_unsigned_params(Nonce=nonce))
    assert_error(call(mock, req), "InvalidParameter", "Parameter `Nonce` type error.")


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_6_nonce_missing(mock: MockProcess, method: str) -> None:
    req = v1_signed(mock, method, v1_unsigned_params(Nonce=None))
    assert_error(call(mock, req), "MissingParameter", msg_missing("Nonce"))


# 0 is what Node's Math.round(Math.random() * 65535) can draw; Go sends 63-bit ones.
@pytest.mark.parametrize("nonce", ["0", "1", "65535", "5577006791947779410", "9223372036854775807"])
def test_6_nonce_integers(mock: MockProcess, nonce: str) -> None:
    for method in ("GET", "POST"):
        assert_translated(call(mock, v1_signed(mock, method, v1_unsigned_params(Nonce=nonce))), TEXT["SourceText"])


def test_6_tc3_has_no_nonce(mock: MockProcess) -> None:
    assert_translated(call(mock, build(mock, "tc3-post")), TEXT["SourceText"])


# ---------------------------------------------------------------- 7. empty region


@pytest.mark.parametrize("kind", ["tc3-post", "tc3-get"])
def test_7_empty_x_tc_region(mock: MockProcess, kind: str) -> None:
    req = build(mock, kind, region="")
    assert req.header("X-TC-Region") == ""
    assert_error(call(mock, req), "InvalidParameterValue", msg_bad_region("X-TC-Region"))


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_7_empty_v1_region(mock: MockProcess, method: str) -> None:
    req = v1_signed(mock, method, v1_unsigned_params(Region=""))
    assert_error(call(mock, req), "InvalidParameterValue", msg_bad_region("Region"))


def test_7_absent_region_is_still_missing(mock: MockProcess) -> None:
    assert_error(call(mock, build(mock, "tc3-post", region=None)), "MissingParameter", msg_missing("Region"))


# ---------------------------------------------------------------- 9. LanguageDetect


@pytest.mark.parametrize("text, lang", [
    ("Guten Morgen, wie geht es dir heute?", "de"),
    ("こんにちは、今日はいい天気ですね。", "jp"),
    ("안녕하세요 오늘 날씨가 좋네요", "kr"),
    ("สวัสดีครับ วันนี้อากาศดี", "th"),
])
def test_9_documented_codes(mock: MockProcess, text: str, lang: str) -> None:
    inner = ok(call(mock, build(mock, "tc3-post", {"Text": text, "ProjectId": 0}, action="LanguageDetect")))
    assert inner["Lang"] == lang, inner


@pytest.mark.parametrize("text, lang", [("مرحبا بالعالم، كيف حالك اليوم", "ar"), ("नमस्ते दुनिया, आज आप कैसे हैं", "hi")])
def test_9_undocumented_languages_are_not_recognised(mock: MockProcess, text: str, lang: str) -> None:
    assert_error(call(mock, build(mock, "tc3-post", {"Text": text, "ProjectId": 0}, action="LanguageDetect")),
                 "FailedOperation.LanguageRecognitionErr")
    # Source auto still knows them.
    inner = ok(call(mock, build(mock, "tc3-post", {"SourceText": text, "Source": "auto", "Target": "en",
                                                     "ProjectId": 0})))
    assert inner["Source"] == lang, inner


# ---------------------------------------------------------------- 10. service name vs host


@pytest.mark.parametrize("host, service", [
    ("cvm.tencentcloudapi.com", "cvm"),
    ("cvm.ap-guangzhou.tencentcloudapi.com", "cvm"),
    ("CVM.TencentCloudAPI.com", "CVM"),
    ("cvm.tencentcloudapi.com.", "cvm"),
    ("cvm.tencentcloudapi.com:443", "cvm"),
])
def test_10_named_host_of_another_product_is_refused(mock: MockProcess, host: str, service: str) -> None:
    req = Tc3Signer(DEFAULT, host=host, service=service).post(TEXT).request
    assert_error(call(mock, req), "AuthFailure.SignatureFailure", MSG_SIG_FAIL_EN)


@pytest.mark.parametrize("host, service", [
    ("tmt.tencentcloudapi.com", "tmt"),
    ("tmt.ap-guangzhou.tencentcloudapi.com", "tmt"),
    ("127.0.0.1:9000", "127"),            # Node and Java: the first label of an IP endpoint
    ("localhost:9000", "localhost:9000"),
    ("tmtmock.internal", "tmtmock"),      # a name that is no Tencent product's
])
def test_10_endpoints_naming_no_other_product_pass(mock: MockProcess, host: str, service: str) -> None:
    req = Tc3Signer(DEFAULT, host=host, service=service).post(TEXT).request
    assert_translated(call(mock, req), TEXT["SourceText"])


# ---------------------------------------------------------------- 5. the definition moves

DEFS = ROOT / "mock_server" / "tests" / "vectors" / "api-definitions.json"


@pytest.fixture(scope="module")
def before_mode() -> Iterator[MockProcess]:
    yield from _mock("--api-version-date", "2026-06-23")


@pytest.fixture(scope="module")
def old_2024() -> Iterator[MockProcess]:
    yield from _mock("--api-version-date", "2024-07-03")


@pytest.fixture(scope="module")
def newest_2026() -> Iterator[MockProcess]:
    yield from _mock("--api-version-date", "2026-07-10")


def llm(mock: MockProcess, params: dict[str, Any], form: bool = False):
    signer = tc3(mock, action="ImageTranslateLLM")
    return call(mock, (signer.get(params) if form else signer.post(params)).request)


def png_b64() -> str:
    """A 1x1 PNG, base64: an image ImageTranslateLLM decodes (the default image fixture answers it)."""
    import base64
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)) \
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff")) + chunk(b"IEND", b"")
    return base64.b64encode(raw).decode("ascii")


# Python SDK 3.1.121 and later send Mode (an int64, 0 or 1, default 0) whenever it is set.
@pytest.mark.parametrize("mode", [0, 1])
@pytest.mark.parametrize("form", [False, True], ids=["json", "get"])
def test_5_image_translate_llm_mode(mock: MockProcess, mode: int, form: bool) -> None:
    params = {"Data": png_b64(), "Target": "zh", "Mode": mode}
    inner = ok(llm(mock, params, form))
    assert inner["Target"] == "zh" and inner["TargetText"], inner


def test_5_mode_values(mock: MockProcess) -> None:
    base = {"Data": png_b64(), "Target": "zh"}
    assert_error(llm(mock, base | {"Mode": 2}), "InvalidParameterValue")
    assert_error(llm(mock, base | {"Mode": "0"}), "InvalidParameter", "Parameter `Mode` type error.")


def test_5_pinned_before_mode(before_mode: MockProcess) -> None:
    m = before_mode
    base = {"Data": png_b64(), "Target": "zh"}
    ok(llm(m, base))
    assert_error(llm(m, base | {"Mode": 0}), "UnknownParameter", "The parameter `Mode` is not recognized.")
    # Six actions were dropped on 2026-03-13: LanguageDetect is no longer in that definition.
    assert_error(call(m, build(m, "tc3-post", {"Text": "hello", "ProjectId": 0}, action="LanguageDetect")),
                 "InvalidAction", "The request `Action` is invalid or not found.")
    assert_translated(call(m, build(m, "tc3-post")), TEXT["SourceText"])


def test_5_pinned_2024(old_2024: MockProcess) -> None:
    m = old_2024
    assert_error(call(m, build(m, "tc3-post", TEXT | {"TermRepoIDList": ["a"]})),
                 "UnknownParameter", "The parameter `TermRepoIDList` is not recognized.")
    assert_error(call(m, build(m, "tc3-post", {"Data": "", "Target": "zh"}, action="ImageTranslateLLM")),
                 "InvalidAction")
    ok(call(m, build(m, "tc3-post", {"Text": "hello", "ProjectId": 0}, action="LanguageDetect")))


def test_5_pinned_after_text_translate_went(newest_2026: MockProcess) -> None:
    m = newest_2026
    assert_error(call(m, build(m, "tc3-post")), "InvalidAction")
    ok(llm(m, {"Data": png_b64(), "Target": "zh", "Mode": 1}))


def test_5_default_serves_every_action_at_its_newest(mock: MockProcess) -> None:
    assert_translated(call(mock, build(mock, "tc3-post", TEXT | {"TermRepoIDList": ["a"]})), TEXT["SourceText"])
    ok(call(mock, build(mock, "tc3-post", {"Text": "hello", "ProjectId": 0}, action="LanguageDetect")))


@pytest.mark.parametrize("date", ["2020-09-06", "2026-13-01", "2026-6-24", "yesterday", "2026-06-24x"])
def test_5_bad_dates_exit_2(date: str) -> None:
    r = run_once(["--api-version-date", date], timeout=5)
    assert r.returncode == 2, r
    assert "--api-version-date" in r.stderr, r.stderr


def test_5_help_lists_the_option() -> None:
    r = run_once(["--help"], timeout=5)
    assert r.returncode == 0 and "--api-version-date" in r.stdout, r


def _tccli_revisions(git_dir: str) -> list[dict[str, Any]]:
    """The TMT facts of every api.json revision in a tccli git directory, as the data file holds them."""
    import json
    import subprocess
    path = "tccli/services/tmt/v20180321/api.json"
    log = subprocess.run(["git", "-C", git_dir, "log", "--reverse", "--format=%H %ad", "--date=short", "--", path],
                         capture_output=True, text=True, check=True).stdout.split()
    out: list[dict[str, Any]] = []
    for commit, date in zip(log[::2], log[1::2]):
        shown = subprocess.run(["git", "-C", git_dir, "show", f"{commit}:{path}"], capture_output=True, text=True)
        if shown.returncode != 0:
            continue
        d = json.loads(shown.stdout)
        actions = {}
        for name, a in sorted(d["actions"].items()):
            params = []
            for m in d["objects"][a["input"]]["members"]:
                t = "list of " + m["member"] if m["type"] == "list" else m["type"]
                p = {"name": m["name"], "type": t, "required": bool(m.get("required"))}
                if m.get("disabled"):
                    p["disabled"] = True
                params.append(p)
            actions[name] = params
        if not out or out[-1]["actions"] != actions:
            out.append({"date": date, "commit": commit, "actions": actions})
    return out


def test_5_data_file_matches_the_published_history() -> None:
    """The committed facts against tccli's history itself, when a clone is at hand
    (TMTMOCK_TCCLI_GIT: a tccli git directory, bare or not); CI has none and skips."""
    import json
    import os
    git_dir = os.environ.get("TMTMOCK_TCCLI_GIT")
    if not git_dir or not os.path.isdir(git_dir):
        pytest.skip("TMTMOCK_TCCLI_GIT does not name a tccli git directory")
    committed = json.loads(DEFS.read_text())["vectors"]
    assert _tccli_revisions(git_dir) == committed
