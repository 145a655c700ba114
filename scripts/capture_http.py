#!/usr/bin/env python3
"""capture_http.py: the bytes real clients send, for the HTTP front's corpus.

Listens on a loopback port, has each client (the official Node.js SDK in every
sign method, curl, Python's http.client) send one TMT request to it, records
the bytes of each request as it came and answers a small JSON body. Writes
them to mock_server/fuzz/corpus/http/accept/, where the fuzz target
(fuzz_http) and test_http_front.py's differential test read them.

    scripts/capture_http.py        (needs node and conformance/clients/node-sdk/node_modules)
"""
from __future__ import annotations

import http.client
import json
import socket
import subprocess
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "mock_server" / "fuzz" / "corpus" / "http" / "accept"
NODE_DIR = ROOT / "conformance" / "clients" / "node-sdk"
ANSWER = b'{"Response":{"RequestId":"00000000-0000-0000-0000-000000000000"}}'


def serve(srv: socket.socket, got: list[bytes]) -> None:
    while True:
        try:
            c, _ = srv.accept()
        except OSError:
            return
        c.settimeout(0.5)
        data = b""
        try:
            while True:
                chunk = c.recv(65536)
                if not chunk:
                    break
                data += chunk
                if b"Expect: 100-continue" in data and b"\r\n\r\n" in data and data.endswith(b"\r\n\r\n"):
                    c.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        except socket.timeout:
            pass
        got.append(data)
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
                  b"Connection: close\r\n\r\n%s" % (len(ANSWER), ANSWER))
        c.close()


NODE = r"""
const tmt = require("tencentcloud-sdk-nodejs-tmt");
const [port, method, sign] = process.argv.slice(1);
const c = new tmt.tmt.v20180321.Client({
  credential: {secretId: "AKIDmockDefault0000000000000000000000", secretKey: "mockDefaultSecretKey000000000000000"},
  region: "ap-guangzhou",
  profile: {signMethod: sign, httpProfile: {endpoint: "127.0.0.1:" + port, protocol: "http://", reqMethod: method}},
});
c.TextTranslate({SourceText: "hello 你好", Source: "auto", Target: "zh", ProjectId: 0}).then(() => {}, () => {});
"""


def main() -> None:
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    port = srv.getsockname()[1]
    got: list[bytes] = []
    threading.Thread(target=serve, args=(srv, got), daemon=True).start()
    names: list[str] = []

    def take(name: str, n: int) -> None:
        import time
        for _ in range(100):
            if len(got) >= n:
                break
            time.sleep(0.05)
        names.append(name)

    for method, sign in (("POST", "TC3-HMAC-SHA256"), ("GET", "TC3-HMAC-SHA256"),
                         ("POST", "HmacSHA256"), ("GET", "HmacSHA1")):
        subprocess.run(["node", "-e", NODE, str(port), method, sign], cwd=NODE_DIR, timeout=30,
                       stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        take(f"node-sdk-{method.lower()}-{sign.lower()}", len(names) + 1)
    body = json.dumps({"SourceText": "hello", "Source": "en", "Target": "zh", "ProjectId": 0}).encode()
    url = f"http://127.0.0.1:{port}/"
    for name, args in (
        ("curl-post-json", ["-H", "Content-Type: application/json", "-H", "X-TC-Action: TextTranslate",
                            "--data-binary", body.decode()]),
        ("curl-post-chunked", ["-H", "Content-Type: application/json", "-H", "Transfer-Encoding: chunked",
                               "--data-binary", body.decode()]),
        ("curl-post-expect", ["-H", "Content-Type: application/json", "-H", "Expect: 100-continue",
                              "--data-binary", body.decode()]),
        ("curl-get-query", ["-G", "--data-urlencode", "Action=TextTranslate", "--data-urlencode", "SourceText=a b"]),
        ("curl-http10", ["-0", "-H", "Content-Type: application/json", "--data-binary", body.decode()]),
    ):
        subprocess.run(["curl", "-s", "-o", "/dev/null", "--max-time", "5", *args, url], timeout=30)
        take(name, len(names) + 1)
    for name, chunked in (("python-http-client", False), ("python-http-client-chunked", True)):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        hdrs = {"Content-Type": "application/json", "X-TC-Action": "TextTranslate"}
        if chunked:
            c.request("POST", "/", body=iter([body[:10], body[10:]]), headers=hdrs, encode_chunked=True)
        else:
            c.request("POST", "/", body=body, headers=hdrs)
        c.getresponse().read()
        c.close()
        take(name, len(names) + 1)
    srv.close()
    OUT.mkdir(parents=True, exist_ok=True)
    for name, data in zip(names, got):
        if data:
            (OUT / name).write_bytes(data)
            print(f"{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
