"""The suite's reports: report.jsonl, junit.xml, summary.md and matrix.html.

Names and shapes are public (docs/conformance.md, Reports): the four file
names, the verdict words, and the fields of report.jsonl (header line, one line per
scenario, footer line with totals). Fields may be added here, never renamed.

- `write_reports(results, header, footer, out_dir)` writes all four from one run.
- `ReportWriter` does the same while the run goes: the header first, each scenario line
  as it finishes (flushed), the footer and the three views at `close()`. A run that dies
  leaves a report.jsonl without its footer: an *incomplete* report.
- `read_report(path)` reads a report.jsonl tolerantly (blank, truncated or unknown lines
  are skipped and noted); `load_report(path)` gives the same as a `Report`.
- `render(report_paths, out_dir)` writes summary.md and matrix.html from one or several
  saved reports (one per client); incomplete reports are flagged visibly in both.

Std lib only. matrix.html is one self-contained file (inline CSS and JS, no network):
the table is static HTML (readable without JS); the script adds the details panel, the
filters and the per-cell annotations from the JSON embedded in
<script type="application/json" id="matrix-data">.
"""
from __future__ import annotations

import datetime as _dt
import html
import json
import re
import threading
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from .model import SUITE_VERSION, VERDICTS, ErrorClass, ScenarioResult

REPORT_JSONL = "report.jsonl"
JUNIT_XML = "junit.xml"
SUMMARY_MD = "summary.md"
MATRIX_HTML = "matrix.html"
REPORT_FILES = (REPORT_JSONL, JUNIT_XML, SUMMARY_MD, MATRIX_HTML)

# Classes in the documented order; unknown ones follow alphabetically.
CLASS_ORDER = [c.value for c in ErrorClass]
CLASS_TITLES = {
    "client_error": "Client errors",
    "throttled": "Throttled",
    "transient": "Transient server errors",
    "clock": "Clock skew",
    "transport": "Transport faults",
    "success": "Success paths",
}
# Worst first: what a FAQ code shows when several scenarios cover it.
SEVERITY = ["FAIL", "ERROR", "LENIENT", "SKIP", "PASS"]
ICONS = {"PASS": "✅", "LENIENT": "🟡", "FAIL": "❌", "SKIP": "⏭️", "ERROR": "💥"}

# The 38 error codes of Tencent's TMT FAQ (docs/behaviour.md, "The 38 error codes of the TMT FAQ").
# The FAQ table lists these, plus any other code of a scenario tagged "faq".
FAQ_CODES = [
    "AuthFailure.InvalidSecretId", "AuthFailure.MFAFailure", "AuthFailure.SecretIdNotFound",
    "AuthFailure.SignatureExpire", "AuthFailure.SignatureFailure", "AuthFailure.TokenFailure",
    "AuthFailure.UnauthorizedOperation", "DryRunOperation", "FailedOperation",
    "FailedOperation.NoFreeAmount", "FailedOperation.ServiceIsolate",
    "FailedOperation.UserNotRegistered", "InternalError", "InternalError.BackendTimeout",
    "InternalError.ErrorUnknown", "InvalidAction", "InvalidParameter",
    "InvalidParameter.DuplicatedSessionIdAndSeq", "InvalidParameter.SeqIntervalTooLarge",
    "InvalidParameterValue", "LimitExceeded", "MissingParameter", "NoSuchVersion",
    "RequestLimitExceeded", "ResourceInUse", "ResourceInsufficient", "ResourceNotFound",
    "ResourceUnavailable", "UnauthorizedOperation", "UnauthorizedOperation.ActionNotFound",
    "UnknownParameter", "UnsupportedOperation", "UnsupportedOperation.TextTooLong",
    "UnsupportedOperation.UnSupportedTargetLanguage", "UnsupportedOperation.UnsupportedLanguage",
    "UnsupportedOperation.UnsupportedSourceLanguage", "UnsupportedProtocol", "UnsupportedRegion",
]


# --------------------------------------------------------------------------- model


@dataclass
class Report:
    """One client's report.jsonl, read back or built in memory."""

    header: dict[str, Any]
    lines: list[dict[str, Any]]
    footer: dict[str, Any] | None
    path: Path | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return isinstance(self.footer, dict)

    @property
    def client_info(self) -> dict[str, Any]:
        c = self.header.get("client")
        if isinstance(c, dict):
            return c
        return {"name": c} if isinstance(c, str) else {}

    @property
    def client(self) -> str:
        name = self.client_info.get("name")
        if not name:
            name = next((ln.get("client") for ln in self.lines if ln.get("client")), None)
        if not name and self.path is not None:
            name = self.path.parent.name or self.path.stem
        return str(name or "client")

    def totals(self) -> dict[str, int]:
        """Verdict counts over the scenario lines present (always all five words)."""
        return count_verdicts(self.lines)

    def expected_scenarios(self) -> int | None:
        n = self.header.get("scenarios")
        return n if isinstance(n, int) else None


def count_verdicts(lines: Iterable[dict[str, Any]]) -> dict[str, int]:
    totals = {v: 0 for v in VERDICTS}
    for ln in lines:
        v = ln.get("verdict")
        if v in totals:
            totals[v] += 1
    return totals


def result_line(result: ScenarioResult | dict[str, Any]) -> dict[str, Any]:
    """The report.jsonl line of one result: ScenarioResult.to_json() plus the scenario's
    tags (added after "codes"; the FAQ table needs them)."""
    if isinstance(result, dict):
        return result
    line = result.to_json()
    if "tags" in line:
        return line
    out: dict[str, Any] = {}
    for k, v in line.items():
        out[k] = v
        if k == "codes":
            out["tags"] = list(result.scenario.tags)
    out.setdefault("tags", list(result.scenario.tags))
    return out


def _now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse_iso(s: Any) -> _dt.datetime | None:
    if not isinstance(s, str) or not s:
        return None
    try:
        t = _dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=_dt.timezone.utc)


def compute_footer(lines: list[dict[str, Any]], header: dict[str, Any],
                   footer: dict[str, Any] | None = None) -> dict[str, Any]:
    """The footer: the given fields, with totals always counted from the lines, and
    finished_at / elapsed_ms filled in when absent."""
    out: dict[str, Any] = {"totals": count_verdicts(lines)}
    for k, v in (footer or {}).items():
        if k != "totals":
            out[k] = v
    out.setdefault("finished_at", _now_iso())
    if "elapsed_ms" not in out:
        start, end = _parse_iso(header.get("started_at")), _parse_iso(out.get("finished_at"))
        if start and end:
            out["elapsed_ms"] = max(0, int((end - start).total_seconds() * 1000))
        else:
            out["elapsed_ms"] = sum(int(ln.get("elapsed_ms") or 0) for ln in lines)
    return out


# --------------------------------------------------------------------------- report.jsonl


def _json_line(obj: Any) -> str:
    """One JSON line, UTF-8 kept readable; strings that cannot be UTF-8 (lone surrogates
    from a client's output) fall back to \\u escapes for that line."""
    s = json.dumps(obj, ensure_ascii=False, default=_json_default)
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        s = json.dumps(obj, ensure_ascii=True, default=_json_default)
    return s + "\n"


def _json_default(o: Any) -> Any:
    if hasattr(o, "to_json"):
        return o.to_json()
    if hasattr(o, "value"):
        return o.value
    if isinstance(o, (bytes, bytearray)):
        return o.decode("utf-8", "backslashreplace")
    if isinstance(o, (set, frozenset, tuple)):
        return list(o)
    if isinstance(o, Path):
        return str(o)
    return repr(o)


def _plain(obj: Any) -> Any:
    """obj as JSON would give it back (ClientInfo, enums, Paths, tuples made plain)."""
    return json.loads(json.dumps(obj, default=_json_default))


