"""Synthetic result files (schema 2) for the report, diff and plot tests (never real measurements).

``python tests/data/report_data.py`` rewrites tests/data/report/ and tests/data/diff/ from the
functions below; tests/test_report.py checks that the committed files still match them.

The experiments are invented (``alpha``, ``beta``) except for a few ``exit_codes`` cells, which
exist so that the checks against CPython's docs have claims that agree, differ and go unmeasured
(their declaration comes from the lab's own code, as the report takes it). The set has two patch
releases of one series (3.13.0, 3.13.18), neighbouring series (3.12, 3.13, 3.14), PyPy, a
spawn-only Windows file, and no macOS file ("not measured").
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
METHODS = ("fork", "spawn", "forkserver")
LINUX = (
    ("cpython", "3.12.1"),
    ("cpython", "3.13.0"),
    ("cpython", "3.13.18"),
    ("cpython", "3.14.2"),
    ("pypy", "3.9.18"),
)

ALPHA = {
    "title": "Alpha behaviour",
    "question": "Does the `child` see the parent's value?",
    "concept": "进程间内存相互隔离 — isolated memory",
    "lesson": "fork copies the parent; spawn starts afresh. So the child sees what the parent had at import time.",
    "docs": "https://docs.python.org/3/library/multiprocessing.html#the-spawn-and-forkserver-start-methods",
    "kind": "behaviour",
    "version": 1,
    "summaries": [{"kind": "headline", "text": "Under spawn the child sees {obs:spawn:answer}"}],
    "observations": {
        "answer": {"label": "What the child sees", "glance": True, "depends_on": "", "judgement": False},
        "by_patch": {"label": "A flag fixed in a patch release", "glance": True, "depends_on": "", "judgement": False},
        "by_version": {
            "label": "A value that changes with the version",
            "glance": False,
            "depends_on": "",
            "judgement": False,
        },
        "pid1": {
            "label": "What PID 1 is",
            "glance": True,
            "depends_on": "machine: the init process",
            "judgement": False,
        },
        "faster": {"label": "Faster than one process", "glance": False, "depends_on": "", "judgement": True},
        "nested": {"label": "Nested", "glance": False, "depends_on": "", "judgement": False},
        "failure": {"label": "Where a nested target fails", "glance": False, "depends_on": "", "judgement": False},
    },
    "symptoms": [
        {
            "id": "synthetic-failure",
            "title": "Can't pickle a synthetic object",
            "messages": ["SyntheticError: can't pickle <thing>", "SyntheticError: cannot pickle 'thing' | at 0x…"],
            "pattern": "can(no|')t pickle",
            "cause": "spawn and forkserver pickle the target; fork copies it.",
            "fix": "Define the target at module level.",
            "evidence": "failure",
            "shows": ["parent"],
            "docs": "https://docs.python.org/3/library/multiprocessing.html#programming-guidelines",
        },
        {
            "id": "synthetic-never-recorded",
            "title": "A symptom whose evidence no cell records",
            "messages": ["NeverError"],
            "pattern": "NeverError",
            "cause": "Declared before the experiment records it.",
            "fix": "Run the experiment.",
            "evidence": "not_yet",
            "shows": [True],
            "docs": "",
        },
    ],
}
BETA = {
    "title": "Beta timing",
    "question": "How long does a start take?",
    "concept": "start() takes time",
    "kind": "timing",
    "version": 1,
    "summaries": [
        {"kind": "ratio", "timing": "start", "baseline": "fork"},
        {"kind": "headline", "timing": "start", "baseline": "fork",
         "text": "A start is {spawn} times slower with spawn."},
        {
            "kind": "decomposition",
            "title": "Where the start goes",
            "method": "spawn",
            "total": {"timing": "start"},
            "parts": [{"label": "interpreter", "timing": "floor"}],
            "rest": "the rest",
            "headline": True,
        },
        {"kind": "floors", "title": "Floors", "floors": [{"timing": "floor", "label": "bare start"}],
         "compare": "start"},
        {"kind": "distribution", "timing": "start", "title": "Start samples", "plot": "beta-start", "glance": True},
        {"kind": "sparkline", "timing": "start"},
    ],
    "observations": {},
    "symptoms": [],
}  # fmt: skip


def environment(platform: str, implementation: str, version: str, **extra: Any) -> dict[str, Any]:
    series = ".".join(version.split(".")[:2])
    env = {
        "platform": platform,
        "os_release": {"linux": "6.1.0", "windows": "10", "macos": "23.0.0"}[platform],
        "machine": "x86_64",
        "cpu_count": 4,
        "cpu_affinity": 4,
        "cgroup_cpu_limit": None,
        "pid1": "init" if platform == "linux" else None,
        "implementation": implementation,
        "python_version": version,
        "implementation_version": "7.3.15" if implementation == "pypy" else version,
        "series": series,
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
    ratios: dict[str, Any] | None = None,
) -> dict[str, Any]:
    data = {
        "experiment": experiment,
        "method": method,
        "status": status,
        "wall_s": 0.5,
        "observations": observations or {},
        "timings": timings or {},
        "error": None if status == "ok" else f"synthetic {status}",
        "provenance": {
            "run_id": "synthetic",
            "created_at": "2026-01-02T03:04:05Z",
            "lab_commit": "0123456789abcdef",
            "quality": "full",
            "experiment_version": version,
        },
    }
    if ratios:
        data["ratios"] = ratios
    return data


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split("."))


def alpha(method: str, version: str, platform: str, implementation: str = "cpython") -> dict[str, Any]:
    cpython = implementation == "cpython"
    return {
        "answer": "runtime" if method == "fork" else "import-time",
        "by_patch": 1 if cpython and _version(version) < (3, 13, 18) else 0,
        "by_version": 1 if _version(version) < (3, 13) else 2,
        "by_platform": "posix" if platform != "windows" else "nt",
        "pid1": "sandbox" if version == "3.13.0" else "init",  # the machine changed, not Python
        "faster": version != "3.12.1",  # a judgement from timings
        "failure": "ok" if method == "fork" else "parent",
        "message": "a | b at <pid> *not bold*",
        "nested": {"code": 0, "flag": True},
        "count": {"count": 2, "trials": 4, "fraction": 0.5, "class": "some"},
        "proc": {"status": "not applicable", "reason": "no /proc here"},
        "error": {"type": "ValueError", "message": "process object is closed"},
    }


def beta(method: str, base: float, unstable: bool = False, with_ratio: bool = False) -> dict[str, Any]:
    factor = {"fork": 1.0, "spawn": 4.0, "forkserver": 2.0}[method]
    timings = {"start": timing(base * factor, unstable=unstable), "floor": timing(base * 2.5)}
    ratios = None
    if with_ratio and method != "fork":
        per_round = [round(factor * f, 3) for f in (0.92, 0.98, 1.01, 1.03, 1.08)]
        ratios = {"start": {"baseline": "fork", "ratio": factor * 1.01, "low": factor * 0.9, "high": factor * 1.1,
                            "rounds": 5, "per_round": per_round, "interval": "bootstrap 95% (synthetic)",
                            "unstable": False}}  # fmt: skip
    return {"timings": timings, "observations": {"ran_in_parallel": base > 1.2}, "ratios": ratios}


def result(env: dict[str, Any], cells: list[dict[str, Any]], label: str = "local") -> dict[str, Any]:
    return {
        "schema": "forklab.results/2",
        "label": label,
        "environment": env,
        "experiments": {"alpha": ALPHA, "beta": BETA},
        "cells": cells,
    }


def file_name(env: dict[str, Any], label: str = "local") -> str:
    return f"{label}-{env['platform']}-{env['implementation']}-{env['python_version']}.json"


def linux_file(implementation: str, version: str) -> dict[str, Any]:
    env = environment("linux", implementation, version)
    cells = []
    for method in METHODS:
        cells.append(cell("alpha", method, observations=alpha(method, version, "linux", implementation)))
        if version == "3.12.1" and method == "forkserver":
            cells.append(cell("beta", method, status="timeout"))
        elif version == "3.13.0" and method == "spawn":
            cells.append(cell("beta", method, status="error"))
        else:
            made = beta(
                method, 1.0 + 0.1 * len(cells), unstable=implementation == "pypy", with_ratio=version == "3.14.2"
            )
            cells.append(cell("beta", method, **made))
        if version != "3.13.0":  # 3.13.0 has no exit_codes cells: not measured
            exit_3 = 4 if (version == "3.12.1" and method == "spawn") else 3  # a documented claim differs
            cells.append(cell("exit_codes", method, observations={"sys.exit(3)": exit_3, "sys.exit('text')": 1}))
    return result(env, cells)


def windows_file() -> dict[str, Any]:
    env = environment("windows", "cpython", "3.12.1")
    cells = []
    for method in METHODS:
        if method != "spawn":
            cells += [cell(name, method, status="unavailable") for name in ("alpha", "beta", "exit_codes")]
            continue
        cells.append(cell("alpha", method, observations=alpha(method, "3.12.1", "windows")))
        cells.append(cell("beta", method, timings={"start": timing(9.0), "floor": timing(5.0)}))
        cells.append(cell("exit_codes", method, observations={"sys.exit(3)": 3, "kill()": -15}))
    return result(env, cells)


def report_files() -> dict[str, dict[str, Any]]:
    """Linux CPython 3.12.1, 3.13.0, 3.13.18, 3.14.2 and PyPy 3.9.18; Windows 3.12.1; no macOS."""
    files = {}
    for implementation, version in LINUX:
        data = linux_file(implementation, version)
        files[file_name(data["environment"])] = data
    data = windows_file()
    files[file_name(data["environment"])] = data
    return files


def diff_files() -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """OLD: Linux 3.12.1, 3.13.0 and PyPy 3.9. NEW: 3.12.1 changed in several ways, PyPy gone,
    3.13.0 replaced by 3.13.18 (paired as a patch release), 3.14.2 added."""
    report = report_files()
    kept = ("local-linux-cpython-3.12.1.json", "local-linux-cpython-3.13.0.json", "local-linux-pypy-3.9.18.json")
    old = {name: report[name] for name in kept}
    changed = copy.deepcopy(report["local-linux-cpython-3.12.1.json"])
    for item in changed["cells"]:
        key = (item["experiment"], item["method"])
        if key == ("alpha", "spawn"):
            item["observations"]["answer"] = "runtime"  # a behaviour change
            item["observations"]["count"] = {"count": 3, "trials": 4, "fraction": 0.75, "class": "some"}  # same class
            item["observations"]["pid1"] = "systemd"  # depends on the machine: reported, not failing
        if key == ("alpha", "fork"):
            item["observations"]["count"] = {"count": 4, "trials": 4, "fraction": 1.0, "class": "all"}  # class change
        if key == ("exit_codes", "fork"):
            item["provenance"]["experiment_version"] = 2  # the experiment changed, reported apart
            item["observations"]["sys.exit(3)"] = 5
        if key == ("beta", "spawn"):
            item["timings"]["start"]["median"] *= 2  # the spawn/fork ratio doubles
            item["observations"]["ran_in_parallel"] = not item["observations"][
                "ran_in_parallel"
            ]  # a timing's judgement
    dropped = ("alpha", "forkserver")  # a cell removed
    changed["cells"] = [c for c in changed["cells"] if (c["experiment"], c["method"]) != dropped]
    new = {
        "local-linux-cpython-3.12.1.json": changed,
        "local-linux-cpython-3.13.18.json": report["local-linux-cpython-3.13.18.json"],
        "local-linux-cpython-3.14.2.json": report["local-linux-cpython-3.14.2.json"],
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
    for directory in (HERE / "report", HERE / "diff" / "old", HERE / "diff" / "new"):
        for stale in directory.glob("*.json"):
            stale.unlink()
    for path, text in expected_files().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(path.relative_to(HERE))
