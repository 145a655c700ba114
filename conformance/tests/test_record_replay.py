"""Record once, replay offline (docs/record-replay.md), offline: two mocks chained.
The upstream is a second tmtmock holding other ("real") credentials; the front mock checks
the client's request (signed with mock credentials), re-signs it with the real ones from
TMTMOCK_UPSTREAM_SECRET_ID/_SECRET_KEY/_TOKEN, forwards it, and records the cassette.
Then a replaying mock answers the same requests with the upstream gone."""
from __future__ import annotations

import json
import os
import socket
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

from harness.admin import Admin
from harness.mockproc import ROOT, MockProcess, run_once
from harness.signer import Credentials
from harness.wire import DEFAULT, TEXT, assert_envelope, assert_error, build, call

BASE = ["--fixtures", str(ROOT / "fixtures"), "--no-rate-limit"]
KINDS = ("tc3-post", "tc3-get", "v1-sha1-post", "v1-sha1-get", "v1-sha256-post")
REAL = Credentials("AKIDrealUpstream000000000000000000000"[:36], "realUpstreamSecretKeyDoNotLeak0000",
                   "real-sts-token-do-not-leak")
BATCH = {"Source": "en", "Target": "zh", "ProjectId": 0, "SourceTextList": ["one", "two"]}
DETECT = {"Text": "Das Wetter ist heute wirklich schön.", "ProjectId": 0}


def inner_ok(resp: Any) -> dict[str, Any]:
    inner = assert_envelope(resp)
    assert "Error" not in inner, inner
    return inner


def start(args: list[str], env: dict[str, str] | None = None) -> MockProcess:
    old = {k: os.environ.get(k) for k in (env or {})}
    os.environ.update(env or {})
    try:
        return MockProcess(args).start()
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def stop(m: MockProcess) -> None:
    code = m.stop()
    assert code in (0, -15), f"tmtmock exited {code}:\n{''.join(m.stderr_lines)}"


UP_ENV = {"TMTMOCK_UPSTREAM_SECRET_ID": REAL.secret_id, "TMTMOCK_UPSTREAM_SECRET_KEY": REAL.secret_key,
          "TMTMOCK_UPSTREAM_TOKEN": REAL.token or ""}


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    d = tmp_path_factory.mktemp("rr")
    up = start([*BASE, "--seed", "1", "--strict-signature", "--translations",
                str(ROOT / "fixtures" / "examples" / "translations.json")])
    Admin.of(up).ok("POST", "accounts", {"secret_id": REAL.secret_id, "secret_key": REAL.secret_key,
                                         "token": REAL.token})
    cassette, journal = d / "cassette.jsonl", d / "front-journal.jsonl"
    front = start([*BASE, "--seed", "2", "--upstream", up.url, "--record", str(cassette),
                   "--journal", str(journal)], UP_ENV)
    yield {"up": up, "front": front, "cassette": cassette, "journal": journal, "dir": d}
    stop(front)
    if up.proc is not None and up.proc.poll() is None:
        stop(up)


def test_forwarded_resigned_recorded(chain: dict[str, Any]) -> None:
    up, front = chain["up"], chain["front"]
    up_adm = Admin.of(up)
    answers = {}
    for kind in KINDS:
        text = f"Hello, world!" if kind == "tc3-post" else f"hello {kind}"
        r = call(front, build(front, kind, dict(TEXT, SourceText=text)))
        inner = inner_ok(r)
        answers[kind] = inner
        if kind == "tc3-post":
            assert inner["TargetText"] == "你好，世界！"     # the upstream's translation, not the front's
    inner_ok(call(front, build(front, "tc3-post", BATCH, action="TextTranslateBatch")))
    inner_ok(call(front, build(front, "v1-sha1-post", DETECT, action="LanguageDetect")))

    # The upstream saw every request signed with the real key, in the client's scheme.
    seen = up_adm.journal(secret_id=REAL.secret_id)["entries"]
    assert len(seen) == len(KINDS) + 2, seen
    assert all(e["signature_ok"] is True and e["error_code"] is None for e in seen), seen
    methods = [e["sign_method"] for e in seen[:len(KINDS)]]
    assert methods == ["TC3-HMAC-SHA256", "TC3-HMAC-SHA256", "HmacSHA1", "HmacSHA1", "HmacSHA256"]
    # The client's answer is the upstream's, RequestId included.
    for e, kind in zip(seen, KINDS):
        assert json.loads(e["body"])["Response"]["RequestId"] == answers[kind]["RequestId"]

    lines = [json.loads(x) for x in chain["cassette"].read_text(encoding="utf-8").splitlines()]
    assert len(lines) == len(KINDS) + 2
    first = lines[0]
    assert set(first) == {"action", "params", "answer", "time"}
    assert first["action"] == "TextTranslate"
    assert first["params"] == dict(TEXT, SourceText="Hello, world!")
    assert first["answer"] == {"TargetText": "你好，世界！", "Source": "en", "Target": "zh", "UsedAmount": 13}
    assert [x["action"] for x in lines[-2:]] == ["TextTranslateBatch", "LanguageDetect"]
    assert lines[-1]["answer"] == {"Lang": "de"}
    assert all("RequestId" not in x["answer"] for x in lines)


