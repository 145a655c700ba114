"""The suite's command line (run with PYTHONPATH=conformance).

    python -m suite run --client NAME [--reports DIR] [--mock-url URL] [--workers N]
                        [-k EXPR] [--scenario ID ...] [--tag TAG ...] [--seed N]
    python -m suite render REPORT.jsonl... --out DIR
    python -m suite list [-k EXPR] [--tag TAG ...]
    python -m suite clients

`run` exits 0 when every verdict is the one the client's known_failures.json gives (a
scenario absent from it must PASS or SKIP), 1 otherwise (each mismatch is printed), 2 on a
usage or set-up error (bad scenario files, unknown client, no mock), 3 when every
scenario was SKIP (the client's code is absent: nothing was graded, which must not pass
silently). On a terminal it shows its progress (scenario i/N) on stderr.

    python -m suite baseline REPORT.jsonl [--client NAME] [--out FILE]

writes a known-failures file from a run: every verdict other than PASS and SKIP, with
its differences and evidence (the journal lines of what reached the mock); a note
already in the client's file for the same verdict is kept. A client folder graded at
several releases may keep known_failures-<version>.json beside known_failures.json
(--per-version writes it); a run uses the one of the version its adapter reports.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from . import adapter as adapters
from . import scenarios as scenario_files
from .mockctl import Mock, MockError
from .model import VERDICTS, Manifest, ScenarioResult
from .runner import Runner, make_footer, make_header, totals, utc_now

OK_WITHOUT_ENTRY = ("PASS", "SKIP")
EXIT_OK, EXIT_CHANGED, EXIT_USAGE, EXIT_ALL_SKIPPED = 0, 1, 2, 3


# ---------------------------------------------------------------- reports


def write_report_jsonl(results: list[ScenarioResult], header: dict[str, Any], footer: dict[str, Any],
                       out_dir: Path) -> dict[str, Path]:
    """report.jsonl alone: the fallback while suite/report.py is missing."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "report.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps({"header": header}, ensure_ascii=False) + "\n")
        for r in results:
            f.write(json.dumps(r.to_json(), ensure_ascii=False, default=str) + "\n")
        f.write(json.dumps({"footer": footer}, ensure_ascii=False) + "\n")
    return {"report.jsonl": path}


def _report_module() -> Any:
    try:
        from . import report
    except ImportError:
        return None
    return report if hasattr(report, "write_reports") else None


# ---------------------------------------------------------------- known failures


def expected_verdicts(manifest: Manifest, scenario_id: str) -> tuple[str, ...]:
    known = manifest.known_failures.get(scenario_id)
    if known:
        return (known["verdict"],)
    return OK_WITHOUT_ENTRY


def mismatches(manifest: Manifest, results: list[ScenarioResult]) -> list[str]:
    """One line per result whose verdict is not the expected one."""
    out = []
    for r in results:
        want = expected_verdicts(manifest, r.scenario.id)
        if r.verdict.value not in want:
            known = manifest.known_failures.get(r.scenario.id)
            why = f"known: {known['verdict']}" + (f" ({known['issue']})" if known.get("issue") else "") \
                if known else "not in known_failures"
            out.append(f"{r.scenario.id}: got {r.verdict.value}, expected {' or '.join(want)} [{why}]")
    return out


def _short(v: Any, n: int = 90) -> str:
    s = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, default=str)
    return s if len(s) <= n else s[: n - 1] + "…"


def summary_line(r: ScenarioResult) -> str:
    v = r.verdict.value
    if v == "SKIP":
        detail = r.skip_reason or ""
    elif v == "ERROR":
        detail = r.error or ""
    else:
        parts = [f"{d.expectation} ({d.level.value}): expected {_short(d.expected, 60)}, got {_short(d.got, 60)}"
                 for d in r.differences]
        detail = "; ".join(parts)
    return f"{v:<7} {r.scenario.id}  {_short(detail, 200)}"


# ---------------------------------------------------------------- commands


def _load_scenarios(args: argparse.Namespace) -> list[Any]:
    root = Path(args.scenarios) if getattr(args, "scenarios", None) else scenario_files.SCENARIO_DIR
    every = scenario_files.load_all(root)
    return scenario_files.select(every, ids=getattr(args, "scenario", None) or None,
                                 tags=getattr(args, "tag", None) or None, expr=getattr(args, "k", None))


