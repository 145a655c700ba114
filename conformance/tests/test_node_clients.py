"""The official Node.js clients against tmtmock, every sign method on POST and GET (issue 12).

Four clients, each configured only as its documentation says (conformance/clients/node-sdk/
drive.js makes one call and prints the outcome):

* ``tmt``: tencentcloud-sdk-nodejs-tmt's tmt.v20180321.Client,
* ``common``: tencentcloud-sdk-nodejs-common's CommonClient,
* ``intl``: tencentcloud-sdk-nodejs-intl-en's tmt.v20180321.Client (the international SDK),
* ``intl-common``: the international SDK's CommonClient.

Each must translate with TC3-HMAC-SHA256, HmacSHA256 and HmacSHA1, on POST and GET, and get
the same TargetText a request signed by the harness gets. They also send what production
answers in ways the mock used to get wrong: temporary credentials of the real form, a
misnamed credential key, and no X-TC-Language at all.
"""
from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from harness.admin import Admin
from harness.mockproc import MockProcess
from harness.nodesdk import ADAPTER_DIR, DEFAULT_ID, DEFAULT_KEY, NODE, REGION, REQUIRES_NODE_SDK, SIGN_CASES, adapter_env
from harness.wire import MSG_NOT_FOUND_EN, assert_envelope, build, call

INTL_PACKAGE = ADAPTER_DIR / "node_modules" / "tencentcloud-sdk-nodejs-intl-en" / "package.json"
pytestmark = REQUIRES_NODE_SDK + [
    pytest.mark.skipif(not INTL_PACKAGE.exists(), reason=f"run `npm ci` in {ADAPTER_DIR}"),
]

CLIENTS = ["tmt", "common", "intl", "intl-common"]
# Non-ASCII, an astral code point, and characters a query or form must escape.
PARAMS = {"SourceText": "hello 世界 😀 <b>&+1", "Source": "en", "Target": "zh", "ProjectId": 0}
# A temporary SecretId of the real form (68 characters with `_` and `-`), written for these tests.
STS_ID = "AKID" + "_nodeSts-" * 7 + "0"
STS_KEY = "nodeStsSecretKey000000000000000000"
STS_TOKEN = "node-sts-token-" + "t" * 48
assert len(STS_ID) == 68


def drive(mock: MockProcess, client: str, sign_method: str = "TC3-HMAC-SHA256", method: str = "POST",
          **over: Any) -> dict[str, Any]:
    spec = {
        "client": client, "endpoint": f"{mock.host}:{mock.port}", "sign_method": sign_method, "method": method,
        "secret_id": DEFAULT_ID, "secret_key": DEFAULT_KEY, "token": None, "region": REGION,
        "language": None, "action": "TextTranslate", "params": PARAMS, **over,
    }
    r = subprocess.run([NODE, str(ADAPTER_DIR / "drive.js"), json.dumps(spec)], capture_output=True, text=True,
                       timeout=60, cwd=ADAPTER_DIR, env=adapter_env())
    assert r.returncode == 0 and r.stdout.strip(), f"drive.js exited {r.returncode}: {r.stdout}\n{r.stderr}"
    return json.loads(r.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def expected(mock: MockProcess) -> str:
    """The TargetText of the same text signed by the harness."""
    inner = assert_envelope(call(mock, build(mock, "tc3-post", PARAMS)))
    assert inner.get("TargetText"), inner
    return inner["TargetText"]


def assert_translated(out: dict[str, Any], expected: str) -> None:
    assert out["ok"], out
    resp = out["response"]
    assert resp["TargetText"] == expected, resp
    assert (resp["Source"], resp["Target"]) == ("en", "zh"), resp
    assert isinstance(resp.get("RequestId"), str) and resp["RequestId"], resp


@pytest.mark.parametrize("sign_method, method", SIGN_CASES)
@pytest.mark.parametrize("client", CLIENTS)
def test_every_client_every_sign_method(mock: MockProcess, expected: str, client: str, sign_method: str,
                                        method: str) -> None:
    assert_translated(drive(mock, client, sign_method, method), expected)


@pytest.mark.parametrize("sign_method, method", [("TC3-HMAC-SHA256", "POST"), ("HmacSHA1", "GET")])
@pytest.mark.parametrize("client", CLIENTS)
def test_temporary_credentials_of_the_real_form(mock: MockProcess, adm: Admin, expected: str, client: str,
                                                sign_method: str, method: str) -> None:
    adm.new_account(secret_id=STS_ID, secret_key=STS_KEY, token=STS_TOKEN)
    out = drive(mock, client, sign_method, method, secret_id=STS_ID, secret_key=STS_KEY, token=STS_TOKEN)
    assert_translated(out, expected)


@pytest.mark.parametrize("client", CLIENTS)
def test_misnamed_credential_key_is_secret_id_not_found_in_english(mock: MockProcess, client: str) -> None:
    """credential: {SecretId, SecretKey} leaves secretId undefined; the SDK signs anyway, with
    no X-TC-Language: production answers SecretIdNotFound, in English."""
    out = drive(mock, client, misnamed_key=True)
    assert not out["ok"], out
    assert (out["code"], out["message"]) == ("AuthFailure.SecretIdNotFound", MSG_NOT_FOUND_EN), out
