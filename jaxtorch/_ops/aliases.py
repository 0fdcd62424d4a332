"""torch.* names that are other names of nn.functional ops (torch.conv2d for F.conv2d, torch.dropout_, the
losses with an int reduction).

torch's own aliases (the aten signatures) sometimes differ from nn.functional's: `torch.embedding`
takes (weight, indices), losses take an int `reduction` (0 none, 1 mean, 2 sum), norms take the
`cudnn_enabled` flag. The wrappers here keep torch's signatures and hand the math to the F functions.
"""

from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp

from .._tensor import Tensor
from ..autograd import grad_mode as _gm
from ._registry import FUNCTIONS, register  # noqa: F401  (FUNCTIONS: tests/test_aliases.py reads it here)

_REDUCTIONS = {0: "none", 1: "mean", 2: "sum"}


def _F():
    from ..nn import functional

    return functional


def _reduction(reduction, fname: str, pos: int) -> str:
    if isinstance(reduction, bool) or not isinstance(reduction, int):
        raise TypeError(f"{fname}(): argument 'reduction' (position {pos}) must be int, not "
                        f"{type(reduction).__name__}")
    if reduction not in _REDUCTIONS:
        raise RuntimeError(f"{reduction} is not a valid value for reduction")
    return _REDUCTIONS[reduction]


# ---------------------------------------------------------------------------------------------
# convolution


@register(method=False, out=False)
def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    return _F().conv1d(input, weight, bias, stride, padding, dilation, groups)


@register(method=False, out=False)
def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    return _F().conv2d(input, weight, bias, stride, padding, dilation, groups)


@register(method=False, out=False)
def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    return _F().conv3d(input, weight, bias, stride, padding, dilation, groups)


@register(method=False, out=False)
def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1) -> Tensor:
    return _F().conv_transpose1d(input, weight, bias, stride, padding, output_padding, groups, dilation)


@register(method=False, out=False)
def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1) -> Tensor:
    return _F().conv_transpose2d(input, weight, bias, stride, padding, output_padding, groups, dilation)


@register(method=False, out=False)
def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1) -> Tensor:
    return _F().conv_transpose3d(input, weight, bias, stride, padding, output_padding, groups, dilation)


@register(method=False, out=False)
def convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding, groups) -> Tensor:
    """aten::convolution: the N-d (transposed) convolution picked by the weight's rank."""
    n = weight.ndim - 2
    if n not in (1, 2, 3):
        raise RuntimeError(f"Expected {weight.ndim}-dimensional weight to have 3, 4 or 5 dimensions")
    F = _F()
    if transposed:
        f = (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d)[n - 1]
        return f(input, weight, bias, tuple(stride), tuple(padding), tuple(output_padding), groups, tuple(dilation))
    f = (F.conv1d, F.conv2d, F.conv3d)[n - 1]
    return f(input, weight, bias, tuple(stride), tuple(padding), tuple(dilation), groups)


# ---------------------------------------------------------------------------------------------
# dropout: torch.dropout(input, p, train) has no defaults and raises RuntimeError for a bad p


def _check_p(p) -> None:
    if p < 0 or p > 1:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p}")


def _feature_dropout(input, p, train, inplace, alpha):
    from ..nn._functional import dropout as D

    _check_p(p)
    if input.ndim < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    return D._run(D._alpha_dropout if alpha else D._dropout, input, p, train, inplace, 2,
                  "feature_alpha_dropout" if alpha else "feature_dropout")


@register(method=False, out=False)
def dropout(input, p, train) -> Tensor:
    _check_p(p)
    return _F().dropout(input, p, train)


@register(method=False, out=False)
def dropout_(input, p, train) -> Tensor:
    _check_p(p)
    return _F().dropout(input, p, train, inplace=True)


@register(method=False, out=False)
def alpha_dropout(input, p, train) -> Tensor:
    _check_p(p)
    return _F().alpha_dropout(input, p, train)


@register(method=False, out=False)
def alpha_dropout_(input, p, train) -> Tensor:
    _check_p(p)
    return _F().alpha_dropout(input, p, train, inplace=True)


@register(method=False, out=False)
def feature_dropout(input, p, train) -> Tensor:
    return _feature_dropout(input, p, train, False, False)


@register(method=False, out=False)
def feature_dropout_(input, p, train) -> Tensor:
    return _feature_dropout(input, p, train, True, False)


@register(method=False, out=False)
def feature_alpha_dropout(input, p, train) -> Tensor:
    return _feature_dropout(input, p, train, False, True)


