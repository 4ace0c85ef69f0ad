"""One background thread that draws, encodes and writes pictures while training goes on.

A picture callback computes its numbers from the model at the log point (that has to happen
before training moves the weights on) and hands the rest, drawing the picture, encoding the
PNG and writing it, to this thread. TensorFlow lets go of Python's lock while it runs the next
passes over the data, so much of the picture is drawn during them instead of between them.
Jobs run one at a time in the order they were given: a run's event file is written in the
same order as without the thread, and while a model trains, matplotlib (which is not
thread-safe) is used by no other thread. Every `ProbeCallback` waits for the jobs at the end
of training (`ProbeCallback.flush`), so a run's files are complete when `fit` returns.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

_lock = threading.Lock()
_executor = None
_pending = []


def submit(job, *arguments):
    """Runs `job(*arguments)` on the background thread, after every job given before it; returns its future."""
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dlintro-pictures")
        future = _executor.submit(job, *arguments)
        _pending.append(future)
    return future


def wait():
    """Blocks until every job given so far has run; raises the first error one of them raised."""
    with _lock:
        pending = list(_pending)
        _pending.clear()
    errors = [future.exception() for future in pending]
    for error in errors:
        if error is not None:
            raise error
