"""torch.autograd.variable: the legacy `Variable` wrapper, which since torch 0.4 is just a Tensor.

`Variable(t)` gives a new leaf tensor sharing `t`'s data (t.detach()), with `requires_grad` as asked, and every
Tensor is an instance of Variable, as in torch.
"""

from __future__ import annotations

import operator
import warnings
from typing import Any

from .._tensor import Tensor

__all__ = ["VariableMeta", "Variable"]


class VariableMeta(type):
    def __instancecheck__(cls, other: Any) -> bool:
        return isinstance(other, Tensor)


class Variable(metaclass=VariableMeta):
    """Deprecated: `Variable(data, requires_grad=False, volatile=False)` returns `data.detach()` (or an empty
    float tensor when `data` is None) with `requires_grad` set."""

    def __new__(
        cls,
        data: Tensor | None = None,
        requires_grad: bool = False,
        volatile: bool = False,
        _grad_fn: Any = None,
        name: str | None = None,
    ) -> Tensor:  # type: ignore[misc]
        requires_grad = bool(operator.index(requires_grad))
        volatile = bool(operator.index(volatile))
        if volatile:
            warnings.warn(
                "volatile was removed and now has no effect. Use `with torch.no_grad():` instead.",
                UserWarning,
                stacklevel=2,
            )
            if requires_grad:
                raise ValueError("Variable can't be volatile and require_grad at the same time!")
        if _grad_fn is not None:
            raise TypeError(f"_grad_fn has to be a Function object or None, but got {type(_grad_fn).__name__}")
        if data is None:
            from .._ops.creation import empty

            var = empty(0)
        elif isinstance(data, Tensor):
            var = data.detach()
        else:
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        if requires_grad:
            if not (var.is_floating_point() or var.is_complex()):
                raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
            var.requires_grad_(True)
        if name is not None:
            var.name = name
        return var
