"""The actions on the wire: check 18 (business parameters from the one schema table),
the language rules of check 19 (both dialects, Source: auto, the TextTranslate and
TextTranslateBatch matrices of docs/behaviour.md, Language pairs), check 20 (DryRun), the successes
of TextTranslate / TextTranslateBatch / LanguageDetect field by field, and
fixtures/translations.json (used verbatim; malformed -> exit 2).
See docs/behaviour.md (Order of checks, Actions, Mock conventions)."""
from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from harness.mockproc import ROOT, MockProcess, run_once
from harness.signer import HttpResponse
from harness.wire import TEXT, assert_envelope, assert_error, build, call

FIXTURES = ROOT / "fixtures"
KINDS3 = ("tc3-post", "v1-sha1-post", "tc3-get")
FORM_KINDS = ("v1-sha1-post", "v1-sha256-get", "tc3-get")


def ok(resp: HttpResponse) -> dict[str, Any]:
    inner = assert_envelope(resp)
    assert "Error" not in inner, f"expected success, got {inner['Error']}"
    return inner


def text(s: str = "hello", **kw: Any) -> dict[str, Any]:
    return dict(TEXT, SourceText=s, **kw)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


PNG = b64(b"\x89PNG\r\n\x1a\n" + bytes(40))
PCM = b64(bytes(6400))          # 200 ms of 16 kHz 16-bit mono silence

# A valid request for each action; Speech gets a fresh SessionUuid every time.
BASE: dict[str, Callable[[], dict[str, Any]]] = {
    "TextTranslate": lambda: dict(TEXT),
    "TextTranslateBatch": lambda: {"Source": "en", "Target": "zh", "ProjectId": 0, "SourceTextList": ["hello", "world"]},
    "LanguageDetect": lambda: {"Text": "Das Wetter ist heute wirklich schön.", "ProjectId": 0},
    "SpeechTranslate": lambda: {"SessionUuid": uuid.uuid4().hex, "Source": "en", "Target": "zh", "AudioFormat": 146,
                                "Seq": 0, "IsEnd": 0, "Data": PCM, "ProjectId": 0},
    "ImageTranslate": lambda: {"SessionUuid": "img-1", "Scene": "doc", "Data": PNG, "Source": "en", "Target": "zh",
                               "ProjectId": 0},
    "ImageTranslateLLM": lambda: {"Data": PNG, "Target": "zh"},
    "FileTranslate": lambda: {"Source": "en", "Target": "zh", "DocumentType": "txt", "SourceType": 1,
                              "Data": b64(b"hello file")},
    "GetFileTranslate": lambda: {"TaskId": "no-such-task"},
}
# Required parameters in table order (docs/behaviour.md, Actions; schema.c).
REQUIRED: dict[str, list[str]] = {
    "TextTranslate": ["SourceText", "Source", "Target", "ProjectId"],
    "TextTranslateBatch": ["Source", "Target", "ProjectId", "SourceTextList"],
    "LanguageDetect": ["Text", "ProjectId"],
    "SpeechTranslate": ["SessionUuid", "Source", "Target", "AudioFormat", "Seq", "IsEnd", "Data"],
    "ImageTranslate": ["SessionUuid", "Scene", "Data", "Source", "Target", "ProjectId"],
    "ImageTranslateLLM": ["Data", "Target"],
    "FileTranslate": ["Source", "Target", "DocumentType"],
    "GetFileTranslate": ["TaskId"],
}
SCHEMA_CODES = {"UnknownParameter", "MissingParameter", "InvalidParameter", "InvalidParameterValue"}


def req(mock: MockProcess, kind: str, action: str, params: dict[str, Any], **kw: Any) -> HttpResponse:
    return call(mock, build(mock, kind, params, action=action, **kw))


def msg_unknown(name: str) -> str:
    return f"The parameter `{name}` is not recognized."


def msg_missing(name: str) -> str:
    return f"The request is missing a required parameter `{name}`."


def msg_type(name: str) -> str:
    return f"Parameter `{name}` type error."


def msg_value(name: str, why: str = "it is not one of the documented values") -> str:
    return f"The value of parameter `{name}` is not valid: {why}."


def msg_b64(name: str) -> str:
    return f"Parameter `{name}` is not valid base64."


# ---------------------------------------------------------------- check 18: the schema


@pytest.mark.parametrize("kind", KINDS3)
@pytest.mark.parametrize("action", list(BASE))
def test_18_control_base_requests_pass_the_schema(mock, action, kind) -> None:
    """The base requests the cases below start from pass check 18 (all but
    GetFileTranslate succeed; its unknown TaskId is the action's own InvalidParameter)."""
    resp = req(mock, kind, action, BASE[action]())
    if action == "GetFileTranslate":
        assert_error(resp, "InvalidParameter", "The TaskId `no-such-task` does not exist.")
    else:
        ok(resp)


@pytest.mark.parametrize("kind", KINDS3)
@pytest.mark.parametrize("action", list(BASE))
def test_18_unknown_parameter(mock, action, kind) -> None:
    assert_error(req(mock, kind, action, BASE[action]() | {"Foo": "1"}), "UnknownParameter", msg_unknown("Foo"))
    # Names are case-sensitive: a lower-cased required name is unknown, not present.
    first = REQUIRED[action][0]
    p = BASE[action]()
    p[first.lower()] = p.pop(first)
    assert_error(req(mock, kind, action, p), "UnknownParameter", msg_unknown(first.lower()))


