"""torch.* names that are other names of ops defined elsewhere (torch.conv2d for F.conv2d, in-place
aliases such as torch.arccos_), and small Tensor methods and queries with no family of their own.

torch's own aliases (the aten signatures) sometimes differ from nn.functional's: `torch.embedding`
takes (weight, indices), losses take an int `reduction` (0 none, 1 mean, 2 sum), norms take the
`cudnn_enabled` flag. The wrappers here keep torch's signatures and hand the math to the F functions.
"""

from __future__ import annotations

import numbers
import warnings

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtype as _dt
from .._tensor import Tensor
from ..autograd import anomaly_mode as _anomaly
from ..autograd import grad_mode as _gm
from ._registry import FUNCTIONS, _fit_inplace

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


def _fn(name: str | None = None):
    """Install a torch.<name> function (no Tensor method)."""

    def deco(fn):
        FUNCTIONS[name or fn.__name__] = fn
        return fn

    return deco


# ---------------------------------------------------------------------------------------------
# convolution


@_fn()
def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    return _F().conv1d(input, weight, bias, stride, padding, dilation, groups)


@_fn()
def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    return _F().conv2d(input, weight, bias, stride, padding, dilation, groups)


@_fn()
def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    return _F().conv3d(input, weight, bias, stride, padding, dilation, groups)


@_fn()
def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1) -> Tensor:
    return _F().conv_transpose1d(input, weight, bias, stride, padding, output_padding, groups, dilation)


@_fn()
def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1) -> Tensor:
    return _F().conv_transpose2d(input, weight, bias, stride, padding, output_padding, groups, dilation)


@_fn()
def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1) -> Tensor:
    return _F().conv_transpose3d(input, weight, bias, stride, padding, output_padding, groups, dilation)


@_fn()
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


@_fn()
def dropout(input, p, train) -> Tensor:
    _check_p(p)
    return _F().dropout(input, p, train)


@_fn()
def dropout_(input, p, train) -> Tensor:
    _check_p(p)
    return _F().dropout(input, p, train, inplace=True)


@_fn()
def alpha_dropout(input, p, train) -> Tensor:
    _check_p(p)
    return _F().alpha_dropout(input, p, train)


@_fn()
def alpha_dropout_(input, p, train) -> Tensor:
    _check_p(p)
    return _F().alpha_dropout(input, p, train, inplace=True)


@_fn()
def feature_dropout(input, p, train) -> Tensor:
    return _feature_dropout(input, p, train, False, False)


@_fn()
def feature_dropout_(input, p, train) -> Tensor:
    return _feature_dropout(input, p, train, True, False)


@_fn()
def feature_alpha_dropout(input, p, train) -> Tensor:
    return _feature_dropout(input, p, train, False, True)


@_fn()
def feature_alpha_dropout_(input, p, train) -> Tensor:
    return _feature_dropout(input, p, train, True, True)


# ---------------------------------------------------------------------------------------------
# embedding, normalization, pooling, vision


@_fn()
def embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False) -> Tensor:
    # aten's padding_idx: a negative value means "no padding row" (F wraps negatives first)
    return _F().embedding(indices, weight, padding_idx if padding_idx >= 0 else None,
                          scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


@_fn()
def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05, cudnn_enable=True) -> Tensor:
    return _F().layer_norm(input, normalized_shape, weight, bias, eps)


@_fn()
def group_norm(input, num_groups, weight=None, bias=None, eps=1e-05, cudnn_enabled=True) -> Tensor:
    return _F().group_norm(input, num_groups, weight, bias, eps)


@_fn()
def batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled) -> Tensor:
    return _F().batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


@_fn()
def instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps,
                  cudnn_enabled) -> Tensor:
    return _F().instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)


@_fn()
def rms_norm(input, normalized_shape, weight=None, eps=None) -> Tensor:
    return _F().rms_norm(input, normalized_shape, weight, eps)


def _stride(stride):
    # aten's default stride is [] (= the kernel size)
    if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0):
        return None
    return stride


@_fn()
def max_pool1d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False) -> Tensor:
    return _F().max_pool1d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


@_fn()
def max_pool2d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False) -> Tensor:
    return _F().max_pool2d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


@_fn()
def max_pool3d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False) -> Tensor:
    return _F().max_pool3d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


