"""Summary kinds: how an experiment declares that its cells combine (see ``lab.report`` docstring).

What a declaration refers to (timings, ratios, the machines' scopes) is in ``lab.report.refs``.

The report renders whatever an experiment declares in ``EXPERIMENT.summaries`` and never names an
experiment; a declaration it cannot render becomes a visible note, never a crash or a guess.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from lab import METHODS
from lab.report.markdown import code, table, text
from lab.report.refs import (
    Ref,
    Rendered,
    Scope,
    SummaryError,
    cell_of,
    default_baseline,
    ratio_of,
    ref,
    resolve,
    timing_of,
)
from lab.report.values import (
    NOT_MEASURED,
    Leaf,
    collapse,
    flatten,
    label_in,
    leaf,
    number,
    percent,
    ratio_text,
    span,
    version_ranges,
)
from lab.results.identity import Identity
from lab.results.resultset import Loaded as Source

KINDS = ("ratio", "headline", "decomposition", "floors", "series", "distribution", "default_method")
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
_STATS = ("median", "p5", "p95", "min", "max", "n")


# -- ratio -----------------------------------------------------------------------------------------
def render_ratio(declared: dict[str, Any], experiment: str, meta: dict[str, Any], scopes: list[Scope]) -> Rendered:
    timing = declared.get("timing")
    if not isinstance(timing, str):
        raise SummaryError("ratio: needs 'timing', the name of a timing")
    baseline = declared.get("baseline")
    if baseline is not None and not isinstance(baseline, str):
        raise SummaryError("ratio: 'baseline' must be a start method")
    out = Rendered()
    for scope in scopes:
        per_method: dict[str, dict[Identity, float]] = {}
        unstable: set[Identity] = set()
        used_baselines: set[str] = set()
        for source in scope.sources:
            base = baseline or default_baseline(source, experiment, timing)
            if base is None or timing_of(source, experiment, timing, base) is None:
                continue
            used_baselines.add(base)
            methods = declared.get("methods") or [m for m in source.result.methods() if m != base]
            for method in methods:
                value = ratio_of(source, experiment, timing, method, base)
                if value is None:
                    continue
                per_method.setdefault(method, {})[source.identity] = value
                for m in (method, base):
                    if timing_of(source, experiment, timing, m)["unstable"]:
                        unstable.add(source.identity)
        if not per_method:
            continue
        parts = [f"{text(m)} ×{span(list(v.values()), ratio_text)}" for m, v in per_method.items()]
        interps = sorted({i for v in per_method.values() for i in v})
        body = (
            f"*{text(meta.get('title', experiment))}*: {code(timing)} relative to "
            f"{text(' or '.join(sorted(used_baselines)))}: {', '.join(parts)}"
        )
        sentence = scope.sentence(body, interps)
        if unstable:
            sentence += f"; **unstable** on {text(version_ranges(sorted(unstable), scope.universe))}"
        out.headlines.append(sentence + ".")
    return out


# -- headline --------------------------------------------------------------------------------------
def _placeholder(token: str, declared: dict[str, Any], experiment: str) -> Callable[[Source], tuple[str, Any] | None]:
    """A function giving one interpreter's value for a placeholder: ("number", x) or ("leaf", Leaf)."""
    if token in METHODS or ":" not in token:
        timing, baseline = declared.get("timing"), declared.get("baseline")
        if not isinstance(timing, str):
            raise SummaryError(f"headline: {{{token}}} needs the summary's 'timing' (and 'baseline')")

        def method_ratio(source: Source) -> tuple[str, Any] | None:
            base = baseline or default_baseline(source, experiment, timing)
            value = None if base is None else ratio_of(source, experiment, timing, token, base)
            return None if value is None else ("ratio", value)

        return method_ratio
    kind, _, rest = token.partition(":")
    method, _, name = rest.partition(":")
    if not method or not name:
        raise SummaryError(f"headline: placeholder {{{token}}} is not KIND:METHOD:NAME")
    if kind == "obs":

        def observation(source: Source) -> tuple[str, Any] | None:
            cell = cell_of(source, experiment, method)
            flat = flatten(cell.observations) if cell else {}
            return ("leaf", leaf(flat[name])) if name in flat else None

        return observation
    if kind == "ratio":
        top, _, bottom = method.partition("/")
        if not bottom:
            raise SummaryError(f"headline: {{{token}}} needs METHOD/BASELINE")
        target = ref(name, experiment, "headline")

        def ratio(source: Source) -> tuple[str, Any] | None:
            value = ratio_of(source, target.experiment, target.timing, top, bottom)
            return None if value is None else ("ratio", value)

        return ratio
    if kind in _STATS:
        target = ref(name, experiment, "headline")

        def statistic(source: Source) -> tuple[str, Any] | None:
            found = timing_of(source, target.experiment, target.timing, method)
            if found is None:
                return None
            return ("count", found[kind]) if kind == "n" else ("number", (found[kind], found["unit"]))

        return statistic
    raise SummaryError(f"headline: unknown placeholder kind {kind!r} (use a method, ratio, obs, {', '.join(_STATS)})")