class ReportWriter:
    """Writes report.jsonl as the run goes (thread-safe), then the views at close().

    with ReportWriter(out_dir, header) as w:
        for r in results: w.add(r)
        paths = w.close(footer)          # footer None: computed
    Leaving the block by an exception (or calling abort()) leaves report.jsonl without
    its footer and writes the views flagged "incomplete".
    """

    def __init__(self, out_dir: str | Path, header: dict[str, Any]) -> None:
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.header = _plain(header)
        self.lines: list[dict[str, Any]] = []
        self.paths: dict[str, Path] = {}
        self._lock = threading.Lock()
        self._path = self.out_dir / REPORT_JSONL
        self._f = open(self._path, "w", encoding="utf-8", newline="\n")
        self._f.write(_json_line({"header": self.header}))
        self._f.flush()

    def add(self, result: ScenarioResult | dict[str, Any]) -> dict[str, Any]:
        text = _json_line(result_line(result))
        line = json.loads(text)  # what a reader will see (enums, tuples, objects made plain)
        with self._lock:
            if self._f.closed:
                raise ValueError("report already closed")
            self.lines.append(line)
            self._f.write(text)
            self._f.flush()
        return line

    def close(self, footer: dict[str, Any] | None = None) -> dict[str, Path]:
        with self._lock:
            if self._f.closed:
                return self.paths
            full = compute_footer(self.lines, self.header, _plain(footer) if footer else None)
            self._f.write(_json_line({"footer": full}))
            self._f.close()
        return self._views(full)

    def abort(self) -> dict[str, Path]:
        """Stop without a footer: the report stays incomplete, the views say so."""
        with self._lock:
            if self._f.closed:
                return self.paths
            self._f.close()
        return self._views(None)

    def _views(self, footer: dict[str, Any] | None) -> dict[str, Path]:
        rep = Report(self.header, list(self.lines), footer, self._path)
        self.paths = {REPORT_JSONL: self._path}
        self.paths[JUNIT_XML] = write_junit([rep], self.out_dir / JUNIT_XML)
        self.paths[SUMMARY_MD] = write_summary([rep], self.out_dir / SUMMARY_MD)
        self.paths[MATRIX_HTML] = write_matrix([rep], self.out_dir / MATRIX_HTML)
        return self.paths

    def __enter__(self) -> "ReportWriter":
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None:
            self.abort()
        elif not self._f.closed:
            self.close()


def write_reports(results: list[ScenarioResult], header: dict[str, Any],
                  footer: dict[str, Any] | None, out_dir: str | Path) -> dict[str, Path]:
    """Write report.jsonl, junit.xml, summary.md and matrix.html into out_dir.

    The footer's totals are always counted from the results; its other fields are kept
    (finished_at and elapsed_ms are filled in when absent). Returns {file name: path}."""
    w = ReportWriter(out_dir, header)
    for r in results:
        w.add(r)
    return w.close(footer)


def load_report(path: str | Path) -> Report:
    """Read one report.jsonl, tolerating blank, truncated, non-JSON and unknown lines
    (each noted in Report.problems). No footer line: incomplete (Report.complete False)."""
    path = Path(path)
    header: dict[str, Any] | None = None
    footer: dict[str, Any] | None = None
    lines: list[dict[str, Any]] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for n, raw in enumerate(f, 1):
            s = raw.strip()
            if not s:
                continue
            try:
                obj = json.loads(s)
            except ValueError:
                problems.append(f"line {n}: not JSON (cut short?), skipped")
                continue
            if not isinstance(obj, dict):
                problems.append(f"line {n}: not a JSON object, skipped")
            elif "scenario" in obj:
                if footer is not None:
                    problems.append(f"line {n}: scenario line after the footer")
                sid = str(obj.get("scenario"))
                if sid in seen:
                    problems.append(f"line {n}: scenario {sid} appears again; the last line counts")
                    lines[seen[sid]] = obj
                else:
                    seen[sid] = len(lines)
                    lines.append(obj)
            elif "header" in obj and isinstance(obj["header"], dict):
                if header is not None:
                    problems.append(f"line {n}: a second header line, ignored")
                else:
                    header = obj["header"]
            elif "footer" in obj and isinstance(obj["footer"], dict):
                footer = obj["footer"]
            else:
                problems.append(f"line {n}: neither header, scenario nor footer, skipped")
    if header is None:
        problems.append("no header line")
    rep = Report(header or {}, lines, footer, path, problems)
    if footer is not None:
        ft = footer.get("totals")
        if isinstance(ft, dict) and {k: ft.get(k, 0) for k in VERDICTS} != rep.totals():
            problems.append(f"footer totals {ft} differ from the scenario lines {rep.totals()}")
    return rep


def read_report(path: str | Path) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any] | None]:
    """(header, scenario lines, footer or None). A report without its footer is incomplete."""
    rep = load_report(path)
    return rep.header, rep.lines, rep.footer


def render(report_paths: list[Path] | list[str], out_dir: str | Path) -> dict[str, Path]:
    """summary.md and matrix.html over one or several saved report.jsonl (one per client)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    reports = [load_report(p) for p in report_paths]
    return {
        SUMMARY_MD: write_summary(reports, out / SUMMARY_MD),
        MATRIX_HTML: write_matrix(reports, out / MATRIX_HTML),
    }


# --------------------------------------------------------------------------- shared helpers


def _class_key(c: str) -> tuple[int, str]:
    return (CLASS_ORDER.index(c), c) if c in CLASS_ORDER else (len(CLASS_ORDER), c)


def _sorted_lines(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(lines, key=lambda ln: (_class_key(str(ln.get("class") or "")), str(ln.get("scenario"))))


def known_state(line: dict[str, Any]) -> str:
    """How a line's verdict stands against the client's known failures: "known" (the
    verdict its known-failures entry gives), "changed" (an entry that says otherwise, or a
    FAIL, ERROR or LENIENT without one: CI fails on it) or "ok" (PASS or SKIP, no entry)."""
    v = line.get("verdict")
    if "known" not in line:
        return "unmarked"   # a report from before known failures were recorded
    known = line.get("known") if isinstance(line.get("known"), dict) else None
    if known is not None:
        return "known" if known.get("verdict") == v else "changed"
    return "ok" if v in ("PASS", "SKIP") else "changed"


def known_summary(lines: list[dict[str, Any]]) -> str:
    """"all 6 FAILs known, 0 changed" over a report's lines."""
    parts = []
    for v in ("FAIL", "ERROR", "LENIENT"):
        got = [ln for ln in lines if ln.get("verdict") == v]
        if not got:
            continue
        k = sum(1 for ln in got if known_state(ln) == "known")
        word = f"{v}s" if len(got) != 1 else v
        parts.append(f"all {len(got)} {word} known" if k == len(got) else f"{k} of {len(got)} {word} known")
    changed = sum(1 for ln in lines if known_state(ln) == "changed")
    return (", ".join(parts) if parts else "no FAIL, ERROR or LENIENT") + f", {changed} changed"


def _is_faq(line: dict[str, Any]) -> bool:
    tags = line.get("tags")
    if isinstance(tags, list):
        return "faq" in tags
    return str(line.get("scenario", "")).startswith("faq.")


def _worst(verdicts: list[str]) -> str:
    return min(verdicts, key=lambda v: SEVERITY.index(v) if v in SEVERITY else -1)


_CTRL = re.compile("[\x00-\x1f\x7f]")


def _short(v: Any, limit: int = 80) -> str:
    s = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, default=_json_default)
    s = _CTRL.sub(lambda m: f"\\x{ord(m.group()):02x}", re.sub(r"[\t\n\r]+", " ", s))
    return s if len(s) <= limit else s[: limit - 1] + "…"


def diff_text(d: dict[str, Any], limit: int = 80) -> str:
    return (f"{d.get('level', '?')} {d.get('expectation', '?')}: expected "
            f"{_short(d.get('expected'), limit)}, got {_short(d.get('got'), limit)}")


def _client_keys(reports: list[Report]) -> list[str]:
    """Column keys: client names, made unique: a client with several reports is keyed by
    name and version ("python-sdk 3.1.53"), and a repeat of those gets ' #2'."""
    names = [rep.client for rep in reports]
    keys: list[str] = []
    for rep in reports:
        base = rep.client
        version = rep.client_info.get("version")
        if names.count(rep.client) > 1 and version:
            base = f"{rep.client} {version}"
        k, n = base, 1
        while k in keys:
            n += 1
            k = f"{base} #{n}"
        keys.append(k)
    return keys