def cmd_run(args: argparse.Namespace) -> int:
    try:
        manifest = adapters.load_manifest(args.client)
    except adapters.AdapterError as e:
        print(f"suite: {e}", file=sys.stderr)
        return 2
    try:
        chosen = _load_scenarios(args)
    except (scenario_files.ScenarioError, ValueError) as e:
        print(f"suite: {e}", file=sys.stderr)
        return 2
    if not chosen:
        print("suite: no scenario selected", file=sys.stderr)
        return 2
    try:
        mock = Mock.attach(args.mock_url) if args.mock_url else Mock.start(seed=args.seed)
    except (MockError, OSError, ValueError) as e:
        print(f"suite: no mock: {e}", file=sys.stderr)
        return 2
    out_dir = Path(args.reports)
    report = _report_module()
    t0 = time.monotonic()
    started_at = utc_now()
    try:
        with Runner(manifest, mock, workers=args.workers, seed=args.seed) as runner:
            header = make_header(runner.info, mock, len(chosen), manifest, started_at, runner.start_error)
            if runner.start_error:
                print(f"suite: {manifest.name}: the adapter did not start: {runner.start_error}", file=sys.stderr)
            writer = report.ReportWriter(out_dir, header) if report and hasattr(report, "ReportWriter") else None
            done = [0]

            tty = sys.stderr.isatty() and not args.verbose

            def progress(r: ScenarioResult) -> None:
                done[0] += 1
                if writer is not None:
                    writer.add(r)
                if args.verbose:
                    print(f"[{done[0]}/{len(chosen)}] {r.verdict.value:<7} {r.scenario.id}", flush=True)
                elif tty:
                    line = f"{manifest.name}: scenario {done[0]}/{len(chosen)} {r.verdict.value:<7} {r.scenario.id}"
                    print("\r\033[K" + line[:120], end="" if done[0] < len(chosen) else "\n",
                          file=sys.stderr, flush=True)

            try:
                results = runner.run(chosen, on_result=progress)
            except BaseException:
                if writer is not None:
                    writer.abort()
                raise
            footer = make_footer(results, int((time.monotonic() - t0) * 1000))
            if writer is not None:
                paths = writer.close(footer)
            elif report is not None:
                paths = report.write_reports(results, header, footer, out_dir)
            else:
                paths = write_report_jsonl(results, header, footer, out_dir)
    finally:
        mock.stop()

    manifest = runner.manifest      # with the known failures of the release it graded
    t = totals(results)
    skipped_all = bool(results) and t["SKIP"] == len(results)
    if skipped_all:
        # The adapter's own reason (the client is absent) before the capabilities it lacks.
        reasons = sorted({r.skip_reason or "skipped" for r in results}, key=lambda x: (x.startswith("client lacks"), x))
        print(f"suite: {manifest.name}: every one of the {len(results)} scenarios was SKIP, nothing was graded: "
              + "; ".join(reasons[:3]) + (f"; … {len(reasons) - 3} more reasons" if len(reasons) > 3 else ""),
              file=sys.stderr)
    else:
        # Failing rows first: the verdicts that need a look, then the known ones.
        for r in sorted((r for r in results if r.verdict.value != "PASS"), key=_row_order):
            print(summary_line(r))
    secs = (time.monotonic() - t0)
    print(f"{manifest.name}: " + ", ".join(f"{v} {t[v]}" for v in VERDICTS) + f"  ({len(results)} scenarios, "
          f"{secs:.1f} s)  reports: {', '.join(str(p) for p in paths.values())}")
    if skipped_all:
        # Nothing was graded: not a pass, and not a change of verdict either (the known
        # failures of a client that did not run say nothing).
        return EXIT_ALL_SKIPPED
    bad = mismatches(manifest, results)
    print(known_line(manifest, results, bad))
    if bad:
        print(f"{len(bad)} verdict(s) differ from {manifest.name}'s known failures:")
        for line in bad:
            print(f"  {line}")
        return EXIT_CHANGED
    return EXIT_OK