def render_headline(declared: dict[str, Any], experiment: str, meta: dict[str, Any], scopes: list[Scope]) -> Rendered:
    template = declared.get("text", declared.get("template"))
    if not isinstance(template, str) or not template:
        raise SummaryError("headline: needs 'text', a sentence with {placeholders}")
    tokens = _PLACEHOLDER.findall(template)
    getters = {token: _placeholder(token, declared, experiment) for token in tokens}
    literal = _PLACEHOLDER.split(template)  # text, token, text, token, ...
    out = Rendered()
    for scope in scopes:
        values: dict[str, dict[Identity, Any]] = {token: {} for token in tokens}
        complete: list[Identity] = []
        for source in scope.sources:
            found = {token: get(source) for token, get in getters.items()}
            if all(v is not None for v in found.values()):
                complete.append(source.identity)
                for token, value in found.items():
                    values[token][source.identity] = value
        if not complete:
            continue
        pieces = []
        for index, part in enumerate(literal):
            pieces.append(text(part) if index % 2 == 0 else _combine(values[part], scope))
        out.headlines.append(scope.sentence("".join(pieces).rstrip(". "), complete) + ".")
    return out


def _combine(values: dict[Identity, tuple[str, Any]], scope: Scope) -> str:
    kinds = {kind for kind, _ in values.values()}
    if kinds == {"ratio"}:
        return span([v for _, v in values.values()], ratio_text)
    if kinds == {"count"}:
        return span([v for _, v in values.values()], lambda x: str(int(x)))
    if kinds == {"number"}:
        units = {unit for _, (_, unit) in values.values()}
        return f"{span([v for _, (v, _) in values.values()])} {text(' or '.join(sorted(units)))}"
    leaves: dict[Identity, Leaf] = {i: v for i, (_, v) in values.items()}
    return text(collapse(leaves, scope.universe))


# -- decomposition ---------------------------------------------------------------------------------
def _share(value: float, total: float, unit: str) -> str:
    share = f" ({percent(100 * value / total)}%)" if total else ""
    return f"{number(value)} {unit}{share}"


