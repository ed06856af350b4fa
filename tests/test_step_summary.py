"""tools/step_summary.py: the index as a job summary, within GitHub's 1 MiB limit (our own code)."""

from __future__ import annotations

import importlib.util

from tests.conftest import ROOT

spec = importlib.util.spec_from_file_location("step_summary", ROOT / "tools" / "step_summary.py")
step_summary = importlib.util.module_from_spec(spec)
spec.loader.exec_module(step_summary)

INDEX = """# forklab

Intro with [a page](experiments/alpha.md#obs-x), [the docs](https://docs.python.org/3/) and [a section](#coverage).

![Start samples](plots/beta-start.svg)

## At a glance

| a | b |
|---|---|
| [x](experiments/alpha.md) | 1 |

## Coverage

text
"""


def test_relative_links_become_text_and_web_links_stay():
    shown = step_summary.unlink_relative(INDEX)
    assert "[a page]" not in shown
    assert "Intro with a page," in shown
    assert "[the docs](https://docs.python.org/3/)" in shown
    assert "[a section](#coverage)" in shown
    assert "*(picture in the report artifact: Start samples)*" in shown
    assert "| x | 1 |" in shown


def test_a_small_index_is_kept_whole_with_the_artifact_link():
    shown = step_summary.shorten(INDEX, "https://example.invalid/artifact")
    assert shown.startswith(INDEX.rstrip())
    assert "[the `report` artifact](https://example.invalid/artifact)" in shown


def test_a_large_report_keeps_whole_sections_and_lists_the_rest():
    report = INDEX + "\n## Huge\n\n" + "x" * 5000 + "\n"
    shown = step_summary.shorten(report, None, limit=1500)
    assert "## Coverage" in shown
    assert "x" * 100 not in shown
    assert "- Huge" in shown


def test_the_committed_index_fits(tmp_path):
    index = (ROOT / "results" / "REPORT.md").read_text(encoding="utf-8")
    shown = step_summary.shorten(step_summary.unlink_relative(index), None)
    assert "1 MiB job-summary limit" not in shown  # the step summary's own shortening marker
    assert len(shown.encode("utf-8")) < step_summary.LIMIT_BYTES
    assert "](experiments/" not in shown
