"""The XLA compiler options jaxtorch compiles with, and `jit`, jax.jit with those options.

Every program jaxtorch builds (eager per-op programs, their VJPs, torch.compile steps) goes through
`jit`, so eager and compiled runs lower the same way.

CPU: XLA:CPU hands 2-D convolutions to YNNPACK by default. On the shapes measured (docs/performance.md,
"CPU convolutions") YNNPACK's convolutions run single-threaded and 1-4x slower than XLA's own
multi-threaded convolution, forward and both gradients; it never won. jaxtorch keeps YNNPACK for dots
(where it is fast) and leaves convolutions to XLA. A user who sets
`xla_cpu_experimental_ynn_fusion_type` in XLA_FLAGS keeps their choice.
"""

from __future__ import annotations

import os

import jax
import numpy as np

_CPU_OPTIONS = {"xla_cpu_experimental_ynn_fusion_type": "LIBRARY_FUSION_TYPE_INDIVIDUAL_DOT"}
_options: dict | None = None  # chosen on first use: needs the backend, which must not start at import


def _choose() -> dict:
    if jax.default_backend() != "cpu" or "ynn_fusion_type" in os.environ.get("XLA_FLAGS", ""):
        return {}
    try:  # an XLA that does not know the option (or the value) keeps its defaults
        jax.jit(lambda x: x + 1, compiler_options=_CPU_OPTIONS).lower(np.float32(0)).compile()
    except Exception:
        return {}
    return dict(_CPU_OPTIONS)


def compiler_options() -> dict:
    """The options passed to every jaxtorch compile on the default backend ({} when none)."""
    global _options
    if _options is None:
        _options = _choose()
    return _options


def jit(fn, **kw):
    """jax.jit with jaxtorch's compiler options."""
    opts = compiler_options()
    if opts:
        kw["compiler_options"] = opts
    return jax.jit(fn, **kw)
