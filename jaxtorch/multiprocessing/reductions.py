"""torch.multiprocessing.reductions: how tensors cross process boundaries.

torch registers reducers that move tensors into shared memory when they are pickled for another process.
jaxtorch Tensors pickle by value through their own `__reduce_ex__`, so there is nothing to register:
`init_reductions()` does nothing and `reduce_tensor` is that by-value reduction. The shared-memory machinery
(storages, file descriptors, CUDA IPC handles) is not provided.
"""

from __future__ import annotations

from .. import _unsupported

__all__ = ["init_reductions", "reduce_tensor"]

_WHY = "jaxtorch tensors are sent between processes by value, not through shared memory"


def init_reductions() -> None:
    """Nothing to register: jaxtorch Tensors already pickle by value."""


def reduce_tensor(tensor):
    """The (callable, args) pair that rebuilds `tensor` in another process, by value."""
    return tensor.__reduce_ex__(2)


_unsupported.names(
    globals(),
    "torch.multiprocessing.reductions",
    _WHY,
    functions=(
        "reduce_storage",
        "reduce_typed_storage",
        "reduce_typed_storage_child",
        "rebuild_storage_fd",
        "rebuild_storage_filename",
        "rebuild_cuda_tensor",
        "rebuild_typed_storage",
        "rebuild_typed_storage_child",
        "storage_from_cache",
        "reduce_event",
        "rebuild_event",
        "reduce_sparse_tensor",
        "reduce_nested_tensor",
        "rebuild_sparse_coo_tensor",
        "rebuild_nested_tensor",
        "rebuild_storage_empty",
        "rebuild_sparse_compressed_tensor",
        "rebuild_meta_tensor",
    ),
    classes=("StorageWeakRef", "SharedCache"),
)
