"""Configuration sources (a --config JSON file, TMTMOCK_* variables, the command line,
in rising precedence), the account of TENCENTCLOUD_SECRET_ID/_SECRET_KEY, and the
access log (-v: text; --log-format json: JSON lines)."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from harness.admin import Admin, random_secret_id, random_secret_key
from harness.launch import Launched, clean_env, free_port, launch
from harness.mockproc import ROOT, binary, run_once
from harness.signer import Credentials
from harness.wire import DEFAULT, TEXT, assert_error, assert_translated, build, call, tc3

FIXTURES = str(ROOT / "fixtures")


def write_config(tmp_path: Path, doc: Any, name: str = "tmtmock.json") -> Path:
    p = tmp_path / name
    p.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    return p


def run_bad(args: list[str], env: dict[str, str] | None = None) -> tuple[int, str]:
    import subprocess

    r = subprocess.run([str(binary()), *args], capture_output=True, text=True, timeout=10,
                       env=clean_env(env))
    assert "listening on" not in r.stdout, r.stdout
    return r.returncode, r.stderr


def first_request_id(m: Launched) -> str:
    return call(m, build(m, "tc3-post")).json()["Response"]["RequestId"]


def text_call(m: Launched, chars: int) -> Any:
    return call(m, tc3(m).post({**TEXT, "SourceText": "a" * chars}).request)


# ---------------------------------------------------------------- precedence


def test_listen_config_then_env_then_command_line(tmp_path: Path) -> None:
    p_config, p_env, p_argv = free_port(), free_port(), free_port()
    cfg = write_config(tmp_path, {"listen": f"127.0.0.1:{p_config}", "fixtures": FIXTURES})
    with launch(["--config", str(cfg)]) as m:
        assert m.port == p_config
    env = clean_env({"TMTMOCK_LISTEN": f"127.0.0.1:{p_env}"})
    with launch(["--config", str(cfg)], env=env) as m:
        assert m.port == p_env, "the environment wins over the config file"
    with launch(["--config", str(cfg), "--listen", f"127.0.0.1:{p_argv}"], env=env) as m:
        assert m.port == p_argv, "the command line wins over the environment"


def test_config_file_from_tmtmock_config(tmp_path: Path) -> None:
    p = free_port()
    cfg = write_config(tmp_path, {"listen": f"127.0.0.1:{p}"})
    with launch([], env=clean_env({"TMTMOCK_CONFIG": str(cfg)})) as m:
        assert m.port == p
    # --config on the command line wins over TMTMOCK_CONFIG.
    other = write_config(tmp_path, {"listen": "127.0.0.1:0"}, "other.json")
    with launch(["--config", str(other)], env=clean_env({"TMTMOCK_CONFIG": str(cfg)})) as m:
        assert m.port != p


def test_seed_precedence(tmp_path: Path) -> None:
    """--seed replays RequestIds: the run takes the seed of the strongest source."""
    def rid(args: list[str], env: dict[str, str] | None = None) -> str:
        with launch(["--listen", "127.0.0.1:0", "--fixtures", FIXTURES, *args], env=clean_env(env)) as m:
            return first_request_id(m)

    by_seed = {n: rid(["--seed", str(n)]) for n in (1, 2, 3)}
    assert len(set(by_seed.values())) == 3
    cfg = write_config(tmp_path, {"seed": 1})          # an integer in JSON
    assert rid(["--config", str(cfg)]) == by_seed[1]
    assert rid(["--config", str(cfg)], {"TMTMOCK_SEED": "2"}) == by_seed[2]
    assert rid(["--config", str(cfg), "--seed", "3"], {"TMTMOCK_SEED": "2"}) == by_seed[3]
    cfg_str = write_config(tmp_path, {"seed": "2"}, "str.json")   # or a string
    assert rid(["--config", str(cfg_str)]) == by_seed[2]


def test_text_limit_precedence(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, {"text-limit": 10, "fixtures": FIXTURES})
    with launch(["--listen", "127.0.0.1:0", "--config", str(cfg)]) as m:
        assert_error(text_call(m, 15), "UnsupportedOperation.TextTooLong")
        assert_translated(text_call(m, 9), "a" * 9)
    env = clean_env({"TMTMOCK_TEXT_LIMIT": "20"})
    with launch(["--listen", "127.0.0.1:0", "--config", str(cfg)], env=env) as m:
        assert_translated(text_call(m, 15), "a" * 15)
    with launch(["--listen", "127.0.0.1:0", "--config", str(cfg), "--text-limit", "12"], env=env) as m:
        assert_error(text_call(m, 15), "UnsupportedOperation.TextTooLong")


def test_flag_precedence_and_off_values(tmp_path: Path) -> None:
    """A flag: true in the config file, turned off again by TMTMOCK_X=0, on by the command line."""
    node_style = {"service": None}  # filled per mock: the first label of the Host header

    def node_signed(m: Launched) -> Any:
        node_style["service"] = m.host.split(".")[0]
        return call(m, tc3(m, service=node_style["service"]).post(TEXT).request)

    cfg = write_config(tmp_path, {"strict-signature": True, "fixtures": FIXTURES})
    with launch(["--listen", "127.0.0.1:0", "--config", str(cfg)]) as m:
        assert_error(node_signed(m), "AuthFailure.SignatureFailure")
    for off in ("0", "false", "no", "off"):
        with launch(["--listen", "127.0.0.1:0", "--config", str(cfg)],
                    env=clean_env({"TMTMOCK_STRICT_SIGNATURE": off})) as m:
            assert_translated(node_signed(m), "hello")
    with launch(["--listen", "127.0.0.1:0", "--config", str(cfg), "--strict-signature"],
                env=clean_env({"TMTMOCK_STRICT_SIGNATURE": "0"})) as m:
        assert_error(node_signed(m), "AuthFailure.SignatureFailure")
    off_cfg = write_config(tmp_path, {"strict-signature": False, "fixtures": FIXTURES}, "off.json")
    with launch(["--listen", "127.0.0.1:0", "--config", str(off_cfg)],
                env=clean_env({"TMTMOCK_STRICT_SIGNATURE": "1"})) as m:
        assert_error(node_signed(m), "AuthFailure.SignatureFailure")


def test_no_rate_limit_from_environment() -> None:
    with launch(["--listen", "127.0.0.1:0", "--fixtures", FIXTURES],
                env=clean_env({"TMTMOCK_NO_RATE_LIMIT": "1"})) as m:
        for _ in range(12):
            assert_translated(call(m, build(m, "tc3-post")), "hello")


def test_faults_list_replaced_by_stronger_source(tmp_path: Path) -> None:
    files = {}
    for name, code in (("a", "ResourceInUse"), ("b", "ResourceNotFound"), ("c", "ResourceUnavailable")):
        files[name] = write_config(tmp_path, {"faults": [{"error": code, "match": {"action": "LanguageDetect"}}]},
                                   f"{name}.json")

    def loaded(args: list[str], env: dict[str, str] | None = None) -> list[str]:
        with launch(["--listen", "127.0.0.1:0", "--fixtures", FIXTURES, *args], env=clean_env(env)) as m:
            status, body = Admin.of(m).get("faults")
            assert status == 200, body
            return [r["error"] for r in body["faults"]]

    cfg = write_config(tmp_path, {"faults": [str(files["a"]), str(files["b"])]})
    assert loaded(["--config", str(cfg)]) == ["ResourceInUse", "ResourceNotFound"]
    single = write_config(tmp_path, {"faults": str(files["b"])}, "single.json")
    assert loaded(["--config", str(single)]) == ["ResourceNotFound"]
    env = {"TMTMOCK_FAULTS": f"{files['c']}:{files['a']}"}
    assert loaded(["--config", str(cfg)], env) == ["ResourceUnavailable", "ResourceInUse"]
    assert loaded(["--config", str(cfg), "--faults", str(files["b"])], env) == ["ResourceNotFound"]


def test_every_value_option_accepted_from_config(tmp_path: Path) -> None:
    """One config file naming many options at once starts a mock that honours them."""
    journal = tmp_path / "journal.jsonl"
    cfg = write_config(tmp_path, {
        "listen": "127.0.0.1:0", "fixtures": FIXTURES, "seed": 7, "auth": "on",
        "text-limit": 100, "language-errors": "documented", "no-rate-limit": True,
        "no-magic": True, "journal": str(journal), "journal-size": 5, "admin-token": "t0k",
        "log-format": "json", "verbose": False,
    })
    with launch(["--config", str(cfg)]) as m:
        assert Admin.of(m).get("clock")[0] == 401
        assert Admin.of(m, token="t0k").get("clock")[0] == 200
        # no-magic: the marker stays text and is translated.
        resp = call(m, tc3(m).post({**TEXT, "SourceText": "hi @mock:error=InternalError"}).request)
        assert "Error" not in resp.json()["Response"], resp.json()
        assert_error(call(m, tc3(m).post({**TEXT, "Target": "xx"}).request),
                     "UnsupportedOperation.UnSupportedTargetLanguage")
        m.wait_stderr(lambda line: line.startswith("{"))
    assert journal.exists() and journal.read_text(encoding="utf-8").count("\n") >= 2


# ---------------------------------------------------------------- refusals

BAD_CONFIGS: list[tuple[str, Any, str]] = [
    ("unknown key", {"listen": "127.0.0.1:0", "lisen": "x"}, '"lisen"'),
    ("help key", {"help": True}, '"help"'),
    ("config key", {"config": "other.json"}, '"config"'),
    ("not an object", ["listen"], "JSON object"),
    ("not JSON", "{listen: 1", "line 1"),
    ("duplicate key", '{"seed": 1, "seed": 2}', "seed"),
    ("flag not boolean", {"no-rate-limit": "yes"}, "no-rate-limit"),
    ("value not string", {"listen": True}, "listen"),
    ("bad value", {"listen": "nowhere"}, "--listen"),
    ("faults item not string", {"faults": [1]}, "faults[0]"),
    ("array for single option", {"listen": ["127.0.0.1:0"]}, "listen"),
]


@pytest.mark.parametrize("doc,needle", [(d, n) for _, d, n in BAD_CONFIGS], ids=[i for i, _, _ in BAD_CONFIGS])
def test_bad_config_exits_2_naming_it(tmp_path: Path, doc: Any, needle: str) -> None:
    cfg = write_config(tmp_path, doc)
    code, err = run_bad(["--config", str(cfg)])
    assert code == 2, err
    assert needle in err and str(cfg) in err, err


def test_missing_config_file_exits_2(tmp_path: Path) -> None:
    code, err = run_bad(["--config", str(tmp_path / "absent.json")])
    assert code == 2 and "absent.json" in err, err
    code, err = run_bad([], {"TMTMOCK_CONFIG": str(tmp_path / "absent.json")})
    assert code == 2 and "absent.json" in err, err


@pytest.mark.parametrize("name,value", [
    ("TMTMOCK_LISTEN", "nowhere"), ("TMTMOCK_SEED", "-1"), ("TMTMOCK_NO_MAGIC", "maybe"),
    ("TMTMOCK_LOG_FORMAT", "xml"), ("TMTMOCK_AUTH", "sometimes"),
])
def test_bad_environment_exits_2_naming_the_variable(name: str, value: str) -> None:
    code, err = run_bad(["--fixtures", FIXTURES], {name: value})
    assert code == 2 and name in err, err


def test_help_and_version_ignore_bad_sources(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, {"bogus": 1})
    env = {"TMTMOCK_LISTEN": "nowhere", "TMTMOCK_CONFIG": str(cfg)}
    code, _ = run_bad(["--version"], env)
    assert code == 0
    code, _ = run_bad(["--help"], env)
    assert code == 0


def test_unrelated_tmtmock_variables_are_left_alone() -> None:
    with launch(["--listen", "127.0.0.1:0", "--fixtures", FIXTURES],
                env=clean_env({"TMTMOCK_BIN": "/nowhere", "TMTMOCK_SOMETHING": "x"})) as m:
        assert m.port > 0


def test_help_documents_the_sources() -> None:
    out = run_once(["--help"]).stdout
    for word in ("--config", "--log-format", "TMTMOCK_", "TENCENTCLOUD_SECRET_ID"):
        assert word in out, word


# ---------------------------------------------------------------- the environment's account


def env_creds(token: str | None = None) -> Credentials:
    return Credentials(random_secret_id(), random_secret_key(), token)


def tencent_env(c: Credentials) -> dict[str, str]:
    env = {"TENCENTCLOUD_SECRET_ID": c.secret_id, "TENCENTCLOUD_SECRET_KEY": c.secret_key}
    if c.token is not None:
        env["TENCENTCLOUD_TOKEN"] = c.token
    return env


def test_environment_account_is_active_paid_and_survives_reset() -> None:
    c = env_creds()
    with launch(["--listen", "127.0.0.1:0", "--fixtures", FIXTURES], env=clean_env(tencent_env(c))) as m:
        assert_translated(call(m, build(m, "tc3-post", creds=c)), "hello")
        assert_translated(call(m, build(m, "v1-sha256-get", creds=c)), "hello")
        adm = Admin.of(m)
        acct = adm.get(f"accounts")[1]["accounts"]
        mine = [a for a in acct if a["secret_id"] == c.secret_id]
        assert len(mine) == 1 and mine[0]["state"] == "active" and mine[0]["billing"] == "paid", mine
        # The fixture accounts are all still there.
        assert any(a["secret_id"] == DEFAULT.secret_id for a in acct)
        assert adm.post("reset", {})[0] == 200
        assert_translated(call(m, build(m, "tc3-post", creds=c)), "hello")
        # A wrong key is still refused: the account is real.
        wrong = Credentials(c.secret_id, "x" + c.secret_key[1:])
        assert_error(call(m, build(m, "tc3-post", creds=wrong)), "AuthFailure.SignatureFailure")


def test_environment_token_makes_temporary_credentials() -> None:
    c = env_creds(token="env-sts-token")
    with launch(["--listen", "127.0.0.1:0", "--fixtures", FIXTURES], env=clean_env(tencent_env(c))) as m:
        assert_translated(call(m, build(m, "tc3-post", creds=c)), "hello")
        no_token = Credentials(c.secret_id, c.secret_key)
        assert_error(call(m, build(m, "tc3-post", creds=no_token)), "AuthFailure.TokenFailure")


def test_environment_account_replaces_a_fixture_account() -> None:
    c = Credentials("AKIDmockDisabled00000000000000000000", "my-own-key")
    with launch(["--listen", "127.0.0.1:0", "--fixtures", FIXTURES], env=clean_env(tencent_env(c))) as m:
        assert_translated(call(m, build(m, "tc3-post", creds=c)), "hello")


def test_malformed_environment_secret_id_is_added_with_a_warning_and_answered() -> None:
    """An id in the account store is well formed by definition (check 9): the warning says
    it is no real key's form, and its requests are answered."""
    c = Credentials("AKIDshort", "k")
    with launch(["--listen", "127.0.0.1:0", "--fixtures", FIXTURES], env=clean_env(tencent_env(c))) as m:
        m.wait_stderr(lambda line: "TENCENTCLOUD_SECRET_ID" in line and "accepts it" in line)
        assert_translated(call(m, build(m, "tc3-post", creds=c)), TEXT["SourceText"])
        ids = [a["secret_id"] for a in Admin.of(m).get("accounts")[1]["accounts"]]
        assert "AKIDshort" in ids
    # Unknown to the store, the same id is refused for its form.
    with launch(["--listen", "127.0.0.1:0", "--fixtures", FIXTURES], env=clean_env({})) as m:
        assert_error(call(m, build(m, "tc3-post", creds=c)), "AuthFailure.InvalidSecretId")


