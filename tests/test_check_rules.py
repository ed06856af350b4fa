"""``lab check``'s rules, each with cases it must report and cases it must not.

A snippet's line ending in ``# FKL201`` claims that finding; every other line claims none (the
same convention as the docs pages, tests/test_check_docs.py). Behaviour the rules encode is cited
in their docs pages (docs/rules/CODE.md) and in lab/check/catalog.py.
"""

from __future__ import annotations

import textwrap

import pytest

from lab.check import BadInput, check_source
from lab.check.files import enabled, noqa_silences, parse_codes
from tests.test_check_docs import claims


def assert_claims(source: str, **options) -> None:
    source = textwrap.dedent(source)
    found = {(f.line, f.code) for f in check_source(source, "snippet.py", **options)}
    assert found == claims(source)


def only(source: str):
    (finding,) = check_source(textwrap.dedent(source), "snippet.py")
    return finding


# -- name resolution -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "from multiprocessing import Process as P\nP(target=lambda: 0).start()  # FKL201, FKL101\n",
        "import multiprocessing as mp\nmp.get_context('spawn').Process(target=lambda: 0)  # FKL201\n",
        "import multiprocessing.context\nmultiprocessing.context.SpawnProcess(target=lambda: 0)  # FKL201\n",
        "from multiprocessing import *\nProcess(target=lambda: 0)  # FKL201\n",
        "import concurrent.futures as cf\ncf.ProcessPoolExecutor().submit(lambda: 0)  # FKL201, FKL101\n",
        "from concurrent import futures\nfutures.ProcessPoolExecutor().map(lambda x: x, [1])  # FKL201, FKL101\n",
        "import concurrent.futures\nwith concurrent.futures.ProcessPoolExecutor() as ex:\n"
        "    ex.submit(lambda: 0)  # FKL201, FKL101\n",
        "from multiprocessing import pool\np = pool.Pool()  # FKL101\np.apply_async(lambda: 0)  # FKL201\n",
        "def run(ctx):\n    ctx.Process(target=lambda: 0).start()  # FKL201\n",
        "class Runner:\n    def go(self):\n        self._mp_context.Pool(initializer=lambda: 0)  # FKL201\n",
        "import multiprocessing as mp\nCTX = mp.get_context('forkserver')\ndef go():\n"
        "    CTX.Process(target=lambda: 0)  # FKL201\n",
    ],
    ids=["alias", "context", "concrete-class", "star", "executor", "from-concurrent", "with", "pool-module",
         "ctx-parameter", "context-attribute", "module-context"],
)  # fmt: skip
def test_names_resolve_through_imports_and_contexts(source: str) -> None:
    assert_claims(source)


@pytest.mark.parametrize(
    "source",
    [
        "import threading\nthreading.Thread(target=lambda: 0).start()\n",
        "from concurrent.futures import ThreadPoolExecutor\nThreadPoolExecutor().submit(lambda: 0)\n",
        "from multiprocessing.dummy import Pool\nPool().map(lambda x: x, [1])\n",
        "from multiprocessing.pool import ThreadPool\nThreadPool().map(lambda x: x, [1])\n",
        "import psutil\npsutil.Process(1).children()\n",
        "class Process:\n    def __init__(self, target): pass\nProcess(target=lambda: 0)\n",
        "def Pool(): pass\nPool().map(lambda x: x, [1])\n",
    ],
    ids=["thread", "thread-executor", "dummy-pool", "thread-pool", "psutil", "own-class", "own-function"],
)
def test_threads_and_look_alikes_are_not_processes(source: str) -> None:
    assert check_source(source) == []


