"""torch.backends.cudnn: flags accepted for compatibility; none changes what XLA does.

`benchmark` (XLA autotunes its own kernels), `deterministic`, `enabled` and `allow_tf32` (convolution precision
follows JAX's matmul precision, see torch.set_float32_matmul_precision) are stored and read back only.
`is_available()` is True when JAX has a GPU (XLA's GPU backend uses cuDNN).
"""

from __future__ import annotations

import contextlib

from ... import _shim

__all__ = ["is_available", "version", "flags", "benchmark", "deterministic", "enabled", "allow_tf32"]

# torch's defaults
benchmark = False
deterministic = False
enabled = True
allow_tf32 = True
benchmark_limit = 10


def is_available() -> bool:
    from ... import cuda

    return cuda.is_available()


def version() -> int | None:
    """cuDNN version as an int (e.g. 90100) when JAX's GPU build reports one; None otherwise (as torch without it)."""
    if not is_available():
        return None
    try:
        from jax._src.lib import cuda_versions
    except ImportError:
        return None
    get = getattr(cuda_versions, "cudnn_get_version", None) if cuda_versions is not None else None
    return int(get()) if get is not None else None


@contextlib.contextmanager
def flags(enabled: bool = False, benchmark: bool = False, deterministic: bool = False, allow_tf32: bool = True):
    """Set the flags for the duration of a with-block (they have no effect, see the module docstring)."""
    import sys

    mod = sys.modules[__name__]
    saved = (mod.enabled, mod.benchmark, mod.deterministic, mod.allow_tf32)
    mod.enabled, mod.benchmark, mod.deterministic, mod.allow_tf32 = enabled, benchmark, deterministic, allow_tf32
    try:
        yield
    finally:
        mod.enabled, mod.benchmark, mod.deterministic, mod.allow_tf32 = saved


from . import rnn  # noqa: E402,F401

__getattr__ = _shim._make_getattr(__name__)
