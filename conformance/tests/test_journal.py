"""The journal: what the mock saw and answered (docs/admin-api.md, The journal).

Mock conventions under test (mock_server/src/journal.c, front.c):
- one entry per request to the API listener, admin requests never; `seq` counts
  from 1 (and again from 1 after POST /_mock/reset);
- `conn_id` names the TCP connection, so requests on one keep-alive connection
  share it and a new connection gets a new one;
- `headers` holds the X-TC-* headers as sent; `canonical_request` and
  `string_to_sign` are present exactly when the signature was checked and failed
  (for v1 both are the source string);
- parameter strings longer than 256 bytes are cut, and the cut is marked;
- --journal-size N keeps the last N entries and counts the dropped ones;
  --journal FILE appends every entry to FILE as one JSON line;
- GET /_mock/journal?secret_id=X&since=SEQ filters by SecretId and by seq (> SEQ).
"""
from __future__ import annotations

import http.client
import json
import time
from pathlib import Path
from typing import Any

import pytest

from harness.admin import Admin, random_secret_id
from harness.mockproc import ROOT, MockProcess
from harness.signer import (
    Credentials, HttpRequest, HttpResponse, sha256_hex, tc3_canonical_request, tc3_string_to_sign,
)
from harness.wire import DEFAULT, TEXT, UUID_RE, assert_envelope, build, call, host_header, tc3, v1

FIXTURES = ROOT / "fixtures"
BASE_ARGS = ["--fixtures", str(FIXTURES), "--seed", "42", "--no-rate-limit"]

SPEC_FIELDS = {
    "seq", "conn_id", "time", "method", "host", "action", "region", "secret_id", "sign_method", "timestamp",
    "signature_ok", "params", "error_code", "fault", "rule_id", "request_id", "latency_us", "headers",
}
FAILED_FIELDS = {"canonical_request", "string_to_sign"}




def entries(adm: Admin, **query: Any) -> list[dict[str, Any]]:
    doc = adm.journal(**query)
    assert set(doc) >= {"entries", "dropped"}, doc
    return doc["entries"]


def only_entry(adm: Admin) -> dict[str, Any]:
    got = entries(adm)
    assert len(got) == 1, got
    return got[0]


def request_id(resp: HttpResponse) -> str:
    return assert_envelope(resp)["RequestId"]


def send_on(conn: http.client.HTTPConnection, req: HttpRequest) -> HttpResponse:
    """Sends on an open connection (keep-alive), as signer.send does on a new one."""
    conn.putrequest(req.method, req.target, skip_host=True, skip_accept_encoding=True)
    for k, v in req.headers:
        conn.putheader(k, v)
    if req.body or req.method.upper() not in ("GET", "HEAD"):
        conn.putheader("Content-Length", str(len(req.body)))
    conn.endheaders(req.body or None)
    resp = conn.getresponse()
    return HttpResponse(resp.status, resp.reason, tuple(resp.getheaders()), resp.read())


# ---------------------------------------------------------------- fields


def test_entry_fields_of_a_tc3_success(adm: Admin, mock: MockProcess) -> None:
    ts = int(time.time())
    signed = tc3(mock, timestamp=ts, language="en-US").post(TEXT)
    t0 = time.time()
    rid = request_id(call(mock, signed.request))
    e = only_entry(adm)
    assert SPEC_FIELDS <= set(e), SPEC_FIELDS - set(e)
    assert not (FAILED_FIELDS & set(e)), e
    assert e["seq"] == 1 and type(e["conn_id"]) is int, e
    assert abs(e["time"] - t0) < 2, e
    assert e["method"] == "POST" and e["host"] == host_header(mock), e
    assert (e["action"], e["region"], e["secret_id"]) == ("TextTranslate", "ap-guangzhou", DEFAULT.secret_id), e
    assert e["sign_method"] == "TC3-HMAC-SHA256", e
    assert str(e["timestamp"]) == str(ts), e
    assert e["signature_ok"] is True, e
    assert e["params"] == TEXT, e
    assert e["error_code"] is None and e["fault"] is None and e["rule_id"] is None, e
    assert e["request_id"] == rid, e
    assert type(e["latency_us"]) is int and 0 <= e["latency_us"] < 5_000_000, e
    sent = {k: v for k, v in signed.request.headers if k.lower().startswith("x-tc-")}
    assert sent and e["headers"] == sent, (e["headers"], sent)
    assert "Authorization" not in e["headers"] and "Host" not in e["headers"], e


