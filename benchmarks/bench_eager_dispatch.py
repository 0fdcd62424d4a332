"""Eager per-op dispatch cost: jaxtorch vs raw JAX vs torch, measured in one run.

    python benchmarks/bench_eager_dispatch.py

Prints microseconds per call (median of repeats) and ratios. Not a test: nothing is asserted.
"""

from __future__ import annotations

import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np

import jaxtorch

try:
    import torch
except ImportError:  # torch is optional here
    torch = None


def bench(fn, n=2000, repeats=7, sync=None):
    for _ in range(min(200, n)):
        r = fn()
    if sync:
        sync(r)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(n):
            r = fn()
        if sync:
            sync(r)
        times.append((time.perf_counter() - t0) / n * 1e6)
    return statistics.median(times)


def block(x):
    jax.block_until_ready(x._value() if isinstance(x, jaxtorch.Tensor) else x)


def main():
    rng = np.random.default_rng(0)
    rows = []

    # 1. a + b on 8x8
    a_np, b_np = rng.standard_normal((8, 8), np.float32), rng.standard_normal((8, 8), np.float32)
    ja, jb = jaxtorch.tensor(a_np), jaxtorch.tensor(b_np)
    xa, xb = jnp.asarray(a_np), jnp.asarray(b_np)
    add_jit = jax.jit(jnp.add)
    r = {"jaxtorch": bench(lambda: ja + jb, sync=block), "jax eager": bench(lambda: jnp.add(xa, xb), sync=block),
         "jax jit": bench(lambda: add_jit(xa, xb), sync=block)}
    if torch is not None:
        ta, tb = torch.tensor(a_np), torch.tensor(b_np)
        r["torch"] = bench(lambda: ta + tb)
    rows.append(("add 8x8", r))

    # 2. Linear-sized matmul: (64, 784) @ (784, 128)
    x_np, w_np = rng.standard_normal((64, 784), np.float32), rng.standard_normal((784, 128), np.float32)
    jx, jw = jaxtorch.tensor(x_np), jaxtorch.tensor(w_np)
    xx, xw = jnp.asarray(x_np), jnp.asarray(w_np)
    r = {"jaxtorch": bench(lambda: jx @ jw, n=500, sync=block),
         "jax eager": bench(lambda: jnp.matmul(xx, xw), n=500, sync=block)}
    if torch is not None:
        tx, tw = torch.tensor(x_np), torch.tensor(w_np)
        r["torch"] = bench(lambda: tx @ tw, n=500)
    rows.append(("matmul 64x784x128", r))

    # 3. backward of a 10-op chain on 8x8
    def chain(x, lib):
        y = x * 1.5
        y = y + 0.25
        y = lib.tanh(y)
        y = y * x
        y = lib.sin(y)
        y = y - x
        y = lib.exp(y)
        y = y / 3.0
        y = y * y
        return y.sum()

    jleaf = jaxtorch.tensor(a_np, requires_grad=True)

    def jt_step():
        jleaf.grad = None
        chain(jleaf, jaxtorch).backward()
        return jleaf.grad

    grad_eager = jax.grad(lambda x: chain(x, jnp))
    grad_jit = jax.jit(grad_eager)
    r = {"jaxtorch": bench(jt_step, n=300, sync=block), "jax eager": bench(lambda: grad_eager(xa), n=100, sync=block),
         "jax jit": bench(lambda: grad_jit(xa), n=300, sync=block)}
    if torch is not None:
        tleaf = torch.tensor(a_np, requires_grad=True)

        def t_step():
            tleaf.grad = None
            chain(tleaf, torch).backward()
            return tleaf.grad

        r["torch"] = bench(t_step, n=300)
    rows.append(("fwd+backward 10-op chain", r))

    print(f"{'benchmark':28s} " + " ".join(f"{k:>11s}" for k in ("jaxtorch", "jax eager", "jax jit", "torch"))
          + "   jaxtorch/jax-eager  jaxtorch/torch")
    for name, r in rows:
        cells = " ".join(f"{r[k]:10.1f}u" if k in r else f"{'-':>11s}" for k in ("jaxtorch", "jax eager", "jax jit",
                                                                                   "torch"))
        ratio_j = r["jaxtorch"] / r["jax eager"]
        ratio_t = r["jaxtorch"] / r["torch"] if "torch" in r else float("nan")
        print(f"{name:28s} {cells}   {ratio_j:18.2f}  {ratio_t:14.2f}")
    print("(microseconds per call, median of 7 repeats; lower is better)")


if __name__ == "__main__":
    main()
