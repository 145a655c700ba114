"""The mock on the wire, part 1: the envelope, TextTranslate successes, and checks 1-7
of docs/behaviour.md ("Order of checks": method, size, body decoding, common parameters, Action,
Version, Region). Auth checks 8-13 and the modes live in test_wire_auth.py."""
from __future__ import annotations

import json
from dataclasses import replace
from typing import Any, Callable

import pytest

from harness.signer import HttpRequest, V1Signed
from harness.wire import (
    KINDS,
    MSG_INVALID_ACTION,
    MSG_SIZE_V1,
    MSG_SPLIT,
    MSG_UNSUPPORTED_REGION,
    TEMPORARY,
    TEXT,
    assert_envelope,
    assert_error,
    assert_translated,
    build,
    call,
    host_header,
    msg_bad_region,
    msg_missing,
    msg_no_such_version,
    tc3,
    v1,
    v1_request,
)

UNICODE = "hello 世界 😀"  # 10 code points, 11 UTF-16 units, 17 UTF-8 bytes
TMT_REGIONS = (
    "ap-bangkok ap-beijing ap-chengdu ap-chongqing ap-guangzhou ap-hongkong ap-mumbai ap-seoul "
    "ap-shanghai ap-shanghai-fsi ap-shenzhen-fsi ap-singapore eu-frankfurt na-ashburn "
    "na-siliconvalley na-toronto"
).split()
OTHER_ACTIONS = (
    "TextTranslateBatch", "LanguageDetect", "SpeechTranslate", "ImageTranslate",
    "ImageTranslateLLM", "FileTranslate", "GetFileTranslate",
)
V3_KINDS = ("tc3-post", "tc3-get")


def text(source_text: str) -> dict[str, Any]:
    return dict(TEXT, SourceText=source_text)


# ---------------------------------------------------------------- success and the envelope


# Texts that must survive each encoding: UTF-8, '+' vs space, '%', '&' and '=' inside a value.
TEXTS = ["hello", UNICODE, "a+b c%20d&e=f%", "<b>'\"~!*()/?#[]@$,;:</b>"]


@pytest.mark.parametrize("source_text", TEXTS, ids=["ascii", "unicode", "form-specials", "punctuation"])
@pytest.mark.parametrize("kind", KINDS)
def test_text_translate_success(mock, kind: str, source_text: str) -> None:
    assert_translated(call(mock, build(mock, kind, text(source_text))), source_text)


@pytest.mark.parametrize("kind", KINDS)
def test_temporary_account_with_its_token_succeeds(mock, kind: str) -> None:
    assert_translated(call(mock, build(mock, kind, creds=TEMPORARY)), "hello")


def test_used_amount_counts_code_points_not_bytes_or_utf16_units(mock) -> None:
    s = "😀😀é世"
    inner = assert_translated(call(mock, build(mock, "tc3-post", text(s))), s)
    assert inner["UsedAmount"] == 4


def test_request_ids_differ_between_requests(mock) -> None:
    ids = {assert_envelope(call(mock, build(mock, "tc3-post")))["RequestId"] for _ in range(5)}
    assert len(ids) == 5


def test_python_sdk_style_body_spaces_and_u_escapes(mock) -> None:
    """The Python SDK sends json.dumps defaults: ", " / ": " and \\uXXXX escapes (docs/behaviour.md, TC3)."""
    body = json.dumps(text(UNICODE))
    assert "\\u4e16" in body and ", " in body
    assert_translated(call(mock, tc3(mock).post(body=body).request), UNICODE)


@pytest.mark.parametrize("style", ["lower", "go"])
def test_v3_header_names_are_case_insensitive(mock, style: str) -> None:
    req = build(mock, "tc3-post")
    rename: Callable[[str], str] = str.lower if style == "lower" else (
        lambda n: "-".join(p.capitalize() for p in n.split("-"))  # X-Tc-Action, as Go sends
    )
    req = replace(req, headers=tuple((rename(k), v) for k, v in req.headers))
    assert_translated(call(mock, req), "hello")


def test_java_content_type_with_charset_is_accepted(mock) -> None:
    """Spec 2.1/2.6: the Java SDK sends and signs `application/json; charset=utf-8`."""
    req = tc3(mock, content_type="application/json; charset=utf-8").post(TEXT).request
    assert_translated(call(mock, req), "hello")


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_v1_without_signature_method_defaults_to_hmacsha1(mock, method: str) -> None:
    s = v1(mock, signature_method=None)
    req = (s.get(TEXT) if method == "GET" else s.post(TEXT)).request
    assert_translated(call(mock, req), "hello")


