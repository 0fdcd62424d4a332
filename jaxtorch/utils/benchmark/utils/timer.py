"""torch.utils.benchmark.utils.timer: `Timer`, torch's timeit with warm-up, replicates and adaptive block sizes.

Waiting for JAX: jaxtorch ops return as soon as XLA has queued their work (on CPU too), so a clock read right after
a statement would time the dispatch, not the computation. The default `timer` therefore first waits for every
device JAX uses (`synchronize_jax`: `jax.effects_barrier()`, then a tiny program run to completion on each device;
XLA runs a device's programs in order, so that one finishing means all earlier work has finished) and only then
reads `timeit.default_timer()`. torch's timer does the same for accelerators; on CPU torch's ops are synchronous, so
both measure the full cost of a statement. Pass `timer=timeit.default_timer` to time dispatch only. Choosing a
block size starts with one untimed run of `stmt` (torch has no such warm-up), so that XLA's first-call compilation
is not taken for the cost of a run.

`num_threads` is recorded in the results and applied with torch.set_num_threads, which jaxtorch remembers but XLA
does not apply (its CPU thread pool is sized at start-up): the label is right only if XLA was started with that
many threads. Only Python statements are supported (`language="c++"` raises NotImplementedError), and
`collect_callgrind` raises NotImplementedError (no Valgrind bindings).
"""

from __future__ import annotations

import enum
import functools
import textwrap
import timeit
from collections.abc import Callable
from typing import Any

import numpy as np

from .... import _unsupported
from . import common
from .valgrind_wrapper import timer_interface

__all__ = ["Timer", "timer", "Language"]


@functools.lru_cache(maxsize=None)
def _probes() -> tuple:
    """One placed scalar per local device (CPU devices too when the default backend is an accelerator)."""
    import jax

    devices = list(jax.local_devices())
    if devices[0].platform != "cpu":
        devices += list(jax.local_devices(backend="cpu"))
    return tuple(jax.device_put(np.int32(0), d) for d in devices)


@functools.lru_cache(maxsize=1)
def _probe_program():
    import jax

    return jax.jit(lambda x: x + 1)


def synchronize_jax() -> None:
    """Wait until every device has finished the work JAX has queued on it so far (see the module docstring)."""
    import jax

    jax.effects_barrier()
    program = _probe_program()
    for probe in _probes():
        program(probe).block_until_ready()


def timer() -> float:
    """The current time, read after JAX's queued work has finished (see the module docstring)."""
    synchronize_jax()
    return timeit.default_timer()


class Language(enum.Enum):
    PYTHON = 0
    CPP = 1


