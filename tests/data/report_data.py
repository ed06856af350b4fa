"""Synthetic result files for the report, diff and expectation tests (never real measurements).

``python tests/data/report_data.py`` rewrites tests/data/report/ and tests/data/diff/ from the
functions below; tests/test_report.py checks that the committed files still match them.
The experiments are invented (``alpha``, ``beta``) except for a few ``exit_codes`` cells, which
exist so that the documented-vs-observed section has claims that agree, differ and go unmeasured.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
METHODS = ("fork", "spawn", "forkserver")

ALPHA = {
    "title": "Alpha behaviour",
    "question": "Does the `child` see the parent's value?",
    "concept": "进程间内存相互隔离 — isolated memory",
    "kind": "behaviour",
    "version": 1,
    "summaries": [{"kind": "headline", "text": "Under spawn the child sees {obs:spawn:answer}"}],
}
BETA = {
    "title": "Beta timing",
    "question": "How long does a start take?",
    "concept": "start() takes time",
    "kind": "timing",
    "version": 1,
    "summaries": [
        {"kind": "ratio", "timing": "start", "baseline": "fork"},
        {
            "kind": "headline",
            "timing": "start",
            "baseline": "fork",
            "text": "A start is {spawn} times slower with spawn.",
        },
        {
            "kind": "decomposition",
            "title": "Where the start goes",
            "method": "spawn",
            "total": {"timing": "start"},
            "parts": [{"label": "interpreter", "timing": "floor"}],
            "rest": "the rest",
            "headline": True,
        },
        {
            "kind": "floors",
            "title": "Floors",
            "floors": [{"timing": "floor", "label": "bare start"}],
            "compare": "start",
        },
        {"kind": "sparkline", "timing": "start"},
    ],
}
EXIT_CODES = {
    "title": "Exit codes",
    "question": "What exitcode does the parent read?",
    "concept": "p.exitcode",
    "kind": "behaviour",
    "version": 1,
    "summaries": [],
}


def environment(platform: str, implementation: str, version: str, **extra: Any) -> dict[str, Any]:
    major_minor = ".".join(version.split(".")[:2])
    env = {
        "platform": platform,
        "os_release": {"linux": "6.1.0", "windows": "10", "macos": "23.0.0"}[platform],
        "machine": "x86_64",
        "cpu_count": 4,
        "cpu_affinity": 4,
        "cgroup_cpu_limit": None,
        "implementation": implementation,
        "python_version": version,
        "implementation_version": "7.3.15" if implementation == "pypy" else version,
        "series": major_minor,
        "free_threaded": False,
        "default_start_method": "spawn" if platform == "windows" else "fork",
        "available_start_methods": ["spawn"] if platform == "windows" else list(METHODS),
        "lab_version": "0.1.0",
        "git_commit": "0123456789abcdef",
        "created_at": "2026-01-02T03:04:05Z",
    }
    env.update(extra)
    return env


def timing(median: float, unstable: bool = False, n: int = 10) -> dict[str, Any]:
    p95 = median * (2.5 if unstable else 1.2)
    return {
        "unit": "ms",
        "n": n,
        "median": median,
        "p5": round(median * 0.9, 4),
        "p95": round(p95, 4),
        "min": round(median * 0.85, 4),
        "max": round(p95 * 1.1, 4),
        "unstable": unstable,
        "samples": [median] * n,
    }


def cell(
    experiment: str,
    method: str,
    status: str = "ok",
    observations: dict[str, Any] | None = None,
    timings: dict[str, Any] | None = None,
    version: int = 1,
) -> dict[str, Any]:
    return {
        "experiment": experiment,
        "method": method,
        "status": status,
        "wall_s": 0.5,
        "observations": observations or {},
        "timings": timings or {},
        "error": None if status == "ok" else f"synthetic {status}",
        "stderr_tail": "",
        "provenance": {
            "run_id": "synthetic",
            "created_at": "2026-01-02T03:04:05Z",
            "lab_commit": "0123456789abcdef",
            "quality": "full",
            "experiment_version": version,
        },
    }


def alpha(method: str, version: str, platform: str, some: int = 2) -> dict[str, Any]:
    return {
        "answer": "runtime" if method == "fork" else "import-time",
        "by_version": 1 if version < "3.13" else 2,
        "by_platform": "posix" if platform != "windows" else "nt",
        "message": "a | b at <pid> *not bold*",
        "nested": {"code": 0, "flag": True},
        "count": {"count": some, "trials": 4, "fraction": some / 4, "class": "some"},
        "proc": {"status": "not applicable", "reason": "no /proc here"},
        "error": {"type": "ValueError", "message": "process object is closed"},
    }


def beta(method: str, base: float, unstable: bool = False) -> dict[str, Any]:
    factor = {"fork": 1.0, "spawn": 4.0, "forkserver": 2.0}[method]
    return {"start": timing(base * factor, unstable=unstable), "floor": timing(base * 2.5)}


def result(env: dict[str, Any], cells: list[dict[str, Any]], label: str = "local") -> dict[str, Any]:
    return {
        "schema": "forklab.results/1",
        "label": label,
        "environment": env,
        "experiments": {"alpha": ALPHA, "beta": BETA, "exit_codes": EXIT_CODES},
        "cells": cells,
    }


def report_files() -> dict[str, dict[str, Any]]:
    """linux CPython 3.12, 3.13 and PyPy 3.9, windows CPython 3.12; macOS not measured."""
    files = {}
    for impl, version in (("cpython", "3.12.1"), ("cpython", "3.13.0"), ("pypy", "3.9.18")):
        env = environment("linux", impl, version)
        cells = []
        for method in METHODS:
            cells.append(cell("alpha", method, observations=alpha(method, version, "linux")))
            if version == "3.12.1" and method == "forkserver":
                cells.append(cell("beta", method, status="timeout"))
            elif version == "3.13.0" and method == "spawn":
                cells.append(cell("beta", method, status="error"))
            else:
                cells.append(
                    cell("beta", method, timings=beta(method, 1.0 + 0.1 * len(cells), unstable=impl == "pypy"))
                )
            if version != "3.13.0":  # 3.13 has no exit_codes cells: not measured
                exit_3 = 4 if (version == "3.12.1" and method == "spawn") else 3  # a documented claim differs
                cells.append(cell("exit_codes", method, observations={"sys.exit(3)": exit_3, "sys.exit('text')": 1}))
        files[f"local-linux-{impl}-{version[:3] if impl == 'pypy' else version[:4]}.json"] = result(env, cells)
    env = environment("windows", "cpython", "3.12.1")
    cells = []
    for method in METHODS:
        if method != "spawn":
            cells += [cell(name, method, status="unavailable") for name in ("alpha", "beta", "exit_codes")]
            continue
        cells.append(cell("alpha", method, observations=alpha(method, "3.12.1", "windows")))
        cells.append(cell("beta", method, timings={"start": timing(9.0), "floor": timing(5.0)}))
        cells.append(cell("exit_codes", method, observations={"sys.exit(3)": 3, "kill()": -15}))
    files["local-windows-cpython-3.12.json"] = result(env, cells)
    return files


def diff_files() -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """OLD: linux 3.12 and PyPy 3.9. NEW: 3.12 changed in several ways, PyPy gone, 3.13 added."""
    report = report_files()
    old = {name: report[name] for name in ("local-linux-cpython-3.12.json", "local-linux-pypy-3.9.json")}
    changed = copy.deepcopy(report["local-linux-cpython-3.12.json"])
    for item in changed["cells"]:
        key = (item["experiment"], item["method"])
        if key == ("alpha", "spawn"):
            item["observations"]["answer"] = "runtime"  # a behaviour change
            item["observations"]["count"] = {"count": 3, "trials": 4, "fraction": 0.75, "class": "some"}  # same class
        if key == ("alpha", "fork"):
            item["observations"]["count"] = {"count": 4, "trials": 4, "fraction": 1.0, "class": "all"}  # class change
        if key == ("exit_codes", "fork"):
            item["provenance"]["experiment_version"] = 2  # the experiment changed, reported apart
            item["observations"]["sys.exit(3)"] = 5
        if key == ("beta", "spawn"):
            item["timings"]["start"]["median"] *= 2  # the spawn/fork ratio doubles
    dropped = ("alpha", "forkserver")  # a cell removed
    changed["cells"] = [c for c in changed["cells"] if (c["experiment"], c["method"]) != dropped]
    new = {
        "local-linux-cpython-3.12.json": changed,
        "local-linux-cpython-3.13.json": report["local-linux-cpython-3.13.json"],
    }
    return old, new


def dump(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def expected_files() -> dict[Path, str]:
    """Every synthetic file, by path under tests/data."""
    files = {HERE / "report" / name: dump(data) for name, data in report_files().items()}
    old, new = diff_files()
    files.update({HERE / "diff" / "old" / name: dump(data) for name, data in old.items()})
    files.update({HERE / "diff" / "new" / name: dump(data) for name, data in new.items()})
    return files


if __name__ == "__main__":
    for path, text in expected_files().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(path.relative_to(HERE))
