"""SpeechTranslate over the wire (docs/behaviour.md, SpeechTranslate and Mock conventions).

Mock conventions under test (mock_server/src/act_speech.c):
- sessions are keyed by account + SessionUuid and remember every Seq they
  accepted, so a repeated Seq is a duplicate even after IsEnd closed the
  utterance; a new Seq after IsEnd starts the next utterance (VadSeq + 1);
- SourceText names the bytes of audio of the utterance so far ("mock speech:
  N bytes", "模拟语音：N 字节" for Source zh), TargetText is it through the
  pseudo-translation ("[<target>] " + ASCII letters upper-cased);
- only pcm (16 kHz, 16-bit mono: 32000 bytes a second) can be streamed; a pcm
  chunk of 8 s (256000 bytes) or more is AudioDurationExceed; whole speex/mp3
  audio (Seq 0 with IsEnd 1) is held to 1 MiB instead;
- a chunk that fails is not remembered.
"""
from __future__ import annotations

import base64
import uuid
from typing import Any

import pytest

from harness.actions import assert_ok, check_speech
from harness.admin import Admin
from harness.mockproc import ROOT, MockProcess
from harness.signer import Credentials
from harness.wire import DEFAULT, TEMPORARY, assert_error, call, tc3, v1

FREE = Credentials("AKIDmockFreeTier00000000000000000000", "mockFreeTierSecretKey0000000000000")

PCM, SPEEX, MP3 = 146, 16779154, 83886080
PCM_8S = 8 * 32000  # 16 kHz * 2 bytes * 8 s

MSG_DUP = "重复的SessionUuid和Seq组合。"
MSG_GAP = "Seq之间的间隙请不要大于2000。"
MSG_DURATION = "音频分片长度超过限制，请保证分片长度小于8s。"

def new_uuid() -> str:
    return str(uuid.uuid4())