def _missing_cases() -> list[tuple[str, int]]:
    return [(a, i) for a, names in REQUIRED.items() for i in range(len(names))]


@pytest.mark.parametrize("kind", KINDS3)
@pytest.mark.parametrize("action, i", _missing_cases(), ids=[f"{a}-{REQUIRED[a][i]}" for a, i in _missing_cases()])
def test_18_missing_parameter_in_table_order(mock, action, i, kind) -> None:
    """Without required[i:], the answer names required[i]: the first missing in table order."""
    names = REQUIRED[action]
    p = {k: v for k, v in BASE[action]().items() if k not in names[i:]}
    assert_error(req(mock, kind, action, p), "MissingParameter", msg_missing(names[i]))
    # Only the last one missing: it is named.
    p = {k: v for k, v in BASE[action]().items() if k != names[i]}
    assert_error(req(mock, kind, action, p), "MissingParameter", msg_missing(names[i]))


# JSON (TC3 POST) values of the wrong JSON type: InvalidParameter "Parameter `X` type error."
JSON_TYPE_CASES: list[tuple[str, str, Any]] = [
    ("TextTranslate", "ProjectId", "0"),
    ("TextTranslate", "ProjectId", 0.0),
    ("TextTranslate", "ProjectId", True),
    ("TextTranslate", "ProjectId", [0]),
    ("TextTranslate", "SourceText", 5),
    ("TextTranslate", "SourceText", ["hello"]),
    ("TextTranslate", "Source", {"x": "en"}),
    ("TextTranslate", "UntranslatedText", 1),
    ("TextTranslate", "TermRepoIDList", "repo"),
    ("TextTranslate", "SentRepoIDList", [1]),
    ("TextTranslate", "DryRun", "true"),
    ("TextTranslate", "DryRun", 1),
    ("TextTranslateBatch", "SourceTextList", "hello"),
    ("TextTranslateBatch", "SourceTextList", ["hello", 1]),
    ("TextTranslateBatch", "SourceTextList", {"0": "hello"}),
    ("TextTranslateBatch", "ProjectId", "0"),
    ("LanguageDetect", "Text", 1),
    ("LanguageDetect", "ProjectId", "0"),
    ("SpeechTranslate", "Seq", "0"),
    ("SpeechTranslate", "AudioFormat", "146"),
    ("SpeechTranslate", "IsEnd", False),
    ("SpeechTranslate", "Data", 5),
    ("ImageTranslate", "Scene", 1),
    ("ImageTranslateLLM", "Target", 1),
    ("ImageTranslateLLM", "Data", ["x"]),
    ("FileTranslate", "SourceType", "1"),
    ("FileTranslate", "DocumentType", 5),
    ("GetFileTranslate", "TaskId", 5),
]


@pytest.mark.parametrize("action, name, value", JSON_TYPE_CASES,
                         ids=[f"{a}-{n}-{json.dumps(v)}" for a, n, v in JSON_TYPE_CASES])
def test_18_wrong_json_type(mock, action, name, value) -> None:
    assert_error(req(mock, "tc3-post", action, BASE[action]() | {name: value}), "InvalidParameter", msg_type(name))


# Form (v1, TC3 GET) values that do not convert to the parameter's type.
FORM_TYPE_CASES: list[tuple[str, str, Any]] = [
    ("TextTranslate", "ProjectId", "abc"),
    ("TextTranslate", "ProjectId", "1.5"),
    ("TextTranslate", "ProjectId", "0x10"),
    ("TextTranslate", "DryRun", "yes"),
    ("TextTranslate", "TermRepoIDList", "repo"),        # a bare value, not Name.0
    ("TextTranslateBatch", "SourceTextList", "hello"),  # a bare value, not Name.0
    ("SpeechTranslate", "Seq", "x"),
    ("SpeechTranslate", "AudioFormat", "pcm"),
    ("SpeechTranslate", "IsEnd", "true"),
    ("FileTranslate", "SourceType", "data"),
]


@pytest.mark.parametrize("kind", FORM_KINDS)
@pytest.mark.parametrize("action, name, value", FORM_TYPE_CASES,
                         ids=[f"{a}-{n}-{v}" for a, n, v in FORM_TYPE_CASES])
def test_18_form_value_of_the_wrong_type(mock, action, name, value, kind) -> None:
    assert_error(req(mock, kind, action, BASE[action]() | {name: value}), "InvalidParameter", msg_type(name))


@pytest.mark.parametrize("kind", KINDS3)
def test_18_project_id_string_zero(mock, kind) -> None:
    """JSON "0" is a string where an int is wanted (TC3 POST); in a form every value is a
    string, and "0" is the int 0 (v1, TC3 GET)."""
    resp = req(mock, kind, "TextTranslate", text(ProjectId="0"))
    if kind == "tc3-post":
        assert_error(resp, "InvalidParameter", msg_type("ProjectId"))
    else:
        assert ok(resp)["TargetText"] == "[zh] HELLO"