def test_the_method_is_tracked_where_it_is_knowable() -> None:
    default = only("import multiprocessing\nmultiprocessing.Process(target=lambda: 0)\n")
    assert default.methods == ("spawn", "forkserver")
    assert default.where == "breaks on Windows and macOS, and on Linux with Python 3.14+'s default"
    spawn = only("import multiprocessing as mp\nmp.get_context('spawn').Process(target=lambda: 0)\n")
    assert (spawn.methods, spawn.where) == (("spawn",), "breaks under spawn, which this code chooses")
    task = only("import multiprocessing as mp\nwith mp.get_context('fork').Pool() as p:\n    p.map(lambda x: x, [])\n")
    assert task.methods == ("fork",)  # pickled under every method, fork included
    chosen = "import multiprocessing as mp\nif __name__ == '__main__':\n    mp.set_start_method('fork')\n"
    assert check_source(chosen + "    mp.Process(target=lambda: 0).start()\n") == []


@pytest.mark.parametrize(
    "source",
    [
        "import multiprocessing as mp\nmp.get_context('fork').Process(target=lambda: 0)\n",
        "import multiprocessing as mp\nctx = mp.get_context('fork')\nctx.Process(target=lambda: 0)\n",
        "import multiprocessing as mp\nfrom concurrent.futures import ProcessPoolExecutor as E\n"
        "E(mp_context=mp.get_context('fork'), initializer=lambda: 0)\n",
        "import multiprocessing as mp\nmp.Pool(context=mp.get_context('fork'), initializer=lambda: 0)\n",
    ],
    ids=["inline", "variable", "executor", "pool"],
)
def test_a_fork_only_context_copies_targets_and_initializers(source: str) -> None:
    assert check_source(source) == []


# -- FKL101 ----------------------------------------------------------------------------------------

IMPORTS = "import multiprocessing as mp\nfrom concurrent.futures import ProcessPoolExecutor\ndef f(x): return x\n"


@pytest.mark.parametrize(
    "body",
    [
        "p = mp.Process(target=f)\np.start()  # FKL101\n",
        "mp.Process(target=f).start()  # FKL101\n",
        "pool = mp.Pool()  # FKL101\n",
        "with mp.Pool() as pool:  # FKL101\n    pool.map(f, [1])\n",
        "manager = mp.Manager()  # FKL101\n",
        "ex = ProcessPoolExecutor()\nex.submit(f, 1)  # FKL101\n",
        "def main():\n    mp.Process(target=f).start()  # FKL101\nmain()\n",
        "def inner():\n    mp.Pool()  # FKL101\ndef main():\n    inner()\nmain()\n",
        "class Workers:\n    pool = mp.Pool()  # FKL101\n",
        "if __name__ != '__main__':\n    mp.Pool()  # FKL101\n",
        "procs = [mp.Process(target=f) for _ in range(2)]\nfor p in procs:\n    p.start()  # FKL101\n",
    ],
)
def test_fkl101_starts_at_import_time(body: str) -> None:
    assert_claims(IMPORTS + body)


@pytest.mark.parametrize(
    "body",
    [
        "if __name__ == '__main__':\n    mp.Process(target=f).start()\n",
        "if '__main__' == __name__:\n    mp.Pool()\n",
        "if __name__ != '__main__':\n    pass\nelse:\n    mp.Pool()\n",
        "def main():\n    mp.Process(target=f).start()\nif __name__ == '__main__':\n    main()\n",
        "def library_function():\n    return mp.Pool()\n",
        "ex = ProcessPoolExecutor()\n",  # workers start at the first submit
        "mp.get_context('fork').Process(target=f).start()\n",
        "mp.Process(target=f)\n",  # created, never started
    ],
)
def test_fkl101_not_when_guarded_uncalled_or_forking(body: str) -> None:
    assert check_source(IMPORTS + body) == []


def test_fkl101_says_which_call_makes_a_function_run_at_import_time() -> None:
    finding = only(IMPORTS + "def main():\n    mp.Pool()\nmain()\n")
    assert "in main(), which runs at import time (called at line 6)" in finding.message


# -- FKL102 ----------------------------------------------------------------------------------------


