"""ImageTranslate and ImageTranslateLLM over the wire (docs/behaviour.md, Actions and Mock conventions).

Mock conventions under test (mock_server/src/act_image.c):
- the mock reads no text from images: an image "says" the lines of the
  fixtures/images.json entry of its SHA-256, else of the default entry (sha256
  null, no url), else one built-in line "MOCK IMAGE TEXT" (en, 10,10 300x40);
  an ImageTranslateLLM Url matches only an entry naming it, any other Url is
  FailedOperation.DownloadErr (nothing is downloaded);
- each line goes through the text translation (translations.json, else the
  pseudo-translation "[<target>] " + ASCII letters upper-cased);
- ImageTranslate: over 7 MiB of base64, or not PNG/JPEG/BMP/PDF by its magic
  bytes -> InvalidParameterValue; Source auto -> the entry's language;
- ImageTranslateLLM: PNG or JPEG only, else FailedOperation.DecodeErr; over
  9 MiB of base64 -> InvalidParameter; Data and Url both -> InvalidParameter;
  the answer's Data is a fixed 8x8 grey JPEG; TransDetails one per line with
  its box, and RotateParagraphRect the box's corners clockwise from top-left.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import struct
import uuid
import zlib
from pathlib import Path
from typing import Any

import pytest

from harness.actions import (
    DEFAULT_LINE, GIF, JPEG, PDF, assert_ok, b64, bmp, check_image, check_llm, padded, png,
)
from harness.mockproc import ROOT, MockProcess, run_once
from harness.signer import Credentials
from harness.wire import DEFAULT, assert_error, call, tc3, v1

MIB = 1024 * 1024


PNG = png()
FORMATS = {"png": PNG, "jpeg": JPEG, "bmp": bmp(), "pdf": PDF}


# ---------------------------------------------------------------- calls


def post(mock: MockProcess, action: str, params: dict[str, Any], creds: Credentials = DEFAULT, **kw: Any):
    return call(mock, tc3(mock, creds, action=action, **kw).post(params).request)


def image_params(data: bytes | str, **over: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "SessionUuid": "session-" + str(uuid.uuid4()), "Scene": "doc",
        "Data": data if isinstance(data, str) else b64(data),
        "Source": "en", "Target": "zh", "ProjectId": 0,
    }
    params.update(over)
    return params


def expect_image(resp, params: dict[str, Any], lines: list[dict[str, Any]], source: str,
                 translations: dict[str, str] | None = None) -> dict[str, Any]:
    inner = assert_ok(resp)
    check_image(inner, params, lines, source, translations)
    return inner


def expect_llm(resp, target: str, lines: list[dict[str, Any]], source: str,
               translations: dict[str, str] | None = None) -> dict[str, Any]:
    inner = assert_ok(resp)
    check_llm(inner, target, lines, source, translations)
    return inner


# ---------------------------------------------------------------- ImageTranslate


@pytest.mark.parametrize("kind", list(FORMATS))
def test_image_translate_formats(mock: MockProcess, kind: str) -> None:
    params = image_params(FORMATS[kind])
    expect_image(post(mock, "ImageTranslate", params), params, [DEFAULT_LINE], "en")


def test_png_is_a_real_png() -> None:
    """The control for the PNG above: signature, chunk CRCs, and the zlib stream decode."""
    data = PNG
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    i, kinds = 8, []
    while i < len(data):
        (n,) = struct.unpack(">I", data[i:i + 4])
        kind, body = data[i + 4:i + 8], data[i + 8:i + 8 + n]
        assert struct.unpack(">I", data[i + 8 + n:i + 12 + n])[0] == zlib.crc32(kind + body) & 0xFFFFFFFF
        if kind == b"IDAT":
            assert zlib.decompress(body) == b"\x00\xff\x00\x00"
        kinds.append(kind)
        i += 12 + n
    assert kinds == [b"IHDR", b"IDAT", b"IEND"]


@pytest.mark.parametrize("target", ["en", "ja", "vi"])
def test_image_translate_other_targets(mock: MockProcess, target: str) -> None:
    params = image_params(PNG, Source="zh", Target=target)
    expect_image(post(mock, "ImageTranslate", params), params, [DEFAULT_LINE], "zh")


def test_image_translate_source_auto(mock: MockProcess) -> None:
    params = image_params(PNG, Source="auto", Target="ja")
    # The built-in default image text is English: the answer names en, not auto.
    expect_image(post(mock, "ImageTranslate", params), params, [DEFAULT_LINE], "en")


def test_image_translate_source_auto_unpaired(mock: MockProcess) -> None:
    assert_error(
        post(mock, "ImageTranslate", image_params(PNG, Source="auto", Target="en")),
        "InvalidParameterValue", "不支持的语种：en_to_en",
    )


@pytest.mark.parametrize(
    "source,target", [("ja", "fr"), ("ko", "ru"), ("en", "zh-TW"), ("ar", "zh"), ("zh", "zh"), ("xx", "en")]
)
def test_image_translate_language_pair(mock: MockProcess, source: str, target: str) -> None:
    assert_error(
        post(mock, "ImageTranslate", image_params(PNG, Source=source, Target=target)),
        "InvalidParameterValue", f"不支持的语种：{source}_to_{target}",
    )


@pytest.mark.parametrize(
    "data", [GIF, b"RIFF\x00\x00\x00\x00WEBPVP8 ", b"", b"\x89PNG\r\n", b"B", b"%PDF", b"\xff\xd8"],
    ids=["gif", "webp", "empty", "short-png", "short-bmp", "short-pdf", "short-jpeg"],
)
def test_image_translate_not_an_image(mock: MockProcess, data: bytes) -> None:
    assert_error(
        post(mock, "ImageTranslate", image_params(data)),
        "InvalidParameterValue", "The image in `Data` is not PNG, JPG, BMP or PDF.",
    )


def test_image_translate_size_limit(mock: MockProcess) -> None:
    params = image_params(padded(PNG, 7 * MIB))
    expect_image(post(mock, "ImageTranslate", params), params, [DEFAULT_LINE], "en")
    assert_error(
        post(mock, "ImageTranslate", image_params(padded(PNG, 7 * MIB + 4))),
        "InvalidParameterValue", "The image in `Data` must be at most 7 MB after base64 encoding.",
    )


def test_image_translate_size_checked_before_type(mock: MockProcess) -> None:
    assert_error(
        post(mock, "ImageTranslate", image_params(padded(GIF, 7 * MIB + 4))),
        "InvalidParameterValue", "The image in `Data` must be at most 7 MB after base64 encoding.",
    )


@pytest.mark.parametrize(
    "name,value,code",
    [("Scene", "photo", "InvalidParameterValue"), ("Data", "%%%%", "InvalidParameter"),
     ("ProjectId", "0", "InvalidParameter")],
)
def test_image_translate_bad_parameters(mock: MockProcess, name: str, value: Any, code: str) -> None:
    assert_error(post(mock, "ImageTranslate", image_params(PNG, **{name: value})), code)


@pytest.mark.parametrize("sign_method", ["HmacSHA1", "HmacSHA256"])
def test_image_translate_v1(mock: MockProcess, sign_method: str) -> None:
    params = image_params(bmp(3, 2))
    req = v1(mock, action="ImageTranslate", signature_method=sign_method).post(params).request
    expect_image(call(mock, req), params, [DEFAULT_LINE], "en")


# ---------------------------------------------------------------- ImageTranslateLLM


@pytest.mark.parametrize("kind", ["png", "jpeg"])
def test_llm_success(mock: MockProcess, kind: str) -> None:
    expect_llm(post(mock, "ImageTranslateLLM", {"Data": b64(FORMATS[kind]), "Target": "zh"}), "zh", [DEFAULT_LINE], "en")


@pytest.mark.parametrize("target", ["zh-HK", "zh-TW", "ar", "tr", "ms"])
def test_llm_targets(mock: MockProcess, target: str) -> None:
    expect_llm(post(mock, "ImageTranslateLLM", {"Data": b64(PNG), "Target": target}), target, [DEFAULT_LINE], "en")


@pytest.mark.parametrize("kind", ["bmp", "pdf", "gif", "empty-ish"])
def test_llm_decode_error(mock: MockProcess, kind: str) -> None:
    data = {"bmp": bmp(), "pdf": PDF, "gif": GIF, "empty-ish": b"\x00\x00\x00"}[kind]
    assert_error(post(mock, "ImageTranslateLLM", {"Data": b64(data), "Target": "zh"}, language="zh-CN"),
                 "FailedOperation.DecodeErr", "图片解码失败")
    assert_error(post(mock, "ImageTranslateLLM", {"Data": b64(data), "Target": "zh"}, language="en-US"),
                 "FailedOperation.DecodeErr", "The image could not be decoded.")


def test_llm_unknown_url_is_download_error(mock: MockProcess) -> None:
    assert_error(
        post(mock, "ImageTranslateLLM", {"Data": "", "Url": "https://example.com/not-in-fixtures.png", "Target": "zh"},
             language="zh-CN"),
        "FailedOperation.DownloadErr", "图片下载出错",
    )


def test_llm_data_and_url(mock: MockProcess) -> None:
    assert_error(
        post(mock, "ImageTranslateLLM", {"Data": b64(PNG), "Url": "https://example.com/a.png", "Target": "zh"}),
        "InvalidParameter", "`Data` must be an empty string when `Url` is used.",
    )


@pytest.mark.parametrize("params", [{"Data": ""}, {"Data": "", "Url": ""}], ids=["no-url", "empty-url"])
def test_llm_no_image(mock: MockProcess, params: dict[str, Any]) -> None:
    assert_error(post(mock, "ImageTranslateLLM", {**params, "Target": "zh"}),
                 "MissingParameter", "The request is missing a required parameter `Data`.")


def test_llm_url_without_data_parameter(mock: MockProcess) -> None:
    """Data is required even with Url (it must then be "")."""
    assert_error(post(mock, "ImageTranslateLLM", {"Url": "https://example.com/a.png", "Target": "zh"}),
                 "MissingParameter", "The request is missing a required parameter `Data`.")


@pytest.mark.parametrize("target", ["hi", "zh-CN", "pl", "auto", "EN"])
def test_llm_target_not_in_list(mock: MockProcess, target: str) -> None:
    assert_error(post(mock, "ImageTranslateLLM", {"Data": b64(PNG), "Target": target}),
                 "InvalidParameterValue", f"不支持的语种：auto_to_{target}")


def test_llm_size_limit(mock: MockProcess) -> None:
    expect_llm(post(mock, "ImageTranslateLLM", {"Data": padded(PNG, 9 * MIB), "Target": "en"}), "en",
               [DEFAULT_LINE], "en")
    assert_error(post(mock, "ImageTranslateLLM", {"Data": padded(PNG, 9 * MIB + 4), "Target": "en"}),
                 "InvalidParameter", "The image in `Data` must be at most 9 MB after base64 encoding.")


@pytest.mark.parametrize("sign_method", ["HmacSHA1", "HmacSHA256"])
@pytest.mark.parametrize("method", ["POST", "GET"])
def test_llm_v1(mock: MockProcess, sign_method: str, method: str) -> None:
    signer = v1(mock, action="ImageTranslateLLM", signature_method=sign_method)
    params = {"Data": b64(png(2, 2)), "Target": "ko"}
    req = signer.post(params) if method == "POST" else signer.get(params)
    expect_llm(call(mock, req.request), "ko", [DEFAULT_LINE], "en")


@pytest.fixture(scope="module")
def documented() -> MockProcess:
    m = MockProcess(
        ["--fixtures", str(ROOT / "fixtures"), "--seed", "3", "--no-rate-limit", "--language-errors", "documented"]
    ).start()
    yield m
    assert m.stop() in (0, -15), "".join(m.stderr_lines)


def test_llm_target_not_in_list_documented(documented: MockProcess) -> None:
    assert_error(post(documented, "ImageTranslateLLM", {"Data": b64(PNG), "Target": "hi"}),
                 "UnsupportedOperation.UnSupportedTargetLanguage")


@pytest.mark.parametrize(
    "source,target,code",
    [("xx", "zh", "UnsupportedOperation.UnsupportedSourceLanguage"),
     ("en", "xx", "UnsupportedOperation.UnSupportedTargetLanguage"),
     ("ja", "fr", "UnsupportedOperation.UnsupportedLanguage")],
)
def test_image_translate_language_documented(documented: MockProcess, source: str, target: str, code: str) -> None:
    assert_error(post(documented, "ImageTranslate", image_params(PNG, Source=source, Target=target)), code)


# ---------------------------------------------------------------- fixtures/images.json

HELLO_PNG = png(2, 1, (0, 0, 255))
JA_JPEG = JPEG[:-2] + b"\xff\xfe\x00\x05ja\x00\xff\xd9"  # a COM segment: another hash
MENU_URL = "https://example.com/menu.png"

HELLO_LINES = [
    {"text": "Hello world", "x": 1, "y": 2, "w": 30, "h": 4},
    {"text": "Second line", "x": 5, "y": 6, "w": 70, "h": 8},
]
JA_LINES = [{"text": "こんにちは abc", "x": 0, "y": 0, "w": 1, "h": 1}]
MENU_LINES = [{"text": "Soupe du jour", "x": 100, "y": 200, "w": 50, "h": 25}]
DEFAULT_LINES = [{"text": "Custom default", "x": 7, "y": 8, "w": 9, "h": 10}]
TRANSLATIONS = {"Hello world": "你好，世界"}


@pytest.fixture(scope="module")
def custom(tmp_path_factory: pytest.TempPathFactory) -> MockProcess:
    d = tmp_path_factory.mktemp("fixtures")
    shutil.copy(ROOT / "fixtures" / "accounts.json", d / "accounts.json")
    images = {"images": [
        {"sha256": hashlib.sha256(HELLO_PNG).hexdigest(), "source": "en", "lines": HELLO_LINES,
         "comment": "a two-line English image"},
        # upper-case hex matches too
        {"sha256": hashlib.sha256(JA_JPEG).hexdigest().upper(), "source": "ja", "lines": JA_LINES},
        {"url": MENU_URL, "source": "fr", "lines": MENU_LINES},
        {"sha256": None, "lines": DEFAULT_LINES},
    ]}
    (d / "images.json").write_text(json.dumps(images, ensure_ascii=False), encoding="utf-8")
    translations = {"translations": [
        {"source": "en", "target": "zh", "text": k, "translation": v} for k, v in TRANSLATIONS.items()
    ]}
    (d / "translations.json").write_text(json.dumps(translations, ensure_ascii=False), encoding="utf-8")
    m = MockProcess(["--fixtures", str(d), "--seed", "5", "--no-rate-limit"]).start()
    yield m
    assert m.stop() in (0, -15), "".join(m.stderr_lines)


def test_custom_image_by_sha256(custom: MockProcess) -> None:
    params = image_params(HELLO_PNG, Source="en", Target="zh")
    expect_image(post(custom, "ImageTranslate", params), params, HELLO_LINES, "en", TRANSLATIONS)
    params = image_params(HELLO_PNG, Source="auto", Target="ja")
    expect_image(post(custom, "ImageTranslate", params), params, HELLO_LINES, "en")


def test_custom_image_source_auto_is_fixture_language(custom: MockProcess) -> None:
    params = image_params(JA_JPEG, Source="auto", Target="ko")
    expect_image(post(custom, "ImageTranslate", params), params, JA_LINES, "ja")
    assert_error(post(custom, "ImageTranslate", image_params(JA_JPEG, Source="auto", Target="fr")),
                 "InvalidParameterValue", "不支持的语种：ja_to_fr")


def test_custom_default_entry(custom: MockProcess) -> None:
    for data in (PNG, bmp(), PDF):
        params = image_params(data)
        expect_image(post(custom, "ImageTranslate", params), params, DEFAULT_LINES, "en")
    expect_llm(post(custom, "ImageTranslateLLM", {"Data": b64(PNG), "Target": "de"}), "de", DEFAULT_LINES, "en")


def test_custom_llm_by_sha256(custom: MockProcess) -> None:
    expect_llm(post(custom, "ImageTranslateLLM", {"Data": b64(HELLO_PNG), "Target": "zh"}), "zh",
               HELLO_LINES, "en", TRANSLATIONS)
    expect_llm(post(custom, "ImageTranslateLLM", {"Data": b64(JA_JPEG), "Target": "en"}), "en", JA_LINES, "ja")


def test_custom_llm_by_url(custom: MockProcess) -> None:
    expect_llm(post(custom, "ImageTranslateLLM", {"Data": "", "Url": MENU_URL, "Target": "en"}), "en",
               MENU_LINES, "fr")
    # Only an exact Url matches; an image never matches a url entry.
    assert_error(post(custom, "ImageTranslateLLM", {"Data": "", "Url": MENU_URL + "?v=2", "Target": "en"}),
                 "FailedOperation.DownloadErr")


def _images_dir(tmp_path: Path, text: str) -> Path:
    shutil.copy(ROOT / "fixtures" / "accounts.json", tmp_path / "accounts.json")
    (tmp_path / "images.json").write_text(text, encoding="utf-8")
    return tmp_path


def _line(**over: Any) -> dict[str, Any]:
    return {"text": "t", "x": 0, "y": 0, "w": 1, "h": 1, **over}


def _doc(entry: Any) -> str:
    return json.dumps({"images": [{"sha256": None, "lines": [_line()]}, entry]})


BAD_IMAGES: list[tuple[str, str, list[str]]] = [
    ("not-json", '{"images": [', ["line 1"]),
    ("top-not-object", "[]", ["images: must be an array"]),
    ("images-not-array", '{"images": {}}', ["images: must be an array"]),
    ("entry-not-object", _doc("x"), ["images[1]"]),
    ("sha256-short", _doc({"sha256": "abc", "lines": [_line()]}), ["images[1].sha256"]),
    ("sha256-not-hex", _doc({"sha256": "g" * 64, "lines": [_line()]}), ["images[1].sha256"]),
    ("sha256-number", _doc({"sha256": 5, "lines": [_line()]}), ["images[1].sha256"]),
    ("url-empty", _doc({"url": "", "lines": [_line()]}), ["images[1].url"]),
    ("source-number", _doc({"source": 1, "lines": [_line()]}), ["images[1].source"]),
    ("lines-missing", _doc({"sha256": None}), ["images[1].lines"]),
    ("lines-empty", _doc({"lines": []}), ["images[1].lines"]),
    ("line-not-object", _doc({"lines": ["t"]}), ["images[1].lines[0]"]),
    ("text-missing", _doc({"lines": [{"x": 0, "y": 0, "w": 1, "h": 1}]}), ["images[1].lines[0].text"]),
    ("x-negative", _doc({"lines": [_line(x=-1)]}), ["images[1].lines[0].x"]),
    ("h-float", _doc({"lines": [_line(), _line(h=1.5)]}), ["images[1].lines[1].h"]),
    ("w-string", _doc({"lines": [_line(w="1")]}), ["images[1].lines[0].w"]),
    ("y-missing", _doc({"lines": [{"text": "t", "x": 0, "w": 1, "h": 1}]}), ["images[1].lines[0].y"]),
    ("entry-unknown-field", _doc({"lines": [_line()], "Sha256": None}), ["images[1].Sha256"]),
    ("line-unknown-field", _doc({"lines": [_line(width=3)]}), ["images[1].lines[0].width"]),
    ("duplicate-key", '{"images": [], "images": []}', ["duplicate", '"images"']),
]


@pytest.mark.parametrize("text,needles", [(t, n) for _, t, n in BAD_IMAGES], ids=[i for i, _, _ in BAD_IMAGES])
def test_malformed_images_json_exit_2(tmp_path: Path, text: str, needles: list[str]) -> None:
    d = _images_dir(tmp_path, text)
    r = run_once(["--listen", "127.0.0.1:0", "--fixtures", str(d), "--seed", "1"], timeout=5)
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert "listening" not in r.stdout, r.stdout
    assert str(d / "images.json") in r.stderr, r.stderr
    for needle in needles:
        assert needle in r.stderr, f"{needle!r} not in stderr: {r.stderr!r}"


def test_wellformed_images_json_starts(tmp_path: Path) -> None:
    """The control for the cases above: the same shape, valid, loads."""
    d = _images_dir(tmp_path, _doc({"sha256": "A" * 64, "url": None, "source": "ja", "lines": [_line()],
                                     "comment": "c"}))
    with MockProcess(["--fixtures", str(d), "--seed", "1"]) as m:
        assert m.port > 0
