"""The mock on the wire, part 2: checks 8-13 of docs/behaviour.md ("Order of checks": Authorization
form, SecretId form, SecretId known, timestamp window, token, signature), the order of
the checks, message language, signature leniency vs --strict-signature, --auth off and
--seed."""
from __future__ import annotations

import re
import time
from dataclasses import replace
from typing import Any, Callable, Iterator

import pytest

from harness.mockproc import ROOT, MockProcess
from harness.signer import Credentials, HttpRequest, utc_date
from harness.wire import (
    DEFAULT,
    DISABLED,
    EXPIRED,
    KINDS,
    MSG_EXPIRED,
    MSG_NOT_FOUND_EN,
    MSG_NOT_FOUND_ZH,
    MSG_SIG_FAIL_EN,
    MSG_SIG_FAIL_ZH,
    TEMPORARY,
    TEXT,
    UNKNOWN,
    assert_envelope,
    assert_error,
    assert_translated,
    build,
    call,
    tc3,
    v1,
    v1_request,
)

FIXTURES = str(ROOT / "fixtures")


def _mock(*extra: str) -> Iterator[MockProcess]:
    m = MockProcess(["--fixtures", FIXTURES, "--seed", "42", "--no-rate-limit", *extra]).start()
    yield m
    code = m.stop()
    assert code in (0, -15), f"tmtmock {extra} exited {code}; stderr:\n{''.join(m.stderr_lines)}"


@pytest.fixture(scope="module")
def strict() -> Iterator[MockProcess]:
    yield from _mock("--strict-signature")


@pytest.fixture(scope="module")
def auth_off() -> Iterator[MockProcess]:
    yield from _mock("--auth", "off")


def wrong_key(creds: Credentials) -> Credentials:
    return replace(creds, secret_key=creds.secret_key + "x")


def mutate_auth(req: HttpRequest, f: Callable[[str], str]) -> HttpRequest:
    auth = req.header("Authorization")
    assert auth is not None
    return req.with_header("Authorization", f(auth))


# ---------------------------------------------------------------- check 8: Authorization form

AUTH_MUTATIONS: list[tuple[str, Callable[[str], str]]] = [
    ("algorithm TC3-HMAC-SHA1", lambda a: a.replace("TC3-HMAC-SHA256 ", "TC3-HMAC-SHA1 ", 1)),
    ("algorithm lower-case", lambda a: a.replace("TC3-HMAC-SHA256 ", "tc3-hmac-sha256 ", 1)),
    ("no algorithm", lambda a: a.split(" ", 1)[1]),
    ("bearer", lambda a: "Bearer abcdef"),
    ("empty", lambda a: ""),
    ("scope tc4_request", lambda a: a.replace("/tc3_request,", "/tc4_request,")),
    ("scope date YYYYMMDD", lambda a: re.sub(r"/(\d{4})-(\d{2})-(\d{2})/", r"/\1\2\3/", a)),
    ("scope without service", lambda a: a.replace("/tmt/tc3_request", "/tc3_request")),
    ("scope empty service", lambda a: a.replace("/tmt/tc3_request", "//tc3_request")),
    ("no Credential", lambda a: re.sub(r"Credential=[^,]*, ", "", a)),
    ("SignedHeaders empty", lambda a: re.sub(r"SignedHeaders=[^,]*", "SignedHeaders=", a)),
    ("SignedHeaders without host", lambda a: re.sub(r"SignedHeaders=[^,]*", "SignedHeaders=content-type", a)),
    ("SignedHeaders without content-type", lambda a: re.sub(r"SignedHeaders=[^,]*", "SignedHeaders=host", a)),
    ("no SignedHeaders", lambda a: re.sub(r"SignedHeaders=[^,]*, ", "", a)),
    ("Signature upper-case", lambda a: re.sub(r"Signature=(\w+)", lambda m: "Signature=" + m[1].upper(), a)),
    ("Signature 63 hex", lambda a: a[:-1]),
    ("Signature 65 hex", lambda a: a + "0"),
    ("Signature not hex", lambda a: a[:-1] + "g"),
    ("no Signature", lambda a: re.sub(r", Signature=\w+", "", a)),
]