def _row_order(r: ScenarioResult) -> tuple[int, int, str]:
    """Changed verdicts first, then FAIL, ERROR, LENIENT, SKIP; by id within."""
    known = r.known is not None and r.known.get("matches")
    changed = 0 if (r.verdict.value not in OK_WITHOUT_ENTRY and not known) else 1
    order = ["FAIL", "ERROR", "LENIENT", "SKIP", "PASS"]
    return (changed, order.index(r.verdict.value) if r.verdict.value in order else 0, r.scenario.id)


def known_line(manifest: Manifest, results: list[ScenarioResult], bad: list[str]) -> str:
    """"all 3 FAILs known, 0 changed": what CI and people read first."""
    parts = []
    for v in ("FAIL", "ERROR", "LENIENT"):
        got = [r for r in results if r.verdict.value == v]
        if not got:
            continue
        known = sum(1 for r in got if r.known is not None and r.known.get("matches"))
        word = f"{v}s" if len(got) != 1 else v
        parts.append(f"all {len(got)} {word} known" if known == len(got) else f"{known} of {len(got)} {word} known")
    head = ", ".join(parts) if parts else "no FAIL, ERROR or LENIENT"
    return f"{manifest.name}: {head}, {len(bad)} changed (known failures: {manifest.known_failures_file})"


def evidence_lines(line: dict[str, Any], limit: int = 6) -> list[str]:
    """The journal lines of a report line, one short string each: what reached the mock and
    what it answered (the evidence behind a known failure)."""
    out = []
    for i, e in enumerate(line.get("journal") or []):
        if i >= limit:
            out.append(f"… {len(line['journal']) - limit} more journal entries")
            break
        body = e.get("body") if isinstance(e.get("body"), str) else ""
        out.append(f"journal seq {e.get('seq')}: {e.get('method')} {e.get('action')} {e.get('sign_method')} "
                   f"-> HTTP {e.get('http_status')} error_code={e.get('error_code')} fault={e.get('fault')} "
                   f"latency {int(e.get('latency_us') or 0) // 1000} ms body={_short(body, 160)}")
    res = line.get("result")
    if isinstance(res, dict):
        out.append("client answered: " + _short(res, 240))
    if not line.get("journal"):
        out.append("nothing reached the mock")
    return out