@_fn()
def max_pool1d_with_indices(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    return _F().max_pool1d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode, return_indices=True)


@_fn()
def avg_pool1d(input, kernel_size, stride=(), padding=0, ceil_mode=False, count_include_pad=True) -> Tensor:
    return _F().avg_pool1d(input, kernel_size, _stride(stride), padding, ceil_mode, count_include_pad)


@_fn()
def adaptive_avg_pool1d(input, output_size) -> Tensor:
    return _F().adaptive_avg_pool1d(input, output_size)


@_fn()
def adaptive_max_pool1d(input, output_size):
    return _F().adaptive_max_pool1d(input, output_size, return_indices=True)


@_fn()
def pixel_shuffle(input, upscale_factor) -> Tensor:
    return _F().pixel_shuffle(input, upscale_factor)


@_fn()
def pixel_unshuffle(input, downscale_factor) -> Tensor:
    return _F().pixel_unshuffle(input, downscale_factor)


@_fn()
def channel_shuffle(input, groups) -> Tensor:
    return _F().channel_shuffle(input, groups)


_GRID_MODES = ("bilinear", "nearest", "bicubic")
_GRID_PADDING = ("zeros", "border", "reflection")


@_fn()
def grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners) -> Tensor:
    """aten::grid_sampler: modes as ints (0 bilinear, 1 nearest, 2 bicubic; 0 zeros, 1 border, 2 reflection)."""
    return _F().grid_sample(input, grid, _GRID_MODES[interpolation_mode], _GRID_PADDING[padding_mode],
                            align_corners)


@_fn()
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


@_fn()
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
    with _no_grad():
        aux = apply(_bag_aux, (weight.detach(), indices.reshape(-1), offsets),
                    (("mode", mode), ("n_bags", int(n_bags)), ("n_offsets", int(offsets.shape[0])),
                     ("padding_idx", padding_idx)), "embedding_bag")
    return (out,) + tuple(aux)


# ---------------------------------------------------------------------------------------------
# distances, activations


@_fn()
def cosine_similarity(x1, x2, dim=1, eps=1e-08) -> Tensor:
    return _F().cosine_similarity(x1, x2, dim, eps)


@_fn()
def pairwise_distance(x1, x2, p=2.0, eps=1e-06, keepdim=False) -> Tensor:
    return _F().pairwise_distance(x1, x2, p, eps, keepdim)


@_fn()
def pdist(input, p=2.0) -> Tensor:
    return _F().pdist(input, p)


def prelu(input, weight) -> Tensor:
    return _F().prelu(input, weight)


def selu(input) -> Tensor:
    return _F().selu(input)


def selu_(input) -> Tensor:
    return _F().selu(input, inplace=True)


def celu(input, alpha=1.0) -> Tensor:
    return _F().celu(input, alpha)


def celu_(input, alpha=1.0) -> Tensor:
    return _F().celu(input, alpha, inplace=True)


def _rrelu(input, lower, upper, training, generator, inplace):
    if training and generator is not None:
        from ..nn._functional import activation as A
        from ..random import draw

        out = draw(generator, A._rrelu_train, (input, lower, upper), (), "rrelu")
        return input._inplace_assign(out, "rrelu") if inplace else out
    return _F().rrelu(input, lower, upper, training, inplace)


def rrelu(input, lower=0.125, upper=1.0 / 3, training=False, generator=None) -> Tensor:
    return _rrelu(input, lower, upper, training, generator, False)


def rrelu_(input, lower=0.125, upper=1.0 / 3, training=False, generator=None) -> Tensor:
    return _rrelu(input, lower, upper, training, generator, True)


def threshold(input, threshold, value, *, out=None) -> Tensor:
    r = _F().threshold(input, threshold, value)
    return r if out is None else out.copy_(r)


def threshold_(input, threshold, value) -> Tensor:
    return _F().threshold(input, threshold, value, inplace=True)


def hardshrink(input, lambd=0.5, *, out=None) -> Tensor:
    r = _F().hardshrink(input, lambd)
    return r if out is None else out.copy_(r)


for _f in (prelu, selu, selu_, celu, celu_, rrelu, rrelu_, threshold, threshold_, hardshrink):
    FUNCTIONS[_f.__name__] = _f


def _hardshrink_method(self, lambd=0.5) -> Tensor:
    return _F().hardshrink(self, lambd)


