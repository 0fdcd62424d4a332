"""torch.utils.benchmark.utils.compile: time a model eager and under torch.compile.

`benchmark_compile(model, sample_input, num_iters, backend, mode, optimizer, loss_fn)` returns (compilation time,
average running time) in milliseconds, each rounded to 2 decimals, as torch's does: the compilation time is that of
the first call of `torch.compile(model, backend=backend, mode=mode)` (jaxtorch's compile: tracing plus XLA), the
running time the mean over `num_iters` further calls (timed with Timer, which waits for JAX's work). With
`optimizer` and `loss_fn` each call is a training step. torch also checks that exactly one graph was compiled; that
count is not available from jaxtorch's compile, so it is not checked. A failed compile prints the error and returns
(None, None), as in torch.

`bench_all` tabulates every backend torch.compile lists; like torch's it needs the `tabulate` package (without it,
calling bench_all raises ModuleNotFoundError).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["bench_all", "benchmark_compile"]

try:
    from tabulate import tabulate

    HAS_TABULATE = True
except ModuleNotFoundError:
    HAS_TABULATE = False
    tabulate = None

_TRAIN_STEP = """
optimizer.zero_grad()
loss = loss_fn(model(sample_input))
loss.backward()
optimizer.step()"""


def bench_loop(
    model: Callable, sample_input: Any, num_iters: int = 5, optimizer=None, loss_fn: Callable | None = None
) -> float:
    """Mean milliseconds per call over `num_iters` calls (training steps with optimizer and loss_fn)."""
    from .timer import Timer

    stmt = _TRAIN_STEP if optimizer and loss_fn else "model(sample_input)"
    timer = Timer(
        stmt=stmt, globals={"model": model, "sample_input": sample_input, "optimizer": optimizer, "loss_fn": loss_fn}
    )
    return round(timer.timeit(number=num_iters).mean * 1000, 2)


def benchmark_compile(
    model: Callable,
    sample_input: Any,
    num_iters: int = 5,
    backend: str | None = None,
    mode: str | None = "default",
    optimizer=None,
    loss_fn: Callable | None = None,
) -> tuple:
    """(compilation ms, running ms); eager when backend is None (compilation time None). See the module docstring."""
    from .... import compile as _compile

    if backend:
        try:
            compiled = _compile(model, backend=backend, mode=mode)
            compilation_time = bench_loop(compiled, sample_input, 1, optimizer, loss_fn)
            running_time = bench_loop(compiled, sample_input, num_iters, optimizer, loss_fn)
        except Exception as e:  # torch reports any failure this way
            print(e)
            print(f"Failed to compile {backend} with mode {mode}")
            return None, None
    else:
        compilation_time = None
        running_time = bench_loop(model, sample_input, num_iters, optimizer, loss_fn)
    return (round(compilation_time, 2) if compilation_time else None, round(running_time, 2) if running_time else None)


def bench_all(
    model: Callable, sample_input: Any, num_iters: int = 5, optimizer=None, loss_fn: Callable | None = None
) -> str:
    """A GitHub-style table of eager and every compile backend's times (needs `tabulate`)."""
    if not HAS_TABULATE:
        raise ModuleNotFoundError("tabulate is not installed, please pip install tabulate to use this utility")
    from .... import _dynamo

    kind = "Training" if optimizer else "Inference"
    _, eager_time = benchmark_compile(model, sample_input, num_iters, None, None, optimizer)
    table = [[kind, "Eager", "-", "-", f"{eager_time} ms"]]
    for backend in _dynamo.list_backends():
        compilation_time, running_time = benchmark_compile(
            model, sample_input, num_iters, backend, None, optimizer, loss_fn
        )
        if running_time is not None:
            table.append([kind, backend, "-", f"{compilation_time} ms ", f"{running_time} ms "])
    return tabulate(
        table,
        headers=["Train/Inference", "Backend", "Mode", "Compilation Time", "Average Running Time"],
        tablefmt="github",
    )
