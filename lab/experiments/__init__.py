"""The experiments: one module each, found by name (target side: standard library only).

Adding an experiment is adding a module here; nothing else in the lab names it.

``FORKLAB_EXTRA_EXPERIMENTS`` (a directory, or several joined by os.pathsep) adds modules from
elsewhere under the same rules; the test suite uses it for experiments that hang or crash on
purpose. Host and target both read it, so a cell finds the same modules as the runner.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
from types import ModuleType
from typing import Dict, List

_PRIVATE = ("_", "scenarios")

for _extra in filter(None, os.environ.get("FORKLAB_EXTRA_EXPERIMENTS", "").split(os.pathsep)):
    __path__.append(_extra)  # type: ignore[name-defined]


def names() -> List[str]:
    """Every experiment module's name, sorted."""
    return sorted(
        info.name for info in pkgutil.iter_modules(__path__) if not info.name.startswith(_PRIVATE) and not info.ispkg
    )


def load(name: str) -> ModuleType:
    """Import one experiment module; KeyError when there is no such experiment."""
    if name not in names():
        raise KeyError(name)
    module = importlib.import_module(f"{__name__}.{name}")
    if getattr(module, "EXPERIMENT", None) is None or not callable(getattr(module, "run", None)):
        raise TypeError(f"lab/experiments/{name}.py defines no EXPERIMENT and run(cell)")
    return module


def load_all() -> Dict[str, ModuleType]:
    """Every experiment module, by name."""
    return {name: load(name) for name in names()}