@pytest.mark.parametrize("mutation", [f for _, f in AUTH_MUTATIONS], ids=[n for n, _ in AUTH_MUTATIONS])
@pytest.mark.parametrize("kind", ["tc3-post", "tc3-get"])
def test_8_malformed_authorization(mock, kind: str, mutation: Callable[[str], str]) -> None:
    req = mutate_auth(build(mock, kind), mutation)
    assert_error(call(mock, req), "AuthFailure.InvalidAuthorization")


@pytest.mark.parametrize("method", ["HmacMD5", "hmacsha256", "HmacSHA512", "HMACSHA1"])
@pytest.mark.parametrize("kind", ["v1-sha1-get", "v1-sha1-post"])
def test_8_v1_unknown_signature_method(mock, kind: str, method: str) -> None:
    err = assert_error(call(mock, build(mock, kind, signature_method=method)), "InvalidParameterValue")
    assert "`SignatureMethod`" in err["Message"], err


# ---------------------------------------------------------------- check 9: SecretId form

# Unknown ids that start with AKID and then break the form (32 or more letters, digits,
# `_` or `-`): InvalidSecretId (mock convention; docs/fidelity.md).
BAD_IDS = [
    "AKID" + "a" * 31,
    "AKID" + "a" * 30 + "+=",
    "AKID" + "a" * 31 + "é",
    "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE ",
    "AKID" + "a" * 125,
]


@pytest.mark.parametrize("secret_id", BAD_IDS, ids=range(len(BAD_IDS)))
@pytest.mark.parametrize("kind", ["tc3-post", "tc3-get", "v1-sha1-get", "v1-sha256-post"])
def test_9_invalid_secret_id(mock, kind: str, secret_id: str) -> None:
    creds = Credentials(secret_id, DEFAULT.secret_key)
    assert_error(call(mock, build(mock, kind, creds=creds)), "AuthFailure.InvalidSecretId")


# Unknown ids of the real forms (a temporary key is longer and has `_` and `-`), and ids
# that are no AKID at all (production answers SecretIdNotFound for those: a `null` from a
# misnamed Node credential key, a numeric app id): SecretIdNotFound.
NOT_FOUND_IDS = [
    "AKID" + "a" * 33,
    "AKID" + "a" * 31 + "-",
    "AKID" + "a" * 31 + "_",
    "AKID" + "Zy-9_" * 12 + "q0Rt",
    "AKIX" + "a" * 32,
    "akid" + "a" * 32,
    "null",
    "undefined",
    "1400000000",
]


@pytest.mark.parametrize("secret_id", NOT_FOUND_IDS, ids=range(len(NOT_FOUND_IDS)))
@pytest.mark.parametrize("kind", ["tc3-post", "tc3-get", "v1-sha1-get", "v1-sha256-post"])
def test_9_other_unknown_ids_are_not_found(mock, kind: str, secret_id: str) -> None:
    creds = Credentials(secret_id, DEFAULT.secret_key)
    assert_error(call(mock, build(mock, kind, creds=creds)), "AuthFailure.SecretIdNotFound", MSG_NOT_FOUND_EN)


# ---------------------------------------------------------------- check 10: SecretId known, and language

# English unless zh-CN is asked for (docs/fidelity.md).
LANGUAGES = [(None, "en"), ("zh-CN", "zh"), ("zh-cn", "zh"), ("en-US", "en"), ("fr-FR", "en"), ("en", "en")]


@pytest.mark.parametrize("language, lang", LANGUAGES, ids=[str(lang) for lang, _ in LANGUAGES])
@pytest.mark.parametrize("creds", [UNKNOWN, DISABLED], ids=["unknown", "disabled"])
@pytest.mark.parametrize("kind", ["tc3-post", "tc3-get", "v1-sha1-post", "v1-sha256-get"])
def test_10_secret_id_not_found(mock, kind: str, creds: Credentials, language: str | None, lang: str) -> None:
    message = MSG_NOT_FOUND_EN if lang == "en" else MSG_NOT_FOUND_ZH
    req = build(mock, kind, creds=creds, language=language)
    assert_error(call(mock, req), "AuthFailure.SecretIdNotFound", message)


# ---------------------------------------------------------------- check 11: timestamp window


