"""Reading generated Markdown the way a reader on GitHub sees it: sections, tables, links, anchors.

Shared by the report tests. The width rule lives here, stated once: a table row's *visible* text
(what GitHub shows: link targets, HTML tags, escapes and tabulate's padding removed) is at most
``MAX_ROW`` characters. GitHub scrolls a wider table sideways, and past about three screen widths
of a laptop (three method columns of ``CELL_LIMIT`` characters and a label) a row stops being
something a person reads; long values go to notes under the table instead.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from lab.report.markdown import heading_slug

MAX_ROW = 400
UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")
_LINK = re.compile(r"!?\[((?:\\.|[^\]\\])*)\]\(([^)\s]*)\)")
_TAG = re.compile(r"<[^>]+>")
_ANCHOR = re.compile(r'<a id="([^"]+)"></a>')
_HEADING = re.compile(r"^(#{1,6}) (.+)$", re.MULTILINE)
_FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def sections(markdown: str) -> list[str]:
    """The ``## `` headings, in order, as written."""
    return re.findall(r"^## (.+)$", markdown, flags=re.MULTILINE)


def section(markdown: str, title: str) -> str:
    """The text of one ``## title`` section, up to the next ``## ``."""
    start = markdown.index(f"## {title}\n")
    following = markdown.find("\n## ", start + 1)
    return markdown[start : following if following != -1 else len(markdown)]


def tables(markdown: str) -> list[list[str]]:
    """Every block of consecutive lines that start with ``|``."""
    blocks, current = [], []
    for line in markdown.splitlines():
        if line.startswith("|"):
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    return blocks + ([current] if current else [])


def cells(line: str) -> list[str]:
    """A table row split on unescaped pipes, without the outer ones."""
    return [c.strip() for c in UNESCAPED_PIPE.split(line.strip())[1:-1]]


def row_of(table_text: str, first_cell: str) -> list[str]:
    """The row whose first cell is (or, once links and tags are dropped, reads) ``first_cell``."""
    for line in table_text.splitlines():
        if line.startswith("|") and cells(line):
            first = cells(line)[0]
            if first_cell in (first, visible(first)):
                return cells(line)
    raise AssertionError(f"no row starting with {first_cell!r}")


def visible(markdown: str) -> str:
    """What a reader sees of a piece of Markdown: link labels, no tags, no escapes, one space."""
    shown = _LINK.sub(lambda m: m.group(1), markdown)
    shown = _TAG.sub("", shown)
    shown = re.sub(r"(?<!\\)[*`]", "", shown)
    shown = re.sub(r"\\(.)", r"\1", shown)
    return re.sub(r"\s+", " ", shown).strip()


def row_width(line: str) -> int:
    return len(" | ".join(visible(c) for c in cells(line)))


def anchors(markdown: str) -> set[str]:
    """Explicit ``<a id>`` anchors and GitHub's heading anchors (with its ``-1`` suffixes for repeats)."""
    found = set(_ANCHOR.findall(markdown))
    seen: dict[str, int] = {}
    for _, heading in _HEADING.findall(_FENCE.sub("", markdown)):
        base = heading_slug(heading)
        count = seen.get(base, 0)
        found.add(base if count == 0 else f"{base}-{count}")
        seen[base] = count + 1
    return found


def links(markdown: str) -> list[str]:
    return [target for _, target in _LINK.findall(markdown)]


def broken_links(files: dict[PurePosixPath, str], root: Path | None = None) -> list[str]:
    """Relative links (to a page, an anchor, or a file under ``root``) that lead nowhere."""
    problems = []
    for path, markdown in files.items():
        for target in links(markdown):
            if re.match(r"^[a-z]+:", target):
                continue
            file_part, _, fragment = target.partition("#")
            destination = PurePosixPath(_normalise(path.parent / file_part)) if file_part else path
            if destination.suffix == ".md":
                if destination not in files:
                    problems.append(f"{path}: {target} (no such page)")
                elif fragment and fragment not in anchors(files[destination]):
                    problems.append(f"{path}: {target} (no such anchor)")
            elif root is not None and not (root / destination).exists():
                problems.append(f"{path}: {target} (no such file)")
    return problems


def _normalise(path: PurePosixPath) -> str:
    parts: list[str] = []
    for part in path.parts:
        if part == "..":
            parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)
