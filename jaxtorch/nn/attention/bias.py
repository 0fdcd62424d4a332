"""torch.nn.attention.bias: causal attention biases that `F.scaled_dot_product_attention` accepts as attn_mask.

torch routes the call through `CausalBias.__torch_function__`; jaxtorch's scaled_dot_product_attention looks
for a CausalBias mask itself and hands the call to `CausalBias._dispatch`. Upper-left causality (and any
square case) becomes `is_causal=True`; lower-right causality with different lengths becomes a materialised
boolean mask, which is what torch does when its fused CUDA kernels cannot take the call (on CPU always).
"""

from __future__ import annotations

import enum
import warnings

import jaxtorch as _torch

from ..._tensor import Tensor
from .. import functional as F

__all__ = ["causal_upper_left", "causal_lower_right", "CausalVariant", "CausalBias"]


class CausalVariant(enum.IntEnum):
    """Which corner a causal mask is aligned to. UPPER_LEFT: `torch.tril(ones(L, S))` (what `is_causal=True`
    means); LOWER_RIGHT: `torch.tril(ones(L, S), diagonal=S - L)`, the last query sees every key. The two agree
    when L == S."""

    UPPER_LEFT = enum.auto()
    LOWER_RIGHT = enum.auto()


def _validate_sdpa_input(query: Tensor, key: Tensor, value: Tensor) -> None:
    if query.dtype != key.dtype or query.dtype != value.dtype:
        raise ValueError(
            "Expected query, key, and value to have the same dtype, but got query.dtype: "
            f"{query.dtype}, key.dtype: {key.dtype}, and value.dtype: {value.dtype} instead."
        )
    if query.device != key.device or query.device != value.device:
        raise ValueError(
            "Expected query, key, and value to have the same device type, but got query.device: "
            f"{query.device}, key.device: {key.device}, and value.device: {value.device} instead."
        )
    if query.dim() < 2 or key.dim() < 2 or value.dim() < 2:
        raise ValueError(
            "Expected query, key, and value to all be  at least 2 dimensional, but got query.dim: "
            f"{query.dim()}, key.dim: {key.dim()} and value.dim: {value.dim()} instead."
        )


class CausalBias(Tensor):
    """A causal mask (see CausalVariant) that scaled_dot_product_attention applies without materialising it
    when it can. Make one with causal_upper_left / causal_lower_right. As in torch, the object itself is a
    (variant, seq_len_q, seq_len_kv)-shaped placeholder tensor; its repr shows the mask it stands for."""

    def __new__(cls, variant: CausalVariant, seq_len_q: int, seq_len_kv: int):
        if not isinstance(variant, CausalVariant):
            return super().__new__(cls)  # __init__ then raises torch's AssertionError
        return super().__new__(cls, int(variant), seq_len_q, seq_len_kv)

    def __init__(self, variant: CausalVariant, seq_len_q: int, seq_len_kv: int) -> None:
        if not isinstance(variant, CausalVariant):
            raise AssertionError(f"variant must be a CausalVariant, got {type(variant).__name__}")
        self.variant = variant
        self.seq_len_q = seq_len_q
        self.seq_len_kv = seq_len_kv
        if seq_len_q > seq_len_kv and variant == CausalVariant.LOWER_RIGHT:
            warnings.warn(
                "Lower right causal bias will produce NaNs in the output when seq_len_q > seq_len_kv!", stacklevel=2
            )

    def _upper_left(self, device) -> Tensor:
        return _torch.tril(_torch.ones(self.seq_len_q, self.seq_len_kv, device=device, dtype=_torch.bool))

    def _lower_right(self, device) -> Tensor:
        ones = _torch.ones(self.seq_len_q, self.seq_len_kv, device=device, dtype=_torch.bool)
        return _torch.tril(ones, diagonal=self.seq_len_kv - self.seq_len_q)

    def _materialize(self, device=None) -> Tensor:
        """The boolean (seq_len_q, seq_len_kv) mask (True: attend)."""
        if device is None:
            device = _torch.device("cpu")
        if self.variant == CausalVariant.UPPER_LEFT:
            return self._upper_left(device)
        return self._lower_right(device)

    @staticmethod
    def _dispatch(
        query: Tensor,
        key: Tensor,
        value: Tensor,
        attn_mask: CausalBias,
        dropout_p: float = 0.0,
        is_causal: bool = False,
        scale: float | None = None,
        enable_gqa: bool = False,
    ) -> Tensor:
        """scaled_dot_product_attention with this bias as its mask."""
        if is_causal:
            raise ValueError("CausalBias should not be used with causal=True")
        if attn_mask.seq_len_q == attn_mask.seq_len_kv or attn_mask.variant == CausalVariant.UPPER_LEFT:
            return F.scaled_dot_product_attention(
                query,
                key,
                value,
                attn_mask=None,
                dropout_p=dropout_p,
                is_causal=True,
                scale=scale,
                enable_gqa=enable_gqa,
            )
        if attn_mask.variant == CausalVariant.LOWER_RIGHT:
            _validate_sdpa_input(query, key, value)
            from . import _raise_kernel_warnings

            _raise_kernel_warnings()
            return F.scaled_dot_product_attention(
                query,
                key,
                value,
                attn_mask=attn_mask._materialize(query.device),
                dropout_p=dropout_p,
                is_causal=False,
                scale=scale,
                enable_gqa=enable_gqa,
            )
        raise ValueError(f"CausalBias.variant must be a CausalVariant type, but found: {attn_mask.variant}")

    def __repr__(self) -> str:
        return repr(self._materialize())


def causal_upper_left(*size: int) -> CausalBias:
    """The upper-left aligned causal bias of shape (seq_len_q, seq_len_kv): `is_causal=True`'s mask."""
    if len(size) != 2:
        raise AssertionError("causal_upper_left only supports 2D tensors")
    return CausalBias(CausalVariant.UPPER_LEFT, size[0], size[1])


def causal_lower_right(*size: int) -> CausalBias:
    """The lower-right aligned causal bias of shape (seq_len_q, seq_len_kv)."""
    if len(size) != 2:
        raise AssertionError("causal_lower_right only supports 2D tensors")
    return CausalBias(CausalVariant.LOWER_RIGHT, size[0], size[1])