def test_fkl102_set_start_method_outside_the_main_block() -> None:
    assert_claims(
        """
        import multiprocessing
        multiprocessing.set_start_method("spawn")  # FKL102

        def configure():
            multiprocessing.set_start_method("spawn", force=True)  # FKL102

        def entry():
            multiprocessing.set_start_method("spawn")

        if __name__ == "__main__":
            multiprocessing.set_start_method("spawn")
            entry()
        """
    )


# -- FKL201 ----------------------------------------------------------------------------------------


def test_fkl201_unpicklable_callables() -> None:
    assert_claims(
        """
        import functools
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        square = lambda x: x * x

        def module_level(x):
            return x

        class Job:
            def run(self):
                pass

        def main(loop):
            def nested(x):
                return x

            class Local(mp.Process):
                pass

            class Callable:
                def __call__(self):
                    pass

            mp.Process(target=square).start()  # FKL201
            mp.Process(target=nested).start()  # FKL201
            mp.Process(target=Callable).start()  # FKL201
            mp.Process(target=functools.partial(nested, 1)).start()  # FKL201
            Local().start()  # FKL201
            with mp.Pool(initializer=nested) as pool:  # FKL201
                pool.imap_unordered(nested, [1])  # FKL201
                pool.starmap_async(func=lambda x: x, iterable=[])  # FKL201
            with ProcessPoolExecutor(initializer=lambda: 0) as ex:  # FKL201
                ex.submit(nested)  # FKL201
                loop.run_in_executor(ex, nested)  # FKL201
            mp.Process(target=module_level).start()
            mp.Process(target=functools.partial(module_level, 1)).start()
            mp.Process(target=Job().run).start()
            with mp.Pool() as pool:
                pool.map(module_level, [1])
                pool.apply_async(module_level, callback=lambda result: None)

        if __name__ == "__main__":
            main(None)
        """
    )


def test_fkl201_not_for_a_process_that_is_never_started() -> None:
    source = "import multiprocessing as mp\ndef f():\n    unused = mp.Process(target=lambda: 0)\n"
    assert check_source(source) == []
    assert len(check_source(source + "    unused.start()\n")) == 1


def test_fkl201_a_function_declared_global_has_a_plain_name() -> None:
    source = "import multiprocessing as mp\ndef setup():\n    global work\n    def work(): pass\n"
    assert check_source(source + "def main():\n    mp.Process(target=work).start()\n") == []


# -- FKL202 ----------------------------------------------------------------------------------------


def test_fkl202_defined_under_the_guard() -> None:
    assert_claims(
        """
        import multiprocessing as mp

        def fine():
            pass

        if __name__ == "__main__":
            def work():
                pass

            class Worker(mp.Process):
                pass

            mp.Process(target=work).start()  # FKL202
            Worker().start()  # FKL202
            with mp.Pool() as pool:
                pool.map(work, [1])  # FKL202
            mp.Process(target=fine).start()
            mp.get_context("fork").Process(target=work).start()
        """
    )


# -- FKL203 ----------------------------------------------------------------------------------------


def test_fkl203_unpicklable_arguments_and_attributes() -> None:
    assert_claims(
        """
        import multiprocessing as mp
        import threading

        def work(*args, **kwargs):
            pass

        class Holder(mp.Process):
            def __init__(self, path):
                super().__init__()
                self.log = open(path)  # FKL203
                self.path = path

        class Careful(mp.Process):
            def __init__(self):
                super().__init__()
                self.lock = threading.Lock()

            def __getstate__(self):
                return {}

        def main():
            lock = threading.RLock()
            mp.Process(target=work, args=(lock,)).start()  # FKL203
            mp.Process(target=work, kwargs={"f": lambda: 0}).start()  # FKL203
            mp.Process(target=work, args=(mp.Lock(), 1, "x")).start()
            mp.get_context("fork").Process(target=work, args=(lock,)).start()
            mp.Pool(initializer=work, initargs=((i for i in range(3)),))  # FKL203

        if __name__ == "__main__":
            main()
        """
    )


