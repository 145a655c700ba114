#!/usr/bin/env node
// One call through one of the official Node.js clients, as an application makes it; for
// conformance/tests/test_node_clients.py.
//
//   node drive.js '<json>'   ->  one JSON line on stdout:
//       {"ok": true, "response": {...}}  or  {"ok": false, "code": ..., "message": ..., "request_id": ...}
//
// The JSON names the client and the call:
//   client        "tmt"          tencentcloud-sdk-nodejs-tmt's tmt.v20180321.Client
//                 "common"       tencentcloud-sdk-nodejs-common's CommonClient (service "tmt")
//                 "intl"         tencentcloud-sdk-nodejs-intl-en's tmt.v20180321.Client
//                 "intl-common"  tencentcloud-sdk-nodejs-intl-en's CommonClient
//   endpoint      "127.0.0.1:PORT" (http)
//   sign_method   TC3-HMAC-SHA256 | HmacSHA256 | HmacSHA1
//   method        POST | GET
//   secret_id, secret_key, token (or null), region, language (or null: none configured)
//   misnamed_key  true: the credential object spells its keys SecretId/SecretKey, a mistake
//                 the SDK does not catch (it then signs with secretId undefined)
//   action, params
// Nothing of the SDKs is patched; the clients get only the documented configuration.
"use strict";

// stdout carries the answer only.
for (const name of ["log", "info", "debug", "warn"]) {
  console[name] = (...args) => console.error(...args);
}
// Both SDKs tunnel every request through $http_proxy when it is set; the mock is on loopback.
delete process.env.http_proxy;
delete process.env.HTTP_PROXY;

const call = JSON.parse(process.argv[2]);

function credential() {
  if (call.misnamed_key) {
    return { SecretId: call.secret_id, SecretKey: call.secret_key };
  }
  const c = { secretId: call.secret_id, secretKey: call.secret_key };
  if (call.token) c.token = call.token;
  return c;
}

// The China-site SDK (4.x): one config object.
function chinaClient(kind) {
  const profile = {
    signMethod: call.sign_method,
    httpProfile: { endpoint: call.endpoint, protocol: "http://", reqMethod: call.method, reqTimeout: 10 },
  };
  if (call.language) profile.language = call.language;
  const config = { credential: credential(), region: call.region, profile };
  if (kind === "tmt") {
    const { tmt } = require("tencentcloud-sdk-nodejs-tmt");
    const client = new tmt.v20180321.Client(config);
    return (action, params) => client[action](params);
  }
  const { CommonClient } = require("tencentcloud-sdk-nodejs-common");
  const client = new CommonClient(call.endpoint, "2018-03-21", config);
  return (action, params) => client.request(action, params);
}

// The international SDK (3.x): positional Credential, region, ClientProfile(HttpProfile); callbacks.
function intlClient(kind) {
  const base = "tencentcloud-sdk-nodejs-intl-en/tencentcloud";
  const { Credential, ClientProfile, HttpProfile, CommonClient } = require(`${base}/common`);
  const c = credential();
  const cred = call.misnamed_key ? c : new Credential(c.secretId, c.secretKey, c.token);
  const http = new HttpProfile("http://", call.endpoint, call.method, 10);
  const profile = new ClientProfile(call.sign_method, http);
  if (call.language) profile.language = call.language;
  let client;
  if (kind === "intl") {
    const TmtClient = require(`${base}/tmt/v20180321/tmt_client`);
    client = new TmtClient(cred, call.region, profile);
  } else {
    client = new CommonClient(call.endpoint, "2018-03-21", cred, call.region, profile);
  }
  return (action, params) =>
    new Promise((resolve, reject) => {
      const cb = (err, data) => (err ? reject(err) : resolve(data));
      if (kind === "intl") client[action](params, cb);
      else client.request(action, params, cb);
    });
}

function errorOf(e) {
  return {
    ok: false,
    code: e.code || null,
    message: e.message || String(e),
    request_id: e.requestId || null,
  };
}

async function main() {
  const run = call.client.startsWith("intl") ? intlClient(call.client) : chinaClient(call.client);
  let out;
  try {
    const data = await run(call.action, call.params);
    // The intl SDK hands over a model object; its JSON is what the service sent.
    out = { ok: true, response: JSON.parse(JSON.stringify(data)) };
  } catch (e) {
    out = errorOf(e);
  }
  process.stdout.write(JSON.stringify(out) + "\n");
}

main().catch((e) => {
  process.stdout.write(JSON.stringify({ ok: false, code: "DRIVER", message: String(e && e.stack) }) + "\n");
  process.exitCode = 1;
});
