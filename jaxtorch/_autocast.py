"""Autocast state and op lists (the machinery behind `torch.autocast`).

The state is thread-local Python state, one (enabled, dtype) pair per device type, as in torch. Op
frontends that torch's autocast lists name call `cast(op_name, *args)` first; it returns the
arguments unchanged unless autocast is enabled for the device type of the op's first tensor, and
then casts the eligible ones (floating point, not float64) per the op's policy:

  * ``lower``: to the autocast dtype (bfloat16 / float16): matrix products, convolutions, attention;
  * ``fp32``: to float32: losses, distances and (on accelerators) softmax, norms.

Because the state is read while an op runs, a function traced by `torch.compile` inside an autocast
region bakes the casts into its program; the compile guard includes `guard()` so the same compiled
function called with a different autocast state is re-traced instead of reusing the wrong program.

Casts are not cached across ops (torch's `cache_enabled`): in eager mode each op re-casts its
weight (one cheap convert op); under compile XLA merges the duplicate casts.
"""

from __future__ import annotations

import threading

from . import _dtype as _dt

# torch 2.13 CPU lists, checked op by op with real torch (`torch.autocast('cpu')`). Ops not named
# here run in the dtype of their inputs ("fallthrough"): on CPU that includes softmax, layer_norm,
# sum/mean/exp. mv, dot and outer are not listed on CPU either.
_CPU_LOWER = frozenset({
    "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
    "matmul", "mm", "bmm", "addmm", "baddbmm", "addbmm", "linear", "prelu", "einsum", "tensordot",
    "scaled_dot_product_attention", "multi_head_attention_forward", "linalg_vecdot",
})
_CPU_FP32 = frozenset({
    "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "nll_loss", "cross_entropy", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "kl_div", "poisson_nll_loss", "cosine_embedding_loss",
    "hinge_embedding_loss", "margin_ranking_loss", "soft_margin_loss", "triplet_margin_loss", "multi_margin_loss",
    "multilabel_margin_loss", "ctc_loss", "cdist", "prod",
})
# torch's CUDA lists (used for 'cuda' and for 'xla'/'tpu' accelerators). Elementwise ops the CUDA list
# puts in float32 (exp, log, pow, sum, cumsum, ...) are not hooked: they run in their inputs' dtype.
_GPU_LOWER = _CPU_LOWER | {"mv", "addmv", "addr", "chain_matmul", "multi_dot"}
_GPU_FP32 = (_CPU_FP32 - {"binary_cross_entropy"}) | {
    "softmax", "log_softmax", "softmin", "layer_norm", "group_norm", "softplus", "cosine_similarity", "pdist",
}

_LISTS = {"cpu": (_CPU_LOWER, _CPU_FP32)}
_DEFAULT_DTYPE = {"cpu": "bfloat16", "cuda": "float16", "xla": "bfloat16", "tpu": "bfloat16", "mps": "float16"}
SUPPORTED = tuple(_DEFAULT_DTYPE)


class _State(threading.local):
    def __init__(self) -> None:
        self.enabled: dict = {}  # device type -> bool
        self.dtype: dict = {}  # device type -> torch dtype
        self.active = False  # any device type enabled: the fast path of cast()
        self.nesting = 0


state = _State()


def get_dtype(device_type: str):
    d = state.dtype.get(device_type)
    return d if d is not None else getattr(_dt, _DEFAULT_DTYPE.get(device_type, "float16"))


def is_enabled(device_type: str) -> bool:
    return bool(state.enabled.get(device_type, False))


def set_enabled(device_type: str, enabled: bool) -> None:
    state.enabled[device_type] = bool(enabled)
    state.active = any(state.enabled.values())


def set_dtype(device_type: str, dtype) -> None:
    state.dtype[device_type] = dtype


def guard() -> tuple:
    """Hashable summary of the autocast state, for compile's cache key."""
    if not state.active:
        return ()
    return tuple(sorted((k, str(get_dtype(k))) for k, v in state.enabled.items() if v))


def _eligible(t) -> bool:
    d = t.dtype
    return d.is_floating_point and d is not _dt.float64 and not d.is_complex


def cast(name: str, *args):
    """args cast per op `name`'s autocast policy (unchanged when autocast is off for their device)."""
    if not state.active:
        return args
    from ._tensor import Tensor

    first = next((a for a in args if isinstance(a, Tensor)), None)
    if first is None:
        return args
    dev = first.device.type
    if not state.enabled.get(dev, False):
        return args
    lower, fp32 = _LISTS.get(dev, (_GPU_LOWER, _GPU_FP32))
    if name in lower:
        target = get_dtype(dev)
    elif name in fp32:
        target = _dt.float32
    else:
        return args
    return tuple(a.to(target) if isinstance(a, Tensor) and a.dtype is not target and _eligible(a) else a
                 for a in args)


def cast1(name: str, t):
    """cast() for a single tensor."""
    return cast(name, t)[0] if state.active else t
