"""GitHub-flavoured Markdown pieces: escaped text, code spans, links, anchors and pipe tables.

Every data value goes through ``text`` or ``code`` before it reaches a table, so that a ``|``
in an observed message cannot split a cell and ``<pid>`` or ``__mp_main__`` are shown as
written, not as an HTML tag or bold text. Tables are written here, cell by cell: ``3.10`` stays a
version (no number parsing), and no padding depends on character widths.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

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
    """A GitHub pipe table; cells must already be escaped with ``text``/``code``.

    Cells are not padded: GitHub ignores padding, and unpadded rows keep the index small (a
    table is as wide as its widest cell otherwise) and independent of how wide a terminal would
    draw a character, so the same files give the same bytes everywhere.
    """
    marks = {"left": ":--", "right": "--:", "center": ":-:"}
    widths = len(headers)
    rule = [marks.get((align or [])[i] if align and i < len(align) else "left", ":--") for i in range(widths)]

    def line(cells: Sequence[str]) -> str:
        padded = [str(c) if str(c) else " " for c in list(cells) + [""] * (widths - len(cells))]
        return "| " + " | ".join(padded) + " |"

    return "\n".join([line(headers), line(rule), *(line(row) for row in rows)])


_SLUG_DROP = re.compile(r"[^\w\- ]", re.UNICODE)


def slug(value: object) -> str:
    """An anchor name from a key or an id: ``obs-closure-outcome`` from ``closure.outcome``."""
    return re.sub(r"[^a-z0-9]+", "-", str(value).lower()).strip("-") or "x"


def heading_slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    plain = re.sub(r"<[^>]+>", "", heading)
    plain = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", plain)
    plain = plain.replace("\\", "").replace("`", "").strip().lower()
    return _SLUG_DROP.sub("", plain).replace(" ", "-")


def anchor(name: str) -> str:
    """An explicit anchor GitHub keeps (``<a id>`` becomes ``user-content-...``, which ``#name`` finds)."""
    return f'<a id="{name}"></a>'


def link(label: str, target: str) -> str:
    """A Markdown link; ``label`` must already be escaped (``text``/``code``/``prose``)."""
    return f"[{label}]({target})"


def small(value: str) -> str:
    """Text shown small beside a label (a key in code, a note): ``<sub>``, which GitHub renders."""
    return f"<sub>{value}</sub>"


#: A table cell shows at most this many characters of a value; the rest goes to a note below.
CELL_LIMIT = 90
#: A table row stays within this many characters: its value cells share what its label leaves.
ROW_LIMIT = 380
MIN_CELL = 40


def cell_limit(fixed: list[str], cells: int) -> int:
    """How many characters each of ``cells`` value cells may show beside the ``fixed`` cells of a row."""
    left = ROW_LIMIT - sum(len(f) + 3 for f in fixed) - 3 * cells
    return max(MIN_CELL, min(CELL_LIMIT, left // max(1, cells)))


class Notes:
    """Values too long for a table cell: the cell keeps their start and a note number, the note
    below the table holds the whole value (GitHub scrolls wide tables sideways; nobody reads them)."""

    def __init__(self, limit: int = CELL_LIMIT) -> None:
        self.limit = limit
        self.items: list[str] = []

    def fit(self, raw: str, limit: int | None = None) -> str:
        """``raw`` (unescaped) as an escaped cell, shortened with a note when longer than ``limit``
        (the notes' own limit when None)."""
        limit = self.limit if limit is None else limit
        one_line = _SPACE.sub(" ", str(raw))
        if len(one_line) <= limit:
            return text(one_line)
        if one_line not in self.items:
            self.items.append(one_line)
        number = self.items.index(one_line) + 1
        return text(one_line[: limit - 12].rstrip()) + f"… (note {number})"

    def render(self) -> str:
        """The notes as a numbered list (empty when no value was too long)."""
        return "\n".join(f"{n}. {text(item)}" for n, item in enumerate(self.items, 1))