def baseline(lines: list[dict[str, Any]], old: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """A known-failures document from a report's scenario lines: every verdict other than
    PASS and SKIP, its note (the old one when the verdict is unchanged, else the
    differences) and its evidence."""
    out: dict[str, dict[str, Any]] = {}
    for ln in sorted(lines, key=lambda x: str(x.get("scenario"))):
        v = ln.get("verdict")
        sid = str(ln.get("scenario"))
        if v in OK_WITHOUT_ENTRY or v is None:
            continue
        prev = old.get(sid) or {}
        diffs = "; ".join(f"{d.get('expectation')} ({d.get('level')}): expected {_short(d.get('expected'), 80)}, "
                          f"got {_short(d.get('got'), 80)}" for d in ln.get("differences") or [])
        note = prev.get("note") if prev.get("verdict") == v and prev.get("note") else \
            (diffs or str(ln.get("error") or v))
        # The grader's notes about the finding, not the run's own figures (time budget).
        notes = [str(n) for n in ln.get("notes") or [] if not str(n).startswith("time budget")]
        if notes and prev.get("verdict") != v:
            note += " [" + "; ".join(notes) + "]"
        out[sid] = {"verdict": v, "issue": prev.get("issue"), "note": note, "evidence": evidence_lines(ln)}
    return out


def cmd_baseline(args: argparse.Namespace) -> int:
    report = _report_module()
    if report is None:
        print("suite: baseline needs suite/report.py", file=sys.stderr)
        return EXIT_USAGE
    if not Path(args.report).exists():
        print(f"suite: no such report: {args.report}", file=sys.stderr)
        return EXIT_USAGE
    rep = report.load_report(args.report)
    name = args.client or rep.client
    old: dict[str, dict[str, Any]] = {}
    out_path = Path(args.out) if args.out else None
    try:
        manifest = adapters.load_manifest(name)
        version = rep.client_info.get("version")
        manifest = adapters.for_version(manifest, version)
        old = manifest.known_failures
        if out_path is None:
            out_path = adapters.known_failures_path(manifest, version if args.per_version else None)
            if args.per_version:
                out_path = Path(manifest.folder) / f"known_failures-{version}.json"
    except adapters.AdapterError as e:
        if out_path is None:
            print(f"suite: {e} (give --out)", file=sys.stderr)
            return EXIT_USAGE
    if not rep.complete:
        print(f"suite: {args.report} is incomplete (no footer): no baseline from a partial run", file=sys.stderr)
        return EXIT_USAGE
    doc = baseline(rep.lines, old)
    out_path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{out_path}: {len(doc)} known verdicts from {len(rep.lines)} scenarios of {name}")
    return EXIT_OK


def cmd_render(args: argparse.Namespace) -> int:
    report = _report_module()
    if report is None or not hasattr(report, "render"):
        print("suite: render needs suite/report.py", file=sys.stderr)
        return 2
    missing = [p for p in args.reports if not Path(p).exists()]
    if missing:
        print(f"suite: no such report: {', '.join(missing)}", file=sys.stderr)
        return 2
    paths = report.render([Path(p) for p in args.reports], Path(args.out))
    for p in paths.values():
        print(p)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    try:
        chosen = _load_scenarios(args)
    except (scenario_files.ScenarioError, ValueError) as e:
        print(f"suite: {e}", file=sys.stderr)
        return 2
    width = max((len(s.id) for s in chosen), default=10)
    for s in chosen:
        print(f"{s.id:<{width}}  {s.error_class.value:<12}  {','.join(s.codes) or '-'}")
    print(f"{len(chosen)} scenarios", file=sys.stderr)
    return 0


def cmd_clients(args: argparse.Namespace) -> int:
    for name in adapters.list_clients():
        try:
            m = adapters.load_manifest(name)
            print(f"{name:<20} {m.mode:<7} {m.description}")
        except adapters.AdapterError as e:
            print(f"{name:<20} BAD     {e}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m suite", description="tmtmock's conformance suite")
    sub = p.add_subparsers(dest="command", required=True)

    def selection(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("-k", metavar="EXPR", help="select by a pytest-like expression over id, class, tags, codes")
        sp.add_argument("--scenario", action="append", metavar="ID", help="run this scenario (repeatable)")
        sp.add_argument("--tag", action="append", metavar="TAG", help="scenarios with this tag (repeatable)")
        sp.add_argument("--scenarios", metavar="DIR", help=argparse.SUPPRESS)

    r = sub.add_parser("run", help="run one client over the scenarios and write the reports")
    r.add_argument("--client", required=True, help="a folder of conformance/clients/ (or a path to one)")
    r.add_argument("--reports", default="reports", metavar="DIR", help="where the reports go (default: reports)")
    r.add_argument("--mock-url", metavar="URL", help="use this running mock instead of starting one")
    r.add_argument("--workers", type=int, default=4, metavar="N", help="scenarios in parallel (default 4)")
    r.add_argument("--seed", type=int, default=42, help="the mock's --seed (default 42)")
    r.add_argument("-v", "--verbose", action="store_true", help="a line per scenario as it finishes")
    selection(r)
    r.set_defaults(func=cmd_run)

    rd = sub.add_parser("render", help="summary.md and matrix.html over saved reports")
    rd.add_argument("reports", nargs="+", metavar="REPORT.jsonl")
    rd.add_argument("--out", required=True, metavar="DIR")
    rd.set_defaults(func=cmd_render)

    bl = sub.add_parser("baseline", help="write a known-failures file from a run's report.jsonl")
    bl.add_argument("report", metavar="REPORT.jsonl")
    bl.add_argument("--client", help="the client whose known_failures.json is written (default: the report's)")
    bl.add_argument("--out", metavar="FILE", help="write here instead of the client's known_failures.json")
    bl.add_argument("--per-version", action="store_true",
                    help="write known_failures-<the report's client version>.json (one folder, several releases)")
    bl.set_defaults(func=cmd_baseline)

    ls = sub.add_parser("list", help="the scenarios: id, class, codes")
    selection(ls)
    ls.set_defaults(func=cmd_list)

    cl = sub.add_parser("clients", help="the clients with a manifest")
    cl.set_defaults(func=cmd_clients)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
