"""HTTPS (docs/https.md): --tls-listen with a CA generated at start-up and
written to --tls-ca-out, or with a certificate and key of one's own (--tls-cert, --tls-key).

The HTTPS listener serves exactly what the plain one does: the tests sign with the harness's
reference signer and call through the official Node.js SDK, which must trust the CA through
NODE_EXTRA_CA_CERTS alone.
"""
from __future__ import annotations

import http.client
import json
import shutil
import socket
import ssl
import subprocess
from pathlib import Path
from typing import Any

import pytest

from harness.mockproc import ROOT, MockProcess, binary, run_once
from harness.nodesdk import ADAPTER_DIR, DEFAULT_ID, DEFAULT_KEY, NODE, REGION, REQUIRES_NODE_SDK, SIGN_CASES, adapter_env
from harness.signer import Credentials, HttpRequest, HttpResponse, Tc3Signer, V1Signer

FIXTURES = ROOT / "fixtures"
BASE = ["--fixtures", str(FIXTURES), "--seed", "7", "--no-rate-limit"]
CREDS = Credentials(DEFAULT_ID, DEFAULT_KEY)
PARAMS = {"SourceText": "hello over tls", "Source": "en", "Target": "zh", "ProjectId": 0}
OPENSSL = shutil.which("openssl")
REQUIRES_OPENSSL = pytest.mark.skipif(OPENSSL is None, reason="the `openssl` command is not on PATH")


def stop_cleanly(m: MockProcess) -> None:
    code = m.stop()
    stderr = "".join(m.stderr_lines)
    # A clean stop is SIGTERM's; a crash or a leak report (ASan, LSan) shows here.
    assert code in (0, -15), f"tmtmock exited {code}; stderr:\n{stderr}"
    assert "Sanitizer" not in stderr, stderr


@pytest.fixture(scope="module")
def ca_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tls") / "ca.pem"


@pytest.fixture(scope="module")
def tls_mock(ca_file: Path) -> MockProcess:
    """A mock serving http and https, with a generated CA written to ca_file."""
    if not binary().exists():
        pytest.fail(f"{binary()} is missing: build it with `make build`")
    # localhost, as the Node tests' URLs name it: every address it resolves to, so Node
    # reaches it whether it tries ::1 or 127.0.0.1 first.
    m = MockProcess([*BASE, "--tls-listen", "localhost:0", "--tls-ca-out", str(ca_file)]).start()
    yield m
    stop_cleanly(m)


class _TlsConnection(http.client.HTTPSConnection):
    """Connects to addr:port but presents (SNI) and verifies server_hostname."""

    def __init__(self, addr: str, port: int, server_hostname: str, context: ssl.SSLContext, timeout: float):
        super().__init__(server_hostname, port, context=context, timeout=timeout)
        self._addr = addr
        self._tls_context = context

    def connect(self) -> None:
        sock = socket.create_connection((self._addr, self.port), self.timeout)
        self.sock = self._tls_context.wrap_socket(sock, server_hostname=self.host)


def tls_context(cafile: Path | None) -> ssl.SSLContext:
    """What a careful client uses: verification and hostname checks on, strict X.509."""
    ctx = ssl.create_default_context(cafile=str(cafile) if cafile else None)
    ctx.verify_flags |= ssl.VERIFY_X509_STRICT
    return ctx


def exchange(conn: http.client.HTTPConnection, request: HttpRequest) -> HttpResponse:
    """One request on an open connection, sent as it stands (as signer.send does)."""
    conn.putrequest(request.method, request.target, skip_host=True, skip_accept_encoding=True)
    for name, value in request.headers:
        conn.putheader(name, value)
    if request.body or request.method.upper() != "GET":
        conn.putheader("Content-Length", str(len(request.body)))
    conn.endheaders(request.body or None)
    resp = conn.getresponse()
    return HttpResponse(resp.status, resp.reason, tuple(resp.getheaders()), resp.read())


def https_send(port: int, server_hostname: str, request: HttpRequest, cafile: Path | None) -> HttpResponse:
    conn = _TlsConnection("127.0.0.1", port, server_hostname, tls_context(cafile), timeout=30)
    try:
        return exchange(conn, request)
    finally:
        conn.close()


