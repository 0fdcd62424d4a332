"""Process-wide settings torch exposes at top level: float32 matmul precision and thread counts.

Matmul precision maps onto JAX's `jax_default_matmul_precision`, which every jitted op reads at trace time (it is
part of JAX's jit cache key, so changing it recompiles rather than being ignored):

    torch 'highest' (full fp32)          -> JAX 'highest'  (F32 passes)
    torch 'high'    (TF32 / bf16x3 ok)   -> JAX 'high'     (TF32 on GPU, bf16x3 on TPU)
    torch 'medium'  (bf16 passes ok)     -> JAX 'default'  (one bf16 pass on TPU; TF32 on GPU)

When nobody has set it, `get_float32_matmul_precision()` reports what JAX's default does on the default backend:
'highest' on CPU, 'high' on GPU (XLA uses TF32 there), 'medium' on TPU. Note this differs from torch, whose default
is always 'highest'; call `torch.set_float32_matmul_precision('highest')` for torch's numerics on accelerators.
"""

from __future__ import annotations

import operator
import os
import warnings

import jax

__all__ = ["set_float32_matmul_precision", "get_float32_matmul_precision", "set_num_threads", "get_num_threads",
           "set_num_interop_threads", "get_num_interop_threads"]

_TORCH_TO_JAX = {"highest": "highest", "high": "high", "medium": "default"}
_JAX_TO_TORCH = {"highest": "highest", "float32": "highest", "F32_F32_F32": "highest", "F64_F64_F64": "highest",
                 "BF16_BF16_F32_X6": "highest", "BF16_BF16_F32_X9": "highest",
                 "high": "high", "tensorfloat32": "high", "TF32_TF32_F32": "high", "TF32_TF32_F32_X3": "high",
                 "BF16_BF16_F32_X3": "high",
                 "default": "medium", "bfloat16": "medium", "BF16_BF16_F32": "medium", "BF16_BF16_BF16": "medium"}


def set_float32_matmul_precision(precision: str) -> None:
    """torch.set_float32_matmul_precision: sets JAX's jax_default_matmul_precision (see the module docstring)."""
    if precision not in _TORCH_TO_JAX:
        # torch warns and ignores an unknown value
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current"
                      "setFloat32MatmulPrecision call has no effect.", UserWarning, stacklevel=2)
        return
    jax.config.update("jax_default_matmul_precision", _TORCH_TO_JAX[precision])


def get_float32_matmul_precision() -> str:
    """torch.get_float32_matmul_precision: torch's name for what JAX's matmul precision setting does now."""
    current = jax.config.jax_default_matmul_precision
    if current is None:
        backend = jax.default_backend()
        return {"cpu": "highest", "gpu": "high", "cuda": "high", "rocm": "high"}.get(backend, "medium")
    return _JAX_TO_TORCH.get(current, "medium")  # FP8/FP16 algorithm presets: lower than fp32 at least


_num_threads: int | None = None
_num_interop_threads: int | None = None


def _default_threads() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _check_threads(n, what: str) -> int:
    try:
        n = operator.index(n)
    except TypeError:
        raise RuntimeError(f"{what} expects an int, but got {type(n).__name__}") from None
    if n <= 0:
        raise RuntimeError(f"{what} expects a positive integer")
    return n


def set_num_threads(n: int) -> None:
    """Accepted and remembered; XLA sizes its CPU thread pool at start-up, so this does not change it."""
    global _num_threads
    _num_threads = _check_threads(n, "set_num_threads")


def get_num_threads() -> int:
    return _num_threads if _num_threads is not None else _default_threads()


def set_num_interop_threads(n: int) -> None:
    """Accepted and remembered (no effect, as set_num_threads)."""
    global _num_interop_threads
    _num_interop_threads = _check_threads(n, "set_num_interop_threads")


def get_num_interop_threads() -> int:
    return _num_interop_threads if _num_interop_threads is not None else _default_threads()