def render_decomposition(
    declared: dict[str, Any], experiment: str, meta: dict[str, Any], scopes: list[Scope]
) -> Rendered:
    total = ref(declared.get("total", declared.get("timing")), experiment, "decomposition total")
    method = declared.get("method") or total.method
    if not isinstance(method, str):
        raise SummaryError("decomposition: needs 'method', the start method whose timing is decomposed")
    raw_parts = declared.get("parts")
    if not isinstance(raw_parts, list) or not raw_parts:
        raise SummaryError("decomposition: needs 'parts', a list of timings")
    parts = [(ref(p, experiment, f"decomposition part {i + 1}"), _label(p)) for i, p in enumerate(raw_parts)]
    cumulative = declared.get("cumulative", True) is not False
    rest_label = str(declared.get("rest", "the rest"))
    title = str(declared.get("title", f"{total.timing} in parts"))
    out = Rendered()
    headers = ["Interpreter", f"{code(total.timing)} ({text(method)})"]
    headers += [text(label) for _, label in parts] + [text(rest_label)]
    for scope in scopes:
        rows, shares = [], {}
        for source in scope.sources:
            whole = timing_of(source, total.experiment, total.timing, method)
            if whole is None:
                continue
            floors = [resolve(source, part, method) for part, _ in parts]
            unit = whole["unit"]
            row = [text(label_in(source.identity, scope.universe)), f"{number(whole['median'])} {unit}"]
            previous, used = 0.0, 0.0
            for floor in floors:
                if floor is None:
                    row.append(NOT_MEASURED)
                    continue
                piece = floor["median"] - previous if cumulative else floor["median"]
                previous = floor["median"] if cumulative else previous
                used = floor["median"] if cumulative else used + floor["median"]
                row.append(_share(piece, whole["median"], unit))
            if any(f is None for f in floors):
                row.append(NOT_MEASURED)
            else:
                row.append(_share(whole["median"] - used, whole["median"], unit))
                if whole["median"]:
                    shares[source.identity] = 100 * (whole["median"] - used) / whole["median"]
            rows.append(row)
        if not rows:
            continue
        heading = f"**{text(title)}**" + (f" — {text(scope.name)}" if scope.several else "")
        legend = (
            "each part is the increase over the floor before it" if cumulative else "parts are measured on their own"
        )
        out.blocks.append(f"{heading} (medians; {legend}; % of the total)\n\n{table(headers, rows)}")
        if declared.get("headline") and shares:
            body = (
                f"{span(list(shares.values()), percent)}% of {code(total.timing)} under "
                f"{text(method)} is {text(rest_label)}"
            )
            out.headlines.append(scope.sentence(body, sorted(shares)) + ".")
    return out


def _label(part: Any) -> str:
    if isinstance(part, dict) and part.get("label"):
        return str(part["label"])
    return part if isinstance(part, str) else str(part.get("timing", "?"))


# -- floors ----------------------------------------------------------------------------------------
def render_floors(declared: dict[str, Any], experiment: str, meta: dict[str, Any], scopes: list[Scope]) -> Rendered:
    raw = declared.get("floors")
    if not isinstance(raw, list) or not raw:
        raise SummaryError("floors: needs 'floors', a list of timings")
    method = declared.get("method")
    floors = [(ref(f, experiment, f"floor {i + 1}"), _label(f)) for i, f in enumerate(raw)]
    compare = ref(declared["compare"], experiment, "floors compare") if declared.get("compare") else None
    title = str(declared.get("title", "Floors"))
    out = Rendered()
    for scope in scopes:
        headers = ["", *[text(label_in(s.identity, scope.universe)) for s in scope.sources]]
        rows = []
        for floor, label in floors:
            cells = [resolve(source, floor, method) for source in scope.sources]
            rows.append([text(label), *[_median(c) for c in cells]])
        if compare is not None:
            methods = [
                m for m in METHODS if any(timing_of(s, compare.experiment, compare.timing, m) for s in scope.sources)
            ]
            for m in methods:
                cells = [_median_or_status(source, compare, m) for source in scope.sources]
                rows.append([f"{code(compare.timing)} with {text(m)}", *cells])
        if all(cell == NOT_MEASURED for row in rows for cell in row[1:]):
            continue
        heading = f"**{text(title)}**" + (f" — {text(scope.name)}" if scope.several else "")
        out.blocks.append(f"{heading} (medians)\n\n{table(headers, rows, ['left'] + ['right'] * len(scope.sources))}")
    return out


def _median_or_status(source: Source, target: Ref, method: str) -> str:
    """The median, or why there is none (``timeout``, ``unavailable``, ``not measured``)."""
    cell = source.result.cell(target.experiment, method)
    if cell is not None and cell.status != "ok":
        return text(cell.status)
    return _median(timing_of(source, target.experiment, target.timing, method))


