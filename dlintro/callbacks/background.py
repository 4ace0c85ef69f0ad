"""Background threads that draw and write pictures and statistics while training goes on.

A picture callback computes its numbers from the model at the log point (that has to happen
before training moves the weights on) and hands the rest, drawing the picture, encoding the
PNG and writing it, to a background thread. TensorFlow lets go of Python's lock while it runs
the next passes over the data, so much of the picture is drawn during them instead of between
them. Each lane is one thread whose jobs run one at a time in the order they were given:
pictures go to the `"pictures"` lane, so that matplotlib (which is not thread-safe) is used by
no other thread while a model trains; the probe statistics (bucketed in NumPy, no matplotlib)
go to the `"statistics"` lane, so that a callback waiting for its previous log point's write
does not wait for the pictures queued before it. A run's event file is written by one lane,
in the same order as without the threads. Every `ProbeCallback` waits for all the jobs at the
end of training (`ProbeCallback.flush`), so a run's files are complete when `fit` returns.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

_lock = threading.Lock()
_executors = {}
_pending = []


def submit(job, *arguments, lane="pictures"):
    """Runs `job(*arguments)` on `lane`'s thread, after every job given to it before; returns its future."""
    with _lock:
        if lane not in _executors:
            _executors[lane] = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"dlintro-{lane}")
        future = _executors[lane].submit(job, *arguments)
        _pending.append(future)
    return future


def wait():
    """Blocks until every job given so far, on every lane, has run; raises the first error one of them raised."""
    with _lock:
        pending = list(_pending)
        _pending.clear()
    errors = [future.exception() for future in pending]
    for error in errors:
        if error is not None:
            raise error
