"""The suite's reports (docs/conformance.md, Reports): report.jsonl, junit.xml, summary.md and
matrix.html, from hand-built results for two clients covering all five verdicts; an
incomplete report (no footer) flagged in both views; matrix.html opened in headless
Chromium to prove its script renders the embedded data without network."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from suite import report as R  # noqa: E402
from suite.model import (  # noqa: E402
    VERDICTS, Call, Difference, ErrorClass, Level, Scenario, ScenarioResult, Setup, Verdict,
)

SCHEMA = Path(__file__).resolve().parents[1] / "schemas" / "report-line.schema.json"
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)

# A value that must survive every format: markup, a script end tag, quotes, an
# ampersand, an escape character, Chinese, a pipe and a backtick.
NASTY = "</script><script>alert(1)</script> <b>&amp;\"'\x1b 你好 | `x`"


def scenario(sid: str, cls: ErrorClass, codes: list[str], tags: list[str]) -> Scenario:
    return Scenario(id=sid, title=f"Title of {sid}", error_class=cls, codes=codes, tags=tags,
                    setup=Setup(), call=Call(action="TextTranslate",
                                             params={"SourceText": "hello", "Source": "en", "Target": "zh"}),
                    requires=[], expect={}, wire_skip=[])


SIG = scenario("faq.auth-failure.signature-failure", ErrorClass.CLIENT_ERROR,
               ["AuthFailure.SignatureFailure"], ["faq", "natural"])
MISSING = scenario("faq.missing-parameter", ErrorClass.CLIENT_ERROR, ["MissingParameter"], ["faq"])
THROTTLE = scenario("faq.request-limit-exceeded", ErrorClass.THROTTLED, ["RequestLimitExceeded"], ["faq"])
TRANSIENT = scenario("faq.internal-error", ErrorClass.TRANSIENT, ["InternalError"], ["faq", "injected"])
CLOCK = scenario("faq.auth-failure.signature-expire", ErrorClass.CLOCK, ["AuthFailure.SignatureExpire"], ["faq"])
RESET = scenario("transport.reset", ErrorClass.TRANSPORT, [], ["transport"])
HMAC1 = scenario("success.text-translate.hmac-sha1", ErrorClass.SUCCESS, [], ["success"])
UNICODE = scenario("success.unicode", ErrorClass.SUCCESS, [], ["success"])

JOURNAL = [{"seq": 1, "time": 1700000000.1, "action": "TextTranslate", "status": 200,
            "code": "AuthFailure.SignatureFailure", "signature_ok": False,
            "body": {"Response": {"Error": {"Code": "AuthFailure.SignatureFailure", "Message": NASTY},
                                  "RequestId": "req-1"}}}]


def results_reference() -> list[ScenarioResult]:
    """The reference client: PASS mostly, one LENIENT, one SKIP."""
    ok = {"ok": True, "response": {"TargetText": "[zh] HELLO", "RequestId": "r"}}
    return [
        ScenarioResult(SIG, "reference", Verdict.PASS, attempts=1, elapsed_ms=12,
                       answer={"ok": False, "error": {"kind": "api", "code": "AuthFailure.SignatureFailure",
                                                      "message": NASTY, "request_id": "req-1"}},
                       journal=JOURNAL),
        ScenarioResult(MISSING, "reference", Verdict.PASS, attempts=1, elapsed_ms=9, answer=ok),
        ScenarioResult(THROTTLE, "reference", Verdict.LENIENT, attempts=3, elapsed_ms=900,
                       differences=[Difference("backoff_grows", Level.SHOULD, "non-decreasing gaps", [300, 100])],
                       answer=ok, journal=JOURNAL * 3),
        ScenarioResult(TRANSIENT, "reference", Verdict.PASS, attempts=2, elapsed_ms=300, answer=ok),
        ScenarioResult(CLOCK, "reference", Verdict.PASS, attempts=2, elapsed_ms=40, notes=["beyond: corrected"],
                       answer=ok),
        ScenarioResult(RESET, "reference", Verdict.PASS, attempts=1, elapsed_ms=5,
                       answer={"ok": False, "error": {"kind": "network", "message": "reset"}}),
        ScenarioResult(HMAC1, "reference", Verdict.SKIP, skip_reason="client lacks sign:HmacSHA1",
                       answer={"skipped": {"reason": "client lacks sign:HmacSHA1"}}),
        ScenarioResult(UNICODE, "reference", Verdict.PASS, attempts=1, elapsed_ms=7, answer=ok),
    ]


def results_mini() -> list[ScenarioResult]:
    """A broken client: every verdict, with nasty values in the differences and the error."""
    return [
        ScenarioResult(SIG, "mini-no-retry", Verdict.FAIL, attempts=1, elapsed_ms=10,
                       differences=[Difference("code_exact", Level.MUST, "AuthFailure.SignatureFailure",
                                               "AuthFailure"),
                                    Difference("message_exact", Level.MUST, NASTY, None)],
                       answer={"ok": False, "error": {"kind": "api", "code": "AuthFailure", "message": "x"}},
                       journal=JOURNAL),
        ScenarioResult(MISSING, "mini-no-retry", Verdict.PASS, attempts=1, elapsed_ms=8),
        ScenarioResult(THROTTLE, "mini-no-retry", Verdict.LENIENT, attempts=1, elapsed_ms=11,
                       differences=[Difference("retried", Level.SHOULD, "> 1 attempt", 1),
                                    Difference("healed", Level.SHOULD, True, False)]),
        ScenarioResult(TRANSIENT, "mini-no-retry", Verdict.ERROR, elapsed_ms=2000,
                       error="adapter crashed: exit 139 " + NASTY,
                       answer={"errored": {"message": "boom", "traceback": "Traceback ...\n  line 1\x00"}}),
        ScenarioResult(CLOCK, "mini-no-retry", Verdict.FAIL, attempts=2, elapsed_ms=30,
                       differences=[Difference("no_replay", Level.MUST, "fresh signatures",
                                               {"repeated": ["abc", 1700000000]})]),
        ScenarioResult(RESET, "mini-no-retry", Verdict.SKIP, skip_reason="client lacks timeout"),
        ScenarioResult(HMAC1, "mini-no-retry", Verdict.PASS, attempts=1, elapsed_ms=6),
        # UNICODE missing: a scenario this client's report does not have.
    ]


HEADER = {"suite_version": "0.1.0", "mock_version": "0.9.0", "catalogue_hash": "ab" * 32,
          "started_at": "2024-01-01T00:00:00Z", "scenarios": 8}


def header_for(name: str) -> dict:
    return {**HEADER, "client": {"name": name, "version": "1.2.3", "language": "python",
                                 "capabilities": ["TextTranslate"]}}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    base = tmp_path_factory.mktemp("reports")
    out = {}
    out["reference"] = R.write_reports(results_reference(), header_for("reference"),
                                       {"elapsed_ms": 1234, "finished_at": "2024-01-01T00:00:02Z"},
                                       base / "reference")
    out["mini-no-retry"] = R.write_reports(results_mini(), header_for("mini-no-retry"), None,
                                           base / "mini-no-retry")
    out["base"] = base
    return out


def counts(results: list[ScenarioResult]) -> dict[str, int]:
    c = {v: 0 for v in VERDICTS}
    for r in results:
        c[r.verdict.value] += 1
    return c


# ------------------------------------------------------------------ report.jsonl


def test_writes_the_four_files(runs: dict) -> None:
    for name in ("reference", "mini-no-retry"):
        paths = runs[name]
        assert set(paths) == set(R.REPORT_FILES)
        for fname, p in paths.items():
            assert p.name == fname and p.is_file() and p.stat().st_size > 0


@pytest.mark.parametrize("name,results", [("reference", results_reference), ("mini-no-retry", results_mini)])
def test_report_jsonl_shapes(runs: dict, name: str, results) -> None:
    raw = runs[name][R.REPORT_JSONL].read_text(encoding="utf-8").splitlines()
    docs = [json.loads(x) for x in raw]
    rs = results()
    assert len(docs) == len(rs) + 2
    assert list(docs[0]) == ["header"] and docs[0]["header"]["client"]["name"] == name
    assert docs[0]["header"]["catalogue_hash"] == "ab" * 32
    assert list(docs[-1]) == ["footer"]
    footer = docs[-1]["footer"]
    assert footer["totals"] == counts(rs) and list(footer["totals"]) == VERDICTS
    assert isinstance(footer["elapsed_ms"], int) and footer["finished_at"]
    if name == "reference":  # given footer fields are kept
        assert footer["elapsed_ms"] == 1234 and footer["finished_at"] == "2024-01-01T00:00:02Z"
    spec_fields = ["scenario", "class", "codes", "client", "verdict", "differences", "attempts", "journal"]
    for doc, r in zip(docs[1:-1], rs):
        for f in spec_fields:
            assert f in doc, f
        assert doc["scenario"] == r.scenario.id and doc["client"] == name
        assert doc["verdict"] in VERDICTS and doc["verdict"] == r.verdict.value
        assert doc["class"] == r.scenario.error_class.value and doc["codes"] == r.scenario.codes
        assert doc["tags"] == r.scenario.tags
        for d in doc["differences"]:
            assert set(d) >= {"expectation", "level", "expected", "got"}
        # Everything ScenarioResult.to_json() says, unchanged.
        for k, v in r.to_json().items():
            assert doc[k] == json.loads(json.dumps(v)), k


def test_report_lines_match_the_schema(runs: dict) -> None:
    if not SCHEMA.exists():
        pytest.skip(f"{SCHEMA} not written yet")
    import jsonschema

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    cls.check_schema(schema)
    v = cls(schema)
    for name in ("reference", "mini-no-retry"):
        for n, raw in enumerate(runs[name][R.REPORT_JSONL].read_text(encoding="utf-8").splitlines(), 1):
            errs = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in v.iter_errors(json.loads(raw))]
            assert not errs, f"{name} line {n}: {errs}"


def test_read_report_round_trip(runs: dict) -> None:
    header, lines, footer = R.read_report(runs["mini-no-retry"][R.REPORT_JSONL])
    assert header["client"]["name"] == "mini-no-retry"
    assert [ln["scenario"] for ln in lines] == [r.scenario.id for r in results_mini()]
    assert footer is not None and footer["totals"] == counts(results_mini())
    # NASTY survives the trip exactly.
    assert lines[0]["differences"][1]["expected"] == NASTY


def test_read_report_is_tolerant(tmp_path: Path) -> None:
    good = R.result_line(results_mini()[0])
    p = tmp_path / "report.jsonl"
    p.write_text("\n".join([json.dumps({"header": header_for("x")}), "", json.dumps(good), "[1, 2]",
                            json.dumps({"what": 1}), json.dumps(good)[:40]]) + "\n", encoding="utf-8")
    rep = R.load_report(p)
    assert rep.header["client"]["name"] == "x" and len(rep.lines) == 1 and rep.footer is None
    assert not rep.complete and len(rep.problems) == 3
    header, lines, footer = R.read_report(p)
    assert footer is None and len(lines) == 1


def test_unencodable_text_still_writes(tmp_path: Path) -> None:
    """A lone surrogate from a client's output: the line falls back to \\u escapes."""
    r = ScenarioResult(SIG, "weird", Verdict.FAIL, differences=[Difference("code_exact", Level.MUST, "A", "\ud800")])
    paths = R.write_reports([r], header_for("weird"), None, tmp_path)
    _, lines, footer = R.read_report(paths[R.REPORT_JSONL])
    assert lines[0]["differences"][0]["got"] == "\ud800" and footer is not None
    ET.parse(paths[R.JUNIT_XML])
    assert "FAIL" in paths[R.SUMMARY_MD].read_text(encoding="utf-8")


