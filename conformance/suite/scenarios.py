"""Load the scenario files (conformance/scenarios/**/*.json) and select among them.

    all_ = load_all()                                   # validated, sorted by id; ScenarioError if any is bad
    chosen = select(all_, ids=["faq.x"], tags=["faq"], expr="transport and not slow")

A bad file is reported with its path and the field: ``scenarios/auth/x.json: setup.faults[0]:
Additional properties are not allowed ('tims' was unexpected)``.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterable

from . import schema
from .model import DEFAULT_OPTIONS, DEFAULT_REGION, Call, ErrorClass, Scenario, Setup

SCENARIO_DIR = Path(__file__).resolve().parents[1] / "scenarios"

# Classes that grade an error code: they need one (expect.code or codes[0]).
PRECALL_INDEX = re.compile(r'"\{\{precalls\[(\d+)\]')
CODED = {ErrorClass.CLIENT_ERROR, ErrorClass.THROTTLED, ErrorClass.TRANSIENT, ErrorClass.CLOCK}


class ScenarioError(ValueError):
    """One or more scenario files are wrong; ``problems`` holds one line per problem,
    each starting with the file."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("bad scenario files:\n  " + "\n  ".join(problems))


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(SCENARIO_DIR.parents[1]))
    except ValueError:
        return str(path)


def build(doc: dict[str, Any], path: str = "") -> Scenario:
    """A Scenario from a validated document, the defaults of model.py filled in."""
    setup_doc = doc.get("setup", {})
    call_doc = doc["call"]
    options = dict(DEFAULT_OPTIONS)
    options.update(call_doc.get("options", {}))
    return Scenario(
        id=doc["id"],
        title=doc["title"],
        error_class=ErrorClass(doc["class"]),
        codes=list(doc["codes"]),
        tags=list(doc["tags"]),
        setup=Setup(
            account=dict(setup_doc.get("account", {})),
            credentials=setup_doc.get("credentials", "ok"),
            faults=[dict(f) for f in setup_doc.get("faults", [])],
            precalls=[dict(p) for p in setup_doc.get("precalls", [])],
            mock=dict(setup_doc["mock"]) if "mock" in setup_doc else None,
        ),
        call=Call(
            action=call_doc["action"],
            params=dict(call_doc["params"]),
            region=call_doc["region"] if "region" in call_doc else DEFAULT_REGION,
            options=options,
        ),
        requires=list(doc.get("requires", [])),
        expect=dict(doc.get("expect", {})),
        wire_skip=list(doc.get("wire", {}).get("skip", [])),
        path=path,
    )


def semantic_problems(doc: dict[str, Any]) -> list[str]:
    """What the schema cannot say: "field: problem" strings."""
    out: list[str] = []
    cls = ErrorClass(doc["class"])
    expect = doc.get("expect", {})
    setup = doc.get("setup", {})
    if cls in CODED and not (expect.get("code") or doc["codes"]):
        out.append(f"codes: a {cls.value} scenario names the code it expects (codes[0] or expect.code)")
    if "heals_after" in expect and cls not in (ErrorClass.THROTTLED, ErrorClass.TRANSIENT, ErrorClass.TRANSPORT):
        out.append(f"expect.heals_after: only throttled, transient and transport scenarios heal, not {cls.value}")
    if "response" in expect and cls is not ErrorClass.SUCCESS and "heals_after" not in expect:
        out.append("expect.response: only a success (or a scenario that heals) has a response")
    refs = [int(n) for n in PRECALL_INDEX.findall(json.dumps([doc["call"]["params"], expect]))]
    if refs and max(refs) >= len(setup.get("precalls", [])):
        out.append(f"call.params: {{{{precalls[{max(refs)}]...}}}} but the scenario has "
                   f"{len(setup.get('precalls', []))} precalls")
    if setup.get("credentials") in ("no_token", "wrong_token") and not setup.get("account", {}).get("token"):
        out.append(f"setup.credentials: {setup['credentials']} needs a token account (setup.account.token)")
    return out


def load_file(path: Path | str) -> Scenario:
    """One scenario file, validated (schema, id == file stem, class rules)."""
    path = Path(path)
    where = _rel(path)
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except json.JSONDecodeError as e:
        raise ScenarioError([f"{where}: not JSON: line {e.lineno} column {e.colno}: {e.msg}"]) from None
    except OSError as e:
        raise ScenarioError([f"{where}: cannot read: {e.strerror}"]) from None
    found = schema.problems("scenario", doc)
    if not found:
        found = semantic_problems(doc)
        if doc["id"] != path.stem:
            found.append(f"id: {doc['id']!r} is not the file name's stem {path.stem!r}")
    if found:
        raise ScenarioError([f"{where}: {p}" for p in found])
    return build(doc, str(path))


