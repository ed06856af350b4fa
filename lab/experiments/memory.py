"""A forked child shares its parent's memory until one of them writes to it (copy-on-write).

After ``fork`` the child's resident size (RSS) counts the parent's big objects, but the pages are
shared: the child's own, private memory (USS) stays small and the proportional share (PSS) splits
the block between the two. Only the pages the child writes to are copied. ``spawn`` and
``forkserver`` children are fresh interpreters that do not have the parent's object at all.
On Linux the figures come from ``/proc/PID/status`` and ``/proc/PID/smaps_rollup``; elsewhere they
are recorded as not measured.
"""

from __future__ import annotations

import mmap
import os
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

from lab.experiment import Cell, Experiment, Observation, finish, not_applicable

EXPERIMENT = Experiment(
    name="memory",
    title="Memory: shared after fork until written",
    question="Does a child hold a copy of the parent's large object, before and after it writes to it?",
    concept="fork shares the parent's pages copy-on-write; spawn and forkserver start with a fresh interpreter",
    lesson="After fork the child shares the parent's memory pages until one of them writes to a page "
    "(copy-on-write): its resident size counts the parent's big objects, but its private memory stays small "
    "until it writes. spawn and forkserver children are fresh interpreters that do not have the parent's objects "
    "at all, so whatever they need must be sent to them or loaded again.",
    docs="https://docs.python.org/3/library/gc.html#gc.freeze",
    observations=(
        Observation("child_has_block", "The child has the parent's large object", glance=True),
        Observation("untouched.rss", "Child's resident size (RSS) holds the block, before writing"),
        Observation("untouched.pss", "Child's proportional share (PSS) of the block, before writing"),
        Observation("untouched.uss", "Child's private memory (USS) holds the block, before writing"),
        Observation("after_write.uss", "Child's private memory (USS) holds the block, after writing every page"),
        Observation("block_mib", "Size of the parent's block (MiB)", depends_on="the lab: 200 MiB, 50 with --quick"),
    ),
)

MIB = 1024 * 1024
PAGE = mmap.PAGESIZE
#: The parent's large object; set at run time, so only a fork child has it.
BLOCK: Optional[bytearray] = None
WHOLE, PART = 0.8, 0.3  # fractions of the block that count as "the whole block" and "a share of it"


def touch(block: bytearray, value: int) -> None:
    """Write one byte in every page, so every page is really there (or really copied)."""
    count = len(range(0, len(block), PAGE))
    block[::PAGE] = bytes([value]) * count


def read_kib(path: Path, fields: List[str]) -> Optional[Dict[str, int]]:
    """Fields of a /proc file in KiB ("VmRSS:  1234 kB"); None where the file cannot be read."""
    try:
        text = path.read_text()
    except OSError:
        return None
    values: Dict[str, int] = {}
    for line in text.splitlines():
        name, _, rest = line.partition(":")
        if name in fields and rest.split():
            values[name] = int(rest.split()[0])
    return values


def memory_of(pid: int) -> Dict[str, Optional[float]]:
    """RSS, PSS and USS (private pages) of a process in MiB, None where the OS does not say."""
    if not sys.platform.startswith("linux"):  # only Linux has /proc/PID/smaps_rollup
        return {"rss": None, "pss": None, "uss": None}
    proc = Path("/proc") / str(pid)
    status = read_kib(proc / "status", ["VmRSS"]) or {}
    rollup = read_kib(proc / "smaps_rollup", ["Pss", "Private_Clean", "Private_Dirty"]) or {}
    private = [rollup.get("Private_Clean"), rollup.get("Private_Dirty")]
    return {
        "rss": status["VmRSS"] / 1024 if "VmRSS" in status else None,
        "pss": rollup["Pss"] / 1024 if "Pss" in rollup else None,
        "uss": sum(private) / 1024 if None not in private else None,
    }


def child(conn) -> None:
    """Measure this process, write to the inherited block if there is one, measure again."""
    untouched = memory_of(os.getpid())
    if BLOCK is not None:
        touch(BLOCK, 2)
    conn.send({"has_block": BLOCK is not None, "untouched": untouched, "after_write": memory_of(os.getpid())})
    conn.close()


def amount(value: float, baseline: float, block_mib: float) -> str:
    """How much of the block a figure holds beyond the same figure of a child started before the
    block existed: ``whole block``, ``part of it`` or ``none of it`` (a fresh interpreter's own
    memory, large on PyPy, is not mistaken for a share of the block)."""
    extra = value - baseline
    return "whole block" if extra >= WHOLE * block_mib else "part of it" if extra >= PART * block_mib else "none of it"


def one_trial(cell: Cell) -> Dict[str, Any]:
    receiver, sender = cell.context.Pipe(duplex=False)
    process = cell.context.Process(target=child, args=(sender,))
    process.start()
    sender.close()
    try:
        if not receiver.poll(60):
            raise RuntimeError("the child sent no measurement within 60 s")
        return receiver.recv()
    finally:
        receiver.close()
        finish(process)


def agreed(values: List[Any]) -> Any:
    """One classification over all trials, or ``varies``."""
    return values[0] if all(v == values[0] for v in values) else "varies"


def run(cell: Cell) -> None:
    global BLOCK
    block_mib = 50 if cell.quick else 200
    control = one_trial(cell)["untouched"]  # a child of the same method, started before the block exists
    BLOCK = bytearray(block_mib * MIB)
    try:
        touch(BLOCK, 1)
        parent = memory_of(os.getpid())
        reports = [one_trial(cell) for _ in range(cell.trials(full=3, quick=1))]
    finally:
        BLOCK = None

    has_block = agreed([r["has_block"] for r in reports])
    cell.observe("block_mib", block_mib)
    cell.observe("child_has_block", has_block)
    if parent["rss"] is None:
        reason = "no /proc/PID/status on this platform"
        cell.observe("untouched", not_applicable(reason))
        cell.observe("after_write", not_applicable(reason))
        return
    cell.sample("parent_rss", parent["rss"], unit="MiB")
    for figure, value in control.items():
        if value is not None:
            cell.sample(f"child_{figure}_before_block", value, unit="MiB")
    for phase in ("untouched", "after_write"):
        if phase == "after_write" and has_block is False:
            cell.observe(phase, not_applicable("the child has no copy of the parent's block to write to"))
            continue
        seen: Dict[str, Any] = {}
        for figure in ("rss", "pss", "uss"):
            values = [r[phase][figure] for r in reports]
            if None in values or control[figure] is None:
                seen[figure] = not_applicable("no /proc/PID/smaps_rollup here (Linux 4.14+ has it)")
                continue
            for value in values:
                cell.sample(f"child_{figure}_{phase}", value, unit="MiB")
            seen[figure] = agreed([amount(v, control[figure], block_mib) for v in values])
        cell.observe(phase, seen)