def test_secret_id_without_key_adds_nothing() -> None:
    c = env_creds()
    with launch(["--listen", "127.0.0.1:0", "--fixtures", FIXTURES],
                env=clean_env({"TENCENTCLOUD_SECRET_ID": c.secret_id})) as m:
        m.wait_stderr(lambda line: "TENCENTCLOUD_SECRET_KEY" in line)
        assert_error(call(m, build(m, "tc3-post", creds=c)), "AuthFailure.SecretIdNotFound")


# ---------------------------------------------------------------- the access log

TEXT_LINE = re.compile(
    r"^(?P<time>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (?P<peer>\S+) (?P<method>\S+) (?P<path>\S+) "
    r"(?P<action>\S+) (?P<secret_id>\S+) (?P<status>\S+) (?P<code>\S+) (?P<fault>\S+) "
    r"(?P<latency>\d+)us (?P<request_id>\S+)$"
)
JSON_KEYS = ["time", "peer", "method", "path", "action", "secret_id", "code", "fault", "status",
             "latency_us", "request_id"]


def access_lines(m: Launched, n: int, pred: Any) -> list[str]:
    m.wait_stderr(lambda _: sum(1 for x in m.stderr_lines if pred(x)) >= n)
    return [x.rstrip("\n") for x in m.stderr_lines if pred(x)]