def expect_translation(resp: HttpResponse, text: str = PARAMS["SourceText"]) -> dict[str, Any]:
    assert resp.status == 200, resp
    assert resp.header("Content-Type") == "application/json", resp.headers
    body = resp.json()["Response"]
    assert "Error" not in body, body
    assert body["TargetText"] == "[zh] " + text.upper(), body
    assert (body["Source"], body["Target"]) == ("en", "zh"), body
    return body


def x509_text(pem: Path) -> str:
    return subprocess.run(
        [OPENSSL or "openssl", "x509", "-in", str(pem), "-noout", "-text"],
        capture_output=True, text=True, check=True,
    ).stdout


# ---------------------------------------------------------------- the generated CA


def test_ready_lines_http_first_then_https(tls_mock: MockProcess, ca_file: Path) -> None:
    assert tls_mock.url == f"http://127.0.0.1:{tls_mock.port}"
    assert tls_mock.tls_url == f"https://127.0.0.1:{tls_mock.tls_port}"
    assert tls_mock.tls_port > 0 and tls_mock.tls_port != tls_mock.port
    pem = ca_file.read_text()
    assert pem.startswith("-----BEGIN CERTIFICATE-----\n"), pem
    assert pem.count("BEGIN") == 1, "only the CA certificate, never a key"


@REQUIRES_OPENSSL
def test_ca_out_holds_the_ca(ca_file: Path, tls_mock: MockProcess) -> None:
    text = x509_text(ca_file)
    assert "Subject: CN = tmtmock local CA" in text, text
    assert "CA:TRUE" in text and "Certificate Sign, CRL Sign" in text, text
    assert "ASN1 OID: prime256v1" in text, text


@pytest.mark.parametrize("server_hostname", ["localhost", "tmt.tencentcloudapi.com", "127.0.0.1"])
def test_tc3_text_translate_over_https(tls_mock: MockProcess, ca_file: Path, server_hostname: str) -> None:
    host = server_hostname if server_hostname == "tmt.tencentcloudapi.com" else f"{server_hostname}:{tls_mock.tls_port}"
    signed = Tc3Signer(CREDS, host=host).post(PARAMS)
    expect_translation(https_send(tls_mock.tls_port, server_hostname, signed.request, ca_file))


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_v1_over_https(tls_mock: MockProcess, ca_file: Path, method: str) -> None:
    v1 = V1Signer(CREDS, host=f"localhost:{tls_mock.tls_port}", signature_method="HmacSHA256").sign(method, PARAMS)
    expect_translation(https_send(tls_mock.tls_port, "localhost", v1.request, ca_file))


def test_tc3_get_over_https(tls_mock: MockProcess, ca_file: Path) -> None:
    signed = Tc3Signer(CREDS, host=f"localhost:{tls_mock.tls_port}").get(PARAMS)
    expect_translation(https_send(tls_mock.tls_port, "localhost", signed.request, ca_file))


def test_errors_are_the_same_over_https(tls_mock: MockProcess, ca_file: Path) -> None:
    signed = Tc3Signer(Credentials(DEFAULT_ID, "wrong"), host=f"localhost:{tls_mock.tls_port}").post(PARAMS)
    resp = https_send(tls_mock.tls_port, "localhost", signed.request, ca_file)
    assert resp.status == 200
    assert resp.json()["Response"]["Error"]["Code"] == "AuthFailure.SignatureFailure", resp.text


def test_keep_alive_serves_several_requests(tls_mock: MockProcess, ca_file: Path) -> None:
    conn = _TlsConnection("127.0.0.1", tls_mock.tls_port, "localhost", tls_context(ca_file), timeout=30)
    try:
        for i in range(3):
            params = dict(PARAMS, SourceText=f"request {i}")
            signed = Tc3Signer(CREDS, host=f"localhost:{tls_mock.tls_port}").post(params)
            expect_translation(exchange(conn, signed.request), f"request {i}")
        assert conn.sock is not None
        assert conn.sock.version() in ("TLSv1.2", "TLSv1.3")
    finally:
        conn.close()


