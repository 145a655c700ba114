"""The mock clock (docs/admin-api.md, The mock clock; check 11 of docs/behaviour.md): POST /_mock/clock
{"offset_s"}, {"advance_s"}, {"freeze_at"} or {"reset"}; GET answers
{"now", "offset_s", "frozen"}.

Mock conventions under test (mock_server/src/clock.c, act_file.c, act_speech.c,
act_common.c):
- every check that reads time asks the mock clock: the timestamp window, token
  expiry, FileTranslate task progress (init < 1 s <= wait < 3 s <= success),
  SpeechTranslate sessions (forgotten after more than 600 idle seconds), the month
  of the free quota, and the journal's `time`;
- offset_s sets the offset from the real clock (and unfreezes); advance_s moves a
  frozen clock, or adds to the offset of a running one; reset goes back to the real
  clock;
- rate windows keep running on the real clock while the mock clock is frozen.
"""
from __future__ import annotations

import calendar
import time
import uuid
from typing import Any

from harness.actions import b64
from harness.admin import Admin
from harness.mockproc import ROOT, MockProcess
from harness.signer import Credentials, HttpResponse
from harness.wire import DEFAULT, TEMPORARY, TEXT, assert_envelope, assert_error, call, tc3

FIXTURES = ROOT / "fixtures"
FROZEN_AT = 1795747109          # the example of docs/admin-api.md




def code_of(resp: HttpResponse) -> str | None:
    inner = assert_envelope(resp)
    return inner["Error"]["Code"] if "Error" in inner else None


def tt(mock: MockProcess, creds: Credentials = DEFAULT, **kw: Any) -> HttpResponse:
    return call(mock, tc3(mock, creds, **kw).post(TEXT).request)


def post(mock: MockProcess, adm: Admin, action: str, params: dict[str, Any], creds: Credentials = DEFAULT) -> dict[str, Any]:
    """A request signed at the mock's own time; answers the Response object."""
    return assert_envelope(call(mock, tc3(mock, creds, action=action, timestamp=adm.now()).post(params).request))


# ---------------------------------------------------------------- GET and the timestamp window


def test_get(adm: Admin) -> None:
    doc = adm.clock()
    assert type(doc["now"]) is int and abs(doc["now"] - time.time()) <= 2, doc
    assert doc["offset_s"] == 0 and doc["frozen"] is False, doc


def test_offset_expires_fresh_signatures(adm: Admin, mock: MockProcess) -> None:
    doc = adm.set_clock(offset_s=600)
    assert doc["offset_s"] == 600 and doc["frozen"] is False, doc
    assert abs(doc["now"] - (time.time() + 600)) <= 2, doc
    assert abs(adm.clock()["now"] - (time.time() + 600)) <= 2
    assert_error(tt(mock), "AuthFailure.SignatureExpire", "The signature is expired, please request again.")
    assert code_of(tt(mock, timestamp=int(time.time()) + 600)) is None
    assert code_of(tt(mock, timestamp=adm.now())) is None


def test_negative_offset(adm: Admin, mock: MockProcess) -> None:
    adm.set_clock(offset_s=-600)
    assert code_of(tt(mock)) == "AuthFailure.SignatureExpire"
    assert code_of(tt(mock, timestamp=int(time.time()) - 600)) is None


def test_window_is_300_s_of_mock_time(adm: Admin, mock: MockProcess) -> None:
    adm.set_clock(freeze_at=FROZEN_AT)
    for delta, code in ((-301, "AuthFailure.SignatureExpire"), (-300, None), (0, None), (300, None),
                        (301, "AuthFailure.SignatureExpire")):
        assert code_of(tt(mock, timestamp=FROZEN_AT + delta)) == code, delta


def test_reset_restores_the_real_clock(adm: Admin, mock: MockProcess) -> None:
    adm.set_clock(offset_s=600)
    assert code_of(tt(mock)) == "AuthFailure.SignatureExpire"
    doc = adm.set_clock(reset=True)
    assert doc["offset_s"] == 0 and doc["frozen"] is False and abs(doc["now"] - time.time()) <= 2, doc
    assert code_of(tt(mock)) is None
    adm.set_clock(freeze_at=FROZEN_AT)
    adm.set_clock(reset=True)
    assert adm.clock()["frozen"] is False
    assert code_of(tt(mock)) is None


def test_offset_replaces_not_adds(adm: Admin) -> None:
    adm.set_clock(offset_s=600)
    doc = adm.set_clock(offset_s=100)
    assert doc["offset_s"] == 100 and abs(doc["now"] - (time.time() + 100)) <= 2, doc


