"""A worker that relies on a global the parent changed at run time.

A program calls ``configure()`` in its main process, then starts workers (the probe's
``--setup`` does the same). A forked child is a copy of the parent and sees the configured
value. A spawn or forkserver child imports this module afresh and sees ``GREETING`` as the
module defines it, ``None``; the worker then fails.
"""

GREETING = None


def configure() -> None:
    global GREETING
    GREETING = "hello from the parent's configure()"


def greet() -> None:
    print(GREETING.upper())
