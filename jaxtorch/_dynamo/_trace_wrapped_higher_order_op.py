"""`torch._dynamo._trace_wrapped_higher_order_op`: the one name library code imports from it.

`TransformGetItemToIndex` is, in torch, a TorchFunctionMode that rewrites `tensor[index_tensor]` inside mask
functions into index ops its tracer can follow. jaxtorch's indexing with tensor indices already works eagerly,
under vmap and under jit, so the context manager has nothing to rewrite: entering it changes nothing.
"""

from __future__ import annotations

import contextlib

__all__ = ["TransformGetItemToIndex"]


class TransformGetItemToIndex(contextlib.ContextDecorator):
    def __enter__(self):
        return self

    def __exit__(self, *exc) -> bool:
        return False