@register(method=False, out=False)
def feature_alpha_dropout_(input, p, train) -> Tensor:
    return _feature_dropout(input, p, train, True, True)


# ---------------------------------------------------------------------------------------------
# embedding, normalization, pooling, vision


@register(method=False, out=False)
def embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False) -> Tensor:
    # aten's padding_idx: a negative value means "no padding row" (F wraps negatives first)
    return _F().embedding(indices, weight, padding_idx if padding_idx >= 0 else None,
                          scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


@register(method=False, out=False)
def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05, cudnn_enable=True) -> Tensor:
    return _F().layer_norm(input, normalized_shape, weight, bias, eps)


@register(method=False, out=False)
def group_norm(input, num_groups, weight=None, bias=None, eps=1e-05, cudnn_enabled=True) -> Tensor:
    return _F().group_norm(input, num_groups, weight, bias, eps)


@register(method=False, out=False)
def batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled) -> Tensor:
    return _F().batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


@register(method=False, out=False)
def instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps,
                  cudnn_enabled) -> Tensor:
    return _F().instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)


@register(method=False, out=False)
def rms_norm(input, normalized_shape, weight=None, eps=None) -> Tensor:
    return _F().rms_norm(input, normalized_shape, weight, eps)


def _stride(stride):
    # aten's default stride is [] (= the kernel size)
    if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0):
        return None
    return stride


@register(method=False, out=False)
def max_pool1d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False) -> Tensor:
    return _F().max_pool1d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


@register(method=False, out=False)
def max_pool2d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False) -> Tensor:
    return _F().max_pool2d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


@register(method=False, out=False)
def max_pool3d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False) -> Tensor:
    return _F().max_pool3d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


@register(method=False, out=False)
def max_pool1d_with_indices(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    return _F().max_pool1d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode, return_indices=True)


@register(method=False, out=False)
def avg_pool1d(input, kernel_size, stride=(), padding=0, ceil_mode=False, count_include_pad=True) -> Tensor:
    return _F().avg_pool1d(input, kernel_size, _stride(stride), padding, ceil_mode, count_include_pad)


@register(method=False, out=False)
def adaptive_avg_pool1d(input, output_size) -> Tensor:
    return _F().adaptive_avg_pool1d(input, output_size)


@register(method=False, out=False)
def adaptive_max_pool1d(input, output_size):
    return _F().adaptive_max_pool1d(input, output_size, return_indices=True)


@register(method=False, out=False)
def pixel_shuffle(input, upscale_factor) -> Tensor:
    return _F().pixel_shuffle(input, upscale_factor)


@register(method=False, out=False)
def pixel_unshuffle(input, downscale_factor) -> Tensor:
    return _F().pixel_unshuffle(input, downscale_factor)


@register(method=False, out=False)
def channel_shuffle(input, groups) -> Tensor:
    return _F().channel_shuffle(input, groups)


_GRID_MODES = ("bilinear", "nearest", "bicubic")
_GRID_PADDING = ("zeros", "border", "reflection")


@register(method=False, out=False)
def grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners) -> Tensor:
    """aten::grid_sampler: modes as ints (0 bilinear, 1 nearest, 2 bicubic; 0 zeros, 1 border, 2 reflection)."""
    return _F().grid_sample(input, grid, _GRID_MODES[interpolation_mode], _GRID_PADDING[padding_mode],
                            align_corners)


@register(method=False, out=False)
def affine_grid_generator(theta, size, align_corners) -> Tensor:
    return _F().affine_grid(theta, list(size), align_corners)


def _bag_aux(weight, idx, offsets, *, mode, n_bags, n_offsets, padding_idx):
    """aten::embedding_bag's bookkeeping outputs (offset2bag, bag_size, max_indices), as torch's CPU
    kernel fills them: all int64."""
    n = idx.shape[0]
    i64 = jnp.int64
    seg = (jnp.searchsorted(offsets[:n_bags], jnp.arange(n, dtype=offsets.dtype), side="right") - 1).astype(i64)
    seg = jnp.clip(seg, 0, max(n_bags - 1, 0))
    valid = jnp.ones((n,), bool) if padding_idx is None else idx != padding_idx
    if mode == 0:
        zeros = jnp.zeros((n_offsets,), i64)
        offset2bag = jnp.zeros((0,), i64) if padding_idx is None else seg
        return offset2bag, zeros, zeros
    bag_size = jax.ops.segment_sum(valid.astype(i64), seg, n_bags)
    if mode == 1:
        return seg, bag_size, bag_size
    vals = jnp.where(valid[:, None], weight[idx], -jnp.inf)
    best = jax.ops.segment_max(vals, seg, n_bags)
    match = (vals == best[seg]) & valid[:, None]
    pos = jnp.where(match, jnp.arange(n, dtype=i64)[:, None], n)
    first = jax.ops.segment_min(pos, seg, n_bags)
    max_indices = jnp.where(first < n, idx[jnp.clip(first, 0, max(n - 1, 0))], 0).astype(i64)
    return seg, bag_size, max_indices


