"""torch.sparse: jaxtorch has no sparse tensor layouts (COO, CSR, semi-structured, ...).

What still works, because torch accepts ordinary (strided) tensors there too: `mm` / `addmm` of dense matrices,
`check_sparse_tensor_invariants` (the flag and context manager; there are no sparse constructors for it to
affect), and `as_sparse_gradcheck` (with no sparse inputs it is gradcheck itself). The functions that need a sparse
tensor raise NotImplementedError.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

from . import _unsupported

__all__ = [
    "addmm",
    "check_sparse_tensor_invariants",
    "mm",
    "sum",
    "softmax",
    "solve",
    "log_softmax",
    "SparseSemiStructuredTensor",
    "SparseSemiStructuredTensorCUTLASS",
    "SparseSemiStructuredTensorCUSPARSELT",
    "to_sparse_semi_structured",
    "as_sparse_gradcheck",
]

_WHY = "jaxtorch has no sparse tensor layouts (JAX's experimental sparse arrays are not wired in)"


def mm(mat1, mat2, reduce: str | None = None):
    """mat1 @ mat2 for strided matrices (torch.sparse.mm accepts dense operands)."""
    if reduce is not None:
        raise NotImplementedError(
            _unsupported.message("torch.sparse.mm(reduce=...)", "the reduction is defined for sparse CSR inputs only")
        )
    from ._ops._registry import FUNCTIONS

    return FUNCTIONS["mm"](mat1, mat2)


def addmm(mat, mat1, mat2, *, beta: float = 1.0, alpha: float = 1.0):
    """beta * mat + alpha * (mat1 @ mat2), for strided matrices."""
    from ._ops._registry import FUNCTIONS

    return FUNCTIONS["addmm"](mat, mat1, mat2, beta=beta, alpha=alpha)


def as_sparse_gradcheck(gradcheck: Callable) -> Callable:
    """`gradcheck` extended to sparse inputs; without sparse tensors in jaxtorch, that is `gradcheck` itself."""

    @functools.wraps(gradcheck)
    def gradcheck_with_sparse_support(func, inputs, **kwargs):
        return gradcheck(func, inputs, **kwargs)

    return gradcheck_with_sparse_support


class check_sparse_tensor_invariants:
    """Turn on (or off) checking of sparse tensor invariants in sparse constructors: as a context manager, a
    decorator, or globally with enable() / disable(). jaxtorch keeps the flag faithfully; it has no sparse
    constructors that would consult it."""

    _enabled = False

    @staticmethod
    def is_enabled() -> bool:
        return check_sparse_tensor_invariants._enabled

    @staticmethod
    def enable() -> None:
        check_sparse_tensor_invariants._enabled = True

    @staticmethod
    def disable() -> None:
        check_sparse_tensor_invariants._enabled = False

    def __init__(self, enable: bool = True) -> None:
        self.state = enable
        self.saved_state: bool | None = None

    def __enter__(self) -> None:
        if self.saved_state is not None:
            raise RuntimeError(
                "This context manager instance is already activated. Use a different context "
                "manager instance for context nesting."
            )
        self.saved_state = self.is_enabled()
        check_sparse_tensor_invariants._enabled = self.state

    def __exit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
        if self.saved_state is None:
            raise AssertionError("saved_state should not be None on exit")
        check_sparse_tensor_invariants._enabled = self.saved_state
        self.saved_state = None

    def __call__(self, mth: Callable) -> Callable:
        @functools.wraps(mth)
        def test_mth(*args, **kwargs):
            with type(self)(self.state):
                return mth(*args, **kwargs)

        return test_mth


sum = _unsupported.function("torch.sparse.sum", _WHY)  # torch's name, shadowing the builtin here
softmax = _unsupported.function("torch.sparse.softmax", _WHY)
log_softmax = _unsupported.function("torch.sparse.log_softmax", _WHY)
solve = _unsupported.function("torch.sparse.solve", _WHY)
spsolve = _unsupported.function("torch.sparse.spsolve", _WHY)
spdiags = _unsupported.function("torch.sparse.spdiags", _WHY)
sampled_addmm = _unsupported.function("torch.sparse.sampled_addmm", _WHY)
to_sparse_semi_structured = _unsupported.function("torch.sparse.to_sparse_semi_structured", _WHY)
SparseSemiStructuredTensor = _unsupported.cls("torch.sparse.SparseSemiStructuredTensor", _WHY)
SparseSemiStructuredTensorCUTLASS = _unsupported.cls(
    "torch.sparse.SparseSemiStructuredTensorCUTLASS", _WHY, bases=(SparseSemiStructuredTensor,)
)
SparseSemiStructuredTensorCUSPARSELT = _unsupported.cls(
    "torch.sparse.SparseSemiStructuredTensorCUSPARSELT", _WHY, bases=(SparseSemiStructuredTensor,)
)
