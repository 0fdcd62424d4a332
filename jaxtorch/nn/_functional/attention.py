"""nn.functional: scaled dot-product attention and multi-head attention, each one fused op.

Masking conventions are torch's: for `scaled_dot_product_attention` a bool mask marks positions that
TAKE PART (True = keep); for multi-head attention `attn_mask` / `key_padding_mask` bools mark positions
that are MASKED OUT (True = ignore). Float masks are added to the scores in both. A query row whose
every score is masked gives zeros from SDPA (torch's CPU kernels do the same) but NaN from the
need_weights path of multi-head attention (a plain softmax, as in torch).
"""

from __future__ import annotations

import math
import warnings

import jax
import jax.numpy as jnp
import numpy as np

from ... import _trace_state as _ts
from ..._ops import _threefry
from ..._ops import _dispatch
from ..._ops._dispatch import apply
from ...autograd import grad_mode as _gm
from ... import _dtype as _dt
from ..._dtype import bool_ as _bool
from ..._tensor import Tensor
from ...random import draw
from ... import _autocast as _ac

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]


def _keep_scaled(key, *, shape, dtype, p):
    keep = _threefry.uniform(key, shape, jnp.float32) >= p
    return keep.astype(dtype) * (1.0 / (1.0 - p)) if p < 1 else jnp.zeros(shape, dtype)


def _dropout_mask(shape: tuple, dtype, p: float) -> Tensor:
    return draw(None, _keep_scaled, (), (("shape", tuple(shape)), ("dtype", dtype), ("p", float(p))), "attn_dropout")


def _masked_softmax(scores, zero_empty_rows: bool):
    if not zero_empty_rows:
        return jax.nn.softmax(scores, axis=-1)
    m = jnp.max(scores, axis=-1, keepdims=True)
    m = jnp.where(jnp.isfinite(m), m, 0)  # all -inf row: exp gives 0 everywhere instead of NaN
    e = jnp.exp(scores - jax.lax.stop_gradient(m))
    s = jnp.sum(e, axis=-1, keepdims=True)
    return e / jnp.where(s == 0, 1, s)


def _as_additive(mask, dtype, masked_value_is_true: bool):
    """Bool mask -> 0 / -inf in `dtype`; float masks pass through (cast)."""
    if mask is None:
        return None
    if mask.dtype == jnp.bool_:
        drop = mask if masked_value_is_true else ~mask
        return jnp.where(drop, -jnp.inf, 0).astype(dtype)
    return mask.astype(dtype)


def _fused_impl(query, key, mask, dropout_p: float, causal: bool) -> str | None:
    """'cudnn' when scaled_dot_product_attention may run as cuDNN's fused attention (see
    jaxtorch/backends/cuda.py: opt-in, NVIDIA GPU, half precision, no explicit mask, no dropout, 4-D
    (batch, heads, seq, head_dim) with head_dim a multiple of 8 up to 128, equal lengths when causal);
    None for XLA's own lowering."""
    from ...backends import cuda as _cuda

    if not _cuda.cudnn_sdp_enabled() or mask is not None or dropout_p > 0 or query.dim() != 4 or key.dim() != 4:
        return None
    if query.dtype not in (_dt.float16, _dt.bfloat16) or jax.default_backend() != "gpu":
        return None
    e, L, S = query.shape[-1], query.shape[-2], key.shape[-2]
    if e % 8 or e > 128 or (causal and L != S):
        return None
    return "cudnn"


_NO_VIABLE_BACKEND = ("No viable backend for scaled_dot_product_attention was found. This is likely due to turning "
                      "off both the math kernel and the fused kernels.")
_CPP_TYPE_NAMES = {"int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
                   "uint8": "unsigned char", "bool": "bool", "complex64": "c10::complex<float>",
                   "complex128": "c10::complex<double>"}


