"""Files to check, rule selection and ``# noqa``, as ruff and flake8 users expect them.

* Directories are walked for ``*.py``, skipping ``SKIP_DIRS``; ``--exclude`` globs match a file
  or directory by its name or its path (as given, with ``/``), for walked and named files alike.
* ``--select``/``--ignore`` take codes and prefixes (``FKL``, ``FKL2``, ``FKL201``); when both
  match a code the more specific one wins, and an equally specific ignore wins (ruff's rule).
* ``# noqa`` on a finding's line silences every finding there; ``# noqa: FKL201, FKL3`` those
  codes (and prefixes); ``# noqa: E731`` silences none of ours.
"""

from __future__ import annotations

import fnmatch
import os
import re
from typing import Iterable, Iterator, List, Optional, Sequence

from lab.check.catalog import PREFIX, RULES

SKIP_DIRS = {".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", "__pycache__", "build", "dist", ".eggs"}
_NOQA = re.compile(r"#\s*(?i:noqa)(?::\s?(?P<codes>[A-Z]+[0-9]*(?:[,\s]+[A-Z]+[0-9]*)*))?")


class BadInput(Exception):
    """One line for the user: what is wrong and what to do (exit code 2)."""


def parse_codes(values: Iterable[str], option: str) -> List[str]:
    """Comma-separated codes and prefixes, each one a prefix of some rule's code."""
    codes = [part.strip().upper() for value in values for part in value.split(",") if part.strip()]
    for code in codes:
        if code != "ALL" and not any(rule.startswith(code) for rule in RULES):
            raise BadInput(
                f"{option} {code}: no rule code starts with {code!r}; the codes are {', '.join(RULES)} "
                f"(prefixes such as {PREFIX} or {PREFIX}2 select families)"
            )
    return codes


def _specificity(code: str, selectors: Sequence[str]) -> int:
    """How long the longest selector matching ``code`` is (ALL counts as 0); -1 when none does."""
    best = -1
    for selector in selectors:
        if selector == "ALL":
            best = max(best, 0)
        elif code.startswith(selector):
            best = max(best, len(selector))
    return best


def enabled(code: str, select: Sequence[str], ignore: Sequence[str]) -> bool:
    chosen = _specificity(code, select or ["ALL"])
    return chosen >= 0 and chosen > _specificity(code, ignore)


def noqa_silences(line: str, code: str) -> bool:
    match = _NOQA.search(line)
    if match is None:
        return False
    codes = match.group("codes")
    if not codes:
        return True
    return any(code.startswith(listed) for listed in re.split(r"[,\s]+", codes) if listed)


def excluded(path: str, patterns: Sequence[str]) -> bool:
    if not patterns:
        return False
    name = os.path.basename(os.path.normpath(path))
    posix = path.replace(os.sep, "/")
    return any(fnmatch.fnmatch(name, p) or fnmatch.fnmatch(posix, p) for p in patterns)


def python_files(paths: Sequence[str], exclude: Sequence[str] = ()) -> Iterator[str]:
    """Every file to check, in a stable order; a path that does not exist is bad input."""
    for path in paths:
        if not os.path.exists(path):
            raise BadInput(f"{path}: no such file or directory; pass files or directories of Python code")
    for path in paths:
        if excluded(path, exclude):
            continue
        if not os.path.isdir(path):
            yield path
            continue
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not excluded(os.path.join(root, d), exclude))
            for name in sorted(files):
                full = os.path.join(root, name)
                if name.endswith(".py") and not excluded(full, exclude) and os.path.exists(full):
                    yield full  # (a dangling symlink is no file to check)


def source_lines(source: bytes) -> List[str]:
    """The file's lines as text, decoded as Python decodes source (coding cookie, BOM, else UTF-8)."""
    import io
    import tokenize

    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
    except SyntaxError:
        encoding = "utf-8"
    return source.decode(encoding, errors="replace").splitlines()


def line_of(lines: List[str], number: int) -> Optional[str]:
    return lines[number - 1] if 0 < number <= len(lines) else None
