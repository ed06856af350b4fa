"""results/REPORT.md and results/experiments/*.md must be what `nox -s report` makes of the
committed result files.

tabulate is pinned (0.10.0) so that the same files give the same bytes; a difference means the
report is stale: run `nox -s report` (or `python -m lab report --plots`) and commit results/.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lab.report import build_all
from lab.results.files import result_paths

RESULTS = Path(__file__).resolve().parent.parent / "results"
STALE = "is stale: run `nox -s report` and commit results/"


def test_committed_report_and_pages_are_fresh():
    if not (RESULTS.is_dir() and result_paths(RESULTS)):
        pytest.skip("results/ holds no result files yet")
    expected = build_all([RESULTS])
    for relative, text in expected.items():
        path = RESULTS / relative
        assert path.exists(), f"results/{relative} is missing: run `nox -s report` and commit it"
        assert path.read_text(encoding="utf-8") == text, f"results/{relative} {STALE}"
    pages = {p.relative_to(RESULTS).as_posix() for p in (RESULTS / "experiments").glob("*.md")}
    assert pages == {str(r) for r in expected if str(r) != "REPORT.md"}, f"results/experiments/ {STALE}"