def test_tc3_get_node_style_query_percent20_insertion_order(mock) -> None:
    """Node encodes space as %20, in insertion order; the raw query is what is signed (docs/behaviour.md)."""
    query = "SourceText=hello%20%E4%B8%96%E7%95%8C%20%3Cb%3E%26&Source=en&Target=zh&ProjectId=0"
    assert_translated(call(mock, tc3(mock).get(query=query).request), "hello 世界 <b>&")


def test_v1_get_without_content_type(mock) -> None:
    """Go's v1 GET sends no Content-Type at all (docs/behaviour.md, v1)."""
    req = v1(mock, content_type="").get(TEXT).request
    assert req.header("Content-Type") is None
    assert_translated(call(mock, req), "hello")


@pytest.mark.parametrize("extra", ["&", "&&", "&&&"])
def test_v1_empty_query_segments_are_ignored(mock, extra: str) -> None:
    req = build(mock, "v1-sha1-get")
    assert_translated(call(mock, replace(req, target=req.target + extra)), "hello")


def test_tc3_unsigned_payload_succeeds(mock) -> None:
    assert_translated(call(mock, tc3(mock, unsigned_payload=True).post(TEXT).request), "hello")


@pytest.mark.parametrize("region", TMT_REGIONS)
@pytest.mark.parametrize("kind", ["tc3-post", "v1-sha256-get"])
def test_every_tmt_region_is_served(mock, kind: str, region: str) -> None:
    assert_translated(call(mock, build(mock, kind, region=region)), "hello")


# ---------------------------------------------------------------- check 1: method


@pytest.mark.parametrize("signed", [True, False], ids=["signed", "bare"])
@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_1_unsupported_method(mock, method: str, signed: bool) -> None:
    if signed:
        req = build(mock, "tc3-post").with_method(method)
    else:
        req = HttpRequest(method, "/", (("Host", host_header(mock)),))
    assert_error(call(mock, req), "UnsupportedProtocol")


# ---------------------------------------------------------------- check 2: size


def _target_of_length(n: int) -> str:
    prefix = "/?SourceText="
    return prefix + "a" * (n - len(prefix))


def test_2_get_uri_over_32k_is_html_414(mock) -> None:
    target = _target_of_length(32769)
    assert len(target) == 32769
    resp = call(mock, HttpRequest("GET", target, (("Host", host_header(mock)),)))
    assert resp.status == 414
    assert (resp.header("Content-Type") or "").startswith("text/html")


def test_2_get_uri_of_exactly_32k_is_served(mock) -> None:
    target = _target_of_length(32768)
    resp = call(mock, HttpRequest("GET", target, (("Host", host_header(mock)),)))
    assert_error(resp, "MissingParameter", msg_missing("Action"))


def test_2_signed_get_uri_over_32k_is_html_414(mock) -> None:
    req = build(mock, "tc3-get", text("a" * 33000))
    assert len(req.target) > 32768
    resp = call(mock, req)
    assert resp.status == 414 and (resp.header("Content-Type") or "").startswith("text/html")


MIB = 1024 * 1024


def _form_body(n: int) -> bytes:
    prefix = b"Action=TextTranslate&SourceText="
    return prefix + b"a" * (n - len(prefix))


@pytest.mark.parametrize(
    "size, code, message",
    [
        (MIB + 1, "AuthFailure.SignatureFailure", MSG_SIZE_V1),
        (MIB, "MissingParameter", msg_missing("Version")),
    ],
)
def test_2_v1_form_body_limit_1mib(mock, size: int, code: str, message: str) -> None:
    body = _form_body(size)
    assert len(body) == size
    headers = (("Host", host_header(mock)), ("Content-Type", "application/x-www-form-urlencoded"))
    assert_error(call(mock, HttpRequest("POST", "/", headers, body)), code, message)


def test_2_signed_v1_form_body_over_1mib(mock) -> None:
    req = build(mock, "v1-sha256-post", text("a" * (MIB + 10)))
    assert_error(call(mock, req), "AuthFailure.SignatureFailure", MSG_SIZE_V1)


def _json_body(n: int) -> bytes:
    prefix, suffix = b'{"SourceText":"', b'"}'
    return prefix + b"a" * (n - len(prefix) - len(suffix)) + suffix


