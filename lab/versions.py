"""Version numbers, parsed once for the whole lab (standard library only, Python 3.8+).

``3.13.18`` -> ``(3, 13, 18)``; ``3.14t`` -> ``(3, 14)`` (the ``t`` of a free-threaded build is
not part of the version); pre-release suffixes (``3.15.0a1``) keep their numeric part.
"""

from __future__ import annotations

import re
from typing import Tuple

Version = Tuple[int, ...]
_NUMBERS = re.compile(r"\d+")


def parse_version(text: str) -> Version:
    """The leading ``X[.Y[.Z]]`` of a version string as a tuple of ints; ``()`` if there is none."""
    head = re.match(r"\s*(\d+(?:\.\d+){0,2})", str(text))
    return tuple(int(part) for part in _NUMBERS.findall(head.group(1))) if head else ()


def version_text(version: Version) -> str:
    """``(3, 13, 8)`` -> ``3.13.8``."""
    return ".".join(str(part) for part in version)


def series_of(version: Version) -> Version:
    """The feature release a version belongs to: ``(3, 13, 18)`` -> ``(3, 13)``."""
    return tuple(version[:2])
