"""Findings as text (``path:line:col: CODE message``), JSON, or GitHub Actions annotations."""

from __future__ import annotations

import json
from collections import Counter
from typing import List

from lab.check import CheckResult, Finding, Unparsable

FORMATS = ("text", "json", "github")


def text_line(item: Finding) -> str:
    """One line per finding, as editors and CI parse it, with where it breaks and the evidence."""
    see = " and ".join(filter(None, [item.evidence, item.docs]))
    return (
        f"{item.path}:{item.line}:{item.col}: {item.code} {item.message} "
        f"[{', '.join(item.methods)}: {item.where}; see {see}]"
    )


def unparsable_line(item: Unparsable) -> str:
    return f"{item.path}:{item.line}:{item.col}: error: {item.message}; nothing in it was checked"


def summary(result: CheckResult) -> str:
    counts = Counter(f.code for f in result.findings)
    parts = []
    if result.findings:
        files = len({f.path for f in result.findings})
        by_code = ", ".join(f"{code} x{n}" for code, n in sorted(counts.items()))
        parts.append(
            f"Found {len(result.findings)} start-method hazard{'s' if len(result.findings) != 1 else ''} "
            f"in {files} of {result.files} file{'s' if result.files != 1 else ''} ({by_code}); "
            "each rule is explained in docs/rules/CODE.md"
        )
    else:
        parts.append(f"No start-method hazard found in {result.files} file{'s' if result.files != 1 else ''}")
    if result.unparsable:
        n = len(result.unparsable)
        parts.append(f"{n} file{'s' if n != 1 else ''} could not be read or parsed with this Python (not checked)")
    return "; ".join(parts) + "."


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_line(item: Finding) -> str:
    """A workflow command: ``::warning file=...,line=...,col=...,title=...::message``."""
    title = _escape_property(f"{item.code} {item.rule.name}")
    see = " and ".join(filter(None, [item.evidence, item.docs]))
    message = _escape_data(f"{item.message} [{', '.join(item.methods)}: {item.where}; see {see}]")
    return f"::warning file={_escape_property(item.path)},line={item.line},col={item.col},title={title}::{message}"


def github_unparsable(item: Unparsable) -> str:
    message = _escape_data(f"{item.message}; nothing in it was checked")
    return f"::error file={_escape_property(item.path)},line={item.line},col={item.col}::{message}"


def render(result: CheckResult, fmt: str) -> List[str]:
    """The lines to print for a result, summary included (json: one document)."""
    if fmt == "json":
        document = {
            "findings": [f.as_dict() for f in result.findings],
            "unparsable": [u._asdict() for u in result.unparsable],
            "summary": {
                "files": result.files,
                "lines": result.lines,
                "findings": len(result.findings),
                "by_code": dict(sorted(Counter(f.code for f in result.findings).items())),
            },
        }
        return [json.dumps(document, indent=1)]
    if fmt == "github":
        lines = [github_line(f) for f in result.findings] + [github_unparsable(u) for u in result.unparsable]
    else:
        lines = [text_line(f) for f in result.findings] + [unparsable_line(u) for u in result.unparsable]
    return [*lines, summary(result)]
