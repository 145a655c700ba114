"""The reference signer against the vectors of docs/behaviour.md (Test vectors) (no server needed)."""
from __future__ import annotations

from dataclasses import replace
from urllib.parse import parse_qsl

import pytest

from harness.signer import (
    Credentials,
    Tc3Signer,
    V1Signer,
    compact_json,
    flatten,
    hmac_sha256,
    sha256_hex,
    tc3_sign_with_key,
    utc_date,
    v1_signature,
    v1_source,
)

DOC_ID = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"
DOC_KEY = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
DOC = Credentials(DOC_ID, DOC_KEY)

# ---------------------------------------------------------------- 10.1 - 10.3: TC3, CVM example

CVM_BODY = (
    r'{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}'
)
CVM = Tc3Signer(
    DOC,
    host="cvm.tencentcloudapi.com",
    action="DescribeInstances",
    version="2017-03-12",
    region="ap-guangzhou",
    timestamp=1551113065,
    service="cvm",
    content_type="application/json; charset=utf-8",
)
CVM_CANONICAL = (
    "POST\n/\n\n"
    "content-type:application/json; charset=utf-8\n"
    "host:cvm.tencentcloudapi.com\n\n"
    "content-type;host\n"
    "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
)


def test_10_1_payload_hash() -> None:
    assert sha256_hex(CVM_BODY) == "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"


def test_10_1_tc3_doc_example() -> None:
    s = CVM.post(body=CVM_BODY)
    assert s.canonical_request == CVM_CANONICAL
    assert sha256_hex(s.canonical_request) == "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
    assert s.credential_scope == "2019-02-25/cvm/tc3_request"
    assert s.string_to_sign == (
        "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n"
        "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
    )
    assert s.signature == "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
    assert s.authorization == (
        "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, "
        "SignedHeaders=content-type;host, "
        "Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
    )
    req = s.request
    assert req.method == "POST" and req.target == "/" and req.body == CVM_BODY.encode()
    assert req.header("authorization") == s.authorization
    assert req.header("Content-Type") == "application/json; charset=utf-8"
    assert req.header("X-TC-Action") == "DescribeInstances"
    assert req.header("X-TC-Timestamp") == "1551113065"
    assert req.header("X-TC-Version") == "2017-03-12"
    assert req.header("X-TC-Region") == "ap-guangzhou"


def test_10_2_masked_keys_used_literally() -> None:
    masked = Credentials("AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******", "Gu5t9xGARNpq86cd98joQYCN3*******")
    s = replace(CVM, credentials=masked).post(body=CVM_BODY)
    assert s.canonical_request == CVM_CANONICAL
    assert s.signature == "2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c"


def test_10_3_signed_x_tc_action_lowercased() -> None:
    s = replace(CVM, signed_headers=("content-type", "host", "x-tc-action")).post(body=CVM_BODY)
    assert s.canonical_request == (
        "POST\n/\n\n"
        "content-type:application/json; charset=utf-8\n"
        "host:cvm.tencentcloudapi.com\n"
        "x-tc-action:describeinstances\n\n"
        "content-type;host;x-tc-action\n"
        "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
    )
    assert sha256_hex(s.canonical_request) == "7019a55be8395899b900fb5564e4200d984910f34794a27cb3fb7d10ff6a1e84"
    assert "SignedHeaders=content-type;host;x-tc-action," in s.authorization
    # The doc masks the key; it publishes the derived keys, so the chain from SecretDate on checks.
    secret_date = bytes.fromhex("da98fb70dcf6b112dc21038d1eeeb3a95c74b4dcb12c1131f864f6066bd02be0")
    secret_service = hmac_sha256(secret_date, "cvm")
    assert secret_service.hex() == "8d70cbefb03939f929db64d32dc2ba89b1095620119fe3e050e2b18c5bd2752f"
    secret_signing = hmac_sha256(secret_service, "tc3_request")
    assert secret_signing.hex() == "b596b923aad85185e2d1f6659d2a062e0a86731226e021e61bfe06f7ed05f5af"
    assert tc3_sign_with_key(secret_signing, s.string_to_sign) == (
        "10b1a37a7301a02ca19a647ad722d5e43b4b3cff309d421d85b46093f6ab6c4f"
    )


def test_signed_headers_order_does_not_matter() -> None:
    a = replace(CVM, signed_headers=("x-tc-action", "host", "content-type")).post(body=CVM_BODY)
    b = replace(CVM, signed_headers=("content-type", "host", "x-tc-action")).post(body=CVM_BODY)
    assert a.canonical_request == b.canonical_request and a.signature == b.signature


# ---------------------------------------------------------------- 10.4, 10.5: v1

CVM_V1_SOURCE = (
    "GETcvm.tencentcloudapi.com/?Action=DescribeInstances&InstanceIds.0=ins-09dx96dg&Limit=20"
    "&Nonce=11886&Offset=0&Region=ap-guangzhou&SecretId=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"
    "&Timestamp=1465185768&Version=2017-03-12"
)
CVM_V1 = V1Signer(
    DOC,
    host="cvm.tencentcloudapi.com",
    action="DescribeInstances",
    version="2017-03-12",
    region="ap-guangzhou",
    timestamp=1465185768,
    nonce=11886,
    signature_method=None,
)


