"""nn.functional: losses. Each loss (including its reduction) is one dispatched pure jnp function."""

from __future__ import annotations

import dataclasses
import math
import warnings

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ... import _dtype as _dt
from ..._ops._checks import broadcast_error
from ..._ops._dispatch import apply
from ..._ops._promote import result_np, to_float_np
from ..._tensor import Tensor
from ... import _autocast as _ac

__all__ = [
    "cross_entropy", "nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "kl_div", "cosine_embedding_loss", "margin_ranking_loss",
    "triplet_margin_loss", "triplet_margin_with_distance_loss", "ctc_loss", "poisson_nll_loss", "gaussian_nll_loss",
    "multilabel_soft_margin_loss", "soft_margin_loss", "hinge_embedding_loss", "multi_margin_loss",
    "multilabel_margin_loss", "linear_cross_entropy",
]

_REDUCTIONS = ("none", "mean", "sum")


def legacy_get_string(size_average, reduce, emit_warning: bool = True) -> str:
    """Map the deprecated size_average/reduce flags to a reduction string, as torch does."""
    if size_average is None:
        size_average = True
    if reduce is None:
        reduce = True
    ret = "mean" if size_average and reduce else ("sum" if reduce else "none")
    if emit_warning:
        warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{ret}' instead.",
                      stacklevel=3)
    return ret


def _reduction(size_average, reduce, reduction: str, allowed=_REDUCTIONS) -> str:
    if size_average is not None or reduce is not None:
        reduction = legacy_get_string(size_average, reduce)
    if reduction not in allowed:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss, reduction):
    if reduction == "mean":
        return jnp.mean(loss)
    if reduction == "sum":
        return jnp.sum(loss)
    return loss


def _float_dt(*ts) -> np.dtype:
    """The dtype a loss over these tensors computes in: their promoted type, ints going to the default float."""
    return to_float_np(result_np(*[t for t in ts if t is not None]))


def _concrete(t):
    if not isinstance(t, Tensor):
        return None
    v = t._value()
    return None if isinstance(v, jax.core.Tracer) else np.asarray(v)


def _grad_enabled() -> bool:
    from ...autograd import grad_mode as _gm

    return _gm.state.enabled


def _size_warning(input: Tensor, target: Tensor) -> None:
    if tuple(input.shape) != tuple(target.shape):
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
                      "This will likely lead to incorrect results due to broadcasting. Please ensure they have the "
                      "same size.", stacklevel=3)
    broadcast_error(input, target)


# ----------------------------------------------------------------------------- cross entropy / nll
def _class_loss(x, t, w, *, log_input, reduction, ignore_index, label_smoothing, prob_target):
    """nll_loss / cross_entropy over class dim 1 (or 0 for unbatched input)."""
    cdim = 0 if x.ndim == 1 else 1
    n_classes = x.shape[cdim]
    logp = jax.nn.log_softmax(x, axis=cdim) if not log_input else x
    logp = jnp.moveaxis(logp, cdim, -1)
    wv = jnp.ones((n_classes,), x.dtype) if w is None else w.astype(x.dtype)
    if prob_target:
        t = jnp.moveaxis(t, cdim, -1).astype(x.dtype)
        if label_smoothing > 0:
            t = t * (1 - label_smoothing) + label_smoothing / n_classes
        loss = -jnp.sum(logp * t * wv, axis=-1)
        if reduction == "mean":
            return jnp.sum(loss) / loss.size  # batch elements, not weights (torch's rule)
        return _reduce(loss, reduction)
    valid = t != ignore_index
    safe_t = jnp.where(valid, t, 0)
    picked = jnp.take_along_axis(logp, safe_t[..., None], axis=-1)[..., 0]
    w_t = jnp.where(valid, jnp.take(wv, safe_t), jnp.zeros((), x.dtype))
    nll = -picked * w_t
    if reduction == "mean":
        out = jnp.sum(nll) / jnp.sum(w_t)
    else:
        out = _reduce(nll, reduction)
    if label_smoothing > 0:
        smooth = -jnp.sum(logp * wv, axis=-1) if w is not None else -jnp.sum(logp, axis=-1)
        smooth = jnp.where(valid, smooth, jnp.zeros((), x.dtype))
        if reduction == "mean":
            s = jnp.sum(smooth) / (jnp.sum(w_t) if w is not None else jnp.sum(valid).astype(x.dtype))
        else:
            s = _reduce(smooth, reduction)
        out = (1 - label_smoothing) * out + s * (label_smoothing / n_classes)
    return out