@pytest.mark.parametrize(
    "size, code, message",
    [
        (10 * MIB + 1, "RequestSizeLimitExceeded", None),
        (10 * MIB, "MissingParameter", msg_missing("Action")),
    ],
)
def test_2_json_body_limit_10mib(mock, size: int, code: str, message: str | None) -> None:
    body = _json_body(size)
    assert len(body) == size
    headers = (("Host", host_header(mock)), ("Content-Type", "application/json"))
    assert_error(call(mock, HttpRequest("POST", "/", headers, body)), code, message)


def test_2_signed_json_body_over_10mib(mock) -> None:
    req = tc3(mock).post(body=_json_body(10 * MIB + 100)).request
    assert_error(call(mock, req), "RequestSizeLimitExceeded")


# ---------------------------------------------------------------- check 3: body decoding


@pytest.mark.parametrize(
    "body",
    [b"[]", b'"text"', b"42", b"null", b"{", b"", b'{"SourceText":"a"} x', b'{"SourceText":"\xff"}',
     b'{"SourceText":"\xe4\xb8"}'],
    ids=["array", "string", "number", "null", "truncated", "empty", "trailing", "bad-utf8", "cut-utf8"],
)
def test_3_json_body_not_an_object(mock, body: bytes) -> None:
    assert_error(call(mock, tc3(mock).post(body=body).request), "InvalidParameter")


def _split(req: HttpRequest, where: str, junk: str) -> HttpRequest:
    if where == "query":
        return replace(req, target=req.target + "&" + junk)
    return req.with_body(req.body + b"&" + junk.encode())


@pytest.mark.parametrize("junk", ["foo", "SourceText"])
@pytest.mark.parametrize("kind", ["v1-sha1-get", "v1-sha1-post", "tc3-get"])
def test_3_segment_without_equals(mock, kind: str, junk: str) -> None:
    req = build(mock, kind)
    req = _split(req, "body" if kind.endswith("post") else "query", junk)
    assert_error(call(mock, req), "InvalidParameter", MSG_SPLIT)


def test_3_segment_without_equals_first(mock) -> None:
    req = build(mock, "v1-sha1-get")
    req = replace(req, target="/?foo&" + req.query)
    assert_error(call(mock, req), "InvalidParameter", MSG_SPLIT)


def test_3_signed_tc3_get_with_raw_bad_query(mock) -> None:
    req = tc3(mock).get(query="SourceText=hello&Source=en&Target&ProjectId=0").request
    assert_error(call(mock, req), "InvalidParameter", MSG_SPLIT)


@pytest.mark.parametrize("ctype", ["text/plain", ""], ids=["text-plain", "none"])
@pytest.mark.parametrize("kind", ["tc3-post", "v1-sha1-post"])
def test_3_post_with_other_content_type(mock, kind: str, ctype: str) -> None:
    req = build(mock, kind, content_type=ctype)
    assert req.header("Content-Type") == (ctype or None)
    assert_error(call(mock, req), "InvalidParameter")


# ---------------------------------------------------------------- check 4: common parameters

V3_HEADER = {
    "Action": "X-TC-Action", "Version": "X-TC-Version", "Region": "X-TC-Region",
    "Timestamp": "X-TC-Timestamp", "Authorization": "Authorization",
}


@pytest.mark.parametrize(
    "dropped, named",
    [
        (["Action"], "Action"),
        (["Version"], "Version"),
        (["Region"], "Region"),
        (["Timestamp"], "Timestamp"),
        (["Authorization"], "Authorization"),
        (["Action", "Version", "Region", "Timestamp", "Authorization"], "Action"),
        (["Version", "Region", "Timestamp", "Authorization"], "Version"),
        (["Region", "Timestamp", "Authorization"], "Region"),
        (["Timestamp", "Authorization"], "Timestamp"),
    ],
)
@pytest.mark.parametrize("kind", V3_KINDS)
def test_4_v3_missing_common_parameter(mock, kind: str, dropped: list[str], named: str) -> None:
    req = build(mock, kind)
    for name in dropped:
        req = req.without_header(V3_HEADER[name])
    # (a GET without Authorization and X-TC-Action is v1: still `Action` first)
    assert_error(call(mock, req), "MissingParameter", msg_missing(named))


def _v1_signed(mock, kind: str, **kw: Any) -> V1Signed:
    s = v1(mock, signature_method="HmacSHA256", **kw)
    return s.get(TEXT) if kind.endswith("get") else s.post(TEXT)


