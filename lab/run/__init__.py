"""Running cells (host side): find interpreters, plan the cells, run each in a fresh process group.

* ``discovery`` -- which interpreters are on this machine (PATH, pyenv, uv, the ``py`` launcher);
* ``plan``      -- the cells of a run, in order, and the interleaved rounds of timing cells;
* ``runner``    -- each cell (or round) in a fresh interpreter, with a hard timeout, saved as it finishes;
* ``rounds``    -- one cell from its rounds, and the declared ratios paired round by round;
* ``load``      -- the load guard: timing rounds wait for a quiet machine and record what they got;
* ``processes`` -- starting, stopping and cleaning up process groups; ``watchdog`` -- the process
  that stops cells in flight when the runner itself is killed.
"""
