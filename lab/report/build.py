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

SECTIONS = (glance.TITLE, symptoms.TITLE, upgrade.TITLE, coverage.TITLE, coverage.PAGES_TITLE)


def index(view: View) -> str:
    parts = [
        intro.render(view, list(SECTIONS)),
        glance.render(view),
        symptoms.render(view),
        upgrade.render(view),
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