V1_ORDER = ["Action", "Version", "Region", "Timestamp", "SecretId", "Signature"]


@pytest.mark.parametrize(
    "dropped", [[n] for n in V1_ORDER] + [V1_ORDER[i:] for i in range(len(V1_ORDER) - 1)],
    ids=lambda d: "+".join(d),
)
@pytest.mark.parametrize("kind", ["v1-get", "v1-post"])
def test_4_v1_missing_common_parameter(mock, kind: str, dropped: list[str]) -> None:
    signed = _v1_signed(mock, kind)
    params = {k: v for k, v in signed.params.items() if k not in dropped}
    req = v1_request(mock, "GET" if kind == "v1-get" else "POST", params)
    assert_error(call(mock, req), "MissingParameter", msg_missing(dropped[0]))


@pytest.mark.parametrize("value", ["abc", "1.5", "1795747109x", "0x10"])
@pytest.mark.parametrize("kind", ["tc3-post", "tc3-get", "v1-sha1-get", "v1-sha1-post"])
def test_4_timestamp_not_an_integer(mock, kind: str, value: str) -> None:
    req = build(mock, kind, timestamp=value)
    assert_error(call(mock, req), "InvalidParameter", "Parameter `Timestamp` type error.")


# ---------------------------------------------------------------- check 5: Action


@pytest.mark.parametrize("action", ["DescribeInstances", "TextTranslateX", "texttranslate"])
@pytest.mark.parametrize("kind", ["tc3-post", "tc3-get", "v1-sha1-get", "v1-sha256-post"])
def test_5_invalid_action(mock, kind: str, action: str) -> None:
    assert_error(call(mock, build(mock, kind, action=action)), "InvalidAction", MSG_INVALID_ACTION)


@pytest.mark.parametrize("action", OTHER_ACTIONS)
@pytest.mark.parametrize("kind", ["tc3-post", "v1-sha1-get"])
def test_5_other_tmt_actions_pass_the_action_check(mock, kind: str, action: str) -> None:
    """Sent TextTranslate's parameters, each other action gets past check 5 and
    stops at its own parameter check (18): some of those names are not its own."""
    err = assert_error(call(mock, build(mock, kind, action=action)), "UnknownParameter")
    assert err["Message"].startswith("The parameter `"), err


# ---------------------------------------------------------------- check 6: Version


@pytest.mark.parametrize("version", ["2019-01-01", "2017-03-12", "2018-03-22"])
@pytest.mark.parametrize("kind", ["tc3-post", "tc3-get", "v1-sha1-get", "v1-sha256-post"])
def test_6_no_such_version(mock, kind: str, version: str) -> None:
    assert_error(call(mock, build(mock, kind, version=version)), "NoSuchVersion", msg_no_such_version(version))


# ---------------------------------------------------------------- check 7: Region


@pytest.mark.parametrize("region", ["gz", "AP-GUANGZHOU", "ap_guangzhou", "ap-guangzhou-", "apguangzhou", "ap-1"])
@pytest.mark.parametrize("kind", KINDS)
def test_7_malformed_region(mock, kind: str, region: str) -> None:
    name = "X-TC-Region" if kind.startswith("tc3") else "Region"
    assert_error(call(mock, build(mock, kind, region=region)), "InvalidParameterValue", msg_bad_region(name))


@pytest.mark.parametrize("region", ["ap-tokyo", "eu-moscow", "ap-nanjing", "ap-guangzhou-1"])
@pytest.mark.parametrize("kind", ["tc3-post", "tc3-get", "v1-sha1-get", "v1-sha256-post"])
def test_7_region_without_tmt(mock, kind: str, region: str) -> None:
    assert_error(call(mock, build(mock, kind, region=region)), "UnsupportedRegion", MSG_UNSUPPORTED_REGION)


# ---------------------------------------------------------------- TextTranslate parameters


@pytest.mark.parametrize("name", ["SourceText", "Source", "Target", "ProjectId"])
@pytest.mark.parametrize("kind", ["tc3-post", "tc3-get", "v1-sha1-get", "v1-sha256-post"])
def test_text_translate_missing_parameter(mock, kind: str, name: str) -> None:
    params = {k: v for k, v in TEXT.items() if k != name}
    assert_error(call(mock, build(mock, kind, params)), "MissingParameter", msg_missing(name))

