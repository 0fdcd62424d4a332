"""torch.utils.debug_log: `debug_grad_log(*tensors)` logs the gradient norms of the given tensors once backward has
computed all of them (`[rank R][bwd] t0_grad_norm=... t1_grad_norm=...`, at INFO level on this module's logger).

It returns None and does nothing in the forward pass. Only tensors that require grad are watched (numbered in the
order given, skipping the others), as in torch; a gradient the backward did not compute shows as None.
"""

from __future__ import annotations

import logging

__all__ = ["debug_grad_log"]

log = logging.getLogger(__name__)


def _get_rank() -> int:
    from .. import distributed

    return distributed.get_rank() if distributed.is_available() and distributed.is_initialized() else 0


def _log_norms(grads) -> None:
    norms = " ".join(
        f"t{i}_grad_norm={'None' if g is None else format(g.norm().item(), '.4f')}" for i, g in enumerate(grads)
    )
    log.info("[rank %d][bwd] %s", _get_rank(), norms)


def debug_grad_log(*tensors) -> None:
    """Log the gradient norms of `tensors` during the next backward (see the module docstring)."""
    from .._tensor import Tensor
    from ..autograd.graph import register_multi_grad_hook

    watched = [t for t in tensors if isinstance(t, Tensor) and t.requires_grad]
    if watched:
        register_multi_grad_hook(watched, _log_norms, mode="all")
    return None
