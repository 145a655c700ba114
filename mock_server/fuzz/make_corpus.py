#!/usr/bin/env python3
"""Write the seed corpora of the fuzz targets (mock_server/fuzz/corpus/<target>/).

Real requests, signed by the harness's reference signer at the fuzzers' frozen
clock (FUZZ_NOW in fuzz.h), so they verify and reach the actions; the published
signature vectors (mock_server/tests/vectors/); the fixture files; rule presets.
Run it again after a change of framing; the files are named by content hash, so
an unchanged seed keeps its name.

    python3 mock_server/fuzz/make_corpus.py
"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "conformance"))

from harness.actions import JPEG, PDF, b64, bmp, png  # noqa: E402
from harness.signer import Credentials, HttpRequest, Tc3Signer, V1Signer  # noqa: E402

FUZZ_NOW = 1764201600
HOST = "127.0.0.1:9000"
DEFAULT = Credentials("AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE")
TEMPORARY = Credentials("AKIDmockTemporary0000000000000000000", "mockTemporarySecretKey000000000000",
                        "mock-sts-token-valid")
FREE = Credentials("AKIDmockFreeTier00000000000000000000", "mockFreeTierSecretKey0000000000000")

ACTIONS: dict[str, list[dict]] = {
    "TextTranslate": [
        {"SourceText": "hello", "Source": "en", "Target": "zh", "ProjectId": 0},
        {"SourceText": "hello world", "Source": "auto", "Target": "ja", "ProjectId": 0, "UntranslatedText": "world"},
        {"SourceText": "hi @mock:error=InternalError", "Source": "en", "Target": "zh", "ProjectId": 0},
        {"SourceText": "hi @mock:fault=truncate @mock:delay=10", "Source": "en", "Target": "zh", "ProjectId": 0},
        {"SourceText": "hi @mock:fault=no_request_id", "Source": "en", "Target": "fr", "ProjectId": 0,
         "DryRun": True},
    ],
    "TextTranslateBatch": [
        {"SourceTextList": ["a", "b @mock:fault=html_502", "你好"], "Source": "auto", "Target": "en", "ProjectId": 0},
    ],
    "LanguageDetect": [{"Text": "Bonjour tout le monde", "ProjectId": 0}],
    "SpeechTranslate": [
        {"SessionUuid": "s1", "Source": "en", "Target": "zh", "AudioFormat": 146, "Seq": 0, "IsEnd": 1,
         "Data": b64(b"\x00\x01" * 64), "ProjectId": 0},
        {"SessionUuid": "s2", "Source": "zh", "Target": "en", "AudioFormat": 146, "Seq": 3, "IsEnd": 0,
         "Data": b64(b"\x00" * 32), "ProjectId": 0, "Mode": "bidirec", "TransType": 0},
    ],
    "ImageTranslate": [
        {"SessionUuid": "i1", "Scene": "doc", "Data": b64(png()), "Source": "auto", "Target": "zh", "ProjectId": 0},
        {"SessionUuid": "i2", "Scene": "doc", "Data": b64(JPEG), "Source": "en", "Target": "ja", "ProjectId": 0},
        {"SessionUuid": "i3", "Scene": "doc", "Data": b64(bmp()), "Source": "en", "Target": "ko", "ProjectId": 0},
    ],
    "ImageTranslateLLM": [
        {"Data": b64(png()), "Target": "zh"},
        {"Data": "", "Target": "en", "Url": "https://example.com/a.png"},
    ],
    "FileTranslate": [
        {"Source": "en", "Target": "zh", "DocumentType": "txt", "SourceType": 1, "Data": b64("hello\nworld\n"),
         "CallbackUrl": "http://127.0.0.1:1/cb"},
        {"Source": "en", "Target": "zh", "DocumentType": "pdf", "SourceType": 0,
         "Url": "https://example.com/a.pdf", "BasicDocumentType": "pdf"},
        {"Source": "en", "Target": "zh", "DocumentType": "docx", "SourceType": 1, "Data": b64(PDF)},
    ],
    "GetFileTranslate": [{"TaskId": "00000000-0000-0000-0000-000000000000"}],
}


def frame(req: HttpRequest, prefix: bytes = b"") -> bytes:
    """The fuzz_frame() layout of fuzz.h: request line, headers, blank line, body."""
    lines = [f"{req.method} {req.target}"]
    lines += [f"{k}: {v}" for k, v in req.headers]
    if req.body or req.method != "GET":
        lines.append(f"Content-Length: {len(req.body)}")
    return prefix + ("\n".join(lines) + "\n\n").encode("utf-8") + req.body


def write(target: str, data: bytes) -> None:
    d = HERE / "corpus" / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)


def requests() -> None:
    for action, plist in ACTIONS.items():
        for i, params in enumerate(plist):
            tc3 = Tc3Signer(DEFAULT, host=HOST, action=action, timestamp=FUZZ_NOW)
            write("request", frame(tc3.post(params).request))
            if i == 0:
                write("request", frame(tc3.get(params).request))
                for m in ("HmacSHA1", "HmacSHA256"):
                    v1 = V1Signer(DEFAULT, host=HOST, action=action, timestamp=FUZZ_NOW, nonce=7,
                                  signature_method=m)
                    write("request", frame(v1.post(params).request))
                    write("request", frame(v1.get(params).request))
                # The same with --auth off: mutations reach the action.
                write("request", frame(tc3.post(params).request, b"!"))
                write("request", frame(V1Signer(DEFAULT, host=HOST, action=action, timestamp=FUZZ_NOW,
                                                nonce=7).get(params).request, b"!"))
    text = ACTIONS["TextTranslate"][0]
    for kw in ({"language": "en-US"}, {"unsigned_payload": True},
               {"signed_headers": ("content-type", "host", "x-tc-action")}, {"service": "127"}):
        write("request", frame(Tc3Signer(DEFAULT, host=HOST, timestamp=FUZZ_NOW, **kw).post(text).request))
    write("request", frame(Tc3Signer(TEMPORARY, host=HOST, timestamp=FUZZ_NOW).post(text).request))
    write("request", frame(Tc3Signer(FREE, host=HOST, timestamp=FUZZ_NOW).post(text).request))
    write("request", frame(V1Signer(DEFAULT, host=HOST, timestamp=FUZZ_NOW, nonce=1,
                                    language="en-US").get({**text, "SourceText": "a b"}).request))
    # The published TC3 vectors as the server would receive them (another service: InvalidAction).
    for v in json.loads((ROOT / "mock_server/tests/vectors/tc3.json").read_text())["vectors"]:
        if "authorization" not in v.get("expect", {}):
            continue
        hdrs = [(k.title(), val) for k, val in v["headers"]]
        hdrs += [("Authorization", v["expect"]["authorization"]), ("X-TC-Timestamp", v["timestamp"]),
                 ("X-TC-Action", "DescribeInstances"), ("X-TC-Version", "2017-03-12"),
                 ("X-TC-Region", "ap-guangzhou")]
        target = "/" + (("?" + v["query"]) if v["query"] else "")
        req = HttpRequest(v["method"], target, tuple(hdrs), v["body"].encode("utf-8"))
        write("request", frame(req))
        write("auth", v["expect"]["authorization"].encode())
    # Admin requests through the front's dispatch.
    write("request", b"GET /_mock/journal?since=0\nHost: x\n\n")
    write("request", b"POST /_mock/faults\nContent-Type: application/json\n\n"
                     b'{"match":{"action":"TextTranslate"},"error":"InternalError","times":2}')
    write("request", b"PUT /\nHost: x\n\n")
    write("request", b"POST /\nContent-Type: text/plain\n\nhello")


def auth() -> None:
    for sh in ("content-type;host", "content-type;host;x-tc-action", "host;content-type;x-tc-content-sha256"):
        write("auth", (f"TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2025-11-27/tmt/"
                       f"tc3_request, SignedHeaders={sh}, Signature={'ab' * 32}").encode())
    write("auth", b"TC3-HMAC-SHA256 Credential=AKID/2025-11-27/127/tc3_request,SignedHeaders=content-type;host,"
                  b"Signature=" + b"0" * 64)


def form() -> None:
    for s in ("Action=TextTranslate&Version=2018-03-21&SourceText=hello%20world&Source=en&Target=zh&ProjectId=0",
              "SourceTextList.0=a&SourceTextList.1=b&SourceTextList.2=%E4%BD%A0",
              "A.0.B=1&A.0.C=2&A.1.B=3&Signature=ab%2Bcd%3D&Nonce=1",
              "TermRepoIDList.0=x&SentRepoIDList.0=y&DryRun=true", "a=1&&b=+2+&c=%41%42"):
        write("form", s.encode())


def schema() -> None:
    names = list(ACTIONS)
    for i, (action, plist) in enumerate(ACTIONS.items()):
        for params in plist:
            write("schema", bytes([names.index(action), 0]) + json.dumps(params).encode())
            write("schema", bytes([names.index(action), 1 | 2]) +
                  json.dumps({k: (str(v).lower() if isinstance(v, bool) else str(v) if not isinstance(v, list) else v)
                              for k, v in params.items()}).encode())
        write("schema", bytes([i, 4 | 8]) + json.dumps(plist[0]).encode())


def admin() -> None:
    for s in (b"GET /_mock/health\n\n", b"POST /_mock/reset\n\n", b"GET /_mock/journal?secret_id=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE&since=0\n\n",
              b'POST /_mock/faults\n\n{"match":{"action":"TextTranslate","secret_id":"AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"},"error":"InternalError.BackendTimeout","times":2}',
              b'POST /_mock/faults\n\n{"fault":"slow_body","delay_ms":100,"probability":0.5,"stage":"pre_auth","times":null}',
              b"DELETE /_mock/faults/1\n\n", b"DELETE /_mock/faults\n\n", b"GET /_mock/faults\n\n",
              b'POST /_mock/accounts\n\n{"secret_id":"AKIDnew00000000000000000000000000000","secret_key":"k","state":"isolated","qps":{"TextTranslate":2}}',
              b'PATCH /_mock/accounts/AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE\n\n{"state":"stopped","used_chars":5}',
              b"GET /_mock/accounts\n\n", b'POST /_mock/clock\n\n{"offset_s":600}', b'POST /_mock/clock\n\n{"freeze_at":1}',
              b'POST /_mock/clock\n\n{"reset":true}', b"GET /_mock/catalogue\n\n", b"GET /_mock/metrics\n\n",
              b"~GET /_mock/health\nAuthorization: Bearer fuzz-token\n\n", b"!GET /_mock/clock\n\n",
              b"GET /_mock/journal?action=TextTranslate&code=RequestLimitExceeded&signature_ok=true&count=1\n\n",
              b"GET /_mock/journal?from=1795747109.5&until=1795747200&code=OK&secret_id=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE\n\n",
              b"~GET /_mock/journal?code=reset&signature_ok=null&count=0\n\n"):
        write("admin", s)


def rules() -> None:
    for f in sorted((ROOT / "fixtures/faults").glob("*.json")):
        write("rules", f.read_bytes())
        for rule in json.loads(f.read_text()).get("faults", []):
            write("rules", json.dumps(rule).encode() + b"\0hello @mock:error=RequestLimitExceeded")
    write("rules", b'{"error":"InternalError","message":"boom","match":{"sign_method":"HmacSHA1"},"after":1}'
                   b"\0a @mock:fault=reset @mock:delay=1500 b")
    write("rules", b'{"extra":{"New":1},"times":null}\0@mock:delay=x')
    write("rules", b'{"delay_ms":5}\0@mock:nothing')


def fixture() -> None:
    for i, name in ((1, "accounts.json"), (2, "translations.json"), (3, "images.json")):
        p = ROOT / "fixtures" / name
        if p.exists():
            write("fixture", bytes([i]) + p.read_bytes())
    write("fixture", b"\x02" + json.dumps({"translations": [
        {"source": "en", "target": "zh", "text": "Hello", "translation": "你好", "comment": "x"}]}).encode())
    write("fixture", b"\x03" + json.dumps({"images": [
        {"sha256": None, "source": "en", "lines": [{"text": "hi", "x": 0, "y": 0, "w": 1, "h": 1}]},
        {"url": "https://example.com/a.png", "lines": [{"text": "url", "x": 1, "y": 2, "w": 3, "h": 4}]}]}).encode())
    for acct in json.loads((ROOT / "fixtures/accounts.json").read_text())["accounts"]:
        write("fixture", b"\x00" + json.dumps(acct).encode())


if __name__ == "__main__":
    requests()
    auth()
    form()
    schema()
    admin()
    rules()
    fixture()
    for d in sorted((HERE / "corpus").iterdir()):
        print(f"{d.name}: {len(list(d.iterdir()))} seeds")