def test_entry_fields_of_a_v1_get(adm: Admin, mock: MockProcess) -> None:
    resp = call(mock, build(mock, "v1-sha256-get", region="ap-beijing", action="LanguageDetect",
                            params={"Text": "bonjour tout le monde", "ProjectId": 0}))
    rid = request_id(resp)
    e = only_entry(adm)
    assert e["method"] == "GET" and e["action"] == "LanguageDetect" and e["region"] == "ap-beijing", e
    assert e["sign_method"] == "HmacSHA256" and e["signature_ok"] is True, e
    assert e["request_id"] == rid and e["error_code"] is None, e
    # The business parameters, not the v1 common ones.
    assert e["params"]["Text"] == "bonjour tout le monde", e
    assert not {"Action", "SecretId", "Signature", "Nonce", "Timestamp"} & set(e["params"]), e
    assert e["headers"] == {}, e


def test_entry_of_an_injected_error_and_fault(adm: Admin, mock: MockProcess) -> None:
    r1 = adm.add_fault(error="InternalError.BackendTimeout")
    r2 = adm.add_fault(fault="charset_content_type")
    rid1 = request_id(call(mock, tc3(mock).post(TEXT).request))
    resp = call(mock, tc3(mock).post(TEXT).request)
    assert resp.header("Content-Type") == "application/json; charset=utf-8"
    call(mock, tc3(mock).post(TEXT).request)
    e1, e2, e3 = entries(adm)
    assert (e1["error_code"], e1["rule_id"], e1["fault"], e1["request_id"]) == (
        "InternalError.BackendTimeout", r1["id"], None, rid1), e1
    assert (e2["error_code"], e2["rule_id"], e2["fault"]) == (None, r2["id"], "charset_content_type"), e2
    assert (e3["error_code"], e3["rule_id"], e3["fault"]) == (None, None, None), e3


def test_entry_of_a_business_error(adm: Admin, mock: MockProcess) -> None:
    call(mock, tc3(mock).post({**TEXT, "Target": "xx"}).request)
    e = only_entry(adm)
    assert e["signature_ok"] is True and e["error_code"] == "InvalidParameterValue", e
    assert not (FAILED_FIELDS & set(e)), e


def test_every_request_is_journaled_admin_never(adm: Admin, mock: MockProcess) -> None:
    reqs = [
        tc3(mock).post(TEXT).request,
        tc3(mock).post(TEXT).request.with_method("PUT"),                 # UnsupportedProtocol
        tc3(mock, action="Translate").post(TEXT).request,                # InvalidAction
        tc3(mock).post(TEXT).request.without_header("Authorization"),    # MissingParameter
        tc3(mock, Credentials("AKIDshort", "k")).post(TEXT).request,     # InvalidSecretId
    ]
    rids = [request_id(call(mock, r)) for r in reqs]
    for _ in range(3):
        adm.get("health")
        adm.get("journal")
        adm.get("faults")
    got = entries(adm)
    assert [e["request_id"] for e in got] == rids, got
    assert [e["seq"] for e in got] == [1, 2, 3, 4, 5]
    assert [e["error_code"] for e in got] == [
        None, "UnsupportedProtocol", "InvalidAction", "MissingParameter", "AuthFailure.InvalidSecretId"]
    assert got[1]["method"] == "PUT"
    # None of them reached the signature check.
    for e in got[1:]:
        assert e["signature_ok"] is not True and not (FAILED_FIELDS & set(e)), e


# ---------------------------------------------------------------- the signature diff


def test_canonical_request_on_tc3_signature_failure(adm: Admin, mock: MockProcess) -> None:
    signed = tc3(mock, Credentials(DEFAULT.secret_id, "not-the-key")).post(TEXT)
    call(mock, signed.request)
    e = only_entry(adm)
    assert e["error_code"] == "AuthFailure.SignatureFailure" and e["signature_ok"] is False, e
    assert FAILED_FIELDS <= set(e), e
    # The key is not part of either string: the server's must equal the reference signer's.
    assert e["canonical_request"] == signed.canonical_request, (e["canonical_request"], signed.canonical_request)
    assert e["string_to_sign"] == signed.string_to_sign, (e["string_to_sign"], signed.string_to_sign)