def _cpu_flash_refusal(query, key, value, attn_mask, dropout_p, enable_gqa) -> str | None:
    """Why torch's CPU flash-attention kernel would refuse this call ('' when it says no reason); None when it
    takes it. The checks and their order are torch's (sdp_utils_cpp)."""
    sizes = [list(t.shape) for t in (query, key, value)]
    if dropout_p > 0.0:
        return "Both fused kernels do not support non-zero dropout."
    if not query.dim() == key.dim() == value.dim() == 4:
        return (f"All fused kernels requires query, key and value to be 4 dimensional, but got Query dim: "
                f"{query.dim()}, Key dim: {key.dim()}, Value dim: {value.dim()} instead.")
    if not query.shape[0] == key.shape[0] == value.shape[0]:
        return (f"For dense inputs, both fused kernels require query, key and value to have the same batch_size. "
                f"Query.sizes(): {sizes[0]}, Key.sizes(): {sizes[1]}, Value.sizes(): {sizes[2]} instead. To "
                "broadcast dense inputs, try using unsqueeze and expand_to before passing them into the kernel.")
    hq, hk, hv = query.shape[1], key.shape[1], value.shape[1]
    if enable_gqa:
        if hk != hv:
            return (f"Both fused kernels require key and value to have the same num_heads and batch_size but got: "
                    f"Key sizes: {sizes[1]}, Value sizes: {sizes[2]}, Query sizes: {sizes[0]} instead.")
        if hq % hk:
            return (f"The number of heads in key/value must divide number of heads in query.Got input Key sizes(): "
                    f"{hk}, Value sizes(): {hv}, Query sizes(): {hq} instead.")
    elif not hq == hk == hv:
        return (f"For dense input, both fused kernels require query, key and value to have the same num_heads. "
                f"Query.sizes(): {sizes[0]}, Key sizes(): {sizes[1]}, Value sizes(): {sizes[2]} instead. To "
                "broadcast dense inputs, try using unsqueeze and expand_to before passing them into the kernel.")
    if attn_mask is not None:
        if attn_mask.dim() < 2:
            raise IndexError("Dimension out of range (expected to be in range of [-1, 0], but got -2)"
                             if attn_mask.dim() == 1 else "Dimension specified as -2 but tensor has no dimensions")
        fits = lambda m, n: m == n or m == 1  # noqa: E731
        if attn_mask.requires_grad or not fits(attn_mask.shape[-2], query.shape[2]) or \
                not fits(attn_mask.shape[-1], key.shape[2]):
            return ""  # refused without a reason, as in torch
        if not (attn_mask.dim() == 2 or (attn_mask.dim() == 4 and fits(attn_mask.shape[0], query.shape[0])
                                         and fits(attn_mask.shape[1], hq))):
            return ("Please use the following attn mask shapes: 2d - ({Q_seq_len, 1}  x {KV_seq_len, 1}); 4d - "
                    "({Batch, 1} x {Num_heads, 1} x {Q_seq_len, 1}  x {KV_seq_len, 1})")
    if not query.shape[-1] == key.shape[-1] == value.shape[-1]:
        return (f"Flash attention requires q,k,v to have the same last dimension. Got Query.size(-1): "
                f"{query.shape[-1]}, Key.size(-1): {key.shape[-1]}, Value.size(-1): {value.shape[-1]} instead.")
    if query.shape[2] == 0 or key.shape[2] == 0:
        return "All fused kernels do not support zero seq_len_q or seq_len_kv."
    strides = [t.stride(-1) for t in (query, key, value)]
    if strides != [1, 1, 1]:
        msg = (f"All fused kernels require the last dimension of the input to have stride 1. Got Query.stride(-1): "
               f"{strides[0]}, Key.stride(-1): {strides[1]}, Value.stride(-1): {strides[2]}")
        if attn_mask is not None:
            msg += (f", Attn_mask.stride(-1): {attn_mask.stride(-1)} (GPU backends require attn_mask's last dimension "
                    "to have stride 1 while the CPU does not).")
        return msg
    if any(not t.dtype.is_floating_point or t.dtype.is_complex for t in (query, key, value)):
        names = [_CPP_TYPE_NAMES.get(str(t._value().dtype), str(t._value().dtype)) for t in (query, key, value)]
        return ("Expected query, key and value to all be of dtype: {Float, Double, BFloat16, Half}. Got Query dtype: "
                f"{names[0]}, Key dtype: {names[1]}, and Value dtype: {names[2]} instead.")
    return None


