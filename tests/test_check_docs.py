"""Every docs/rules/CODE.md page: its examples are checked, and they find what they say.

In a page's ```python blocks, a line that ends with ``# FKL201`` (or several codes) claims that
finding there; every other line claims none. Each page shows its own code at least once and has
at least one clean block (the fix), and its header names the evidence page and docs link the
rule reports.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lab.check import RULES, check_source

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "docs" / "rules"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
CLAIM = re.compile(r"#\s*((?:FKL\d{3}(?:,\s*)?)+)\s*$")


def blocks(code: str) -> list[str]:
    return BLOCK.findall((PAGES / f"{code}.md").read_text(encoding="utf-8"))


def claims(source: str) -> set[tuple[int, str]]:
    found = set()
    for number, line in enumerate(source.splitlines(), start=1):
        match = CLAIM.search(line)
        if match:
            found.update((number, code.strip()) for code in match.group(1).split(","))
    return found


def test_every_rule_has_a_page_and_every_page_a_rule() -> None:
    assert sorted(p.stem for p in PAGES.glob("FKL*.md")) == sorted(RULES)


@pytest.mark.parametrize("code", sorted(RULES))
def test_the_examples_find_what_they_claim(code: str) -> None:
    sources = blocks(code)
    assert sources, f"docs/rules/{code}.md has no python example"
    for index, source in enumerate(sources):
        found = {(f.line, f.code) for f in check_source(source, f"{code}.md[{index}]")}
        assert found == claims(source), f"docs/rules/{code}.md, block {index + 1}"
    assert any(c == code for source in sources for _, c in claims(source)), "no example shows the rule"
    assert any(not claims(source) for source in sources), "no clean example (the fix)"


@pytest.mark.parametrize("code", sorted(RULES))
def test_the_page_names_the_rules_evidence_and_docs(code: str) -> None:
    page = (PAGES / f"{code}.md").read_text(encoding="utf-8")
    rule = RULES[code]
    assert page.startswith(f"# {code} `{rule.name}`")
    assert rule.docs in page
    assert (rule.page or "no experiment yet") in page
    assert "breaks under" in page