def _check_class_args(input: Tensor, target: Tensor, weight, ignore_index: int, prob_target: bool) -> None:
    if input.ndim == 0:
        raise IndexError("Dimension out of range (expected to be in range of [-1, 0], but got 1)")
    n_classes = input.shape[0 if input.ndim == 1 else 1]
    if weight is not None and (weight.ndim != 1 or weight.numel() != n_classes):
        raise RuntimeError(f"weight tensor should be defined either for all {n_classes} classes or no classes but "
                           f"got weight tensor of shape: {list(weight.shape)}")
    if prob_target:
        if tuple(input.shape) != tuple(target.shape):
            raise RuntimeError(f"Expected target size {list(input.shape)}, got {list(target.shape)}")
        return
    if target.dtype not in (_dt.int64, _dt.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {_word(target)}")
    if input.ndim == 1:
        if target.ndim != 0 and not (target.ndim == 1 and target.shape[0] == 1):
            if target.ndim == 1:
                raise ValueError(f"For 1D input, 1D target must have size 1, but got target size: {target.shape[0]}")
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    else:
        if target.ndim == 0 or input.shape[0] != target.shape[0]:
            tb = target.shape[0] if target.ndim else 1
            raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size ({tb}).")
        if input.ndim == 2 and target.ndim != 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if input.ndim > 2 and tuple(target.shape[1:]) != tuple(input.shape[2:]):
            raise RuntimeError(f"Expected target size {[input.shape[0]] + list(input.shape[2:])}, got "
                               f"{list(target.shape)}")
    a = _concrete(target)
    if a is not None and a.size:
        bad = (a != ignore_index) & ((a < 0) | (a >= n_classes))
        if bad.any():
            raise IndexError(f"Target {int(a.reshape(-1)[np.argmax(bad.reshape(-1))])} is out of bounds.")


def _word(t: Tensor) -> str:
    from ..._ops._registry import _dt_name

    return _dt_name(t.dtype)


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None, ignore_index: int = -100,
             reduce=None, reduction: str = "mean") -> Tensor:
    input, target, weight = _ac.cast("nll_loss", input, target, weight)
    reduction = _reduction(size_average, reduce, reduction)
    _check_class_args(input, target, weight, ignore_index, False)
    if input.ndim == 1 and target.ndim == 1:
        target = target.reshape(())
    return apply(_class_loss, (input, target, weight),
                 (("log_input", True), ("reduction", reduction), ("ignore_index", int(ignore_index)),
                  ("label_smoothing", 0.0), ("prob_target", False)), "nll_loss")


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                  ignore_index: int = -100, reduce=None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """log_softmax + nll (class indices) or soft-target cross entropy (class probabilities), fused."""
    input, target, weight = _ac.cast("cross_entropy", input, target, weight)
    reduction = _reduction(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    prob_target = target.is_floating_point() and tuple(target.shape) == tuple(input.shape)
    if target.is_floating_point() and not prob_target:
        if input.ndim >= 2 and target.ndim == input.ndim:
            raise RuntimeError(f"Expected target size {list(input.shape)}, got {list(target.shape)}")
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {_word(target)}")
    _check_class_args(input, target, weight, ignore_index, prob_target)
    if input.ndim == 1 and target.ndim == 1 and not prob_target:
        target = target.reshape(())
    return apply(_class_loss, (input, target, weight),
                 (("log_input", False), ("reduction", reduction), ("ignore_index", int(ignore_index)),
                  ("label_smoothing", float(label_smoothing)), ("prob_target", prob_target)), "cross_entropy")


# ----------------------------------------------------------------------------- regression losses
def _pointwise_loss(x, t, beta, *, kind, reduction):
    d = x - t
    if kind == "mse":
        loss = d * d
    elif kind == "l1":
        loss = jnp.abs(d)
    elif kind == "smooth_l1":
        ad = jnp.abs(d)
        safe_beta = jnp.where(beta > 0, beta, 1.0)
        loss = jnp.where(beta > 0, jnp.where(ad < beta, 0.5 * d * d / safe_beta, ad - 0.5 * beta), ad)
    else:  # huber
        ad = jnp.abs(d)
        loss = jnp.where(ad < beta, 0.5 * d * d, beta * (ad - 0.5 * beta))
    return _reduce(loss.astype(jnp.result_type(x, t)), reduction)


def _regression(kind, input, target, size_average, reduce, reduction, beta=0.0):
    reduction = _reduction(size_average, reduce, reduction)
    _size_warning(input, target)
    return apply(_pointwise_loss, (input, target, float(beta)), (("kind", kind), ("reduction", reduction)),
                 kind + "_loss")


def mse_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
             weight: Tensor | None = None) -> Tensor:
    input, target, weight = _ac.cast("mse_loss", input, target, weight)
    if weight is not None:
        reduction = _reduction(size_average, reduce, reduction)
        return apply(_weighted_pointwise, (input, target, weight, 0.0), (("kind", "mse"), ("reduction", reduction)),
                     "mse_loss")
    return _regression("mse", input, target, size_average, reduce, reduction)


def _weighted_pointwise(x, t, w, beta, *, kind, reduction):
    return _reduce(_pointwise_loss(x, t, beta, kind=kind, reduction="none") * w, reduction)


def l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
            weight: Tensor | None = None) -> Tensor:
    input, target = _ac.cast("l1_loss", input, target)
    return _regression("l1", input, target, size_average, reduce, reduction)


def smooth_l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    input, target = _ac.cast("smooth_l1_loss", input, target)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    return _regression("smooth_l1", input, target, size_average, reduce, reduction, beta)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    input, target = _ac.cast("huber_loss", input, target)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    return _regression("huber", input, target, None, None, reduction, delta)


