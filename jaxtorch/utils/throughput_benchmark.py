"""torch.utils.throughput_benchmark: run a module from several threads, as an inference server would, and report
the average latency and the throughput.

torch runs the loop in C++; jaxtorch runs it in Python threads (the GIL is released while XLA computes). Each call
waits for its outputs to be computed (`jax.block_until_ready`) before it counts as done, so the latency is the
computation's and not only its dispatch. As in torch: inputs added with `add_input` are picked at random by each
call, every thread first runs `num_warmup_iters` untimed calls, the threads share `num_iters` timed calls (a few
more may finish), and `latency_avg_ms` is the timed wall time times the number of threads over the calls made.
A `profiler_output_path` records the timed phase with torch.profiler and writes a Chrome trace there.
"""

from __future__ import annotations

import random
import threading
import time
from typing import Any

__all__ = ["format_time", "ExecutionStats", "ThroughputBenchmark"]


def format_time(time_us: float | None = None, time_ms: float | None = None, time_s: float | None = None) -> str:
    """A duration (give exactly one of the three) as '1.234s', '1.234ms' or '1.234us'."""
    if sum(t is not None for t in (time_us, time_ms, time_s)) != 1:
        raise AssertionError("Expected only one of time_us, time_ms, time_s is given.")
    if time_us is None:
        time_us = time_ms * 1e3 if time_ms is not None else time_s * 1e6
    if time_us >= 1e6:
        return f"{time_us / 1e6:.3f}s"
    if time_us >= 1e3:
        return f"{time_us / 1e3:.3f}ms"
    return f"{time_us:.3f}us"


class BenchmarkConfig:
    """The settings of one benchmark run."""

    def __init__(
        self,
        num_calling_threads: int = 1,
        num_warmup_iters: int = 10,
        num_iters: int = 100,
        profiler_output_path: str = "",
    ) -> None:
        self.num_calling_threads = num_calling_threads
        self.num_warmup_iters = num_warmup_iters
        self.num_iters = num_iters
        self.profiler_output_path = profiler_output_path


class _Stats:
    def __init__(self, latency_avg_ms: float, num_iters: int) -> None:
        self.latency_avg_ms = latency_avg_ms
        self.num_iters = num_iters


class ExecutionStats:
    """The result of ThroughputBenchmark.benchmark."""

    def __init__(self, c_stats: Any, benchmark_config: BenchmarkConfig) -> None:
        self._c_stats = c_stats
        self.benchmark_config = benchmark_config

    @property
    def latency_avg_ms(self) -> float:
        return self._c_stats.latency_avg_ms

    @property
    def num_iters(self) -> int:
        return self._c_stats.num_iters

    @property
    def iters_per_second(self) -> float:
        """Calls per second across all calling threads."""
        return self.num_iters / self.total_time_seconds

    @property
    def total_time_seconds(self) -> float:
        return self.num_iters * (self.latency_avg_ms / 1000.0) / self.benchmark_config.num_calling_threads

    def __str__(self) -> str:
        return "\n".join(
            [
                "Average latency per example: " + format_time(time_ms=self.latency_avg_ms),
                f"Total number of iterations: {self.num_iters}",
                f"Total number of iterations per second (across all threads): {self.iters_per_second:.2f}",
                "Total time: " + format_time(time_s=self.total_time_seconds),
            ]
        )


def _call_and_wait(module, args: tuple, kwargs: dict) -> Any:
    import jax

    out = module(*args, **kwargs)
    jax.block_until_ready(out)
    return out


class ThroughputBenchmark:
    """Benchmark `module` (an nn.Module or any callable) under a multi-threaded inference load."""

    def __init__(self, module) -> None:
        self._module = module
        self._inputs: list[tuple[tuple, dict]] = []

    def run_once(self, *args: Any, **kwargs: Any) -> Any:
        """Call the module once with these inputs and return its output."""
        return self._module(*args, **kwargs)

    def add_input(self, *args: Any, **kwargs: Any) -> None:
        """Store one input (positional and keyword arguments) for benchmark() to pick from."""
        self._inputs.append((args, kwargs))

    def benchmark(
        self,
        num_calling_threads: int = 1,
        num_warmup_iters: int = 10,
        num_iters: int = 100,
        profiler_output_path: str = "",
    ) -> ExecutionStats:
        """Run the benchmark (see the module docstring) and return its ExecutionStats."""
        if not self._inputs:
            raise RuntimeError("Please provide benchmark inputs.Did you forget to call add_input()? ")
        config = BenchmarkConfig(num_calling_threads, num_warmup_iters, num_iters, profiler_output_path)
        lock = threading.Lock()
        done = [0]
        warm = threading.Barrier(num_calling_threads + 1)
        go = threading.Event()
        errors: list[BaseException] = []

        def worker(seed: int) -> None:
            rng = random.Random(seed)
            try:
                for _ in range(num_warmup_iters):
                    _call_and_wait(self._module, *rng.choice(self._inputs))
            except BaseException as e:  # reported by the main thread
                errors.append(e)
            warm.wait()
            go.wait()
            while not errors:
                with lock:
                    if done[0] >= num_iters:
                        return
                    done[0] += 1
                try:
                    _call_and_wait(self._module, *rng.choice(self._inputs))
                except BaseException as e:
                    errors.append(e)

        threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(num_calling_threads)]
        for t in threads:
            t.start()
        warm.wait()
        profiler = None
        if profiler_output_path:
            from ..autograd import profiler as _profiler

            profiler = _profiler.profile()
            profiler.__enter__()
        start = time.perf_counter()
        go.set()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - start
        if profiler is not None:
            profiler.__exit__(None, None, None)
            profiler.export_chrome_trace(profiler_output_path)
        if errors:
            raise errors[0]
        calls = max(done[0], 1)
        return ExecutionStats(_Stats(elapsed * 1000.0 * num_calling_threads / calls, done[0]), config)
