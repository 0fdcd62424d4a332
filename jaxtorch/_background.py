"""Compile programs on a worker thread before their first call.

Eager jaxtorch compiles one XLA program per op, shape and dtype the first time it runs, so a cold process spends
most of its first training step compiling, on one core. Some programs are known before they are needed: the
backward of an op autograd records (its residuals exist as soon as the forward has run) and an optimizer's step
(its parameters are known when it is built). `warm(jitted, *args)` queues `jitted.lower(*args).compile()` for one
worker thread. XLA compiles with the GIL released, so the compile runs on another core while the main thread
goes on with the forward pass; the result lands in the caches the real call reads (JAX keys them on the program
and argument types, so a call with arguments of those types finds it).

Warm-ups only fill caches: no result depends on them, and an error in one is dropped (the real call raises it).
`drain(jitted)` runs the warm-ups of `jitted` still queued on the calling thread (newest first: a backward pass
needs the last recorded op's program first) while the worker finishes the one it holds, and returns when none is
left. The backward pass and the optimizer step call it before they run programs that may be in the queue, so no
program is compiled twice at once.

`JAXTORCH_BACKGROUND_COMPILE=0` turns warm-ups off (every program is then compiled on first call, as before).
"""

from __future__ import annotations

import collections
import os
import threading

import jax

ENABLED = os.environ.get("JAXTORCH_BACKGROUND_COMPILE", "1") not in ("0", "")

_cv = threading.Condition()
_queue: collections.deque = collections.deque()
_running = None  # the warm-up the worker holds
_worker: threading.Thread | None = None
_stopped = False
_paused = False  # while a fork is under way


def warm(jitted, *args) -> None:
    """Queue `jitted.lower(*args).compile()` (args: arrays or jax.ShapeDtypeStructs, as the call will pass)."""
    global _worker
    if not ENABLED or _stopped:
        return
    with _cv:
        _queue.append((jitted, args))
        if _worker is None:
            _worker = threading.Thread(target=_loop, name="jaxtorch-compile", daemon=True)
            _worker.start()
        _cv.notify()


def spec(tree):
    """tree with every array replaced by its type (a jax.ShapeDtypeStruct; the sharding kept when committed, as
    JAX keys committed arguments on it), so a queued warm-up holds no buffer."""

    def one(x):
        if isinstance(x, jax.Array):
            sharding = x.sharding if x.committed else None
            return jax.ShapeDtypeStruct(x.shape, x.dtype, sharding=sharding, weak_type=x.weak_type)
        return x

    return jax.tree_util.tree_map(one, tree)


_deferred: list = []


def defer(ref) -> None:
    """Run `ref()()` (ref: a weak reference to a method) when eager autograd recording first compiles something:
    warm-ups that only pay off in an eager training step (an optimizer's) wait until one is seen to start."""
    if ENABLED:
        _deferred.append(ref)


def run_deferred() -> None:
    while _deferred:
        fn = _deferred.pop(0)()
        if fn is not None:
            fn()


def pending() -> bool:
    """Whether a warm-up is queued or running."""
    return bool(_queue) or _running is not None


def drain(jitted) -> None:
    """Finish every warm-up of `jitted`: run the queued ones here (newest first), wait for the worker's."""
    if not _queue and _running is None:
        return
    while True:
        with _cv:
            for i in range(len(_queue) - 1, -1, -1):
                if _queue[i][0] is jitted:
                    item = _queue[i]
                    del _queue[i]
                    break
            else:
                if _running is not None and _running[0] is jitted:
                    _cv.wait()
                    continue
                return
        _compile(item)


def _compile(item) -> None:
    jitted, args = item
    try:
        jitted.lower(*args).compile()
    except Exception:  # a warm-up only: the real call compiles again and reports the error
        pass


def _loop() -> None:
    global _running
    while True:
        with _cv:
            while (not _queue or _paused) and not _stopped:
                _cv.wait()
            if _stopped:
                return
            item = _running = _queue.popleft()
        try:
            _compile(item)
        finally:
            with _cv:
                _running = None
                _cv.notify_all()


def _shutdown() -> None:
    """At interpreter exit: drop what is queued and let the worker finish the compile it holds (XLA must not be
    torn down under it)."""
    global _stopped
    with _cv:
        _stopped = True
        _queue.clear()
        _cv.notify_all()
    w = _worker
    if w is not None and w.is_alive():
        w.join()


def _before_fork() -> None:
    """A forked child must not inherit XLA halfway through a compile on a thread it does not have (its locks and
    pools would stay taken): hold new warm-ups and wait for the one running."""
    global _paused
    with _cv:
        _paused = True
        while _running is not None:
            _cv.wait()


def _after_fork_in_parent() -> None:
    global _paused
    with _cv:
        _paused = False
        _cv.notify_all()


def _after_fork_in_child() -> None:  # the worker thread does not exist in a forked child (nor its lock's owner)
    global _worker, _running, _cv, _paused
    _cv = threading.Condition()
    _worker = None
    _running = None
    _paused = False
    _queue.clear()


# Runs before threading joins non-daemon threads and before atexit handlers (JAX's backend clean-up among them).
_register = getattr(threading, "_register_atexit", None)
if _register is not None:
    _register(_shutdown)
else:  # pragma: no cover - every supported Python has it
    import atexit

    atexit.register(_shutdown)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_before_fork, after_in_parent=_after_fork_in_parent,
                        after_in_child=_after_fork_in_child)
