"""Run one cell, or describe this interpreter, inside a target interpreter.

    python -m lab.driver cell EXPERIMENT METHOD OUT.json [--quick] [--round K --rounds N] [--shared DIR]
    python -m lab.driver environment OUT.json

The host's runner starts this in a fresh interpreter with default flags, one cell per
process, in the cell's own temporary directory. A timing experiment's cell runs in rounds
(``lab.experiment.Rounds``): each round is one such process, told which round it is
(``--round K --rounds N``, K from 0) and the directory its rounds share (``--shared``).
It writes its answer to a JSON file (not to stdout, which the experiment's children share)
and stays single-threaded until the experiment itself starts processes: a helper thread here
would make every later fork "multi-threaded".

Module-level code stays trivial: spawn children import this module again as ``__mp_main__``.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Optional

if TYPE_CHECKING:
    from lab.results.record import CellRecord


def _write_json(path: Path, data: Dict[str, Any]) -> None:
    """Write then rename, so the runner never reads half a file."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(data), encoding="utf-8")
    os.replace(str(partial), str(path))


def _option(argv: List[str], name: str, default: str) -> str:
    """The value after ``name`` in argv, or ``default``."""
    if name in argv[:-1]:
        return argv[argv.index(name) + 1]
    return default


def run_cell(
    experiment: str, method: str, quick: bool, round_index: int = 0, rounds: int = 1, shared: Optional[Path] = None
) -> CellRecord:
    """Run one experiment (one round of it) under one start method; the cell record without provenance."""
    from lab import experiments
    from lab.environment import available_methods
    from lab.experiment import Cell
    from lab.results.record import OK, UNAVAILABLE, CellRecord
    from lab.stats import summarise

    module = experiments.load(experiment)
    started = time.perf_counter()
    if method not in available_methods():
        return CellRecord.failed(experiment, method, UNAVAILABLE, f"{method} is not offered on this platform")
    cell = Cell(method=method, quick=quick, tmpdir=Path.cwd(), round=round_index, rounds=rounds, shared=shared)
    module.run(cell)
    timings = {
        name: summarise(values, cell.units[name], cell.parents.get(name)) for name, values in cell.samples.items()
    }
    wall = round(time.perf_counter() - started, 3)
    return CellRecord(experiment, method, OK, wall_s=wall, observations=cell.observations, timings=timings)


def describe_failure(exc: BaseException) -> str:
    """The traceback of the exception that ended a cell, followed by any exception it hid.

    ``raise ... from None`` keeps the exception it replaces as ``__context__`` but leaves it out of
    the printed traceback. Pickle does this in ``save_global``: "Can't pickle X: it's not found as
    M.X" hides the error the import raised. On PyPy 3.9 that hidden error is the real cause, a
    ``KeyError`` from importlib (see tools/pypy_pickle_race.py), so the record keeps it.
    """
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    hidden = exc.__context__ if exc.__suppress_context__ else None
    if hidden is not None:
        text += "\nIt was raised from None, hiding:\n\n" + "".join(
            traceback.format_exception(type(hidden), hidden, hidden.__traceback__)
        )
    return text


def main(argv: List[str]) -> int:
    if len(argv) >= 2 and argv[0] == "environment":
        from lab.environment import collect

        _write_json(Path(argv[1]), collect())
        return 0
    if len(argv) >= 4 and argv[0] == "cell":
        from lab.results.record import ERROR, CellRecord

        experiment, method, out = argv[1], argv[2], Path(argv[3])
        try:
            options = argv[4:]
            shared = _option(options, "--shared", "")
            record = run_cell(
                experiment,
                method,
                quick="--quick" in options,
                round_index=int(_option(options, "--round", "0")),
                rounds=int(_option(options, "--rounds", "1")),
                shared=Path(shared) if shared else None,
            )
        except BaseException as exc:  # the runner records the failure; the cell must say why
            record = CellRecord.failed(
                experiment, method, ERROR, f"{type(exc).__name__}: {exc}", describe_failure(exc)[-4000:]
            )
        _write_json(out, record.to_json())
        return 0 if record.status != ERROR else 1
    sys.stderr.write(__doc__ or "")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
