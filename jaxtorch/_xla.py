"""The XLA compiler options jaxtorch compiles with: `jit` (torch.compile steps) and `jit_eager` (one eager op's
forward, VJP or backward step) are jax.jit with those options.

Both share the options below; eager programs add `_CPU_EAGER_OPTIONS`, which make XLA:CPU compile a multi-op
program (an attention step) about twice as fast without slowing it measurably (docs/performance.md, "Real
library workloads end to end"). `JAXTORCH_EAGER_XLA_DEFAULTS=1` leaves eager programs with the shared options.

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
# Eager per-op programs only (see `jit_eager`): the legacy elemental emitters and LLVM -O1.
_CPU_EAGER_OPTIONS = {"xla_cpu_use_fusion_emitters": False, "xla_backend_optimization_level": 1}
_options: dict | None = None  # chosen on first use: needs the backend, which must not start at import
_eager_options: dict | None = None


def _accepted(options: dict) -> dict:
    """The options of `options` this XLA knows (each probed alone: an unknown one keeps XLA's default)."""
    flags = os.environ.get("XLA_FLAGS", "")
    options = {k: v for k, v in options.items() if k.removeprefix("xla_") not in flags}  # the user's choice wins
    if not options or _compiles(options):
        return options
    return {k: v for k, v in options.items() if _compiles({k: v})}


def _compiles(options: dict) -> bool:
    try:
        jax.jit(lambda x: x + 1, compiler_options=options).lower(np.float32(0)).compile()
    except Exception:
        return False
    return True


def compiler_options() -> dict:
    """The options passed to every jaxtorch compile on the default backend ({} when none)."""
    global _options
    if _options is None:
        _options = _accepted(_CPU_OPTIONS) if jax.default_backend() == "cpu" else {}
    return _options


def eager_compiler_options() -> dict:
    """`compiler_options()` plus those for eager per-op programs ({} when none)."""
    global _eager_options
    if _eager_options is None:
        extra = _CPU_EAGER_OPTIONS if jax.default_backend() == "cpu" else {}
        if os.environ.get("JAXTORCH_EAGER_XLA_DEFAULTS", "") not in ("", "0"):
            extra = {}
        _eager_options = {**compiler_options(), **_accepted(extra)}
    return _eager_options


def _jit_with(opts: dict, fn, kw: dict):
    if opts:
        kw["compiler_options"] = opts
    return jax.jit(fn, **kw)


def jit(fn, **kw):
    """jax.jit with jaxtorch's compiler options."""
    return _jit_with(compiler_options(), fn, kw)


def jit_eager(fn, **kw):
    """jax.jit for one eager op's program (its forward, its VJP, or a backward step)."""
    return _jit_with(eager_compiler_options(), fn, kw)