def test_writer_streams_and_abort_leaves_it_incomplete(tmp_path: Path) -> None:
    rs = results_mini()
    with pytest.raises(RuntimeError):
        with R.ReportWriter(tmp_path, header_for("mini-no-retry")) as w:
            w.add(rs[0])
            # Each line is on disk as soon as it is added.
            assert len((tmp_path / R.REPORT_JSONL).read_text(encoding="utf-8").splitlines()) == 2
            w.add(rs[1])
            raise RuntimeError("the run died")
    header, lines, footer = R.read_report(tmp_path / R.REPORT_JSONL)
    assert footer is None and len(lines) == 2
    assert "Incomplete report" in (tmp_path / R.SUMMARY_MD).read_text(encoding="utf-8")
    assert "banner incomplete" in (tmp_path / R.MATRIX_HTML).read_text(encoding="utf-8")


# ------------------------------------------------------------------ junit.xml


@pytest.mark.parametrize("name,results", [("reference", results_reference), ("mini-no-retry", results_mini)])
def test_junit(runs: dict, name: str, results) -> None:
    root = ET.parse(runs[name][R.JUNIT_XML]).getroot()
    rs = results()
    c = counts(rs)
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [name]
    ts = suites[0]
    # No known-failures entries here: a LENIENT is a changed verdict (the run exits 1 on it),
    # so it is a failure too.
    assert (ts.get("tests"), ts.get("failures"), ts.get("errors"), ts.get("skipped")) == (
        str(len(rs)), str(c["FAIL"] + c["LENIENT"]), str(c["ERROR"]), str(c["SKIP"]))
    cases = {tc.get("name"): tc for tc in ts.findall("testcase")}
    assert set(cases) == {r.scenario.id for r in rs}
    assert len(ts.findall("testcase/failure")) == c["FAIL"] + c["LENIENT"]
    assert len(ts.findall("testcase/error")) == c["ERROR"]
    assert len(ts.findall("testcase/skipped")) == c["SKIP"]
    for r in rs:
        tc = cases[r.scenario.id]
        assert tc.get("classname") == r.scenario.error_class.value
        kids = {k.tag for k in tc}
        if r.verdict == Verdict.FAIL:
            f = tc.find("failure")
            assert "MUST code_exact" in f.get("message") or "MUST no_replay" in f.get("message")
            assert r.differences[0].expectation in f.text
        elif r.verdict == Verdict.ERROR:
            assert "adapter crashed" in tc.find("error").get("message")
            assert "Traceback" in tc.find("error").text
        elif r.verdict == Verdict.SKIP:
            assert tc.find("skipped").get("message") == r.skip_reason
        elif r.verdict == Verdict.LENIENT:
            assert kids == {"failure"}
            assert tc.find("failure").get("type") == "CHANGED"
            out = tc.find("failure").text
            assert "LENIENT" in out and r.differences[0].expectation in out
        else:
            assert not kids & {"failure", "error", "skipped"}
    props = {p.get("name"): p.get("value") for p in ts.iter("property")}
    assert props["client.version"] == "1.2.3" and props["complete"] == "true"
    # NASTY's escape character became text XML can carry; the rest round-trips.
    if name == "mini-no-retry":
        assert "\\x1b 你好" in cases[SIG.id].find("failure").text