# Five seconds clear of the 300 s edge: the client's second and the mock's may differ by
# one. The exact edge is tested on a frozen mock clock (test_clock.py).
@pytest.mark.parametrize("offset", [-305, 305, -3600, 86400])
@pytest.mark.parametrize("kind", KINDS)
def test_11_signature_expired(mock, kind: str, offset: int) -> None:
    req = build(mock, kind, timestamp=int(time.time()) + offset)
    assert_error(call(mock, req), "AuthFailure.SignatureExpire", MSG_EXPIRED)


@pytest.mark.parametrize("language", ["en-US", "zh-CN"])
def test_11_signature_expired_message_has_one_text(mock, language: str) -> None:
    req = build(mock, "tc3-post", timestamp=int(time.time()) - 400, language=language)
    assert_error(call(mock, req), "AuthFailure.SignatureExpire", MSG_EXPIRED)


@pytest.mark.parametrize("offset", [-295, 295, -200])
@pytest.mark.parametrize("kind", ["tc3-post", "tc3-get", "v1-sha1-get", "v1-sha256-post"])
def test_11_inside_the_window_succeeds(mock, kind: str, offset: int) -> None:
    req = build(mock, kind, timestamp=int(time.time()) + offset)
    assert_translated(call(mock, req), "hello")


# ---------------------------------------------------------------- check 12: token

TOKEN_CASES = [
    ("temporary without token", replace(TEMPORARY, token=None)),
    ("temporary wrong token", replace(TEMPORARY, token="mock-sts-token-wrong")),
    ("temporary token prefix", replace(TEMPORARY, token="mock-sts-token")),
    ("temporary with the expired account's token", replace(TEMPORARY, token="mock-sts-token-expired")),
    ("expired with its token", EXPIRED),
    ("expired without token", replace(EXPIRED, token=None)),
    ("permanent with a token", replace(DEFAULT, token="some-token")),
]


@pytest.mark.parametrize("creds", [c for _, c in TOKEN_CASES], ids=[n for n, _ in TOKEN_CASES])
@pytest.mark.parametrize("kind", ["tc3-post", "tc3-get", "v1-sha1-get", "v1-sha256-post"])
def test_12_token_failure(mock, kind: str, creds: Credentials) -> None:
    assert_error(call(mock, build(mock, kind, creds=creds)), "AuthFailure.TokenFailure")


# ---------------------------------------------------------------- check 13: signature

SIG_LANGUAGES = [(None, MSG_SIG_FAIL_EN), ("zh-CN", MSG_SIG_FAIL_ZH), ("en-US", MSG_SIG_FAIL_EN)]


@pytest.mark.parametrize("language, message", SIG_LANGUAGES, ids=[str(lang) for lang, _ in SIG_LANGUAGES])
@pytest.mark.parametrize("kind", KINDS)
def test_13_wrong_secret_key(mock, kind: str, language: str | None, message: str) -> None:
    req = build(mock, kind, creds=wrong_key(DEFAULT), language=language)
    assert_error(call(mock, req), "AuthFailure.SignatureFailure", message)


def test_13_temporary_account_wrong_key(mock) -> None:
    req = build(mock, "tc3-post", creds=wrong_key(TEMPORARY), language="en-US")
    assert_error(call(mock, req), "AuthFailure.SignatureFailure", MSG_SIG_FAIL_EN)


def _flip_one_byte(body: bytes) -> bytes:
    i = body.index(b"hello") + 4
    return body[:i] + b"p" + body[i + 1:]


@pytest.mark.parametrize("kind", ["tc3-post", "v1-sha1-post", "v1-sha256-post"])
def test_13_body_changed_after_signing(mock, kind: str) -> None:
    req = build(mock, kind, language="en-US")
    changed = req.with_body(_flip_one_byte(req.body))
    assert len(changed.body) == len(req.body) and changed.body != req.body
    assert_error(call(mock, changed), "AuthFailure.SignatureFailure", MSG_SIG_FAIL_EN)


def test_13_unsigned_payload_body_may_change(mock) -> None:
    req = tc3(mock, unsigned_payload=True).post(TEXT).request
    assert_translated(call(mock, req.with_body(_flip_one_byte(req.body))), "hellp")