Tensor.prelu = prelu
Tensor.hardshrink = _hardshrink_method


@_fn()
def bilinear(input1, input2, weight, bias=None) -> Tensor:
    return _F().bilinear(input1, input2, weight, bias)


# ---------------------------------------------------------------------------------------------
# losses: int reduction. torch's Python bindings of these aten ops default to no reduction (0), whatever
# their schemas print; measured against torch 2.13.


@_fn()
def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction=0) -> Tensor:
    r = _reduction(reduction, "binary_cross_entropy_with_logits", 5)
    return _F().binary_cross_entropy_with_logits(input, target, weight, reduction=r, pos_weight=pos_weight)


@_fn()
def kl_div(input, target, reduction=0, *, log_target=False) -> Tensor:
    r = _reduction(reduction, "kl_div", 3)
    with warnings.catch_warnings():  # F warns that 'mean' is not 'batchmean'; aten's kl_div does not
        warnings.simplefilter("ignore")
        return _F().kl_div(input, target, reduction=r, log_target=log_target)


@_fn()
def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction=0, zero_infinity=False) -> Tensor:
    r = _reduction(reduction, "ctc_loss", 6)
    return _F().ctc_loss(log_probs, targets, input_lengths, target_lengths, blank, r, zero_infinity)


@_fn()
def margin_ranking_loss(input1, input2, target, margin=0.0, reduction=0) -> Tensor:
    r = _reduction(reduction, "margin_ranking_loss", 5)
    return _F().margin_ranking_loss(input1, input2, target, margin, reduction=r)


@_fn()
def hinge_embedding_loss(input, target, margin=1.0, reduction=0) -> Tensor:
    r = _reduction(reduction, "hinge_embedding_loss", 4)
    return _F().hinge_embedding_loss(input, target, margin, reduction=r)


@_fn()
def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction=0) -> Tensor:
    r = _reduction(reduction, "cosine_embedding_loss", 5)
    return _F().cosine_embedding_loss(input1, input2, target, margin, reduction=r)


@_fn()
def poisson_nll_loss(input, target, log_input, full, eps, reduction) -> Tensor:
    r = _reduction(reduction, "poisson_nll_loss", 6)
    return _F().poisson_nll_loss(input, target, log_input, full, eps=eps, reduction=r)


@_fn()
def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2.0, eps=1e-06, swap=False, reduction=0) -> Tensor:
    r = _reduction(reduction, "triplet_margin_loss", 8)
    return _F().triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap, reduction=r)


# ---------------------------------------------------------------------------------------------
# deprecated norms


@_fn()
def nuclear_norm(input, dim=None, keepdim=False, *, out=None) -> Tensor:
    from .. import linalg

    warnings.warn("at::nuclear_norm is deprecated and it is just left for JIT compatibility. It will be removed in a "
                  "future PyTorch release. Please use `linalg.matrix_norm(A, 'nuc', dim, keepdim)` instead",
                  UserWarning, stacklevel=2)
    if isinstance(dim, bool):  # nuclear_norm(input, keepdim)
        dim, keepdim = None, dim
    r = linalg.matrix_norm(input, "nuc", dim=(-2, -1) if dim is None else tuple(dim), keepdim=keepdim)
    return r if out is None else out.copy_(r)


@_fn()
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


@_fn()
def matrix_rank(input, tol=None, symmetric=False, *, out=None):
    raise RuntimeError("This function was deprecated since version 1.9 and is now removed.\nPlease use the "
                       "`torch.linalg.matrix_rank` function instead. The parameter 'symmetric' was renamed in "
                       "`torch.linalg.matrix_rank()` to 'hermitian'.")


@_fn()
def norm_except_dim(v, pow=2, dim=0) -> Tensor:
    """The `pow`-norm of v over every dim but `dim` (kept with size 1); dim=-1: over all dims."""
    from .. import linalg

    if dim == -1:
        return linalg.vector_norm(v, pow)
    d = dim % v.ndim
    return linalg.vector_norm(v, pow, tuple(i for i in range(v.ndim) if i != d), keepdim=True)


# ---------------------------------------------------------------------------------------------
# *_copy variants (torch's out-of-place forms of views), detach


@_fn()
def select_copy(input, dim, index, *, out=None) -> Tensor:
    r = input.select(dim, index).clone()
    return r if out is None else out.copy_(r)