# ------------------------------------------------------------------ summary.md


@pytest.mark.parametrize("name,results", [("reference", results_reference), ("mini-no-retry", results_mini)])
def test_summary(runs: dict, name: str, results) -> None:
    md = runs[name][R.SUMMARY_MD].read_text(encoding="utf-8")
    c = counts(results())
    for v in VERDICTS:
        assert f"{c[v]} {v}" in md, v
    assert name in md and "Incomplete" not in md
    # The FAQ table: the 38 codes, with a verdict where a faq scenario ran.
    assert "FAQ codes (38)" in md
    cols = [ln.split(" | ") for ln in md.splitlines() if ln.startswith("| `")]
    faq = {c[0][2:].strip("`"): c[1].rstrip(" |") for c in cols if c[0][2:].strip("`") in R.FAQ_CODES}
    assert set(faq) == set(R.FAQ_CODES)
    by_code = {r.scenario.codes[0]: r.verdict.value for r in results() if "faq" in r.scenario.tags}
    for code, verdict in by_code.items():
        assert verdict in faq[code], (code, faq[code])
    assert faq["UnsupportedRegion"] == "—"
    # Non-PASS scenarios appear in their class table, with the differences in short.
    for r in results():
        if r.verdict != Verdict.PASS:
            assert f"`{r.scenario.id}`" in md
    if name == "mini-no-retry":
        assert "MUST code\\_exact: expected `AuthFailure.SignatureFailure`, got `AuthFailure`" in md
        # A client's values: literal inside code spans, escaped in plain text, no raw control characters.
        assert "`</script><script>alert(1)</script> <b>&amp;\"'\\x1b…`" in md
        assert "adapter crashed: exit 139 &lt;/script&gt;&lt;script&gt;" in md
        assert "\x1b" not in md
    else:
        assert "client lacks sign:HmacSHA1" in md