@pytest.mark.parametrize("kind", ["tc3-get"])
def test_13_query_reordered_after_signing(mock, kind: str) -> None:
    req = build(mock, kind, language="en-US")
    pairs = req.query.split("&")
    reordered = "&".join(reversed(pairs))
    assert reordered != req.query
    assert_error(call(mock, req.with_query(reordered)), "AuthFailure.SignatureFailure", MSG_SIG_FAIL_EN)


@pytest.mark.parametrize("kind", ["v1-sha1-get", "v1-sha256-get"])
def test_13_v1_query_reordered_after_signing_still_verifies(mock, kind: str) -> None:
    """v1 signs the sorted decoded parameters, so the wire order does not matter."""
    req = build(mock, kind)
    reordered = "&".join(reversed(req.query.split("&")))
    assert reordered != req.query
    assert_translated(call(mock, req.with_query(reordered)), "hello")


@pytest.mark.parametrize("kind", ["tc3-get", "v1-sha1-get"])
def test_13_query_value_changed_after_signing(mock, kind: str) -> None:
    req = build(mock, kind, language="en-US")
    assert "SourceText=hello" in req.query
    req = req.with_query(req.query.replace("SourceText=hello", "SourceText=hellp"))
    assert_error(call(mock, req), "AuthFailure.SignatureFailure", MSG_SIG_FAIL_EN)


def test_13_v1_declared_method_differs_from_the_one_used(mock) -> None:
    s = v1(mock, signature_method="HmacSHA1", language="en-US").get(TEXT)
    params = dict(s.params, SignatureMethod="HmacSHA256")
    assert_error(call(mock, v1_request(mock, "GET", params)), "AuthFailure.SignatureFailure", MSG_SIG_FAIL_EN)


def _scope_dates() -> list[tuple[str, Callable[[int], str]]]:
    return [
        ("yesterday", lambda ts: utc_date(ts - 86400)),
        ("tomorrow", lambda ts: utc_date(ts + 86400)),
        ("UTC+14 local date", lambda ts: utc_date(ts + 14 * 3600) if utc_date(ts + 14 * 3600) != utc_date(ts)
         else utc_date(ts - 86400)),
    ]


@pytest.mark.parametrize("date_of", [f for _, f in _scope_dates()], ids=[n for n, _ in _scope_dates()])
@pytest.mark.parametrize("kind", ["tc3-post", "tc3-get"])
def test_13_scope_date_not_the_utc_date_of_the_timestamp(mock, kind: str, date_of: Callable[[int], str]) -> None:
    ts = int(time.time())
    date = date_of(ts)
    assert date != utc_date(ts)
    req = build(mock, kind, timestamp=ts, scope_date=date, language="en-US")
    assert_error(call(mock, req), "AuthFailure.SignatureFailure", MSG_SIG_FAIL_EN)


@pytest.mark.parametrize("service", ["cvm", "TMT", "localhost", "127.0.0.1"])
def test_13_scope_service_not_accepted(mock, service: str) -> None:
    req = build(mock, "tc3-post", service=service, language="en-US")
    assert_error(call(mock, req), "AuthFailure.SignatureFailure", MSG_SIG_FAIL_EN)


@pytest.mark.parametrize("signed_host", ["tmt.tencentcloudapi.com", "127.0.0.2", "localhost"])
@pytest.mark.parametrize("kind", ["tc3-post", "v1-sha1-get"])
def test_13_signed_host_differs(mock, kind: str, signed_host: str) -> None:
    req = build(mock, kind, signed_host=signed_host, language="en-US")
    assert_error(call(mock, req), "AuthFailure.SignatureFailure", MSG_SIG_FAIL_EN)


# ---------------------------------------------------------------- leniency (default) vs strict

LENIENT_CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("tc3 service 127", "tc3-post", {"service": "127"}),
    ("tc3 host without port", "tc3-post", {"signed_host": "127.0.0.1"}),
    ("tc3 node style", "tc3-post", {"service": "127", "signed_host": "127.0.0.1"}),
    ("tc3 get node style", "tc3-get", {"service": "127", "signed_host": "127.0.0.1"}),
    ("v1 host without port", "v1-sha1-get", {"signed_host": "127.0.0.1"}),
    ("v1 post host without port", "v1-sha256-post", {"signed_host": "127.0.0.1"}),
]


