"""Questions about a tensor that are not computations (is_same_size, is_conj, is_nonzero, numel, dim_order ...),
and the memory-placement methods that have nothing to do on JAX (pin_memory, share_memory_)."""

from __future__ import annotations

from .._tensor import Tensor
from ._registry import register


@register(out=False)
def is_same_size(input, other) -> bool:
    return tuple(input.shape) == tuple(other.shape)


@register(out=False)
def is_conj(input) -> bool:
    """Always False: jaxtorch conjugates eagerly (no lazy conjugate bit)."""
    return False


@register(out=False)
def is_neg(input) -> bool:
    """Always False: jaxtorch negates eagerly (no lazy negative bit)."""
    return False


@register(out=False)
def is_inference(input) -> bool:
    """Always False: inference_mode here disables recording but makes ordinary tensors."""
    return False


@register(out=False)
def is_nonzero(input) -> bool:
    n = input.numel()
    if n == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if n > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(input.item())


# the Tensor class answers these as methods itself; torch also has them as functions
@register(method=False, out=False)
def is_signed(input) -> bool:
    return input.is_signed()


@register(method=False, out=False)
def is_floating_point(input) -> bool:
    return input.is_floating_point()


@register(method=False, out=False)
def is_complex(input) -> bool:
    return input.is_complex()


@register(method=False, out=False)
def numel(input) -> int:
    return input.numel()


@register("dim_order", function=False)
def dim_order(self, *, ambiguity_check=False) -> tuple:
    """Dims from outermost to innermost in memory (stable sort by decreasing stride)."""
    st = self.stride()
    return tuple(sorted(range(self.ndim), key=lambda d: -st[d]))


# ---- memory placement: one process owns a JAX array, and JAX manages host memory itself


@register("pin_memory", function=False)
def pin_memory(self, device=None) -> Tensor:
    """Returns self: JAX manages host memory itself, there is no page-locked copy to make."""
    return self


@register("is_pinned", function=False)
def _is_pinned(self, device=None) -> bool:
    return False


@register("share_memory_", function=False)
def _share_memory_(self) -> Tensor:
    """Returns self: one process owns a JAX array; nothing to move."""
    return self


@register("is_shared", function=False)
def _is_shared(self) -> bool:
    return False