def test_advance_a_running_clock(adm: Admin, mock: MockProcess) -> None:
    adm.set_clock(offset_s=100)
    doc = adm.set_clock(advance_s=500)
    assert doc["offset_s"] == 600 and doc["frozen"] is False, doc
    assert code_of(tt(mock)) == "AuthFailure.SignatureExpire"
    adm.set_clock(advance_s=-600)
    assert adm.clock()["offset_s"] == 0
    assert code_of(tt(mock)) is None


# ---------------------------------------------------------------- freeze


def test_freeze(adm: Admin, mock: MockProcess) -> None:
    doc = adm.set_clock(freeze_at=FROZEN_AT)
    assert doc["now"] == FROZEN_AT and doc["frozen"] is True, doc
    time.sleep(1.1)
    assert adm.clock()["now"] == FROZEN_AT
    assert code_of(tt(mock, timestamp=FROZEN_AT)) is None
    assert code_of(tt(mock, timestamp=FROZEN_AT + 1000)) == "AuthFailure.SignatureExpire"
    # The journal keeps mock time.
    entries = adm.journal()["entries"]
    assert [e["time"] for e in entries] == [FROZEN_AT, FROZEN_AT], entries


def test_advance_a_frozen_clock(adm: Admin, mock: MockProcess) -> None:
    adm.set_clock(freeze_at=FROZEN_AT)
    doc = adm.set_clock(advance_s=1000)
    assert doc["now"] == FROZEN_AT + 1000 and doc["frozen"] is True, doc
    assert code_of(tt(mock, timestamp=FROZEN_AT)) == "AuthFailure.SignatureExpire"
    assert code_of(tt(mock, timestamp=FROZEN_AT + 1000)) is None
    assert adm.set_clock(advance_s=-1000)["now"] == FROZEN_AT


def test_offset_unfreezes(adm: Admin) -> None:
    adm.set_clock(freeze_at=FROZEN_AT)
    doc = adm.set_clock(offset_s=0)
    assert doc["frozen"] is False and abs(doc["now"] - time.time()) <= 2, doc


def test_token_expiry_follows_the_mock_clock(adm: Admin, mock: MockProcess) -> None:
    expires = 4102444800      # the fixture token's expiry (2100-01-01)
    adm.set_clock(freeze_at=expires)
    assert code_of(tt(mock, TEMPORARY, timestamp=expires)) is None
    adm.set_clock(advance_s=1)
    assert code_of(tt(mock, TEMPORARY, timestamp=expires + 1)) == "AuthFailure.TokenFailure"


def test_free_quota_renews_with_the_mock_month(adm: Admin, mock: MockProcess) -> None:
    end_of_jan = calendar.timegm((2030, 1, 31, 23, 59, 0, 0, 0, 0))
    creds = adm.new_account(billing="free", monthly_free_chars=8)
    adm.set_clock(freeze_at=end_of_jan)
    assert code_of(tt(mock, creds, timestamp=end_of_jan)) is None                                    # 5 of 8
    assert code_of(tt(mock, creds, timestamp=end_of_jan)) == "FailedOperation.NoFreeAmount"          # 10 > 8
    adm.set_clock(advance_s=120)                                                                     # February
    assert code_of(tt(mock, creds, timestamp=end_of_jan + 120)) is None
    assert adm.account(creds.secret_id)["used_chars"] == 5


def test_rate_windows_run_while_frozen() -> None:
    m = MockProcess(["--fixtures", str(FIXTURES), "--seed", "42"]).start()   # rate limits on
    try:
        adm = Admin.of(m)
        creds = adm.new_account()
        adm.set_clock(freeze_at=FROZEN_AT)
        codes = [code_of(tt(m, creds, timestamp=FROZEN_AT)) for _ in range(6)]
        assert codes == [None] * 5 + ["RequestLimitExceeded"], codes
        time.sleep(1.2)
        assert code_of(tt(m, creds, timestamp=FROZEN_AT)) is None
    finally:
        m.stop()


# ---------------------------------------------------------------- FileTranslate tasks


