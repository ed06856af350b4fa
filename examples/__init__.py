"""Example targets for ``python -m lab probe`` (see README, "Probe your own worker").

Run from the repository root, so that ``examples`` is importable::

    python -m lab probe examples.everywhere:square --args '[7]'
    python -m lab probe examples.lambda_target:square --args '[7]'
    python -m lab probe examples.runtime_global:greet --setup examples.runtime_global:configure
"""