def test_10_4_v1_hmacsha1_doc_example() -> None:
    s = CVM_V1.get({"InstanceIds": ["ins-09dx96dg"], "Limit": 20, "Offset": 0})
    assert s.source == CVM_V1_SOURCE
    assert s.signature == "EliP9YW3pW28FpsEdkXt/+WcGeI="
    # The Signature goes on the wire URL-encoded like every other value.
    assert "Signature=EliP9YW3pW28FpsEdkXt%2F%2BWcGeI%3D" in s.request.target
    assert dict(parse_qsl(s.request.query, strict_parsing=True)) == s.params
    assert s.request.method == "GET" and s.request.body == b""


def test_10_4_v1_hmacsha256_same_source() -> None:
    assert v1_signature(DOC_KEY, CVM_V1_SOURCE, "HmacSHA256") == "bR/zQ3QqOmcEYeRv71IzG/NxfisUDgy9cqRMQC+UB5g="
    assert v1_signature(DOC_KEY, CVM_V1_SOURCE, None) == "EliP9YW3pW28FpsEdkXt/+WcGeI="


LEGACY_PARAMS = {
    "Action": "DescribeInstances",
    "InstanceIds.0": "ins-09dx96dg",
    "Nonce": "11886",
    "Region": "ap-guangzhou",
    "SecretId": "AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhESA",
    "Timestamp": "1465185768",
}


@pytest.mark.parametrize(
    "method, expected",
    [
        ("HmacSHA256", "0EEm/HtGRr/VJXTAD9tYMth1Bzm3lLHz5RCDv1GdM8s="),
        ("HmacSHA1", "nPVnY6njQmwQ8ciqbPl5Qe+Oru4="),
    ],
)
def test_10_5_legacy_api2(method: str, expected: str) -> None:
    params = dict(LEGACY_PARAMS, SignatureMethod=method)
    source = v1_source("GET", "cvm.api.qcloud.com", params, path="/v2/index.php")
    assert source == (
        "GETcvm.api.qcloud.com/v2/index.php?Action=DescribeInstances&InstanceIds.0=ins-09dx96dg"
        "&Nonce=11886&Region=ap-guangzhou&SecretId=AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhESA"
        f"&SignatureMethod={method}&Timestamp=1465185768"
    )
    assert v1_signature("Gu5t9xGARNpq86cd98joQYCN3Cozk1qA", source, method) == expected


# ---------------------------------------------------------------- 10.6: SDK-generated TMT vectors

LOOP = "127.0.0.1:18080"


def test_10_6_1_python_tc3_post() -> None:
    body = r'{"SourceText": "hello \u4e16\u754c", "Source": "en", "Target": "zh", "ProjectId": 0}'
    assert len(body.encode()) == 84
    s = Tc3Signer(DOC, host=LOOP, timestamp=1795747109).post(body=body)
    assert s.canonical_request.endswith("\n4eeb99ef7d3b7ad2b6bcabd55d8a5ee7b8195e7bb262e7574aa818a6fdf6fa7e")
    assert sha256_hex(s.canonical_request) == "63501c875fdd2d6ae1e1967b256041edf7657b6ef3e04074488e5e5f8cc31737"
    assert s.credential_scope == "2026-11-27/tmt/tc3_request"
    assert s.signature == "9dae89c46aea967e1d056bb63b4e8f5dd586c39cc02235414b1a33985ac5f8c1"
    assert s.request.header("Content-Type") == "application/json"
    assert s.request.header("Host") == LOOP


GO_PARAMS = {"ProjectId": 0, "Source": "en", "SourceText": "hello 世界 <b>&", "Target": "zh"}
GO_QUERY = "ProjectId=0&Source=en&SourceText=hello+%E4%B8%96%E7%95%8C+%3Cb%3E%26&Target=zh"


@pytest.mark.parametrize("how", ["raw query", "from params"])
def test_10_6_2_go_tc3_get(how: str) -> None:
    signer = Tc3Signer(DOC, host=LOOP, timestamp=1795747131)
    s = signer.get(query=GO_QUERY) if how == "raw query" else signer.get(GO_PARAMS)
    assert s.request.target == "/?" + GO_QUERY
    assert s.request.header("Content-Type") == "application/x-www-form-urlencoded"
    assert s.canonical_request.split("\n")[2] == GO_QUERY
    assert s.canonical_request.endswith("\n" + sha256_hex(b""))
    assert sha256_hex(s.canonical_request) == "b9f24dff65c3feff1378eb398cc158d242b0bd4a3244acb1700e85d87974e6dd"
    assert s.signature == "a0331f75d620887537c5a1bd6d836099ace289a8e47400dcffe53a617ec2047f"