def _faq_rows(reports: list[Report]) -> list[tuple[str, list[tuple[str, list[dict[str, Any]]]]]]:
    """[(code, [(verdict-or-"", faq lines for it) per report])] for the 38 codes and any other
    code of a faq-tagged scenario."""
    codes = list(FAQ_CODES)
    for rep in reports:
        for ln in rep.lines:
            if _is_faq(ln):
                for c in ln.get("codes") or []:
                    if c not in codes:
                        codes.append(c)
    rows = []
    for code in codes:
        cells = []
        for rep in reports:
            hits = [ln for ln in rep.lines if _is_faq(ln) and code in (ln.get("codes") or [])]
            cells.append((_worst([str(h.get("verdict")) for h in hits]) if hits else "", hits))
        rows.append((code, cells))
    return rows


def _fmt_ms(ms: Any) -> str:
    if not isinstance(ms, (int, float)):
        return "?"
    if ms < 1000:
        return f"{int(ms)} ms"
    if ms < 120_000:
        return f"{ms / 1000:.1f} s"
    m = int(ms // 60_000)
    return f"{m} min {int(ms % 60_000 // 1000)} s" if m < 120 else f"{m // 60} h {m % 60} min"


# --------------------------------------------------------------------------- junit.xml

_XML_BAD = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _x(s: Any) -> str:
    """Text safe for XML 1.0: characters XML cannot carry become \\xNN / \\uNNNN."""
    s = s if isinstance(s, str) else json.dumps(s, ensure_ascii=False, default=_json_default)
    return _XML_BAD.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                        else f"\\u{ord(m.group()):04x}", s)


def junit_tree(reports: list[Report]) -> ET.ElementTree:
    root = ET.Element("testsuites", name="tmtmock conformance")
    grand = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    grand_time = 0.0
    for key, rep in zip(_client_keys(reports), reports):
        t = rep.totals()
        unknown = [ln for ln in rep.lines if ln.get("verdict") not in VERDICTS]
        # A known FAIL or ERROR is reported as skipped (type "known"), so that a CI widget
        # is red exactly when the run fails: on a changed verdict.
        known = [ln for ln in rep.lines if ln.get("verdict") in ("FAIL", "ERROR") and known_state(ln) == "known"]
        # A changed PASS, SKIP or LENIENT (none of them red by itself) is a failure: the run
        # exits 1 on it, so the widget must say so.
        changed_ok = [ln for ln in rep.lines if ln.get("verdict") in ("PASS", "SKIP", "LENIENT")
                      and known_state(ln) == "changed"]
        counts = {"tests": len(rep.lines),
                  "failures": t["FAIL"] - sum(1 for ln in known if ln.get("verdict") == "FAIL") + len(changed_ok),
                  "errors": t["ERROR"] - sum(1 for ln in known if ln.get("verdict") == "ERROR")
                  + len(unknown) + (0 if rep.complete else 1),
                  "skipped": t["SKIP"] + len(known) - sum(1 for ln in changed_ok if ln.get("verdict") == "SKIP")}
        elapsed = (rep.footer or {}).get("elapsed_ms")
        if not isinstance(elapsed, (int, float)):
            elapsed = sum(int(ln.get("elapsed_ms") or 0) for ln in rep.lines)
        ts = ET.SubElement(root, "testsuite", name=_x(key),
                           tests=str(counts["tests"] + (0 if rep.complete else 1)),
                           failures=str(counts["failures"]), errors=str(counts["errors"]),
                           skipped=str(counts["skipped"]), time=f"{elapsed / 1000:.3f}")
        if rep.header.get("started_at"):
            ts.set("timestamp", _x(rep.header["started_at"]))
        props = ET.SubElement(ts, "properties")
        info = rep.client_info
        for name, value in (("client", rep.client), ("client.version", info.get("version")),
                            ("client.language", info.get("language")),
                            ("suite_version", rep.header.get("suite_version", SUITE_VERSION)),
                            ("mock_version", rep.header.get("mock_version")),
                            ("catalogue_hash", rep.header.get("catalogue_hash")),
                            ("complete", "true" if rep.complete else "false"),
                            ("known_failures", known_summary(rep.lines))):
            if value not in (None, ""):
                ET.SubElement(props, "property", name=name, value=_x(value))
        for ln in _sorted_lines(rep.lines):
            _testcase(ts, ln)
        if not rep.complete:
            tc = ET.SubElement(ts, "testcase", classname="report", name="report.complete", time="0")
            msg = (f"incomplete report: no footer line; {len(rep.lines)} scenario lines"
                   + (f" of {rep.expected_scenarios()}" if rep.expected_scenarios() is not None else ""))
            ET.SubElement(tc, "error", message=_x(msg), type="INCOMPLETE").text = _x(msg)
        for k in grand:
            grand[k] += int(ts.get(k) or 0)
        grand_time += elapsed / 1000
    for k, v in grand.items():
        root.set(k, str(v))
    root.set("time", f"{grand_time:.3f}")
    ET.indent(root, space="  ")
    return ET.ElementTree(root)


def _testcase(parent: ET.Element, ln: dict[str, Any]) -> None:
    v = ln.get("verdict")
    tc = ET.SubElement(parent, "testcase", classname=_x(ln.get("class") or "unknown"),
                       name=_x(ln.get("scenario") or "?"),
                       time=f"{(ln.get('elapsed_ms') or 0) / 1000:.3f}")
    diffs = [d for d in ln.get("differences") or [] if isinstance(d, dict)]
    long_diffs = "\n".join(diff_text(d, 2000) for d in diffs)
    out: list[str] = []
    state = known_state(ln)
    known = ln.get("known") if isinstance(ln.get("known"), dict) else {}
    if state == "known" and v in ("FAIL", "ERROR"):
        note = str(known.get("note") or "")
        ET.SubElement(tc, "skipped", type="known",
                      message=_x(_short(f"known {v}: {note}" if note else f"known {v}", 300)))
        out.append(f"known {v} (the client's known_failures.json):")
        out.extend("  " + diff_text(d, 2000) for d in diffs)
        if ln.get("error"):
            out.append("  " + str(ln.get("error")))
    elif state == "changed" and v in ("PASS", "SKIP", "LENIENT"):
        msg = f"verdict changed: {v}, known {known.get('verdict')}"
        ET.SubElement(tc, "failure", message=_x(msg), type="CHANGED").text = _x(
            msg + ("\n" + long_diffs if long_diffs else "") + "\n(update known_failures.json: python -m suite baseline)")
    elif v == "FAIL":
        must = [d for d in diffs if d.get("level") == "MUST"] or diffs
        msg = "; ".join(diff_text(d, 120) for d in must) or "FAIL"
        ET.SubElement(tc, "failure", message=_x(msg), type="FAIL").text = _x(long_diffs or msg)
    elif v == "SKIP":
        ET.SubElement(tc, "skipped", message=_x(ln.get("skip_reason") or "skipped"))
    elif v == "LENIENT":
        out.append("LENIENT (passes, with SHOULD differences):")
        out.extend("  " + diff_text(d, 2000) for d in diffs)
    elif v != "PASS":  # ERROR, or a verdict word this reader does not know
        msg = str(ln.get("error") or (f"unknown verdict {v!r}" if v != "ERROR" else "ERROR"))
        body = [msg]
        res = ln.get("result")
        if isinstance(res, dict):
            err = res.get("errored") if isinstance(res.get("errored"), dict) else None
            if err and err.get("traceback"):
                body.append(str(err["traceback"]))
        if long_diffs:
            body.append(long_diffs)
        ET.SubElement(tc, "error", message=_x(_short(msg, 300)), type=_x(v or "ERROR")).text = _x("\n".join(body))
    notes = [str(n) for n in ln.get("notes") or []]
    if notes:
        out.append("notes: " + "; ".join(notes))
    if out:
        ET.SubElement(tc, "system-out").text = _x("\n".join(out))


def write_junit(reports: list[Report], path: str | Path) -> Path:
    path = Path(path)
    junit_tree(reports).write(path, encoding="utf-8", xml_declaration=True)
    return path


# --------------------------------------------------------------------------- summary.md