# ----------------------------------------------------------------------------- binary / probabilistic
def _bce(x, t, w, *, reduction):
    log_x = jnp.maximum(jnp.log(x), -100.0)
    log_1mx = jnp.maximum(jnp.log1p(-x), -100.0)
    loss = -(t * log_x + (1 - t) * log_1mx)
    if w is not None:
        loss = loss * w
    return _reduce(loss, reduction)


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None, reduce=None,
                         reduction: str = "mean") -> Tensor:
    input, target, weight = _ac.cast("binary_cross_entropy", input, target, weight)
    reduction = _reduction(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input size ({input.shape}) "
                         "is deprecated. Please ensure they have the same size.")
    a = _concrete(input)
    if a is not None and a.size and ((a < 0) | (a > 1)).any():
        raise RuntimeError("all elements of input should be between 0 and 1")
    return apply(_bce, (input, target, weight), (("reduction", reduction),), "binary_cross_entropy")


def _bce_logits(x, t, w, pw, *, reduction):
    # softplus(-x) = -log(sigmoid(x)); logaddexp keeps it stable and gives the right derivative at x == 0 (a
    # max(-x, 0) + log1p(exp(-|x|)) form gets the subgradient of max/abs there, off by 0.5)
    sp = jnp.logaddexp(-x, jnp.zeros((), x.dtype))
    if pw is not None:
        loss = (1 - t) * x + (1 + (pw - 1) * t) * sp
    else:
        loss = (1 - t) * x + sp
    if w is not None:
        loss = loss * w
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                                     reduce=None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    input, target, weight, pos_weight = _ac.cast("binary_cross_entropy_with_logits", input, target, weight, pos_weight)
    reduction = _reduction(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    return apply(_bce_logits, (input, target, weight, pos_weight), (("reduction", reduction),),
                 "binary_cross_entropy_with_logits")


def _kl_div(x, t, *, reduction, log_target):
    if log_target:
        loss = jnp.exp(t) * (t - x)
    else:
        loss = jax.scipy.special.xlogy(t, t) - t * x
    if reduction == "batchmean":
        return jnp.sum(loss) / (x.shape[0] if x.ndim else 1)
    return _reduce(loss, reduction)


def kl_div(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    input, target = _ac.cast("kl_div", input, target)
    if size_average is not None or reduce is not None:
        reduction = legacy_get_string(size_average, reduce)
    elif reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                      "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                      stacklevel=2)
    if reduction not in _REDUCTIONS + ("batchmean",):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return apply(_kl_div, (input, target), (("reduction", reduction), ("log_target", bool(log_target))), "kl_div")


def _poisson_nll(x, t, eps, *, log_input, full, reduction, dtype):
    x, t = lax.convert_element_type(x, dtype), lax.convert_element_type(t, dtype)
    loss = jnp.exp(x) - t * x if log_input else x - t * jnp.log(x + eps)
    if full:
        safe_t = jnp.where(t > 1, t, 1.0)
        stirling = safe_t * jnp.log(safe_t) - safe_t + 0.5 * jnp.log(2 * math.pi * safe_t)
        loss = loss + jnp.where(t > 1, stirling, 0.0).astype(loss.dtype)
    return _reduce(loss, reduction)


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False, size_average=None,
                     eps: float = 1e-8, reduce=None, reduction: str = "mean") -> Tensor:
    input, target = _ac.cast("poisson_nll_loss", input, target)
    reduction = _reduction(size_average, reduce, reduction)
    return apply(_poisson_nll, (input, target, float(eps)),
                 (("log_input", bool(log_input)), ("full", bool(full)), ("reduction", reduction),
                  ("dtype", _float_dt(input, target))), "poisson_nll_loss")


def _gaussian_nll(x, t, var, eps, *, full, reduction):
    # torch clamps a clone of var in place under no_grad: gradient passes as if unclamped
    v = var + lax.stop_gradient(jnp.maximum(var, eps) - var)
    loss = 0.5 * (jnp.log(v) + (x - t) ** 2 / v)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input: Tensor, target: Tensor, var: Tensor | float, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean") -> Tensor:
    if not isinstance(var, Tensor):
        from ..._ops.creation import full as _full

        var = _full(tuple(input.shape), float(var), dtype=input.dtype)
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif not (tuple(input.shape[:-1]) == tuple(var.shape[:-1]) and var.shape[-1] == 1):
            raise ValueError("var is of incorrect size")
    if reduction not in _REDUCTIONS:
        raise ValueError(reduction + " is not valid")
    a = _concrete(var)
    if a is not None and (a < 0).any():
        raise ValueError("var has negative entry/entries")
    return apply(_gaussian_nll, (input, target, var, float(eps)), (("full", bool(full)), ("reduction", reduction)),
                 "gaussian_nll_loss")


# ----------------------------------------------------------------------------- margin / embedding losses
def _cosine_embedding(x1, x2, y, margin, *, reduction, dtype):
    x1, x2 = lax.convert_element_type(x1, dtype), lax.convert_element_type(x2, dtype)
    dim = x1.ndim - 1 if x1.ndim == 2 else 0
    eps = 1e-12
    prod = jnp.sum(x1 * x2, axis=dim)
    m1 = jnp.sum(x1 * x1, axis=dim) + eps
    m2 = jnp.sum(x2 * x2, axis=dim) + eps
    cos = prod / jnp.sqrt(m1 * m2)
    zeros = jnp.zeros_like(cos)
    loss = jnp.where(y == 1, 1 - cos, zeros) + jnp.where(y == -1, jnp.maximum(cos - margin, 0), zeros)
    return _reduce(loss, reduction)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0, size_average=None,
                          reduce=None, reduction: str = "mean") -> Tensor:
    input1, input2, target = _ac.cast("cosine_embedding_loss", input1, input2, target)
    reduction = _reduction(size_average, reduce, reduction)
    if input1.ndim != input2.ndim:
        raise RuntimeError(f"cosine_embedding_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {input1.shape}, input2: {input2.shape}, target: {target.shape} ")
    return apply(_cosine_embedding, (input1, input2, target, float(margin)),
                 (("reduction", reduction), ("dtype", _float_dt(input1, input2))),
                 "cosine_embedding_loss")


