"""What the action tests share, over the wire or through an SDK: tiny images made with
the standard library, the mock's output conventions, and field-by-field checks of a
success ``Response`` object (a dict, however it was obtained).

The conventions are the mock's own (mock_server/src/act_*.c, xlate.c), stated there
and in docs/behaviour.md (Mock conventions).
"""
from __future__ import annotations

import base64
import struct
import zlib
from typing import Any, Mapping

from .signer import HttpResponse
from .wire import assert_envelope

# ---------------------------------------------------------------- output conventions


def pseudo(target: str, text: str) -> str:
    """The mock's pseudo-translation (xlate.c): "[<target>] " and the text with its ASCII
    letters upper-cased (everything else, UTF-8 included, as it was)."""
    return f"[{target}] " + "".join(c.upper() if "a" <= c <= "z" else c for c in text)


def speech_text(source: str, total: int) -> str:
    """SpeechTranslate's SourceText: the bytes of audio of the utterance so far (act_speech.c)."""
    return f"模拟语音：{total} 字节" if source == "zh" else f"mock speech: {total} bytes"


def b64(data: bytes | str) -> str:
    return base64.b64encode(data.encode("utf-8") if isinstance(data, str) else data).decode("ascii")


def assert_ok(resp: HttpResponse) -> dict[str, Any]:
    """The envelope of a success; returns the Response object."""
    inner = assert_envelope(resp)
    assert "Error" not in inner, f"expected success, got {inner['Error']}"
    return inner


def is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


# ---------------------------------------------------------------- images (standard library only)


