"""Reports over result files: the Markdown report (``build_report``) and ``diff`` (host side).

Input is any set of result files and directories; output is one Markdown document built with
tabulate's ``pipe`` format, in this order: Headline, Coverage, one section per experiment,
Timings, Documented vs observed, Environments. The report never names an experiment: it renders
the titles, questions and concepts stored in each file's ``experiments`` block, the cells'
observations and timings, and the summaries experiments declare.

Summary kinds (``EXPERIMENT.summaries``)
----------------------------------------
Plain dicts with a ``"kind"``. A *timing reference* is ``"NAME"`` (a timing of the declaring
experiment), ``"EXPERIMENT/NAME"``, or ``{"experiment": ..., "timing": ..., "method": ...}``
(experiment defaults to the declaring one; method to the summary's, else the first of fork,
spawn, forkserver that measured it). Ratios are medians of the same interpreter's cells, so of
the same run. Across the interpreters of a platform a number is shown as a range
(``×3.9–4.6``) and each sentence names the interpreters it covers (``3.8–3.13, PyPy 3.9``).

``{"kind": "ratio", "timing": NAME, "baseline": "fork", "methods": [...]}``
    A Headline sentence: the median of NAME under each other method relative to the baseline.
    ``baseline`` defaults to fork, or spawn where fork is absent; ``methods`` to every other
    method measured. Interpreters with an unstable timing are named.

``{"kind": "headline", "text": TEMPLATE, "timing": NAME, "baseline": "fork"}``
    A Headline sentence from a template. Placeholders:
    ``{spawn}`` (any method name): ratio of ``timing`` under that method to ``baseline``;
    ``{ratio:METHOD/BASELINE:REF}``: ratio of medians of a timing reference;
    ``{median:METHOD:REF}`` (also ``p5``, ``p95``, ``min``, ``max``: shown with the unit; ``n``);
    ``{obs:METHOD:KEY}``: an observation at a dotted key (``unguarded.child_exitcode``), shown
    like the experiment tables (``0 on 3.8–3.12 · 1 on 3.13`` where interpreters differ).
    The sentence covers the interpreters for which every placeholder has a value.

``{"kind": "decomposition", "title": ..., "method": "spawn", "total": REF,
"parts": [{"label": ..., "experiment": ..., "timing": ...}, ...], "rest": LABEL,
"cumulative": true, "headline": false}``
    A table in Timings (rows = interpreters): the total's median, then each part. With
    ``cumulative`` (the default) the parts are floors, each containing the one before
    (``python -c pass`` inside ``python -c "import multiprocessing"``), and a part is shown as
    its increase over the previous floor; otherwise parts are independent and add up. ``rest``
    is the total minus the largest floor (or the sum), each with its share of the total. With
    ``"headline": true`` the rest's share also becomes a Headline sentence.

``{"kind": "floors", "title": ..., "floors": [REF with "label", ...], "compare": REF, "method": M}``
    A table in Timings, rows = floors (then ``compare`` under each method that measured it),
    columns = interpreters: medians, so a reader sees what no start method can beat.

``{"kind": "series", "points": [{"x": X, "timing": NAME}, ...], "x_label": ..., "title": ..., "plot": STEM}``
    A table in Timings: rows = x, columns = methods, medians (a range over the platform's
    interpreters). lab/plots.py draws the same declaration as ``STEM.svg``; the report names it.

``{"kind": "distribution", "timing": NAME, "title": ..., "plot": STEM}``
    Drawn by lab/plots.py (every sample); the report's timing table already holds median and
    p5–p95, so it only names ``STEM.svg``.

An unknown kind or a malformed declaration is shown as a note beside the experiment, never
guessed at.

Bad input (``ReportInputError``)
--------------------------------
No input, a path that does not exist, a directory with no result files, a corrupt or foreign
file, two files for the same label, platform and interpreter: one line naming the file and the
problem; the CLI prints it, exits 2 and writes nothing.
"""

from __future__ import annotations

from lab.report.build import build_all, build_report, render, write_report
from lab.report.diff import DiffResult, diff
from lab.report.summaries import KINDS
from lab.results.files import ResultFileError as ReportInputError

__all__ = [
    "KINDS",
    "DiffResult",
    "ReportInputError",
    "build_all",
    "build_report",
    "diff",
    "render",
    "write_report",
]