def load_all(root: Path | str = SCENARIO_DIR) -> list[Scenario]:
    """Every *.json under root (recursively), sorted by id. All problems of all files are
    collected and raised together, duplicate ids included."""
    root = Path(root)
    problems: list[str] = []
    out: list[Scenario] = []
    seen: dict[str, str] = {}
    for path in sorted(root.rglob("*.json")):
        try:
            sc = load_file(path)
        except ScenarioError as e:
            problems.extend(e.problems)
            continue
        if sc.id in seen:
            problems.append(f"{_rel(path)}: id: {sc.id!r} is already the id of {seen[sc.id]}")
            continue
        seen[sc.id] = _rel(path)
        out.append(sc)
    if problems:
        raise ScenarioError(problems)
    return sorted(out, key=lambda s: s.id)


# ---------------------------------------------------------------- selection


def keywords(sc: Scenario) -> list[str]:
    """What a -k word is matched against (case-insensitive substrings): the id, the class,
    the tags and the codes."""
    return [sc.id, sc.error_class.value, *sc.tags, *sc.codes]


_TOKEN = re.compile(r"\s*(\(|\)|[^\s()]+)")


class _Expr:
    """A pytest-like -k expression: words, and, or, not, parentheses."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = [m.group(1) for m in _TOKEN.finditer(text)]
        if not self.tokens:
            raise ValueError(f"-k {text!r}: empty expression")
        self.pos = 0
        self.tree = self._or()
        if self.pos != len(self.tokens):
            raise ValueError(f"-k {text!r}: unexpected {self.tokens[self.pos]!r}")

    def _peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _take(self) -> str:
        tok = self._peek()
        if tok is None:
            raise ValueError(f"-k {self.text!r}: unexpected end")
        self.pos += 1
        return tok

    def _or(self) -> Any:
        node = self._and()
        while self._peek() == "or":
            self._take()
            node = ("or", node, self._and())
        return node

    def _and(self) -> Any:
        node = self._not()
        while self._peek() == "and":
            self._take()
            node = ("and", node, self._not())
        return node

    def _not(self) -> Any:
        if self._peek() == "not":
            self._take()
            return ("not", self._not())
        tok = self._take()
        if tok == "(":
            node = self._or()
            if self._take() != ")":
                raise ValueError(f"-k {self.text!r}: missing )")
            return node
        if tok in (")", "and", "or"):
            raise ValueError(f"-k {self.text!r}: unexpected {tok!r}")
        return ("word", tok.lower())

    def matches(self, words: Iterable[str]) -> bool:
        lowered = [w.lower() for w in words]

        def ev(node: Any) -> bool:
            op = node[0]
            if op == "word":
                return any(node[1] in w for w in lowered)
            if op == "not":
                return not ev(node[1])
            if op == "and":
                return ev(node[1]) and ev(node[2])
            return ev(node[1]) or ev(node[2])

        return ev(self.tree)


def matches(expr: str, sc: Scenario) -> bool:
    """Whether scenario ``sc`` is selected by the -k expression ``expr``."""
    return _Expr(expr).matches(keywords(sc))


def select(scenarios: list[Scenario], ids: Iterable[str] | None = None, tags: Iterable[str] | None = None,
           expr: str | None = None) -> list[Scenario]:
    """The scenarios with one of ``ids`` (if given; an unknown id is a ValueError), with
    one of ``tags`` (if given), matching ``expr`` (if given); in the input order."""
    out = list(scenarios)
    if ids:
        wanted = list(dict.fromkeys(ids))
        known = {s.id for s in out}
        missing = [i for i in wanted if i not in known]
        if missing:
            raise ValueError("no such scenario: " + ", ".join(missing))
        out = [s for s in out if s.id in set(wanted)]
    if tags:
        tagset = set(tags)
        out = [s for s in out if tagset & set(s.tags)]
    if expr:
        e = _Expr(expr)
        out = [s for s in out if e.matches(keywords(s))]
    return out


__all__ = ["SCENARIO_DIR", "ScenarioError", "build", "keywords", "load_all", "load_file", "matches", "select"]