def png(width: int = 1, height: int = 1, rgb: tuple[int, int, int] = (255, 0, 0)) -> bytes:
    """A real truecolour PNG: signature, IHDR, one zlib IDAT, IEND, with CRCs."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


# SOI, APP0 JFIF, EOI: a minimal JPEG byte string (enough for magic-byte sniffing).
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def bmp(width: int = 1, height: int = 1) -> bytes:
    """A 24-bit BMP (BITMAPINFOHEADER), rows padded to 4 bytes."""
    row = (b"\x00\x00\xff" * width).ljust((3 * width + 3) // 4 * 4, b"\x00")
    pixels = row * height
    header = struct.pack("<2sIHHI", b"BM", 14 + 40 + len(pixels), 0, 0, 54)
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, len(pixels), 2835, 2835, 0, 0)
    return header + info + pixels


PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


def padded(head: bytes, encoded_len: int) -> str:
    """base64 of head + zero bytes, exactly encoded_len characters (a multiple of 4)."""
    assert encoded_len % 4 == 0
    return b64(head + b"\x00" * (encoded_len // 4 * 3 - len(head)))


def jpeg_segments(data: bytes) -> dict[int, bytes]:
    """The marker segments of a JPEG up to SOS; asserts SOI ... EOI and the framing."""
    assert data[:2] == b"\xff\xd8", data[:4]
    assert data[-2:] == b"\xff\xd9", data[-4:]
    segs: dict[int, bytes] = {}
    i = 2
    while True:
        assert i + 4 <= len(data) and data[i] == 0xFF, f"no marker at {i}"
        marker = data[i + 1]
        (length,) = struct.unpack(">H", data[i + 2:i + 4])
        segs[marker] = data[i + 4:i + 2 + length]
        i += 2 + length
        if marker == 0xDA:
            return segs


# The built-in (and shipped fixtures/images.json default) image text.
DEFAULT_LINE = {"text": "MOCK IMAGE TEXT", "x": 10, "y": 10, "w": 300, "h": 40}

# ---------------------------------------------------------------- checks of a success Response


SPEECH_FIELDS = {
    "SessionUuid", "RecognizeStatus", "SourceText", "TargetText", "Seq", "Source", "Target", "VadSeq", "RequestId",
}


def check_speech(inner: Mapping[str, Any], session: str, seq: int, status: int, total: int, vad: int = 0,
                 source: str = "en", target: str = "zh") -> None:
    assert set(inner) == SPEECH_FIELDS, inner
    assert inner["SessionUuid"] == session, inner
    for name in ("RecognizeStatus", "Seq", "VadSeq"):
        assert type(inner[name]) is int, (name, inner[name])
    assert inner["RecognizeStatus"] == status, inner
    assert inner["Seq"] == seq, inner
    assert inner["VadSeq"] == vad, inner
    assert inner["Source"] == source and inner["Target"] == target, inner
    assert inner["SourceText"] == speech_text(source, total), inner
    assert inner["TargetText"] == pseudo(target, speech_text(source, total)), inner


def check_image(inner: Mapping[str, Any], params: Mapping[str, Any], lines: list[dict[str, Any]], source: str,
                translations: Mapping[str, str] | None = None) -> None:
    assert set(inner) == {"SessionUuid", "Source", "Target", "ImageRecord", "RequestId"}, inner
    assert inner["SessionUuid"] == params["SessionUuid"], inner
    assert inner["Source"] == source, inner
    assert inner["Target"] == params["Target"], inner
    record = inner["ImageRecord"]
    assert isinstance(record, dict) and set(record) == {"Value"}, record
    values = record["Value"]
    assert isinstance(values, list) and len(values) == len(lines), values
    for got, line in zip(values, lines):
        assert set(got) == {"SourceText", "TargetText", "X", "Y", "W", "H"}, got
        for k in ("X", "Y", "W", "H"):
            assert type(got[k]) is int, (k, got)
        want_target = (translations or {}).get(line["text"], pseudo(params["Target"], line["text"]))
        assert got == {
            "SourceText": line["text"], "TargetText": want_target,
            "X": line["x"], "Y": line["y"], "W": line["w"], "H": line["h"],
        }, got


def check_llm(inner: Mapping[str, Any], target: str, lines: list[dict[str, Any]], source: str,
              translations: Mapping[str, str] | None = None) -> None:
    assert set(inner) == {
        "Data", "Source", "Target", "SourceText", "TargetText", "Angle", "TransDetails", "RequestId",
    }, inner
    image = base64.b64decode(inner["Data"], validate=True)
    assert image[:3] == b"\xff\xd8\xff", image[:8]
    segs = jpeg_segments(image)
    assert 0xC0 in segs, "not a baseline JPEG"
    _, h, w = struct.unpack(">BHH", segs[0xC0][:5])
    assert (w, h) == (8, 8), (w, h)
    assert inner["Source"] == source and inner["Target"] == target, inner
    trans = [(translations or {}).get(line["text"], pseudo(target, line["text"])) for line in lines]
    assert inner["SourceText"] == "\n".join(line["text"] for line in lines), inner
    assert inner["TargetText"] == "\n".join(trans), inner
    assert is_number(inner["Angle"]) and 0 <= inner["Angle"] < 360, inner["Angle"]
    details = inner["TransDetails"]
    assert isinstance(details, list) and len(details) == len(lines), details
    for d, line, t in zip(details, lines, trans):
        assert set(d) == {
            "SourceLineText", "TargetLineText", "BoundingBox", "LinesCount", "LineHeight", "SpamCode",
            "RotateParagraphRect",
        }, d
        assert d["SourceLineText"] == line["text"] and d["TargetLineText"] == t, d
        assert d["BoundingBox"] == {"X": line["x"], "Y": line["y"], "Width": line["w"], "Height": line["h"]}, d
        assert all(type(v) is int for v in d["BoundingBox"].values()), d
        assert type(d["LinesCount"]) is int and d["LinesCount"] == 1, d
        assert type(d["LineHeight"]) is int and d["LineHeight"] == line["h"], d
        assert type(d["SpamCode"]) is int and d["SpamCode"] == 0, d
        rect = d["RotateParagraphRect"]
        assert set(rect) == {"Coord", "TiltAngle", "Valid"}, rect
        x, y, w, h = line["x"], line["y"], line["w"], line["h"]
        # the line's box, clockwise from its top-left corner
        assert rect["Coord"] == [
            {"X": x, "Y": y}, {"X": x + w, "Y": y}, {"X": x + w, "Y": y + h}, {"X": x, "Y": y + h},
        ], rect
        assert all(type(v) is int for p in rect["Coord"] for v in p.values()), rect
        assert is_number(rect["TiltAngle"]) and rect["TiltAngle"] == 0, rect
        assert rect["Valid"] is True, rect


FILE_DATA_FIELDS = {"TaskId", "Status", "FileData", "Message", "Progress", "UsedAmount"}


def check_file_init(data: Mapping[str, Any], task: str) -> None:
    assert dict(data) == {"TaskId": task, "Status": "init", "FileData": "", "Message": "", "Progress": 0,
                          "UsedAmount": 0}, data


def check_file_success(data: Mapping[str, Any], task: str, result: bytes, used: int) -> None:
    assert data.get("Status") == "success", data
    assert isinstance(data.get("FileData"), str), data
    assert base64.b64decode(data["FileData"], validate=True) == result, data
    assert dict(data) == {"TaskId": task, "Status": "success", "FileData": b64(result), "Message": "",
                          "Progress": 100, "UsedAmount": used}, data