def test_10_6_3_node_tc3_post_service_127_host_without_port() -> None:
    params = {"SourceText": "hello 世界 <b>&", "Source": "en", "Target": "zh", "ProjectId": 0}
    body = compact_json(params)
    assert body == '{"SourceText":"hello 世界 <b>&","Source":"en","Target":"zh","ProjectId":0}'.encode()
    assert len(body) == 76
    s = Tc3Signer(DOC, host=LOOP, timestamp=1795747165, service="127", signed_host="127.0.0.1").post(params)
    assert s.credential_scope == "2026-11-27/127/tc3_request"
    assert "host:127.0.0.1\n" in s.canonical_request
    assert s.request.header("Host") == LOOP  # sent with the port, signed without
    assert sha256_hex(s.canonical_request) == "a09816df25cf61b6b32765a4c048cda3874b009952d5dc8d7b6e5792ffc05313"
    assert s.signature == "71b1732e6adb5f93f07b7d11f934ab68c7191a4a8fc3980793f9ab44e8d40071"


def test_10_6_4_go_v1_hmacsha256_get() -> None:
    signer = V1Signer(
        DOC, host=LOOP, timestamp=1795747131, nonce=5577006791947779410,
        signature_method="HmacSHA256", language="zh-CN", request_client="SDK_GO_1.3.166",
    )
    s = signer.get(GO_PARAMS)
    assert s.source == (
        "GET127.0.0.1:18080/?Action=TextTranslate&Language=zh-CN&Nonce=5577006791947779410&ProjectId=0"
        "&Region=ap-guangzhou&RequestClient=SDK_GO_1.3.166&SecretId=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"
        "&SignatureMethod=HmacSHA256&Source=en&SourceText=hello 世界 <b>&&Target=zh&Timestamp=1795747131"
        "&Version=2018-03-21"
    )
    assert s.signature == "TfdGRXggQCKKWemue8yFOpNvbFsjHsrXTv/Wpppq/hY="
    assert dict(parse_qsl(s.request.query, strict_parsing=True)) == s.params


def test_10_6_5_python_v1_hmacsha1_post() -> None:
    signer = V1Signer(
        DOC, host=LOOP, timestamp=1795747110, nonce=6695651038892175352,
        signature_method="HmacSHA1", language="zh-CN", request_client="SDK_PYTHON_3.1.162",
    )
    s = signer.post({"SourceText": "hello 世界", "Source": "en", "Target": "zh", "ProjectId": 0})
    assert s.source == (
        "POST127.0.0.1:18080/?Action=TextTranslate&Language=zh-CN&Nonce=6695651038892175352&ProjectId=0"
        "&Region=ap-guangzhou&RequestClient=SDK_PYTHON_3.1.162&SecretId=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"
        "&SignatureMethod=HmacSHA1&Source=en&SourceText=hello 世界&Target=zh&Timestamp=1795747110"
        "&Version=2018-03-21"
    )
    assert s.signature == "L6z0priPP9w3E77bnmZn6oc7BWA="
    req = s.request
    assert req.method == "POST" and req.target == "/"
    assert req.header("Content-Type") == "application/x-www-form-urlencoded"
    assert dict(parse_qsl(req.body.decode("ascii"), strict_parsing=True)) == s.params


# ---------------------------------------------------------------- the signer's own helpers


def test_flatten_lists_objects_and_scalars() -> None:
    assert flatten(
        {"L": ["a", "b"], "O": {"F": 1, "G": [True]}, "N": None, "B": False, "I": 0}
    ) == {"L.0": "a", "L.1": "b", "O.F": "1", "O.G.0": "true", "B": "false", "I": "0"}


@pytest.mark.parametrize(
    "ts, date",
    [(1551113065, "2019-02-25"), (1795747109, "2026-11-27"), (86399, "1970-01-01"), (86400, "1970-01-02")],
)
def test_utc_date(ts: int, date: str) -> None:
    assert utc_date(ts) == date


def test_v1_token_and_language_are_signed() -> None:
    creds = Credentials(DOC_ID, DOC_KEY, token="tok")
    s = V1Signer(creds, host=LOOP, timestamp=1, nonce=2, language="en-US").get({"A": "b"})
    assert "&Token=tok" in s.source and "&Language=en-US" in s.source
    assert s.params["Token"] == "tok" and s.params["Language"] == "en-US"


def test_tc3_token_language_and_unsigned_payload_headers() -> None:
    creds = Credentials(DOC_ID, DOC_KEY, token="tok")
    s = Tc3Signer(creds, host=LOOP, timestamp=1795747109, language="en-US", unsigned_payload=True).post({})
    assert s.request.header("X-TC-Token") == "tok"
    assert s.request.header("X-TC-Language") == "en-US"
    assert s.request.header("X-TC-Content-SHA256") == "UNSIGNED-PAYLOAD"
    assert s.canonical_request.endswith("\n" + sha256_hex("UNSIGNED-PAYLOAD"))
