"""Running cells (host side): find interpreters, plan the cells, run each in a fresh process group.

* ``discovery`` -- which interpreters are on this machine (PATH, pyenv, uv, the ``py`` launcher);
* ``plan``      -- the cells of a run, in order;
* ``runner``    -- each cell in a fresh interpreter, with a hard timeout, saved as it finishes;
* ``processes`` -- starting, stopping and cleaning up process groups; ``watchdog`` -- the process
  that stops cells in flight when the runner itself is killed.
"""
