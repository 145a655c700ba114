"""The Node.js helper (node/tmtmock; docs/helpers.md, Node.js): its own `node --test` suite,
and the docs' test files run as written against a package installed with `npm install` from
the tree: the node:test one with node --test, the Jest one under a shim of the Jest globals
it uses (Jest itself is not a test dependency), both with the official SDK."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from harness.helpersdoc import snippet
from harness.launch import clean_env
from harness.mockproc import ROOT, binary
from harness.nodesdk import ADAPTER_DIR, REQUIRES_NODE_SDK

PACKAGE = ROOT / "node" / "tmtmock"
NODE = shutil.which("node")
NPM = shutil.which("npm")

pytestmark = pytest.mark.skipif(NODE is None, reason="`node` is not on PATH")

# Just what the docs' Jest file uses: beforeAll/afterAll/beforeEach/test, expect().toBe,
# .toEqual and .rejects.toMatchObject, mapped onto node:test.
JEST_SHIM = r'''
const t = require("node:test");
const assert = require("node:assert/strict");
Object.assign(globalThis, {
  beforeAll: t.before, afterAll: t.after, beforeEach: t.beforeEach, afterEach: t.afterEach,
  test: t.test, it: t.test, describe: t.describe,
  expect(actual) {
    return {
      toBe: (v) => assert.equal(actual, v),
      toEqual: (v) => assert.deepEqual(actual, v),
      rejects: { toMatchObject: (v) => assert.rejects(actual, v) },
    };
  },
});
'''


def with_sdk(f):  # type: ignore[no-untyped-def]
    """Skipped only where the official SDK is not installed (`make test` installs it)."""
    for mark in REQUIRES_NODE_SDK:
        f = mark(f)
    return f


def node_env(**extra: str) -> dict[str, str]:
    env = clean_env({"TMTMOCK_BIN": str(binary()), **extra})
    return env


def test_package_own_tests() -> None:
    r = subprocess.run([NODE, "--test", "test/"], cwd=PACKAGE, env=node_env(), capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr
    assert "# fail 0" in r.stdout and "# pass 0" not in r.stdout, r.stdout[-2000:]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """An empty project with the package installed as the docs say (npm install PATH: a link,
    no registry)."""
    if NPM is None:
        pytest.skip("`npm` is not on PATH")
    text = (ROOT / "docs" / "helpers.md").read_text(encoding="utf-8")
    (line,) = [ln for ln in text.splitlines() if ln.startswith("npm install ") and ln.endswith("/node/tmtmock")]
    cmd = line.replace("/path/to/tmtmock", str(ROOT)) + " --offline --no-audit --no-fund --no-save"
    r = subprocess.run(cmd, shell=True, cwd=tmp_path, env=node_env(), capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert (tmp_path / "node_modules" / "tmtmock" / "package.json").exists()
    return tmp_path


@with_sdk
def test_docs_node_test_file_runs_as_written(project: Path) -> None:
    code = snippet("node-test", "js")
    name = code.splitlines()[0].removeprefix("// ").strip()
    (project / name).write_text(code, encoding="utf-8")
    r = subprocess.run([NODE, "--test", name], cwd=project, env=node_env(NODE_PATH=str(ADAPTER_DIR / "node_modules")),
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr
    assert "# pass 1" in r.stdout and "# fail 0" in r.stdout, r.stdout[-2000:]


@with_sdk
def test_docs_jest_file_runs_under_the_shim(project: Path) -> None:
    code = snippet("jest", "js")
    name = code.splitlines()[0].removeprefix("// ").strip()
    (project / name).write_text(code, encoding="utf-8")
    (project / "jest-shim.js").write_text(JEST_SHIM, encoding="utf-8")
    r = subprocess.run([NODE, "--require", "./jest-shim.js", "--test", name], cwd=project,
                       env=node_env(NODE_PATH=str(ADAPTER_DIR / "node_modules")), capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr
    assert "# pass 1" in r.stdout and "# fail 0" in r.stdout, r.stdout[-2000:]


def test_package_has_no_dependencies() -> None:
    import json

    doc = json.loads((PACKAGE / "package.json").read_text(encoding="utf-8"))
    assert not doc.get("dependencies") and not doc.get("devDependencies"), doc
    assert doc["main"] == "index.js" and (PACKAGE / doc["types"]).exists()
