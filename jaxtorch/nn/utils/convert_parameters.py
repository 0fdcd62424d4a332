"""parameters_to_vector / vector_to_parameters."""

from __future__ import annotations

from ..._tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters) -> Tensor:
    from ..._ops._registry import FUNCTIONS as _F  # torch.cat lives in the op registry

    return _F["cat"]([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters) -> None:
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    ptr = 0
    for p in parameters:
        n = p.numel()
        p.data = vec[ptr:ptr + n].view_as(p).data
        ptr += n
