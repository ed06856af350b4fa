"""forklab: how Python's multiprocessing behaves under each start method, measured.

This package has two sides (see README, "Architecture"):

* the *target side* (``lab.experiment``, ``lab.driver``, ``lab.stats``, ``lab.normalise``,
  ``lab.results.files``, ``lab.environment``, ``lab.experiments``) is standard library only and runs
  straight from the source tree under CPython 3.8+ and PyPy 3.9+;
* the *host side* (CLI, runner, reports) needs Python 3.10+ and may use third-party packages.

Keep this module trivial: every target interpreter and every spawn child imports it.
"""

__version__ = "0.1.0"

#: The start methods the lab knows, in the order reports show them.
METHODS = ("fork", "spawn", "forkserver")