@pytest.mark.parametrize("kind", KINDS3)
def test_18_source_text_list_as_a_list(mock, kind) -> None:
    """A list is a JSON array (TC3 POST) or Name.0, Name.1 (forms); anything else is a type error."""
    inner = ok(req(mock, kind, "TextTranslateBatch", BASE["TextTranslateBatch"]()))
    assert inner["TargetTextList"] == ["[zh] HELLO", "[zh] WORLD"]
    assert_error(req(mock, kind, "TextTranslateBatch", BASE["TextTranslateBatch"]() | {"SourceTextList": "hello"}),
                 "InvalidParameter", msg_type("SourceTextList"))


B64_ACTIONS = ["SpeechTranslate", "ImageTranslate", "ImageTranslateLLM", "FileTranslate"]
BAD_B64 = ["!!!!", "abc", "ab=c", "a===", "aGVsbG8=\n", "aGV sbG8="]


@pytest.mark.parametrize("kind", KINDS3)
@pytest.mark.parametrize("data", BAD_B64, ids=[repr(d) for d in BAD_B64])
@pytest.mark.parametrize("action", B64_ACTIONS)
def test_18_undecodable_base64(mock, action, data, kind) -> None:
    assert_error(req(mock, kind, action, BASE[action]() | {"Data": data}), "InvalidParameter", msg_b64("Data"))


# Bad values of the right type: InvalidParameterValue.
VALUE_CASES: list[tuple[str, str, Any, str]] = [
    ("SpeechTranslate", "AudioFormat", 1, msg_value("AudioFormat")),
    ("SpeechTranslate", "AudioFormat", 0, msg_value("AudioFormat")),
    ("SpeechTranslate", "IsEnd", 2, msg_value("IsEnd")),
    ("SpeechTranslate", "IsEnd", -1, msg_value("IsEnd")),
    ("SpeechTranslate", "Seq", -1, msg_value("Seq", "it must not be negative")),
    ("ImageTranslate", "Scene", "photo", msg_value("Scene")),
    ("ImageTranslate", "Scene", "DOC", msg_value("Scene")),
    ("FileTranslate", "DocumentType", "exe", msg_value("DocumentType")),
    ("FileTranslate", "DocumentType", "PDF", msg_value("DocumentType")),
    ("FileTranslate", "SourceType", 2, msg_value("SourceType")),
    ("FileTranslate", "Url", "http://x/" + "a" * 992, msg_value("Url", "it is longer than 1000 characters")),
    ("FileTranslate", "CallbackUrl", "http://127.0.0.1/" + "c" * 240,
     msg_value("CallbackUrl", "it is longer than 256 characters")),
]


@pytest.mark.parametrize("kind", KINDS3)
@pytest.mark.parametrize("action, name, value, message", VALUE_CASES,
                         ids=[f"{a}-{n}-{str(v)[:12]}" for a, n, v, _ in VALUE_CASES])
def test_18_bad_value(mock, action, name, value, message, kind) -> None:
    assert_error(req(mock, kind, action, BASE[action]() | {name: value}), "InvalidParameterValue", message)


def test_18_documented_values_pass(mock) -> None:
    """The controls of the value cases: every documented enum value passes check 18."""
    for fmt in (146, 16779154, 83886080):
        resp = req(mock, "tc3-post", "SpeechTranslate", BASE["SpeechTranslate"]() | {"AudioFormat": fmt, "IsEnd": 1})
        assert assert_envelope(resp).get("Error", {}).get("Code") not in SCHEMA_CODES, resp.body
    for dt in ("pdf", "docx", "pptx", "xlsx", "txt", "xml", "html", "markdown", "properties"):
        ok(req(mock, "tc3-post", "FileTranslate", BASE["FileTranslate"]() | {"DocumentType": dt}))
    ok(req(mock, "tc3-post", "FileTranslate", BASE["FileTranslate"]() | {"Url": "http://x/" + "a" * 991}))


# The order within check 18: unknown, missing, type, value.
ORDER_CASES: list[tuple[str, str, tuple[str, ...], Callable[[], dict[str, Any]], str, str]] = [
    ("unknown before missing", "TextTranslate", KINDS3, lambda: {"Foo": 1}, "UnknownParameter", msg_unknown("Foo")),
    ("unknown after a type error", "TextTranslate", ("tc3-post",),
     lambda: text(ProjectId="0") | {"Zzz": 1}, "UnknownParameter", msg_unknown("Zzz")),
    ("unknown after a bad value", "SpeechTranslate", KINDS3,
     lambda: BASE["SpeechTranslate"]() | {"AudioFormat": 1, "Zzz": 1}, "UnknownParameter", msg_unknown("Zzz")),
    ("missing before type (json)", "TextTranslate", ("tc3-post",),
     lambda: {"SourceText": 5}, "MissingParameter", msg_missing("Source")),
    ("missing before type (form)", "SpeechTranslate", FORM_KINDS,
     lambda: {"Seq": "x", "AudioFormat": "pcm"}, "MissingParameter", msg_missing("SessionUuid")),
    ("missing before value", "SpeechTranslate", KINDS3,
     lambda: {k: v for k, v in BASE["SpeechTranslate"]().items() if k != "Data"} | {"AudioFormat": 1},
     "MissingParameter", msg_missing("Data")),
    ("type before value", "SpeechTranslate", KINDS3,
     lambda: {"AudioFormat": 1, "IsEnd": 2} | {k: v for k, v in BASE["SpeechTranslate"]().items()
                                               if k not in ("AudioFormat", "IsEnd")} | {"Seq": "x"},
     "InvalidParameter", msg_type("Seq")),
    ("type before base64", "ImageTranslate", ("tc3-post",),
     lambda: {"Data": "!!!!"} | BASE["ImageTranslate"]() | {"Data": "!!!!", "ProjectId": "0"},
     "InvalidParameter", msg_type("ProjectId")),
]


