"""torch.utils.benchmark.utils.sparse_fuzzer: random sparse COO benchmark inputs. jaxtorch has only dense tensors,
so constructing a FuzzedSparseTensor raises NotImplementedError."""

from __future__ import annotations

from .... import _unsupported
from .fuzzer import FuzzedTensor

__all__ = ["FuzzedSparseTensor"]

FuzzedSparseTensor = _unsupported.cls(
    "torch.utils.benchmark.FuzzedSparseTensor", "jaxtorch has only dense tensors", bases=(FuzzedTensor,)
)
