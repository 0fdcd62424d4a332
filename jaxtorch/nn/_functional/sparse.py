"""nn.functional: embedding lookups and one_hot."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ... import _dtype as _dt
from ..._ops._dispatch import apply, host_impl
from ..._tensor import Tensor
from ...autograd import grad_mode as _gm

__all__ = ["embedding", "embedding_bag", "one_hot"]


def _concrete(t: Tensor):
    v = t._value()
    return None if isinstance(v, jax.core.Tracer) else np.asarray(v)


def _check_index(idx: Tensor, n: int) -> None:
    if idx.dtype not in (_dt.int64, _dt.int32):
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got torch.{_tensor_type(idx)} instead (while checking arguments for "
                           "embedding)")
    a = _concrete(idx)
    if a is not None and a.size and (a.min() < 0 or a.max() >= n):
        raise IndexError("index out of range in self")


def _tensor_type(t: Tensor) -> str:
    from ..._ops._registry import _dt_name

    return _dt_name(t.dtype) + "Tensor"


def _embedding(weight, idx, *, padding_idx, scale_grad_by_freq):
    out = jnp.take(weight, idx, axis=0)
    if scale_grad_by_freq:
        counts = jnp.zeros((weight.shape[0],), weight.dtype).at[idx.reshape(-1)].add(1)
        c = jnp.take(counts, idx)[..., None]
        out = lax.stop_gradient(out) + (out - lax.stop_gradient(out)) / c
    if padding_idx is not None:
        # the padding row receives no gradient
        out = jnp.where((idx == padding_idx)[..., None], lax.stop_gradient(out), out)
    return out


@host_impl(_embedding)
def _embedding_host(weight, idx, *, padding_idx, scale_grad_by_freq):
    """The rows of weight (padding_idx and scale_grad_by_freq change only the gradient)."""
    if idx.dtype.kind not in "iu" or (idx.size and (idx.min() < 0 or idx.max() >= weight.shape[0])):
        return NotImplemented
    return np.take(weight, idx, axis=0)


def _renorm_rows(weight, idx, max_norm, *, norm_type):
    rows = jnp.zeros((weight.shape[0],), bool).at[idx.reshape(-1)].set(True)
    norms = jnp.linalg.norm(weight, ord=norm_type, axis=1) if norm_type != 2 else jnp.sqrt(
        jnp.sum(weight * weight, axis=1))
    scale = jnp.where(rows & (norms > max_norm), max_norm / (norms + 1e-7), 1.0).astype(weight.dtype)
    return weight * scale[:, None]


def _wrap_padding(padding_idx, n):
    if padding_idx is None:
        return None
    if padding_idx > 0:
        assert padding_idx < n, "Padding_idx must be within num_embeddings"
    elif padding_idx < 0:
        assert padding_idx >= -n, "Padding_idx must be within num_embeddings"
        padding_idx = n + padding_idx
    return int(padding_idx)


def _embedding_renorm_(weight: Tensor, input: Tensor, max_norm: float, norm_type: float) -> None:
    """In-place renorm of the rows of weight referenced by input (torch's embedding_renorm_), never on the tape."""
    prev = _gm.state.enabled
    _gm.state.enabled = False
    try:
        new = apply(_renorm_rows, (weight, input, float(max_norm)), (("norm_type", float(norm_type)),))
        weight._data = new._value()
        weight._box()[0] += 1
    finally:
        _gm.state.enabled = prev


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None, max_norm: float | None = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Look up rows of weight. padding_idx rows get no gradient; max_norm renormalises rows in place."""
    if weight.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    padding_idx = _wrap_padding(padding_idx, weight.shape[0])
    _check_index(input, weight.shape[0])
    if max_norm is not None:
        _embedding_renorm_(weight, input, max_norm, norm_type)
    return apply(_embedding, (weight, input), (("padding_idx", padding_idx),
                                               ("scale_grad_by_freq", bool(scale_grad_by_freq))), "embedding")


def _embedding_bag(weight, idx, seg, psw, *, n_bags, mode, padding_idx):
    rows = jnp.take(weight, idx, axis=0)
    valid = jnp.ones(idx.shape, bool) if padding_idx is None else idx != padding_idx
    if psw is not None:
        rows = rows * psw[:, None]
    rows = jnp.where(valid[:, None], rows, jnp.zeros((), rows.dtype))
    if mode == "max":
        neg = jnp.where(valid[:, None], rows, -jnp.inf)
        out = jax.ops.segment_max(neg, seg, num_segments=n_bags)
        return jnp.where(jnp.isneginf(out), jnp.zeros((), out.dtype), out)
    out = jax.ops.segment_sum(rows, seg, num_segments=n_bags)
    if mode == "mean":
        cnt = jax.ops.segment_sum(valid.astype(out.dtype), seg, num_segments=n_bags)
        out = out / jnp.maximum(cnt, 1)[:, None]
    return out


def _segments(offsets, *, n):
    pos = jnp.arange(n)
    return jnp.searchsorted(offsets, pos, side="right") - 1


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None, max_norm: float | None = None,
                  norm_type: float = 2, scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """Sums / means / maxes of bags of embeddings, given as a 2-D input or a 1-D input with offsets."""
    from ..._ops.creation import arange

    if weight.ndim != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.ndim}")
    if per_sample_weights is not None and tuple(input.shape) != tuple(per_sample_weights.shape):
        raise ValueError(f"embedding_bag: If per_sample_weights ({tuple(per_sample_weights.shape)}) is not None, "
                         f"then it must have the same shape as the input ({tuple(input.shape)})")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError("embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                  f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
                                  "GitHub.")
    padding_idx = _wrap_padding(padding_idx, weight.shape[0])
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             "fixed length sequences. However, found offsets of type {}".format("Tensor"))
        b, n = input.shape
        offsets = arange(0, b * n, n) if n else arange(0, b) * 0
        input = input.reshape(-1)
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
        n_bags = b
    elif input.ndim == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.ndim != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        # with include_last_offset the final offset ends the last bag: elements after it get segment id
        # n_bags, which the segment reductions drop
        n_bags = offsets.shape[0] - (1 if include_last_offset else 0)
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.ndim}")
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"mode has to be one of sum, mean or max, but got {mode}")
    _check_index(input, weight.shape[0])
    if max_norm is not None:
        _embedding_renorm_(weight, input, max_norm, norm_type)
    seg = apply(_segments, (offsets,), (("n", int(input.shape[0])),))
    return apply(_embedding_bag, (weight, input, seg, per_sample_weights),
                 (("n_bags", int(n_bags)), ("mode", mode), ("padding_idx", padding_idx)), "embedding_bag")


def _one_hot(x, *, n):
    return (x[..., None] == jnp.arange(n, dtype=x.dtype)).astype(jnp.int64)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    if tensor.dtype != _dt.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    a = _concrete(tensor)
    if a is not None and a.size:
        if a.min() < 0:
            raise RuntimeError("Class values must be non-negative.")
        if num_classes == -1:
            num_classes = int(a.max()) + 1
        elif a.max() >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    elif num_classes == -1:
        if a is not None:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        raise RuntimeError("one_hot: num_classes must be given when the input is traced")
    return apply(_one_hot, (tensor,), (("n", int(num_classes)),), "one_hot")