@pytest.mark.parametrize("action, kinds, make, code, message",
                         [c[1:] for c in ORDER_CASES], ids=[c[0] for c in ORDER_CASES])
def test_18_order(mock, action, kinds, make, code, message) -> None:
    for kind in kinds:
        assert_error(req(mock, kind, action, make()), code, message)


def test_18_before_19(mock) -> None:
    """Parameters are checked before the action's rules (language pair, length)."""
    assert_error(req(mock, "tc3-post", "TextTranslate", text(Target="zh-CN", ProjectId="0")),
                 "InvalidParameter", msg_type("ProjectId"))
    assert_error(req(mock, "v1-sha1-get", "TextTranslate", text(Source="ja", Target="fr", Foo="1")),
                 "UnknownParameter", msg_unknown("Foo"))


# ---------------------------------------------------------------- check 19: language pairs

# docs/behaviour.md, Language pairs: the current TextTranslate matrix; Batch lacks zh <-> zh-TW.
CODES = "zh zh-TW en ja ko fr es it de tr ru pt vi id th ms ar hi".split()
_EU = "fr es it de tr ru pt".split()
MATRIX: dict[str, set[str]] = {
    "zh": set("zh-TW en ja ko fr es it de tr ru pt vi id th ms ar".split()),
    "zh-TW": set("zh en ja ko fr es it de tr ru pt vi id th ms ar".split()),
    "en": set("zh zh-TW ja ko fr es it de tr ru pt vi id th ms ar hi".split()),
    "ja": {"zh", "zh-TW", "en", "ko"},
    "ko": {"zh", "zh-TW", "en", "ja"},
    **{s: {"zh", "zh-TW", "en"} | (set(_EU) - {s}) for s in _EU},
    **{s: {"zh", "zh-TW", "en"} for s in ("vi", "id", "th", "ms", "ar")},
    "hi": {"en"},
}
BATCH_MATRIX = {s: t - ({"zh-TW"} if s == "zh" else {"zh"} if s == "zh-TW" else set()) for s, t in MATRIX.items()}


def observed(src: str, tgt: str) -> str:
    return f"不支持的语种：{src}_to_{tgt}"


def _pair_request(mock: MockProcess, action: str, src: str, tgt: str, kind: str = "tc3-post",
                  **kw: Any) -> HttpResponse:
    if action == "TextTranslate":
        return req(mock, kind, action, text("hello", Source=src, Target=tgt), **kw)
    return req(mock, kind, action, {"Source": src, "Target": tgt, "ProjectId": 0,
                                    "SourceTextList": ["hello", "you"]}, **kw)


@pytest.mark.parametrize("action, matrix", [("TextTranslate", MATRIX), ("TextTranslateBatch", BATCH_MATRIX)])
def test_19_full_language_matrix_observed(mock, action, matrix) -> None:
    """Every ordered pair of the 18 codes: a pair of the matrix succeeds, anything else
    (same-language pairs included) is InvalidParameterValue "不支持的语种：s_to_t"."""
    wrong = []
    for src in CODES:
        for tgt in CODES:
            inner = assert_envelope(_pair_request(mock, action, src, tgt))
            if tgt in matrix[src]:
                good = "Error" not in inner and inner["Source"] == src and inner["Target"] == tgt
            else:
                good = inner.get("Error") == {"Code": "InvalidParameterValue", "Message": observed(src, tgt)}
            if not good:
                wrong.append((src, tgt, inner.get("Error")))
    assert not wrong, f"{len(wrong)} pairs answered wrongly: {wrong[:20]}"


OBSERVED_CASES: list[tuple[str, str, str]] = [
    ("TextTranslate", "en", "zh-CN"),      # a real answer on record (docs/behaviour.md)
    ("TextTranslate", "ro", "zh"),         # likewise
    ("TextTranslate", "ja", "fr"),         # two valid codes that do not pair
    ("TextTranslate", "EN", "zh"),         # codes are case-sensitive
    ("TextTranslate", "en", "jp"),         # LanguageDetect's code, not a TextTranslate one
    ("TextTranslate", "zh", "auto"),
    ("TextTranslateBatch", "zh", "zh-TW"),
    ("TextTranslateBatch", "zh-TW", "zh"),
    ("TextTranslateBatch", "en", "zh-CN"),
]


@pytest.mark.parametrize("language", [None, "zh-CN", "en-US"], ids=["default", "zh", "en"])
@pytest.mark.parametrize("kind", ["tc3-post", "v1-sha1-get"])
@pytest.mark.parametrize("action, src, tgt", OBSERVED_CASES, ids=[f"{a}-{s}-{t}" for a, s, t in OBSERVED_CASES])
def test_19_observed_dialect(mock, action, src, tgt, kind, language) -> None:
    """The live service's answer, in Chinese whatever X-TC-Language says."""
    assert_error(_pair_request(mock, action, src, tgt, kind, language=language),
                 "InvalidParameterValue", observed(src, tgt))


