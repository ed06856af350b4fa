"""What a result file records about the interpreter and machine (target side: standard library only).

Collected inside the target interpreter, so each file describes the interpreter that produced
its cells. Nothing here is an absolute path, a user name or a host name.
"""

from __future__ import annotations

import multiprocessing
import os
import platform
import sys
import sysconfig
from pathlib import Path
from typing import Any, Dict, List, Optional

from lab import METHODS, __version__

_PLATFORMS = {"win32": "windows", "cygwin": "cygwin", "darwin": "macos"}


def platform_name() -> str:
    """``linux``, ``windows``, ``macos``, or ``sys.platform`` for anything else."""
    if sys.platform.startswith("linux"):
        return "linux"
    return _PLATFORMS.get(sys.platform, sys.platform)


def implementation() -> str:
    return sys.implementation.name  # "cpython", "pypy"


def free_threaded() -> bool:
    """True on a free-threaded (no-GIL) CPython build, such as 3.14t."""
    return bool(sysconfig.get_config_var("Py_GIL_DISABLED"))


def gil_enabled() -> Optional[bool]:
    """Whether the GIL is on in this process: ``sys._is_gil_enabled()`` (3.13+), None before it existed.

    A free-threaded build can still run with the GIL (``PYTHON_GIL=1``, or an extension module
    that does not declare free-threading support), so this is recorded beside ``free_threaded``.
    """
    probe = getattr(sys, "_is_gil_enabled", None)
    return bool(probe()) if probe is not None else None


def series() -> str:
    """``X.Y`` plus ``t`` for a free-threaded build: the interpreter's identity in file names."""
    return f"{sys.version_info[0]}.{sys.version_info[1]}" + ("t" if free_threaded() else "")


def available_methods() -> List[str]:
    """The start methods this interpreter offers, in the lab's order."""
    offered = multiprocessing.get_all_start_methods()
    return [m for m in METHODS if m in offered]


def _read(path: str) -> Optional[str]:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return None


def _cgroup_cpu_limit() -> Optional[float]:
    """CPUs granted by a cgroup v2 ``cpu.max`` quota, where visible."""
    text = _read("/sys/fs/cgroup/cpu.max")
    if not text:
        return None
    quota, _, period = text.partition(" ")
    if quota == "max" or not period:
        return None
    try:
        return round(int(quota) / int(period), 2)
    except ValueError:
        return None


def _pid1() -> Optional[str]:
    """The name of PID 1 (Linux): it decides where orphans go."""
    if not sys.platform.startswith("linux"):
        return None
    return _read("/proc/1/comm")


def _flags() -> Dict[str, int]:
    """The interpreter flags that differ from a plain ``python script.py``."""
    names = ("isolated", "no_site", "ignore_environment", "dont_write_bytecode", "optimize", "dev_mode")
    flags = {name: int(getattr(sys.flags, name, 0)) for name in names}
    return {name: value for name, value in flags.items() if value}


def collect() -> Dict[str, Any]:
    """The environment block of a result file (the host adds git commit and time)."""
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    load = [round(v, 2) for v in os.getloadavg()] if hasattr(os, "getloadavg") else None
    impl_version = sys.implementation.version
    return {
        "platform": platform_name(),
        "os_release": platform.release(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "cpu_affinity": affinity,
        "cgroup_cpu_limit": _cgroup_cpu_limit(),
        "load_average": load,
        "pid1": _pid1(),
        "implementation": implementation(),
        "python_version": platform.python_version(),
        "implementation_version": f"{impl_version.major}.{impl_version.minor}.{impl_version.micro}",
        "series": series(),
        "free_threaded": free_threaded(),
        "gil_enabled": gil_enabled(),
        "interpreter_flags": _flags(),
        "default_start_method": multiprocessing.get_start_method(allow_none=False),
        "available_start_methods": available_methods(),
        "lab_version": __version__,
    }
