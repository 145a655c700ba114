"""JSON Schema validation of everything the suite reads or exchanges.

The schemas live in conformance/schemas/ (Draft 2020-12); validation uses Debian's
python3-jsonschema. Names are the file stems without ".schema.json":

    adapter-request, adapter-reply, scenario, manifest, known-failures, report-line

    validate("scenario", doc, where="scenarios/x/y.json")   # raises SchemaError
    problems("adapter-reply", doc)                            # -> ["result.error.kind: ...", ...]
"""
from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import jsonschema

SCHEMA_DIR = Path(__file__).resolve().parents[1] / "schemas"

NAMES = ("adapter-request", "adapter-reply", "scenario", "manifest", "known-failures", "report-line")


class SchemaError(ValueError):
    """A document does not match its schema. ``problems`` lists "field: message" strings;
    the message names ``where`` (a file, a message) first."""

    def __init__(self, where: str, problems: list[str]) -> None:
        self.where = where
        self.problems = problems
        super().__init__(f"{where}: " + "; ".join(problems) if where else "; ".join(problems))


@functools.lru_cache(maxsize=None)
def load(name: str) -> dict[str, Any]:
    """The schema document ``schemas/<name>.schema.json``."""
    path = SCHEMA_DIR / f"{name}.schema.json"
    with open(path, encoding="utf-8") as f:
        return json.load(f)


@functools.lru_cache(maxsize=None)
def validator(name: str) -> jsonschema.protocols.Validator:
    doc = load(name)
    cls = jsonschema.validators.validator_for(doc, default=jsonschema.Draft202012Validator)
    cls.check_schema(doc)
    return cls(doc)


def _field(path: Any) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(top level)"


def _flatten(err: jsonschema.ValidationError) -> list[jsonschema.ValidationError]:
    """The innermost errors of a oneOf/anyOf: the branch that got furthest explains best."""
    if not err.context:
        return [err]
    branches: dict[Any, list[jsonschema.ValidationError]] = {}
    for e in err.context:
        branches.setdefault(e.relative_schema_path[0] if e.relative_schema_path else None, []).append(e)
    # A branch whose discriminator (a `const`, e.g. "cmd" or "ok") matched is the one meant.
    meant = [b for b in branches.values() if not any(e.validator == "const" for e in b)]
    if len(meant) == 1:
        return [e2 for e in meant[0] for e2 in _flatten(e)]
    best = max(err.context, key=lambda e: (len(e.absolute_path), -len(list(e.context or []))))
    depth = len(best.absolute_path)
    if depth <= len(err.absolute_path):
        return [err]
    return [e2 for e in err.context if len(e.absolute_path) == depth for e2 in _flatten(e)]


def problems(name: str, instance: Any) -> list[str]:
    """Every mismatch of ``instance`` with schema ``name`` as "field: message", sorted."""
    out: list[str] = []
    for err in validator(name).iter_errors(instance):
        for e in _flatten(err):
            msg = e.message
            if len(msg) > 300:
                msg = msg[:300] + "…"
            out.append(f"{_field(e.absolute_path)}: {msg}")
    return sorted(set(out))


def is_valid(name: str, instance: Any) -> bool:
    return validator(name).is_valid(instance)


def validate(name: str, instance: Any, where: str = "") -> None:
    """Raise SchemaError naming ``where`` and each bad field if ``instance`` does not match."""
    found = problems(name, instance)
    if found:
        raise SchemaError(where or name, found)


__all__ = ["NAMES", "SCHEMA_DIR", "SchemaError", "is_valid", "load", "problems", "validate", "validator"]