def _margin_ranking(x1, x2, y, margin, *, reduction, dtype):
    x1, x2, y = (lax.convert_element_type(v, dtype) for v in (x1, x2, y))
    return _reduce(jnp.maximum(-y * (x1 - x2) + margin, 0), reduction)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0, size_average=None,
                        reduce=None, reduction: str = "mean") -> Tensor:
    input1, input2, target = _ac.cast("margin_ranking_loss", input1, input2, target)
    reduction = _reduction(size_average, reduce, reduction)
    if input1.ndim != input2.ndim or input1.ndim != target.ndim:
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {input1.shape}, input2: {input2.shape}, target: {target.shape} ")
    return apply(_margin_ranking, (input1, input2, target, float(margin)),
                 (("reduction", reduction), ("dtype", _float_dt(input1, input2, target))),
                 "margin_ranking_loss")


def _triplet(a, pos, neg, margin, eps, *, p, swap, reduction, dtype):
    a, pos, neg = (lax.convert_element_type(v, dtype) for v in (a, pos, neg))
    from .distance import _norm_p

    d_ap = _norm_p(a - pos + eps, p, -1, False)
    d_an = _norm_p(a - neg + eps, p, -1, False)
    if swap:
        d_an = jnp.minimum(d_an, _norm_p(pos - neg + eps, p, -1, False))
    return _reduce(jnp.maximum(margin + d_ap - d_an, 0), reduction)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, size_average=None, reduce=None,
                        reduction: str = "mean") -> Tensor:
    anchor, positive, negative = _ac.cast("triplet_margin_loss", anchor, positive, negative)
    reduction = _reduction(size_average, reduce, reduction)
    a, pd, nd = anchor.ndim, positive.ndim, negative.ndim
    if not (a == pd == nd):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {a}D, positive {pd}D, and negative {nd}D inputs")
    if margin <= 0:
        raise ValueError(f"TripletMarginLoss: expected margin to be greater than 0, got {margin} instead")
    return apply(_triplet, (anchor, positive, negative, float(margin), float(eps)),
                 (("p", float(p)), ("swap", bool(swap)), ("reduction", reduction),
                  ("dtype", _float_dt(anchor, positive, negative))), "triplet_margin_loss")


def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *, distance_function=None,
                                      margin: float = 1.0, swap: bool = False, reduction: str = "mean") -> Tensor:
    from .distance import pairwise_distance

    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"TripletMarginWithDistanceLoss: expected margin to be greater than 0, got {margin} instead")
    dist = distance_function if distance_function is not None else pairwise_distance
    d_ap = dist(anchor, positive)
    d_an = dist(anchor, negative)
    if swap:
        from ..._ops.pointwise import FUNCTIONS

        d_an = FUNCTIONS["minimum"](d_an, dist(positive, negative))
    loss = (d_ap - d_an + margin).clamp_min(0)
    return loss.mean() if reduction == "mean" else (loss.sum() if reduction == "sum" else loss)


def _soft_margin(x, y, *, reduction):
    return _reduce(jnp.log1p(jnp.exp(-y * x)), reduction)


def soft_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    input, target = _ac.cast("soft_margin_loss", input, target)
    reduction = _reduction(size_average, reduce, reduction)
    if target.requires_grad and _grad_enabled():
        raise RuntimeError("The function 'soft_margin_loss' is not differentiable with respect to argument 'target'. "
                           "This input cannot have requires_grad True.")
    return apply(_soft_margin, (input, target), (("reduction", reduction),), "soft_margin_loss")


def _multilabel_soft_margin(x, y, w, *, reduction):
    loss = -(y * jax.nn.log_sigmoid(x) + (1 - y) * jax.nn.log_sigmoid(-x))
    if w is not None:
        loss = loss * w
    loss = jnp.sum(loss, axis=x.ndim - 1) / x.shape[-1]
    return _reduce(loss, reduction)


def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                                reduce=None, reduction: str = "mean") -> Tensor:
    reduction = _reduction(size_average, reduce, reduction)
    return apply(_multilabel_soft_margin, (input, target, weight), (("reduction", reduction),),
                 "multilabel_soft_margin_loss")