def test_19_zh_traditional_pairs_only_in_text_translate(mock) -> None:
    for src, tgt in (("zh", "zh-TW"), ("zh-TW", "zh")):
        inner = ok(_pair_request(mock, "TextTranslate", src, tgt))
        assert (inner["Source"], inner["Target"], inner["TargetText"]) == (src, tgt, f"[{tgt}] HELLO")
        assert_error(_pair_request(mock, "TextTranslateBatch", src, tgt), "InvalidParameterValue", observed(src, tgt))


@pytest.fixture(scope="module")
def documented() -> Iterator[MockProcess]:
    m = MockProcess(["--fixtures", str(FIXTURES), "--seed", "9", "--no-rate-limit",
                     "--language-errors", "documented"]).start()
    yield m
    code = m.stop()
    assert code in (0, -15), f"tmtmock exited {code}; stderr:\n{''.join(m.stderr_lines)}"


DOC_SOURCE = ("UnsupportedOperation.UnsupportedSourceLanguage",
              "不支持的源语言，请参照语言列表。",
              "Unsupported source language. Please refer to the supported language list.")
DOC_TARGET = ("UnsupportedOperation.UnSupportedTargetLanguage",
              "不支持的目标语言，请参照语言列表。",
              "Unsupported target language. Please refer to the supported language list.")
DOC_PAIR = ("UnsupportedOperation.UnsupportedLanguage",
            "不支持的语言，请参照语言列表。",
            "Unsupported language. Please refer to the supported language list.")
DOCUMENTED_CASES: list[tuple[str, str, str, tuple[str, str, str]]] = [
    ("TextTranslate", "xx", "zh", DOC_SOURCE),
    ("TextTranslate", "EN", "zh", DOC_SOURCE),
    ("TextTranslate", "ro", "zh", DOC_SOURCE),
    ("TextTranslate", "xx", "yy", DOC_SOURCE),          # both unknown: the source is named first
    ("TextTranslate", "en", "zh-CN", DOC_TARGET),
    ("TextTranslate", "en", "jp", DOC_TARGET),
    ("TextTranslate", "ja", "fr", DOC_PAIR),
    ("TextTranslate", "hi", "zh", DOC_PAIR),
    ("TextTranslate", "en", "en", DOC_PAIR),
    ("TextTranslateBatch", "zh", "zh-TW", DOC_PAIR),
    ("TextTranslateBatch", "ro", "en", DOC_SOURCE),
    ("TextTranslateBatch", "en", "zh-CN", DOC_TARGET),
]


@pytest.mark.parametrize("language, lang", [(None, "en"), ("zh-CN", "zh"), ("en-US", "en")], ids=["default", "zh", "en"])
@pytest.mark.parametrize("kind", ["tc3-post", "v1-sha256-post"])
@pytest.mark.parametrize("action, src, tgt, expected", DOCUMENTED_CASES,
                         ids=[f"{a}-{s}-{t}" for a, s, t, _ in DOCUMENTED_CASES])
def test_19_documented_dialect(documented, action, src, tgt, expected, kind, language, lang) -> None:
    code, zh, en = expected
    assert_error(_pair_request(documented, action, src, tgt, kind, language=language), code, zh if lang == "zh" else en)


def test_19_documented_dialect_still_translates_pairs(documented) -> None:
    assert ok(_pair_request(documented, "TextTranslate", "zh", "zh-TW"))["TargetText"] == "[zh-TW] HELLO"
    assert ok(_pair_request(documented, "TextTranslateBatch", "ja", "ko"))["TargetTextList"] == ["[ko] HELLO", "[ko] YOU"]


AUTO_CASES: list[tuple[str, str, str]] = [
    ("Ich habe heute leider keine Zeit, weil ich noch arbeiten muss.", "de", "zh"),
    ("Where did you put the keys to the old blue car?", "en", "zh"),
    ("我们下个星期一起去爬山吧。", "zh", "en"),
    ("明日は雨が降るかもしれません。", "ja", "en"),
    ("저는 매일 아침 커피를 마셔요.", "ko", "zh"),
]


@pytest.mark.parametrize("kind", KINDS3)
@pytest.mark.parametrize("sentence, detected, target", AUTO_CASES, ids=[c[1] for c in AUTO_CASES])
def test_19_source_auto_answers_the_detected_code(mock, sentence, detected, target, kind) -> None:
    """Source auto answers with the detected TextTranslate code (ja, ko: the codes of the
    matrix, which the answer's Source must be usable as)."""
    inner = ok(req(mock, kind, "TextTranslate", text(sentence, Source="auto", Target=target)))
    assert (inner["Source"], inner["Target"]) == (detected, target)
    assert inner["TargetText"] == f"[{target}] " + sentence.upper()
    assert inner["UsedAmount"] == len(sentence)


def test_19_source_auto_in_batch(mock) -> None:
    inner = ok(req(mock, "tc3-post", "TextTranslateBatch",
                   {"Source": "auto", "Target": "en", "ProjectId": 0, "SourceTextList": ["你好", "今天天气怎么样"]}))
    assert (inner["Source"], inner["Target"], inner["UsedAmount"]) == ("zh", "en", 9)