def _md(s: Any, limit: int = 200) -> str:
    """Plain text for a Markdown table cell: one line, no HTML, no table breaks."""
    s = _short(s, limit)
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = re.sub(r"([\\`*_\[\]|])", r"\\\1", s)
    return s


def _md_code(s: Any, limit: int = 60) -> str:
    s = _short(s, limit)
    if "``" in s:
        return _md(s, limit)
    s = s.replace("|", "\\|")
    return f"`` {s} ``" if "`" in s else f"`{s}`"


def _md_diff(d: dict[str, Any]) -> str:
    return (f"{_md(d.get('level', '?'))} {_md(d.get('expectation', '?'))}: "
            f"expected {_md_code(d.get('expected'), 50)}, got {_md_code(d.get('got'), 50)}")


def _md_details(ln: dict[str, Any]) -> str:
    v = ln.get("verdict")
    diffs = [d for d in ln.get("differences") or [] if isinstance(d, dict)]
    if v == "SKIP":
        return _md(ln.get("skip_reason") or "skipped")
    parts = []
    if v not in ("FAIL", "LENIENT", "PASS") and ln.get("error"):
        parts.append(_md(ln.get("error"), 160))
    shown = diffs[:3]
    parts.extend(_md_diff(d) for d in shown)
    if len(diffs) > len(shown):
        parts.append(f"… {len(diffs) - len(shown)} more")
    return " · ".join(parts) or "—"


def _totals_line(t: dict[str, int]) -> str:
    return " · ".join(f"{ICONS[v]} {t[v]} {v}" for v in VERDICTS)


def _client_title(rep: Report) -> str:
    info = rep.client_info
    extra = ", ".join(str(x) for x in (info.get("version"), info.get("language")) if x)
    return f"`{rep.client}`" + (f" {_md(extra)}" if extra else "")


def summary_markdown(reports: list[Report]) -> str:
    keys = _client_keys(reports)
    many = len(reports) > 1
    out: list[str] = []
    h = "###" if many else "##"
    if many:
        out.append(f"## tmtmock conformance: {len(reports)} clients\n")
        out.append("| client | " + " | ".join(f"{ICONS[v]} {v}" for v in VERDICTS) + " | report |")
        out.append("|---|" + "---:|" * len(VERDICTS) + "---|")
        for key, rep in zip(keys, reports):
            t = rep.totals()
            state = "complete" if rep.complete else "⚠️ **incomplete**"
            out.append(f"| {_md_code(key)} | " + " | ".join(str(t[v]) for v in VERDICTS) + f" | {state} |")
        out.append("")
    for key, rep in zip(keys, reports):
        out.extend(_summary_client(key, rep, h, many))
    out.extend(_summary_faq(keys, reports))
    return "\n".join(out).rstrip() + "\n"


def _summary_client(key: str, rep: Report, h: str, many: bool) -> list[str]:
    out: list[str] = []
    t = rep.totals()
    title = f"{h} {'' if many else 'tmtmock conformance: '}{_client_title(rep)}"
    out.append(title + ("" if key == rep.client else f" ({_md(key)})") + "\n")
    meta = []
    hd = rep.header
    if hd.get("mock_version"):
        meta.append(f"mock {_md(hd['mock_version'])}")
    if hd.get("catalogue_hash"):
        meta.append(f"catalogue `{_md(str(hd['catalogue_hash'])[:12])}`")
    meta.append(f"suite {_md(hd.get('suite_version', SUITE_VERSION))}")
    run = f"{len(rep.lines)} scenarios"
    if rep.complete and isinstance(rep.footer, dict) and rep.footer.get("elapsed_ms") is not None:
        run += f" in {_fmt_ms(rep.footer.get('elapsed_ms'))}"
    meta.append(run)
    out.append(" · ".join(meta) + "\n")
    out.append(f"**{_totals_line(t)}**\n")
    calls = rep.client_info.get("calls")
    if isinstance(calls, dict) and calls:
        by: dict[str, list[str]] = {}
        for action, how in calls.items():
            by.setdefault(str(how), []).append(str(action))
        out.append("How it calls each action: " + "; ".join(
            f"{_md(how)}: {', '.join(_md_code(a) for a in acts)}" for how, acts in by.items()) + "\n")
    out.append(f"Known failures: **{_md(known_summary(rep.lines))}**\n")
    if not rep.complete:
        exp = rep.expected_scenarios()
        out.append("> [!WARNING]")
        out.append(f"> **Incomplete report**: {_md_code(rep.path.name if rep.path else REPORT_JSONL)} has no "
                   f"footer (the run stopped early); {len(rep.lines)}"
                   + (f" of {exp}" if exp is not None else "") + " scenario lines recorded.\n")
    if rep.problems:
        out.append("> " + "; ".join(_md(p, 160) for p in rep.problems[:5])
                   + (f"; … {len(rep.problems) - 5} more" if len(rep.problems) > 5 else "") + "\n")
    by_class: dict[str, list[dict[str, Any]]] = {}
    for ln in _sorted_lines(rep.lines):
        by_class.setdefault(str(ln.get("class") or "unknown"), []).append(ln)
    if not by_class:
        out.append("_No scenario lines._\n")
        return out
    out.append("| class | " + " | ".join(VERDICTS) + " |")
    out.append("|---|" + "---:|" * len(VERDICTS))
    for cls, lines in by_class.items():
        ct = count_verdicts(lines)
        out.append(f"| {_md(cls)} | " + " | ".join(str(ct[v]) if ct[v] else "·" for v in VERDICTS) + " |")
    out.append("")
    for cls, lines in by_class.items():
        bad = [ln for ln in lines if ln.get("verdict") != "PASS"]
        if not bad:
            continue
        # Failing rows first: changed verdicts, then by severity.
        bad.sort(key=lambda ln: (0 if known_state(ln) == "changed" else 1,
                                 SEVERITY.index(ln["verdict"]) if ln.get("verdict") in SEVERITY else -1,
                                 str(ln.get("scenario"))))
        out.append(f"{h}# {_md(CLASS_TITLES.get(cls, cls))} (`{_md(cls)}`): {len(bad)} not PASS\n")
        out.append("| scenario | verdict | details |")
        out.append("|---|---|---|")
        skips: dict[str, list[str]] = {}
        for ln in bad:
            if ln.get("verdict") == "SKIP":
                skips.setdefault(str(ln.get("skip_reason") or "skipped"), []).append(str(ln.get("scenario")))
        for ln in bad:
            v = str(ln.get("verdict"))
            if v == "SKIP":
                reason = str(ln.get("skip_reason") or "skipped")
                ids = skips.get(reason)
                if ids is None:
                    continue
                if len(ids) > 3:  # one row for many skips of one reason
                    del skips[reason]
                    shown = ", ".join(_md_code(i, 50) for i in ids[:3])
                    out.append(f"| {len(ids)} scenarios: {shown}, … | {ICONS['SKIP']} SKIP | {_md(reason)} |")
                    continue
            mark = {"known": " (known)", "changed": " **(changed)**"}.get(known_state(ln), "")
            details = _md_details(ln)
            known = ln.get("known") if isinstance(ln.get("known"), dict) else {}
            if known_state(ln) == "known" and known.get("note"):
                details = f"known: {_md(known['note'], 240)} · {details}"
            out.append(f"| {_md_code(ln.get('scenario'), 70)} | {ICONS.get(v, '')} {_md(v)}{mark} | {details} |")
        out.append("")
    return out


def _summary_faq(keys: list[str], reports: list[Report]) -> list[str]:
    rows = _faq_rows(reports)
    if not any(cell[0] for _, cells in rows for cell in cells):
        return ["_No FAQ scenarios (tag `faq`) in this report._\n"]
    covered = []
    for i, key in enumerate(keys):
        t = count_verdicts({"verdict": cells[i][0]} for _, cells in rows)
        ran = sum(t.values())
        part = ", ".join(f"{t[v]} {v}" for v in VERDICTS if t[v])
        covered.append(f"{key}: {part or 'none run'}" + (f" ({len(rows) - ran} not run)" if ran < len(rows) else ""))
    out = [f"<details><summary><b>FAQ codes ({len(rows)})</b>: {html.escape('; '.join(covered))}</summary>\n"]
    out.append("| code | " + " | ".join(_md_code(k) for k in keys) + " |")
    out.append("|---|" + "---|" * len(keys))
    for code, cells in rows:
        parts = []
        for verdict, hits in cells:
            if not verdict:
                parts.append("—")
                continue
            s = f"{ICONS.get(verdict, '')} {verdict}"
            if len(hits) > 1:
                same = sum(1 for x in hits if x.get("verdict") == verdict)
                s += f" ({same}/{len(hits)})"
            parts.append(s)
        out.append(f"| {_md_code(code)} | " + " | ".join(parts) + " |")
    out.append("\n</details>\n")
    return out