@pytest.mark.parametrize("how", [["-v"], ["--log-format", "text"], ["env"]])
def test_access_log_text(how: list[str]) -> None:
    env = clean_env({"TMTMOCK_VERBOSE": "1"} if how == ["env"] else None)
    args = [] if how == ["env"] else how
    with launch(["--listen", "127.0.0.1:0", "--fixtures", FIXTURES, *args], env=env) as m:
        ok = call(m, build(m, "tc3-post")).json()["Response"]
        err = call(m, build(m, "tc3-post", params={**TEXT, "Target": "xx"})).json()["Response"]
        Admin.of(m).get("health")        # not an API request: not logged
        lines = access_lines(m, 2, lambda x: TEXT_LINE.match(x.rstrip("\n")) is not None)
    assert len(lines) == 2, lines
    a, b = (TEXT_LINE.match(x) for x in lines)
    assert a and b
    assert a["peer"].startswith("127.0.0.1:") and a["method"] == "POST" and a["path"] == "/"
    assert a["action"] == "TextTranslate" and a["secret_id"] == DEFAULT.secret_id
    assert (a["status"], a["code"], a["fault"]) == ("200", "OK", "-")
    assert a["request_id"] == ok["RequestId"]
    assert b["code"] == "InvalidParameterValue" and b["request_id"] == err["RequestId"]