def _check_sdp_backends(query, key, value, attn_mask, dropout_p, enable_gqa, fused) -> None:
    """Raise as torch does when the enabled SDPA backends (torch.backends.cuda switches, torch.nn.attention
    .sdpa_kernel) leave no kernel for this call. XLA's lowering computes every kernel jaxtorch admits: on CPU
    torch's math and flash kernels (flash under torch's CPU constraints); on an accelerator the math, flash and
    memory-efficient ones, besides cuDNN's fused attention (`fused`)."""
    from ...backends import cuda as _cuda

    if _cuda.math_sdp_enabled() or fused is not None:
        return
    if query.shape[-2] == 0 or key.shape[-2] == 0 or 0 in tuple(query.shape[:-2]) or value.shape[-1] == 0:
        return  # torch returns empty or zero outputs before choosing a kernel
    if query.device.type == "cpu":
        if not _cuda.flash_sdp_enabled():
            raise RuntimeError(_NO_VIABLE_BACKEND)
        reason = _cpu_flash_refusal(query, key, value, attn_mask, dropout_p, enable_gqa)
        if reason is None:
            return
        warnings.warn("Flash attention kernel not used because:", stacklevel=3)
        if reason:
            warnings.warn(reason, stacklevel=3)
        raise RuntimeError("No available kernel.  Aborting execution.")
    if _cuda.flash_sdp_enabled() or _cuda.mem_efficient_sdp_enabled():
        return
    if _cuda.cudnn_sdp_enabled():
        raise RuntimeError("No available kernel.  Aborting execution.")
    raise RuntimeError(_NO_VIABLE_BACKEND)


def _mask_broadcast_error(scores: tuple, mask: tuple) -> None:
    """torch's error for a mask that does not broadcast against the (..., L, S) scores."""
    n = max(len(scores), len(mask))
    a, b = (1,) * (n - len(scores)) + scores, (1,) * (n - len(mask)) + mask
    for i in range(n - 1, -1, -1):
        if a[i] != b[i] and a[i] != 1 and b[i] != 1:
            raise RuntimeError(f"The size of tensor a ({a[i]}) must match the size of tensor b ({b[i]}) at "
                               f"non-singleton dimension {i}")


def _sdpa_fused(q, k, v, *, scale, causal, implementation):
    # jax.nn.dot_product_attention takes (batch, seq, heads, head_dim) and repeats grouped k/v heads itself
    t = lambda a: jnp.swapaxes(a, -2, -3)  # noqa: E731
    out = jax.nn.dot_product_attention(t(q), t(k), t(v), scale=scale, is_causal=causal,
                                       implementation=implementation)
    return t(out)


