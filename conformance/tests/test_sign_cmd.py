"""`tmtmock sign` (docs/helpers.md, Signing without an SDK): the curl command it prints is
accepted by the mock for every signature scheme and method, carries the signature the
published vectors give (mock_server/tests/vectors/), and is refused when the key is wrong."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from harness.admin import Admin
from harness.launch import clean_env, launch
from harness.mockproc import ROOT, MockProcess, binary
from harness.signer import Credentials

VECTORS = ROOT / "mock_server" / "tests" / "vectors"
TEXT = {"SourceText": "it's hello 世界 <b>&", "Source": "en", "Target": "zh", "ProjectId": 0}
SCHEMES = ("TC3-HMAC-SHA256", "HmacSHA1", "HmacSHA256")


def sign(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(binary()), "sign", *args], capture_output=True, text=True, timeout=10,
                          env=env if env is not None else clean_env())


def signed(*args: str, env: dict[str, str] | None = None) -> str:
    r = sign(*args, env=env)
    assert r.returncode == 0, r.stderr
    return r.stdout


def run_sh(cmd: str) -> dict:
    r = subprocess.run(["sh", "-c", cmd], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)["Response"]


def http_headers(text: str) -> dict[str, str]:
    head = text.split("\n\n", 1)[0].splitlines()[1:]
    return dict(line.split(": ", 1) for line in head)


def signature_of(authorization: str) -> str:
    return authorization.rsplit("Signature=", 1)[1]


@pytest.mark.parametrize("method", ["POST", "GET"])
@pytest.mark.parametrize("scheme", SCHEMES)
def test_printed_curl_command_is_accepted(mock: MockProcess, adm: Admin, scheme: str, method: str) -> None:
    cmd = signed("--endpoint", mock.url, "--action", "TextTranslate", "--params", json.dumps(TEXT, ensure_ascii=False),
                 "--method", method, "--sign-method", scheme)
    assert cmd.startswith("curl ")
    resp = run_sh(cmd)
    assert resp.get("TargetText") == "[zh] IT'S HELLO 世界 <B>&", resp
    (entry,) = adm.journal()["entries"]
    assert entry["signature_ok"] is True and entry["method"] == method, entry
    assert entry["sign_method"] == scheme, entry
    assert entry["params"]["SourceText"] == TEXT["SourceText"]


def test_wrong_key_is_refused(mock: MockProcess, adm: Admin) -> None:
    cmd = signed("--endpoint", mock.url, "--action", "TextTranslate", "--params", json.dumps(TEXT),
                 "--secret-id", "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "--secret-key", "wrong")
    assert run_sh(cmd)["Error"]["Code"] == "AuthFailure.SignatureFailure"


def test_keys_from_the_environment(tmp_path: Path) -> None:
    """TENCENTCLOUD_SECRET_ID/_KEY sign, as the SDKs read them; the mock adds that account."""
    creds = {"TENCENTCLOUD_SECRET_ID": "AKID" + "e" * 32, "TENCENTCLOUD_SECRET_KEY": "k" * 32}
    env = clean_env(creds)
    with launch(["--listen", "127.0.0.1:0", "--fixtures", str(ROOT / "fixtures")], env=env, cwd=tmp_path) as m:
        cmd = signed("--endpoint", m.url, "--action", "LanguageDetect", "--params",
                     '{"Text": "hello", "ProjectId": 0}', env=env)
        assert creds["TENCENTCLOUD_SECRET_ID"] + "/" in cmd
        assert run_sh(cmd)["Lang"] == "en"


def tc3_vector(vid: str) -> dict:
    return next(v for v in json.loads((VECTORS / "tc3.json").read_text())["vectors"] if v["id"] == vid)


@pytest.mark.parametrize("vid", ["10.1", "10.6.1"])
def test_tc3_post_matches_the_published_vectors(vid: str) -> None:
    v = tc3_vector(vid)
    hdrs = dict(v["headers"])
    scheme = "https" if hdrs["host"].endswith("tencentcloudapi.com") else "http"
    out = signed("--headers", "--endpoint", f"{scheme}://{hdrs['host']}", "--action", "Any",
                 "--secret-id", v["secret_id"], "--secret-key", v["secret_key"], "--service", v["service"],
                 "--content-type", hdrs["content-type"], "--body", v["body"], "--timestamp", v["timestamp"])
    got = http_headers(out)
    assert got["Host"] == hdrs["host"] and got["Content-Type"] == hdrs["content-type"]
    assert signature_of(got["Authorization"]) == v["expect"]["signature"]
    assert out.split("\n\n", 1)[1].rstrip("\n") == v["body"]


def test_tc3_get_matches_the_published_vector() -> None:
    v = tc3_vector("10.6.2")
    hdrs = dict(v["headers"])
    params = {k: vals[0] for k, vals in parse_qs(v["query"]).items()}
    params["ProjectId"] = 0
    out = signed("--headers", "--method", "GET", "--endpoint", f"http://{hdrs['host']}", "--action", "TextTranslate",
                 "--secret-id", v["secret_id"], "--secret-key", v["secret_key"], "--params",
                 json.dumps(params, ensure_ascii=False), "--timestamp", v["timestamp"])
    assert out.splitlines()[0] == f"GET /?{v['query']} HTTP/1.1"
    assert signature_of(http_headers(out)["Authorization"]) == v["expect"]["signature"]


def test_v1_matches_the_published_vector() -> None:
    v = next(x for x in json.loads((VECTORS / "v1.json").read_text())["vectors"] if x["id"] == "10.4")
    p = dict(v["params"])
    cmd = signed("--sign-method", "HmacSHA1", "--method", "GET", "--endpoint", f"https://{v['host']}",
                 "--action", p["Action"], "--version", p["Version"], "--region", p["Region"],
                 "--secret-id", p["SecretId"], "--secret-key", v["secret_key"], "--timestamp", p["Timestamp"],
                 "--nonce", p["Nonce"], "--params",
                 json.dumps({"InstanceIds": [p["InstanceIds.0"]], "Limit": 20, "Offset": 0}))
    url = cmd.split("'")[1]
    query = parse_qs(urlsplit(url).query)
    assert url.startswith("https://cvm.tencentcloudapi.com/?")
    assert {k: vals[0] for k, vals in query.items()} == p
    (documented,) = [s["value"] for s in v["signatures"] if s["method"] == "HmacSHA1"]
    assert query["Signature"] == [documented]


def test_default_port_is_not_in_the_host() -> None:
    out = signed("--headers", "--endpoint", "https://tmt.tencentcloudapi.com", "--action", "TextTranslate",
                 "--secret-id", "AKIDx", "--secret-key", "k")
    got = http_headers(out)
    assert got["Host"] == "tmt.tencentcloudapi.com"
    assert "/tmt/tc3_request" in got["Authorization"]


@pytest.mark.parametrize("args, needle", [
    ([], "--action is required"),
    (["--action", "X", "--params", "[1]"], "--params"),
    (["--action", "X", "--method", "PUT"], "--method"),
    (["--action", "X", "--sign-method", "MD5"], "--sign-method"),
    (["--action", "X", "--timestamp", "soon"], "--timestamp"),
    (["--action", "X", "--endpoint", "ftp://x"], "--endpoint"),
    (["--action", "X", "--body", "{}", "--method", "GET"], "--body"),
    (["--action", "X", "--colour"], "--colour"),
])
def test_bad_usage_exits_2(args: list[str], needle: str) -> None:
    r = sign(*args)
    assert r.returncode == 2 and needle in r.stderr and r.stdout == "", r
