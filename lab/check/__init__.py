"""``lab check``: find start-method hazards in your own source, statically.

Code that works under ``fork`` today breaks when the start method changes: on Windows and macOS
(spawn), and on Linux from Python 3.14 (forkserver). This package reads Python files with the
standard library's ``ast`` -- it imports nothing of the code it checks, and nothing of the lab's
host side -- and reports each hazard as ``path:line:col: CODE message``, with the start methods
it breaks under and the report page that shows the evidence. It runs on Python 3.8+.

Public API: :func:`check_paths`, :func:`check_source`, :class:`Finding`, :data:`RULES`.
"""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass, field
from typing import Callable, Iterator, List, NamedTuple, Sequence, Union

from lab.check.catalog import RULES, Rule
from lab.check.events import Analysis, analyse
from lab.check.files import BadInput, enabled, line_of, noqa_silences, python_files, source_lines
from lab.check.finding import Finding
from lab.check.rules_main import defined_under_guard, import_time_starts, set_start_method_outside_main
from lab.check.rules_order import fork_with_threads, join_before_drain
from lab.check.rules_pickle import unpicklable_arguments, unpicklable_attributes, unpicklable_callables
from lab.check.rules_state import getppid_in_target, runtime_globals

__all__ = ["RULES", "BadInput", "CheckResult", "Finding", "Rule", "Unparsable", "check_paths", "check_source"]

CHECKS: Sequence[Callable[[Analysis], Iterator[Finding]]] = (
    import_time_starts,
    set_start_method_outside_main,
    unpicklable_callables,
    defined_under_guard,
    unpicklable_arguments,
    unpicklable_attributes,
    runtime_globals,
    getppid_in_target,
    fork_with_threads,
    join_before_drain,
)
#: A file that mentions none of these can have no finding: it is not parsed at all (the speed).
TRIGGERS = re.compile(rb"multiprocessing|concurrent|Process|Pool|fork|getppid|Manager|Executor|set_start_method")


class Unparsable(NamedTuple):
    """A file that could not be read or parsed (or is too deeply nested to analyse): nothing in it was checked."""

    path: str
    line: int
    col: int
    message: str


@dataclass
class CheckResult:
    findings: List[Finding] = field(default_factory=list)
    unparsable: List[Unparsable] = field(default_factory=list)
    files: int = 0
    lines: int = 0

    @property
    def clean(self) -> bool:
        return not self.findings and not self.unparsable


def check_source(
    source: Union[bytes, str], path: str = "<source>", select: Sequence[str] = (), ignore: Sequence[str] = ()
) -> List[Finding]:
    """The findings in one module's source, after selection and ``# noqa``; raises SyntaxError."""
    data = source.encode("utf-8") if isinstance(source, str) else source
    if not TRIGGERS.search(data):
        return []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarnings are the user's compiler's business
        tree = ast.parse(data, filename=path)
    analysis = analyse(tree, path)
    found = {}
    for check in CHECKS:
        for item in check(analysis):
            if enabled(item.code, select, ignore):
                found.setdefault((item.line, item.col, item.code), item)
    if not found:
        return []
    lines = source_lines(data)
    kept = [f for f in found.values() if not noqa_silences(line_of(lines, f.line) or "", f.code)]
    return sorted(kept, key=lambda f: (f.line, f.col, f.code))


def _check_file(path: str, select: Sequence[str], ignore: Sequence[str], result: CheckResult) -> None:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        result.unparsable.append(Unparsable(path, 1, 1, f"cannot read it ({exc.strerror})"))
        return
    result.files += 1
    result.lines += data.count(b"\n")
    try:
        result.findings.extend(check_source(data, path, select, ignore))
    except SyntaxError as exc:
        message = f"cannot parse it ({type(exc).__name__}: {exc.msg})"
        result.unparsable.append(Unparsable(path, exc.lineno or 1, exc.offset or 1, message))
    except ValueError as exc:  # null bytes (3.8-3.11)
        result.unparsable.append(Unparsable(path, 1, 1, f"cannot parse it (ValueError: {exc})"))
    except (RecursionError, MemoryError) as exc:  # in the parser or in the analysis
        result.unparsable.append(Unparsable(path, 1, 1, f"too deeply nested to check ({type(exc).__name__})"))


def check_paths(
    paths: Sequence[str], select: Sequence[str] = (), ignore: Sequence[str] = (), exclude: Sequence[str] = ()
) -> CheckResult:
    """Check files and directories (walked for ``*.py``); BadInput for a path that does not exist."""
    result = CheckResult()
    for path in python_files(paths, exclude):
        _check_file(path, select, ignore, result)
    return result
