"""The report over result files (host side): an index and one page per experiment, and ``lab diff``.

``results/REPORT.md`` is the index: what was measured (``intro``), at a glance (``glance``, with
the default start method per platform from ``defaults``), symptoms (``symptoms``), what changes
when you upgrade (``upgrade``), coverage and the machines, and the list of pages (``coverage``).
``results/experiments/NAME.md`` is one page per experiment (``page``, with ``timings`` and
``checks``). Every section is a function of one ``model.View`` of a ``ResultSet``; shared pieces
are ``markdown`` (escaping, links, anchors, tables) and ``values`` (value display, version
ranges). The report never names an experiment, an observation key or a symptom: it renders the
titles, questions, lessons, labels, symptoms and summaries experiments declare, and the cells.

Summary kinds (``EXPERIMENT.summaries``)
----------------------------------------
Plain dicts with a ``"kind"``. A *timing reference* is ``"NAME"`` (a timing of the declaring
experiment), ``"EXPERIMENT/NAME"``, or ``{"experiment": ..., "timing": ..., "method": ...}``
(experiment defaults to the declaring one; method to the summary's, else the first of fork,
spawn, forkserver that measured it). Ratios come from the same interpreter's cells, so from the
same run: the runner's round-by-round ratio where a cell records one, else the ratio of medians.
Across the interpreters of a platform a number is shown as a range (``×3.9–4.6``) and each
sentence names the interpreters it covers (``3.8–3.13, PyPy 3.9``).

``{"kind": "ratio", "timing": NAME, "baseline": "fork", "methods": [...]}``
    A sentence on the page ("In short"): NAME under each other method relative to the baseline
    (the runner's measured ratio where the cell records one, else the ratio of medians).
    ``baseline`` defaults to fork, or spawn where fork is absent; ``methods`` to every other
    method measured. Interpreters with an unstable timing are named.

``{"kind": "headline", "text": TEMPLATE, "timing": NAME, "baseline": "fork"}``
    A sentence from a template, on the page and in the index's "In short" list. Placeholders:
    ``{spawn}`` (any method name): ratio of ``timing`` under that method to ``baseline``;
    ``{ratio:METHOD/BASELINE:REF}``: ratio of medians of a timing reference;
    ``{median:METHOD:REF}`` (also ``p5``, ``p95``, ``min``, ``max``: shown with the unit; ``n``);
    ``{obs:METHOD:KEY}``: an observation at a dotted key (``unguarded.child_exitcode``), shown
    like the experiment tables (``0 on 3.8–3.12 · 1 on 3.13`` where interpreters differ).
    The sentence covers the interpreters for which every placeholder has a value.

``{"kind": "decomposition", "title": ..., "method": "spawn", "total": REF,
"parts": [{"label": ..., "experiment": ..., "timing": ...}, ...], "rest": LABEL,
"cumulative": true, "headline": false}``
    A table on the page (rows = interpreters): the total's median, then each part. With
    ``cumulative`` (the default) the parts are floors, each containing the one before
    (``python -c pass`` inside ``python -c "import multiprocessing"``), and a part is shown as
    its increase over the previous floor; otherwise parts are independent and add up. ``rest``
    is the total minus the largest floor (or the sum), each with its share of the total. With
    ``"headline": true`` the rest's share also becomes a sentence in "In short".

``{"kind": "floors", "title": ..., "floors": [REF with "label", ...], "compare": REF, "method": M}``
    A table on the page, rows = floors (then ``compare`` under each method that measured it),
    columns = interpreters: medians, so a reader sees what no start method can beat.

``{"kind": "series", "points": [{"x": X, "timing": NAME}, ...], "x_label": ..., "title": ..., "plot": STEM}``
    A table on the page: rows = x, columns = methods, medians (a range over the platform's
    interpreters). lab/plots.py draws the same declaration as ``STEM.svg``; the page shows it.

``{"kind": "distribution", "timing": NAME, "title": ..., "plot": STEM}``
    Drawn by lab/plots.py (every sample); the page's timing table already holds median and
    p5–p95, so it only shows ``STEM.svg``. With ``"glance": true`` (any plot kind) the picture
    is also shown in the index's at-a-glance section; other plots are linked there.

``{"kind": "default_method", "observation": KEY, "docs": URL}``
    KEY holds, in every cell, the method a plain ``Process()`` used. The at-a-glance section
    says which method each measured interpreter used and what the facts of the declaring
    experiment (``lab/facts/NAME.py``) that check KEY document for every platform and version,
    so "macOS" or "Linux 3.14" leads a reader to a column (``lab.report.defaults``).

An unknown kind or a malformed declaration is shown as a note beside the experiment, never
guessed at.

Bad input (``ReportInputError``, which is ``lab.results.files.ResultFileError``)
-------------------------------------------------------------------------------
No input, a path that does not exist, a directory with no result files, a corrupt or foreign
file, two files for the same build: one line naming the file and the problem; the CLI prints
it, exits 2 and writes nothing.
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
