"""Where a tmtmock listens, seen from a client: its ready lines, and a request to each.

    python3 -m harness.listenprobe --listen localhost:0 [--node] [--bin PATH]
    python3 -m harness.listenprobe --url http://localhost:9000 [--url ...]

The first form starts the binary, reads one ``listening on`` line per address the listen
host resolves to on *this* machine (getaddrinfo, as the mock resolves it), sends a signed
TextTranslate to each and, with ``--node``, has the official Node.js SDK call
``localhost:PORT``: the client that meets ``::1`` first on a standard Debian. The second
form only probes running servers (scripts/fresh-check.sh uses it). Prints one JSON object.
Used by conformance/tests/test_listen.py, also inside a mount namespace whose /etc/hosts is
Debian's standard one, so no test depends on how this machine's /etc/hosts reads.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.mockproc import ROOT, binary, expected_addresses, listen_host  # noqa: E402
from harness.signer import Tc3Signer  # noqa: E402
from harness.wire import DEFAULT  # noqa: E402

# Not harness.nodesdk: this runs under any python3, with or without pytest.
ADAPTER_DIR = ROOT / "conformance" / "clients" / "node-sdk"

PARAMS = {"SourceText": "hello", "Source": "en", "Target": "zh", "ProjectId": 0}

NODE_CALL = r"""
const tmt = require(process.env.SDK_DIR + "/node_modules/tencentcloud-sdk-nodejs-tmt");
const client = new tmt.tmt.v20180321.Client({
  credential: { secretId: process.env.SECRET_ID, secretKey: process.env.SECRET_KEY },
  region: "ap-guangzhou",
  profile: { httpProfile: { endpoint: process.env.ENDPOINT, protocol: "http://", reqTimeout: 10 } },
});
client.TextTranslate(JSON.parse(process.env.PARAMS))
  .then((r) => console.log(JSON.stringify({ ok: r.TargetText })),
        (e) => console.log(JSON.stringify({ error: String(e.code || e.message || e) })));
"""


def translate(url: str) -> str:
    """One signed TextTranslate to url; its TargetText, or the error."""
    host = urlsplit(url).netloc
    signed = Tc3Signer(DEFAULT, host=host).post(PARAMS)
    req = urllib.request.Request(url + "/", data=signed.request.body,
                                 headers=dict(signed.request.headers), method="POST")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            answer = json.load(resp)["Response"]
    except OSError as e:
        return f"error: {e}"
    return answer.get("TargetText") or f"error: {answer.get('Error')}"


def node_translate(endpoint: str) -> str:
    """The official Node.js SDK, pointed at endpoint (HOST:PORT)."""
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env |= {"SDK_DIR": str(ADAPTER_DIR), "ENDPOINT": endpoint, "SECRET_ID": DEFAULT.secret_id,
            "SECRET_KEY": DEFAULT.secret_key, "PARAMS": json.dumps(PARAMS)}
    p = subprocess.run(["node", "-e", NODE_CALL], env=env, capture_output=True, text=True, timeout=60)
    try:
        out = json.loads(p.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return f"error: node printed {p.stdout!r} {p.stderr[-500:]!r}"
    return out.get("ok") or f"error: {out.get('error')}"


def read_line(proc: subprocess.Popen[str], timeout: float) -> str:
    """The next stdout line, or "" when none comes within timeout (a missing listener)."""
    got: list[str] = []
    t = threading.Thread(target=lambda: got.append(proc.stdout.readline()), daemon=True)  # type: ignore[union-attr]
    t.start()
    t.join(timeout)
    return got[0].rstrip("\n") if got else ""


def start_and_probe(listen: str, use_node: bool, bin_path: str | None) -> dict[str, object]:
    # "" starts the mock on its built-in default, localhost:9000.
    want = expected_addresses(listen_host(listen))
    proc = subprocess.Popen([bin_path or str(binary()), *(["--listen", listen] if listen else []), "--seed", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        lines = [ln for ln in (read_line(proc, 10.0) for _ in want) if ln]
        urls = [ln.removeprefix("listening on ") for ln in lines if ln.startswith("listening on ")]
        port = urlsplit(urls[0]).port if urls else None
        result: dict[str, object] = {
            "resolves": want,
            "lines": lines,
            "answers": {u: translate(u) for u in urls},
        }
        if use_node and port is not None:
            result["node_localhost"] = node_translate(f"localhost:{port}")
        return result
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--listen", help="start the mock with this --listen ('' for its default) and probe "
                    "what it prints")
    ap.add_argument("--url", action="append", default=[], help="probe a running mock at this URL")
    ap.add_argument("--node", action="store_true", help="also call localhost:PORT with the Node.js SDK")
    ap.add_argument("--bin", help="the tmtmock binary (default: $TMTMOCK_BIN or the build)")
    args = ap.parse_args()
    if args.listen is not None:
        out = start_and_probe(args.listen, args.node, args.bin)
    else:
        out = {"answers": {u: translate(u) for u in args.url}}
    print(json.dumps(out, ensure_ascii=False))
    return 0 if all(not str(v).startswith("error") for v in out["answers"].values()) else 1  # type: ignore[union-attr]


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    sys.exit(main())
