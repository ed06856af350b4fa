"""SVG plots of the timing results (host side, Python 3.10+; matplotlib is the optional extra ``plots``).

Like the report, the plots never name an experiment: they draw what experiments declare in
``EXPERIMENT.summaries`` (read through ``ResultSet.declarations``, as the report reads them), one
SVG per declaration of a plot kind:

* ``{"kind": "distribution", "timing": NAME, "plot": STEM, "title": ...}`` -- the samples of one
  timing as a box per start method, grouped by interpreter, on a log scale (fork and spawn differ by
  tens of times);
* ``{"kind": "series", "points": [{"x": X, "timing": NAME}, ...], "x_label": ..., "plot": STEM,
  "title": ...}`` -- one panel per start method, one line per interpreter: the median at each x,
  with a bar from p5 to p95.

The file is ``OUT_DIR/STEM.svg``, so the report can link it without importing this module.
The SVGs are reproducible: same inputs and matplotlib version, same bytes (fixed ``svg.hashsalt``
for the ids, no date in the metadata, a fixed order for everything drawn).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lab import METHODS
from lab.results.resultset import Loaded, ResultSet

PLOT_KINDS = ("distribution", "series")
INSTALL_HINT = "pip install 'forklab[plots]' (or pip install matplotlib), then run: python -m lab plot"
METHOD_COLOURS = {"fork": "#1f77b4", "spawn": "#d62728", "forkserver": "#2ca02c"}
LINE_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "h")
RC = {
    "svg.hashsalt": "forklab",  # ids derive from this instead of a random uuid
    "svg.fonttype": "path",  # glyphs as paths: no dependence on the reader's fonts
    "font.family": "DejaVu Sans",  # shipped with matplotlib
    "font.size": 9,
    "axes.grid": True,
    "grid.alpha": 0.3,
}


class PlotsUnavailable(RuntimeError):
    """matplotlib is not installed; the message says plots were skipped and how to get them."""


def skipped_reason() -> str | None:
    """None when plots can be drawn; otherwise the line to show the user."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return f"plots skipped: matplotlib is not installed; to get them: {INSTALL_HINT}"
    return None


@dataclass(frozen=True)
class Series:
    """One result file as a plot names it: an interpreter build on one machine."""

    item: Loaded
    name: str

    def timing(self, experiment: str, method: str, name: str) -> dict[str, Any] | None:
        cell = self.item.result.cell(experiment, method)
        if cell is None or cell.status != "ok":
            return None
        return cell.timings.get(name)


def series(results: ResultSet) -> list[Series]:
    """The result set's files in report order, each named as the report names it."""
    from lab.report.values import where

    universe = results.identities
    return [Series(item, where([item.identity], universe)) for item in results.loaded]