def _median(timing: dict[str, Any] | None) -> str:
    if timing is None:
        return NOT_MEASURED
    return f"{number(timing['median'])} {timing['unit']}" + (" **unstable**" if timing["unstable"] else "")


# -- plots (lab/plots.py draws them; the page shows the numbers and the picture) --------------------
#: Where a page finds the plots (pages live in results/experiments/, plots in results/plots/).
PLOTS_FROM_PAGE = "../plots"


def plot_path(declared: dict[str, Any], base: str = PLOTS_FROM_PAGE) -> str:
    return f"{base}/{declared['plot']}.svg"


def _plot_line(declared: dict[str, Any]) -> str:
    if not declared.get("plot"):
        return ""
    title = text(declared.get("title") or declared["plot"])
    return f"![{title}]({plot_path(declared)})\n\n{text(declared['plot'])}.svg, drawn by `python -m lab plot`."


def _measures(sources: list[Source], targets: list[Ref], method: str) -> bool:
    return any(timing_of(s, t.experiment, t.timing, method) for s in sources for t in targets)


def render_series(declared: dict[str, Any], experiment: str, meta: dict[str, Any], scopes: list[Scope]) -> Rendered:
    points = declared.get("points")
    if not isinstance(points, list) or not points:
        raise SummaryError("series: needs 'points', a list of {'x', 'timing'}")
    targets = [(str(p["x"]), ref(p, experiment, f"series point {i + 1}")) for i, p in enumerate(points)]
    title = str(declared.get("title", "Series"))
    out = Rendered()
    for scope in scopes:
        methods = [m for m in METHODS if _measures(scope.sources, [t for _, t in targets], m)]
        if not methods:
            continue
        rows = []
        for x, target in targets:
            row = [text(x)]
            for method in methods:
                found = [timing_of(s, target.experiment, target.timing, method) for s in scope.sources]
                medians = [f["median"] for f in found if f is not None]
                units = sorted({f["unit"] for f in found if f is not None})
                row.append(f"{span(medians)} {text(' or '.join(units))}" if medians else NOT_MEASURED)
            rows.append(row)
        heading = f"**{text(title)}**" + (f" — {text(scope.name)}" if scope.several else "")
        interps = text(version_ranges(scope.universe, scope.universe))
        header = [text(declared.get("x_label", "x")), *methods]
        block = f"{heading} (medians, range over {interps})\n\n{table(header, rows)}"
        line = _plot_line(declared)
        out.blocks.append(f"{block}\n\n{line}" if line else block)
    return out


def render_distribution(
    declared: dict[str, Any], experiment: str, meta: dict[str, Any], scopes: list[Scope]
) -> Rendered:
    """The timing table already holds median and p5–p95; the plot shows every sample."""
    line = _plot_line(declared)
    return Rendered(blocks=[line] if line else [])


def render_elsewhere(declared: dict[str, Any], experiment: str, meta: dict[str, Any], scopes: list[Scope]) -> Rendered:
    """Kinds another section renders (``default_method``: lab.report.defaults)."""
    return Rendered()


RENDERERS = {
    "series": render_series,
    "distribution": render_distribution,
    "ratio": render_ratio,
    "headline": render_headline,
    "decomposition": render_decomposition,
    "floors": render_floors,
    "default_method": render_elsewhere,
}


def render(declared: Any, experiment: str, meta: dict[str, Any], scopes: list[Scope]) -> Rendered:
    """Render one declared summary; a bad declaration becomes a note naming the problem."""
    if not isinstance(declared, dict) or declared.get("kind") not in RENDERERS:
        kind = declared.get("kind") if isinstance(declared, dict) else declared
        return Rendered(notes=[f"summary kind {kind!r} is not one this report renders ({', '.join(KINDS)})"])
    try:
        return RENDERERS[declared["kind"]](declared, experiment, meta, scopes)
    except SummaryError as exc:
        return Rendered(notes=[str(exc)])
    except (KeyError, TypeError, ValueError, ZeroDivisionError) as exc:
        return Rendered(notes=[f"{declared['kind']}: cannot render ({type(exc).__name__}: {exc})"])