@pytest.mark.parametrize("kind, kw", [(k, kw) for _, k, kw in LENIENT_CASES], ids=[n for n, _, _ in LENIENT_CASES])
def test_lenient_by_default(mock, kind: str, kw: dict[str, Any]) -> None:
    assert_translated(call(mock, build(mock, kind, **kw)), "hello")


@pytest.mark.parametrize("kind, kw", [(k, kw) for _, k, kw in LENIENT_CASES], ids=[n for n, _, _ in LENIENT_CASES])
def test_strict_signature_rejects_the_leniencies(strict, kind: str, kw: dict[str, Any]) -> None:
    req = build(strict, kind, language="en-US", **kw)
    assert_error(call(strict, req), "AuthFailure.SignatureFailure", MSG_SIG_FAIL_EN)


@pytest.mark.parametrize("kind", KINDS)
def test_strict_signature_accepts_exact_signing(strict, kind: str) -> None:
    assert_translated(call(strict, build(strict, kind)), "hello")


def test_lenient_service_from_localhost_host_header(mock) -> None:
    """Pointed at localhost:PORT, Node signs service `localhost:PORT` (first '.' label of Host)."""
    host = f"localhost:{mock.port}"
    signed = replace(tc3(mock, service=host), host=host).post(TEXT).request
    assert signed.header("Host") == host and f"/{host}/tc3_request" in (signed.header("Authorization") or "")
    assert_translated(call(mock, signed), "hello")


SIGNED_HEADER_SETS = [
    ("content-type", "host", "x-tc-action"),
    ("content-type", "host", "x-tc-action", "x-tc-region", "x-tc-timestamp", "x-tc-version"),
    ("host", "x-tc-language", "content-type"),
]


@pytest.mark.parametrize("names", SIGNED_HEADER_SETS, ids=[";".join(n) for n in SIGNED_HEADER_SETS])
@pytest.mark.parametrize("kind", ["tc3-post", "tc3-get"])
def test_extra_signed_headers(mock, kind: str, names: tuple[str, ...]) -> None:
    req = build(mock, kind, signed_headers=names, language="en-US")
    auth = req.header("Authorization") or ""
    assert f"SignedHeaders={';'.join(sorted(names))}," in auth
    assert_translated(call(mock, req), "hello")


def test_extra_signed_header_changed_after_signing(mock) -> None:
    req = build(mock, "tc3-post", signed_headers=("content-type", "host", "x-tc-language"), language="en-US")
    req = req.with_header("X-TC-Language", "zh-CN")
    assert_error(call(mock, req), "AuthFailure.SignatureFailure", MSG_SIG_FAIL_ZH)


# ---------------------------------------------------------------- the order of checks 8-13


OLD = lambda: int(time.time()) - 3600  # noqa: E731
UPPER_SIG = dict(AUTH_MUTATIONS)["Signature upper-case"]
BAD_ID = Credentials("AKID" + "a" * 31, DEFAULT.secret_key)

