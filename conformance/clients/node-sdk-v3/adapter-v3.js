#!/usr/bin/env node
// Conformance adapter for the callback-style Tencent Cloud Node.js SDKs: tencentcloud-sdk-nodejs
// 3.x and tencentcloud-sdk-nodejs-intl-en (the international SDK, still on that design).
//
// Protocol (docs/conformance.md, the adapter protocol): newline-delimited JSON on stdin, one
// answer per message on stdout; logs go to stderr.
//
// The SDK is found in node_modules/ of the working directory (--package names it) and used as
// its README shows:
//
//   const sdk = require(pkg);
//   const cred = new sdk.common.Credential(secretId, secretKey, token);
//   const http = new sdk.common.HttpProfile();  http.endpoint, protocol, reqMethod, reqTimeout (s)
//   const cp = new sdk.common.ClientProfile();  cp.httpProfile = http; cp.signMethod = ...
//   const client = new sdk.tmt.v20180321.Client(cred, region, cp);
//   const req = new sdk.tmt.v20180321.Models.TextTranslateRequest();
//   req.from_json_string(JSON.stringify(params));
//   client.TextTranslate(req, (err, response) => ...)      // response.to_json_string()
//
// These SDKs have no generic client and no retry; their models keep only the fields they
// define (no raw_params), and a language option does not exist (v1 always sends en-US).
// Without the SDK every run is `skipped`, saying how to install it.
"use strict";

const fs = require("fs");
const path = require("path");
const { serve } = require("../adapterkit.js");

for (const name of ["log", "info", "debug", "warn"]) {
  console[name] = (...args) => console.error(...args);
}
for (const name of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete process.env[name];

function argValue(name, dflt) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt;
}
const CLIENT_NAME = argValue("--name", "node-sdk-v3");
const PACKAGE = argValue("--package", "tencentcloud-sdk-nodejs");
const SDK_DIR = path.join(process.cwd(), "node_modules");
const TMT_ACTIONS = [
  "TextTranslate", "TextTranslateBatch", "LanguageDetect", "SpeechTranslate",
  "ImageTranslate", "ImageTranslateLLM", "FileTranslate", "GetFileTranslate",
];

let sdk = null;
let SDK_MISSING = null;
let VERSION = null;
try {
  VERSION = JSON.parse(fs.readFileSync(path.join(SDK_DIR, PACKAGE, "package.json"), "utf8")).version;
  sdk = require(path.join(SDK_DIR, PACKAGE));
} catch (e) {
  SDK_MISSING = `${PACKAGE} is not installed (no SDK in ${SDK_DIR}): cd ${process.cwd()} && npm ci`;
}
const tmt = sdk && sdk.tmt && sdk.tmt.v20180321;
const ACTIONS = tmt
  ? TMT_ACTIONS.filter((a) => typeof tmt.Client.prototype[a] === "function" && tmt.Models[a + "Request"])
  : TMT_ACTIONS;
const CAPABILITIES = [
  ...ACTIONS,
  "sign:TC3-HMAC-SHA256", "sign:HmacSHA256", "sign:HmacSHA1",
  "method:POST", "method:GET", "timeout", "token",
];

function splitEndpoint(endpoint) {
  let text = String(endpoint || "");
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) text = "http://" + text;
  const u = new URL(text);
  return { protocol: u.protocol + "//", endpoint: u.host };
}

function buildClient(msg) {
  const opts = msg.options || {};
  const creds = msg.credentials || {};
  const { protocol, endpoint } = splitEndpoint(msg.endpoint);
  const http = new sdk.common.HttpProfile();
  http.endpoint = endpoint;
  http.protocol = protocol;
  if (opts.method) http.reqMethod = String(opts.method).toUpperCase();
  if (typeof opts.timeout_ms === "number" && opts.timeout_ms > 0) http.reqTimeout = opts.timeout_ms / 1000;
  const cp = new sdk.common.ClientProfile();
  cp.httpProfile = http;
  if (opts.sign_method) cp.signMethod = opts.sign_method;
  const cred = new sdk.common.Credential(creds.secret_id, creds.secret_key, creds.token || undefined);
  return new tmt.Client(cred, msg.region || undefined, cp);
}

function failure(kind, err, extra) {
  const name = (err && err.constructor && err.constructor.name) || typeof err;
  const message = err && err.message !== undefined ? String(err.message) : String(err);
  return {
    ok: false,
    error: Object.assign(
      { kind, code: null, message: `${name}: ${message}`, request_id: (err && err.requestId) || null },
      extra || {}
    ),
  };
}

// What these SDKs give the callback: TencentCloudSDKHttpException with .code and .requestId
// for an API error; with .httpCode for a non-200 status; wrapping node-fetch's message for a
// transport failure ("network timeout at", "request to ... failed"); a raw error (TypeError,
// FetchError invalid-json) when the body is not a Response envelope.
function classify(err) {
  const message = err && err.message !== undefined ? String(err.message) : String(err);
  if (err && err.code !== undefined && err.code !== null && typeof err.code === "string" && /^[A-Z]/.test(err.code)) {
    return { ok: false, error: { kind: "api", code: err.code, message, request_id: err.requestId || null } };
  }
  if (err && err.httpCode !== undefined) return failure("network", err, { http_code: err.httpCode });
  if (/network timeout at|timeout|aborted/i.test(message)) return failure("timeout", err);
  if (/^request to .* failed, reason:/.test(message)) return failure("network", err);
  if (err && err.name === "FetchError") {
    if (err.type === "invalid-json") return failure("parse", err);
    if (err.type === "body-timeout" || err.type === "request-timeout") return failure("timeout", err);
    return failure("network", err);
  }
  if (err instanceof TypeError || err instanceof SyntaxError) return failure("parse", err);
  return failure("other", err);
}

function call(client, action, req) {
  return new Promise((resolve) => {
    try {
      client[action](req, (err, response) => resolve({ err, response }));
    } catch (err) {
      resolve({ err, response: null });
    }
  });
}

async function run(msg) {
  const seq = msg.seq === undefined ? null : msg.seq;
  if (SDK_MISSING) return { seq, skipped: { reason: SDK_MISSING, issue_url: null } };
  if (!ACTIONS.includes(msg.action)) {
    return { seq, skipped: { reason: `${PACKAGE} ${VERSION} has no ${msg.action} method`, issue_url: null } };
  }
  let client;
  try {
    client = buildClient(msg);
  } catch (err) {
    return { seq, result: failure("other", err) };
  }
  const req = new tmt.Models[msg.action + "Request"]();
  req.from_json_string(JSON.stringify(msg.params || {}));
  const { err, response } = await call(client, msg.action, req);
  if (err) return { seq, result: classify(err) };
  let out = response;
  try {
    out = JSON.parse(response.to_json_string());
  } catch (e) {
    /* keep the object */
  }
  for (const k of Object.keys(out || {})) if (out[k] === null || out[k] === undefined) delete out[k];
  return { seq, result: { ok: true, response: out } };
}

serve({
  name: CLIENT_NAME,
  banner: SDK_MISSING || PACKAGE + " " + VERSION,
  client: () => ({ name: CLIENT_NAME, version: VERSION, language: "javascript",
                   capabilities: CAPABILITIES, sdk: SDK_MISSING ? "missing" : `${PACKAGE} ${VERSION}` }),
  run,
});
