"""The command line and the fixtures loader (contract: bad options and malformed
fixtures exit 2 with a message on stderr; --help and --version exit 0)."""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Callable

import pytest

from harness.mockproc import ROOT, MockProcess, run_once

FIXTURES = ROOT / "fixtures"
GOOD = ["--fixtures", str(FIXTURES), "--seed", "1"]

BAD_OPTIONS: list[tuple[str, list[str]]] = [
    ("unknown long option", ["--listen", "127.0.0.1:0", *GOOD, "--bogus"]),
    ("unknown short option", ["--listen", "127.0.0.1:0", *GOOD, "-Z"]),
    ("stray argument", ["--listen", "127.0.0.1:0", *GOOD, "extra"]),
    ("listen without port", ["--listen", "127.0.0.1", *GOOD]),
    ("listen empty port", ["--listen", "127.0.0.1:", *GOOD]),
    ("listen port not a number", ["--listen", "127.0.0.1:abc", *GOOD]),
    ("listen port too large", ["--listen", "127.0.0.1:99999", *GOOD]),
    ("listen negative port", ["--listen", "127.0.0.1:-1", *GOOD]),
    ("auth maybe", ["--listen", "127.0.0.1:0", *GOOD, "--auth", "maybe"]),
    ("seed not a number", ["--listen", "127.0.0.1:0", "--fixtures", str(FIXTURES), "--seed", "abc"]),
    ("listen missing argument", [*GOOD, "--listen"]),
    ("seed missing argument", ["--listen", "127.0.0.1:0", "--fixtures", str(FIXTURES), "--seed"]),
    ("fixtures missing argument", ["--listen", "127.0.0.1:0", "--seed", "1", "--fixtures"]),
    ("auth missing argument", ["--listen", "127.0.0.1:0", *GOOD, "--auth"]),
]


@pytest.mark.parametrize("args", [a for _, a in BAD_OPTIONS], ids=[n for n, _ in BAD_OPTIONS])
def test_bad_option_exits_2(args: list[str]) -> None:
    r = run_once(args, timeout=5)
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert r.stderr.strip(), "no message on stderr"
    assert "listening on" not in r.stdout


def test_help_exits_0_with_usage_on_stdout() -> None:
    r = run_once(["--help"], timeout=5)
    assert r.returncode == 0, r.stderr
    assert "--listen" in r.stdout and "--fixtures" in r.stdout, r.stdout


def test_version() -> None:
    r = run_once(["--version"], timeout=5)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "tmtmock 0.1.0"


@pytest.mark.parametrize("auth", ["on", "off"])
def test_good_options_start(auth: str) -> None:
    with MockProcess([*GOOD, "--auth", auth, "--strict-signature", "-v"]) as m:
        assert m.port > 0


# ---------------------------------------------------------------- fixtures


def _accounts() -> dict[str, Any]:
    return json.loads((FIXTURES / "accounts.json").read_text(encoding="utf-8"))


def _set(path: list[Any], value: Any) -> Callable[[dict[str, Any]], Any]:
    def f(doc: dict[str, Any]) -> Any:
        node: Any = doc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
        return doc

    return f


def _delete(path: list[Any]) -> Callable[[dict[str, Any]], Any]:
    def f(doc: dict[str, Any]) -> Any:
        node: Any = doc
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]
        return doc

    return f


# (name, mutation of the shipped accounts.json, substrings stderr must contain)
BAD_ACCOUNTS: list[tuple[str, Callable[[dict[str, Any]], Any], list[str]]] = [
    ("missing secret_key", _delete(["accounts", 1, "secret_key"]), ["accounts[1]", "secret_key"]),
    ("missing secret_id", _delete(["accounts", 3, "secret_id"]), ["accounts[3]", "secret_id"]),
    ("bad state", _set(["accounts", 2, "state"], "frozen"), ["accounts[2]", "state"]),
    ("state not a string", _set(["accounts", 0, "state"], 5), ["accounts[0]", "state"]),
    ("secret_id not a string", _set(["accounts", 4, "secret_id"], 123), ["accounts[4]", "secret_id"]),
    ("secret_key not a string", _set(["accounts", 0, "secret_key"], ["k"]), ["accounts[0]", "secret_key"]),
    ("token not a string", _set(["accounts", 3, "token"], 7), ["accounts[3]", "token"]),
    ("accounts not a list", _set(["accounts"], {"a": 1}), ["accounts"]),
    ("account not an object", _set(["accounts", 1], "AKID"), ["accounts[1]"]),
    ("top level not an object", lambda doc: [doc], []),
]


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "accounts.json").write_text(text, encoding="utf-8")
    return tmp_path


def _run_fixtures(d: Path) -> Any:
    return run_once(["--listen", "127.0.0.1:0", "--fixtures", str(d), "--seed", "1"], timeout=5)


@pytest.mark.parametrize(
    "mutate, needles", [(m, n) for _, m, n in BAD_ACCOUNTS], ids=[n for n, _, _ in BAD_ACCOUNTS]
)
def test_malformed_accounts_exit_2(tmp_path: Path, mutate: Callable[[dict[str, Any]], Any], needles: list[str]) -> None:
    doc = mutate(copy.deepcopy(_accounts()))
    r = _run_fixtures(_write(tmp_path, json.dumps(doc)))
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert "accounts.json" in r.stderr, r.stderr
    for needle in needles:
        assert needle in r.stderr, f"{needle!r} not in stderr: {r.stderr!r}"


@pytest.mark.parametrize("text", ["{", "", "not json", '{"accounts": [}'], ids=["truncated", "empty", "words", "broken"])
def test_accounts_not_json_exit_2(tmp_path: Path, text: str) -> None:
    r = _run_fixtures(_write(tmp_path, text))
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert "accounts.json" in r.stderr, r.stderr


def test_accounts_missing_exit_2(tmp_path: Path) -> None:
    r = _run_fixtures(tmp_path)
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert "accounts.json" in r.stderr, r.stderr


def test_fixtures_dir_missing_exit_2(tmp_path: Path) -> None:
    r = _run_fixtures(tmp_path / "nope")
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert "accounts.json" in r.stderr or "nope" in r.stderr, r.stderr


def test_copy_of_shipped_accounts_starts(tmp_path: Path) -> None:
    """The control for the cases above: the unmodified copy loads."""
    _write(tmp_path, json.dumps(_accounts()))
    with MockProcess(["--fixtures", str(tmp_path), "--seed", "1"]) as m:
        assert m.port > 0