# -- FKL301 ----------------------------------------------------------------------------------------


def test_fkl301_a_global_rebound_at_run_time() -> None:
    assert_claims(
        """
        import multiprocessing as mp

        LEVEL = 1
        CACHE = None
        LIMIT = 10
        WORKER_STATE = None

        def configure(level):
            global LEVEL
            LEVEL = level

        def helper():
            return LEVEL  # FKL301

        def work(x):
            return helper() + LIMIT

        def cached(x):
            global CACHE
            if CACHE is None:
                CACHE = x
            return CACHE

        def init():
            global WORKER_STATE
            WORKER_STATE = 1

        def uses_state(x):
            return WORKER_STATE

        def shadowed(x):
            LEVEL = 2
            return LEVEL

        def late(x):
            return TOTAL  # FKL301

        if __name__ == "__main__":
            configure(2)
            TOTAL = 3
            with mp.Pool(initializer=init) as pool:
                pool.map(work, [1])
                pool.map(cached, [1])
                pool.map(uses_state, [1])
                pool.map(shadowed, [1])
            mp.Process(target=late, args=(1,)).start()
            mp.get_context("fork").Process(target=helper).start()
        """
    )


def test_fkl301_says_when_the_child_has_no_value_at_all() -> None:
    source = "import multiprocessing as mp\ndef work():\n    print(NAME)\n"
    finding = only(source + "if __name__ == '__main__':\n    NAME = 1\n    mp.Process(target=work).start()\n")
    assert "sees no value at all (NameError)" in finding.message
    assert "rebound at run time in the main block, line 5" in finding.message


def test_fkl301_not_when_the_rebinding_runs_at_import_time() -> None:
    source = "import multiprocessing as mp\nX = 1\ndef setup():\n    global X\n    X = 2\nsetup()\n"
    assert check_source(source + "def work():\n    print(X)\ndef main():\n    mp.Process(target=work).start()\n") == []


# -- FKL302 ----------------------------------------------------------------------------------------


def test_fkl302_getppid_in_the_child() -> None:
    assert_claims(
        """
        import multiprocessing as mp
        import os

        def parent_of_me():
            return os.getppid()  # FKL302

        def work():
            print(parent_of_me())

        def spawned():
            print(os.getppid())

        if __name__ == "__main__":
            print(os.getppid())
            mp.Process(target=work).start()
            mp.get_context("spawn").Process(target=spawned).start()
            mp.get_context("forkserver").Process(target=work).start()
        """
    )


def test_fkl302_breaks_under_forkserver_only() -> None:
    source = "import multiprocessing as mp, os\ndef work():\n    os.getppid()\n"
    assert only(source + "mp.get_context('forkserver').Process(target=work)\n").methods == ("forkserver",)


# -- FKL401 ----------------------------------------------------------------------------------------


def test_fkl401_fork_while_a_thread_runs() -> None:
    assert_claims(
        """
        import multiprocessing as mp
        import os
        import threading
        from concurrent.futures import ThreadPoolExecutor

        def work():
            pass

        def thread_then_process():
            t = threading.Thread(target=work)
            t.start()
            mp.Process(target=work).start()  # FKL401
            os.fork()  # FKL401

        def joined_first():
            t = threading.Thread(target=work)
            t.start()
            t.join()
            mp.Process(target=work).start()

        def queue_feeder():
            q = mp.Queue()
            q.put(1)
            mp.Process(target=work, args=(q,)).start()  # FKL401

        def thread_pool():
            with ThreadPoolExecutor() as ex:
                ex.submit(work)
                os.fork()  # FKL401
            os.fork()

        def spawned():
            threading.Thread(target=work).start()
            mp.get_context("spawn").Process(target=work).start()

        def processes_first():
            mp.Process(target=work).start()
            threading.Thread(target=work).start()
        """
    )