@pytest.mark.parametrize("language, message", [
    ("zh-CN", "暂时无法识别该语种。"), ("en-US", "The language of the text cannot be recognized at the moment."),
    (None, "The language of the text cannot be recognized at the moment."),
], ids=["zh", "en", "default"])
@pytest.mark.parametrize("kind", KINDS3)
def test_19_source_auto_unrecognizable(mock, kind, language, message) -> None:
    for s in ("12345 !!!", "😀😀 ...", "   "):
        assert_error(req(mock, kind, "TextTranslate", text(s, Source="auto"), language=language),
                     "FailedOperation.LanguageRecognitionErr", message)
    assert_error(req(mock, kind, "LanguageDetect", {"Text": "12345 !!!", "ProjectId": 0}, language=language),
                 "FailedOperation.LanguageRecognitionErr", message)


# ---------------------------------------------------------------- check 20: DryRun

DRY_ZH = "DryRun 操作，代表请求将会是成功的，只是多传了 DryRun 参数。"
DRY_EN = "DryRun operation: the request would have succeeded, but the DryRun parameter was passed."
DRY_ACTIONS = [a for a in BASE if a != "GetFileTranslate"]


# No X-TC-Language is English (docs/fidelity.md); zh-CN when asked.
@pytest.mark.parametrize("language, lang", [(None, "en"), ("zh-CN", "zh"), ("en-US", "en")], ids=["default", "zh", "en"])
@pytest.mark.parametrize("kind", ["tc3-post", "v1-sha1-post", "v1-sha256-get", "tc3-get"])
@pytest.mark.parametrize("action", DRY_ACTIONS)
def test_20_dry_run(mock, action, kind, language, lang) -> None:
    """DryRun true: a JSON bool (TC3 POST) or "true" (forms, as the SDKs flatten booleans)."""
    resp = req(mock, kind, action, BASE[action]() | {"DryRun": True}, language=language)
    assert_error(resp, "DryRunOperation", DRY_ZH if lang == "zh" else DRY_EN)


@pytest.mark.parametrize("kind", ["tc3-post", "v1-sha1-post", "tc3-get"])
def test_20_dry_run_false_runs_the_action(mock, kind) -> None:
    assert ok(req(mock, kind, "TextTranslate", text(DryRun=False)))["TargetText"] == "[zh] HELLO"


DRY_AFTER_RULES: list[tuple[str, str, Callable[[], dict[str, Any]], str]] = [
    ("too long", "TextTranslate", lambda: text("a" * 6000), "UnsupportedOperation.TextTooLong"),
    ("batch too long", "TextTranslateBatch",
     lambda: BASE["TextTranslateBatch"]() | {"SourceTextList": ["a" * 3000] * 2}, "UnsupportedOperation.TextTooLong"),
    ("detect too long", "LanguageDetect", lambda: {"Text": "a" * 2000, "ProjectId": 0},
     "UnsupportedOperation.TextTooLong"),
    ("bad pair", "TextTranslate", lambda: text(Source="ja", Target="fr"), "InvalidParameterValue"),
    ("auto unrecognizable", "TextTranslate", lambda: text("12345", Source="auto"),
     "FailedOperation.LanguageRecognitionErr"),
    ("detect unrecognizable", "LanguageDetect", lambda: {"Text": "12345", "ProjectId": 0},
     "FailedOperation.LanguageRecognitionErr"),
    ("unknown task", "GetFileTranslate", BASE["GetFileTranslate"], "InvalidParameter"),
    ("schema", "TextTranslate", lambda: text(ProjectId="zero"), "InvalidParameter"),
    ("unknown parameter", "LanguageDetect", lambda: BASE["LanguageDetect"]() | {"Foo": 1}, "UnknownParameter"),
]


@pytest.mark.parametrize("kind", ["tc3-post", "v1-sha1-post"])
@pytest.mark.parametrize("action, make, code", [c[1:] for c in DRY_AFTER_RULES], ids=[c[0] for c in DRY_AFTER_RULES])
def test_20_dry_run_comes_after_the_rules(mock, action, make, code, kind) -> None:
    assert_error(req(mock, kind, action, make() | {"DryRun": True}), code)


def test_20_dry_run_has_no_side_effects(mock) -> None:
    """A DryRun speech chunk does not take its Seq: the real chunk after it succeeds."""
    p = BASE["SpeechTranslate"]()
    assert_error(req(mock, "tc3-post", "SpeechTranslate", p | {"DryRun": True}), "DryRunOperation")
    assert ok(req(mock, "tc3-post", "SpeechTranslate", p))["Seq"] == 0
    # ...and a repeat of a Seq is caught by the rules even under DryRun.
    assert_error(req(mock, "tc3-post", "SpeechTranslate", p | {"DryRun": True}),
                 "InvalidParameter.DuplicatedSessionIdAndSeq")


# ---------------------------------------------------------------- successes, field by field

TRANSLATE_CASES: list[tuple[dict[str, Any], str]] = [
    (text("hello world"), "[zh] HELLO WORLD"),
    (text("hello world", UntranslatedText="world"), "[zh] HELLO world"),
    (text("world hello world", UntranslatedText="world"), "[zh] world HELLO world"),
    (text("Tencent Cloud is here", Target="ja", UntranslatedText="Tencent"), "[ja] Tencent CLOUD IS HERE"),
    (text("hello 世界 😀", Target="fr"), "[fr] HELLO 世界 😀"),
    (text("你好，世界", Source="zh", Target="en"), "[en] 你好，世界"),
    (text("a+b c%20d&e=f"), "[zh] A+B C%20D&E=F"),
]