class Timer:
    """Time a Python statement (`stmt`, after `setup`, with `globals`); see torch's docs for the arguments. The
    results are Measurements labelled with `label`, `sub_label`, `description`, `env` and `num_threads`."""

    _timer_cls: type = timeit.Timer

    def __init__(
        self,
        stmt: str = "pass",
        setup: str = "pass",
        global_setup: str = "",
        timer: Callable[[], float] = timer,
        globals: dict[str, Any] | None = None,
        label: str | None = None,
        sub_label: str | None = None,
        description: str | None = None,
        env: str | None = None,
        num_threads: int = 1,
        language: Language | str = Language.PYTHON,
    ) -> None:
        if not isinstance(stmt, str):
            raise ValueError("Currently only a `str` stmt is supported.")
        self._globals = dict(globals or {})
        if language in (Language.PYTHON, "py", "python"):
            import jaxtorch

            self._globals.setdefault("torch", jaxtorch)
            self._language = Language.PYTHON
            if global_setup:
                raise ValueError(
                    f"global_setup is C++ only, got `{global_setup}`. Most likely this code can simply "
                    "be moved to `setup`."
                )
        elif language in (Language.CPP, "cpp", "c++"):
            raise NotImplementedError(
                _unsupported.message("torch.utils.benchmark.Timer(language='c++')", "jaxtorch has no C++ API to time")
            )
        else:
            raise ValueError(f"Invalid language `{language}`.")
        stmt, setup = _clean(stmt), _clean(setup)
        self._timer = self._timer_cls(
            stmt=stmt, setup=setup, timer=timer, globals=timer_interface.CopyIfCallgrind.unwrap_all(self._globals)
        )
        self._task_spec = common.TaskSpec(
            stmt=stmt,
            setup=setup,
            global_setup=global_setup,
            label=label,
            sub_label=sub_label,
            description=description,
            env=env,
            num_threads=num_threads,
        )

    def _timeit(self, number: int) -> float:
        # a zero time would break the statistics downstream
        return max(self._timer.timeit(number), 1e-9)

    def timeit(self, number: int = 1000000) -> common.Measurement:
        """Run `stmt` `number` times (after a warm-up of number // 100 runs) and time the whole block."""
        with common.set_torch_threads(self._task_spec.num_threads):
            self._timeit(number=max(int(number // 100), 2))
            return common.Measurement(
                number_per_run=number, raw_times=[self._timeit(number=number)], task_spec=self._task_spec
            )

    def repeat(self, repeat: int = -1, number: int = -1) -> None:
        raise NotImplementedError("See `Timer.blocked_autorange.`")

    def autorange(self, callback: Callable | None = None) -> None:
        raise NotImplementedError("See `Timer.blocked_autorange.`")

    def _measurement_loop(
        self,
        number: int,
        stop_hook: Callable[[list[float]], bool],
        min_run_time: float,
        max_run_time: float | None = None,
        callback: Callable | None = None,
    ) -> list[float]:
        total, can_stop, times = 0.0, False, []
        with common.set_torch_threads(self._task_spec.num_threads):
            while total < min_run_time or not can_stop:
                spent = self._timeit(number)
                times.append(spent)
                total += spent
                if callback:
                    callback(number, spent)
                can_stop = stop_hook(times)
                if max_run_time and total > max_run_time:
                    break
        return times

    def _estimate_block_size(self, min_run_time: float) -> int:
        """The smallest power of ten of runs per block for which the timer's own overhead is at most 0.01% of a
        block (and a block takes at least min_run_time / 1000), capped once a block exceeds min_run_time."""
        with common.set_torch_threads(self._task_spec.num_threads):
            # One untimed run first: jaxtorch compiles each op on its first call, and a block size chosen from a
            # compiling run would be 1, letting the timer's synchronisation dominate every block.
            self._timeit(1)
            overhead = float(np.median([self._timeit(0) for _ in range(5)]))
            number = 1
            while True:
                taken = self._timeit(number)
                if overhead / taken <= 1e-4 and taken >= min_run_time / 1000:
                    break
                if taken > min_run_time or number * 10 > 2147483647:
                    break
                number *= 10
        return number

    def blocked_autorange(self, callback: Callable | None = None, min_run_time: float = 0.2) -> common.Measurement:
        """Time blocks of runs (block size from a warm-up, see _estimate_block_size) until `min_run_time` seconds
        have been measured. `callback(number, time)` is called after each block."""
        number = self._estimate_block_size(min_run_time)
        times = self._measurement_loop(number, lambda times: True, min_run_time=min_run_time, callback=callback)
        return common.Measurement(number_per_run=number, raw_times=times, task_spec=self._task_spec)

    def adaptive_autorange(
        self,
        threshold: float = 0.1,
        *,
        min_run_time: float = 0.01,
        max_run_time: float = 10.0,
        callback: Callable | None = None,
    ) -> common.Measurement:
        """Time blocks until at least `min_run_time` seconds and more than 3 blocks are measured and IQR / median
        is below `threshold`, or until `max_run_time` seconds."""
        number = self._estimate_block_size(min_run_time=0.05)

        def stop_hook(times: list[float]) -> bool:
            if len(times) <= 3:
                return False
            return common.Measurement(
                number_per_run=number, raw_times=times, task_spec=self._task_spec
            ).meets_confidence(threshold=threshold)

        times = self._measurement_loop(number, stop_hook, min_run_time, max_run_time, callback=callback)
        return common.Measurement(number_per_run=number, raw_times=times, task_spec=self._task_spec)

    def collect_callgrind(
        self,
        number: int = 100,
        *,
        repeats: int | None = None,
        collect_baseline: bool = True,
        retain_out_file: bool = False,
    ) -> Any:
        raise NotImplementedError(
            _unsupported.message("torch.utils.benchmark.Timer.collect_callgrind", "jaxtorch has no Valgrind bindings")
        )


def _clean(code: str) -> str:
    """Dedent, drop one leading newline and trailing whitespace (so triple-quoted snippets work)."""
    code = textwrap.dedent(code)
    return (code[1:] if code and code[0] == "\n" else code).rstrip()