def test_fkl401_breaks_under_fork_the_default_on_linux_before_314() -> None:
    source = "import os, threading\ndef f():\n    threading.Thread(target=f).start()\n    os.fork()\n"
    finding = only(source)
    assert finding.methods == ("fork",)
    assert finding.where == "breaks under fork, which this code chooses"
    started = source.replace("os.fork()", "multiprocessing.Process(target=f).start()")
    finding = only("import multiprocessing\n" + started)
    assert finding.where == "breaks on Linux up to Python 3.13 by default (and wherever fork is chosen)"


# -- FKL402 ----------------------------------------------------------------------------------------


def test_fkl402_join_before_draining_the_queue() -> None:
    assert_claims(
        """
        import multiprocessing as mp

        def work(q):
            q.put(1)

        def joins_first():
            q = mp.Queue()
            procs = [mp.Process(target=work, args=(q,)) for _ in range(3)]
            for p in procs:
                p.start()
            for p in procs:
                p.join()  # FKL402
            return [q.get() for _ in procs]

        def gets_first():
            q = mp.JoinableQueue()
            p = mp.Process(target=work, args=(q,))
            p.start()
            item = q.get()
            p.join()
            return item

        def reads_elsewhere():
            q = mp.Queue()
            p = mp.Process(target=work, args=(q,))
            p.start()
            p.join()
            return q

        def managed():
            q = mp.Manager().Queue()
            p = mp.Process(target=work, args=(q,))
            p.start()
            p.join()
            return q.get()
        """
    )


# -- noqa and selection ------------------------------------------------------------------------------

LAMBDA = "import multiprocessing\nmultiprocessing.Process(target=lambda: 0)"


@pytest.mark.parametrize(
    ("comment", "silenced"),
    [
        ("  # noqa", True),
        ("  # noqa: FKL201", True),
        ("  # NOQA:FKL201", True),
        ("  # noqa: E731, FKL201 -- the lesson", True),
        ("  # noqa: FKL2", True),
        ("  # noqa: FKL203", False),
        ("  # noqa: E731", False),
        ("  # no qa", False),
    ],
)
def test_noqa_on_the_line(comment: str, silenced: bool) -> None:
    assert (check_source(LAMBDA + comment + "\n") == []) is silenced
    assert noqa_silences(comment, "FKL201") is silenced


def test_select_and_ignore_take_codes_and_prefixes_the_more_specific_winning() -> None:
    assert check_source(LAMBDA, select=["FKL3"]) == []
    assert check_source(LAMBDA, ignore=["FKL2"]) == []
    assert len(check_source(LAMBDA, select=["FKL201"], ignore=["FKL2"])) == 1
    assert len(check_source(LAMBDA, select=["FKL2"], ignore=["FKL203"])) == 1
    assert not enabled("FKL201", ["FKL201"], ["FKL201"])  # equally specific: ignore wins
    assert enabled("FKL201", ["ALL"], [])


def test_an_unknown_code_is_bad_input() -> None:
    assert parse_codes(["FKL2, fkl301", "FKL"], "--select") == ["FKL2", "FKL301", "FKL"]
    with pytest.raises(BadInput, match=r"--ignore E731: no rule code starts with 'E731'"):
        parse_codes(["E731"], "--ignore")


def test_a_file_that_mentions_nothing_relevant_is_not_even_parsed() -> None:
    assert check_source("this is not python (") == []
    with pytest.raises(SyntaxError):
        check_source("import multiprocessing\nthis is not python (")


def test_fkl101_an_executor_is_reported_at_its_first_submit_only() -> None:
    assert_claims(IMPORTS + "ex = ProcessPoolExecutor()\nex.submit(f, 1)  # FKL101\nex.submit(f, 2)\nex.map(f, [3])\n")