def audio(n: int) -> str:
    return base64.b64encode(b"\x01\x00" * (n // 2) + b"\x01" * (n % 2)).decode("ascii")


def chunk(session: str, seq: int, is_end: int = 0, n: int = 6400, **over: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "SessionUuid": session, "Source": "en", "Target": "zh", "AudioFormat": PCM,
        "Seq": seq, "IsEnd": is_end, "Data": audio(n), "ProjectId": 0,
    }
    params.update(over)
    return params


def speech(mock: MockProcess, params: dict[str, Any], creds: Credentials = DEFAULT, **kw: Any):
    # The MSG_* texts are the definitions' Chinese ones: ask for them (English is the default).
    kw.setdefault("language", "zh-CN")
    return call(mock, tc3(mock, creds, action="SpeechTranslate", **kw).post(params).request)


def expect_chunk(resp, session: str, seq: int, status: int, total: int, vad: int = 0,
                 source: str = "en", target: str = "zh") -> dict[str, Any]:
    inner = assert_ok(resp)
    check_speech(inner, session, seq, status, total, vad, source, target)
    return inner


# ---------------------------------------------------------------- success


def test_streamed_utterance_field_by_field(mock: MockProcess) -> None:
    s = new_uuid()
    expect_chunk(speech(mock, chunk(s, 0)), s, 0, status=1, total=6400)
    expect_chunk(speech(mock, chunk(s, 1, n=9600)), s, 1, status=1, total=16000)
    expect_chunk(speech(mock, chunk(s, 2, is_end=1, n=3200)), s, 2, status=0, total=19200)


def test_zh_to_en(mock: MockProcess) -> None:
    s = new_uuid()
    inner = expect_chunk(speech(mock, chunk(s, 0, Source="zh", Target="en")), s, 0, 1, 6400, source="zh", target="en")
    assert inner["TargetText"] == "[en] 模拟语音：6400 字节"
    expect_chunk(speech(mock, chunk(s, 1, 1, Source="zh", Target="en")), s, 1, 0, 12800, source="zh", target="en")


def test_whole_audio_in_one_request(mock: MockProcess) -> None:
    s = new_uuid()
    expect_chunk(speech(mock, chunk(s, 0, is_end=1, n=64000)), s, 0, status=0, total=64000)


def test_seq_not_from_zero_and_out_of_order(mock: MockProcess) -> None:
    s = new_uuid()
    expect_chunk(speech(mock, chunk(s, 5)), s, 5, 1, 6400)
    expect_chunk(speech(mock, chunk(s, 3)), s, 3, 1, 12800)  # lower, never seen: accepted
    expect_chunk(speech(mock, chunk(s, 6, 1)), s, 6, 0, 19200)


def test_next_utterance_after_is_end(mock: MockProcess) -> None:
    s = new_uuid()
    expect_chunk(speech(mock, chunk(s, 0)), s, 0, 1, 6400, vad=0)
    expect_chunk(speech(mock, chunk(s, 1, 1)), s, 1, 0, 12800, vad=0)
    # A new Seq after IsEnd: the next utterance, its audio counted afresh.
    expect_chunk(speech(mock, chunk(s, 2, n=3200)), s, 2, 1, 3200, vad=1)
    expect_chunk(speech(mock, chunk(s, 3, 1, n=3200)), s, 3, 0, 6400, vad=1)
    expect_chunk(speech(mock, chunk(s, 4, 1)), s, 4, 0, 6400, vad=2)


@pytest.mark.parametrize("sign_method", ["HmacSHA1", "HmacSHA256"])
@pytest.mark.parametrize("method", ["POST", "GET"])
def test_v1_signed_form_values(mock: MockProcess, sign_method: str, method: str) -> None:
    """Form-encoded integers (Seq, IsEnd, AudioFormat) are converted by the schema."""
    s = new_uuid()
    signer = v1(mock, action="SpeechTranslate", signature_method=sign_method)
    params = chunk(s, 0, n=3200)
    req = signer.post(params) if method == "POST" else signer.get(params)
    expect_chunk(call(mock, req.request), s, 0, 1, 3200)
    params = chunk(s, 1, 1, n=3200)
    req = signer.post(params) if method == "POST" else signer.get(params)
    expect_chunk(call(mock, req.request), s, 1, 0, 6400)


# ---------------------------------------------------------------- Seq rules


def test_duplicate_seq(mock: MockProcess) -> None:
    s = new_uuid()
    expect_chunk(speech(mock, chunk(s, 0)), s, 0, 1, 6400)
    assert_error(speech(mock, chunk(s, 0)), "InvalidParameter.DuplicatedSessionIdAndSeq", MSG_DUP)
    # also as the last chunk, with other audio
    assert_error(speech(mock, chunk(s, 0, 1, n=100)), "InvalidParameter.DuplicatedSessionIdAndSeq", MSG_DUP)
    # The rejected chunks were not counted.
    expect_chunk(speech(mock, chunk(s, 1)), s, 1, 1, 12800)


def test_duplicate_seq_english_message(mock: MockProcess) -> None:
    s = new_uuid()
    expect_chunk(speech(mock, chunk(s, 0)), s, 0, 1, 6400)
    assert_error(
        speech(mock, chunk(s, 0), language="en-US"),
        "InvalidParameter.DuplicatedSessionIdAndSeq",
        "The combination of SessionUuid and Seq is duplicated.",
    )


def test_duplicate_seq_after_is_end(mock: MockProcess) -> None:
    s = new_uuid()
    expect_chunk(speech(mock, chunk(s, 0)), s, 0, 1, 6400)
    expect_chunk(speech(mock, chunk(s, 1, 1)), s, 1, 0, 12800)
    for seq in (1, 0):
        for is_end in (0, 1):
            assert_error(speech(mock, chunk(s, seq, is_end)), "InvalidParameter.DuplicatedSessionIdAndSeq", MSG_DUP)
    # The closed utterance's Seqs stay taken in the next utterance too.
    expect_chunk(speech(mock, chunk(s, 2)), s, 2, 1, 6400, vad=1)
    assert_error(speech(mock, chunk(s, 0)), "InvalidParameter.DuplicatedSessionIdAndSeq", MSG_DUP)
    assert_error(speech(mock, chunk(s, 2)), "InvalidParameter.DuplicatedSessionIdAndSeq", MSG_DUP)


def test_seq_gap_from_start(mock: MockProcess) -> None:
    s = new_uuid()
    # A new session measures its first gap from Seq 0.
    assert_error(speech(mock, chunk(s, 2001)), "InvalidParameter.SeqIntervalTooLarge", MSG_GAP)
    assert_error(speech(mock, chunk(s, 10**9)), "InvalidParameter.SeqIntervalTooLarge", MSG_GAP)
    expect_chunk(speech(mock, chunk(s, 2000)), s, 2000, 1, 6400)


def test_seq_gap_from_highest(mock: MockProcess) -> None:
    s = new_uuid()
    expect_chunk(speech(mock, chunk(s, 0)), s, 0, 1, 6400)
    expect_chunk(speech(mock, chunk(s, 10)), s, 10, 1, 12800)
    assert_error(speech(mock, chunk(s, 2011)), "InvalidParameter.SeqIntervalTooLarge", MSG_GAP)
    assert_error(
        speech(mock, chunk(s, 2011), language="en-US"),
        "InvalidParameter.SeqIntervalTooLarge",
        "The gap between Seq values must not be larger than 2000.",
    )
    expect_chunk(speech(mock, chunk(s, 2010)), s, 2010, 1, 19200)
    # the highest is now 2010
    assert_error(speech(mock, chunk(s, 4011, 1)), "InvalidParameter.SeqIntervalTooLarge", MSG_GAP)
    expect_chunk(speech(mock, chunk(s, 4010, 1)), s, 4010, 0, 25600)


def test_seq_gap_after_is_end(mock: MockProcess) -> None:
    s = new_uuid()
    expect_chunk(speech(mock, chunk(s, 0, 1)), s, 0, 0, 6400)
    assert_error(speech(mock, chunk(s, 2001)), "InvalidParameter.SeqIntervalTooLarge", MSG_GAP)
    expect_chunk(speech(mock, chunk(s, 2000)), s, 2000, 1, 6400, vad=1)


# ---------------------------------------------------------------- audio rules


@pytest.mark.parametrize("fmt", [MP3, SPEEX], ids=["mp3", "speex"])
@pytest.mark.parametrize("seq,is_end", [(0, 0), (1, 0), (1, 1)], ids=["first", "middle", "last"])
def test_streaming_compressed_is_unsupported(mock: MockProcess, fmt: int, seq: int, is_end: int) -> None:
    s = new_uuid()
    err = assert_error(speech(mock, chunk(s, seq, is_end, AudioFormat=fmt)), "UnsupportedOperation")
    assert "pcm" in err["Message"], err
    # Not remembered: the same Seq as pcm goes through.
    expect_chunk(speech(mock, chunk(s, seq, is_end)), s, seq, 0 if is_end else 1, 6400)


@pytest.mark.parametrize("fmt", [MP3, SPEEX], ids=["mp3", "speex"])
def test_whole_compressed_audio(mock: MockProcess, fmt: int) -> None:
    s = new_uuid()
    expect_chunk(speech(mock, chunk(s, 0, 1, n=1024 * 1024, AudioFormat=fmt)), s, 0, 0, 1024 * 1024)
    # Mock convention: whole compressed audio over 1 MiB stands for "over 8 s".
    s = new_uuid()
    assert_error(
        speech(mock, chunk(s, 0, 1, n=1024 * 1024 + 1, AudioFormat=fmt)),
        "UnsupportedOperation.AudioDurationExceed", MSG_DURATION,
    )


@pytest.mark.parametrize("seq,is_end", [(0, 0), (1, 0), (0, 1)], ids=["first", "middle", "whole"])
def test_pcm_chunk_of_8s(mock: MockProcess, seq: int, is_end: int) -> None:
    s = new_uuid()
    assert_error(
        speech(mock, chunk(s, seq, is_end, n=PCM_8S)), "UnsupportedOperation.AudioDurationExceed", MSG_DURATION
    )
    assert_error(
        speech(mock, chunk(s, seq, is_end, n=PCM_8S + 1), language="en-US"),
        "UnsupportedOperation.AudioDurationExceed",
        "The audio chunk is too long: keep each chunk under 8 s.",
    )
    # Rejected chunks are not remembered: the same Seq, one byte shorter, passes.
    expect_chunk(speech(mock, chunk(s, seq, is_end, n=PCM_8S - 1)), s, seq, 0 if is_end else 1, PCM_8S - 1)


def test_many_chunks_may_add_up_past_8s(mock: MockProcess) -> None:
    """The 8 s limit is per chunk, not per utterance."""
    s = new_uuid()
    expect_chunk(speech(mock, chunk(s, 0, n=PCM_8S - 2)), s, 0, 1, PCM_8S - 2)
    expect_chunk(speech(mock, chunk(s, 1, 1, n=PCM_8S - 2)), s, 1, 0, 2 * (PCM_8S - 2))


# ---------------------------------------------------------------- sessions


@pytest.mark.parametrize("other", [FREE, TEMPORARY], ids=["free-tier", "temporary"])
def test_sessions_are_per_account(mock: MockProcess, other: Credentials) -> None:
    s = new_uuid()
    expect_chunk(speech(mock, chunk(s, 0)), s, 0, 1, 6400)
    # The same SessionUuid and Seq under another account: its own session.
    expect_chunk(speech(mock, chunk(s, 0, n=3200), creds=other), s, 0, 1, 3200)
    expect_chunk(speech(mock, chunk(s, 1, 1), creds=other), s, 1, 0, 9600)
    assert_error(speech(mock, chunk(s, 0), creds=other), "InvalidParameter.DuplicatedSessionIdAndSeq", MSG_DUP)
    # The first account's session did not see the other's chunks.
    expect_chunk(speech(mock, chunk(s, 1)), s, 1, 1, 12800)
    assert_error(speech(mock, chunk(s, 0)), "InvalidParameter.DuplicatedSessionIdAndSeq", MSG_DUP)


def test_sessions_are_per_session_uuid(mock: MockProcess) -> None:
    a, b = new_uuid(), new_uuid()
    expect_chunk(speech(mock, chunk(a, 0)), a, 0, 1, 6400)
    expect_chunk(speech(mock, chunk(b, 0, n=3200)), b, 0, 1, 3200)
    expect_chunk(speech(mock, chunk(a, 1, 1)), a, 1, 0, 12800)
    expect_chunk(speech(mock, chunk(b, 1)), b, 1, 1, 9600, vad=0)
    # A gap is measured within the session: b's highest is 1, a's is 1 too.
    expect_chunk(speech(mock, chunk(b, 2001)), b, 2001, 1, 16000)
    assert_error(speech(mock, chunk(a, 2002)), "InvalidParameter.SeqIntervalTooLarge", MSG_GAP)


def test_session_uuid_is_case_sensitive(mock: MockProcess) -> None:
    s = "MixedCase-" + new_uuid()
    expect_chunk(speech(mock, chunk(s, 0)), s, 0, 1, 6400)
    expect_chunk(speech(mock, chunk(s.lower(), 0)), s.lower(), 0, 1, 6400)


def test_dry_run_is_not_remembered(mock: MockProcess) -> None:
    s = new_uuid()
    assert_error(speech(mock, {**chunk(s, 0), "DryRun": True}), "DryRunOperation")
    expect_chunk(speech(mock, chunk(s, 0)), s, 0, 1, 6400)
    # Check 19 (the Seq) comes before check 20 (DryRun).
    assert_error(speech(mock, {**chunk(s, 0), "DryRun": True}), "InvalidParameter.DuplicatedSessionIdAndSeq", MSG_DUP)


def test_session_expires_on_mock_clock(mock: MockProcess) -> None:
    """A session idle for more than 600 s of mock time is forgotten: its Seqs are new again."""
    adm = Admin.of(mock)
    s = new_uuid()
    try:
        expect_chunk(speech(mock, chunk(s, 0)), s, 0, 1, 6400)
        expect_chunk(speech(mock, chunk(s, 1)), s, 1, 1, 12800)
        adm.set_clock(offset_s=590)
        ts = adm.now()
        # 590 s idle (the real clock runs on): still the same session.
        assert_error(speech(mock, chunk(s, 0), timestamp=ts), "InvalidParameter.DuplicatedSessionIdAndSeq", MSG_DUP)
        adm.set_clock(offset_s=590 + 601)
        ts = adm.now()
        # 601 s and more: forgotten, so Seq 0 starts a new session (6400 bytes, VadSeq 0).
        expect_chunk(speech(mock, chunk(s, 0), timestamp=ts), s, 0, 1, 6400)
        expect_chunk(speech(mock, chunk(s, 1), timestamp=ts), s, 1, 1, 12800)
    finally:
        adm.set_clock(reset=True)


# ---------------------------------------------------------------- languages


BAD_PAIRS = [("en", "ja"), ("ja", "zh"), ("en", "en"), ("zh", "zh"), ("zh-TW", "en"), ("en", "zh-TW"), ("fr", "de")]


@pytest.mark.parametrize("source,target", BAD_PAIRS)
def test_language_pair_observed(mock: MockProcess, source: str, target: str) -> None:
    s = new_uuid()
    assert_error(
        speech(mock, chunk(s, 0, Source=source, Target=target)),
        "InvalidParameterValue", f"不支持的语种：{source}_to_{target}",
    )
    # Not remembered.
    expect_chunk(speech(mock, chunk(s, 0)), s, 0, 1, 6400)


def test_language_is_checked_before_audio_and_seq(mock: MockProcess) -> None:
    s = new_uuid()
    expect_chunk(speech(mock, chunk(s, 0)), s, 0, 1, 6400)
    assert_error(
        speech(mock, chunk(s, 0, n=PCM_8S, AudioFormat=MP3, Target="ja")), "InvalidParameterValue", "不支持的语种：en_to_ja"
    )


@pytest.fixture(scope="module")
def documented() -> MockProcess:
    m = MockProcess(
        ["--fixtures", str(ROOT / "fixtures"), "--seed", "7", "--no-rate-limit", "--language-errors", "documented"]
    ).start()
    yield m
    assert m.stop() in (0, -15), "".join(m.stderr_lines)


@pytest.mark.parametrize(
    "source,target,code",
    [
        ("ja", "zh", "UnsupportedOperation.UnsupportedSourceLanguage"),
        ("zh-TW", "en", "UnsupportedOperation.UnsupportedSourceLanguage"),
        ("en", "ja", "UnsupportedOperation.UnSupportedTargetLanguage"),
        ("zh", "zh-TW", "UnsupportedOperation.UnSupportedTargetLanguage"),
        ("en", "en", "UnsupportedOperation.UnsupportedLanguage"),
        ("zh", "zh", "UnsupportedOperation.UnsupportedLanguage"),
    ],
)
def test_language_pair_documented(documented: MockProcess, source: str, target: str, code: str) -> None:
    s = new_uuid()
    assert_error(speech(documented, chunk(s, 0, Source=source, Target=target)), code)
    expect_chunk(speech(documented, chunk(s, 0)), s, 0, 1, 6400)


# ---------------------------------------------------------------- parameters (schema.c)


@pytest.mark.parametrize(
    "name,value,code",
    [
        ("Seq", -1, "InvalidParameterValue"),
        ("IsEnd", 2, "InvalidParameterValue"),
        ("AudioFormat", 1, "InvalidParameterValue"),
        ("Seq", "0", "InvalidParameter"),
        ("Data", "not base64!", "InvalidParameter"),
    ],
)
def test_bad_parameter_values(mock: MockProcess, name: str, value: Any, code: str) -> None:
    s = new_uuid()
    assert_error(speech(mock, {**chunk(s, 0), name: value}), code)
    expect_chunk(speech(mock, chunk(s, 0)), s, 0, 1, 6400)


@pytest.mark.parametrize("name", ["SessionUuid", "Source", "Target", "AudioFormat", "Seq", "IsEnd", "Data"])
def test_required_parameters(mock: MockProcess, name: str) -> None:
    params = chunk(new_uuid(), 0)
    del params[name]
    assert_error(speech(mock, params), "MissingParameter", f"The request is missing a required parameter `{name}`.")