@_fn()
def slice_copy(input, dim=0, start=None, end=None, step=1, *, out=None) -> Tensor:
    d = dim % max(input.ndim, 1)
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    idx = (slice(None),) * d + (slice(start, end, step),)
    r = input[idx].clone()
    return r if out is None else out.copy_(r)


@_fn()
def split_copy(input, split_size, dim=0, *, out=None):
    parts = tuple(p.clone() for p in input.split(split_size, dim))
    if out is None:
        return parts
    for o, p in zip(out, parts):
        o.copy_(p)
    return None


@_fn()
def detach_copy(input, *, out=None) -> Tensor:
    r = input.detach().clone()
    return r if out is None else out.copy_(r)


@_fn()
def view_as_real_copy(input, *, out=None) -> Tensor:
    r = input.view_as_real().clone() if hasattr(input, "view_as_real") else FUNCTIONS["view_as_real"](input).clone()
    return r if out is None else out.copy_(r)


@_fn()
def view_as_complex_copy(input, *, out=None) -> Tensor:
    r = FUNCTIONS["view_as_complex"](input).clone()
    return r if out is None else out.copy_(r)


@_fn()
def detach(input) -> Tensor:
    return input.detach()


@_fn()
def detach_(input) -> Tensor:
    return input.detach_()


# top-level in-place aliases (torch.arccos_(x) == x.arccos_())
for _n in ("arccos_", "arccosh_", "arcsin_", "arcsinh_", "arctan_", "arctanh_", "clip_", "fix_", "negative_"):
    if _n not in FUNCTIONS and hasattr(Tensor, _n):
        FUNCTIONS[_n] = getattr(Tensor, _n)


# ---------------------------------------------------------------------------------------------
# random, buffers, dlpack


def _binomial_impl(key, count, prob):
    dtype = count.dtype
    c = count.astype(jnp.float64 if dtype == jnp.float64 else jnp.float32)
    return jax.random.binomial(key, c, prob.astype(c.dtype), dtype=c.dtype).astype(dtype)


@_fn()
def binomial(count, prob, generator=None, *, out=None) -> Tensor:
    """Draws from Binomial(count, prob), elementwise (float tensors, as torch requires)."""
    from ..random import draw

    if not count.is_floating_point() or not prob.is_floating_point():
        raise RuntimeError(f'"binomial_cpu" not implemented for \'{_dt_short(count.dtype)}\'')
    r = draw(generator, _binomial_impl, (count, prob), (), "binomial")
    return r if out is None else out.copy_(r)


def _dt_short(d) -> str:
    from ._registry import _dt_name

    return _dt_name(d)


@_fn()
def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False) -> Tensor:
    """A 1-D tensor of `count` elements of `dtype` (all that fit when count < 0) read from an object with the
    Python buffer protocol, skipping `offset` bytes. Unlike torch's, the tensor holds a copy: JAX arrays are
    immutable and cannot share a Python buffer's memory, so later writes to the buffer are not seen by the
    tensor, and writes to the tensor do not reach the buffer. (For the same reason torch's warning about
    non-writable buffers does not apply and is not given.)"""
    for name, value in (("count", count), ("offset", offset)):
        if not isinstance(value, numbers.Integral) or isinstance(value, bool):
            raise TypeError(f"frombuffer(): argument '{name}' must be int, not {type(value).__name__}")
    d = _dt.to_dtype(dtype)
    try:
        view = memoryview(buffer)
    except TypeError:
        raise ValueError("object does not implement Python buffer protocol.") from None
    if not view.c_contiguous:
        raise RuntimeError("could not retrieve buffer from object")
    raw = view.cast("B") if view.format != "B" or view.ndim != 1 else view
    nbytes, size = len(raw), d.itemsize
    if nbytes == 0 or count == 0:
        raise ValueError(f"both buffer length ({nbytes}) and count ({count}) must not be 0")
    if offset < 0 or offset >= nbytes:
        raise ValueError(f"offset ({offset} bytes) must be non-negative and no greater than buffer length "
                         f"({nbytes} bytes) minus 1")
    if count < 0:
        if (nbytes - offset) % size:
            raise ValueError(f"buffer length ({nbytes - offset} bytes) after offset ({offset} bytes) must be a "
                             f"multiple of element size ({size})")
        count = (nbytes - offset) // size
    elif offset + count * size > nbytes:
        raise ValueError(f"requested buffer length ({count} * {size} bytes) after offset ({offset} bytes) must not "
                         f"be greater than actual buffer length ({nbytes} bytes)")
    if requires_grad and not d.is_inexact:
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
    a = np.frombuffer(raw, dtype=np.uint8, count=count * size, offset=offset).copy()
    a = (a != 0) if d == _dt.bool_ else a.view(d.np)  # a bool tensor holds only 0 and 1
    t = Tensor._make(jnp.asarray(a))
    if requires_grad:
        t.requires_grad_(True)
    return t