def test_access_log_text_marks_unknowns_and_faults() -> None:
    with launch(["--listen", "127.0.0.1:0", "--fixtures", FIXTURES, "-v"]) as m:
        from harness.signer import HttpRequest, send

        send(m.host, m.port, HttpRequest("POST", "/", (("Host", f"{m.host}:{m.port}"),
                                                       ("Content-Type", "application/json")), b"{}"))
        try:
            call(m, build(m, "tc3-post", params={**TEXT, "SourceText": "hi @mock:fault=reset"}))
        except OSError:
            pass
        lines = access_lines(m, 2, lambda x: TEXT_LINE.match(x.rstrip("\n")) is not None)
    a, b = (TEXT_LINE.match(x) for x in lines)
    assert a and b
    assert (a["action"], a["secret_id"], a["code"]) == ("-", "-", "MissingParameter"), lines
    assert (b["status"], b["fault"]) == ("-", "reset"), lines


@pytest.mark.parametrize("how", ["flag", "env", "config"])
def test_access_log_json(tmp_path: Path, how: str) -> None:
    args = ["--listen", "127.0.0.1:0", "--fixtures", FIXTURES]
    env = None
    if how == "flag":
        args += ["--log-format", "json"]
    elif how == "env":
        env = clean_env({"TMTMOCK_LOG_FORMAT": "json"})
    else:
        args += ["--config", str(write_config(tmp_path, {"log-format": "json"}))]
    with launch(args, env=env) as m:
        ok = call(m, build(m, "v1-sha1-get")).json()["Response"]
        err = call(m, build(m, "tc3-post", creds=Credentials("AKID" + "9" * 32, "k"))).json()["Response"]
        try:
            call(m, build(m, "tc3-post", params={**TEXT, "SourceText": "hi @mock:fault=close"}))
        except OSError:
            pass
        call(m, build(m, "tc3-post", params={**TEXT, "SourceText": "hi @mock:fault=html_502"}))
        lines = access_lines(m, 4, lambda x: x.startswith("{"))
    docs = [json.loads(x) for x in lines]
    for d in docs:
        assert list(d) == JSON_KEYS, d
        assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", d["time"]), d
        assert d["peer"].startswith("127.0.0.1:") and isinstance(d["latency_us"], int) and d["latency_us"] >= 0
    a, b, c, d = docs
    assert (a["method"], a["path"], a["action"], a["secret_id"]) == ("GET", "/", "TextTranslate", DEFAULT.secret_id)
    assert (a["code"], a["fault"], a["status"], a["request_id"]) == (None, None, 200, ok["RequestId"])
    assert (b["code"], b["status"], b["request_id"]) == ("AuthFailure.SecretIdNotFound", 200, err["RequestId"])
    assert (c["fault"], c["status"]) == ("close", None), c
    assert (d["fault"], d["status"]) == ("html_502", 502), d


def test_no_access_log_by_default() -> None:
    with launch(["--listen", "127.0.0.1:0", "--fixtures", FIXTURES]) as m:
        call(m, build(m, "tc3-post"))
        call(m, build(m, "tc3-post"))
        Admin.of(m).get("health")
    assert m.stderr_lines == [], m.stderr_lines
