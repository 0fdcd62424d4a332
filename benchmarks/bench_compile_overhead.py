"""Per-call overhead of a compiled step: jaxtorch.compile vs raw jax.jit on a flat list of the same arrays.

A 20-block model with ~240 small state arrays and almost no compute, so the figure is the cost of the
call boundary itself (flattening state, calling the executable, writing state back).

    python benchmarks/bench_compile_overhead.py
"""

from __future__ import annotations

import functools
import statistics
import time

import jax
import jax.numpy as jnp

import jaxtorch as torch
from jaxtorch import nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        for i in range(12):
            setattr(self, f"p{i}", nn.Parameter(torch.full((4,), 0.01 * i)))

    def forward(self, x):
        for i in range(12):
            x = x + getattr(self, f"p{i}")
        return x


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList([Block() for _ in range(20)])

    def forward(self, x):
        for b in self.blocks:
            x = b(x)
        return x


def bench(fn, n=300, repeats=5):
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(n):
            r = fn()
        jax.block_until_ready(r)
        times.append((time.perf_counter() - t0) / n * 1e6)
    return statistics.median(times)


def main():
    model = Model()
    params = list(model.parameters())
    x = torch.ones(4)

    @torch.compile
    def step(x):
        with torch.no_grad():
            for p in params:
                p.add_(1e-6)  # every state array is read and written
        return model(x)

    step(x)
    step(x)
    t_ours = bench(lambda: step(x)._value())

    arrays = [p._value() for p in params]

    @functools.partial(jax.jit, donate_argnums=(0,))
    def raw(arrs, xa):
        new = [a + 1e-6 for a in arrs]
        y = xa
        for a in new:
            y = y + a
        return new, y

    state = {"a": arrays}

    def call_raw():
        state["a"], y = raw(state["a"], x._value())
        return y

    call_raw()
    t_raw = bench(call_raw)
    print(f"state arrays: {len(params)}")
    print(f"jaxtorch.compile call: {t_ours:8.1f} us")
    print(f"raw jax.jit call (flat list, donated): {t_raw:8.1f} us")
    print(f"ratio:                 {t_ours / t_raw:8.2f}x")
    _ = jnp


if __name__ == "__main__":
    main()
