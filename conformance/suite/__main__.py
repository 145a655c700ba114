"""The suite's command line (run with PYTHONPATH=conformance).

    python -m suite run --client NAME [--reports DIR] [--mock-url URL] [--workers N]
                        [-k EXPR] [--scenario ID ...] [--tag TAG ...] [--seed N]
    python -m suite render REPORT.jsonl... --out DIR
    python -m suite list [-k EXPR] [--tag TAG ...]
    python -m suite clients

`run` exits 0 when every verdict is the one the client's known_failures.json gives (a
scenario absent from it must PASS or SKIP), 1 otherwise (each mismatch is printed), 2 on a
usage or set-up error (bad scenario files, unknown client, no mock).
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

            def progress(r: ScenarioResult) -> None:
                done[0] += 1
                if writer is not None:
                    writer.add(r)
                if args.verbose:
                    print(f"[{done[0]}/{len(chosen)}] {r.verdict.value:<7} {r.scenario.id}", flush=True)

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

    for r in results:
        if r.verdict.value != "PASS":
            print(summary_line(r))
    t = totals(results)
    secs = (time.monotonic() - t0)
    print(f"{manifest.name}: " + ", ".join(f"{v} {t[v]}" for v in VERDICTS) + f"  ({len(results)} scenarios, "
          f"{secs:.1f} s)  reports: {', '.join(str(p) for p in paths.values())}")
    bad = mismatches(manifest, results)
    if bad:
        print(f"{len(bad)} verdict(s) differ from {manifest.name}'s known failures:")
        for line in bad:
            print(f"  {line}")
        return 1
    return 0


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
