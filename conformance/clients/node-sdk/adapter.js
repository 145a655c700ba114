#!/usr/bin/env node
// Conformance adapter for the official Tencent Cloud Node.js SDK (tencentcloud-sdk-nodejs-tmt).
//
// Protocol (docs/conformance.md, the adapter protocol): newline-delimited JSON on stdin, one answer per message
// on stdout; logs go to stderr.
//   {"cmd":"start","protocol":1}  -> {"client":{"name":"node-sdk","version":...,"language":"javascript","capabilities":[...]}}
//   {"cmd":"run","seq":N,...}     -> {"seq":N,"result":{"ok":true,"response":{...}}}
//                                    {"seq":N,"result":{"ok":false,"error":{"kind","code","message","request_id"}}}
//                                    {"seq":N,"skipped":{"reason","issue_url"}}
//                                    {"seq":N,"errored":{"message","traceback"}}   (a bug in this adapter)
//   {"cmd":"stop"}                -> exit 0, no answer
// One-shot mode: a single "run" line then EOF; the answer is written before the process exits.
//
// The SDK is used exactly as an application would: tmt.v20180321.Client with
// profile.httpProfile.{endpoint, protocol, reqMethod, reqTimeout}, profile.signMethod and
// profile.language. Nothing of the SDK is patched.
//
// tencentcloud-sdk-nodejs-tmt 4.1.207 has methods for TextTranslate and ImageTranslateLLM only
// (the other six actions were dropped from the API definitions in 2026). The SDK's documented way
// to call an action without a method is the generic CommonClient of tencentcloud-sdk-nodejs-common
// (client.request(action, params)), which shares the Client's signing and transport
// (AbstractClient); the adapter uses it, with the same profile, for the other TMT actions.
"use strict";

const fs = require("fs");
const path = require("path");
const { serve } = require("../adapterkit.js");

// stdout carries the protocol only: anything the SDK or its dependencies print goes to stderr.
for (const name of ["log", "info", "debug", "warn"]) {
  console[name] = (...args) => console.error(...args);
}

// common/http/fetch.js sends *every* request through process.env.http_proxy when it is set
// (an https-proxy-agent tunnel, even for http:// URLs). The mock is on loopback: never proxy.
if (process.env.http_proxy !== undefined) {
  process.stderr.write(`node-sdk adapter: ignoring http_proxy=${process.env.http_proxy}\n`);
  delete process.env.http_proxy;
}

// The SDK is looked for in node_modules/ of the working directory (the client's folder: this
// adapter serves several folders, each pinning another release), as laid out by npm:
//   - tencentcloud-sdk-nodejs-tmt + tencentcloud-sdk-nodejs-common (the per-product packages);
//   - tencentcloud-sdk-nodejs (the whole SDK in one package, 4.x);
//   - tencentcloud-sdk-nodejs-common alone, or --generic: every action through CommonClient.
// --name NAME sets the client name (default node-sdk). Without any of them every run is
// `skipped`, saying how to install it (the run then ends with one clear message).
function argValue(name) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : null;
}
const CLIENT_NAME = argValue("--name") || "node-sdk";
const GENERIC_ONLY = process.argv.includes("--generic");
const SDK_DIR = path.join(process.cwd(), "node_modules");

function packageVersion(name) {
  try {
    return JSON.parse(fs.readFileSync(path.join(SDK_DIR, name, "package.json"), "utf8")).version;
  } catch (e) {
    return null;
  }
}

function fromSdk(pkg, sub) {
  return require(path.join(SDK_DIR, pkg, sub || ""));
}

function loadSdk() {
  const has = (pkg) => fs.existsSync(path.join(SDK_DIR, pkg, "package.json"));
  if (!GENERIC_ONLY && has("tencentcloud-sdk-nodejs-tmt") && has("tencentcloud-sdk-nodejs-common")) {
    const common = "tencentcloud-sdk-nodejs-common";
    return {
      layout: "tencentcloud-sdk-nodejs-tmt " + packageVersion("tencentcloud-sdk-nodejs-tmt") +
        " + -common " + packageVersion(common),
      version: packageVersion("tencentcloud-sdk-nodejs-tmt"),
      TmtClient: fromSdk("tencentcloud-sdk-nodejs-tmt").tmt.v20180321.Client,
      CommonClient: fromSdk(common).CommonClient,
      SDKException: fromSdk(common, "tencentcloud/common/exception/tencent_cloud_sdk_exception").default,
      interface: () => fromSdk(common, "tencentcloud/common/interface"),
    };
  }
  if (has("tencentcloud-sdk-nodejs")) {
    const pkg = "tencentcloud-sdk-nodejs";
    let CommonClient = null;
    try {
      CommonClient = fromSdk(pkg, "tencentcloud/common/common_client").CommonClient || null;
    } catch (e) {
      /* older 4.0 releases have no generic client */
    }
    return {
      layout: "tencentcloud-sdk-nodejs " + packageVersion(pkg),
      version: packageVersion(pkg),
      TmtClient: GENERIC_ONLY ? null : fromSdk(pkg).tmt.v20180321.Client,
      CommonClient,
      SDKException: fromSdk(pkg, "tencentcloud/common/exception/tencent_cloud_sdk_exception").default,
      interface: () => fromSdk(pkg, "tencentcloud/common/interface"),
    };
  }
  if (has("tencentcloud-sdk-nodejs-common")) {
    const common = "tencentcloud-sdk-nodejs-common";
    return {
      layout: "tencentcloud-sdk-nodejs-common " + packageVersion(common) + " (CommonClient only)",
      version: packageVersion(common),
      TmtClient: null,
      CommonClient: fromSdk(common).CommonClient,
      SDKException: fromSdk(common, "tencentcloud/common/exception/tencent_cloud_sdk_exception").default,
      interface: () => fromSdk(common, "tencentcloud/common/interface"),
    };
  }
  return null;
}