def _hinge_embedding(x, y, margin, *, reduction):
    zeros = jnp.zeros_like(x)
    loss = jnp.where(y != 1, jnp.maximum(margin - x, 0), zeros) + jnp.where(y != -1, x, zeros)
    return _reduce(loss, reduction)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0, size_average=None, reduce=None,
                         reduction: str = "mean") -> Tensor:
    input, target = _ac.cast("hinge_embedding_loss", input, target)
    reduction = _reduction(size_average, reduce, reduction)
    return apply(_hinge_embedding, (input, target, float(margin)), (("reduction", reduction),),
                 "hinge_embedding_loss")


def _multi_margin(x, y, w, margin, *, p, reduction):
    x2 = x if x.ndim == 2 else x.reshape(1, -1)  # 0-d and 1-d inputs are one sample
    y2 = y.reshape(-1)
    xy = jnp.take_along_axis(x2, y2[:, None], axis=1)
    z = jnp.maximum(margin - xy + x2, 0)
    if p == 2:
        z = z * z
    if w is not None:
        z = z * jnp.take(w, y2)[:, None]
    not_target = jnp.arange(x2.shape[1])[None, :] != y2[:, None]
    loss = jnp.sum(jnp.where(not_target, z, jnp.zeros((), z.dtype)), axis=1) / x2.shape[1]
    if x.ndim < 2:
        loss = loss.reshape(())
    return _reduce(loss, reduction)


def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0, weight: Tensor | None = None,
                      size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    input, target, weight = _ac.cast("multi_margin_loss", input, target, weight)
    reduction = _reduction(size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.ndim != 1:
        raise ValueError("weight must be one-dimensional")
    n_classes = input.shape[-1] if input.ndim else 1
    a = _concrete(target)
    if a is not None and a.size and ((a < 0) | (a >= n_classes)).any():
        raise RuntimeError("target out of range")
    return apply(_multi_margin, (input, target, weight, float(margin)), (("p", int(p)), ("reduction", reduction)),
                 "multi_margin_loss")


def _multilabel_margin(x, y, *, reduction):
    x2 = x if x.ndim == 2 else x.reshape(1, -1)  # 0-d and 1-d inputs are one sample
    y2 = y if y.ndim == 2 else y.reshape(1, -1)
    n, c = x2.shape
    # targets are valid up to the first -1
    valid = jnp.cumprod((y2 >= 0).astype(jnp.int32), axis=1).astype(bool)
    safe_y = jnp.where(valid, y2, 0)
    is_target = jnp.zeros((n, c), bool).at[jnp.arange(n)[:, None], safe_y].max(valid)
    xy = jnp.take_along_axis(x2, safe_y, axis=1)  # (n, c): score of each listed target
    z = jnp.maximum(1 - (xy[:, :, None] - x2[:, None, :]), 0)  # (n, target j, class i)
    mask = valid[:, :, None] & ~is_target[:, None, :]
    loss = jnp.sum(jnp.where(mask, z, jnp.zeros((), z.dtype)), axis=(1, 2)) / c
    if x.ndim < 2:
        loss = loss.reshape(())
    return _reduce(loss, reduction)


def multilabel_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                           reduction: str = "mean") -> Tensor:
    input, target = _ac.cast("multilabel_margin_loss", input, target)
    reduction = _reduction(size_average, reduce, reduction)
    return apply(_multilabel_margin, (input, target), (("reduction", reduction),), "multilabel_margin_loss")


# ----------------------------------------------------------------------------- CTC
def _logsumexp3(a, b, c):
    # log(e^a + e^b + e^c) with finite gradients when some or all terms are -inf (jnp.logaddexp gives nan)
    m = jnp.maximum(jnp.maximum(a, b), c)
    ms = jnp.where(jnp.isfinite(m), m, 0.0)
    s = jnp.exp(a - ms) + jnp.exp(b - ms) + jnp.exp(c - ms)
    ok = s > 0
    return jnp.where(ok, ms + jnp.log(jnp.where(ok, s, 1.0)), -jnp.inf)


