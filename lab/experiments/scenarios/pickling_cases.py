"""A user's script: choose a start method, then start children with each kind of target and argument.

Run by lab/experiments/pickling.py as __main__ in a fresh interpreter. Before each case it writes
a marker line to stderr, and joins the child before the next case, so a child's traceback can be
told apart from the next one. The answer (a JSON list of [case, raw result]) goes to argv[1].
"""

import functools
import json
import multiprocessing
import os
import socket
import sys

from lab.experiments import pickling as p
from lab.normalise import describe_exception, normalise

TIMEOUT = 15.0


def attempt(case, make_process, cleanup=()):
    """Start one child; report where it failed, what it sent and how it ended."""
    sys.stderr.write(p.MARKER + case + "\n")
    sys.stderr.flush()
    receiver, sender = multiprocessing.Pipe(duplex=False)
    raw = {"parent_error": None, "received": None, "exitcode": None}
    process = None
    try:
        process = make_process(sender)
        process.start()
    except Exception as exc:
        raw["parent_error"] = describe_exception(exc)
        raw["parent_error"]["notes"] = [normalise(note) for note in getattr(exc, "__notes__", [])]
        process = None
    sender.close()
    if process is not None:
        try:
            if receiver.poll(TIMEOUT):
                raw["received"] = receiver.recv()
        except EOFError:
            pass  # the child died before it sent anything
        process.join(TIMEOUT)
        if process.is_alive():
            process.kill()
            process.join(TIMEOUT)
        raw["exitcode"] = process.exitcode
    receiver.close()
    for close in cleanup:
        close()
    sys.stderr.flush()
    return [case, raw]


def cases(defined_under_guard, a_lambda, another_lambda):
    Process = multiprocessing.Process
    devnull = open(os.devnull)  # noqa: SIM115 -- it must stay open for the case that holds it
    sock = socket.socket()
    generator = p.numbers()
    yield attempt("module_function", lambda conn: Process(target=p.module_function, args=(conn,)))
    yield attempt("lambda", lambda conn: Process(target=a_lambda, args=(conn,)))
    yield attempt("closure", lambda conn: Process(target=p.closure(), args=(conn,)))
    yield attempt("partial", lambda conn: Process(target=functools.partial(p.module_function, conn)))
    yield attempt("bound_method", lambda conn: Process(target=p.Greeter().bound, args=(conn,)))
    yield attempt("staticmethod", lambda conn: Process(target=p.Greeter.static, args=(conn,)))
    yield attempt("main_guard_function", lambda conn: Process(target=defined_under_guard, args=(conn,)))
    yield attempt("subclass_lock_attribute", p.HoldsLock)
    yield attempt("subclass_file_attribute", lambda conn: p.HoldsFile(conn, devnull), [devnull.close])
    yield attempt("arg_lambda", lambda conn: Process(target=p.with_extra, args=(conn, another_lambda)))
    yield attempt("arg_generator", lambda conn: Process(target=p.with_extra, args=(conn, generator)))
    yield attempt("arg_socket", lambda conn: Process(target=p.with_extra, args=(conn, sock)), [sock.close])


if __name__ == "__main__":
    multiprocessing.set_start_method(os.environ["FORKLAB_METHOD"])  # what a user's script does

    def defined_under_guard(conn):
        conn.send("ran")

    # Written at module level, as users write them: their qualified name is plain "<lambda>".
    a_lambda = lambda conn: conn.send("ran")  # noqa: E731
    another_lambda = lambda: 1  # noqa: E731
    results = list(cases(defined_under_guard, a_lambda, another_lambda))
    with open(sys.argv[1], "w") as out:
        json.dump(results, out)