class _Capsule:
    """Lets a bare DLPack capsule (from a legacy to_dlpack) be read by jax.dlpack.from_dlpack."""

    def __init__(self, capsule):
        self._capsule = capsule

    def __dlpack__(self, **kwargs):
        return self._capsule

    def __dlpack_device__(self):
        return (1, 0)  # kDLCPU


@_fn()
def from_dlpack(ext_tensor) -> Tensor:
    """A tensor from any object with __dlpack__ (numpy, JAX, torch arrays) or a DLPack capsule."""
    if isinstance(ext_tensor, Tensor):
        return ext_tensor
    src = ext_tensor if hasattr(ext_tensor, "__dlpack__") else _Capsule(ext_tensor)
    return Tensor._make(jax.dlpack.from_dlpack(src))


@_fn()
def to_dlpack(tensor):
    """A DLPack capsule of the tensor's payload."""
    return tensor._value().__dlpack__()


Tensor.__dlpack__ = lambda self, **kwargs: self._value().__dlpack__(**kwargs)
Tensor.__dlpack_device__ = lambda self: self._value().__dlpack_device__()


# ---------------------------------------------------------------------------------------------
# queries and global flags


def is_same_size(input, other) -> bool:
    return tuple(input.shape) == tuple(other.shape)


def is_conj(input) -> bool:
    """Always False: jaxtorch conjugates eagerly (no lazy conjugate bit)."""
    return False


def is_neg(input) -> bool:
    """Always False: jaxtorch negates eagerly (no lazy negative bit)."""
    return False


def is_inference(input) -> bool:
    """Always False: inference_mode here disables recording but makes ordinary tensors."""
    return False


def is_nonzero(input) -> bool:
    n = input.numel()
    if n == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if n > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(input.item())


def is_signed(input) -> bool:
    return input.is_signed()


for _f in (is_same_size, is_conj, is_neg, is_inference, is_nonzero, is_signed):
    FUNCTIONS[_f.__name__] = _f
    if _f is not is_signed:
        setattr(Tensor, _f.__name__, _f)

_warn_always = [False]


@_fn()
def set_warn_always(b: bool) -> None:
    _warn_always[0] = bool(b)


@_fn()
def is_warn_always_enabled() -> bool:
    return _warn_always[0]


@_fn()
def set_flush_denormal(mode: bool) -> bool:
    """Returns False: XLA owns the floating-point mode of its kernels, so jaxtorch cannot switch it."""
    return False


FUNCTIONS["is_anomaly_enabled"] = _anomaly.is_anomaly_enabled
FUNCTIONS["is_anomaly_check_nan_enabled"] = _anomaly.is_anomaly_check_nan_enabled
FUNCTIONS["set_anomaly_enabled"] = _anomaly.set_anomaly_enabled


# ---------------------------------------------------------------------------------------------
# Tensor methods


def _fill_diagonal_impl(x, value, *, positions):
    flat = x.reshape(-1).at[np.asarray(positions, dtype=np.int64)].set(jnp.asarray(value).astype(x.dtype))
    return flat.reshape(x.shape)


def fill_diagonal_(self, fill_value, wrap=False) -> Tensor:
    """Fill the main diagonal (of a 2-D tensor, or of an n-D one with equal dims); `wrap` restarts the
    diagonal every ncols+1 rows of a tall matrix, as torch does."""
    from ._dispatch import apply

    shape = tuple(self.shape)
    if len(shape) < 2:
        raise RuntimeError("dimensions must larger than 1")
    if len(shape) > 2 and any(s != shape[0] for s in shape):
        raise RuntimeError("all dimensions of input must be of equal length")
    n = min(shape)
    numel = int(np.prod(shape))
    step = sum(int(np.prod(shape[i + 1:])) for i in range(len(shape)))
    if len(shape) == 2 and wrap and shape[0] > shape[1] + 1:
        positions = tuple(range(0, numel, step))
    else:
        positions = tuple(k * step for k in range(n))
    new = apply(_fill_diagonal_impl, (self, fill_value), (("positions", positions),), "fill_diagonal")
    return self._inplace_assign(new, "fill_diagonal_")