def test_plain_http_listener_still_serves(tls_mock: MockProcess) -> None:
    signed = Tc3Signer(CREDS, host=f"127.0.0.1:{tls_mock.port}").post(PARAMS)
    conn = http.client.HTTPConnection("127.0.0.1", tls_mock.port, timeout=30)
    try:
        expect_translation(exchange(conn, signed.request))
    finally:
        conn.close()


def test_client_without_the_ca_fails_verification(tls_mock: MockProcess) -> None:
    signed = Tc3Signer(CREDS, host=f"localhost:{tls_mock.tls_port}").post(PARAMS)
    with pytest.raises(ssl.SSLCertVerificationError):
        https_send(tls_mock.tls_port, "localhost", signed.request, None)


def test_other_hostname_fails_verification(tls_mock: MockProcess, ca_file: Path) -> None:
    signed = Tc3Signer(CREDS, host="example.com").post(PARAMS)
    with pytest.raises(ssl.SSLCertVerificationError, match="match|mismatch"):
        https_send(tls_mock.tls_port, "example.com", signed.request, ca_file)


def test_plain_http_to_the_tls_port_is_not_served(tls_mock: MockProcess) -> None:
    signed = Tc3Signer(CREDS, host=f"127.0.0.1:{tls_mock.tls_port}").post(PARAMS)
    conn = http.client.HTTPConnection("127.0.0.1", tls_mock.tls_port, timeout=10)
    try:
        with pytest.raises((http.client.HTTPException, OSError)):
            resp = exchange(conn, signed.request)
            # Some stacks read a TLS alert as a garbled status line; never a JSON answer.
            raise http.client.HTTPException(f"answered in plain text: {resp}")
    finally:
        conn.close()


def test_each_run_makes_a_new_ca(tmp_path: Path, ca_file: Path, tls_mock: MockProcess) -> None:
    other = tmp_path / "other-ca.pem"
    m = MockProcess([*BASE, "--tls-listen", "127.0.0.1:0", "--tls-ca-out", str(other)]).start()
    try:
        assert other.read_text() != ca_file.read_text()
        # This mock's leaf is not vouched for by the first mock's CA.
        signed = Tc3Signer(CREDS, host=f"localhost:{m.tls_port}").post(PARAMS)
        with pytest.raises(ssl.SSLCertVerificationError):
            https_send(m.tls_port, "localhost", signed.request, ca_file)
        expect_translation(https_send(m.tls_port, "localhost", signed.request, other))
    finally:
        stop_cleanly(m)


def test_stop_with_connections_open(tmp_path: Path) -> None:
    """SIGTERM with an idle keep-alive TLS connection and a half-done handshake: a clean exit
    (under ASan: nothing leaked)."""
    ca = tmp_path / "ca.pem"
    m = MockProcess([*BASE, "--tls-listen", "127.0.0.1:0", "--tls-ca-out", str(ca)]).start()
    conn = _TlsConnection("127.0.0.1", m.tls_port, "localhost", tls_context(ca), timeout=30)
    raw = socket.create_connection(("127.0.0.1", m.tls_port), 10)
    try:
        signed = Tc3Signer(CREDS, host=f"localhost:{m.tls_port}").post(PARAMS)
        expect_translation(exchange(conn, signed.request))
        raw.sendall(b"\x16\x03\x01\x00\x05")  # the start of a ClientHello, never finished
    finally:
        stop_cleanly(m)
        conn.close()
        raw.close()


# ---------------------------------------------------------------- the official Node.js SDK


def node_run(endpoint: str, ca: Path | None, sign_method: str = "TC3-HMAC-SHA256", method: str = "POST") -> dict[str, Any]:
    message = {
        "cmd": "run",
        "seq": 1,
        "endpoint": endpoint,
        "region": REGION,
        "credentials": {"secret_id": DEFAULT_ID, "secret_key": DEFAULT_KEY, "token": None},
        "action": "TextTranslate",
        "params": PARAMS,
        "options": {"sign_method": sign_method, "method": method, "timeout_ms": 10000, "max_attempts": 1},
    }
    env = adapter_env()
    env.pop("NODE_EXTRA_CA_CERTS", None)
    env.pop("NODE_TLS_REJECT_UNAUTHORIZED", None)
    if ca is not None:
        env["NODE_EXTRA_CA_CERTS"] = str(ca)
    proc = subprocess.run(
        [NODE or "node", "adapter.js"], cwd=ADAPTER_DIR, input=json.dumps(message) + "\n",
        capture_output=True, text=True, timeout=60, env=env,
    )
    assert proc.returncode == 0, f"adapter exited {proc.returncode}; stderr:\n{proc.stderr}"
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one answer line, got {proc.stdout!r}; stderr:\n{proc.stderr}"
    return json.loads(lines[0])["result"]


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
@REQUIRES_NODE_SDK[0]
@REQUIRES_NODE_SDK[1]
def test_node_sdk_over_https(tls_mock: MockProcess, ca_file: Path, host: str) -> None:
    result = node_run(f"https://{host}:{tls_mock.tls_port}", ca_file)
    assert result["ok"] is True, result
    assert result["response"]["TargetText"] == "[zh] " + PARAMS["SourceText"].upper(), result