def test_secrets_never_reach_cassette_or_journal(chain: dict[str, Any]) -> None:
    front = chain["front"]
    inner_ok(call(front, build(front, "tc3-post", dict(TEXT, SourceText="secret check"))))
    blobs = [chain["cassette"].read_text(encoding="utf-8"), chain["journal"].read_text(encoding="utf-8"),
             json.dumps(Admin.of(front).journal())]
    for blob in blobs:
        assert blob, "nothing written"
        for secret in (REAL.secret_key, REAL.token):
            assert secret not in blob


def test_checks_and_rules_apply_in_front(chain: dict[str, Any]) -> None:
    front, up = chain["front"], chain["up"]
    before = Admin.of(up).journal(count=1)["count"]
    bad = Credentials(DEFAULT.secret_id, "wrong" + DEFAULT.secret_key[5:])
    assert_error(call(front, build(front, "tc3-post", creds=bad)), "AuthFailure.SignatureFailure")
    fadm = Admin.of(front)
    fadm.add_fault(error="ResourceUnavailable", match={"action": "TextTranslate"})
    try:
        assert_error(call(front, build(front, "tc3-post")), "ResourceUnavailable")
    finally:
        fadm.clear_faults()
    assert Admin.of(up).journal(count=1)["count"] == before, "refused requests must not reach the upstream"


def test_upstream_error_passes_through_unrecorded(chain: dict[str, Any]) -> None:
    front, up = chain["front"], chain["up"]
    n = len(chain["cassette"].read_text(encoding="utf-8").splitlines())
    uadm = Admin.of(up)
    uadm.add_fault(error="FailedOperation.NoFreeAmount")
    try:
        r = call(front, build(front, "tc3-post", dict(TEXT, SourceText="error path")))
        assert_error(r, "FailedOperation.NoFreeAmount")
        uadm.clear_faults()
        uadm.add_fault(fault="html_502")
        r = call(front, build(front, "tc3-post", dict(TEXT, SourceText="gateway path")))
        assert r.status == 502 and b"502 Bad Gateway" in r.body
    finally:
        uadm.clear_faults()
    assert len(chain["cassette"].read_text(encoding="utf-8").splitlines()) == n
    codes = [e["error_code"] for e in Admin.of(front).journal()["entries"][-2:]]
    assert codes == ["FailedOperation.NoFreeAmount", "InternalError"]


