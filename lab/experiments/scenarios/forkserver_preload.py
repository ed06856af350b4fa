"""What the forkserver imports before it forks: your __main__, and the modules you name.

Run by lab/experiments/forkserver_preload.py as ``forkserver_preload.py CASE [ARG ...]``, always
with the forkserver. Every process that runs this file's module-level code, every target and
every preloaded module writes one line to events.jsonl, so the lab can tell who imported what.
"""

import json
import multiprocessing
import os
import sys

PRELOADABLE = ("preload_fine", "preload_missing", "preload_raises")


def log(event, **details):
    with open("events.jsonl", "a") as f:
        f.write(json.dumps(dict(details, event=event, pid=os.getpid())) + "\n")


def work():
    log("target", already_imported=[name for name in PRELOADABLE if name in sys.modules])


# Module-level code: the forkserver runs it too when it preloads __main__ (3.13.8+, 3.14.1+).
# What sys.argv does this code see there?
log("module", name=__name__, argv=sys.argv[1:] if len(sys.argv) < 20 else None, argc=len(sys.argv) - 1)

#: case -> (the modules to preload, or None to keep the default ['__main__']; set_forkserver_preload options)
CASES = {
    "main": (None, {}),
    "large_argv": (None, {}),
    "fine": (["preload_fine"], {}),
    "missing": (["preload_missing"], {}),
    "raises": (["preload_raises"], {}),
    "on_error_warn": (["preload_missing"], {"on_error": "warn"}),
    "on_error_fail": (["preload_missing"], {"on_error": "fail"}),
}


def attempt(action):
    try:
        action()
    except Exception as exc:
        return {"type": type(exc).__name__, "message": str(exc)}
    return None


if __name__ == "__main__":
    ctx = multiprocessing.get_context("forkserver")
    if sys.argv[1] == "keyword":  # is the keyword there at all? (3.15, gh-141860)
        log("keyword", accepted=attempt(lambda: ctx.set_forkserver_preload([], on_error="warn")),
            bogus=attempt(lambda: ctx.set_forkserver_preload([], on_error="bogus")))  # fmt: skip
        sys.exit(0)
    modules, options = CASES[sys.argv[1]]
    if modules is not None:
        ctx.set_forkserver_preload(modules, **options)
    for n in range(3):
        p = ctx.Process(target=work)
        try:
            p.start()
        except BaseException as exc:
            log("start failed", type=type(exc).__name__, message=str(exc), notes=getattr(exc, "__notes__", []))
            raise
        p.join()
        log("child", n=n, child=p.pid, exitcode=p.exitcode)