def _ctc(lp, targets, in_len, tgt_len, *, blank, reduction, zero_infinity, concat, max_s):
    unbatched = lp.ndim == 2
    if unbatched:
        lp = lp[:, None, :]
    t_max, n, _ = lp.shape
    in_len = jnp.broadcast_to(in_len, (n,))
    tgt_len = jnp.broadcast_to(tgt_len, (n,))
    if concat:  # 1-D concatenated targets: gather each sample's slice
        starts = jnp.cumsum(tgt_len) - tgt_len
        pos = starts[:, None] + jnp.arange(max_s)[None, :]
        tg = jnp.take(targets, jnp.clip(pos, 0, max(targets.shape[0] - 1, 0)), axis=0) if targets.shape[0] else \
            jnp.zeros((n, max_s), jnp.int64)
    else:
        tg = targets.reshape(n, -1)[:, :max_s] if targets.ndim else targets.reshape(1, -1)
        if tg.shape[1] < max_s:
            tg = jnp.pad(tg, ((0, 0), (0, max_s - tg.shape[1])))
    tg = jnp.where(jnp.arange(max_s)[None, :] < tgt_len[:, None], tg, blank)
    length = 2 * max_s + 1
    ext = jnp.full((n, length), blank, tg.dtype).at[:, 1::2].set(tg)  # blank, l1, blank, l2, ..., blank
    ext_len = 2 * tgt_len + 1
    neg_inf = jnp.asarray(-jnp.inf, lp.dtype)
    prev2 = jnp.concatenate([jnp.full((n, 2), -1, ext.dtype), ext[:, :-2]], axis=1)
    can_skip = (ext != blank) & (ext != prev2)
    s_idx = jnp.arange(length)[None, :]
    emit = jnp.take_along_axis(lp, jnp.broadcast_to(ext[None], (t_max, n, length)), axis=2)  # (T, n, L)
    alpha0 = jnp.where(s_idx < jnp.minimum(2, ext_len[:, None]), emit[0], neg_inf)

    def step(alpha, inp):
        e, t = inp
        a1 = jnp.concatenate([jnp.full((n, 1), neg_inf), alpha[:, :-1]], axis=1)
        a2 = jnp.concatenate([jnp.full((n, 2), neg_inf), alpha[:, :-2]], axis=1)
        a2 = jnp.where(can_skip, a2, neg_inf)
        new = _logsumexp3(alpha, a1, a2) + e
        new = jnp.where(s_idx < ext_len[:, None], new, neg_inf)
        new = jnp.where((t < in_len)[:, None], new, alpha)  # frozen after the input ends
        return new, None

    alpha, _ = lax.scan(step, alpha0, (emit[1:], jnp.arange(1, t_max)))
    last = jnp.take_along_axis(alpha, (ext_len - 1)[:, None], axis=1)[:, 0]
    last2 = jnp.take_along_axis(alpha, jnp.maximum(ext_len - 2, 0)[:, None], axis=1)[:, 0]
    last2 = jnp.where(ext_len >= 2, last2, neg_inf)
    nll = -_logsumexp3(last, last2, jnp.full_like(last, -jnp.inf))
    # torch's gradient w.r.t. log_probs carries an extra exp(log_probs) term for t < input_length (it folds in
    # the log_softmax Jacobian); add it with a value-free term so gradients match torch exactly
    tmask = (jnp.arange(t_max)[:, None] < in_len[None, :]).astype(lp.dtype)[..., None]
    extra = jnp.sum(lax.stop_gradient(jnp.exp(lp)) * lp * tmask, axis=(0, 2))
    nll = nll + (extra - lax.stop_gradient(extra))
    if zero_infinity:
        nll = jnp.where(jnp.isinf(lax.stop_gradient(nll)), jnp.zeros((), nll.dtype), nll)
    if reduction == "mean":
        return jnp.mean(nll / jnp.maximum(tgt_len, 1).astype(nll.dtype))
    if reduction == "sum":
        return jnp.sum(nll)
    return nll[0] if unbatched else nll


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths, target_lengths, blank: int = 0,
             reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    """Connectionist temporal classification loss (forward algorithm in log space, scanned over time)."""
    log_probs, = _ac.cast("ctc_loss", log_probs)
    from ..._ops.creation import tensor as _tensor

    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if not isinstance(input_lengths, Tensor):
        input_lengths = _tensor(list(input_lengths) if not isinstance(input_lengths, int) else input_lengths)
    if not isinstance(target_lengths, Tensor):
        target_lengths = _tensor(list(target_lengths) if not isinstance(target_lengths, int) else target_lengths)
    concat = targets.ndim == 1 and log_probs.ndim == 3
    tl = _concrete(target_lengths)
    if tl is not None:
        max_s = int(tl.max()) if tl.size else 0
    else:
        max_s = int(targets.shape[-1]) if not concat else int(targets.shape[0])
    if not concat and targets.ndim >= 1:
        max_s = min(max_s, int(targets.shape[-1])) if tl is not None else int(targets.shape[-1])
    return apply(_ctc, (log_probs, targets, input_lengths, target_lengths),
                 (("blank", int(blank)), ("reduction", reduction), ("zero_infinity", bool(zero_infinity)),
                  ("concat", concat), ("max_s", max_s)), "ctc_loss")


# ----------------------------------------------------------------------------- linear + cross entropy
_ACC_POLICIES = ("auto", "accurate", "balanced", "compact")