def test_replay_offline_same_answers(chain: dict[str, Any]) -> None:
    front, up = chain["front"], chain["up"]
    # The recorded answers, as the front gave them.
    want = {}
    for kind in KINDS:
        text = "Hello, world!" if kind == "tc3-post" else f"hello {kind}"
        want[kind] = inner_ok(call(front, build(front, kind, dict(TEXT, SourceText=text))))
    stop(up)            # the upstream is gone
    rp = start([*BASE, "--seed", "3", "--replay", str(chain["cassette"]), "--replay-miss", "error"])
    try:
        for kind in KINDS:
            text = "Hello, world!" if kind == "tc3-post" else f"hello {kind}"
            # Another kind of request for the same call: the normalisation matches it
            # (JSON's ProjectId 0 and a form's "0" are one request).
            other = "v1-sha256-get" if kind.startswith("tc3") else "tc3-post"
            for k in (kind, other):
                got = inner_ok(call(rp, build(rp, k, dict(TEXT, SourceText=text))))
                assert got["RequestId"] != want[kind]["RequestId"]     # fresh
                assert {**got, "RequestId": ""} == {**want[kind], "RequestId": ""}
        got = inner_ok(call(rp, build(rp, "v1-sha1-get", BATCH, action="TextTranslateBatch")))
        assert got["TargetTextList"] == ["[ZH] ONE".replace("ZH", "zh"), "[zh] TWO"]
        assert_error(call(rp, build(rp, "tc3-post", dict(TEXT, SourceText="never recorded"))), "ResourceNotFound")
        # The mock's checks still come first: a bad signature is not replayed.
        bad = Credentials(DEFAULT.secret_id, "wrong" + DEFAULT.secret_key[5:])
        assert_error(call(rp, build(rp, "tc3-post", creds=bad)), "AuthFailure.SignatureFailure")
    finally:
        stop(rp)
    # pseudo (the default policy): the mock's own answer for a miss.
    rp = start([*BASE, "--replay", str(chain["cassette"])])
    try:
        got = inner_ok(call(rp, build(rp, "tc3-post", dict(TEXT, SourceText="never recorded"))))
        assert got["TargetText"] == "[zh] NEVER RECORDED"
    finally:
        stop(rp)
    # With the upstream gone the front answers a transport failure, records nothing.
    n = len(chain["cassette"].read_text(encoding="utf-8").splitlines())
    assert_error(call(front, build(front, "tc3-post", dict(TEXT, SourceText="upstream down"))),
                 "InternalError.BackendTimeout")
    assert len(chain["cassette"].read_text(encoding="utf-8").splitlines()) == n


def test_replay_miss_forward_records_missing(tmp_path: Path) -> None:
    up = start([*BASE, "--seed", "4"])
    try:
        Admin.of(up).ok("POST", "accounts", {"secret_id": REAL.secret_id, "secret_key": REAL.secret_key})
        cassette = tmp_path / "c.jsonl"
        cassette.write_text(json.dumps({"action": "TextTranslate", "params": dict(TEXT, SourceText="known"),
                                        "answer": {"TargetText": "已知", "Source": "en", "Target": "zh",
                                                   "UsedAmount": 5}, "time": "2026-01-01T00:00:00Z"}) + "\n")
        env = {k: v for k, v in UP_ENV.items() if k != "TMTMOCK_UPSTREAM_TOKEN"}
        env["TMTMOCK_UPSTREAM_TOKEN"] = ""
        m = start([*BASE, "--upstream", up.url, "--replay", str(cassette), "--replay-miss", "forward",
                   "--record", str(cassette)], env)
        try:
            assert inner_ok(call(m, build(m, "tc3-post", dict(TEXT, SourceText="known"))))["TargetText"] == "已知"
            assert Admin.of(up).journal(count=1)["count"] == 0
            got = inner_ok(call(m, build(m, "tc3-post", dict(TEXT, SourceText="missing"))))
            assert got["TargetText"] == "[zh] MISSING"
            assert Admin.of(up).journal(count=1)["count"] == 1
            # Now on the tape: answered without the upstream.
            inner_ok(call(m, build(m, "v1-sha1-post", dict(TEXT, SourceText="missing"))))
            assert Admin.of(up).journal(count=1)["count"] == 1
        finally:
            stop(m)
        assert [json.loads(x)["params"]["SourceText"] for x in cassette.read_text().splitlines()] == ["known", "missing"]
    finally:
        stop(up)


@pytest.mark.parametrize("args, env, needle", [
    (["--upstream", "http://example.com"], UP_ENV, "plain http only to loopback"),
    (["--upstream", "ftp://127.0.0.1"], UP_ENV, "the scheme must be https"),
    (["--upstream", "https://127.0.0.1:1"], {}, "TMTMOCK_UPSTREAM_SECRET_ID and TMTMOCK_UPSTREAM_SECRET_KEY"),
    (["--record", "/tmp/x.jsonl"], {}, "--record needs --upstream"),
    (["--replay-miss", "forward"], {}, "--replay-miss forward needs --upstream"),
    (["--replay-miss", "maybe"], {}, "--replay-miss: \"maybe\""),
    (["--replay", "/nonexistent/c.jsonl"], {}, "--replay: /nonexistent/c.jsonl"),
])
def test_bad_options_exit_2(args: list[str], env: dict[str, str], needle: str) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TMTMOCK_UPSTREAM")}
    clean.update(env)
    import subprocess
    from harness.mockproc import binary
    r = subprocess.run([str(binary()), *BASE, *args], capture_output=True, text=True, timeout=10, env=clean)
    assert r.returncode == 2 and needle in r.stderr, r.stderr


