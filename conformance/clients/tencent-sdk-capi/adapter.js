#!/usr/bin/env node
// Conformance adapter for @tencent-sdk/capi (npm; github.com/yugasun/tencent-sdk), a
// third-party client that signs Tencent Cloud API requests itself (TC3-HMAC-SHA256 with
// isV3, else the v1 HmacSHA1/HmacSHA256 signature) and sends them with got.
//
// Protocol (docs/conformance.md, the adapter protocol): newline-delimited JSON on stdin, one
// answer per message on stdout; logs go to stderr.
//
// Used as its README shows:
//
//   const client = new Capi({ Region, SecretId, SecretKey, Token, ServiceType: "tmt" });
//   const body = await client.request({ Action, Version: "2018-03-21", ...params },
//                                     { host: "127.0.0.1:PORT", protocol: "http", timeout }, isV3);
//
// Capi.request answers the whole body ({"Response": {...}}) and raises nothing for an API
// error: the application looks at Response.Error, and so does this adapter (an error with a
// Code is reported as the API error; a body without Response is reported as a success, as
// an application reading body.Response would get it). The client has no retry; it sends
// no X-TC-Language. isV3 (TC3) always POSTs; v1 takes GET or POST. Parameters pass as given
// (raw_params), and any action name can be sent (custom_action).
"use strict";

const fs = require("fs");
const path = require("path");
const { serve } = require("../adapterkit.js");

for (const name of ["log", "info", "debug", "warn"]) {
  console[name] = (...args) => console.error(...args);
}
for (const name of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete process.env[name];

const PACKAGE = "@tencent-sdk/capi";
const SDK_DIR = path.join(process.cwd(), "node_modules");
let Capi = null;
let VERSION = null;
let SDK_MISSING = null;
try {
  VERSION = JSON.parse(fs.readFileSync(path.join(SDK_DIR, PACKAGE, "package.json"), "utf8")).version;
  Capi = require(path.join(SDK_DIR, PACKAGE)).Capi;
} catch (e) {
  SDK_MISSING = `${PACKAGE} is not installed (no client in ${SDK_DIR}): cd ${process.cwd()} && npm ci`;
}

const CAPABILITIES = [
  "TextTranslate", "TextTranslateBatch", "LanguageDetect", "SpeechTranslate",
  "ImageTranslate", "ImageTranslateLLM", "FileTranslate", "GetFileTranslate",
  "sign:TC3-HMAC-SHA256", "sign:HmacSHA256", "sign:HmacSHA1",
  "method:POST", "method:GET", "timeout", "token", "raw_params", "custom_action",
];

function failure(kind, err, extra) {
  const name = (err && err.name) || (err && err.constructor && err.constructor.name) || typeof err;
  const message = err && err.message !== undefined ? String(err.message) : String(err);
  return { ok: false, error: Object.assign({ kind, code: null, message: `${name}: ${message}`, request_id: null }, extra || {}) };
}

// got's errors: HTTPError (non-2xx), ParseError (body not JSON), TimeoutError, RequestError
// (reset, refused, closed), ReadError (body cut).
function classify(err) {
  const name = err && err.name;
  if (name === "TimeoutError") return failure("timeout", err);
  if (name === "ParseError") return failure("parse", err);
  if (name === "HTTPError") return failure("network", err, { http_code: err.response && err.response.statusCode });
  if (name === "RequestError" || name === "ReadError" || name === "MaxRedirectsError") return failure("network", err);
  return failure("other", err);
}

async function run(msg) {
  const seq = msg.seq === undefined ? null : msg.seq;
  if (SDK_MISSING) return { seq, skipped: { reason: SDK_MISSING, issue_url: null } };
  const opts = msg.options || {};
  const creds = msg.credentials || {};
  const u = new URL(/:\/\//.test(msg.endpoint) ? msg.endpoint : "http://" + msg.endpoint);
  const sign = opts.sign_method || "TC3-HMAC-SHA256";
  const isV3 = sign === "TC3-HMAC-SHA256";
  const config = {
    Region: msg.region, SecretId: creds.secret_id, SecretKey: creds.secret_key, ServiceType: "tmt",
    region: msg.region, secretId: creds.secret_id, secretKey: creds.secret_key, serviceType: "tmt",
    signatureMethod: sign === "HmacSHA256" ? "sha256" : "sha1",
  };
  if (creds.token) {
    config.Token = creds.token;
    config.token = creds.token;
  }
  const client = new Capi(config);
  const requestOptions = { host: u.host, protocol: u.protocol.replace(/:$/, ""), path: "/" };
  if (!isV3 && opts.method) requestOptions.method = String(opts.method).toUpperCase();
  if (typeof opts.timeout_ms === "number" && opts.timeout_ms > 0) requestOptions.timeout = opts.timeout_ms;
  let body;
  try {
    body = await client.request({ Action: msg.action, Version: "2018-03-21", ...(msg.params || {}) }, requestOptions, isV3);
  } catch (err) {
    return { seq, result: classify(err) };
  }
  const response = body && typeof body === "object" ? body.Response : undefined;
  if (response && response.Error && response.Error.Code) {
    return { seq, result: { ok: false, error: { kind: "api", code: response.Error.Code,
                                                message: response.Error.Message, request_id: response.RequestId || null } } };
  }
  if (typeof body !== "object" || body === null) {
    return { seq, result: failure("parse", { name: "NotJSON", message: String(body).slice(0, 200) }) };
  }
  return { seq, result: { ok: true, response: response || {} } };
}

serve({
  name: "capi",
  banner: SDK_MISSING || PACKAGE + " " + VERSION,
  client: () => ({ name: "tencent-sdk-capi", version: VERSION, language: "javascript",
                   capabilities: CAPABILITIES, sdk: SDK_MISSING ? "missing" : `${PACKAGE} ${VERSION}` }),
  run,
});