@dataclasses.dataclass(frozen=True)
class LinearCrossEntropyOptions:
    """Opt-in to the chunked (memory-light) path of :func:`linear_cross_entropy` (torch's fields and checks).

    Honoured: ``batch_chunk_size`` / ``chunking_method`` (rows per chunk) and ``acc_dtype`` (the dtype the
    logits are computed in). ``acc_policy`` only picks buffer layouts in torch's kernels; here XLA lays out
    buffers, so every policy computes the same way in ``acc_dtype``. ``allow_retain_graph``: our chunked
    path recomputes in backward and never consumes buffers, so a second backward always works.
    """

    allow_retain_graph: bool = False
    batch_chunk_size: int | None = None
    chunking_method: str | None = "auto"
    acc_policy: str = "auto"
    acc_dtype: object = None

    def __post_init__(self):
        if self.acc_policy not in _ACC_POLICIES:
            raise ValueError(f"invalid acc_policy: {self.acc_policy!r}")
        if self.chunking_method is not None and self.chunking_method != "auto":
            kind, sep, factor = self.chunking_method.partition(":")
            factor = factor if sep else "1"
            if kind != "aspect_ratio" or not factor.isdigit() or int(factor) <= 0:
                raise ValueError(f"invalid chunking_method: {self.chunking_method!r}")
        bcs = self.batch_chunk_size
        if bcs is not None and (isinstance(bcs, bool) or not isinstance(bcs, int) or bcs <= 0):
            raise ValueError(f"batch_chunk_size must be positive int or None, got {bcs!r}")
        if self.acc_dtype is not None and self.acc_dtype not in (_dt.float16, _dt.bfloat16, _dt.float32,
                                                                 _dt.float64):
            raise ValueError(f"acc_dtype must be one of {{None, torch.float16, torch.bfloat16, torch.float32, "
                             f"torch.float64}}, got {self.acc_dtype!r}. Pass acc_dtype=None to let the op pick "
                             "automatically.")

    def _resolve(self, rows: int, in_features: int, num_classes: int, dtype,
                 device_type: str = "cpu") -> tuple[int, np.dtype]:
        """(rows per chunk, accumulation numpy dtype) for one call, with torch's 'auto' picks."""
        low = dtype in (_dt.float16, _dt.bfloat16)
        method = self.chunking_method
        if method == "auto":
            # an explicit size wins over the automatic heuristic (torch's rule); torch's per-device pick is
            # "aspect_ratio" for half-precision CPU input, "aspect_ratio:2" otherwise
            auto_method = "aspect_ratio" if (low and device_type == "cpu") else "aspect_ratio:2"
            method = None if self.batch_chunk_size is not None else auto_method
        chunk = rows if self.batch_chunk_size is None else min(self.batch_chunk_size, rows)
        if method is not None:
            factor = method.partition(":")[2]
            # chunk logits (chunk, C) about as big as the input (rows, in_features), divided by the factor
            per_row = -(-num_classes // max(in_features, 1))
            want = -(-rows // per_row)
            auto = min((1 << max(want - 1, 0).bit_length()) // int(factor or 1), rows)
            if self.batch_chunk_size is not None and self.batch_chunk_size != auto:
                raise ValueError(f"batch_chunk_size (={self.batch_chunk_size}) and chunking_method ('{method}') give "
                                 f"different chunk sizes ({self.batch_chunk_size} vs {auto}); pass only one.")
            chunk = auto
        acc = self.acc_dtype
        if acc is None:
            acc = _dt.float32 if (low and self.acc_policy == "auto") else dtype
        if acc != dtype and not (low and acc == _dt.float32):
            raise RuntimeError(f"linear_cross_entropy supports float32 acc_dtype with float16/bfloat16 inputs, but "
                               f"got {acc} acc_dtype and {dtype} inputs.")
        return max(1, chunk), acc.np


def _chunk_rows_loss(xc, tc, w, b, cw, *, ignore_index, acc):
    """Per-row weighted nll of one chunk of rows, and the rows' class weights (0 where ignored)."""
    logits = lax.dot_general(xc.astype(acc), w.astype(acc), (((1,), (1,)), ((), ())))
    if b is not None:
        logits = logits + b.astype(acc)
    valid = tc != ignore_index
    safe_t = jnp.where(valid, tc, 0)
    lse = jax.nn.logsumexp(logits, axis=-1)
    picked = jnp.take_along_axis(logits, safe_t[:, None], axis=-1)[:, 0]
    w_t = jnp.ones(tc.shape, acc) if cw is None else jnp.take(cw.astype(acc), safe_t)
    w_t = jnp.where(valid, w_t, jnp.zeros((), acc))
    return (lse - picked) * w_t, w_t


def _chunked_linear_ce(x, w, t, b, cw, *, chunk, ignore_index, reduction, acc, out_dtype):
    """Cross entropy of x @ w.T + b over chunks of rows: backward recomputes each chunk's logits
    (jax.checkpoint inside lax.scan), so only (chunk, C) logits are ever alive, never (N, C)."""
    rows = x.shape[0]
    n_chunks = -(-rows // chunk)
    pad = n_chunks * chunk - rows
    # padded rows carry the ignore index, so they add nothing to the loss, the weights or any gradient
    xp = jnp.pad(x, ((0, pad), (0, 0))).reshape(n_chunks, chunk, x.shape[1])
    tp = jnp.pad(t, (0, pad), constant_values=ignore_index).reshape(n_chunks, chunk)
    body = jax.checkpoint(lambda xc, tc: _chunk_rows_loss(xc, tc, w, b, cw, ignore_index=ignore_index, acc=acc),
                          prevent_cse=False)
    _, (loss, w_t) = lax.scan(lambda carry, xt: (carry, body(*xt)), None, (xp, tp))
    loss, w_t = loss.reshape(-1)[:rows], w_t.reshape(-1)[:rows]
    if reduction == "mean":
        out = jnp.sum(loss) / jnp.sum(w_t)
    elif reduction == "sum":
        out = jnp.sum(loss)
    else:
        out = loss
    return out.astype(out_dtype)


def _ignore_options_warning(reduction, label_smoothing, target, out_features, linear_bias) -> None:
    bias_shape = tuple(linear_bias.shape) if linear_bias is not None else None
    warnings.warn("linear_cross_entropy: ``options`` ignored; chunked path needs reduction in {'mean','sum','none'}, "
                  "label_smoothing == 0, target.dtype == int64, out_features == (). Got "
                  f"reduction={reduction!r}, label_smoothing={label_smoothing}, target.dtype={target.dtype}, "
                  f"out_features={tuple(out_features)}, tracing=False, linear_bias.shape={bias_shape}.", stacklevel=3)


def linear_cross_entropy(input: Tensor, linear_weight: Tensor, target: Tensor, *, linear_bias: Tensor | None = None,
                         weight: Tensor | None = None, reduction: str = "mean", ignore_index: int | None = None,
                         label_smoothing: float = 0.0,
                         options: LinearCrossEntropyOptions | None = None) -> Tensor:
    """cross_entropy(linear(input, linear_weight, linear_bias), target, ...); with ``options`` the loss is
    computed in chunks of rows so the full (N, C) logits are never kept for backward."""
    from .linear import linear

    if input.ndim < 1 or input.ndim > 2:
        raise RuntimeError(f"expected input with dimensionality 1 or 2, got {input.ndim}")
    if linear_weight.ndim < 2:
        raise RuntimeError(f"expected linear_weight with dimensionality at least 2, got {linear_weight.ndim}")
    batch = tuple(input.shape[:-1])
    in_features = input.shape[-1]
    if in_features != linear_weight.shape[-1]:
        raise RuntimeError("expected equal input and linear_weight last dimensions (in_features), "
                           f"got {in_features} and {linear_weight.shape[-1]}, respectively")
    num_classes = linear_weight.shape[0]
    out_features = tuple(linear_weight.shape[1:-1])
    if linear_bias is not None and tuple(linear_bias.shape) != (num_classes, *out_features):
        raise RuntimeError(f"expected linear_bias shape {(num_classes, *out_features)}, got "
                           f"{tuple(linear_bias.shape)}")
    if out_features and not batch:
        raise RuntimeError(f"K-dimensional loss defined by linear_weight shape {tuple(linear_weight.shape)} requires"
                           f" batched input, (N, {in_features}), got unbatched input with shape {tuple(input.shape)}")
    logits_shape = (*batch, num_classes, *out_features)
    prob_target = tuple(target.shape) == logits_shape
    if prob_target and ignore_index is not None:
        raise RuntimeError("ignore_index cannot be specified when target contains probabilities")
    # torch's None default means -100 for class indices (cross_entropy's default)
    ignore_index = -100 if ignore_index is None else ignore_index
    chunkable = (not out_features and reduction in _REDUCTIONS and label_smoothing == 0.0
                 and target.dtype == _dt.int64)
    if options is not None and not chunkable:
        _ignore_options_warning(reduction, label_smoothing, target, out_features, linear_bias)
    if options is None or not chunkable:
        w2, b2 = linear_weight, linear_bias
        if out_features:
            w2 = linear_weight.reshape(math.prod(out_features) * num_classes, in_features)
            b2 = None if linear_bias is None else linear_bias.reshape(-1)
        logits = linear(input, w2, b2).reshape(logits_shape)
        return cross_entropy(logits, target, weight=weight, reduction=reduction, ignore_index=ignore_index,
                             label_smoothing=label_smoothing)
    return _chunked_path(input, linear_weight, target, linear_bias, weight, reduction, int(ignore_index), options)


def _chunked_path(input, linear_weight, target, linear_bias, weight, reduction, ignore_index, options):
    import types

    batched = input.ndim == 2
    rows = input.shape[0] if batched else 1
    num_classes = linear_weight.shape[0]
    # the target/weight checks cross_entropy makes on logits of this shape: the reference path's errors
    # (torch's chunked kernels fail inside narrow/gather here, or silently accept an over-long target)
    logits_like = types.SimpleNamespace(ndim=input.ndim, shape=(*input.shape[:-1], num_classes))
    _check_class_args(logits_like, target, weight, ignore_index, False)
    if input.dtype != linear_weight.dtype:
        from .linear import _cname

        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {_cname(input)} != "
                           f"{_cname(linear_weight)}")
    chunk, acc = options._resolve(rows, input.shape[-1], num_classes, input.dtype, input.device.type)
    x2 = input if batched else input.reshape(1, -1)
    t2 = target.reshape(-1)
    out = apply(_chunked_linear_ce, (x2, linear_weight, t2, linear_bias, weight),
                (("chunk", chunk), ("ignore_index", ignore_index), ("reduction", reduction), ("acc", np.dtype(acc)),
                 ("out_dtype", input.dtype.np)), "linear_cross_entropy")
    return out if batched or reduction != "none" else out.reshape(())
