"""The report: ``results/REPORT.md`` (the index) and ``results/experiments/NAME.md`` (one page each).

The index, in order: what was measured (``intro``), at a glance (``glance``), symptoms
(``symptoms``), what changes when you upgrade (``upgrade``), coverage and the machines
(``coverage``), and the list of pages. Each section is a function of one ``View`` of the result
set. The same files give the same bytes (no clock, no absolute path), so the committed report
can be checked for staleness.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from lab.report import coverage, glance, intro, page, symptoms, upgrade
from lab.report.model import INDEX, PAGES, View
from lab.results.files import write_atomic
from lab.results.resultset import ResultSet

#: The index is read top to bottom on GitHub; past this it is a dump, not an index.
INDEX_LIMIT = 40 * 1024
LEVELS = symptoms.COMPACT + 1
SECTIONS = (glance.TITLE, symptoms.TITLE, upgrade.TITLE, coverage.TITLE, coverage.PAGES_TITLE)


def index(view: View) -> str:
    """The index at the most detailed level that keeps it within ``INDEX_LIMIT`` bytes.

    Levels shorten what the pages repeat anyway: fewer upgrade changes and no declared sentences
    (1), symptoms without their cause (2), symptoms as one line each (3). The same files give the
    same level, so the same bytes.
    """
    for level in range(LEVELS):
        text = _index(view, level)
        if len(text.encode("utf-8")) <= INDEX_LIMIT:
            return text
    return text


def _index(view: View, level: int) -> str:
    parts = [
        intro.render(view, list(SECTIONS)),
        glance.render(view, level),
        symptoms.render(view, level),
        upgrade.render(view, level),
        coverage.render(view),
        coverage.pages(view),
    ]
    return "\n\n".join(p.strip("\n") for p in parts if p) + "\n"


def render(results: ResultSet) -> dict[PurePosixPath, str]:
    """Every file of the report by its path relative to the report's directory."""
    view = View(results)
    files = {PurePosixPath(INDEX): index(view)}
    for name in view.declarations:
        files[PurePosixPath(PAGES) / f"{name}.md"] = page.render(view, name)
    return files


def build_report(paths: Sequence[Path]) -> str:
    """The index over result files and directories (``ResultFileError`` on bad input)."""
    return render(ResultSet.load(list(paths)))[PurePosixPath(INDEX)]


def build_all(paths: Sequence[Path]) -> dict[PurePosixPath, str]:
    return render(ResultSet.load(list(paths)))


def write_report(paths: Sequence[Path], out: Path) -> Path:
    """Write the index to ``out`` and the pages to ``experiments/`` beside it, atomically each.

    On bad input nothing is written. Pages of experiments no longer in the results are removed
    (the directory holds only generated pages).
    """
    files = build_all(paths)
    out = Path(out)
    pages_dir = out.parent / PAGES
    pages_dir.mkdir(parents=True, exist_ok=True)
    for relative, content in files.items():
        target = out if str(relative) == INDEX else out.parent / relative
        write_atomic(target, content)
    written = {out.parent / relative for relative in files if str(relative) != INDEX}
    for stale in pages_dir.glob("*.md"):
        if stale not in written:
            stale.unlink()
    return out