def _sdpa_impl(q, k, v, mask, keep, *, scale, causal, gqa, fused=None):
    if fused is not None:
        return _sdpa_fused(q, k, v, scale=scale, causal=causal, implementation=fused)
    if gqa:  # key and value may have different numbers of heads, each dividing the query's (as in torch)
        if k.shape[-3] != q.shape[-3]:
            k = jnp.repeat(k, q.shape[-3] // k.shape[-3], axis=-3)
        if v.shape[-3] != q.shape[-3]:
            v = jnp.repeat(v, q.shape[-3] // v.shape[-3], axis=-3)
    scores = jnp.matmul(q, jnp.swapaxes(k, -1, -2)) * jnp.asarray(scale, q.dtype)
    L, S = q.shape[-2], k.shape[-2]
    if causal:
        scores = jnp.where(jnp.tril(jnp.ones((L, S), jnp.bool_)), scores, -jnp.inf)
    if mask is not None:
        scores = scores + _as_additive(mask, q.dtype, False)
    w = _masked_softmax(scores, True)
    if keep is not None:
        w = w * keep
    return jnp.matmul(w, v)


_KV_BUCKET_MIN = 16
_KV_BUCKET_MAX_BYTES = 64 << 20  # key + value + mask copied on the host; beyond this every length compiles


def _kv_bucket(n: int) -> int:
    """The key length an eager attention call is padded to: the smallest of 16, 24, 32, 48, 64, 96, … (2**k or
    1.5 * 2**k) that holds n, so that a sequence growing one position per call (decoding with a KV cache)
    compiles two programs per doubling of its length instead of one per length; at most a third is padding."""
    if n <= _KV_BUCKET_MIN:
        return _KV_BUCKET_MIN
    p = 1 << (n - 1).bit_length()
    return p * 3 // 4 if p * 3 // 4 >= n else p


def _pad_kv(k, v, mask, *, s_pad):
    """key and value zero-padded to s_pad positions, with a mask that keeps the padding out of every row: the
    caller's bool mask padded with False, a float mask with -inf, no mask a (s_pad,) keep vector."""
    S = k.shape[-2]
    k = np.pad(k, [(0, 0)] * (k.ndim - 2) + [(0, s_pad - S), (0, 0)])
    v = np.pad(v, [(0, 0)] * (v.ndim - 2) + [(0, s_pad - S), (0, 0)])
    if mask is None:
        return k, v, np.arange(s_pad) < S
    if mask.shape[-1] != S:  # 1, broadcast over the keys
        mask = np.broadcast_to(mask, mask.shape[:-1] + (S,))
    fill = False if mask.dtype == np.bool_ else -np.inf
    return k, v, np.pad(mask, [(0, 0)] * (mask.ndim - 1) + [(0, s_pad - S)], constant_values=fill)


def _bucketed_kv(key: Tensor, value: Tensor, attn_mask: Tensor | None):
    """(key, value, mask) padded along the key length to `_kv_bucket`, or None to run as given.

    Eager calls only, outside autograd recording and without dropout (the caller checks that), on CPU tensors
    the host can pad: XLA compiles a program per shape, so a decoding loop whose key length grows by one each
    token would otherwise compile one attention program per token. Padded keys get a masked-out score (weight
    exactly 0), so the result is the unpadded one up to the summation order of the softmax and the product."""
    if _ts.observer is not None:
        return None
    S = key.shape[-2] if key.dim() >= 2 else 0
    if S == 0 or value.dim() < 2 or value.shape[-2] != S:  # (a length already a bucket size is still given the
        # keep mask, so that it shares the bucket's program)
        return None
    if attn_mask is not None and (attn_mask.dim() == 0 or attn_mask.shape[-1] not in (1, S)):
        return None
    args = (key, value, attn_mask)
    if _gm.state.enabled and any(t is not None and t.requires_grad for t in args):
        return None
    vals = tuple(None if t is None else t._value() for t in args)
    if _dispatch._tracing(vals) or any(v is not None and not isinstance(v, jax.Array) for v in vals):
        return None
    out = _dispatch._on_host(_pad_kv, (("s_pad", _kv_bucket(S)),), vals, _KV_BUCKET_MAX_BYTES)
    return None if out is None else tuple(Tensor._make(o) for o in out)


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None = None,
                                 dropout_p: float = 0.0, is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(Q K^T * scale + mask) V over the last two dims; (..., L, E) x (..., S, E) x (..., S, Ev)."""
    if attn_mask is not None and type(attn_mask) is not Tensor:
        from ..attention.bias import CausalBias  # torch reaches it through CausalBias.__torch_function__

        if isinstance(attn_mask, CausalBias):
            return CausalBias._dispatch(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa)
    query, key, value, attn_mask = _ac.cast("scaled_dot_product_attention", query, key, value, attn_mask)
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True")
    if query.dtype != key.dtype or query.dtype != value.dtype:
        raise RuntimeError("Expected query, key, and value to have the same dtype, but got query.dtype: "
                           f"{query.dtype} key.dtype: {key.dtype} and value.dtype: {value.dtype} instead.")
    if attn_mask is not None and attn_mask.dtype.is_floating_point is False and attn_mask.dtype is not _bool:
        raise RuntimeError(f"Expected attn_mask dtype to be bool or float or to match query dtype, but got "
                           f"attn_mask.dtype: {attn_mask.dtype} and  query.dtype: {query.dtype} instead.")
    if query.shape[-1] != key.shape[-1]:
        raise RuntimeError(f"Expected query and key to have the same last dimension, got {query.shape[-1]} and "
                           f"{key.shape[-1]}")
    if enable_gqa and query.dim() >= 3 and query.shape[-3] % key.shape[-3] != 0:
        raise RuntimeError("Number of heads in key and value must divide the number of heads in query")
    fused = _fused_impl(query, key, attn_mask, dropout_p, bool(is_causal))
    _check_sdp_backends(query, key, value, attn_mask, dropout_p, enable_gqa, fused)
    if attn_mask is not None:
        _mask_broadcast_error(tuple(query.shape[:-1]) + (key.shape[-2],), tuple(attn_mask.shape))
    s = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    keep = None
    if dropout_p > 0:
        batch = tuple(jnp.broadcast_shapes(tuple(query.shape[:-2]), tuple(key.shape[:-2])))
        keep = _dropout_mask(batch + (query.shape[-2], key.shape[-2]), query._value().dtype, dropout_p)
    static = (("scale", s), ("causal", bool(is_causal)), ("gqa", bool(enable_gqa)))
    if fused is not None and (enable_gqa or key.shape[-3] == query.shape[-3]) and value.shape[-3] == key.shape[-3]:
        static += (("fused", fused),)
    elif keep is None and not (_gm.state.enabled and query.requires_grad):
        padded = _bucketed_kv(key, value, attn_mask)
        if padded is not None:
            key, value, attn_mask = padded
    return apply(_sdpa_impl, (query, key, value, attn_mask, keep), static, "scaled_dot_product_attention")


def _mha_impl(query, key, value, w_in, w_q, w_k, w_v, b_in, bias_k, bias_v, w_out, b_out, attn_mask, kpm, keep, *,
              num_heads, add_zero_attn, need_weights, average, causal):
    """Inputs time-major (L, N, E); returns out (L, N, E), plus the weights when need_weights."""
    L, N, E = query.shape
    hd = E // num_heads
    if w_in is not None:
        w_q, w_k, w_v = jnp.split(w_in, 3, axis=0)
    b_q = b_k = b_v = None
    if b_in is not None:
        b_q, b_k, b_v = jnp.split(b_in, 3, axis=0)

    def proj(x, w, b):
        y = jnp.matmul(x, w.T)
        return y if b is None else y + b

    q, k, v = proj(query, w_q, b_q), proj(key, w_k, b_k), proj(value, w_v, b_v)
    dt = q.dtype
    attn_mask = _as_additive(attn_mask, dt, True)
    kpm = _as_additive(kpm, dt, True)
    if attn_mask is not None and attn_mask.ndim == 2:
        attn_mask = attn_mask[None]

    def pad_last(m):
        return None if m is None else jnp.pad(m, [(0, 0)] * (m.ndim - 1) + [(0, 1)])

    if bias_k is not None:
        k = jnp.concatenate([k, jnp.broadcast_to(bias_k, (1, N, E))], 0)
        v = jnp.concatenate([v, jnp.broadcast_to(bias_v, (1, N, E))], 0)
        attn_mask, kpm = pad_last(attn_mask), pad_last(kpm)
    # (T, N, E) -> (N * heads, T, hd): batch-major heads, as torch lays them out
    q = q.reshape(L, N * num_heads, hd).transpose(1, 0, 2)
    k = k.reshape(k.shape[0], N * num_heads, hd).transpose(1, 0, 2)
    v = v.reshape(v.shape[0], N * num_heads, hd).transpose(1, 0, 2)
    if add_zero_attn:
        k = jnp.concatenate([k, jnp.zeros((N * num_heads, 1, hd), dt)], 1)
        v = jnp.concatenate([v, jnp.zeros((N * num_heads, 1, hd), dt)], 1)
        attn_mask, kpm = pad_last(attn_mask), pad_last(kpm)
    S = k.shape[1]
    if kpm is not None:
        kpm = jnp.broadcast_to(kpm[:, None, None, :], (N, num_heads, 1, S)).reshape(N * num_heads, 1, S)
        attn_mask = kpm if attn_mask is None else attn_mask + kpm
    scores = jnp.matmul(q * jnp.asarray(math.sqrt(1.0 / hd), dt), jnp.swapaxes(k, 1, 2))
    if causal:
        scores = jnp.where(jnp.tril(jnp.ones((L, S), jnp.bool_)), scores, -jnp.inf)
    if attn_mask is not None:
        scores = scores + attn_mask
    # the need_weights path is a plain softmax in torch; the other goes through SDPA
    w = _masked_softmax(scores, not need_weights)
    if keep is not None:
        w = w * keep
    out = jnp.matmul(w, v).transpose(1, 0, 2).reshape(L, N, E)
    out = proj(out, w_out, b_out)
    if not need_weights:
        return out
    w = w.reshape(N, num_heads, L, S)
    return out, (w.mean(axis=1) if average else w)


def multi_head_attention_forward(query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int, num_heads: int,
                                 in_proj_weight: Tensor | None, in_proj_bias: Tensor | None, bias_k: Tensor | None,
                                 bias_v: Tensor | None, add_zero_attn: bool, dropout_p: float,
                                 out_proj_weight: Tensor, out_proj_bias: Tensor | None, training: bool = True,
                                 key_padding_mask: Tensor | None = None, need_weights: bool = True,
                                 attn_mask: Tensor | None = None, use_separate_proj_weight: bool = False,
                                 q_proj_weight: Tensor | None = None, k_proj_weight: Tensor | None = None,
                                 v_proj_weight: Tensor | None = None, static_k: Tensor | None = None,
                                 static_v: Tensor | None = None, average_attn_weights: bool = True,
                                 is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
    """Multi-head attention on time-major (L, N, E) inputs (or unbatched (L, E))."""
    if static_k is not None or static_v is not None:
        raise NotImplementedError("multi_head_attention_forward: static_k / static_v are not supported in jaxtorch")
    is_batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not is_batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    for name, m in (("key_padding_mask", key_padding_mask), ("attn_mask", attn_mask)):
        if m is not None and m.dtype is not _bool and not m.dtype.is_floating_point:
            raise AssertionError(f"only bool and floating types of {name} are supported")
    if key_padding_mask is not None and attn_mask is not None and \
            (key_padding_mask.dtype is _bool) != (attn_mask.dtype is _bool):
        warnings.warn("Support for mismatched key_padding_mask and attn_mask is deprecated. Use same type for both "
                      "instead.", stacklevel=3)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
                           "method `generate_square_subsequent_mask` to create this mask.")
    causal = False
    if is_causal and key_padding_mask is None and not need_weights:
        # torch hands the hint to SDPA in place of the mask
        attn_mask, causal = None, True
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise AssertionError(f"key's sequence and batch dims {key.shape[:2]} do not match value's "
                                 f"{value.shape[:2]}")
        if q_proj_weight is None or k_proj_weight is None or v_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is True but q_proj_weight is None")
        in_proj_weight = None
    else:
        if tuple(key.shape) != tuple(value.shape):
            raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        q_proj_weight = k_proj_weight = v_proj_weight = None
    if attn_mask is not None:
        if attn_mask.dim() == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but should be "
                                   f"{(tgt_len, src_len)}.")
        elif attn_mask.dim() == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but should be "
                                   f"{(bsz * num_heads, tgt_len, src_len)}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")
    if (bias_k is None) != (bias_v is None):
        raise AssertionError("bias_k is set but bias_v is None" if bias_v is None else
                             "bias_v is set but bias_k is None")
    full_src = src_len + (bias_k is not None) + bool(add_zero_attn)
    if key_padding_mask is not None:
        if key_padding_mask.shape[0] != bsz:
            raise AssertionError(f"Expected key_padded_mask.shape[0] to be {bsz}, but got {key_padding_mask.shape[0]}")
        if key_padding_mask.shape[1] != src_len:
            raise AssertionError(f"Expected key_padded_mask.shape[1] to be {src_len}, but got "
                                 f"{key_padding_mask.shape[1]}")
    keep = None
    if training and dropout_p > 0:
        keep = _dropout_mask((bsz * num_heads, tgt_len, full_src), query._value().dtype, dropout_p)
    static = (("num_heads", num_heads), ("add_zero_attn", bool(add_zero_attn)), ("need_weights", bool(need_weights)),
              ("average", bool(average_attn_weights)), ("causal", causal))
    (query, key, value, in_proj_weight, q_proj_weight, k_proj_weight, v_proj_weight, in_proj_bias, bias_k, bias_v,
     out_proj_weight, out_proj_bias, attn_mask) = _ac.cast(
        "multi_head_attention_forward", query, key, value, in_proj_weight, q_proj_weight, k_proj_weight,
        v_proj_weight, in_proj_bias, bias_k, bias_v, out_proj_weight, out_proj_bias, attn_mask)
    res = apply(_mha_impl, (query, key, value, in_proj_weight, q_proj_weight, k_proj_weight, v_proj_weight,
                                     in_proj_bias, bias_k, bias_v, out_proj_weight, out_proj_bias, attn_mask,
                                key_padding_mask, keep), static, "multi_head_attention_forward")
    out, weights = res if need_weights else (res, None)
    if not is_batched:
        out = out.squeeze(1)
        if weights is not None:
            weights = weights.squeeze(0)
    return out, weights


def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads) -> bool:
    if query.dim() == 3:
        if key.dim() != 3 or value.dim() != 3:
            raise AssertionError("For batched (3-D) `query`, expected `key` and `value` to be 3-D but found "
                                 f"{key.dim()}-D and {value.dim()}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 2:
            raise AssertionError("For batched (3-D) `query`, expected `key_padding_mask` to be `None` or 2-D but "
                                 f"found {key_padding_mask.dim()}-D tensor instead")
        if attn_mask is not None and attn_mask.dim() not in (2, 3):
            raise AssertionError("For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found "
                                 f"{attn_mask.dim()}-D tensor instead")
        return True
    if query.dim() == 2:
        if key.dim() != 2 or value.dim() != 2:
            raise AssertionError("For unbatched (2-D) `query`, expected `key` and `value` to be 2-D but found "
                                 f"{key.dim()}-D and {value.dim()}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 1:
            raise AssertionError("For unbatched (2-D) `query`, expected `key_padding_mask` to be `None` or 1-D but "
                                 f"found {key_padding_mask.dim()}-D tensor instead")
        if attn_mask is not None:
            if attn_mask.dim() not in (2, 3):
                raise AssertionError("For unbatched (2-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but "
                                     f"found {attn_mask.dim()}-D tensor instead")
            if attn_mask.dim() == 3:
                expected = (num_heads, query.shape[0], key.shape[0])
                if tuple(attn_mask.shape) != expected:
                    raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got {attn_mask.shape}")
        return False
    raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received {query.dim()}-D query tensor")
