"""Order within one function: a fork while a thread runs, a join before the queue is drained.

Both rules look at one scope at a time, in source order, and only at what that scope does
itself: a thread started elsewhere, or a queue read elsewhere, is not followed.
"""

from __future__ import annotations

import ast
from typing import Dict, Iterator, List, Optional

from lab.check.catalog import FORK, RULES, applies
from lab.check.events import Analysis, Event, describe_call
from lab.check.finding import Finding, finding

INFINITY = 1 << 30
#: What starts a thread in this process, in words.
THREADS = {
    "thread": "a thread",
    "thread_pool": "a thread pool's threads",
    "thread_executor": "a ThreadPoolExecutor's threads",
    "queue": "the queue's feeder thread",
    "pool": "the Pool's handler threads",
    "executor": "the executor's management thread",
}


def _thread_starts(events: List[Event], analysis: Analysis) -> List[tuple]:
    """(event, what, last line it may run) for each thread start; ends by name or with-block."""
    starts = []
    for index, event in enumerate(events):
        if event.kind in ("thread_start", "pool") or (event.kind == "submit" and event.value.kind == "executor"):
            what = THREADS.get(event.value.kind, "a thread")
            name = event.receiver if event.kind in ("thread_start", "submit") else ""
            name = name or analysis.module.bound_to.get(id(event.call), "")
            end = (analysis.module.with_end(event.scope, name, event.call.lineno) if name else None) or INFINITY
            for later in events[index + 1 :]:
                if later.kind == "thread_end" and name and later.receiver == name:
                    end = min(end, later.call.lineno)
                    break
            starts.append((event, what, end))
    return starts


def _fork(event: Event) -> Optional[str]:
    """The method a fork-like event uses, when it forks this process: os.fork(), or a start."""
    if event.kind == "fork":
        return FORK
    if event.kind in ("start", "pool", "submit") and event.value is not None:
        return event.value.method
    return None


def fork_with_threads(analysis: Analysis) -> Iterator[Finding]:
    """FKL401: os.fork() or a fork-method start while a thread this scope started is running."""
    breaks = RULES["FKL401"].breaks
    for events in analysis.events.values():
        starts = _thread_starts(events, analysis)
        if not starts:
            continue
        for event in events:
            method = _fork(event)
            if method is None or not applies(breaks, method):
                continue
            line = event.call.lineno
            running = [
                (s, what)
                for s, what, end in starts
                if s.call.lineno < line <= end and (s.value is None or s.value.node is not event.value.node)
            ]
            if not running:
                continue
            start, what = running[0]
            action = "os.fork()" if event.kind == "fork" else describe_call(event.call)
            yield finding(
                analysis.path,
                event.call,
                "FKL401",
                f"{action} forks while {what} started at line {start.call.lineno} is running: the child gets only "
                "the forking thread, and a lock held by another thread stays locked in it (DeprecationWarning "
                "since 3.12); start processes before threads, join the threads first, or use spawn or forkserver",
                method,
            )


def _passes(call: ast.Call, name: str) -> bool:
    """Whether a Process(...) call passes the variable ``name`` in its arguments."""
    arguments = [*call.args, *(k.value for k in call.keywords if k.arg != "target")]
    return any(isinstance(n, ast.Name) and n.id == name for argument in arguments for n in ast.walk(argument))


def join_before_drain(analysis: Analysis) -> Iterator[Finding]:
    """FKL402: ``p.join()`` on a process given a queue, before this scope first gets from that queue."""
    for events in analysis.events.values():
        first_get: Dict[str, int] = {}
        for event in events:
            if event.kind == "get" and event.receiver and event.receiver not in first_get:
                first_get[event.receiver] = event.call.lineno
        if not first_get:
            continue
        for event in events:
            if event.kind != "join" or event.value is None or event.value.node is None:
                continue
            created = event.value.node
            for queue, line in first_get.items():
                if line > event.call.lineno and _passes(created, queue):
                    yield finding(
                        analysis.path,
                        event.call,
                        "FKL402",
                        f"{describe_call(event.call)} waits for a process that puts on {queue} before "
                        f"{queue}.get() at line {line}: the child does not exit until its queue is flushed to the "
                        "pipe, and the pipe fills when nobody reads (deadlock); get the results first, then join",
                        event.value.method,
                    )
                    break
