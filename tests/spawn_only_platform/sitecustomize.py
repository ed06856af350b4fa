"""Make this interpreter look like a platform with only ``spawn`` (Windows' process model).

Put this directory on PYTHONPATH (tests/test_platform_simulation.py does, through the runner's
``extra_path``) with ``FORKLAB_SIMULATE_SPAWN_ONLY=1``: every interpreter started with that
environment -- the driver, spawn children, scenario scripts -- then has

* ``multiprocessing.get_all_start_methods() == ["spawn"]``, spawn as the default, and
  ``get_context("fork"/"forkserver")`` raising ValueError, as on Windows;
* no ``os.fork``, ``os.forkpty``, ``os.killpg``, ``os.getpgid`` or ``os.setsid`` (``os.waitpid``
  stays: the standard library's spawn machinery on POSIX needs it, and Windows has it too);
* no ``signal.SIGKILL`` (and ``Process.kill()`` falls back to ``terminate()``, which is what it
  means on Windows, where both are TerminateProcess);
* no ``/proc``: opening, listing or stat-ing a path under it raises FileNotFoundError;
* no ``fcntl`` and no ``resource`` modules.

What it cannot change: ``sys.platform`` and ``os.name`` stay POSIX (the standard library reads
them at import time to choose its implementation), so code guarded *only* by ``sys.platform``
still takes its POSIX branch here; the static test in test_platform_simulation.py covers that.
"""

import os

if os.environ.get("FORKLAB_SIMULATE_SPAWN_ONLY") == "1":
    import builtins
    import io
    import multiprocessing
    import multiprocessing.context
    import multiprocessing.popen_fork
    import signal
    import sys

    def _spawn_only(*_args):
        return ["spawn"]

    multiprocessing.get_all_start_methods = _spawn_only
    multiprocessing.context.DefaultContext.get_all_start_methods = _spawn_only
    for _name in ("fork", "forkserver"):
        multiprocessing.context._concrete_contexts.pop(_name, None)
    # The default, as on Windows, without "setting" it: a user's set_start_method() must still work.
    multiprocessing.context._default_context._default_context = multiprocessing.context._concrete_contexts["spawn"]

    multiprocessing.popen_fork.Popen.kill = multiprocessing.popen_fork.Popen.terminate
    for _name in ("SIGKILL",):
        if hasattr(signal, _name):
            delattr(signal, _name)
    for _name in ("fork", "forkpty", "killpg", "getpgid", "setsid"):
        if hasattr(os, _name):
            delattr(os, _name)
    sys.modules["fcntl"] = None  # type: ignore[assignment]  # `import fcntl` raises ImportError
    sys.modules["resource"] = None  # type: ignore[assignment]

    def _no_proc(path):
        try:
            text = os.fsdecode(os.fspath(path))
        except TypeError:
            return
        if text == "/proc" or text.startswith("/proc/"):
            raise FileNotFoundError(2, "No such file or directory (simulated platform without /proc)", text)

    def _guard(function):
        def guarded(*args, **kwargs):
            if args:
                _no_proc(args[0])
            return function(*args, **kwargs)

        guarded.__name__ = getattr(function, "__name__", "guarded")
        return guarded

    builtins.open = _guard(builtins.open)
    io.open = builtins.open
    for _name in ("stat", "lstat", "open", "listdir", "scandir", "readlink"):
        setattr(os, _name, _guard(getattr(os, _name)))