let SDK = null;
let SDK_MISSING = null;
try {
  SDK = loadSdk();
  if (SDK === null) {
    SDK_MISSING = `tencentcloud-sdk-nodejs-tmt is not installed (no SDK in ${SDK_DIR}): ` +
      `cd ${process.cwd()} && npm ci`;
  }
} catch (e) {
  SDK_MISSING = `the SDK in ${SDK_DIR} does not load (${e && e.message}): cd ${process.cwd()} && npm ci`;
}
const TmtClient = SDK && SDK.TmtClient;
const CommonClient = SDK && SDK.CommonClient;
// A class nothing is an instance of, when the SDK is absent.
const SDKException = (SDK && SDK.SDKException) || class NoSdk {};
const TMT_ENDPOINT = "tmt.tencentcloudapi.com";
const TMT_VERSION = "2018-03-21";
const SDK_VERSION = SDK ? SDK.version : null;

// The actions this SDK version has a method for (4.1.207: TextTranslate, ImageTranslateLLM).
const METHOD_ACTIONS = TmtClient
  ? Object.getOwnPropertyNames(TmtClient.prototype).filter(
      (n) => /^[A-Z]/.test(n) && typeof TmtClient.prototype[n] === "function"
    )
  : [];
// Every action of TMT 2018-03-21 (docs/conformance.md); those without a method go through
// CommonClient.request().
const TMT_ACTIONS = [
  "TextTranslate",
  "TextTranslateBatch",
  "LanguageDetect",
  "SpeechTranslate",
  "ImageTranslate",
  "ImageTranslateLLM",
  "FileTranslate",
  "GetFileTranslate",
];
// Without a generic client (some 4.0 releases), an action without a method cannot be called.
const GENERIC_ACTIONS = TMT_ACTIONS.filter((a) => !METHOD_ACTIONS.includes(a) && (CommonClient || !SDK));
const ACTIONS = [...METHOD_ACTIONS, ...GENERIC_ACTIONS];

// Language values the SDK accepts; any other value makes the Client constructor throw.
let SUPPORTED_LANGUAGES = ["zh-CN", "en-US"];
try {
  SUPPORTED_LANGUAGES = SDK.interface().SUPPORT_LANGUAGE_LIST || SUPPORTED_LANGUAGES;
} catch (e) {
  /* keep the default */
}

const CAPABILITIES = [
  ...ACTIONS,
  "sign:TC3-HMAC-SHA256",
  "sign:HmacSHA256",
  "sign:HmacSHA1",
  "method:POST",
  "method:GET",
  "timeout",
  "token",
  "language",
  // The SDK sends params as given (no model filtering), and CommonClient
  // takes any action name.
  "raw_params",
  ...(CommonClient || !SDK ? ["custom_action"] : []),
  // no "retry": the Node SDK never retries (docs/conformance.md).
];

function clientInfo() {
  return {
    name: CLIENT_NAME,
    version: SDK_VERSION,
    sdk: SDK ? SDK.layout : "missing: " + SDK_MISSING,
    language: "javascript",
    capabilities: CAPABILITIES,
    // Informational (a field added to the start answer): how each action is called.
    calls: Object.fromEntries(
      ACTIONS.map((a) => [a, METHOD_ACTIONS.includes(a) ? "Client method" : "CommonClient.request"])
    ),
  };
}

// "http://127.0.0.1:40123" -> protocol "http://", endpoint "127.0.0.1:40123" (docs/conformance.md:
// the SDK builds protocol + endpoint + "/", and protocol must include "://").
function splitEndpoint(endpoint) {
  let text = String(endpoint || "");
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) text = "http://" + text;
  const u = new URL(text);
  const p = u.pathname.replace(/\/+$/, "");
  return { protocol: u.protocol + "//", endpoint: u.host + p };
}

