"""The documentation holds together, and stays inside the project.

- Every relative link of README.md, HACKING.md and docs/**/*.md reaches a file or folder
  of the tree, and every `#anchor` (on its own or after a Markdown file) a heading of that
  file, by GitHub's slug rules.
- No tracked file (git ls-files) points at material outside the project: the reference
  notes the project was written from are not in a clone, so a path into them, or their
  names, would be a dead end for every reader. The project's own docs say it all.

Standard library only; no server needed.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REF_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$")
CODE_SPAN = re.compile(r"(`+)(.+?)\1")
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")

# Built from pieces so that this file does not match itself.
OUTSIDE = [
    re.compile(re.escape(".." + "/shared")),
    re.compile(re.escape("shared" + "/spec")),
    re.compile(re.escape("mock-" + "behaviour.md")),
    re.compile(re.escape("tencent-" + "api.md")),
    re.compile(re.escape("spec" + " §")),
    re.compile(re.escape("conformance.md" + " §")),
]
# The suite's contract is docs/conformance.md; outside docs/ it must be named with its folder
# (a quoted path component, as in ROOT / "docs" / "conformance.md", is fine).
SUITE_DOC = "conformance" + ".md"
BARE_CONFORMANCE = re.compile(r"""(?<![\w./"'-])conformance\.md""")


def doc_files() -> list[Path]:
    files = [ROOT / "README.md", ROOT / "HACKING.md"]
    files += sorted((ROOT / "docs").rglob("*.md"))
    return files


def prose_lines(text: str) -> list[tuple[int, str]]:
    """(line number, line) outside fenced code blocks."""
    out: list[tuple[int, str]] = []
    fence: str | None = None
    for n, line in enumerate(text.splitlines(), 1):
        m = FENCE.match(line)
        if m:
            if fence is None:
                fence = m.group(1)
            elif m.group(1) == fence:
                fence = None
            continue
        if fence is None:
            out.append((n, line))
    return out


def slug(heading: str) -> str:
    """GitHub's anchor for a heading's text: Markdown markup dropped, lower case,
    punctuation but hyphens and underscores removed, spaces to hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)   # links: their text
    text = CODE_SPAN.sub(lambda m: m.group(2), text)
    text = re.sub(r"<[^>]+>", "", text)                            # inline HTML
    text = text.replace("*", "").lower()
    kept = []
    for ch in text:
        cat = unicodedata.category(ch)
        if ch in "-_ " or cat[0] in "LN" or cat == "Mn":
            kept.append(ch)
    return "".join(kept).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every anchor GitHub gives the headings of a Markdown file (repeats get -1, -2, ...)."""
    seen: dict[str, int] = {}
    out: set[str] = set()
    for _, line in prose_lines(path.read_text(encoding="utf-8")):
        m = HEADING.match(line)
        if not m:
            continue
        s = slug(m.group(2))
        if s in seen:
            seen[s] += 1
            s = f"{s}-{seen[s]}"
        else:
            seen[s] = 0
        out.add(s)
    return out


def links(path: Path) -> list[tuple[int, str]]:
    """(line number, target) of every link in a Markdown file, code left out."""
    out: list[tuple[int, str]] = []
    for n, line in prose_lines(path.read_text(encoding="utf-8")):
        m = REF_DEF.match(line)
        if m:
            out.append((n, m.group(1)))
            continue
        bare = CODE_SPAN.sub("", line)
        out.extend((n, t) for t in INLINE_LINK.findall(bare))
    return out


def broken_links(path: Path, root: Path = ROOT) -> list[str]:
    """What is wrong with the relative links of one Markdown file, one message each."""
    problems: list[str] = []
    where = path.relative_to(root)
    for n, target in links(path):
        if SCHEME.match(target) or target.startswith("//"):
            continue                                    # http:, https:, mailto:
        file_part, _, anchor = target.partition("#")
        dest = path if file_part == "" else (path.parent / file_part)
        try:
            dest.resolve().relative_to(root.resolve())
        except ValueError:
            problems.append(f"{where}:{n}: {target}: leaves the project")
            continue
        if not dest.exists():
            problems.append(f"{where}:{n}: {target}: no such file")
            continue
        if anchor:
            if dest.is_dir() or dest.suffix != ".md":
                problems.append(f"{where}:{n}: {target}: an anchor into something that is not Markdown")
            elif anchor not in anchors(dest):
                problems.append(f"{where}:{n}: {target}: no heading #{anchor} in {dest.relative_to(root)}")
    return problems


def tracked_files() -> list[str]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: no list of tracked files")
    r = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"], capture_output=True, check=True)
    return [p for p in r.stdout.decode("utf-8", "surrogateescape").split("\0") if p]


def outside_references(rel: str, data: bytes) -> list[str]:
    text = data.decode("utf-8", "replace")
    found = [f"{rel}: {p.pattern!r}" for p in OUTSIDE if p.search(text)]
    if not rel.startswith("docs/"):
        for m in BARE_CONFORMANCE.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            found.append(f"{rel}:{line}: {SUITE_DOC} without its folder (docs/{SUITE_DOC})")
    return found


# ---------------------------------------------------------------- the project


@pytest.mark.parametrize("path", doc_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(path: Path) -> None:
    assert path.exists(), path
    problems = broken_links(path)
    assert not problems, "\n".join(problems)


def test_the_documented_pages_exist() -> None:
    for rel in ("README.md", "HACKING.md", "docs/README.md", "docs/behaviour.md", "docs/options.md",
                "docs/admin-api.md", "docs/faults.md", "docs/https.md", "docs/conformance.md",
                "docs/performance.md", "docs/testing.md", "docs/compatibility"):
        assert (ROOT / rel).exists(), rel


def test_readme_links_every_page_of_docs() -> None:
    linked = {t.split("#")[0] for _, t in links(ROOT / "README.md")}
    for page in sorted((ROOT / "docs").glob("*.md")):
        rel = str(page.relative_to(ROOT))
        if page.name != "README.md":
            assert rel in linked, f"README.md does not link {rel}"
    assert "HACKING.md" in linked


def test_no_tracked_file_points_outside_the_project() -> None:
    found: list[str] = []
    for rel in tracked_files():
        p = ROOT / rel
        if p.is_symlink() or not p.is_file():
            continue
        found += outside_references(rel, p.read_bytes())
    assert not found, "\n".join(found)


# ---------------------------------------------------------------- the checker itself


def test_slugs_are_githubs() -> None:
    assert slug("The 38 error codes of the TMT FAQ") == "the-38-error-codes-of-the-tmt-faq"
    assert slug("The official Node.js SDK, as the suite grades it") == \
        "the-official-nodejs-sdk-as-the-suite-grades-it"
    assert slug("What `make test` runs") == "what-make-test-runs"
    assert slug("A request's path") == "a-requests-path"
    assert slug("Hardening, leaks and the user's path") == "hardening-leaks-and-the-users-path"
    assert slug("TC3-HMAC-SHA256 (Tencent facts)") == "tc3-hmac-sha256-tencent-facts"


def test_the_checker_finds_what_is_broken(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("# Title\n\n## Order of checks\n\n## Twice\n\n## Twice\n",
                                            encoding="utf-8")
    (tmp_path / "README.md").write_text(
        "# R\n\n"
        "[ok](docs/a.md) [ok](docs/a.md#order-of-checks) [ok](docs/a.md#twice-1) [ok](#r)\n"
        "[ok](https://example.com/x) [ok](docs/)\n"
        "`[in code](nowhere.md)`\n\n```\n[in a fence](nowhere.md)\n```\n\n"
        "[bad file](docs/b.md)\n"
        "[bad anchor](docs/a.md#order-of-check)\n"
        "[bad self](#nothing)\n"
        "[outside](../elsewhere.md)\n"
        "[ref]: docs/c.md\n",
        encoding="utf-8")
    (tmp_path / "elsewhere.md").write_text("", encoding="utf-8")
    problems = broken_links(tmp_path / "README.md", root=tmp_path)
    assert [p.split(": ", 1)[1] for p in problems] == [
        "docs/b.md: no such file",
        "docs/a.md#order-of-check: no heading #order-of-check in docs/a.md",
        "#nothing: no heading #nothing in README.md",
        "../elsewhere.md: leaves the project",
        "docs/c.md: no such file",
    ], problems


def test_the_checker_finds_outside_references() -> None:
    assert outside_references("x.c", ("see ../" + "sha" + "red/spec/x").encode())
    assert outside_references("x.c", ("per tencent-" + "api.md 6.3").encode())
    assert outside_references("x.py", ("(mock-" + "behaviour.md section 1)").encode())
    assert outside_references("x.py", f"({SUITE_DOC} section 4)".encode())
    assert not outside_references("x.py", f"docs/{SUITE_DOC}, Reports".encode())
    assert not outside_references("docs/testing.md", f"[{SUITE_DOC}]({SUITE_DOC}#reports)".encode())
