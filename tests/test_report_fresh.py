"""results/REPORT.md must be what `nox -s report` makes of the committed result files.

tabulate is pinned (0.10.0) so that the same files give the same bytes; a difference means the
report is stale: run `nox -s report` (or `python -m lab report`) and commit results/REPORT.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lab.report import build_report
from lab.results.files import result_paths

RESULTS = Path(__file__).resolve().parent.parent / "results"


def test_committed_report_is_fresh():
    files = result_paths(RESULTS) if RESULTS.is_dir() else []
    if not files:
        pytest.skip("results/ holds no result files yet")
    report = RESULTS / "REPORT.md"
    assert report.exists(), "results/REPORT.md is missing: run `nox -s report` and commit it"
    expected = build_report([RESULTS])
    assert report.read_text(encoding="utf-8") == expected, (
        "results/REPORT.md is stale: run `nox -s report` and commit it"
    )
