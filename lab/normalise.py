"""Make messages comparable across runs and machines (target side: standard library only).

Messages are kept as observed but with what varies by run masked, so that an observation is a
stable classification (docs/architecture.md): memory addresses become ``0x…``, pids ``<pid>``, absolute paths
``<path>/name``. A normalised message never holds this machine's paths.
"""

from __future__ import annotations

import re

_ADDRESS = re.compile(r"0x[0-9a-fA-F]{4,}")
_PID = re.compile(r"\b(pid[= ]?)\d+", re.IGNORECASE)
# A POSIX path of two or more components, or a Windows drive path; keep the last component.
_POSIX_PATH = re.compile(r"(?<![\w.])/(?:[^\s/'\"<>:,()]+/)+([^\s/'\"<>:,()]*)")
_WINDOWS_PATH = re.compile(r"\b[A-Za-z]:\\(?:[^\s\\'\"<>:,()]+\\)*([^\s\\'\"<>:,()]*)")
MAX_LENGTH = 300


def normalise(text: str) -> str:
    """Mask addresses, pids and absolute paths; keep the first line only, bounded in length."""
    first_line = str(text).strip().splitlines()[0] if str(text).strip() else ""
    result = _ADDRESS.sub("0x…", first_line)
    result = _PID.sub(lambda m: f"{m.group(1)}<pid>", result)
    result = _WINDOWS_PATH.sub(lambda m: f"<path>/{m.group(1)}", result)
    result = _POSIX_PATH.sub(lambda m: f"<path>/{m.group(1)}", result)
    if len(result) > MAX_LENGTH:
        result = result[: MAX_LENGTH - 1] + "…"
    return result


def mask_paths(text: str) -> str:
    """Mask absolute paths on every line of a longer text (a traceback, a stderr tail), keeping
    each file's name: what a result file may hold of a crash without naming this machine."""
    text = _WINDOWS_PATH.sub(lambda m: f"<path>/{m.group(1)}", text)
    return _POSIX_PATH.sub(lambda m: f"<path>/{m.group(1)}", text)


def describe_exception(exc: BaseException) -> dict:
    """An exception as an observation: its type name and normalised first message line."""
    return {"type": type(exc).__name__, "message": normalise(str(exc))}


def mask_pid(text: str, pid: int) -> str:
    """Replace one known pid anywhere in a text (for warnings that embed it)."""
    return re.sub(rf"\b{pid}\b", "<pid>", text)