Tensor.fill_diagonal_ = fill_diagonal_


def new(self, *args, **kwargs) -> Tensor:
    """The legacy constructor: sizes give an uninitialized tensor, data a tensor, both of self's dtype."""
    from . import creation

    dtype = kwargs.pop("dtype", None)
    kwargs.pop("device", None)  # one device per process here
    dtype = self.dtype if dtype is None else dtype
    if not args:
        return creation.empty(0, dtype=dtype)
    if len(args) == 1 and isinstance(args[0], Tensor):
        src = args[0]
        if src.dtype != dtype:
            raise TypeError(f"expected {dtype} (got {src.dtype})")
        return src
    if len(args) == 1 and not isinstance(args[0], int) and not type(args[0]).__name__ == "Size":
        return creation.tensor(args[0], dtype=dtype)
    sizes = tuple(args[0]) if len(args) == 1 and not isinstance(args[0], int) else args
    return creation.empty(*sizes, dtype=dtype)


Tensor.new = new


def pin_memory(self, device=None) -> Tensor:
    """Returns self: JAX manages host memory itself, there is no page-locked copy to make."""
    return self


Tensor.pin_memory = pin_memory
Tensor.is_pinned = lambda self, device=None: False
Tensor.share_memory_ = lambda self: self  # one process owns a JAX array; nothing to move
Tensor.is_shared = lambda self: False


def polygamma_(self, n) -> Tensor:
    new = FUNCTIONS["polygamma"](n, self)
    return self._inplace_assign(_fit_inplace(self, new, "polygamma"), "polygamma_")


Tensor.polygamma_ = polygamma_
if hasattr(Tensor, "transpose_"):
    Tensor.swapaxes_ = Tensor.transpose_
    Tensor.swapdims_ = Tensor.transpose_


def _py_elementwise(self, name, fn, others=()):
    if self._requires_grad and _gm.state.enabled or any(o._requires_grad for o in others):
        raise RuntimeError(f"Can't call {name}() on Variable that requires grad. Use var.detach().{name}() instead.")
    a = np.array(self.detach().numpy())
    srcs = [np.broadcast_to(o.detach().numpy(), a.shape) for o in others]
    conv = float if a.dtype.kind in "fc" else (bool if a.dtype.kind == "b" else int)
    out = np.empty_like(a)
    for i in np.ndindex(a.shape):
        out[i] = fn(conv(a[i]), *(conv(s[i]) for s in srcs))
    self._inplace_assign(Tensor._make(jnp.asarray(out)), name)
    return self


def apply_(self, callable) -> Tensor:
    """Apply a Python function to every element, in place (runs on the host, like torch's CPU-only op)."""
    return _py_elementwise(self, "apply_", callable)


def map_(self, tensor, callable) -> Tensor:
    return _py_elementwise(self, "map_", callable, (tensor,))


def map2_(self, x, y, callable) -> Tensor:
    return _py_elementwise(self, "map2_", callable, (x, y))


Tensor.apply_, Tensor.map_, Tensor.map2_ = apply_, map_, map2_
Tensor.output_nr = property(lambda self: 0 if self._grad_fn is None else self._out_idx)


def resize(self, *sizes) -> Tensor:
    warnings.warn("non-inplace resize is deprecated", stacklevel=2)
    sizes = tuple(sizes[0]) if len(sizes) == 1 and not isinstance(sizes[0], int) else sizes
    n = int(np.prod(sizes))
    if n != self.numel():
        raise RuntimeError(f"requested resize to {'x'.join(map(str, sizes))} ({n} elements in total), but the given "
                           f"tensor has a size of {'x'.join(map(str, self.shape))} ({self.numel()} elements). "
                           "autograd's resize can only change the shape of a given tensor, while preserving the "
                           "number of elements. ")
    return self.reshape(sizes)