@pytest.mark.parametrize("kind", KINDS3)
@pytest.mark.parametrize("params, expected", TRANSLATE_CASES, ids=[c[1] for c in TRANSLATE_CASES])
def test_text_translate_fields(mock, params, expected, kind) -> None:
    inner = ok(req(mock, kind, "TextTranslate", params))
    assert set(inner) == {"TargetText", "Source", "Target", "UsedAmount", "RequestId"}, inner
    assert inner["TargetText"] == expected
    assert (inner["Source"], inner["Target"]) == (params["Source"], params["Target"])
    assert type(inner["UsedAmount"]) is int and inner["UsedAmount"] == len(params["SourceText"])


BATCH_CASES: list[tuple[str, str, list[str]]] = [
    ("en", "zh", ["one", "two", "three", "four"]),
    ("zh", "en", ["你好", "今天天气怎么样"]),
    ("de", "fr", ["Guten Morgen", "", "😀 gut"]),
    ("en", "ja", ["single"]),
]


@pytest.mark.parametrize("kind", KINDS3)
@pytest.mark.parametrize("src, tgt, items", BATCH_CASES, ids=[f"{s}-{t}-{len(i)}" for s, t, i in BATCH_CASES])
def test_text_translate_batch_fields(mock, src, tgt, items, kind) -> None:
    inner = ok(req(mock, kind, "TextTranslateBatch",
                   {"Source": src, "Target": tgt, "ProjectId": 0, "SourceTextList": items}))
    assert set(inner) == {"Source", "Target", "TargetTextList", "UsedAmount", "RequestId"}, inner
    assert inner["TargetTextList"] == [f"[{tgt}] " + s.upper() for s in items]
    assert (inner["Source"], inner["Target"]) == (src, tgt)
    assert type(inner["UsedAmount"]) is int and inner["UsedAmount"] == sum(len(s) for s in items)


DETECT_CASES: list[tuple[str, str]] = [
    ("jp", "駅の近くに新しいパン屋さんができたので、週末に行ってみようと思います。"),
    ("jp", "この本はとても面白かったです。"),
    ("kr", "오늘은 날씨가 정말 좋아서 공원에 산책하러 갔어요."),
    ("kr", "내일 회의는 몇 시에 시작하나요?"),
    ("zh", "我们明天早上八点在火车站门口见面吧。"),
    ("zh", "这家饭馆的菜又便宜又好吃。"),
    ("en", "The children were playing in the garden while their parents cooked dinner."),
    ("en", "Could you send me the report before Friday afternoon?"),
    ("fr", "Nous avons visité le musée avec nos amis pendant les vacances d'été."),
    ("fr", "Je ne sais pas pourquoi il est parti si tôt ce matin."),
    ("de", "Meine Schwester wohnt seit drei Jahren in einer kleinen Wohnung in Hamburg."),
    ("de", "Kannst du mir bitte sagen, wo der Bahnhof ist?"),
    ("es", "Mañana vamos a comprar frutas y verduras en el mercado del pueblo."),
    ("es", "¿Dónde está la biblioteca que abrieron el año pasado?"),
    ("it", "Questa sera andiamo a mangiare una pizza con i nostri colleghi di lavoro."),
    ("it", "Non ho ancora capito perché lui non è venuto alla festa."),
    ("pt", "Eles não conseguiram encontrar o caminho para a praia porque estava muito escuro."),
    ("pt", "Você já terminou de ler aquele livro que eu te emprestei?"),
    ("ru", "Вчера вечером мы долго гуляли по набережной и разговаривали о будущем."),
    ("ru", "Сколько стоит билет до Москвы?"),
    ("th", "พรุ่งนี้ฉันจะไปซื้อของที่ตลาดกับแม่ของฉัน"),
    ("th", "อาหารร้านนี้อร่อยมาก"),
    ("vi", "Hôm nay trời mưa nên chúng tôi ở nhà đọc sách và uống trà."),
    ("vi", "Bạn có biết đường đến bệnh viện không?"),
    ("tr", "Bu akşam arkadaşlarımla birlikte sinemaya gitmeyi düşünüyorum."),
    ("tr", "Yarın sabah erkenden işe gitmem gerekiyor."),
]


@pytest.mark.parametrize("kind", KINDS3)
@pytest.mark.parametrize("lang, sentence", DETECT_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(DETECT_CASES)])
def test_language_detect_documented_codes(mock, lang, sentence, kind) -> None:
    inner = ok(req(mock, kind, "LanguageDetect", {"Text": sentence, "ProjectId": 0}))
    assert set(inner) == {"Lang", "RequestId"}, inner
    assert inner["Lang"] == lang, f"{sentence!r}: {inner['Lang']} != {lang}"


# ---------------------------------------------------------------- fixtures/translations.json

TRANSLATIONS = {"translations": [
    {"source": "en", "target": "zh", "text": "hello world", "translation": "你好，世界"},
    {"source": "zh", "target": "en", "text": "早上好", "translation": "Good morning"},
    {"source": "en", "target": "ja", "text": "thank you", "translation": "ありがとう"},
]}


def _fixtures_dir(d: Path, translations: str | None) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    (d / "accounts.json").write_text((FIXTURES / "accounts.json").read_text(encoding="utf-8"), encoding="utf-8")
    if translations is not None:
        (d / "translations.json").write_text(translations, encoding="utf-8")
    return d


