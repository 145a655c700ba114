"""The snippets of docs/helpers.md, as its tests run them: the fenced block after an HTML
comment `<!-- NAME: ... -->` (test_helper_*.py)."""
from __future__ import annotations

import re

from .mockproc import ROOT

HELPERS_MD = ROOT / "docs" / "helpers.md"


def snippet(name: str, lang: str) -> str:
    """The ```lang block that follows `<!-- name: ... -->` in docs/helpers.md."""
    text = HELPERS_MD.read_text(encoding="utf-8")
    m = re.search(rf"<!-- {re.escape(name)}:[^\n]*-->\n```{lang}\n(.*?)\n```\n", text, re.S)
    assert m, f"docs/helpers.md has no ```{lang} block after <!-- {name}: -->"
    return m.group(1) + "\n"