# ------------------------------------------------------------------ matrix.html


class Matrix(HTMLParser):
    """The parts of matrix.html the tests look at."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: set[str] = set()
        self.clients: list[str] = []
        self.cells: dict[tuple[str, str], str] = {}
        self.cell_text: dict[tuple[str, str], str] = {}
        self.counts: dict[tuple[str, str], str] = {}
        self.groups: list[str] = []
        self.banners: list[str | None] = []
        self.data_json = ""
        self._in: tuple | None = None
        self._in_data = False
        self.scripts = 0
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        cls = (a.get("class") or "").split()
        if tag == "table" and a.get("id"):
            self.tables.add(a["id"])
        if tag == "th" and "client" in cls:
            self.clients.append(a["data-client"])
        if tag == "td" and "cell" in cls:
            key = (a["data-client"], a["data-scenario"])
            self.cells[key] = a["data-verdict"]
            self._in = ("cell", key)
            self.cell_text[key] = ""
        if "count" in cls:
            self._in = ("count", (a["data-client"], a["data-verdict"]))
            self.counts[self._in[1]] = ""
        if tag == "tbody" and "group" in cls:
            self.groups.append(a["data-class"])
        if "banner" in cls and "incomplete" in cls:
            self.banners.append(a.get("data-client"))
        if tag == "script":
            self.scripts += 1
            if a.get("src"):
                self.external.append(a["src"])
            self._in_data = a.get("type") == "application/json"
        if tag in ("link", "img", "iframe") and (a.get("href") or a.get("src") or "").startswith(("http", "//")):
            self.external.append(a.get("href") or a.get("src"))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "span") and self._in:
            self._in = None if tag == "td" or self._in[0] == "count" else self._in
        if tag == "script":
            self._in_data = False

    def handle_data(self, data: str) -> None:
        if self._in_data:
            self.data_json += data
        elif self._in and self._in[0] == "cell":
            self.cell_text[self._in[1]] += data
        elif self._in and self._in[0] == "count":
            self.counts[self._in[1]] += data


def parse_matrix(path: Path) -> Matrix:
    m = Matrix()
    m.feed(path.read_text(encoding="utf-8"))
    m.close()
    return m


def expected_cells() -> dict[tuple[str, str], str]:
    out = {}
    for name, rs in (("reference", results_reference()), ("mini-no-retry", results_mini())):
        for r in rs:
            out[(name, r.scenario.id)] = r.verdict.value
    return out


@pytest.fixture(scope="module")
def rendered(runs: dict) -> dict:
    out = runs["base"] / "rendered"
    paths = R.render([runs["reference"][R.REPORT_JSONL], runs["mini-no-retry"][R.REPORT_JSONL]], out)
    return paths


def test_matrix_static_html(rendered: dict) -> None:
    assert set(rendered) == {R.SUMMARY_MD, R.MATRIX_HTML}
    m = parse_matrix(rendered[R.MATRIX_HTML])
    assert {"matrix", "faq"} <= m.tables
    assert m.clients == ["reference", "mini-no-retry"]
    assert m.cells == expected_cells()
    for key, v in m.cells.items():
        assert m.cell_text[key].strip() == v
    for name, rs in (("reference", results_reference()), ("mini-no-retry", results_mini())):
        c = counts(rs)
        for v in VERDICTS:
            assert m.counts[(name, v)] == str(c[v])
    assert m.groups == ["client_error", "throttled", "transient", "clock", "transport", "success"]
    assert m.banners == [] and not m.external
    # The embedded data parses and carries NASTY back intact ('</' escaped in the page).
    data = json.loads(m.data_json)
    assert [c["key"] for c in data["clients"]] == ["reference", "mini-no-retry"]
    assert data["cells"]["mini-no-retry"][SIG.id]["differences"][1]["expected"] == NASTY
    assert "</script><script>alert" not in rendered[R.MATRIX_HTML].read_text(encoding="utf-8")


def test_summary_over_two_reports(rendered: dict) -> None:
    md = rendered[R.SUMMARY_MD].read_text(encoding="utf-8")
    assert "2 clients" in md and "| `reference` | 6 | 1 | 0 | 1 | 0 | complete |" in md
    assert "| `mini-no-retry` | 2 | 1 | 2 | 1 | 1 | complete |" in md
    assert "| code | `reference` | `mini-no-retry` |" in md
    assert "| `AuthFailure.SignatureFailure` | ✅ PASS | ❌ FAIL |" in md


def incomplete_copy(runs: dict, tmp: Path) -> Path:
    """The mini report cut after its third scenario line: no footer."""
    src = runs["mini-no-retry"][R.REPORT_JSONL].read_text(encoding="utf-8").splitlines()
    p = tmp / "cut" / "report.jsonl"
    p.parent.mkdir()
    p.write_text("\n".join(src[:4]) + "\n" + src[4][:25], encoding="utf-8")
    return p


def test_incomplete_report_is_flagged(runs: dict, tmp_path: Path) -> None:
    cut = incomplete_copy(runs, tmp_path)
    header, lines, footer = R.read_report(cut)
    assert footer is None and len(lines) == 3
    paths = R.render([runs["reference"][R.REPORT_JSONL], cut], tmp_path / "out")
    md = paths[R.SUMMARY_MD].read_text(encoding="utf-8")
    assert "Incomplete report" in md and "3 of 8 scenario lines" in md and "**incomplete**" in md
    m = parse_matrix(paths[R.MATRIX_HTML])
    assert m.banners == ["mini-no-retry"]
    assert len([k for k in m.cells if k[0] == "mini-no-retry"]) == 3
    html_text = paths[R.MATRIX_HTML].read_text(encoding="utf-8")
    assert "Incomplete report:" in html_text and "badge-incomplete" in html_text


def test_same_client_twice_gets_two_columns(runs: dict, tmp_path: Path) -> None:
    p = runs["reference"][R.REPORT_JSONL]
    paths = R.render([p, p], tmp_path)
    # Keyed by name and version when a client has several reports (one release each, usually).
    assert parse_matrix(paths[R.MATRIX_HTML]).clients == ["reference 1.2.3", "reference 1.2.3 #2"]
    other = tmp_path / "other.jsonl"
    other.write_text(p.read_text(encoding="utf-8").replace('"version": "1.2.3"', '"version": "2.0.0"', 1),
                     encoding="utf-8")
    paths = R.render([p, other], tmp_path / "two")
    assert parse_matrix(paths[R.MATRIX_HTML]).clients == ["reference 1.2.3", "reference 2.0.0"]


def test_render_cli(runs: dict, tmp_path: Path) -> None:
    main = Path(R.__file__).with_name("__main__.py")
    if not main.exists():
        pytest.skip("suite/__main__.py not written yet")
    env = {**os.environ, "PYTHONPATH": str(Path(R.__file__).resolve().parents[1])}
    out = tmp_path / "cli"
    proc = subprocess.run([sys.executable, "-m", "suite", "render", str(runs["reference"][R.REPORT_JSONL]),
                           str(runs["mini-no-retry"][R.REPORT_JSONL]), "--out", str(out)],
                          env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert parse_matrix(out / R.MATRIX_HTML).cells == expected_cells()
    assert (out / R.SUMMARY_MD).is_file()


# ------------------------------------------------------------------ headless Chromium


def chromium(url: str, *extra: str) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", *extra, url],
            capture_output=True, text=True, timeout=120)


class Dom(Matrix):
    """The DOM Chromium dumps after the script ran: what the script added."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[tuple[str, str], str] = {}
        self.titles: dict[tuple[str, str], str] = {}
        self.body_ready = False
        self.toolbar_visible = False
        self.panel_open = False
        self.ids: dict[str, str] = {}
        self._id: str | None = None
        self._meta_key: tuple | None = None
        self.diff_rows = 0
        self._in_diffs = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        super().handle_starttag(tag, attrs)
        a = dict(attrs)
        cls = (a.get("class") or "").split()
        if tag == "body":
            self.body_ready = a.get("data-ready") == "1"
        if a.get("id") == "toolbar":
            self.toolbar_visible = "hidden" not in a
        if a.get("id") == "panel":
            self.panel_open = "hidden" not in a
        if tag == "td" and "cell" in cls:
            self.titles[(a["data-client"], a["data-scenario"])] = a.get("title", "")
        if "meta-cell" in cls and self._in and self._in[0] == "cell":
            self._meta_key = self._in[1]
            self.meta[self._meta_key] = ""
        if a.get("id") in ("panel-verdict", "panel-scenario"):
            self._id = a["id"]
            self.ids[self._id] = ""
        if a.get("id") == "panel-diffs":
            self._in_diffs = True
        if self._in_diffs and tag == "tr" and any(c.startswith("lvl-") for c in cls):
            self.diff_rows += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "span" and self._meta_key:
            self._meta_key = None
            return
        if tag == "table":
            self._in_diffs = False
        if self._id and tag in ("span", "h2"):
            self._id = None
        super().handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        if self._meta_key:
            self.meta[self._meta_key] += data
            return
        if self._id:
            self.ids[self._id] += data
        super().handle_data(data)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_matrix_in_headless_chromium(runs: dict, tmp_path: Path) -> None:
    cut = incomplete_copy(runs, tmp_path)
    paths = R.render([runs["reference"][R.REPORT_JSONL], cut], tmp_path / "out")
    page = paths[R.MATRIX_HTML].resolve().as_uri()
    # Open one cell's details through the URL, as a click does.
    proc = chromium(f"{page}#cell=mini-no-retry/{SIG.id}", "--dump-dom")
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = Dom()
    dom.feed(proc.stdout)
    dom.close()
    assert dom.body_ready, "the page's script did not finish"
    assert dom.toolbar_visible
    assert dom.clients == ["reference", "mini-no-retry"]
    for name, rs in (("reference", results_reference()), ("mini-no-retry", results_mini()[:3])):
        c = counts(rs)
        for v in VERDICTS:
            assert dom.counts[(name, v)] == str(c[v]), (name, v)
    assert dom.banners == ["mini-no-retry"]
    # Every cell got its annotation from the embedded data.
    want = {k: v for k, v in expected_cells().items()
            if k[0] == "reference" or k[1] in {r.scenario.id for r in results_mini()[:3]}}
    assert {k: v for k, v in dom.cells.items()} == want
    lines = {(ln["client"], ln["scenario"]): ln for rep in (runs["reference"][R.REPORT_JSONL], cut)
             for ln in R.read_report(rep)[1]}
    for key, verdict in want.items():
        ln = lines[key]
        if verdict == "SKIP":
            assert dom.meta[key].startswith("skip")
        else:
            assert dom.meta[key].startswith(f"{ln['attempts']}×"), (key, dom.meta[key])
        if ln["differences"]:
            assert f"{len(ln['differences'])} diff" in dom.meta[key]
            assert ln["differences"][0]["expectation"] in dom.titles[key]
    # The details panel, opened from the URL: the verdict, the differences, the journal.
    assert dom.panel_open
    assert dom.ids == {"panel-verdict": "FAIL", "panel-scenario": SIG.id}
    assert dom.diff_rows == 2
    assert "AuthFailure.SignatureFailure" in proc.stdout and "req-1" in proc.stdout
    # A screenshot for people (kept next to the report; the test only checks it exists).
    shot = tmp_path / "out" / "matrix.png"
    proc = chromium(f"{page}#cell=mini-no-retry/{SIG.id}", f"--screenshot={shot}", "--window-size=1400,900",
                    "--hide-scrollbars")
    assert proc.returncode == 0 and shot.stat().st_size > 1000


def test_header_objects_are_made_plain(tmp_path: Path) -> None:
    """The runner may hand a ClientInfo and enums in the header: they are written as JSON."""
    from suite.model import ClientInfo

    header = {**HEADER, "client": ClientInfo("reference", "0.1.0", "python", ["TextTranslate"])}
    paths = R.write_reports(results_reference()[:2], header, None, tmp_path)
    h, lines, footer = R.read_report(paths[R.REPORT_JSONL])
    assert h["client"] == {"name": "reference", "version": "0.1.0", "language": "python",
                           "capabilities": ["TextTranslate"]}
    assert footer["totals"]["PASS"] == 2
    assert 'data-client="reference"' in paths[R.MATRIX_HTML].read_text(encoding="utf-8")
