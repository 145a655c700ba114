"use strict";
// tmtmock for Node.js tests (docs/helpers.md, Node.js): startTmtmock() runs the binary on
// a free loopback port and resolves to its endpoint, credentials and admin API.
// No dependencies: child_process, http, crypto, readline.

const { spawn } = require("node:child_process");
const crypto = require("node:crypto");
const http = require("node:http");
const readline = require("node:readline");

const EXAMPLE_SECRET_ID = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE";
const EXAMPLE_SECRET_KEY = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE";
const TMT_VERSION = "2018-03-21";
const READY = /^listening on http:\/\/(\S+):(\d+)$/;

/** The journal filters as GET /_mock/journal's query (from, until, booleans as text). */
function journalQuery(filters = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(filters)) {
    if (v === undefined || v === null) continue;
    q.set(k, typeof v === "boolean" ? String(v) : String(v));
  }
  return q.toString();
}

function request(host, port, method, path, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(typeof body === "string" ? body : JSON.stringify(body));
    const req = http.request(
      { host, port, method, path, headers: { ...(data ? { "Content-Type": "application/json" } : {}), ...headers },
        agent: false },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString("utf8") }));
      },
    );
    req.on("error", reject);
    if (data) req.write(data);
    req.end();
  });
}

/**
 * Start a tmtmock. options: binary, args (extra options), secretId, secretKey, region,
 * adminToken, timeoutMs. Resolves to the mock's handle; rejects if it does not start.
 */
function startTmtmock(options = {}) {
  const binary = options.binary || process.env.TMTMOCK_BIN || "tmtmock";
  const secretId = options.secretId || EXAMPLE_SECRET_ID;
  const secretKey = options.secretKey || EXAMPLE_SECRET_KEY;
  const region = options.region || "ap-guangzhou";
  const adminToken = options.adminToken;
  const args = ["--listen", "127.0.0.1:0", ...(options.args || [])];
  if (adminToken) args.push("--admin-token", adminToken);
  // The account is the mock's environment one, so it survives every reset.
  const env = { ...process.env, TENCENTCLOUD_SECRET_ID: secretId, TENCENTCLOUD_SECRET_KEY: secretKey };
  const child = spawn(binary, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  const stderr = [];
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (s) => stderr.push(s));
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal)));

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`tmtmock did not start in ${options.timeoutMs || 10000} ms`)),
      options.timeoutMs || 10000);
    const lines = readline.createInterface({ input: child.stdout });
    function fail(err) {
      clearTimeout(timer);
      lines.close();
      child.kill("SIGTERM");
      err.message += stderr.length ? `; stderr: ${stderr.join("")}` : "";
      reject(err);
    }
    child.once("error", (e) => fail(new Error(`cannot run ${binary}: ${e.message} (set TMTMOCK_BIN or options.binary)`)));
    child.once("exit", (code) => fail(new Error(`tmtmock exited (${code}) before listening`)));
    lines.once("line", (line) => {
      const m = READY.exec(line);
      if (!m) return fail(new Error(`tmtmock printed ${JSON.stringify(line)}, not its ready line`));
      clearTimeout(timer);
      child.removeAllListeners("exit");
      child.stdout.resume();
      resolve(handle(child, exited, stderr, m[1], Number(m[2]), { secretId, secretKey, region, adminToken }));
    });
  });
}

function handle(child, exited, stderr, host, port, { secretId, secretKey, region, adminToken }) {
  const endpoint = `${host}:${port}`;

  async function admin(method, path, body, query) {
    const target = `/_mock/${path}${query ? `?${query}` : ""}`;
    const headers = { Host: endpoint, ...(adminToken ? { Authorization: `Bearer ${adminToken}` } : {}) };
    const { status, text } = await request(host, port, method, target, body, headers);
    if (status < 200 || status > 299) throw new Error(`${method} /_mock/${path}: ${status} ${text}`);
    return text ? JSON.parse(text) : null;
  }

  /** One TC3-signed POST, for a test without an SDK; resolves to the envelope's Response. */
  async function call(action, params, opts = {}) {
    const sid = opts.secretId || secretId;
    const key = opts.secretKey || secretKey;
    const ts = opts.timestamp ?? Math.floor(Date.now() / 1000);
    const day = new Date(ts * 1000).toISOString().slice(0, 10);
    const body = JSON.stringify(params);
    const sha = (s) => crypto.createHash("sha256").update(s).digest("hex");
    const hmac = (k, s) => crypto.createHmac("sha256", k).update(s).digest();
    const creq = ["POST", "/", "", "content-type:application/json", `host:${endpoint}`, "", "content-type;host",
      sha(body)].join("\n");
    const sts = ["TC3-HMAC-SHA256", String(ts), `${day}/tmt/tc3_request`, sha(creq)].join("\n");
    const k = hmac(hmac(hmac(`TC3${key}`, day), "tmt"), "tc3_request");
    const sig = crypto.createHmac("sha256", k).update(sts).digest("hex");
    const { status, text } = await request(host, port, "POST", "/", body, {
      Host: endpoint, "X-TC-Action": action, "X-TC-Version": TMT_VERSION, "X-TC-Region": region,
      "X-TC-Timestamp": String(ts),
      Authorization: `TC3-HMAC-SHA256 Credential=${sid}/${day}/tmt/tc3_request, SignedHeaders=content-type;host, Signature=${sig}`,
    });
    try {
      return JSON.parse(text).Response;
    } catch {
      throw new Error(`${action}: HTTP ${status}, not an API answer: ${text.slice(0, 200)}`);
    }
  }

  const faults = {
    add: (rule) => admin("POST", "faults", rule),
    list: async () => (await admin("GET", "faults")).faults,
    clear: () => admin("DELETE", "faults"),
  };
  const clock = {
    get: () => admin("GET", "clock"),
    now: async () => (await admin("GET", "clock")).now,
    freeze: async (at) => admin("POST", "clock", { freeze_at: at ?? Math.floor((await admin("GET", "clock")).now) }),
    advance: (s) => admin("POST", "clock", { advance_s: s }),
    offset: (s) => admin("POST", "clock", { offset_s: s }),
    reset: () => admin("POST", "clock", { reset: true }),
  };
  const journal = async (filters) => (await admin("GET", "journal", undefined, journalQuery(filters))).entries;
  const count = async (filters) =>
    (await admin("GET", "journal", undefined, journalQuery({ ...filters, count: 1 }))).count;
  journal.count = count;

  let stopped;
  return {
    endpoint, host, port, url: `http://${endpoint}`, secretId, secretKey, region,
    faults, clock, journal, count, admin, call, stderr,
    reset: () => admin("POST", "reset"),
    /** SIGTERM; resolves to the exit code (0 on a clean stop). */
    stop() {
      if (!stopped) {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
        stopped = exited;
      }
      return stopped;
    },
  };
}

module.exports = { startTmtmock, journalQuery, EXAMPLE_SECRET_ID, EXAMPLE_SECRET_KEY };
