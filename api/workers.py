"""Several uvicorn worker processes forked from one parent that has already read what they
all need (``pantau serve --workers N``).

uvicorn's own ``workers=N`` starts each worker as a fresh interpreter (multiprocessing's
"spawn"), so each one imports, reads and builds everything itself and keeps its own copy.
Here the parent binds the socket, runs ``prepare`` once (reading the derived indexes'
snapshots, say), freezes what it holds out of the garbage collector's reach and forks the
workers: each starts with the parent's memory, shared page by page until it writes to a
page (copy-on-write), so N workers hold one copy of what the parent read, not N.

The parent only supervises: SIGINT or SIGTERM stops every worker (uvicorn's graceful
shutdown in each); a worker that dies is started again, unless workers keep dying right
after they start (a broken configuration), in which case everything stops with exit code 1.
The parent must not have started threads or loaded a model before forking: forked
processes inherit only the thread that forked.
"""
from __future__ import annotations

import gc
import logging
import os
import signal
import sys
import time
import traceback
from collections.abc import Callable

log = logging.getLogger("pantau.workers")

#: A worker that ends within this many seconds of its start counts as failing to start;
#: after ``MAX_QUICK_FAILURES`` of these in a row the parent gives up.
QUICK_EXIT_S = 30.0
MAX_QUICK_FAILURES = 3
#: The signals that stop the server (the parent's handler passes them to every worker).
_STOPPING = {signal.SIGINT, signal.SIGTERM}


def serve_forked(make_app: Callable[[], object], workers: int, host: str, port: int,
                 prepare: Callable[[], None] | None = None, log_level: str = "info") -> int:
    """Serve the ASGI app ``make_app()`` builds in each of ``workers`` forked processes on
    one socket bound to host:port; return the exit code when they have stopped."""
    import uvicorn

    sock = uvicorn.Config(make_app, host=host, port=port).bind_socket()
    if prepare is not None:
        prepare()
    gc.collect()
    gc.freeze()  # what the parent holds is never scanned again: its pages stay shared
    children: dict[int, float] = {}  # pid -> start time
    stopping = False

    def start() -> None:
        # Signals wait until the worker has its own handlers (and the parent knows its pid).
        signal.pthread_sigmask(signal.SIG_BLOCK, _STOPPING)
        pid = os.fork()
        if pid == 0:  # the worker
            code = 1
            try:
                for sig in _STOPPING:
                    signal.signal(sig, signal.SIG_DFL)
                signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOPPING)
                config = uvicorn.Config(make_app(), log_level=log_level)
                uvicorn.Server(config).run(sockets=[sock])
                code = 0
            except BaseException:  # noqa: BLE001 - reported, then the worker ends
                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        children[pid] = time.monotonic()
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOPPING)

    def stop(signum, _frame) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    for sig in _STOPPING:
        signal.signal(sig, stop)
    for _ in range(workers):
        start()
    quick = 0
    code = 0
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        began = children.pop(pid, None)
        if began is None or stopping:
            continue
        exit_code = os.waitstatus_to_exitcode(status)
        quick = quick + 1 if time.monotonic() - began < QUICK_EXIT_S else 0
        if quick >= MAX_QUICK_FAILURES:
            log.error("worker %d ended (exit code %d) %d times in a row right after starting: "
                      "stopping", pid, exit_code, quick)
            code = 1
            stop(signal.SIGTERM, None)
            continue
        log.warning("worker %d ended (exit code %d): starting another", pid, exit_code)
        start()
    sock.close()
    return code