def test_file_task_moves_with_the_clock(adm: Admin, mock: MockProcess) -> None:
    adm.set_clock(freeze_at=FROZEN_AT)
    doc = "Hello from a frozen clock\n"
    inner = post(mock, adm, "FileTranslate", {"Source": "en", "Target": "zh", "DocumentType": "txt",
                                              "SourceType": 1, "Data": b64(doc)})
    assert "Error" not in inner, inner
    task = inner["Data"]["TaskId"]

    def status() -> dict[str, Any]:
        got = post(mock, adm, "GetFileTranslate", {"TaskId": task})
        assert "Error" not in got, got
        return got["Data"]

    assert status()["Status"] == "init"
    time.sleep(1.2)                     # real time passes, mock time does not
    assert status()["Status"] == "init"
    adm.set_clock(advance_s=1)
    d = status()
    assert (d["Status"], d["Progress"]) == ("wait", 50), d
    adm.set_clock(advance_s=2)
    t0 = time.monotonic()
    d = status()
    assert (d["Status"], d["Progress"]) == ("success", 100), d
    assert d["FileData"] and time.monotonic() - t0 < 1
    # Moved back, the task is young again.
    adm.set_clock(advance_s=-3)
    assert status()["Status"] == "init"


def test_file_task_success_without_waiting(adm: Admin, mock: MockProcess) -> None:
    """With a running clock, advance_s 3 skips the three seconds."""
    t0 = time.monotonic()
    inner = post(mock, adm, "FileTranslate", {"Source": "en", "Target": "zh", "DocumentType": "txt",
                                              "SourceType": 1, "Data": b64("hi there\n")})
    task = inner["Data"]["TaskId"]
    adm.set_clock(advance_s=3)
    d = post(mock, adm, "GetFileTranslate", {"TaskId": task})["Data"]
    assert d["Status"] == "success", d
    assert time.monotonic() - t0 < 2.5


def test_file_task_forgotten_after_7_days(adm: Admin, mock: MockProcess) -> None:
    adm.set_clock(freeze_at=FROZEN_AT)
    task = post(mock, adm, "FileTranslate", {"Source": "en", "Target": "zh", "DocumentType": "txt",
                                             "SourceType": 1, "Data": b64("hi\n")})["Data"]["TaskId"]
    adm.set_clock(advance_s=7 * 24 * 3600 - 1)
    assert post(mock, adm, "GetFileTranslate", {"TaskId": task})["Data"]["Status"] == "success"
    adm.set_clock(advance_s=1)
    got = post(mock, adm, "GetFileTranslate", {"TaskId": task})
    assert got["Error"]["Code"] == "InvalidParameter", got


# ---------------------------------------------------------------- SpeechTranslate sessions


def chunk(session: str, seq: int) -> dict[str, Any]:
    return {"SessionUuid": session, "Source": "en", "Target": "zh", "AudioFormat": 146, "Seq": seq, "IsEnd": 0,
            "Data": b64(b"\x01\x00" * 3200), "ProjectId": 0}


def speech_code(mock: MockProcess, adm: Admin, session: str, seq: int) -> str | None:
    inner = post(mock, adm, "SpeechTranslate", chunk(session, seq))
    return inner["Error"]["Code"] if "Error" in inner else None


def test_speech_session_expires_after_600_idle_seconds(adm: Admin, mock: MockProcess) -> None:
    s = str(uuid.uuid4())
    adm.set_clock(freeze_at=FROZEN_AT)
    assert speech_code(mock, adm, s, 0) is None
    assert speech_code(mock, adm, s, 0) == "InvalidParameter.DuplicatedSessionIdAndSeq"
    adm.set_clock(advance_s=600)
    # 600 idle seconds: still alive, and this chunk makes it busy again.
    assert speech_code(mock, adm, s, 0) == "InvalidParameter.DuplicatedSessionIdAndSeq"
    assert speech_code(mock, adm, s, 1) is None
    adm.set_clock(advance_s=600)
    assert speech_code(mock, adm, s, 1) == "InvalidParameter.DuplicatedSessionIdAndSeq"
    adm.set_clock(advance_s=1)
    # 601 idle seconds: forgotten, so Seq 0 and 1 are new again.
    inner = post(mock, adm, "SpeechTranslate", chunk(s, 0))
    assert "Error" not in inner and inner["SourceText"] == "mock speech: 6400 bytes", inner
    assert speech_code(mock, adm, s, 1) is None


def test_speech_session_expires_on_a_running_clock(adm: Admin, mock: MockProcess) -> None:
    s = str(uuid.uuid4())
    assert speech_code(mock, adm, s, 0) is None
    adm.set_clock(advance_s=590)
    assert speech_code(mock, adm, s, 0) == "InvalidParameter.DuplicatedSessionIdAndSeq"
    adm.set_clock(advance_s=601)
    assert speech_code(mock, adm, s, 0) is None