def declarations(results: ResultSet) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(experiment, its declaration, one plot declaration) for every plot declared, in name order
    (declarations from the current code where the experiment exists, as the report takes them)."""
    declared = results.declarations()
    plots = []
    for experiment in sorted(declared):
        for summary in declared[experiment].get("summaries") or []:
            if isinstance(summary, dict) and summary.get("kind") in PLOT_KINDS and summary.get("plot"):
                plots.append((experiment, declared[experiment], summary))
    return plots


def _methods(found: list[Series], experiment: str, names: list[str]) -> list[str]:
    return [m for m in METHODS if any(s.timing(experiment, m, n) for s in found for n in names)]


def _log_axis(axes) -> None:
    """A log scale labelled with plain numbers (3, 10, 100), which readers of milliseconds expect."""
    from matplotlib.ticker import LogLocator, NullFormatter, ScalarFormatter

    axes.set_yscale("log")
    axes.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axes.yaxis.set_major_formatter(ScalarFormatter())
    axes.yaxis.set_minor_formatter(NullFormatter())


def _distribution(figure, found: list[Series], experiment: str, meta: dict[str, Any], declared: dict[str, Any]):
    name = declared["timing"]
    methods = _methods(found, experiment, [name])
    shown = [s for s in found if any(s.timing(experiment, m, name) for m in methods)]
    if not shown:
        return False
    axes = figure.add_subplot(1, 1, 1)
    width = 0.8 / max(len(methods), 1)
    unit = "ms"
    for index, method in enumerate(methods):
        data, positions = [], []
        for group, source in enumerate(shown):
            timing = source.timing(experiment, method, name)
            if timing is None:
                continue
            unit = timing["unit"]
            data.append(timing["samples"])
            positions.append(group + (index - (len(methods) - 1) / 2) * width)
        if not data:
            continue
        boxes = axes.boxplot(
            data,
            positions=positions,
            widths=width * 0.85,
            patch_artist=True,
            manage_ticks=False,
            whis=(5, 95),
            medianprops={"color": "black", "linewidth": 1.2},
        )
        for patch in boxes["boxes"]:
            patch.set(facecolor=METHOD_COLOURS.get(method, "#999999"), alpha=0.45)
        for flier in boxes["fliers"]:
            flier.set(marker=".", markersize=3, markeredgecolor=METHOD_COLOURS.get(method, "#999999"))
        axes.plot([], [], color=METHOD_COLOURS.get(method, "#999999"), linewidth=8, alpha=0.45, label=method)
    axes.set_xticks(range(len(shown)))
    crowded = len(shown) > 6
    axes.set_xticklabels([s.name for s in shown], rotation=30 if crowded else 0, ha="right" if crowded else "center")
    _log_axis(axes)
    axes.set_ylabel(f"{name} ({unit}, log scale)")
    axes.set_title(str(declared.get("title") or meta.get("title") or experiment))
    axes.legend(title="start method (box: quartiles,\nwhiskers: p5 to p95)", loc="upper left", frameon=False)
    return True


def _series(figure, found: list[Series], experiment: str, meta: dict[str, Any], declared: dict[str, Any]):
    points = declared.get("points", [])
    names = [p["timing"] for p in points]
    methods = _methods(found, experiment, names)
    if not methods:
        return False
    panels = figure.subplots(1, len(methods), squeeze=False)[0]
    for axes, method in zip(panels, methods, strict=True):
        unit = None
        medians_drawn: list[float] = []
        for index, source in enumerate(found):
            xs, medians, low, high = [], [], [], []
            for point in points:
                timing = source.timing(experiment, method, point["timing"])
                if timing is None:
                    continue
                unit = timing["unit"]
                xs.append(point["x"])
                medians.append(timing["median"])
                low.append(timing["median"] - timing["p5"])
                high.append(timing["p95"] - timing["median"])
            if not xs:
                continue
            medians_drawn.extend(medians)
            axes.errorbar(
                xs,
                medians,
                yerr=[low, high],
                label=source.name,
                color=LINE_COLOURS[index % len(LINE_COLOURS)],
                marker=MARKERS[index % len(MARKERS)],
                markersize=4,
                capsize=2,
                linewidth=1,
            )
        axes.set_title(method)
        axes.set_xlabel(str(declared.get("x_label", "x")))
        axes.set_xticks(sorted({p["x"] for p in points}))
        spread = medians_drawn and min(medians_drawn) > 0 and max(medians_drawn) / min(medians_drawn) > 5
        if spread:  # interpreters many times apart (PyPy's spawn): a linear axis would flatten the rest
            _log_axis(axes)
        else:
            axes.set_ylim(bottom=0)
        if unit:
            axes.set_ylabel(f"median, p5 to p95 ({unit}{', log scale' if spread else ''})")
    panels[-1].legend(title="interpreter", fontsize=7, frameon=False)
    figure.suptitle(str(declared.get("title") or meta.get("title") or experiment))
    return True


DRAW = {"distribution": _distribution, "series": _series}


def _render(found: list[Series], experiment: str, meta: dict[str, Any], declared: dict[str, Any]) -> bytes | None:
    """One declaration as SVG bytes, or None when no result file holds its timings."""
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context(RC):
        wide = declared["kind"] == "series"
        figure = Figure(figsize=(10, 3.6) if wide else (8, 4.2), layout="constrained")
        if not DRAW[declared["kind"]](figure, found, experiment, meta, declared):
            return None
        buffer = io.BytesIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def plot(inputs: list[Path] | ResultSet, out_dir: Path) -> list[Path]:
    """Draw every declared plot of the result files (or a loaded ``ResultSet``) into ``out_dir``.

    Returns the paths written, sorted. Raises PlotsUnavailable (its message says how to get the
    plots) when matplotlib is missing, and lab.results.files.ResultFileError for a bad result file.
    """
    reason = skipped_reason()
    if reason is not None:
        raise PlotsUnavailable(reason)
    results = inputs if isinstance(inputs, ResultSet) else ResultSet.load([Path(p) for p in inputs])
    found = series(results)
    out_dir = Path(out_dir)
    written = []
    for experiment, meta, declared in declarations(results):
        svg = _render(found, experiment, meta, declared)
        if svg is None:
            continue
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / f"{declared['plot']}.svg"
        path.write_bytes(svg)
        written.append(path)
    return sorted(written)