def test_canonical_request_is_the_servers_own(adm: Admin, mock: MockProcess) -> None:
    """A body changed after signing: the journal shows the strings of what arrived."""
    signed = tc3(mock).post(TEXT)
    body = json.dumps({**TEXT, "SourceText": "tampered"}, separators=(",", ":")).encode()
    call(mock, signed.request.with_body(body))
    e = only_entry(adm)
    assert e["error_code"] == "AuthFailure.SignatureFailure", e
    lines = signed.canonical_request.split("\n")
    want = tc3_canonical_request("POST", "", "\n".join(lines[3:5]) + "\n", lines[6], sha256_hex(body))
    assert e["canonical_request"] == want, (e["canonical_request"], want)
    ts = signed.request.header("X-TC-Timestamp")
    assert e["string_to_sign"] == tc3_string_to_sign(ts, signed.credential_scope, want), e


def test_canonical_request_on_tc3_get(adm: Admin, mock: MockProcess) -> None:
    signed = tc3(mock, Credentials(DEFAULT.secret_id, "nope")).get(TEXT)
    call(mock, signed.request)
    e = only_entry(adm)
    assert e["canonical_request"] == signed.canonical_request, e
    assert e["string_to_sign"] == signed.string_to_sign, e


@pytest.mark.parametrize("method", ["HmacSHA1", "HmacSHA256"])
def test_source_string_on_v1_signature_failure(adm: Admin, mock: MockProcess, method: str) -> None:
    signed = v1(mock, Credentials(DEFAULT.secret_id, "nope"), signature_method=method).post(TEXT)
    call(mock, signed.request)
    e = only_entry(adm)
    assert e["error_code"] == "AuthFailure.SignatureFailure" and e["sign_method"] == method, e
    assert e["canonical_request"] == signed.source, (e["canonical_request"], signed.source)
    assert e["string_to_sign"] == signed.source, e


def test_no_canonical_request_when_not_verified(adm: Admin, mock: MockProcess) -> None:
    call(mock, tc3(mock, Credentials(random_secret_id(), "k")).post(TEXT).request)   # SecretIdNotFound
    call(mock, tc3(mock, timestamp=int(time.time()) - 3600).post(TEXT).request)      # SignatureExpire
    e1, e2 = entries(adm)
    assert e1["error_code"] == "AuthFailure.SecretIdNotFound" and e2["error_code"] == "AuthFailure.SignatureExpire"
    for e in (e1, e2):
        assert e["signature_ok"] is not True and not (FAILED_FIELDS & set(e)), e


# ---------------------------------------------------------------- connections


def test_conn_id_per_tcp_connection(adm: Admin, mock: MockProcess) -> None:
    conn = http.client.HTTPConnection(mock.host, mock.port, timeout=10)
    try:
        sock_ids = set()
        for _ in range(3):
            assert send_on(conn, tc3(mock).post(TEXT).request).status == 200
            sock_ids.add(conn.sock.getsockname())  # type: ignore[union-attr]
        assert len(sock_ids) == 1, "the client did not keep the connection"
    finally:
        conn.close()
    call(mock, tc3(mock).post(TEXT).request)
    call(mock, tc3(mock).post(TEXT).request)
    got = entries(adm)
    ids = [e["conn_id"] for e in got]
    assert ids[0] == ids[1] == ids[2], ids
    assert len({ids[0], ids[3], ids[4]}) == 3, ids


# ---------------------------------------------------------------- params


def test_long_params_are_truncated(adm: Admin, mock: MockProcess) -> None:
    long_text = "".join(chr(ord("a") + i % 26) for i in range(3000))
    params = {**TEXT, "SourceText": long_text}
    call(mock, tc3(mock).post(params).request)
    e = only_entry(adm)
    got = e["params"]["SourceText"]
    assert isinstance(got, str) and len(got) < 1000, len(got)
    assert got.startswith(long_text[:200]), got[:80]
    assert got != long_text[:len(got)], "the cut is not marked"
    assert "3000" in got, got[-40:]
    # Short values are kept as they are.
    assert {k: v for k, v in e["params"].items() if k != "SourceText"} == {
        k: v for k, v in TEXT.items() if k != "SourceText"}


def test_long_list_items_are_truncated(adm: Admin, mock: MockProcess) -> None:
    items = ["x" * 2000, "short"]
    call(mock, tc3(mock, action="TextTranslateBatch").post(
        {"Source": "en", "Target": "zh", "ProjectId": 0, "SourceTextList": items}).request)
    got = only_entry(adm)["params"]["SourceTextList"]
    assert len(got) == 2 and len(got[0]) < 1000 and got[1] == "short", got


# ---------------------------------------------------------------- bounds and mirror


