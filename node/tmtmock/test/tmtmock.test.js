"use strict";
// The helper's own tests (node --test; conformance/tests/test_helper_node.py runs them in
// `make test`). TMTMOCK_BIN names the binary under test.
const { test, before, after, beforeEach } = require("node:test");
const assert = require("node:assert/strict");
const { startTmtmock, journalQuery } = require("..");

let mock;
before(async () => { mock = await startTmtmock({ args: ["--seed", "1"] }); });
after(async () => { assert.equal(await mock.stop(), 0); });
beforeEach(() => mock.reset());

const TEXT = { SourceText: "hello", Source: "en", Target: "zh", ProjectId: 0 };

test("endpoint and credentials reach a working mock", async () => {
  assert.match(mock.endpoint, /^127\.0\.0\.1:\d+$/);
  assert.equal(mock.url, `http://${mock.endpoint}`);
  const r = await mock.call("TextTranslate", TEXT);
  assert.equal(r.TargetText, "[zh] HELLO");
});

test("fault rules fire, and the journal counts them", async () => {
  const rule = await mock.faults.add({ error: "RequestLimitExceeded", times: 2 });
  assert.equal(typeof rule.id, "number");
  assert.equal((await mock.faults.list()).length, 1);
  for (let i = 0; i < 3; i++) await mock.call("TextTranslate", TEXT, { timestamp: Math.floor(Date.now() / 1000) - i });
  assert.equal(await mock.count({ code: "RequestLimitExceeded" }), 2);
  assert.equal(await mock.journal.count({ code: "OK", action: "TextTranslate" }), 1);
  const entries = await mock.journal({ action: "TextTranslate" });
  assert.equal(entries.length, 3);
  assert.equal(new Set(entries.map((e) => e.signature)).size, 3, "each freshly signed");
  assert.ok(entries.every((e) => e.signature_ok === true));
});

test("reset clears rules and the journal; the account survives it", async () => {
  await mock.faults.add({ error: "InternalError", times: null });
  await mock.call("LanguageDetect", { Text: "hello world", ProjectId: 0 });
  await mock.reset();
  assert.deepEqual(await mock.faults.list(), []);
  assert.equal(await mock.count(), 0);
  assert.equal((await mock.call("LanguageDetect", { Text: "hello world", ProjectId: 0 })).Lang, "en");
});

test("the clock moves, and a stale signature is refused", async () => {
  const now = await mock.clock.now();
  await mock.clock.offset(3600);
  assert.ok((await mock.clock.now()) >= now + 3600);
  assert.equal((await mock.call("TextTranslate", TEXT)).Error.Code, "AuthFailure.SignatureExpire");
  assert.equal(await mock.count({ code: "AuthFailure.SignatureExpire", from: now + 3000 }), 1);
  assert.equal(await mock.count({ until: now + 3000 }), 0);
});

test("a wrong key is refused and counted as such", async () => {
  const r = await mock.call("TextTranslate", TEXT, { secretKey: "wrong" });
  assert.equal(r.Error.Code, "AuthFailure.SignatureFailure");
  assert.equal(await mock.count({ signature_ok: false }), 1);
});

test("journalQuery writes the admin API's parameters", () => {
  assert.equal(journalQuery({ action: "A", signature_ok: false, from: 1.5, until: undefined }),
    "action=A&signature_ok=false&from=1.5");
});

test("a binary that is not there is named", async () => {
  await assert.rejects(startTmtmock({ binary: "/nonexistent/tmtmock" }), /\/nonexistent\/tmtmock/);
});

test("a bad option makes start reject with the mock's message", async () => {
  await assert.rejects(startTmtmock({ args: ["--no-such-option"] }), /no-such-option/);
});
