"""``python -m main_guard_package``: a package's __main__.py that starts processes with no guard.

spawn re-imports a script, or a module run with -m, in every child -- but not a package's
__main__.py (multiprocessing/spawn.py, _fixup_main_from_name). The target lives in a sibling
module, so that children can import it by name.
"""

import multiprocessing
import os

from main_guard_package.work import log, work

log("module", name=__name__)  # module-level code of __main__.py: who runs it, and how often?

ctx = multiprocessing.get_context(os.environ["FORKLAB_METHOD"])
for n in range(3):
    p = ctx.Process(target=work, args=(n,))
    try:
        p.start()  # no guard here either
    except BaseException as exc:
        log("start failed", name=__name__, type=type(exc).__name__, message=str(exc))
        raise
    p.join()
    log("child", n=n, child=p.pid, exitcode=p.exitcode)