def write_summary(reports: list[Report], path: str | Path) -> Path:
    path = Path(path)
    with open(path, "w", encoding="utf-8", errors="backslashreplace", newline="\n") as f:
        f.write(summary_markdown(reports))
    return path


# --------------------------------------------------------------------------- matrix.html


def _e(s: Any) -> str:
    return html.escape(s if isinstance(s, str) else str(s), quote=True)


def _embed_json(data: Any) -> str:
    """JSON safe inside <script type="application/json">: no '<' (so no '</script' or
    '<!--'), no '>' or '&', ASCII only."""
    s = json.dumps(data, ensure_ascii=True, default=_json_default, separators=(",", ":"))
    return s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def matrix_html(reports: list[Report]) -> str:
    keys = _client_keys(reports)
    # Scenario rows: the union over reports, metadata from the first report that has it.
    scen: dict[str, dict[str, Any]] = {}
    cells: dict[str, dict[str, dict[str, Any]]] = {}
    for key, rep in zip(keys, reports):
        cells[key] = {}
        for ln in rep.lines:
            sid = str(ln.get("scenario"))
            cells[key][sid] = ln
            if sid not in scen:
                scen[sid] = {"id": sid, "title": ln.get("title") or "", "class": str(ln.get("class") or "unknown"),
                             "codes": ln.get("codes") or [], "tags": ln.get("tags") or []}
    complete = {key: rep.complete for key, rep in zip(keys, reports)}
    order = sorted(scen.values(), key=lambda s: (_class_key(s["class"]), s["id"]))
    groups: dict[str, list[dict[str, Any]]] = {}
    for s in order:
        groups.setdefault(s["class"], []).append(s)

    clients = []
    for key, rep in zip(keys, reports):
        info = rep.client_info
        clients.append({
            "key": key, "name": rep.client, "version": info.get("version") or "",
            "language": info.get("language") or "", "capabilities": info.get("capabilities") or [],
            "path": str(rep.path) if rep.path else "", "complete": rep.complete,
            "expected": rep.expected_scenarios(), "lines": len(rep.lines), "problems": rep.problems,
            "header": rep.header, "footer": rep.footer, "totals": rep.totals(),
        })
    data = {"generated_at": _now_iso(), "suite_version": SUITE_VERSION, "verdicts": VERDICTS,
            "clients": clients, "cells": cells}

    p: list[str] = []
    w = p.append
    w("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
    w("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
    w("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n")
    names = ", ".join(keys)
    w(f"<title>tmtmock conformance matrix: {_e(names)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n")
    w("<header class=\"top\">\n<h1>tmtmock conformance matrix</h1>\n")
    hd0 = reports[0].header if reports else {}
    meta = [f"{len(order)} scenarios", f"{len(reports)} client{'s' if len(reports) != 1 else ''}"]
    if hd0.get("mock_version"):
        meta.append(f"mock {hd0['mock_version']}")
    if hd0.get("catalogue_hash"):
        meta.append(f"catalogue {str(hd0['catalogue_hash'])[:12]}")
    meta.append(f"suite {hd0.get('suite_version', SUITE_VERSION)}")
    meta.append(f"generated {data['generated_at']}")
    w(f"<p class=\"meta\">{_e(' · '.join(meta))}</p>\n")
    w("<div class=\"legend\">" + "".join(
        f"<span class=\"pill v-{v}\" title=\"{_e(_LEGEND[v])}\">{v}</span>" for v in VERDICTS) + "</div>\n")
    w("</header>\n")
    for key, rep in zip(keys, reports):
        if not rep.complete:
            exp = rep.expected_scenarios()
            w(f"<div class=\"banner incomplete\" data-client=\"{_e(key)}\" role=\"alert\"><b>Incomplete report:</b> "
              f"{_e(key)} ({_e(rep.path or REPORT_JSONL)}) has no footer line — the run stopped early; "
              f"{len(rep.lines)}{f' of {exp}' if exp is not None else ''} scenario lines recorded.</div>\n")
        if rep.problems:
            w(f"<div class=\"banner problems\" data-client=\"{_e(key)}\"><b>{_e(key)}:</b> "
              + _e("; ".join(rep.problems[:8])
                   + (f"; … {len(rep.problems) - 8} more" if len(rep.problems) > 8 else ""))
              + "</div>\n")
    w("<div id=\"toolbar\" hidden>"
      "<input id=\"search\" type=\"search\" placeholder=\"Filter scenarios, codes, titles…\" aria-label=\"filter\">"
      "<span class=\"filters\">Rows with: " + "".join(
          f"<label class=\"pill v-{v}\"><input type=\"checkbox\" data-filter=\"{v}\" checked>{v}</label>"
          for v in VERDICTS) +
      "</span><label class=\"plain\"><input type=\"checkbox\" id=\"differ\"> clients disagree</label>"
      "<span id=\"shown\"></span></div>\n")
    w("<main>\n<div class=\"wrap\">\n<table id=\"matrix\">\n<thead>\n<tr><th class=\"corner\">Scenario</th>")
    for key, rep, c in zip(keys, reports, clients):
        t = c["totals"]
        sub = " · ".join(x for x in (c["version"], c["language"]) if x)
        w(f"<th class=\"client{'' if rep.complete else ' is-incomplete'}\" data-client=\"{_e(key)}\" "
          f"title=\"{_e(c['path'])}\"><div class=\"cname\">{_e(key)}</div>")
        w(f"<div class=\"csub\">{_e(sub) or '&nbsp;'}</div>")
        if not rep.complete:
            w("<div class=\"badge-incomplete\">incomplete</div>")
        w("<div class=\"counts\">" + "".join(
            f"<span class=\"count v-{v}{' zero' if not t[v] else ''}\" data-client=\"{_e(key)}\" "
            f"data-verdict=\"{v}\" title=\"{t[v]} {v}\">{t[v]}</span>" for v in VERDICTS) + "</div>")
        w(_bar(t))
        w(f"<div class=\"known-line\">{_e(known_summary(rep.lines))}</div>")
        w("</th>")
    w("</tr>\n</thead>\n")
    for cls, rows in groups.items():
        w(f"<tbody class=\"group\" data-class=\"{_e(cls)}\">\n")
        w(f"<tr class=\"class-header\"><th scope=\"rowgroup\" class=\"classname\" id=\"class-{_e(cls)}\">"
          f"{_e(CLASS_TITLES.get(cls, cls))} <code>{_e(cls)}</code> <span class=\"n\">{len(rows)}</span></th>")
        for key in keys:
            ct = count_verdicts(cells[key][s["id"]] for s in rows if s["id"] in cells[key])
            w(f"<td class=\"classbar\" data-client=\"{_e(key)}\">{_bar(ct)}</td>")
        w("</tr>\n")
        for s in rows:
            search = " ".join([s["id"], s["title"], *map(str, s["codes"]), *map(str, s["tags"])]).lower()
            w(f"<tr class=\"row\" data-scenario=\"{_e(s['id'])}\" data-search=\"{_e(search)}\">"
              f"<th scope=\"row\" class=\"scenario\"><code>{_e(s['id'])}</code>"
              f"<div class=\"stitle\">{_e(s['title'])}</div></th>")
            for key in keys:
                ln = cells[key].get(s["id"])
                if ln is None:
                    if complete[key]:
                        w(f"<td class=\"missing\" data-client=\"{_e(key)}\" data-scenario=\"{_e(s['id'])}\" "
                          "title=\"not in this report\">—</td>")
                    else:
                        w(f"<td class=\"missing not-reached\" data-client=\"{_e(key)}\" "
                          f"data-scenario=\"{_e(s['id'])}\" title=\"not reached: the report is incomplete\">"
                          "not reached</td>")
                    continue
                v = str(ln.get("verdict"))
                state = known_state(ln)
                # A known verdict says so in the cell; a changed one is outlined (class k-changed).
                tag = ("<span class=\"kn\" title=\"in the client's known failures\">known</span>"
                       if state == "known" and v != "PASS" else "")
                w(f"<td class=\"cell v-{_e(v)} k-{state}\" data-verdict=\"{_e(v)}\" data-known=\"{state}\" "
                  f"data-client=\"{_e(key)}\" data-scenario=\"{_e(s['id'])}\" tabindex=\"0\">"
                  f"<span class=\"vw\">{_e(v)}</span>{tag}</td>")
            w("</tr>\n")
        w("</tbody>\n")
    if not order:
        w(f"<tbody><tr><td colspan=\"{len(keys) + 1}\" class=\"empty\">No scenario lines.</td></tr></tbody>\n")
    w("</table>\n</div>\n")
    w(_faq_html(keys, reports))
    w("</main>\n")
    w("<aside id=\"panel\" hidden aria-live=\"polite\"><button id=\"close\" type=\"button\" "
      "aria-label=\"close\">×</button><div id=\"panel-body\"></div></aside>\n")
    w("<noscript><p class=\"meta\">Details on click need JavaScript; the data is in the "
      "matrix-data script element.</p></noscript>\n")
    w(f"<script type=\"application/json\" id=\"matrix-data\">{_embed_json(data)}</script>\n")
    w(f"<script>{_JS}</script>\n</body>\n</html>\n")
    return "".join(p)


def _bar(t: dict[str, int]) -> str:
    n = sum(t.values())
    if not n:
        return "<div class=\"bar empty\"></div>"
    segs = "".join(f"<span class=\"v-{v}\" style=\"flex:{t[v]}\" title=\"{t[v]} {v}\"></span>"
                   for v in VERDICTS if t[v])
    return f"<div class=\"bar\">{segs}</div>"


def _faq_html(keys: list[str], reports: list[Report]) -> str:
    rows = _faq_rows(reports)
    if not any(cell[0] for _, cells in rows for cell in cells):
        return ""
    p = ["<section class=\"faq\"><h2>The 38 FAQ codes</h2><p class=\"meta\">The worst verdict of the "
         "scenarios tagged <code>faq</code> for each code; click for its details.</p>"
         "<table id=\"faq\"><thead><tr><th>code</th>"]
    p.extend(f"<th data-client=\"{_e(k)}\">{_e(k)}</th>" for k in keys)
    p.append("</tr></thead><tbody>")
    for code, cells in rows:
        p.append(f"<tr data-code=\"{_e(code)}\"><th scope=\"row\"><code>{_e(code)}</code></th>")
        for key, (verdict, hits) in zip(keys, cells):
            if not verdict:
                p.append(f"<td class=\"missing\" data-client=\"{_e(key)}\">—</td>")
                continue
            worst = next(h for h in hits if h.get("verdict") == verdict)
            extra = f" <small>{sum(1 for h in hits if h.get('verdict') == verdict)}/{len(hits)}</small>" \
                if len(hits) > 1 else ""
            p.append(f"<td class=\"faqcell v-{_e(verdict)}\" data-verdict=\"{_e(verdict)}\" "
                     f"data-client=\"{_e(key)}\" data-scenario=\"{_e(worst.get('scenario'))}\" tabindex=\"0\">"
                     f"{_e(verdict)}{extra}</td>")
        p.append("</tr>")
    p.append("</tbody></table></section>\n")
    return "".join(p)


def write_matrix(reports: list[Report], path: str | Path) -> Path:
    path = Path(path)
    with open(path, "w", encoding="utf-8", errors="backslashreplace", newline="\n") as f:
        f.write(matrix_html(reports))
    return path


_LEGEND = {
    "PASS": "every MUST and SHOULD met",
    "LENIENT": "works, but misses a SHOULD",
    "FAIL": "misses a MUST",
    "SKIP": "the client lacks a capability or skipped",
    "ERROR": "the adapter crashed, hung, broke protocol or let an exception out",
}

_CSS = r"""
:root{--pass:#2e9e55;--pass-bg:#d5f2dd;--pass-fg:#145c2e;--lenient:#d99a06;--lenient-bg:#fff0c2;--lenient-fg:#7a5200;
--fail:#d1363a;--fail-bg:#ffd9d9;--fail-fg:#8c1116;--skip:#9aa3ad;--skip-bg:#eceff2;--skip-fg:#4a535c;
--error:#8a4fd8;--error-bg:#ecdfff;--error-fg:#4f1f96;--line:#d8dee4;--muted:#59636e;--head:#f6f8fa}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:#1f2328;background:#fff}
code,pre{font-family:ui-monospace,SFMono-Regular,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:12px}
header.top{padding:16px 24px 8px}
h1{font-size:20px;margin:0 0 2px}
h2{font-size:16px;margin:24px 0 4px}
.meta{color:var(--muted);margin:0 0 8px;font-size:12.5px}
.legend{display:flex;gap:6px;flex-wrap:wrap}
.pill{display:inline-flex;align-items:center;gap:4px;padding:1px 9px;border-radius:999px;font-size:11.5px;font-weight:600;letter-spacing:.02em}
.v-PASS{background:var(--pass-bg);color:var(--pass-fg)}
.v-LENIENT{background:var(--lenient-bg);color:var(--lenient-fg)}
.v-FAIL{background:var(--fail-bg);color:var(--fail-fg)}
.v-SKIP{background:var(--skip-bg);color:var(--skip-fg)}
.v-ERROR{background:var(--error-bg);color:var(--error-fg)}
.kn{display:block;font-size:10px;font-weight:600;opacity:.8;letter-spacing:.03em}
td.k-changed{outline:2px solid #b00;outline-offset:-3px}
.known-line{font-size:10.5px;color:var(--muted);margin-top:2px}
.banner{margin:6px 24px;padding:8px 12px;border-radius:6px;font-size:13px}
.banner.incomplete{background:#fff4d6;border:1px solid #e3b341;color:#5c3d00}
.banner.incomplete::before{content:"⚠ ";font-weight:700}
.banner.problems{background:var(--head);border:1px solid var(--line);color:var(--muted)}
#toolbar{display:flex;flex-wrap:wrap;gap:10px;align-items:center;padding:8px 24px;position:sticky;left:0}
#toolbar[hidden]{display:none}
#search{width:260px;padding:5px 9px;border:1px solid var(--line);border-radius:6px;font:inherit}
.filters{display:inline-flex;gap:4px;align-items:center;color:var(--muted);font-size:12.5px}
.filters .pill{cursor:pointer;user-select:none}
.filters .pill:has(input:not(:checked)){opacity:.35}
.filters input{display:none}
label.plain{font-size:12.5px;color:var(--muted);cursor:pointer}
#shown{color:var(--muted);font-size:12px}
main{padding:0 24px 40px}
.wrap{overflow:auto;max-height:calc(100vh - 40px);border:1px solid var(--line);border-radius:8px;width:fit-content;max-width:100%}
table#matrix{border-collapse:separate;border-spacing:0;width:max-content}
#matrix th,#matrix td{border-bottom:1px solid var(--line);padding:0}
#matrix thead th{position:sticky;top:0;z-index:3;background:var(--head);border-bottom:2px solid var(--line);vertical-align:bottom;padding:10px 12px}
#matrix thead th.corner{left:0;z-index:4;text-align:left;color:var(--muted);font-weight:600;font-size:12px;text-transform:uppercase;letter-spacing:.04em}
th.client{min-width:128px;text-align:center;border-left:1px solid var(--line)}
th.client.is-incomplete{background:repeating-linear-gradient(135deg,#fff8e1 0 8px,#fff1c9 8px 16px)}
.cname{font-weight:700;font-size:14px}
.csub{color:var(--muted);font-size:11.5px;font-weight:400}
.badge-incomplete{display:inline-block;margin-top:3px;padding:0 7px;border-radius:999px;background:#e3b341;color:#3d2a00;font-size:10.5px;font-weight:700;text-transform:uppercase;letter-spacing:.05em}
.counts{display:flex;gap:3px;justify-content:center;margin:6px 0 5px}
.count{min-width:26px;padding:0 5px;border-radius:4px;font-size:11.5px;font-weight:700;font-variant-numeric:tabular-nums}
.count.zero{opacity:.35}
.bar{display:flex;height:6px;border-radius:3px;overflow:hidden;background:var(--skip-bg)}
.bar span.v-PASS{background:var(--pass)}.bar span.v-LENIENT{background:var(--lenient)}.bar span.v-FAIL{background:var(--fail)}
.bar span.v-SKIP{background:var(--skip)}.bar span.v-ERROR{background:var(--error)}
tr.class-header th,tr.class-header td{background:#eef1f5;padding:7px 12px;border-bottom:1px solid var(--line)}
tr.class-header th{position:sticky;left:0;z-index:2;text-align:left;font-size:13px}
tr.class-header code{color:var(--muted);font-weight:400;margin-left:4px}
tr.class-header .n{display:inline-block;margin-left:6px;padding:0 6px;border-radius:999px;background:#d8dee4;font-size:11px;color:#424a53}
td.classbar{border-left:1px solid var(--line)}
td.classbar .bar{height:8px}
th.scenario{position:sticky;left:0;z-index:1;background:#fff;text-align:left;font-weight:400;padding:5px 12px;max-width:440px;border-right:1px solid var(--line)}
th.scenario code{font-size:12px;color:#1f2328}
.stitle{color:var(--muted);font-size:11.5px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;max-width:420px}
tr.row:hover th.scenario{background:#f6f8fa}
td.cell,td.missing{text-align:center;border-left:1px solid #fff;font-size:11.5px;font-weight:700;letter-spacing:.03em;padding:4px 8px;white-space:nowrap}
td.cell{cursor:pointer;transition:filter .1s}
td.cell:hover,td.faqcell:hover{filter:brightness(.94) saturate(1.3)}
td.cell:focus,td.faqcell:focus{outline:2px solid #0969da;outline-offset:-2px}
td.cell.selected,td.faqcell.selected{outline:3px solid #0969da;outline-offset:-3px}
td.missing{color:#afb8c1;background:#fafbfc;font-weight:400}
td.missing.not-reached{background:repeating-linear-gradient(135deg,#fbfbfc 0 6px,#f1f3f5 6px 12px);color:#8c959f;font-size:10.5px}
.meta-cell{display:block;font-weight:500;font-size:10.5px;opacity:.8;letter-spacing:0}
tr.row.hidden,tbody.group.hidden{display:none}
td.empty{padding:20px;text-align:center;color:var(--muted)}
section.faq table{border-collapse:collapse;margin-top:6px}
section.faq th,section.faq td{border:1px solid var(--line);padding:3px 10px;font-size:12px;text-align:left}
section.faq thead th{background:var(--head)}
section.faq td{font-weight:700;font-size:11.5px;text-align:center}
td.faqcell{cursor:pointer}
td.faqcell small{font-weight:400;opacity:.8}
#panel{position:fixed;top:0;right:0;bottom:0;width:min(680px,58vw);background:#fff;border-left:1px solid var(--line);box-shadow:-8px 0 24px rgba(31,35,40,.12);overflow:auto;padding:18px 22px 40px;z-index:10}
#panel[hidden]{display:none}
#close{position:absolute;top:10px;right:12px;border:0;background:none;font-size:24px;line-height:1;cursor:pointer;color:var(--muted)}
#panel h2{margin:0 30px 2px 0;font-size:15px;word-break:break-all}
#panel h3{font-size:13px;margin:16px 0 6px;color:#424a53;text-transform:uppercase;letter-spacing:.04em}
#panel .ptitle{color:var(--muted);margin:2px 0 10px}
#panel dl{display:grid;grid-template-columns:max-content 1fr;gap:3px 14px;margin:0;font-size:13px}
#panel dt{color:var(--muted)}#panel dd{margin:0;word-break:break-word}
#panel table.diffs{border-collapse:collapse;width:100%;font-size:12.5px}
#panel table.diffs th,#panel table.diffs td{border:1px solid var(--line);padding:4px 6px;vertical-align:top;text-align:left}
#panel table.diffs th{background:var(--head)}
#panel table.diffs pre{margin:0;white-space:pre-wrap;word-break:break-all;max-height:180px;overflow:auto}
#panel tr.lvl-MUST td:first-child{box-shadow:inset 3px 0 var(--fail)}
#panel tr.lvl-SHOULD td:first-child{box-shadow:inset 3px 0 var(--lenient)}
#panel tr.lvl-MAY td:first-child{box-shadow:inset 3px 0 var(--skip)}
#panel pre.json{background:#f6f8fa;border:1px solid var(--line);border-radius:6px;padding:8px 10px;overflow:auto;max-height:420px;white-space:pre-wrap;word-break:break-all;margin:4px 0}
#panel details{margin:4px 0}#panel summary{cursor:pointer;font-size:12.5px}
#panel ul{margin:4px 0;padding-left:20px}
#panel .others{display:flex;flex-wrap:wrap;gap:4px}
#panel .others a{text-decoration:none;cursor:pointer}
#panel .none{color:var(--muted);font-style:italic}
"""

_JS = r"""
(function(){
"use strict";
var data = JSON.parse(document.getElementById("matrix-data").textContent);
var byKey = {};
data.clients.forEach(function(c){ byKey[c.key] = c; });
function el(tag, attrs, kids){
  var e = document.createElement(tag);
  if (attrs) Object.keys(attrs).forEach(function(k){
    if (k === "text") e.textContent = attrs[k]; else e.setAttribute(k, attrs[k]);
  });
  (kids || []).forEach(function(k){ if (k != null) e.appendChild(typeof k === "string" ? document.createTextNode(k) : k); });
  return e;
}
function js(v){ return typeof v === "string" ? v : JSON.stringify(v, null, 2); }
function short(v, n){ var s = typeof v === "string" ? v : JSON.stringify(v); s = s === undefined ? "undefined" : s;
  return s.length > n ? s.slice(0, n - 1) + "\u2026" : s; }
function line(client, sid){ var c = data.cells[client]; return c ? c[sid] : undefined; }
function cellSel(client, sid){
  var list = document.querySelectorAll("td.cell");
  for (var i = 0; i < list.length; i++)
    if (list[i].dataset.client === client && list[i].dataset.scenario === sid) return list[i];
  return null;
}

// Annotate every cell from the embedded data: attempts and differences, and a tooltip.
var cells = document.querySelectorAll("td.cell");
cells.forEach(function(td){
  var ln = line(td.dataset.client, td.dataset.scenario);
  if (!ln) return;
  var diffs = ln.differences || [];
  var bits = [];
  if (ln.verdict === "SKIP") bits.push("skip");
  else if (ln.verdict === "ERROR") bits.push("error");
  else bits.push((ln.attempts || 0) + "\u00d7");
  if (diffs.length) bits.push(diffs.length + " diff" + (diffs.length > 1 ? "s" : ""));
  td.appendChild(el("span", {"class": "meta-cell", text: bits.join(" \u00b7 ")}));
  var tip = [ln.verdict + " \u2014 " + td.dataset.client + " \u2014 " + ln.scenario];
  if (ln.skip_reason) tip.push("skipped: " + ln.skip_reason);
  if (ln.error) tip.push("error: " + short(ln.error, 160));
  if (ln.known && ln.known.note) tip.push("known: " + short(ln.known.note, 160));
  diffs.slice(0, 4).forEach(function(d){
    tip.push(d.level + " " + d.expectation + ": expected " + short(d.expected, 60) + ", got " + short(d.got, 60));
  });
  td.title = tip.join("\n");
});

// The details panel.
var panel = document.getElementById("panel"), body = document.getElementById("panel-body");
var selected = null;
function pre(v){ return el("pre", {"class": "json", text: js(v)}); }
function show(client, sid, fromHash){
  var ln = line(client, sid);
  if (!ln) return;
  if (selected) selected.classList.remove("selected");
  selected = cellSel(client, sid);
  if (selected) { selected.classList.add("selected"); if (!fromHash) selected.focus({preventScroll: true}); }
  body.textContent = "";
  var c = byKey[client] || {};
  body.appendChild(el("div", {}, [el("span", {"class": "pill v-" + ln.verdict, id: "panel-verdict", text: ln.verdict}), " ",
    el("span", {"class": "meta", text: client + (c.version ? " " + c.version : "")})]));
  body.appendChild(el("h2", {id: "panel-scenario", text: ln.scenario}));
  if (ln.title) body.appendChild(el("p", {"class": "ptitle", text: ln.title}));
  var dl = el("dl");
  function row(k, v){ if (v === null || v === undefined || v === "" || (Array.isArray(v) && !v.length)) return;
    dl.appendChild(el("dt", {text: k})); dl.appendChild(el("dd", {text: Array.isArray(v) ? v.join(", ") : String(v)})); }
  row("class", ln["class"]); row("codes", ln.codes); row("tags", ln.tags);
  row("attempts", ln.attempts); row("elapsed", ln.elapsed_ms != null ? ln.elapsed_ms + " ms" : null);
  row("skip reason", ln.skip_reason); row("error", ln.error);
  if (ln.known) row("known failure", (ln.known.verdict === ln.verdict ? "known " : "CHANGED: known as ") +
    ln.known.verdict + (ln.known.note ? " \u2014 " + ln.known.note : ""));
  else if (ln.known === null && ln.verdict !== "PASS" && ln.verdict !== "SKIP") row("known failure", "CHANGED: not in the known failures");
  body.appendChild(dl);
  var others = data.clients.filter(function(o){ return o.key !== client && line(o.key, sid); });
  if (others.length) {
    var box = el("div", {"class": "others"});
    others.forEach(function(o){ var v = line(o.key, sid).verdict;
      var a = el("a", {"class": "pill v-" + v, href: "#cell=" + encodeURIComponent(o.key) + "/" + encodeURIComponent(sid),
        text: o.key + ": " + v}); box.appendChild(a); });
    body.appendChild(el("h3", {text: "Other clients"})); body.appendChild(box);
  }
  body.appendChild(el("h3", {text: "Differences (" + (ln.differences || []).length + ")"}));
  if ((ln.differences || []).length) {
    var t = el("table", {"class": "diffs", id: "panel-diffs"},
      [el("thead", {}, [el("tr", {}, [el("th", {text: "expectation"}), el("th", {text: "level"}),
        el("th", {text: "expected"}), el("th", {text: "got"})])])]);
    var tb = el("tbody");
    ln.differences.forEach(function(d){
      tb.appendChild(el("tr", {"class": "lvl-" + d.level}, [el("td", {}, [el("code", {text: d.expectation})]),
        el("td", {text: d.level}), el("td", {}, [el("pre", {text: js(d.expected)})]),
        el("td", {}, [el("pre", {text: js(d.got)})])]));
    });
    t.appendChild(tb); body.appendChild(t);
  } else body.appendChild(el("p", {"class": "none", text: "none"}));
  if ((ln.notes || []).length) {
    body.appendChild(el("h3", {text: "Notes"}));
    body.appendChild(el("ul", {}, ln.notes.map(function(n){ return el("li", {text: String(n)}); })));
  }
  body.appendChild(el("h3", {text: "Adapter answer"}));
  body.appendChild(ln.result == null ? el("p", {"class": "none", text: "none"}) : pre(ln.result));
  var j = ln.journal || [];
  body.appendChild(el("h3", {text: "Journal (" + j.length + " entr" + (j.length === 1 ? "y" : "ies") + ")"}));
  if (!j.length) body.appendChild(el("p", {"class": "none", text: "no requests reached the mock"}));
  j.forEach(function(e, i){
    var bits = ["#" + (i + 1)], kids = [];
    if (e && typeof e === "object") {
      if (e.seq != null) bits.push("seq " + e.seq);
      if (typeof e.time === "number") bits.push(new Date(e.time * 1000).toISOString().slice(11, 23));
      bits.push([e.method, e.action].filter(Boolean).join(" "));
      bits.push([e.http_status != null ? e.http_status : e.status, e.error_code || e.code].filter(function(x){
        return x != null; }).join(" "));
      if (e.fault) bits.push("fault " + short(e.fault, 40));
      if (e.signature_ok === false) bits.push("bad signature");
      if (typeof e.body === "string") {
        try { kids.push(el("div", {"class": "meta", text: "body, parsed:"}), pre(JSON.parse(e.body))); } catch (err) {}
      }
    }
    var d = el("details", {"class": "journal-entry"},
      [el("summary", {text: bits.filter(Boolean).join(" \u00b7 ")})].concat(kids, [pre(e)]));
    if (i === j.length - 1) d.open = true;
    body.appendChild(d);
  });
  if (ln.stderr) {
    body.appendChild(el("h3", {text: "Adapter stderr"}));
    body.appendChild(el("pre", {"class": "json", text: String(ln.stderr)}));
  }
  var raw = el("details", {}, [el("summary", {text: "Full report line"}), pre(ln)]);
  body.appendChild(raw);
  panel.hidden = false;
  panel.scrollTop = 0;
  var h = "#cell=" + encodeURIComponent(client) + "/" + encodeURIComponent(sid);
  if (location.hash !== h) { try { history.replaceState(null, "", h); } catch (e) {} }
}
function hide(){ panel.hidden = true; if (selected) selected.classList.remove("selected"); selected = null;
  if (location.hash) { try { history.replaceState(null, "", location.pathname + location.search); } catch (e) {} } }
function fromHash(){
  var m = /^#cell=([^/]*)\/(.*)$/.exec(location.hash);
  if (m) show(decodeURIComponent(m[1]), decodeURIComponent(m[2]), true);
}
document.addEventListener("click", function(ev){
  var td = ev.target.closest("td.cell, td.faqcell");
  if (td) { show(td.dataset.client, td.dataset.scenario); return; }
  var a = ev.target.closest("#panel .others a");
  if (a) { ev.preventDefault(); var m = /^#cell=([^/]*)\/(.*)$/.exec(a.getAttribute("href"));
    if (m) show(decodeURIComponent(m[1]), decodeURIComponent(m[2])); }
});
document.addEventListener("keydown", function(ev){
  if (ev.key === "Escape") hide();
  if (ev.key === "Enter" && ev.target.matches && ev.target.matches("td.cell, td.faqcell"))
    show(ev.target.dataset.client, ev.target.dataset.scenario);
});
document.getElementById("close").addEventListener("click", hide);
window.addEventListener("hashchange", fromHash);

// Filters: text, verdicts present in the row, clients that disagree.
var toolbar = document.getElementById("toolbar");
toolbar.hidden = false;
var search = document.getElementById("search"), differ = document.getElementById("differ");
function apply(){
  var q = search.value.trim().toLowerCase(), on = {};
  toolbar.querySelectorAll("input[data-filter]").forEach(function(i){ on[i.dataset.filter] = i.checked; });
  var shown = 0, total = 0;
  document.querySelectorAll("tbody.group").forEach(function(g){
    var any = false;
    g.querySelectorAll("tr.row").forEach(function(tr){
      total++;
      var vs = Array.prototype.map.call(tr.querySelectorAll("td.cell"), function(td){ return td.dataset.verdict; });
      var ok = (!q || tr.dataset.search.indexOf(q) >= 0) && vs.some(function(v){ return on[v] !== false; });
      if (ok && differ.checked) ok = vs.some(function(v){ return v !== vs[0]; }) || tr.querySelector("td.missing") !== null;
      tr.classList.toggle("hidden", !ok);
      if (ok) { any = true; shown++; }
    });
    g.classList.toggle("hidden", !any);
  });
  document.getElementById("shown").textContent = shown === total ? total + " scenarios" : shown + " of " + total + " scenarios";
}
toolbar.addEventListener("input", apply);
toolbar.addEventListener("change", apply);
apply();
fromHash();
document.body.setAttribute("data-ready", "1");
})();
"""
