"""The target side of ``python -m lab probe``: run a user's callable as a Process target once.

    python _forklab_probe_target.py REQUEST.json OUT.json

Standard library only, Python 3.8+ and PyPy, and it imports nothing from ``lab``: the host copies
this file alone into the probe's private temporary directory and runs it there as a script, so
the target interpreter's ``sys.path`` holds the user's directory and ``PYTHONPATH`` but not the
lab's source tree (a user's own ``lab`` package, or modules named ``stats`` or ``records``,
stay theirs).

The request names the start method, ``module:callable``, JSON arguments, an optional setup
callable the parent calls first (a program that configures a global and then starts workers) and
a timeout. The answer records where it failed: ``import`` or ``setup`` in this parent, ``start``
(``Process.start()`` raised here: spawn and forkserver pickle the target), ``child-bootstrap``
(the child died before the target ran: unpickling there failed), ``child`` (the target raised or
exited non-zero) or ``timeout``; plus whether the target and its arguments pickle at all (which
fork never needs), the exit code and the exception.

Module-level code stays trivial and guarded: spawn and forkserver children re-run this script as
``__mp_main__``.
"""

from __future__ import annotations

import importlib
import json
import multiprocessing
import os
import sys
import time
import traceback
from typing import Any, Callable, Dict, List

MESSAGE_CHARS = 500
JOIN_GRACE_S = 5.0


def _write_json(path: str, data: Dict[str, Any]) -> None:
    """Write then rename, so the reader never sees half a file."""
    partial = path + ".partial"
    with open(partial, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
    os.replace(partial, path)


def describe(exc: BaseException) -> Dict[str, str]:
    """Type and first line of the message, bounded (the host masks addresses and paths)."""
    text = str(exc).strip()
    first = text.splitlines()[0] if text else ""
    return {"type": type(exc).__name__, "message": first[:MESSAGE_CHARS]}


def resolve(spec: str) -> Callable[..., Any]:
    """``package.module:name`` or ``package.module:Class.method`` -> the object."""
    module_name, _, qualname = spec.partition(":")
    obj: Any = importlib.import_module(module_name)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def run_target(target: Callable[..., Any], args: List[Any], kwargs: Dict[str, Any], report: str) -> None:
    """The child side: note that the target was reached, run it, note what escaped it, re-raise.

    Re-raising keeps the child's exit code and its traceback on stderr what they would be
    with the target called directly by ``Process.run()``.
    """
    _write_json(report, {"reached": True})
    try:
        target(*args, **kwargs)
    except BaseException as exc:
        _write_json(report, {"reached": True, "exception": describe(exc)})
        raise


def _read_report(path: str) -> Dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return {}


def _pickle_check(target: Any, args: List[Any], kwargs: Dict[str, Any]) -> Dict[str, Any]:
    """Whether what spawn and forkserver must send pickles, with the pickler they use."""
    from multiprocessing.reduction import ForkingPickler

    try:
        ForkingPickler.dumps((target, tuple(args), kwargs))
    except Exception as exc:
        return {"picklable": False, "pickle_error": describe(exc)}
    return {"picklable": True, "pickle_error": None}


def _stop(process: Any) -> None:
    """terminate(), then kill() if it does not end: the probe never leaves its child behind."""
    process.terminate()
    process.join(JOIN_GRACE_S)
    if process.exitcode is None and hasattr(process, "kill"):
        process.kill()
        process.join(JOIN_GRACE_S)


def probe(request: Dict[str, Any], workdir: str) -> Dict[str, Any]:
    """Import, set up, pickle-check, start, join: the record of one (interpreter, method)."""
    method = request["method"]
    record: Dict[str, Any] = {
        "method": method,
        "status": "failed",
        "failed_at": None,
        "picklable": None,
        "pickle_error": None,
        "exitcode": None,
        "exception": None,
        "wall_s": None,
        "sys_path": [p for p in sys.path if p],
    }
    if method not in multiprocessing.get_all_start_methods():
        record.update(status="unavailable", error=f"{method} is not offered on this platform")
        return record
    stage = "import"
    try:
        target = resolve(request["target"])
        if request.get("setup"):
            stage = "setup"
            resolve(request["setup"])()
    except BaseException as exc:  # a SystemExit or KeyboardInterrupt at import is an answer too
        record.update(failed_at=stage, exception=describe(exc), traceback=traceback.format_exc()[-4000:])
        return record
    args, kwargs = request.get("args", []), request.get("kwargs", {})
    record.update(_pickle_check(target, args, kwargs))

    report = os.path.join(workdir, "child.json")
    process = multiprocessing.get_context(method).Process(target=run_target, args=(target, args, kwargs, report))
    started = time.perf_counter()
    try:
        process.start()
    except Exception as exc:
        record.update(failed_at="start", exception=describe(exc), traceback=traceback.format_exc()[-4000:])
        return record
    process.join(float(request["timeout"]))
    timed_out = process.exitcode is None
    if timed_out:
        _stop(process)
    record["wall_s"] = round(time.perf_counter() - started, 4)
    record["exitcode"] = process.exitcode
    child = _read_report(report)
    record["exception"] = child.get("exception")
    if timed_out:
        record["failed_at"] = "timeout"
    elif not child.get("reached") and process.exitcode != 0:
        record["failed_at"] = "child-bootstrap"
    elif process.exitcode != 0:
        record["failed_at"] = "child"
    else:
        record["status"] = "ok"
    return record


def main(argv: List[str]) -> int:
    if len(argv) != 2:
        sys.stderr.write(__doc__ or "")
        return 2
    request_path, out_path = argv
    with open(request_path, encoding="utf-8") as handle:
        request = json.load(handle)
    try:
        record = probe(request, os.path.dirname(os.path.abspath(out_path)))
    except BaseException as exc:  # the host must learn why, whatever happened
        record = {"method": request.get("method"), "status": "error", "exception": describe(exc)}
        record["traceback"] = traceback.format_exc()[-4000:]
    _write_json(out_path, record)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