def resize_as(self, tensor) -> Tensor:
    warnings.warn("non-inplace resize_as is deprecated", stacklevel=2)
    n = tensor.numel()
    if n != self.numel():
        raise RuntimeError(f"requested resize to {'x'.join(map(str, tensor.shape))} ({n} elements in total), but "
                           f"the given tensor has a size of {'x'.join(map(str, self.shape))} ({self.numel()} "
                           "elements). autograd's resize can only change the shape of a given tensor, while "
                           "preserving the number of elements. ")
    return self.reshape(tuple(tensor.shape))


Tensor.resize, Tensor.resize_as = resize, resize_as


def dim_order(self, *, ambiguity_check=False) -> tuple:
    """Dims from outermost to innermost in memory (stable sort by decreasing stride)."""
    st = self.stride()
    return tuple(sorted(range(self.ndim), key=lambda d: -st[d]))


Tensor.dim_order = dim_order


def register_post_accumulate_grad_hook(self, hook):
    """hook(tensor) runs after backward has accumulated into this leaf's .grad."""
    from ..autograd.graph import _RemovableHandle

    if not self._requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if self.grad_fn is not None:
        raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
    hooks = self.__dict__.get("_post_accumulate_grad_hooks")
    if hooks is None:
        hooks = self._post_accumulate_grad_hooks = []
    hooks.append(hook)
    return _RemovableHandle(hooks, hook)


Tensor.register_post_accumulate_grad_hook = register_post_accumulate_grad_hook


# ---------------------------------------------------------------------------------------------
# control flow: torch.cond / torch.while_loop


def _payloads(tree):
    leaves, treedef = jax.tree_util.tree_flatten(tree, is_leaf=lambda x: isinstance(x, Tensor))
    return [x._value() if isinstance(x, Tensor) else x for x in leaves], treedef


def _wrap_all(vals):
    return [Tensor._make(v) for v in vals]


class _OutTree:
    """Per traced cond call: the branches' output structure, and the tensors requiring grad that the
    branches read from their closures (module parameters...), found while tracing them."""

    def __init__(self):
        self.treedef = None
        self.found: dict = {}
        self.captured: tuple = ()


class _CaptureWatch:
    """A trace observer (chained to compile's, if any) noting tensors that require grad read by a
    branch but not made in it."""

    def __init__(self, outer, holder):
        self.outer, self.holder, self.created = outer, holder, set()

    def observe(self, t):
        if self.outer is not None:
            self.outer.observe(t)
        if t._requires_grad and id(t) not in self.created:
            self.holder.found.setdefault(id(t), t)

    def created_tensor(self, t):
        self.created.add(id(t))
        if self.outer is not None:
            self.outer.created_tensor(t)

    def __getattr__(self, name):
        return getattr(self.outer, name)


def _call_branch(fn, vals, holder):
    from .. import _trace_state as _ts

    n_ops = len(vals) - len(holder.captured)
    prev, prev_obs = _gm.state.enabled, _ts.observer
    saved = [t._data for t in holder.captured]
    _gm.state.enabled = False  # the enclosing dispatched op differentiates the whole cond
    _ts.observer = _CaptureWatch(prev_obs, holder)
    try:
        for t, v in zip(holder.captured, vals[n_ops:]):  # captured tensors read the traced copies
            t._data = v
        out = fn(*_wrap_all(vals[:n_ops]))
        flat, holder.treedef = _payloads(out)
    finally:
        for t, v in zip(holder.captured, saved):
            t._data = v
        _ts.observer = prev_obs
        _gm.state.enabled = prev
    return tuple(flat)


def _cond_impl(pred, *vals, true_fn, false_fn, holder):
    return jax.lax.cond(jnp.asarray(pred).reshape(()).astype(bool),
                        lambda v: _call_branch(true_fn, v, holder),
                        lambda v: _call_branch(false_fn, v, holder), list(vals))