ORDER_CASES: list[tuple[str, Callable[[Any], HttpRequest], str]] = [
    ("missing Region before bad Action", lambda m: build(m, "tc3-post", action="Nope").without_header("X-TC-Region"),
     "MissingParameter"),
    ("Action before Version", lambda m: build(m, "v1-sha1-get", action="Nope", version="1999-01-01"),
     "InvalidAction"),
    ("Version before Region", lambda m: build(m, "tc3-post", version="1999-01-01", region="gz"), "NoSuchVersion"),
    ("Region before Authorization form",
     lambda m: mutate_auth(build(m, "tc3-post", region="ap-tokyo"), UPPER_SIG), "UnsupportedRegion"),
    ("Authorization form before SecretId form",
     lambda m: mutate_auth(build(m, "tc3-post", creds=BAD_ID), UPPER_SIG), "AuthFailure.InvalidAuthorization"),
    ("SignatureMethod before SecretId form",
     lambda m: build(m, "v1-sha1-get", creds=BAD_ID, signature_method="HmacMD5"), "InvalidParameterValue"),
    ("SecretId form before SecretId known",
     lambda m: build(m, "tc3-post", creds=Credentials("AKID" + "z" * 31, "k")), "AuthFailure.InvalidSecretId"),
    ("SecretId known before timestamp",
     lambda m: build(m, "tc3-post", creds=UNKNOWN, timestamp=OLD()), "AuthFailure.SecretIdNotFound"),
    ("disabled before timestamp",
     lambda m: build(m, "v1-sha256-post", creds=DISABLED, timestamp=OLD()), "AuthFailure.SecretIdNotFound"),
    ("timestamp before token",
     lambda m: build(m, "tc3-post", creds=replace(TEMPORARY, token=None), timestamp=OLD()),
     "AuthFailure.SignatureExpire"),
    ("timestamp before signature",
     lambda m: build(m, "v1-sha1-get", creds=wrong_key(DEFAULT), timestamp=OLD()), "AuthFailure.SignatureExpire"),
    ("token before signature",
     lambda m: build(m, "tc3-post", creds=wrong_key(replace(TEMPORARY, token="bad"))), "AuthFailure.TokenFailure"),
    ("permanent key token before signature",
     lambda m: build(m, "v1-sha1-post", creds=wrong_key(replace(DEFAULT, token="t"))), "AuthFailure.TokenFailure"),
    ("signature before business parameters",
     lambda m: build(m, "tc3-post", {"Source": "en"}, creds=wrong_key(DEFAULT)), "AuthFailure.SignatureFailure"),
]


@pytest.mark.parametrize("make, code", [(f, c) for _, f, c in ORDER_CASES], ids=[n for n, _, _ in ORDER_CASES])
def test_first_failing_check_answers(mock, make: Callable[[Any], HttpRequest], code: str) -> None:
    assert_error(call(mock, make(mock)), code)


# ---------------------------------------------------------------- --auth off

AUTH_OFF_OK: list[tuple[str, Callable[[Any], HttpRequest]]] = [
    ("wrong signature", lambda m: build(m, "tc3-post", creds=wrong_key(DEFAULT))),
    ("wrong signature v1", lambda m: build(m, "v1-sha256-get", creds=wrong_key(DEFAULT))),
    ("malformed SecretId", lambda m: build(m, "tc3-post", creds=BAD_ID)),
    ("unknown SecretId", lambda m: build(m, "v1-sha1-post", creds=UNKNOWN)),
    ("disabled account", lambda m: build(m, "tc3-get", creds=DISABLED)),
    ("expired timestamp", lambda m: build(m, "tc3-post", timestamp=OLD())),
    ("missing token", lambda m: build(m, "tc3-post", creds=replace(TEMPORARY, token=None))),
    ("body changed", lambda m: (lambda r: r.with_body(_flip_one_byte(r.body)))(build(m, "tc3-post"))),
]


@pytest.mark.parametrize("make", [f for _, f in AUTH_OFF_OK], ids=[n for n, _ in AUTH_OFF_OK])
def test_auth_off_skips_checks_9_to_13(auth_off, make: Callable[[Any], HttpRequest]) -> None:
    resp = call(auth_off, make(auth_off))
    inner = assert_envelope(resp)
    assert "Error" not in inner, inner
    assert isinstance(inner.get("TargetText"), str) and inner["TargetText"]


def test_auth_off_still_checks_authorization_form(auth_off) -> None:
    req = mutate_auth(build(auth_off, "tc3-post"), UPPER_SIG)
    assert_error(call(auth_off, req), "AuthFailure.InvalidAuthorization")


def test_auth_off_still_checks_region(auth_off) -> None:
    req = build(auth_off, "tc3-post", creds=wrong_key(DEFAULT), region="ap-tokyo")
    assert_error(call(auth_off, req), "UnsupportedRegion")


# ---------------------------------------------------------------- --seed


def _first_ids(seed: str, n: int = 3) -> list[str]:
    with MockProcess(["--fixtures", FIXTURES, "--seed", seed]) as m:
        return [assert_envelope(call(m, build(m, "tc3-post", TEXT)))["RequestId"] for _ in range(n)]


def test_same_seed_same_request_ids() -> None:
    a, b = _first_ids("7"), _first_ids("7")
    assert a == b
    assert len(set(a)) == 3


def test_different_seeds_different_request_ids() -> None:
    a, b = _first_ids("7", 1), _first_ids("8", 1)
    assert a[0] != b[0]