@register(method=False, out=False)
def embedding_bag(weight, indices, offsets, scale_grad_by_freq=False, mode=0, sparse=False, per_sample_weights=None,
                  include_last_offset=False, padding_idx=None):
    """aten::embedding_bag: (output, offset2bag, bag_size, max_indices); mode 0 sum, 1 mean, 2 max."""
    from ._dispatch import apply

    if mode not in (0, 1, 2):
        raise RuntimeError("mode has to be one of sum, mean or max")
    if padding_idx is not None and padding_idx < 0:
        padding_idx = padding_idx + weight.shape[0]
    out = _F().embedding_bag(indices, weight, offsets, scale_grad_by_freq=scale_grad_by_freq,
                             mode=("sum", "mean", "max")[mode], sparse=sparse, per_sample_weights=per_sample_weights,
                             include_last_offset=include_last_offset, padding_idx=padding_idx)
    n_bags = offsets.shape[0] - (1 if include_last_offset else 0)
    with _gm.no_grad():
        aux = apply(_bag_aux, (weight.detach(), indices.reshape(-1), offsets),
                    (("mode", mode), ("n_bags", int(n_bags)), ("n_offsets", int(offsets.shape[0])),
                     ("padding_idx", padding_idx)), "embedding_bag")
    return (out,) + tuple(aux)


# ---------------------------------------------------------------------------------------------
# distances, activations


@register(method=False, out=False)
def cosine_similarity(x1, x2, dim=1, eps=1e-08) -> Tensor:
    return _F().cosine_similarity(x1, x2, dim, eps)


@register(method=False, out=False)
def pairwise_distance(x1, x2, p=2.0, eps=1e-06, keepdim=False) -> Tensor:
    return _F().pairwise_distance(x1, x2, p, eps, keepdim)


@register(method=False, out=False)
def pdist(input, p=2.0) -> Tensor:
    return _F().pdist(input, p)


@register(out=False)
def prelu(input, weight) -> Tensor:
    return _F().prelu(input, weight)


@register(method=False, out=False)
def selu(input) -> Tensor:
    return _F().selu(input)


@register(method=False, out=False)
def selu_(input) -> Tensor:
    return _F().selu(input, inplace=True)


@register(method=False, out=False)
def celu(input, alpha=1.0) -> Tensor:
    return _F().celu(input, alpha)


@register(method=False, out=False)
def celu_(input, alpha=1.0) -> Tensor:
    return _F().celu(input, alpha, inplace=True)


def _rrelu(input, lower, upper, training, generator, inplace):
    if training and generator is not None:
        from ..nn._functional import activation as A
        from ..random import draw

        out = draw(generator, A._rrelu_train, (input, lower, upper), (), "rrelu")
        return input._inplace_assign(out, "rrelu") if inplace else out
    return _F().rrelu(input, lower, upper, training, inplace)


@register(method=False, out=False)
def rrelu(input, lower=0.125, upper=1.0 / 3, training=False, generator=None) -> Tensor:
    return _rrelu(input, lower, upper, training, generator, False)


@register(method=False, out=False)
def rrelu_(input, lower=0.125, upper=1.0 / 3, training=False, generator=None) -> Tensor:
    return _rrelu(input, lower, upper, training, generator, True)


@register(method=False, out="fn")
def threshold(input, threshold, value, *, out=None) -> Tensor:
    r = _F().threshold(input, threshold, value)
    return r if out is None else out.copy_(r)


@register(method=False, out=False)
def threshold_(input, threshold, value) -> Tensor:
    return _F().threshold(input, threshold, value, inplace=True)


def _hardshrink_method(self, lambd=0.5) -> Tensor:
    return _F().hardshrink(self, lambd)


@register(method=_hardshrink_method, out="fn")
def hardshrink(input, lambd=0.5, *, out=None) -> Tensor:
    r = _F().hardshrink(input, lambd)
    return r if out is None else out.copy_(r)


@register(method=False, out=False)
def bilinear(input1, input2, weight, bias=None) -> Tensor:
    return _F().bilinear(input1, input2, weight, bias)


# ---------------------------------------------------------------------------------------------
# losses: int reduction. torch's Python bindings of these aten ops default to no reduction (0), whatever
# their schemas print; measured against torch 2.13.