def cond(pred, true_fn, false_fn, operands=()):
    """Run true_fn(*operands) or false_fn(*operands). A concrete predicate picks the branch in Python;
    a traced one (inside jaxtorch.compile or a JAX transform) becomes one `jax.lax.cond`, so both
    branches must then return tensors of the same shapes and dtypes. Gradients flow to the operands
    and to tensors the branches read from their closures (e.g. module parameters)."""
    from ._dispatch import apply

    if not isinstance(operands, (tuple, list)):
        raise RuntimeError(f"Expect operands to be a tuple of possibly nested dict/list/tuple that only consists "
                           f"of tensor leaves, but got {operands}.")
    if isinstance(pred, Tensor):
        if pred.numel() != 1:
            raise RuntimeError(f"Expected pred to be bool or single-element tensor, but got {pred}.")
        pv = pred._value()
        if not isinstance(pv, jax.core.Tracer):
            pred = bool(np.asarray(pv).reshape(()))
    elif not isinstance(pred, (bool, int, float)):
        raise RuntimeError(f"Expected pred to be bool or tensor, but got {pred}.")
    if not isinstance(pred, Tensor):
        return (true_fn if pred else false_fn)(*operands)
    for o in operands:
        if not isinstance(o, Tensor):
            raise RuntimeError(f"Expect operands to be a tuple of possibly nested dict/list/tuple that only consists "
                               f"of tensor leaves, but got {operands}.")
    holder = _OutTree()
    static = (("true_fn", true_fn), ("false_fn", false_fn), ("holder", holder))
    outs = apply(_cond_impl, (pred, *operands), static, "cond")
    operand_ids = {id(o) for o in operands}
    captured = tuple(t for k, t in holder.found.items() if k not in operand_ids)
    if captured and _gm.state.enabled:  # trace again with them as inputs, so the tape reaches them
        holder.captured, holder.found = captured, {}
        outs = apply(_cond_impl, (pred, *operands, *captured), static, "cond")
    outs = outs if isinstance(outs, tuple) else (outs,)
    return jax.tree_util.tree_unflatten(holder.treedef, list(outs))


def _truth(c):
    if isinstance(c, Tensor):
        v = c._value()
        if isinstance(v, jax.core.Tracer):
            return v
        return bool(np.asarray(v).reshape(()))
    return bool(c)


def while_loop(cond_fn, body_fn, carried_inputs):
    """while cond_fn(*carried): carried = body_fn(*carried). Eager with concrete values; a traced
    loop (inside jaxtorch.compile or a JAX transform) becomes one `jax.lax.while_loop`, so the body
    must keep every carried tensor's shape and dtype. Not differentiable (as in torch)."""
    if not isinstance(carried_inputs, (tuple, list)):
        raise RuntimeError(f"carried_inputs must be a tuple or list, got {type(carried_inputs)}")
    carried = tuple(carried_inputs)
    while True:
        c = _truth(cond_fn(*carried))
        if isinstance(c, jax.core.Tracer):
            return _traced_while(cond_fn, body_fn, carried)
        if not c:
            return carried
        out = body_fn(*carried)
        carried = tuple(out) if isinstance(out, (tuple, list)) else (out,)
        if len(carried) != len(carried_inputs):
            raise RuntimeError(f"body_fn should return the same number of elements as carried_inputs, got "
                               f"{len(carried)} and {len(carried_inputs)}")


def _traced_while(cond_fn, body_fn, carried):
    if _gm.state.enabled and any(isinstance(t, Tensor) and t._requires_grad for t in carried):
        raise RuntimeError("torch.while_loop: autograd through a traced while_loop is not supported; run it "
                           "under torch.no_grad() or detach the carried tensors.")
    for t in carried:
        if not isinstance(t, Tensor):
            raise RuntimeError(f"torch.while_loop: a traced loop carries tensors only, got {type(t).__name__}")
    dtypes = [t._value().dtype for t in carried]

    def c(vals):
        with _no_grad():
            r = cond_fn(*_wrap_all(vals))
        return jnp.asarray(r._value() if isinstance(r, Tensor) else r).reshape(()).astype(bool)

    def b(vals):
        with _no_grad():
            out = body_fn(*_wrap_all(vals))
        out = tuple(out) if isinstance(out, (tuple, list)) else (out,)
        return [o._value().astype(d) if isinstance(o, Tensor) else jnp.asarray(o, d) for o, d in zip(out, dtypes)]

    res = jax.lax.while_loop(c, b, [t._value() for t in carried])
    return tuple(Tensor._make(r) for r in res)


def _no_grad():
    from ..autograd.grad_mode import no_grad

    return no_grad()


FUNCTIONS["cond"] = cond
FUNCTIONS["while_loop"] = while_loop
