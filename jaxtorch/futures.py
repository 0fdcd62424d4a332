"""torch.futures: a thread-safe Future for results that arrive later (RPC-style asynchronous work).

Semantics follow torch's: a Future is completed once, by `set_result` or `set_exception`; `wait()` blocks until
then and returns the value or raises the stored exception; callbacks added with `then` / `add_done_callback` run
in the completing thread (immediately if the future is already done). A `then` callback that raises completes the
chained future with a RuntimeError that carries the original error and where it happened.
"""

from __future__ import annotations

import threading
import traceback
from typing import Any, Callable, Generic, TypeVar

__all__ = ["Future", "collect_all", "wait_all"]

T = TypeVar("T")
S = TypeVar("S")


def _callback_error(exc: BaseException) -> RuntimeError:
    frames = traceback.extract_tb(exc.__traceback__)
    where = "".join(f"  {f.filename}({f.lineno}): {f.name}\n" for f in reversed(frames))
    return RuntimeError(
        f"Got the following error when running the callback: {type(exc).__name__}: {exc}\n\nAt:\n{where}"
    )


class Future(Generic[T]):
    """A value of type T that becomes available later. Thread-safe."""

    def __init__(self, *, devices: list | None = None) -> None:
        from ._device import device
        from ._unsupported import message

        for d in devices or ():
            if not isinstance(d, int) and device(d).type == "cpu":
                raise ValueError(f"Expected devices to have indices, got {device(d)}")  # as torch
            raise NotImplementedError(
                message(
                    "torch.futures.Future(devices=...)",
                    "futures that synchronise with accelerator streams; jaxtorch futures hold host values",
                )
            )
        self._cond = threading.Condition()
        self._done = False
        self._value: Any = None
        self._error: BaseException | None = None
        self._callbacks: list[Callable[[Future[T]], None]] = []

    def done(self) -> bool:
        """True once a result or an exception has been set."""
        return self._done

    def wait(self) -> T:
        """Block until the future completes; return its value or raise its exception."""
        with self._cond:
            self._cond.wait_for(lambda: self._done)
        return self.value()

    def value(self) -> T:
        """The value of a completed future (raises its exception if it has one). Does not block."""
        if not self._done:
            raise RuntimeError("Future.value() was called before the future completed; call wait() to block")
        if self._error is not None:
            raise self._error
        return self._value

    def then(self, callback: Callable[[Future[T]], S]) -> Future[S]:
        """A new future completed with `callback(self)` once this one completes."""
        if not callable(callback):
            raise TypeError(f"then(): callback must be callable, got {type(callback).__name__}")
        child: Future[S] = Future()

        def run(fut: Future[T]) -> None:
            try:
                result = callback(fut)
            except Exception as e:  # noqa: BLE001 - any error of the callback completes the child
                child.set_exception(_callback_error(e))
            else:
                child.set_result(result)

        self.add_done_callback(run)
        return child

    def add_done_callback(self, callback: Callable[[Future[T]], None]) -> None:
        """Run `callback(self)` when the future completes (now, if it already has). Its errors are printed and
        otherwise ignored, as in torch."""
        with self._cond:
            if not self._done:
                self._callbacks.append(callback)
                return
        self._run(callback)

    def _run(self, callback: Callable) -> None:
        try:
            callback(self)
        except Exception as e:  # noqa: BLE001 - torch logs a failing done-callback and carries on
            import sys

            print(str(_callback_error(e)), file=sys.stderr)

    def _complete(self, value: Any, error: BaseException | None) -> None:
        with self._cond:
            if self._done:
                raise RuntimeError(
                    "Attempting to mark a completed Future as complete again. Note that a Future "
                    "can only be marked completed once."
                )
            self._value, self._error, self._done = value, error, True
            callbacks, self._callbacks = self._callbacks, []
            self._cond.notify_all()
        for cb in callbacks:
            self._run(cb)

    def set_result(self, result: T) -> None:
        """Complete the future with `result`, waking waiters and running callbacks."""
        self._complete(result, None)

    def set_exception(self, result: BaseException) -> None:
        """Complete the future with an exception, which `wait()` / `value()` then raise."""
        if not isinstance(result, Exception):
            raise AssertionError(f"{result} is of type {type(result)}, not an Exception.")
        self._complete(None, result)


def collect_all(futures: list[Future]) -> Future[list[Future]]:
    """A future completed with the list `futures` once all of them are done (with the first error, if any)."""
    futures = list(futures)
    for f in futures:
        if not isinstance(f, Future):
            raise TypeError(
                f"collect_all(): expected a list of torch.futures.Future, got an element of type {type(f).__name__}"
            )
    out: Future[list[Future]] = Future()
    if not futures:
        out.set_result([])
        return out
    lock = threading.Lock()
    remaining = [len(futures)]

    def one_done(_: Future) -> None:
        with lock:
            remaining[0] -= 1
            last = remaining[0] == 0
        if last:
            error = next((f._error for f in futures if f._error is not None), None)
            if error is not None:
                out.set_exception(error)
            else:
                out.set_result(futures)

    for f in futures:
        f.add_done_callback(one_done)
    return out


def wait_all(futures: list[Future]) -> list:
    """Wait for every future; return their values (raises the first error among them)."""
    return [f.wait() for f in collect_all(futures).wait()]