function buildClient(msg, generic) {
  const opts = msg.options || {};
  const creds = msg.credentials || {};
  const { protocol, endpoint } = splitEndpoint(msg.endpoint);
  const httpProfile = { endpoint, protocol };
  if (opts.method) httpProfile.reqMethod = String(opts.method).toUpperCase();
  if (typeof opts.timeout_ms === "number" && opts.timeout_ms > 0) {
    httpProfile.reqTimeout = opts.timeout_ms / 1000; // seconds; the SDK multiplies by 1000
  }
  const profile = { httpProfile };
  if (opts.sign_method) profile.signMethod = opts.sign_method;
  if (opts.language) {
    // The Client constructor throws on any language but zh-CN/en-US: an option the client cannot
    // honour is ignored (docs/conformance.md), the server then uses its default.
    if (SUPPORTED_LANGUAGES.includes(opts.language)) profile.language = opts.language;
    else process.stderr.write(`node-sdk adapter: language ${opts.language} not supported by the SDK; not sent\n`);
  }
  const credential = { secretId: creds.secret_id, secretKey: creds.secret_key };
  if (creds.token !== null && creds.token !== undefined) credential.token = creds.token;
  const config = { credential, region: msg.region || undefined, profile };
  return generic ? new CommonClient(TMT_ENDPOINT, TMT_VERSION, config) : new TmtClient(config);
}

function errorName(err) {
  if (err && err.constructor && err.constructor.name) return err.constructor.name;
  return typeof err;
}

function failure(kind, err, extra) {
  const message = err && err.message !== undefined ? String(err.message) : String(err);
  return {
    ok: false,
    error: Object.assign(
      {
        kind,
        code: null,
        // non-API errors: the exception class is part of the message (the SDK does not wrap
        // every failure in its own exception, see below).
        message: `${errorName(err)}: ${message}`,
        request_id: (err && err.requestId) || null,
      },
      extra || {}
    ),
  };
}

// Turn whatever the SDK threw into the protocol's error. What the SDK (common 4.1.220) throws:
//  - API error envelope: TencentCloudSDKHttpException with .code, .message, .requestId (parseResponse)
//  - HTTP status != 200: TencentCloudSDKHttpException(statusText) with .httpCode, no .code
//  - transport failure: TencentCloudSDKHttpException wrapping node-fetch's message
//    ("network timeout at: URL" for the timeout, "request to URL failed, reason: ..." otherwise)
//  - body not JSON / body read failed / body timeout: node-fetch's raw FetchError (not wrapped)
//  - 200 JSON without "Response": a raw TypeError from parseResponse
//  - invalid signMethod: TencentCloudSDKHttpException("signMethod invalid, ...") before sending
function classify(err) {
  const message = err && err.message !== undefined ? String(err.message) : String(err);
  const stack = (err && err.stack) || "";
  if (err instanceof SDKException || errorName(err) === "TencentCloudSDKHttpException") {
    if (err.code !== undefined && err.code !== null) {
      return {
        ok: false,
        error: {
          kind: "api",
          code: String(err.code),
          message,
          request_id: err.requestId || null,
        },
      };
    }
    if (err.httpCode !== undefined) {
      return failure("network", { message: `HTTP ${err.httpCode} ${message}`, constructor: err.constructor });
    }
    if (/^network timeout at/.test(message)) return failure("timeout", err);
    if (/aborted/i.test(message)) return failure("timeout", err);
    if (/^request to .* failed, reason:/.test(message)) return failure("network", err);
    return failure("other", err);
  }
  if (err && err.name === "FetchError") {
    switch (err.type) {
      case "invalid-json":
        return failure("parse", err);
      case "body-timeout":
      case "request-timeout":
        return failure("timeout", err);
      case "system":
        return failure("network", err);
      default:
        return failure("other", err);
    }
  }
  if (err && err.name === "AbortError") return failure("timeout", err);
  if ((err instanceof TypeError || err instanceof SyntaxError) && /parseResponse/.test(stack)) {
    return failure("parse", err);
  }
  return failure("other", err);
}

async function run(msg) {
  const seq = msg.seq === undefined ? null : msg.seq;
  if (SDK_MISSING) return { seq, skipped: { reason: SDK_MISSING, issue_url: null } };
  const action = msg.action;
  if (!METHOD_ACTIONS.includes(action) && !CommonClient) {
    return { seq, skipped: { reason: `${SDK.layout} has no ${action} method and no CommonClient`, issue_url: null } };
  }
  const generic = !METHOD_ACTIONS.includes(action);
  let client;
  try {
    client = buildClient(msg, generic);
  } catch (err) {
    return { seq, result: failure("other", err) };
  }
  try {
    const params = msg.params || {};
    const response = generic ? await client.request(action, params) : await client[action](params);
    return { seq, result: { ok: true, response } };
  } catch (err) {
    return { seq, result: classify(err) };
  }
}

serve({
  name: "node-sdk",
  banner: `(${CLIENT_NAME}): ${SDK ? SDK.layout : SDK_MISSING}`,
  client: clientInfo,
  run,
});