def test_bad_cassette_line_exit_2(tmp_path: Path) -> None:
    c = tmp_path / "c.jsonl"
    c.write_text('{"action": "TextTranslate", "params": {}, "answer": {}}\n{"action": 1}\n')
    r = run_once([*BASE, "--replay", str(c)])
    assert r.returncode == 2 and f"{c}:2: needs" in r.stderr, r.stderr


def test_https_upstream_verified(tmp_path: Path) -> None:
    """An https upstream's certificate is checked against the system's CAs, or only
    --upstream-ca's, and must name the host: the mock's generated CA is trusted only
    when given."""
    ca = tmp_path / "ca.pem"
    up = start([*BASE, "--tls-listen", "localhost:0", "--tls-ca-out", str(ca)])
    try:
        Admin.of(up).ok("POST", "accounts", {"secret_id": REAL.secret_id, "secret_key": REAL.secret_key})
        url = f"https://localhost:{up.tls_port}"
        env = {**UP_ENV, "TMTMOCK_UPSTREAM_TOKEN": ""}
        m = start([*BASE, "--upstream", url, "--upstream-ca", str(ca)], env)
        try:
            got = inner_ok(call(m, build(m, "tc3-post", dict(TEXT, SourceText="over tls"))))
            assert got["TargetText"] == "[zh] OVER TLS"
        finally:
            stop(m)
        seen = Admin.of(up).journal(secret_id=REAL.secret_id)["entries"]
        assert len(seen) == 1 and seen[0]["signature_ok"] is True
        m = start([*BASE, "--upstream", url], env)      # the system's CAs do not know it
        try:
            assert_error(call(m, build(m, "tc3-post", dict(TEXT, SourceText="untrusted"))),
                         "InternalError.BackendTimeout")
        finally:
            stop(m)
        assert len(Admin.of(up).journal(secret_id=REAL.secret_id)["entries"]) == 1
    finally:
        stop(up)


def test_upstream_silent_times_out(tmp_path: Path) -> None:
    """An upstream that accepts and never answers: InternalError.BackendTimeout after
    --upstream-timeout, nothing recorded."""
    import time
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)
    cassette = tmp_path / "c.jsonl"
    env = {**UP_ENV, "TMTMOCK_UPSTREAM_TOKEN": ""}
    m = start([*BASE, "--upstream", f"http://127.0.0.1:{silent.getsockname()[1]}", "--upstream-timeout", "1",
               "--record", str(cassette)], env)
    try:
        t0 = time.monotonic()
        assert_error(call(m, build(m, "tc3-post", dict(TEXT, SourceText="anyone?"))), "InternalError.BackendTimeout")
        assert 0.9 <= time.monotonic() - t0 < 5
        assert cassette.read_text() == ""
    finally:
        stop(m)
        silent.close()


def test_a_slow_upstream_does_not_stop_the_front() -> None:
    """While one request waits for the upstream, the front answers others at once: the
    forwarded request finishes later on the front's own loop (pipeline_start)."""
    up = start([*BASE, "--seed", "3"])
    Admin.of(up).ok("POST", "accounts", {"secret_id": REAL.secret_id, "secret_key": REAL.secret_key,
                                         "token": REAL.token})
    Admin.of(up).ok("POST", "faults", {"delay_ms": 2000, "times": 1})
    front = start([*BASE, "--seed", "4", "--upstream", up.url], UP_ENV)
    slow: dict[str, Any] = {}

    def forwarded() -> None:
        t0 = time.monotonic()
        slow["resp"] = call(front, build(front, "tc3-post", dict(TEXT, SourceText="slow upstream")))
        slow["s"] = time.monotonic() - t0

    t = threading.Thread(target=forwarded)
    t.start()
    try:
        time.sleep(0.3)     # the forwarded request is now waiting on the upstream
        t0 = time.monotonic()
        status, _ = Admin.of(front).get("health")
        quick = time.monotonic() - t0
        assert status == 200
        assert quick < 1.0, f"the front answered /_mock/health after {quick:.2f} s: it stood still"
    finally:
        t.join(30)
        stop(front)
        stop(up)
    inner_ok(slow["resp"])
    assert slow["s"] >= 1.9, slow
