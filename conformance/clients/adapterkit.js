// adapterkit.js: the adapter protocol's loop for the Node.js adapters (docs/conformance.md,
// the adapter protocol), as adapterkit.py is for the Python ones. An adapter supplies what
// is its own: the client's description for "start" and one call for "run"; this reads
// newline-delimited JSON on stdin, handles the messages strictly one after another, and
// writes one JSON answer per message on stdout. Logs go to stderr.
"use strict";

const readline = require("readline");

// One answer line. A BigInt (a big integer the client kept exact) is written as a number;
// an answer that cannot be serialised becomes an "errored" answer, never a broken line.
function write(obj) {
  return new Promise((resolve) => {
    let line;
    try {
      line = JSON.stringify(obj, (k, v) => (typeof v === "bigint" ? Number(v) : v));
    } catch (err) {
      line = JSON.stringify({
        seq: obj && obj.seq !== undefined ? obj.seq : null,
        errored: { message: `cannot serialise the answer: ${err.message}`, traceback: err.stack || "" },
      });
    }
    process.stdout.write(line + "\n", () => resolve());
  });
}

// One message; false after "stop".
async function handle(line, adapter) {
  let msg;
  try {
    msg = JSON.parse(line);
  } catch (err) {
    await write({ seq: null, errored: { message: `not JSON: ${err.message}`, traceback: "" } });
    return true;
  }
  const seq = msg && msg.seq !== undefined ? msg.seq : null;
  try {
    switch (msg && msg.cmd) {
      case "start":
        await write({ client: adapter.client() });
        return true;
      case "run":
        await write(await adapter.run(msg));
        return true;
      case "stop":
        return false;
      default:
        await write({ seq, errored: { message: `unknown cmd ${JSON.stringify(msg && msg.cmd)}`, traceback: "" } });
        return true;
    }
  } catch (err) {
    await write({ seq, errored: { message: String(err && err.message), traceback: (err && err.stack) || "" } });
    return true;
  }
}

// serve({ name, banner, client, run }): name prefixes the stderr lines, banner is the
// first of them, client() describes the client for "start", run(msg) answers a "run".
function serve(adapter) {
  const say = (what, err) => process.stderr.write(`${adapter.name} adapter: ${what}${(err && err.stack) || err}\n`);
  process.on("unhandledRejection", (err) => say("unhandled rejection: ", err));
  process.on("uncaughtException", (err) => say("uncaught exception: ", err));
  process.stderr.write(`${adapter.name} adapter: ${adapter.banner}, node ${process.version}\n`);
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
  let chain = Promise.resolve(true);
  let stopped = false;
  rl.on("line", (line) => {
    if (!line.trim()) return;
    chain = chain.then(async (going) => {
      if (!going || stopped) return false;
      const more = await handle(line, adapter);
      if (!more) {
        stopped = true;
        rl.close();
        process.exit(0);
      }
      return more;
    });
  });
  rl.on("close", () => chain.then(() => process.exit(0)));
}

module.exports = { serve, write };
