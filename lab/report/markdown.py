"""GitHub-flavoured Markdown pieces: escaped text, code spans and tabulate ``pipe`` tables.

Every data value goes through ``text`` or ``code`` before it reaches a table, so that a ``|``
in an observed message cannot split a cell and ``<pid>`` or ``__mp_main__`` are shown as
written, not as an HTML tag or bold text. tabulate's number parsing is off: ``3.10`` is a
version, not 3.1.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import tabulate as _tabulate
from tabulate import tabulate

_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#])")
_SPACE = re.compile(r"\s+")


def text(value: object) -> str:
    """Plain text with Markdown's special characters escaped, on one line (edge spaces kept)."""
    one_line = _SPACE.sub(" ", str(value))
    return _SPECIAL.sub(r"\\\1", one_line)


def code(value: object) -> str:
    """A code span (keys, timing names, ids); ``|`` still needs escaping inside a table."""
    one_line = " ".join(str(value).split())
    if "`" in one_line or not one_line:
        return text(one_line)
    return "`" + one_line.replace("|", "\\|") + "`"


def prose(value: object) -> str:
    """Text written by an experiment's author: `backticked` parts become code spans, the rest is escaped."""
    pieces = _SPACE.sub(" ", str(value)).split("`")
    if len(pieces) % 2 == 0:  # an unpaired backtick: show everything as written
        return text(value)
    return "".join(text(piece) if index % 2 == 0 else code(piece) for index, piece in enumerate(pieces))


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], align: Sequence[str] | None = None) -> str:
    """A pipe table; cells must already be escaped with ``text``/``code``.

    Column widths count characters, whether or not the optional ``wcwidth`` is installed:
    the same files must give the same bytes everywhere (results/REPORT.md is checked for
    staleness), and Markdown renderers ignore the padding anyway.
    """
    wide, _tabulate.WIDE_CHARS_MODE = _tabulate.WIDE_CHARS_MODE, False
    try:
        return tabulate(
            [list(row) for row in rows],
            headers=list(headers),
            tablefmt="pipe",
            disable_numparse=True,
            colalign=tuple(align) if align else None,
        )
    finally:
        _tabulate.WIDE_CHARS_MODE = wide