def test_journal_size_bounds_the_ring() -> None:
    m = MockProcess([*BASE_ARGS, "--journal-size", "5"]).start()
    try:
        rids = [request_id(call(m, tc3(m).post(TEXT).request)) for _ in range(8)]
        doc = Admin.of(m).journal()
        assert doc["dropped"] == 3, doc
        assert [e["seq"] for e in doc["entries"]] == [4, 5, 6, 7, 8], doc
        assert [e["request_id"] for e in doc["entries"]] == rids[3:]
        assert Admin.of(m).journal(since=6)["entries"][0]["seq"] == 7
    finally:
        m.stop()


def test_journal_mirror_file(tmp_path: Path) -> None:
    f = tmp_path / "journal.jsonl"
    m = MockProcess([*BASE_ARGS, "--journal", str(f), "--journal-size", "2"]).start()
    try:
        adm = Admin.of(m)
        rids = []
        for creds in (DEFAULT, Credentials(DEFAULT.secret_id, "wrong"), DEFAULT):
            rids.append(request_id(call(m, tc3(m, creds).post(TEXT).request)))
            adm.get("health")
        adm.add_fault(error="InternalError")
        rids.append(request_id(call(m, tc3(m).post(TEXT).request)))
        ring = adm.journal()["entries"]
    finally:
        m.stop()
    lines = f.read_text().splitlines()
    assert len(lines) == 4, lines
    docs = [json.loads(line) for line in lines]
    assert [d["request_id"] for d in docs] == rids
    assert [d["seq"] for d in docs] == [1, 2, 3, 4]
    assert [d["error_code"] for d in docs] == [None, "AuthFailure.SignatureFailure", None, "InternalError"]
    assert "canonical_request" in docs[1] and "canonical_request" not in docs[0]
    # The file holds every entry, the ring only the last two, and they agree.
    assert docs[2:] == ring


def test_journal_mirror_appends(tmp_path: Path) -> None:
    f = tmp_path / "journal.jsonl"
    f.write_text('{"earlier": true}\n')
    m = MockProcess([*BASE_ARGS, "--journal", str(f)]).start()
    try:
        call(m, tc3(m).post(TEXT).request)
    finally:
        m.stop()
    lines = f.read_text().splitlines()
    assert len(lines) == 2 and json.loads(lines[0]) == {"earlier": True}, lines
    assert json.loads(lines[1])["seq"] == 1


# ---------------------------------------------------------------- filters


def test_filter_by_secret_id(adm: Admin, mock: MockProcess) -> None:
    a, b = adm.new_account(), adm.new_account()
    for creds in (a, b, b, a, b, DEFAULT):
        call(mock, tc3(mock, creds).post(TEXT).request)
    got_a = entries(adm, secret_id=a.secret_id)
    got_b = entries(adm, secret_id=b.secret_id)
    assert [e["seq"] for e in got_a] == [1, 4] and all(e["secret_id"] == a.secret_id for e in got_a), got_a
    assert [e["seq"] for e in got_b] == [2, 3, 5] and all(e["secret_id"] == b.secret_id for e in got_b), got_b
    assert entries(adm, secret_id=random_secret_id()) == []
    assert len(entries(adm)) == 6
    assert len(entries(adm, secret_id="")) == 6


def test_filter_since(adm: Admin, mock: MockProcess) -> None:
    for _ in range(5):
        call(mock, tc3(mock).post(TEXT).request)
    assert [e["seq"] for e in entries(adm, since=0)] == [1, 2, 3, 4, 5]
    assert [e["seq"] for e in entries(adm, since=2)] == [3, 4, 5]
    assert entries(adm, since=5) == []
    assert entries(adm, since=99) == []
    # A client polls with the last seq it saw.
    last = entries(adm)[-1]["seq"]
    call(mock, tc3(mock).post(TEXT).request)
    assert [e["seq"] for e in entries(adm, since=last)] == [last + 1]


def test_filter_both(adm: Admin, mock: MockProcess) -> None:
    a = adm.new_account()
    for creds in (a, DEFAULT, a, a, DEFAULT):
        call(mock, tc3(mock, creds).post(TEXT).request)
    got = entries(adm, secret_id=a.secret_id, since=1)
    assert [e["seq"] for e in got] == [3, 4], got


def test_request_ids_are_uuids(adm: Admin, mock: MockProcess) -> None:
    for _ in range(3):
        call(mock, tc3(mock).post(TEXT).request)
    rids = [e["request_id"] for e in entries(adm)]
    assert all(UUID_RE.match(r) for r in rids) and len(set(rids)) == 3, rids