@pytest.mark.parametrize("sign_method,method", SIGN_CASES)
@REQUIRES_NODE_SDK[0]
@REQUIRES_NODE_SDK[1]
def test_node_sdk_every_signature_over_https(tls_mock: MockProcess, ca_file: Path, sign_method: str, method: str) -> None:
    result = node_run(f"https://localhost:{tls_mock.tls_port}", ca_file, sign_method, method)
    assert result["ok"] is True, result


@REQUIRES_NODE_SDK[0]
@REQUIRES_NODE_SDK[1]
def test_node_sdk_without_the_ca_fails(tls_mock: MockProcess) -> None:
    result = node_run(f"https://localhost:{tls_mock.tls_port}", None)
    assert result["ok"] is False, result
    assert result["error"]["kind"] == "network", result
    assert "certificate" in result["error"]["message"], result


# ---------------------------------------------------------------- a certificate of one's own


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run([OPENSSL or "openssl", *args], cwd=cwd, check=True, capture_output=True, text=True)


@pytest.fixture(scope="module")
def own_pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """With the openssl command: an EC CA, an RSA leaf for localhost/127.0.0.1 it signs, and
    an unrelated key."""
    if OPENSSL is None:
        pytest.skip("the `openssl` command is not on PATH")
    d = tmp_path_factory.mktemp("own-pki")
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=own test CA",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)
    openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "leaf.key", "-out", "leaf.csr",
            "-subj", "/CN=own test leaf", cwd=d)
    (d / "leaf.ext").write_text(
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n"
        "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n"
    )
    openssl("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-days", "1", "-sha256", "-extfile", "leaf.ext", "-out", "leaf.pem", cwd=d)
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "other.key", cwd=d)
    (d / "chain.pem").write_text((d / "leaf.pem").read_text() + (d / "ca.pem").read_text())
    return d


@pytest.mark.parametrize("cert", ["leaf.pem", "chain.pem"])
def test_own_cert_and_key(own_pki: Path, cert: str) -> None:
    m = MockProcess([*BASE, "--tls-listen", "127.0.0.1:0", "--tls-cert", str(own_pki / cert),
                     "--tls-key", str(own_pki / "leaf.key")]).start()
    try:
        signed = Tc3Signer(CREDS, host=f"localhost:{m.tls_port}").post(PARAMS)
        conn = _TlsConnection("127.0.0.1", m.tls_port, "localhost", tls_context(own_pki / "ca.pem"), timeout=30)
        try:
            expect_translation(exchange(conn, signed.request))
            assert conn.sock is not None
            subject = dict(x[0] for x in conn.sock.getpeercert()["subject"])
            assert subject["commonName"] == "own test leaf"
        finally:
            conn.close()
    finally:
        stop_cleanly(m)


def bad_start(args: list[str]) -> subprocess.CompletedProcess[str]:
    r = run_once(["--listen", "127.0.0.1:0", *BASE, *args], timeout=10)
    assert "listening on" not in r.stdout, r.stdout
    assert "Sanitizer" not in r.stderr, r.stderr
    return r


def test_mismatched_key_exits_2(own_pki: Path) -> None:
    r = bad_start(["--tls-listen", "127.0.0.1:0", "--tls-cert", str(own_pki / "leaf.pem"),
                   "--tls-key", str(own_pki / "other.key")])
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert "does not match" in r.stderr and "other.key" in r.stderr, r.stderr


