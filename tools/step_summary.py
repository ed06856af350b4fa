"""Print the report's index (REPORT.md) for ``$GITHUB_STEP_SUMMARY``, within GitHub's limit.

The index is small (at most 40 KB, checked by the tests) and links to one page per experiment
and to plots, which live in the ``report`` artifact, not in the summary: relative links and
pictures become plain text naming the artifact, links to the web stay. GitHub refuses a job
summary larger than 1 MiB (and then shows none of it); should the index ever be larger, whole
sections (``## `` headings) are kept from the top while they fit, the sections left out are
listed, and the artifact is linked. Tables are never cut half-way.

    python tools/step_summary.py report/REPORT.md --link URL >> "$GITHUB_STEP_SUMMARY"

Host side, standard library only, no import of ``lab`` (it runs from any checkout).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

#: GitHub's limit for one step's summary.
LIMIT_BYTES = 1024 * 1024
#: Room kept for the footer and for what earlier steps may have written.
MARGIN_BYTES = 16 * 1024
_HEADING = re.compile(r"^## ", re.MULTILINE)
_IMAGE = re.compile(r"!\[([^\]]*)\]\((?!https?://)[^)]*\)")
_RELATIVE = re.compile(r"(?<!!)\[([^\]]*)\]\((?!https?://|#)[^)]*\)")


def unlink_relative(report: str) -> str:
    """Links to pages and plots beside REPORT.md lead nowhere in a job summary: keep their text."""
    report = _IMAGE.sub(lambda m: f"*(picture in the report artifact: {m.group(1)})*", report)
    return _RELATIVE.sub(lambda m: m.group(1), report)


def sections(report: str) -> list[str]:
    """The report split before each ``## `` heading (the text before the first one included)."""
    starts = [m.start() for m in _HEADING.finditer(report)]
    bounds = [0, *[s for s in starts if s > 0], len(report)]
    return [report[a:b] for a, b in zip(bounds, bounds[1:]) if report[a:b]]


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _title(section: str) -> str:
    first = section.strip().splitlines()[0] if section.strip() else ""
    return first.lstrip("#").strip() or "(untitled)"


def _footer(link: str | None, omitted: list[str]) -> str:
    where = f"[the `report` artifact]({link})" if link else "the `report` artifact of this run"
    if not omitted:
        return f"\n\n---\nREPORT.md, one page per experiment, the plots and the merged result files: {where}.\n"
    listed = "\n".join(f"- {name}" for name in omitted)
    return (
        f"\n\n---\n**Shortened to fit GitHub's 1 MiB job-summary limit.** Left out here:\n\n{listed}\n\n"
        f"The full REPORT.md, its plots and the merged result files: {where}.\n"
    )


def shorten(report: str, link: str | None, limit: int = LIMIT_BYTES - MARGIN_BYTES) -> str:
    """The report with a footer, whole if it fits in ``limit`` bytes, else whole sections that fit."""
    whole = report.rstrip() + _footer(link, [])
    if _size(whole) <= limit:
        return whole
    parts = sections(report)
    kept: list[str] = []
    for index, part in enumerate(parts):
        omitted = [_title(p) for p in parts[index + 1 :]]
        candidate = "".join([*kept, part]).rstrip() + _footer(link, omitted)
        if _size(candidate) > limit:
            break
        kept.append(part)
    omitted = [_title(p) for p in parts[len(kept) :]]
    text = "".join(kept).rstrip() + _footer(link, omitted)
    if _size(text) > limit:  # even the footer alone is too long: keep the link, drop the list
        text = _footer(link, ["(too many sections to list)"])
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path, help="the Markdown report (REPORT.md)")
    parser.add_argument("--link", default="", help="URL of the artifact holding the full report")
    parser.add_argument("--limit", type=int, default=LIMIT_BYTES - MARGIN_BYTES, help="bytes (default: 1 MiB - 16 KiB)")
    args = parser.parse_args(argv)
    try:
        report = args.report.read_text(encoding="utf-8")
    except OSError as exc:
        print(f"error: {args.report}: cannot be read ({exc.strerror}); did the report step fail?", file=sys.stderr)
        return 2
    sys.stdout.flush()
    summary = shorten(unlink_relative(report), args.link or None, args.limit)
    sys.stdout.buffer.write(summary.encode("utf-8"))  # any console code page
    return 0


if __name__ == "__main__":
    sys.exit(main())
