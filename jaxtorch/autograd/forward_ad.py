"""torch.autograd.forward_ad: forward-mode AD through dual tensors (a primal carrying a tangent).

Not supported by jaxtorch's tape, so entering a dual level and making a dual tensor raise NotImplementedError.
Why: a dual tensor must carry its tangent through every op (a jax.jvp per op in the dispatcher), through views,
in-place writes and custom Functions, under grad mode on or off; the tape records reverse mode only, and a dual
that silently lost its tangent in one of those paths would give wrong derivatives. Forward mode is available as a
function transform instead: `torch.func.jvp` / `torch.func.jacfwd` (jax.jvp underneath).

What works: `UnpackedDualTensor`, and `unpack_dual` of any tensor (no tensor has a tangent, so the tangent is None
as in torch for a non-dual tensor).
"""

from __future__ import annotations

import contextlib
from typing import Any, NamedTuple

from .. import _unsupported
from .._tensor import Tensor

__all__ = ["UnpackedDualTensor", "enter_dual_level", "exit_dual_level", "make_dual", "unpack_dual", "dual_level"]

_WHY = (
    "jaxtorch's autograd tape is reverse-mode only; for forward-mode derivatives use torch.func.jvp or "
    "torch.func.jacfwd (jax.jvp)"
)


def _raise(feature: str) -> None:
    raise NotImplementedError(_unsupported.message(f"torch.autograd.forward_ad.{feature}", _WHY))


class UnpackedDualTensor(NamedTuple):
    """What unpack_dual returns: the primal and the tangent (None when the tensor has none)."""

    primal: Tensor
    tangent: Tensor | None


def enter_dual_level() -> int:
    """Not supported (see the module docstring)."""
    _raise("enter_dual_level")


def exit_dual_level(*, level: int | None = None) -> None:
    """Not supported (see the module docstring)."""
    _raise("exit_dual_level")


def make_dual(tensor: Tensor, tangent: Tensor, *, level: int | None = None) -> Tensor:
    """Not supported (see the module docstring)."""
    _raise("make_dual")


def unpack_dual(tensor: Tensor, *, level: int | None = None) -> UnpackedDualTensor:
    """(primal, tangent) of `tensor`; jaxtorch tensors never carry a tangent, so it is (tensor, None) (with an
    explicit level, torch's primal is a new view of the tensor)."""
    if level is None or level < 0:
        return UnpackedDualTensor(tensor, None)
    return UnpackedDualTensor(tensor.view_as(tensor), None)


class dual_level(contextlib.ContextDecorator):
    """Context manager (and decorator) for a forward-AD level; entering it raises NotImplementedError."""

    def __enter__(self) -> Any:
        return enter_dual_level()

    def __exit__(self, *exc: Any) -> None:
        return None