@register(method=False, out=False)
def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction=0) -> Tensor:
    r = _reduction(reduction, "binary_cross_entropy_with_logits", 5)
    return _F().binary_cross_entropy_with_logits(input, target, weight, reduction=r, pos_weight=pos_weight)


@register(method=False, out=False)
def kl_div(input, target, reduction=0, *, log_target=False) -> Tensor:
    r = _reduction(reduction, "kl_div", 3)
    with warnings.catch_warnings():  # F warns that 'mean' is not 'batchmean'; aten's kl_div does not
        warnings.simplefilter("ignore")
        return _F().kl_div(input, target, reduction=r, log_target=log_target)


@register(method=False, out=False)
def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction=0, zero_infinity=False) -> Tensor:
    r = _reduction(reduction, "ctc_loss", 6)
    return _F().ctc_loss(log_probs, targets, input_lengths, target_lengths, blank, r, zero_infinity)


@register(method=False, out=False)
def margin_ranking_loss(input1, input2, target, margin=0.0, reduction=0) -> Tensor:
    r = _reduction(reduction, "margin_ranking_loss", 5)
    return _F().margin_ranking_loss(input1, input2, target, margin, reduction=r)


@register(method=False, out=False)
def hinge_embedding_loss(input, target, margin=1.0, reduction=0) -> Tensor:
    r = _reduction(reduction, "hinge_embedding_loss", 4)
    return _F().hinge_embedding_loss(input, target, margin, reduction=r)


@register(method=False, out=False)
def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction=0) -> Tensor:
    r = _reduction(reduction, "cosine_embedding_loss", 5)
    return _F().cosine_embedding_loss(input1, input2, target, margin, reduction=r)


@register(method=False, out=False)
def poisson_nll_loss(input, target, log_input, full, eps, reduction) -> Tensor:
    r = _reduction(reduction, "poisson_nll_loss", 6)
    return _F().poisson_nll_loss(input, target, log_input, full, eps=eps, reduction=r)


@register(method=False, out=False)
def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2.0, eps=1e-06, swap=False, reduction=0) -> Tensor:
    r = _reduction(reduction, "triplet_margin_loss", 8)
    return _F().triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap, reduction=r)


# ---------------------------------------------------------------------------------------------
# deprecated norms


@register(method=False, out="fn")
def nuclear_norm(input, dim=None, keepdim=False, *, out=None) -> Tensor:
    from .. import linalg

    warnings.warn("at::nuclear_norm is deprecated and it is just left for JIT compatibility. It will be removed in a "
                  "future PyTorch release. Please use `linalg.matrix_norm(A, 'nuc', dim, keepdim)` instead",
                  UserWarning, stacklevel=2)
    if isinstance(dim, bool):  # nuclear_norm(input, keepdim)
        dim, keepdim = None, dim
    r = linalg.matrix_norm(input, "nuc", dim=(-2, -1) if dim is None else tuple(dim), keepdim=keepdim)
    return r if out is None else out.copy_(r)


@register(method=False, out="fn")
def frobenius_norm(input, dim, keepdim=False, *, out=None) -> Tensor:
    from .. import linalg

    warnings.warn("at::frobenius_norm is deprecated and it is just left for JIT compatibility. It will be removed in "
                  "a future PyTorch release. Please use `linalg.vector_norm(A, 2., dim, keepdim)` instead",
                  UserWarning, stacklevel=2)
    dim = (dim,) if isinstance(dim, int) else tuple(dim)
    if len(dim) > 2:
        raise RuntimeError(f"Expected at most 2 dimensions, but got {len(dim)} dimensions instead.")
    r = linalg.vector_norm(input, 2, dim, keepdim)
    return r if out is None else out.copy_(r)


@register(method=False, out="fn")
def matrix_rank(input, tol=None, symmetric=False, *, out=None):
    raise RuntimeError("This function was deprecated since version 1.9 and is now removed.\nPlease use the "
                       "`torch.linalg.matrix_rank` function instead. The parameter 'symmetric' was renamed in "
                       "`torch.linalg.matrix_rank()` to 'hermitian'.")


@register(method=False, out=False)
def norm_except_dim(v, pow=2, dim=0) -> Tensor:
    """The `pow`-norm of v over every dim but `dim` (kept with size 1); dim=-1: over all dims."""
    from .. import linalg

    if dim == -1:
        return linalg.vector_norm(v, pow)
    d = dim % v.ndim
    return linalg.vector_norm(v, pow, tuple(i for i in range(v.ndim) if i != d), keepdim=True)
