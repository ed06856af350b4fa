"""The lab's one error convention: bad input raises ``BadInput``; the CLI prints it and exits 2.

Every command-line problem -- an unknown experiment or method, a ``--python`` that matches no
interpreter, a corrupt or foreign result file, a path that does not exist -- is one line saying
what is wrong and what to do. Modules raise ``BadInput`` (or a subclass naming the domain, such
as ``ResultFileError``); only ``lab.cli.main`` prints and chooses the exit code. Standard library
only, so the target side may raise it too.
"""

EXIT_OK = 0
EXIT_FINDINGS = 1  # a diff found a behaviour change, a check found a hazard, a probe saw a failure
EXIT_BAD_INPUT = 2


class BadInput(Exception):
    """One line for the user: what is wrong and what to do."""
