"""torch.utils.model_dump: an HTML viewer of TorchScript model archives. jaxtorch has no TorchScript archives, so
its functions raise NotImplementedError when called."""

from __future__ import annotations

from ... import _unsupported

__all__ = [
    "get_storage_info",
    "hierarchical_pickle",
    "get_model_info",
    "get_inline_skeleton",
    "burn_in_info",
    "get_info_and_burn_skeleton",
]

DEFAULT_EXTRA_FILE_SIZE_LIMIT = 16 * 1024

_unsupported.names(
    globals(), "torch.utils.model_dump", "jaxtorch has no TorchScript model archives", functions=(*__all__, "main")
)
