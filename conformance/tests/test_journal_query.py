"""Querying the journal (docs/admin-api.md, Querying the journal): GET /_mock/journal filtered
by action, code, SecretId, signature_ok and mock-clock time, and count=1, so a test can
assert "retried exactly twice, each freshly signed" without walking every entry.

Mock conventions under test (mock_server/src/journal.c, admin.c):
- every filter given must match; `code` is the metrics' label: OK for a success, the error
  code, or a transport fault's name;
- `from` is inclusive, `until` exclusive, both in the mock clock's Unix seconds (the
  entries' `time`);
- `count=1` answers {"count": N, "dropped": N} instead of the entries;
- an unknown parameter, a bad value or a parameter given twice is a 400 naming it.
"""
from __future__ import annotations

from typing import Any

import pytest

from harness.admin import Admin
from harness.mockproc import MockProcess
from harness.signer import Credentials
from harness.wire import build, call, tc3


def send_text(mock: MockProcess, creds: Credentials, text: str = "hello", **kw: Any) -> None:
    call(mock, tc3(mock, creds, **kw).post({"SourceText": text, "Source": "en", "Target": "zh",
                                             "ProjectId": 0}).request)


def count(adm: Admin, **query: Any) -> int:
    status, doc = adm.get("journal", count=1, **query)
    assert status == 200, doc
    assert set(doc) == {"count", "dropped"}, doc
    return doc["count"]


def test_retried_exactly_twice_each_freshly_signed(mock: MockProcess, adm: Admin, creds: Credentials) -> None:
    adm.add_fault(match={"secret_id": creds.secret_id}, error="RequestLimitExceeded", times=2)
    other = adm.new_account()
    send_text(mock, other)                       # another test's traffic: not counted
    for ts_shift in (0, 1, 2):                   # a client retrying, signing each time anew
        send_text(mock, creds, timestamp=adm.now() + ts_shift)
    assert count(adm, secret_id=creds.secret_id, code="RequestLimitExceeded") == 2
    assert count(adm, secret_id=creds.secret_id, code="OK") == 1
    assert count(adm, secret_id=creds.secret_id, action="TextTranslate") == 3
    assert count(adm, action="TextTranslate") == 4
    throttled = adm.journal(secret_id=creds.secret_id, code="RequestLimitExceeded")["entries"]
    assert [e["error_code"] for e in throttled] == ["RequestLimitExceeded"] * 2
    assert len({e["signature"] for e in throttled}) == 2
    assert all(e["signature_ok"] is True for e in throttled)


def test_filters_by_action_and_signature(mock: MockProcess, adm: Admin, creds: Credentials) -> None:
    send_text(mock, creds)
    call(mock, tc3(mock, creds, action="LanguageDetect").post({"Text": "hello", "ProjectId": 0}).request)
    bad = Credentials(creds.secret_id, "not-the-key")
    send_text(mock, bad)
    assert count(adm, action="LanguageDetect") == 1
    assert count(adm, action="TextTranslate") == 2
    assert count(adm, action="ImageTranslate") == 0
    assert count(adm, signature_ok="false") == 1
    assert count(adm, signature_ok="true") == 2
    failed = adm.journal(signature_ok="false")["entries"]
    assert failed[0]["error_code"] == "AuthFailure.SignatureFailure"
    assert count(adm, code="AuthFailure.SignatureFailure", action="TextTranslate") == 1


def test_code_names_a_transport_fault(mock: MockProcess, adm: Admin, creds: Credentials) -> None:
    adm.add_fault(match={"secret_id": creds.secret_id}, fault="html_503", times=1)
    send_text(mock, creds)
    send_text(mock, creds)
    assert count(adm, code="html_503") == 1
    assert count(adm, code="OK") == 1


def test_time_window_on_the_mock_clock(mock: MockProcess, adm: Admin, creds: Credentials) -> None:
    start = adm.now()
    adm.set_clock(freeze_at=start)
    send_text(mock, creds, timestamp=start)
    adm.set_clock(advance_s=100)
    send_text(mock, creds, timestamp=start + 100)
    times = [e["time"] for e in adm.journal()["entries"]]
    assert times == [float(start), float(start + 100)], times
    assert count(adm, **{"from": start + 100}) == 1
    assert count(adm, **{"from": start}) == 2
    assert count(adm, until=start + 100) == 1
    assert count(adm, until=start) == 0
    assert count(adm, **{"from": start + 1, "until": start + 100}) == 0
    assert count(adm, **{"from": f"{start + 99.5}"}) == 1


def test_count_keeps_since_and_dropped(mock: MockProcess, adm: Admin, creds: Credentials) -> None:
    for _ in range(3):
        send_text(mock, creds)
    assert count(adm) == 3
    assert count(adm, since=2) == 1
    status, doc = adm.get("journal", count=0)
    assert status == 200 and len(doc["entries"]) == 3, doc


@pytest.mark.parametrize("query, needle", [
    ({"colour": "red"}, "colour: unknown query parameter"),
    ({"signature_ok": "yes"}, "signature_ok"),
    ({"from": "yesterday"}, "from"),
    ({"until": "-1"}, "until"),
    ({"count": "2"}, "count"),
])
def test_bad_queries_are_refused(adm: Admin, query: dict[str, str], needle: str) -> None:
    status, doc = adm.get("journal", **query)
    assert status == 400 and needle in doc["error"], (status, doc)


def test_a_filter_given_twice_is_refused(adm: Admin) -> None:
    status, doc = adm.request("GET", "/_mock/journal?action=A&action=B")
    assert status == 400 and "action: given twice" in doc["error"], doc