@pytest.fixture(scope="module")
def translated(tmp_path_factory) -> Iterator[MockProcess]:
    d = _fixtures_dir(tmp_path_factory.mktemp("xlate"), json.dumps(TRANSLATIONS, ensure_ascii=False))
    m = MockProcess(["--fixtures", str(d), "--seed", "11", "--no-rate-limit"]).start()
    yield m
    code = m.stop()
    assert code in (0, -15), f"tmtmock exited {code}; stderr:\n{''.join(m.stderr_lines)}"


# (params, expected TargetText): entries match on source, target and the exact text.
FIXTURE_TEXT_CASES: list[tuple[dict[str, Any], str]] = [
    (text("hello world"), "你好，世界"),
    (text("hello world", Source="auto"), "你好，世界"),      # matched on the detected source
    (text("早上好", Source="zh", Target="en"), "Good morning"),
    (text("thank you", Target="ja"), "ありがとう"),
    (text("hello world", Target="ja"), "[ja] HELLO WORLD"),   # another target: pseudo
    (text("Hello world"), "[zh] HELLO WORLD"),                # another text: pseudo
    (text("hello world "), "[zh] HELLO WORLD "),
]


@pytest.mark.parametrize("kind", KINDS3)
@pytest.mark.parametrize("params, expected", FIXTURE_TEXT_CASES, ids=[f"{i}" for i in range(len(FIXTURE_TEXT_CASES))])
def test_translations_fixture_used_verbatim(translated, params, expected, kind) -> None:
    inner = ok(req(translated, kind, "TextTranslate", params))
    assert inner["TargetText"] == expected
    assert inner["UsedAmount"] == len(params["SourceText"])


def test_translations_fixture_in_batch(translated) -> None:
    inner = ok(req(translated, "tc3-post", "TextTranslateBatch",
                   {"Source": "en", "Target": "zh", "ProjectId": 0, "SourceTextList": ["hi", "hello world", "bye"]}))
    assert inner["TargetTextList"] == ["[zh] HI", "你好，世界", "[zh] BYE"]


def test_translations_fixture_absent_means_pseudo(mock) -> None:
    assert ok(req(mock, "tc3-post", "TextTranslate", text("hello world")))["TargetText"] == "[zh] HELLO WORLD"


def _entry(**over: Any) -> dict[str, Any]:
    return {"source": "en", "target": "zh", "text": "a", "translation": "b", **over}


def _without(field: str) -> dict[str, Any]:
    e = _entry()
    del e[field]
    return e


GOOD_ENTRY = _entry()
# (name, file text, substrings stderr must contain besides "translations.json")
BAD_TRANSLATIONS: list[tuple[str, str, list[str]]] = [
    ("not json", "{", ["line"]),
    ("words", "translations please", ["line"]),
    ("trailing comma", '{"translations": [1,]}', ["line"]),
    ("duplicate key", '{"translations": [], "translations": []}', ["translations"]),
    ("translations missing", "{}", ["translations"]),
    ("translations not a list", json.dumps({"translations": {"a": 1}}), ["translations"]),
    ("top level a list", json.dumps([GOOD_ENTRY]), ["translations"]),
    ("entry not an object", json.dumps({"translations": [GOOD_ENTRY, "hello"]}), ["translations[1]"]),
    ("missing source", json.dumps({"translations": [_without("source")]}), ["translations[0].source: required"]),
    ("missing text", json.dumps({"translations": [GOOD_ENTRY, _without("text")]}),
     ["translations[1].text: required"]),
    ("missing translation", json.dumps({"translations": [_without("translation")]}),
     ["translations[0].translation: required"]),
    ("unknown field", json.dumps({"translations": [_entry(tagret="zh")]}),
     ["translations[0].tagret: unknown field"]),
    ("translation a number", json.dumps({"translations": [_entry(translation=5)]}),
     ["translations[0]", "translation"]),
    ("target null", json.dumps({"translations": [GOOD_ENTRY, _entry(target=None)]}), ["translations[1]", "target"]),
    ("text a list", json.dumps({"translations": [_entry(text=["a"])]}), ["translations[0]", "text"]),
    ("source an object", json.dumps({"translations": [_entry(source={"en": 1})]}), ["translations[0]", "source"]),
]


@pytest.mark.parametrize("content, needles", [c[1:] for c in BAD_TRANSLATIONS], ids=[c[0] for c in BAD_TRANSLATIONS])
def test_malformed_translations_exit_2(tmp_path, content, needles) -> None:
    d = _fixtures_dir(tmp_path, content)
    r = run_once(["--listen", "127.0.0.1:0", "--fixtures", str(d), "--seed", "1"], timeout=5)
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert "listening on" not in r.stdout
    assert "translations.json" in r.stderr, r.stderr
    for needle in needles:
        assert needle in r.stderr, f"{needle!r} not in stderr: {r.stderr!r}"


def test_wellformed_translations_start(tmp_path) -> None:
    """The control of the cases above."""
    d = _fixtures_dir(tmp_path, json.dumps({"translations": [GOOD_ENTRY, _entry(text="b", comment="why")]}))
    with MockProcess(["--fixtures", str(d), "--seed", "1"]) as m:
        assert m.port > 0
    d2 = _fixtures_dir(tmp_path / "empty", json.dumps({"translations": []}))
    with MockProcess(["--fixtures", str(d2), "--seed", "1"]) as m:
        assert m.port > 0
