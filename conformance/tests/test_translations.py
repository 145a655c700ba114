"""Translation fixtures (docs/record-replay.md, Translation fixtures): --translations FILE,
POST/GET/DELETE /_mock/translations, LanguageDetect entries, --translations-strict CODE,
and the shipped example file fixtures/examples/translations.json."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import pytest

from harness.admin import Admin
from harness.mockproc import ROOT, MockProcess, run_once
from harness.wire import TEXT, assert_envelope, assert_error, build, call

EXAMPLE = ROOT / "fixtures" / "examples" / "translations.json"
BASE = ["--fixtures", str(ROOT / "fixtures"), "--seed", "7", "--no-rate-limit"]


def ok(resp: Any) -> dict[str, Any]:
    inner = assert_envelope(resp)
    assert "Error" not in inner, inner
    return inner


def translate(m: MockProcess, text: str, kind: str = "tc3-post", **kw: Any) -> Any:
    return call(m, build(m, kind, dict(TEXT, SourceText=text, **kw)))


@pytest.fixture(scope="module")
def example() -> Iterator[MockProcess]:
    m = MockProcess([*BASE, "--translations", str(EXAMPLE)]).start()
    yield m
    assert m.stop() in (0, -15), "".join(m.stderr_lines)


@pytest.fixture(scope="module")
def strict() -> Iterator[MockProcess]:
    m = MockProcess([*BASE, "--translations", str(EXAMPLE), "--translations-strict",
                     "FailedOperation"]).start()
    yield m
    assert m.stop() in (0, -15), "".join(m.stderr_lines)


@pytest.mark.parametrize("kind", ["tc3-post", "tc3-get", "v1-sha1-post", "v1-sha256-get"])
def test_example_file_translates(example: MockProcess, kind: str) -> None:
    inner = ok(translate(example, "Hello, world!", kind))
    assert inner["TargetText"] == "你好，世界！"
    assert (inner["Source"], inner["Target"]) == ("en", "zh")


def test_target_matters(example: MockProcess) -> None:
    assert ok(translate(example, "Good morning", Target="fr"))["TargetText"] == "Bonjour"
    assert ok(translate(example, "Good morning"))["TargetText"] == "早上好"


def test_source_auto_resolves_before_lookup(example: MockProcess) -> None:
    inner = ok(translate(example, "Hello, world!", Source="auto"))
    assert inner["TargetText"] == "你好，世界！" and inner["Source"] == "en"


def test_unknown_text_falls_back_to_pseudo(example: MockProcess) -> None:
    assert ok(translate(example, "not in the file"))["TargetText"] == "[zh] NOT IN THE FILE"


def test_batch_mixes_known_and_pseudo(example: MockProcess) -> None:
    params = {"Source": "en", "Target": "zh", "ProjectId": 0,
              "SourceTextList": ["Good morning", "other", "Hello, world!"]}
    inner = ok(call(example, build(example, "tc3-post", params, action="TextTranslateBatch")))
    assert inner["TargetTextList"] == ["早上好", "[zh] OTHER", "你好，世界！"]


def test_language_detect_entry_wins_over_detector(example: MockProcess) -> None:
    # The detector alone calls this Japanese text "ja" → "jp" too; the English line proves
    # the entry is read: a 13-character Latin text the detector may not call English.
    inner = ok(call(example, build(example, "tc3-post", {"Text": "Hello, world!", "ProjectId": 0},
                                   action="LanguageDetect")))
    assert inner["Lang"] == "en"


def test_strict_miss_is_the_chosen_error(strict: MockProcess) -> None:
    assert ok(translate(strict, "Thank you", Target="ja"))["TargetText"] == "ありがとうございます"
    assert_error(translate(strict, "not in the file"), "FailedOperation")
    params = {"Source": "en", "Target": "zh", "ProjectId": 0, "SourceTextList": ["Good morning", "other"]}
    assert_error(call(strict, build(strict, "v1-sha1-post", params, action="TextTranslateBatch")),
                 "FailedOperation")
    det = lambda t: call(strict, build(strict, "tc3-post", {"Text": t, "ProjectId": 0}, action="LanguageDetect"))
    assert ok(det("ありがとうございます"))["Lang"] == "jp"
    assert_error(det("Das Wetter ist heute wirklich schön."), "FailedOperation")


def test_admin_replaces_lists_and_empties(mock: MockProcess, adm: Admin) -> None:
    body = {"translations": [{"source": "en", "target": "zh", "text": "cat", "translation": "猫"},
                             {"text": "chat", "lang": "fr"}]}
    got = adm.ok("POST", "translations", body)
    assert got == {"translations": body["translations"], "strict": None}
    assert adm.ok("GET", "translations")["translations"] == body["translations"]
    assert ok(translate(mock, "cat"))["TargetText"] == "猫"
    det = call(mock, build(mock, "tc3-post", {"Text": "chat", "ProjectId": 0}, action="LanguageDetect"))
    assert ok(det)["Lang"] == "fr"
    # A bad body changes nothing.
    status, doc = adm.post("translations", {"translations": [{"text": "dog"}]})
    assert status == 400 and "translations[0].source: required" in doc["error"], doc
    assert ok(translate(mock, "cat"))["TargetText"] == "猫"
    status, doc = adm.post("translations", {"translations": [{"text": "x", "lang": "en", "translation": "y"}]})
    assert status == 400 and "exclude each other" in doc["error"], doc
    assert adm.ok("DELETE", "translations")["translations"] == []
    assert ok(translate(mock, "cat"))["TargetText"] == "[zh] CAT"
    # Reset brings back start-up's (the project's fixtures have none).
    adm.ok("POST", "translations", body)
    adm.reset()
    assert adm.ok("GET", "translations")["translations"] == []


@pytest.mark.parametrize("args, needle", [
    (["--translations-strict", "NoSuchCode"], "--translations-strict: \"NoSuchCode\""),
    (["--translations", "/nonexistent/t.json"], "--translations: /nonexistent/t.json"),
    (["--translations", ""], "--translations: the file name is empty"),
])
def test_bad_options_exit_2(args: list[str], needle: str) -> None:
    r = run_once([*BASE, *args])
    assert r.returncode == 2 and needle in r.stderr, r.stderr


def test_bad_file_exit_2(tmp_path: Path) -> None:
    f = tmp_path / "t.json"
    f.write_text(json.dumps({"translations": [{"source": "en", "target": "zh", "text": "a", "bogus": 1}]}))
    r = run_once([*BASE, "--translations", str(f)])
    assert r.returncode == 2 and "translations[0].bogus: unknown field" in r.stderr, r.stderr
