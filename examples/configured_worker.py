"""A program that sets a module global at run time, then hands work to a Pool.

``main()`` stores the greeting from the command line in ``GREETING``, then starts the workers.
Under fork each worker is a copy of the parent and sees it. Under spawn (Windows, macOS) and
forkserver (Linux from Python 3.14) each worker imports this module afresh and sees its
import-time value, ``None``, and fails. From the repository root::

    python -m lab check examples/configured_worker.py
    python -m lab probe examples.configured_worker:greet --args '["Ada"]' --setup examples.configured_worker:configure
"""

import multiprocessing
import sys

GREETING = None


def configure(greeting: str = "hello") -> None:
    global GREETING
    GREETING = greeting


def greet(name: str) -> None:
    print(f"{GREETING.capitalize()}, {name}!")


def main(names: list) -> None:
    configure(sys.argv[1] if len(sys.argv) > 1 else "hello")
    with multiprocessing.Pool(2) as pool:
        pool.map(greet, names)


if __name__ == "__main__":
    main(["Ada", "Grace"])