def test_key_that_is_a_certificate_exits_2(own_pki: Path) -> None:
    r = bad_start(["--tls-listen", "127.0.0.1:0", "--tls-cert", str(own_pki / "leaf.pem"),
                   "--tls-key", str(own_pki / "leaf.pem")])
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert "--tls-key" in r.stderr and "no unencrypted PEM private key" in r.stderr, r.stderr


def test_cert_that_is_a_key_exits_2(own_pki: Path) -> None:
    r = bad_start(["--tls-listen", "127.0.0.1:0", "--tls-cert", str(own_pki / "leaf.key"),
                   "--tls-key", str(own_pki / "leaf.key")])
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert "--tls-cert" in r.stderr and "no PEM certificate" in r.stderr, r.stderr


@pytest.mark.parametrize(
    "args,words",
    [
        pytest.param(["--tls-listen", "127.0.0.1:0", "--tls-cert", "{d}/leaf.pem"], ["--tls-key", "missing"],
                     id="cert-without-key"),
        pytest.param(["--tls-listen", "127.0.0.1:0", "--tls-key", "{d}/leaf.key"], ["--tls-cert", "missing"],
                     id="key-without-cert"),
        pytest.param(["--tls-listen", "127.0.0.1:0", "--tls-cert", "{d}/leaf.pem", "--tls-key", "{d}/leaf.key",
                      "--tls-ca-out", "{d}/out.pem"], ["--tls-ca-out", "--tls-cert"], id="ca-out-with-cert"),
        pytest.param(["--tls-cert", "{d}/leaf.pem", "--tls-key", "{d}/leaf.key"], ["--tls-listen"],
                     id="cert-without-listen"),
        pytest.param(["--tls-ca-out", "{d}/out.pem"], ["--tls-listen"], id="ca-out-without-listen"),
        pytest.param(["--tls-listen", "127.0.0.1:0", "--tls-cert", "{d}/nonexistent.pem", "--tls-key",
                      "{d}/leaf.key"], ["--tls-cert", "nonexistent.pem", "cannot read"], id="cert-unreadable"),
        pytest.param(["--tls-listen", "127.0.0.1:0", "--tls-cert", "{d}/leaf.pem", "--tls-key",
                      "{d}/nonexistent.key"], ["--tls-key", "nonexistent.key", "cannot read"], id="key-unreadable"),
        pytest.param(["--tls-listen", "127.0.0.1:0", "--tls-ca-out", "{d}/no/such/dir/ca.pem"],
                     ["--tls-ca-out", "cannot write"], id="ca-out-unwritable"),
        pytest.param(["--tls-listen", "127.0.0.1"], ["--tls-listen", "ADDR:PORT"], id="listen-without-port"),
        pytest.param(["--tls-listen", "127.0.0.1:70000"], ["--tls-listen"], id="listen-port-too-large"),
        pytest.param(["--tls-listen"], ["--tls-listen"], id="listen-missing-argument"),
        pytest.param(["--tls-listen", "127.0.0.1:0", "--tls-cert", "", "--tls-key", "x"], ["--tls-cert", "empty"],
                     id="cert-empty-name"),
    ],
)
def test_bad_tls_options_exit_2(own_pki: Path, args: list[str], words: list[str]) -> None:
    r = bad_start([a.replace("{d}", str(own_pki)) for a in args])
    assert r.returncode == 2, (r.returncode, r.stderr)
    for w in words:
        assert w in r.stderr, (w, r.stderr)
    assert not (own_pki / "out.pem").exists()


def test_tls_bind_failure_exits_1() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        r = run_once(["--listen", "127.0.0.1:0", *BASE, "--tls-listen", f"127.0.0.1:{port}"], timeout=10)
    assert r.returncode == 1, (r.returncode, r.stderr)
    assert f"127.0.0.1:{port}" in r.stderr, r.stderr
    assert "listening on https" not in r.stdout, r.stdout
    assert "Sanitizer" not in r.stderr, r.stderr


def test_help_lists_the_tls_options() -> None:
    r = run_once(["--help"], timeout=5)
    assert r.returncode == 0
    for opt in ("--tls-listen", "--tls-cert", "--tls-key", "--tls-ca-out"):
        assert opt in r.stdout, r.stdout
