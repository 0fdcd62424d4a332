"""torch.nn.attention.flex_attention on JAX: attention with a user score modification and a block mask.

How it runs. torch compiles flex_attention into a block-sparse kernel; jaxtorch computes it densely: the
(B, H, Q_LEN, KV_LEN) scores are materialised in float32 (float64 for float64 inputs), `score_mod` and the
BlockMask are applied, and a softmax follows that gives zeros, and a logsumexp of -inf, for a query row with
nothing to attend to. Eagerly that is a few cached ops; under torch.compile / jax.jit it is part of one
XLA program. The logsumexp is in base e, as torch returns it.

score_mod and mask_mod. torch vmaps them over 0-d index tensors. jaxtorch calls each ONCE, on index tensors
that broadcast against each other: b of shape (B, 1, 1, 1), h (1, H, 1, 1), q_idx (1, 1, Q_LEN, 1), kv_idx
(1, 1, 1, KV_LEN) (int32, torch.int, as torch documents them) and the score of shape (B, H, Q_LEN, KV_LEN).
Code made of tensor operations (arithmetic, comparisons, torch.where, indexing a captured tensor as
`table[h, q_idx - kv_idx]`) then computes what torch computes, and gradients reach tensors that score_mod
captures through the ordinary autograd tape. What differs: a captured tensor indexed in a chain
(`table[h][q_idx]`) must be indexed once (`table[h, q_idx]`), and a mod sees tensors, not scalars, so
`.item()` or Python branching on an index fails (it fails under torch's vmap too).

BlockMask semantics are torch's kernels': an element is attended when its block is a full block, or when its
block is a partial block and mask_mod allows it; blocks in neither list are skipped. (torch's eager CPU
fallback instead applies mask_mod to every element and ignores the block lists; the two agree on every mask
create_block_mask makes.) Block-mask batch and head dims of size 1 broadcast, others wrap around as in
torch's kernels.

Where jaxtorch does more than torch on CPU: torch refuses backward ("FlexAttention does not support backward
on CPU") and max_scores there; jaxtorch computes both on every device. `kernel_options` tune torch's Triton
kernels: they are checked as torch checks them and otherwise have no effect. torch's warning about calling
flex_attention without torch.compile is not given: nothing here depends on compiling.
"""

from __future__ import annotations

import enum
import inspect
import itertools
import math
import warnings
from collections.abc import Callable
from typing import Any, Literal, NamedTuple, TypedDict

import jax
import jax.numpy as jnp
import numpy as np

import jaxtorch as _torch

from ... import _autocast as _ac
from ... import _dtype as _dt
from ..._ops._dispatch import apply
from ..._tensor import Tensor

__all__ = [
    "BlockMask",
    "flex_attention",
    "AuxOutput",
    "AuxRequest",
    "FlexKernelOptions",
    "create_block_mask",
    "create_mask",
    "or_masks",
    "and_masks",
    "noop_mask",
]

_score_mod_signature = Callable[[Tensor, Tensor, Tensor, Tensor, Tensor], Tensor]
_mask_mod_signature = Callable[[Tensor, Tensor, Tensor, Tensor], Tensor]

# torch's switch for running the mods uncompiled (to print or break in them). jaxtorch always runs them as
# plain Python, so it is accepted and changes nothing.
_FLEX_ATTENTION_DISABLE_COMPILE_DEBUG = False

_DEFAULT_SPARSE_BLOCK_SIZE = 128
_LARGE_SPARSE_BLOCK_SIZE = 1 << 30
_BACKENDS = ("AUTO", "TRITON", "FLASH", "TRITON_DECODE")
_WARNINGS_SHOWN: set[str] = set()


def _warn_once(warning_id: str, message: str, category: type[Warning] = UserWarning) -> None:
    if warning_id not in _WARNINGS_SHOWN:
        warnings.warn(message, category, stacklevel=3)
        _WARNINGS_SHOWN.add(warning_id)


class FlexKernelOptions(TypedDict, total=False):
    """Tuning options of torch's flex-attention kernels (any may also carry a `fwd_` / `bwd_` prefix). jaxtorch
    checks BACKEND as torch does; the others have no effect on its dense computation."""

    num_warps: int
    num_stages: int
    BLOCK_M: int
    BLOCK_N: int
    BLOCK_M1: int
    BLOCK_N1: int
    BLOCK_M2: int
    BLOCK_N2: int
    PRESCALE_QK: bool
    ROWS_GUARANTEED_SAFE: bool
    BLOCKS_ARE_CONTIGUOUS: bool
    WRITE_DQ: bool
    FORCE_USE_FLEX_ATTENTION: bool
    USE_TMA: bool
    kpack: int
    matrix_instr_nonkdim: int
    waves_per_eu: int
    BACKEND: Literal["AUTO", "TRITON", "FLASH", "TRITON_DECODE"]


class AuxRequest(NamedTuple):
    """Which auxiliary outputs flex_attention should return."""

    lse: bool = False
    max_scores: bool = False


class AuxOutput(NamedTuple):
    """flex_attention's auxiliary outputs; a field not requested is None."""

    lse: Tensor | None = None
    max_scores: Tensor | None = None


class _ModificationType(enum.Enum):
    SCORE_MOD = 1
    MASK_MOD = 2
    UNKNOWN = 3


def _get_mod_type(fn: Callable[..., Any]) -> _ModificationType:
    """score_mod (5 positional parameters without defaults) or mask_mod (4), as torch tells them apart."""
    if hasattr(fn, "__code__"):
        n = fn.__code__.co_argcount - len(getattr(fn, "__defaults__", None) or ())
    else:
        n = sum(1 for p in inspect.signature(fn).parameters.values() if p.default is inspect.Parameter.empty)
    if n not in (4, 5):
        raise AssertionError(f"Expected 4 or 5 positional args, got {n}")
    return _ModificationType.SCORE_MOD if n == 5 else _ModificationType.MASK_MOD


def _identity(score: Tensor, batch: Tensor, head: Tensor, token_q: Tensor, token_kv: Tensor) -> Tensor:
    return score


def noop_mask(batch: Tensor, head: Tensor, token_q: Tensor, token_kv: Tensor) -> Tensor:
    """The mask_mod that keeps everything."""
    return batch.new_ones(size=(), dtype=_torch.bool, device=batch.device)


def _sliced_mask_mod_error(batch: Tensor, head: Tensor, token_q: Tensor, token_kv: Tensor):
    raise RuntimeError(
        "Cannot use mask_mod from a sliced BlockMask. When you slice a BlockMask using [], the mask_mod attribute "
        "is reset. You must set it from the original BlockMask's mask_mod.\n\nIncorrect usage:\n"
        "  base_mask = create_block_mask(my_mask_fn, ...)\n  sliced_mask = base_mask[:, :, block_idx]\n"
        "  sliced_mask.mask_mod = apply_offset(sliced_mask.mask_mod, offset)  # WRONG!\n\nCorrect usage:\n"
        "  base_mask = create_block_mask(my_mask_fn, ...)\n  sliced_mask = base_mask[:, :, block_idx]\n"
        "  sliced_mask.mask_mod = apply_offset(base_mask.mask_mod, offset)  # Use base_mask!"
    )


def or_masks(*mask_mods: _mask_mod_signature) -> _mask_mod_signature:
    """The mask_mod keeping what any of `mask_mods` keeps."""
    if not all(callable(m) for m in mask_mods):
        raise RuntimeError(f"All inputs should be callable mask_mods: {mask_mods}")

    def or_mask(b: Tensor, h: Tensor, q_idx: Tensor, kv_idx: Tensor) -> Tensor:
        result = b.new_zeros((), dtype=_torch.bool)
        for m in mask_mods:
            result = result | m(b, h, q_idx, kv_idx)
        return result

    return or_mask


def and_masks(*mask_mods: _mask_mod_signature) -> _mask_mod_signature:
    """The mask_mod keeping what all of `mask_mods` keep."""
    if not all(callable(m) for m in mask_mods):
        raise RuntimeError(f"All inputs should be callable mask_mods: {mask_mods}")

    def and_mask(b: Tensor, h: Tensor, q_idx: Tensor, kv_idx: Tensor) -> Tensor:
        result = b.new_ones((), dtype=_torch.bool)
        for m in mask_mods:
            result = result & m(b, h, q_idx, kv_idx)
        return result

    return and_mask


# ---------------------------------------------------------------------------------------------
# calling the mods on broadcast index tensors


def _index_grid(B: int, H: int, Q: int, KV: int, device, dtype) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    # made from numpy: constants, with no op to compile per shape
    np_dtype = np.int32 if dtype is _torch.int32 else np.int64

    def idx(n, dim):
        shape = [1, 1, 1, 1]
        shape[dim] = n
        return _torch.tensor(np.arange(n, dtype=np_dtype).reshape(shape), device=device)

    return idx(B, 0), idx(H, 1), idx(Q, 2), idx(KV, 3)


def _how_mods_run(what: str) -> str:
    return (
        f"jaxtorch calls {what} once on broadcast index tensors (b: (B, 1, 1, 1), h: (1, H, 1, 1), q_idx: "
        "(1, 1, Q_LEN, 1), kv_idx: (1, 1, 1, KV_LEN)) instead of vmapping it over scalars: index a captured "
        "tensor with all indices at once (t[h, q_idx]), not in a chain (t[h][q_idx])."
    )


def _call_mod(fn: Callable, args: tuple, shape: tuple, what: str) -> Tensor:
    """fn(*args), checked to broadcast to the (B, H, Q_LEN, KV_LEN) grid it was called on."""
    try:
        out = fn(*args)
    except (IndexError, RuntimeError, TypeError, ValueError) as e:
        e.add_note(_how_mods_run(what))  # most likely an index written for torch's scalar calls
        raise
    if not isinstance(out, Tensor):
        out = _torch.as_tensor(out)
    try:
        ok = tuple(jnp.broadcast_shapes(tuple(out.shape), shape)) == shape
    except ValueError:
        ok = False
    if not ok:
        raise RuntimeError(
            f"{what} returned a tensor of shape {tuple(out.shape)}, which does not broadcast to (B, H, "
            f"Q_LEN, KV_LEN) = {shape}. " + _how_mods_run(what)
        )
    return out


def _as_condition(mask: Tensor) -> Tensor:
    """A mask_mod result as the condition torch.where takes (bool; uint8 is accepted as torch does)."""
    if mask.dtype is _torch.bool:
        return mask
    if mask.dtype is _torch.uint8:
        return mask.bool()
    raise RuntimeError(
        "where expected condition to be a boolean tensor, but got a tensor with dtype "
        f"{_dt.SCALAR_NAMES.get(str(mask._value().dtype), str(mask.dtype))}"
    )


def _mod_grid(mod_fn: Callable, B: int, H: int, Q_LEN: int, KV_LEN: int, device) -> Tensor:
    """mod_fn's mask over the (B, H, Q_LEN, KV_LEN) grid, as the mod returned it (broadcastable to the grid)."""
    shape = (B, H, Q_LEN, KV_LEN)
    b, h, m, n = _index_grid(B, H, Q_LEN, KV_LEN, device, _torch.int64)  # torch.arange's dtype, as torch
    if _get_mod_type(mod_fn) is _ModificationType.SCORE_MOD:
        out = _call_mod(mod_fn, (_torch.zeros(shape, device=device), b, h, m, n), shape, "score_mod")
        return _torch.logical_not(_torch.isneginf(out))
    return _call_mod(mod_fn, (b, h, m, n), shape, "mask_mod")


def create_mask(
    mod_fn: _score_mod_signature | _mask_mod_signature,
    B: int | None,
    H: int | None,
    Q_LEN: int,
    KV_LEN: int,
    device=None,
) -> Tensor:
    """The dense (B, H, Q_LEN, KV_LEN) mask of a mask_mod (or of a score_mod: where it does not give -inf)."""
    if device is None:
        device = _torch.accelerator.current_accelerator() or "cpu"
    B = 1 if B is None else B
    H = 1 if H is None else H
    return _mod_grid(mod_fn, B, H, Q_LEN, KV_LEN, device).expand(B, H, Q_LEN, KV_LEN).contiguous()


# ---------------------------------------------------------------------------------------------
# block-sparse layout: pure functions over the (num_blocks, indices) pairs


def _dense_to_ordered_impl(dense):
    dense = dense.astype(jnp.int32)
    num = jnp.sum(dense, axis=-1, dtype=jnp.int32)
    # a stable descending sort lists a row's present blocks first, in ascending order, as torch's does
    idx = jnp.argsort(dense, axis=-1, descending=True, stable=True).astype(jnp.int32)
    return num, idx


def _ordered_to_dense_impl(num, idx, *, n_cols: int):
    valid = jnp.arange(idx.shape[-1]) < num[..., None]
    hit = (idx[..., None] == jnp.arange(n_cols, dtype=idx.dtype)) & valid[..., None]
    return jnp.any(hit, axis=-2).astype(jnp.int32)


def _transpose_ordered_impl(num, idx):
    dense = _ordered_to_dense_impl(num, idx, n_cols=idx.shape[-1])
    return _dense_to_ordered_impl(jnp.swapaxes(dense, -1, -2))


def _mask_blocks_impl(mask, *, q_block: int, kv_block: int, separate_full: bool):
    while mask.ndim < 4:
        mask = mask[None]
    B, H, Q, KV = mask.shape
    pad_q, pad_kv = -Q % q_block, -KV % kv_block
    mask = jnp.pad(mask, ((0, 0), (0, 0), (0, pad_q), (0, pad_kv)))
    rows, cols = (Q + pad_q) // q_block, (KV + pad_kv) // kv_block
    count = jnp.sum(mask.reshape(B, H, rows, q_block, cols, kv_block), axis=(3, 5), dtype=jnp.int32)
    if not separate_full:
        return (count > 0).astype(jnp.int8)
    full = count == q_block * kv_block
    return ((count > 0) & ~full).astype(jnp.int8), full.astype(jnp.int8)


def _blocks_from_mask_impl(mask, *, shape: tuple, q_block: int, kv_block: int, separate_full: bool):
    """Every block list of a BlockMask from its element mask (broadcastable to `shape`), in one program:
    (kv_num, kv_idx, q_num, q_idx) and, with separate_full, the same four for the full blocks."""
    blocks = _mask_blocks_impl(
        jnp.broadcast_to(mask, shape), q_block=q_block, kv_block=kv_block, separate_full=separate_full
    )
    out = ()
    for dense in blocks if separate_full else (blocks,):
        num, idx = _dense_to_ordered_impl(dense)
        out += (num, idx, *_transpose_ordered_impl(num, idx))
    return out


def _crop_blocks_impl(num, idx, *, rows: int, cols: int):
    idx = idx[..., :rows, :cols]
    num = jnp.minimum(num[..., :rows], cols)
    # torch's rule (BlockMask._adjust): count the listed indices below the clipped count
    return jnp.sum(idx < num[..., None], axis=-1, dtype=jnp.int32), idx


def _ordered_to_dense(num: Tensor, idx: Tensor, num_cols: int) -> Tensor:
    return apply(_ordered_to_dense_impl, (num, idx), (("n_cols", int(num_cols)),), "ordered_to_dense")


def _transpose_ordered(num: Tensor, idx: Tensor) -> tuple[Tensor, Tensor]:
    return apply(_transpose_ordered_impl, (num, idx), (), "transpose_ordered")


def _pair(x: int | tuple[int, int]) -> tuple[int, int]:
    return (x, x) if isinstance(x, int) else (int(x[0]), int(x[1]))


class BlockMask:
    """A block-sparse attention mask, in torch's layout: for each (batch, head, row of Q_BLOCK_SIZE queries),
    `kv_num_blocks` counts the KV blocks that take part and `kv_indices` lists them first; the `full_kv_*`
    pair lists the blocks that need no mask_mod; the `q_*` pairs are the same layout transposed (torch's
    backward walks them). Attributes and methods are torch's."""

    _TENSOR_ATTRS = [
        "kv_num_blocks",
        "kv_indices",
        "full_kv_num_blocks",
        "full_kv_indices",
        "q_num_blocks",
        "q_indices",
        "full_q_num_blocks",
        "full_q_indices",
        "dq_write_order",
        "dq_write_order_full",
        "dq_kv_order",
    ]
    _CONTEXT_ATTRS = ["seq_lengths", "BLOCK_SIZE", "mask_mod", "dq_kv_order_spt"]

    def __init__(
        self,
        seq_lengths: tuple[int, int],
        kv_num_blocks: Tensor,
        kv_indices: Tensor,
        full_kv_num_blocks: Tensor | None,
        full_kv_indices: Tensor | None,
        q_num_blocks: Tensor | None,
        q_indices: Tensor | None,
        full_q_num_blocks: Tensor | None,
        full_q_indices: Tensor | None,
        BLOCK_SIZE: tuple[int, int] = (_DEFAULT_SPARSE_BLOCK_SIZE, _DEFAULT_SPARSE_BLOCK_SIZE),
        mask_mod: _mask_mod_signature = noop_mask,
        *,
        dq_write_order: Tensor | None = None,
        dq_write_order_full: Tensor | None = None,
        dq_kv_order: Tensor | None = None,
        dq_kv_order_spt: bool | None = None,
    ) -> None:
        if kv_indices.dim() < 2:
            raise RuntimeError("BlockMask must have at least 2 dimensions")
        if kv_num_blocks is None:
            raise AssertionError("kv_num_blocks must be provided")
        if (full_kv_num_blocks is None) != (full_kv_indices is None):
            raise AssertionError("full_kv_num_blocks and full_kv_indices must be both provided or omitted")
        if (full_q_num_blocks is None) != (full_q_indices is None):
            raise AssertionError("full_q_num_blocks and full_q_indices must be both provided or omitted")
        if dq_write_order_full is not None and dq_write_order is None:
            raise ValueError("dq_write_order_full requires dq_write_order")
        self.seq_lengths = seq_lengths
        self.kv_num_blocks = kv_num_blocks
        self.kv_indices = kv_indices
        self.full_kv_num_blocks = full_kv_num_blocks
        self.full_kv_indices = full_kv_indices
        self.q_num_blocks = q_num_blocks
        self.q_indices = q_indices
        self.full_q_num_blocks = full_q_num_blocks
        self.full_q_indices = full_q_indices
        self.dq_write_order = dq_write_order
        self.dq_write_order_full = dq_write_order_full
        self.dq_kv_order = dq_kv_order
        self.dq_kv_order_spt = dq_kv_order_spt
        self.BLOCK_SIZE = BLOCK_SIZE
        self.mask_mod = mask_mod

    @classmethod
    def from_kv_blocks(
        cls,
        kv_num_blocks: Tensor,
        kv_indices: Tensor,
        full_kv_num_blocks: Tensor | None = None,
        full_kv_indices: Tensor | None = None,
        BLOCK_SIZE: int | tuple[int, int] = _DEFAULT_SPARSE_BLOCK_SIZE,
        mask_mod: _mask_mod_signature | None = None,
        seq_lengths: tuple[int, int] | None = None,
        compute_q_blocks: bool = True,
        *,
        dq_write_order: Tensor | None = None,
        dq_write_order_full: Tensor | None = None,
        dq_kv_order: Tensor | bool | None = None,
    ) -> BlockMask:
        """A BlockMask from its KV-side block lists; the Q-side lists are derived (with compute_q_blocks)."""
        if kv_indices.dim() < 2:
            raise RuntimeError("BlockMask must have at least 2 dimensions")
        if (full_kv_num_blocks is None) != (full_kv_indices is None):
            raise AssertionError("full_kv_num_blocks and full_kv_indices must be both provided or omitted")
        q_num = q_idx = full_q_num = full_q_idx = None
        if compute_q_blocks:
            q_num, q_idx = _transpose_ordered(kv_num_blocks, kv_indices)
            if full_kv_num_blocks is not None:
                full_q_num, full_q_idx = _transpose_ordered(full_kv_num_blocks, full_kv_indices)
        BLOCK_SIZE = _pair(BLOCK_SIZE)
        if seq_lengths is None:
            seq_lengths = (kv_indices.shape[-2] * BLOCK_SIZE[0], kv_indices.shape[-1] * BLOCK_SIZE[1])
        if dq_kv_order is not None and not isinstance(dq_kv_order, (bool, Tensor)):
            raise ValueError("dq_kv_order must be a bool, Tensor, or None")
        return cls(
            seq_lengths=seq_lengths,
            kv_num_blocks=kv_num_blocks,
            kv_indices=kv_indices,
            full_kv_num_blocks=full_kv_num_blocks,
            full_kv_indices=full_kv_indices,
            q_num_blocks=q_num,
            q_indices=q_idx,
            full_q_num_blocks=full_q_num,
            full_q_indices=full_q_idx,
            BLOCK_SIZE=BLOCK_SIZE,
            mask_mod=mask_mod if mask_mod is not None else noop_mask,
            dq_write_order=dq_write_order,
            dq_write_order_full=dq_write_order_full,
            dq_kv_order=dq_kv_order if isinstance(dq_kv_order, Tensor) else None,
            dq_kv_order_spt=dq_kv_order if isinstance(dq_kv_order, bool) else None,
        )

    def as_tuple(self, flatten: bool = True) -> tuple[Any, ...]:
        """The attributes as a tuple, in torch's order; with `flatten`, seq_lengths and BLOCK_SIZE are spread."""
        seq = tuple(self.seq_lengths) if flatten else (self.seq_lengths,)
        block = tuple(self.BLOCK_SIZE) if flatten else (self.BLOCK_SIZE,)
        return (*seq, *(getattr(self, a) for a in self._TENSOR_ATTRS), self.dq_kv_order_spt, *block, self.mask_mod)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.kv_indices.shape[:-2]) + tuple(self.seq_lengths)

    def numel(self) -> int:
        """Elements of the mask, not counting sparsity."""
        return math.prod(self.shape)

    def sparsity(self) -> float:
        """Percentage of the mask in blocks that are skipped."""
        computed = self.kv_num_blocks.sum().item()
        if self.full_kv_num_blocks is not None:
            computed += self.full_kv_num_blocks.sum().item()
        return 100 * (1 - computed * self.BLOCK_SIZE[0] * self.BLOCK_SIZE[1] / self.numel())

    def to_dense(self) -> Tensor:
        """The block-level mask, int32 of shape (..., Q blocks, KV blocks): 1 for every block that is computed."""
        dense = _ordered_to_dense(self.kv_num_blocks, self.kv_indices, self.kv_indices.shape[-1])
        if self.full_kv_num_blocks is not None:
            dense = dense | _ordered_to_dense(
                self.full_kv_num_blocks, self.full_kv_indices, self.full_kv_indices.shape[-1]
            )
        return dense

    def to_string(self, grid_size: int | tuple[int, int] = (20, 20), limit: int = 4) -> str:
        """A picture of the block mask per (batch, head): '█' computed, ' ' skipped, '░' mixed when squeezed
        into `grid_size`; -1 draws every block."""
        import numpy as np

        dense = np.asarray(self.to_dense()._value())
        *batch_dims, rows, cols = dense.shape
        if isinstance(grid_size, int) and grid_size != -1:
            max_rows = max_cols = grid_size
        elif grid_size == -1:
            max_rows, max_cols = rows, cols
        else:
            max_rows, max_cols = grid_size
        row_step, col_step = max(1, -(-rows // max_rows)), max(1, -(-cols // max_cols))
        pictures = []
        for i, bidx in enumerate(itertools.product(*[range(d) for d in batch_dims])):
            if i == limit:
                pictures += [
                    "...",
                    "To print out more, set BlockMask.to_string(limit=N)",
                    "You can also index (BlockMask[batch, head]) to choose a specific batch or head",
                ]
                break
            grid = dense[bidx]
            text = f"{bidx}\n"
            for r in range(0, rows, row_step):
                for c in range(0, cols, col_step):
                    share = grid[r : r + row_step, c : c + col_step].mean()
                    text += ("█" if share == 1 else " " if share == 0 else "░") * 2
                text += "\n"
            pictures.append(text)
        return "\n".join(pictures)

    def __str__(self) -> str:
        return f"BlockMask(shape={self.shape}, sparsity={self.sparsity():.2f}%, \n{self.to_string().strip()}\n)"

    def __repr__(self) -> str:
        def shape_of(t):
            return None if t is None else t.shape

        name = getattr(self.mask_mod, "__name__", self.mask_mod)
        return (
            f"BlockMask(\n    kv_num_blocks={self.kv_num_blocks.shape},\n    kv_indices={self.kv_indices.shape},\n"
            f"    full_kv_num_blocks={shape_of(self.full_kv_num_blocks)},\n"
            f"    full_kv_indices={shape_of(self.full_kv_indices)},\n"
            f"    q_num_blocks={shape_of(self.q_num_blocks)},\n    q_indices={shape_of(self.q_indices)},\n"
            f"    full_q_num_blocks={shape_of(self.full_q_num_blocks)},\n"
            f"    full_q_indices={shape_of(self.full_q_indices)},\n    BLOCK_SIZE={self.BLOCK_SIZE},\n"
            f"    shape={self.shape},\n    sparsity={self.sparsity():.2f}%,\n    mask_mod={name}\n)"
        )

    def __getitem__(self, index) -> BlockMask:
        """The mask of some batches / heads / query-block rows. An int keeps its dim (torch 2.13 does); the
        result's mask_mod refuses to run until set from the original mask's."""
        if self.dq_kv_order is not None:
            raise NotImplementedError(
                "Slicing BlockMask with tensor dq_kv_order is not supported yet. Construct a "
                "new BlockMask with matching precomputed dq_write_order metadata."
            )
        if self.dq_write_order is not None:
            raise NotImplementedError(
                "Slicing a BlockMask with dq_write_order is not supported in jaxtorch (it "
                "would recompute the deterministic FLASH backward metadata)"
            )
        index = index if isinstance(index, tuple) else (index,)
        padded = (*index, slice(None), slice(None), slice(None))[:3]
        sizes = self.kv_num_blocks.shape[:3]
        index = tuple(
            (slice(i + n, i + n + 1) if -n <= i < 0 else slice(i, i + 1)) if isinstance(i, int) else i
            for i, n in zip(padded, sizes)
        )
        full_num = full_idx = None
        if self.full_kv_num_blocks is not None:
            full_num, full_idx = self.full_kv_num_blocks[index], self.full_kv_indices[index]
        out = BlockMask.from_kv_blocks(
            self.kv_num_blocks[index],
            self.kv_indices[index],
            full_num,
            full_idx,
            BLOCK_SIZE=self.BLOCK_SIZE,
            mask_mod=_sliced_mask_mod_error,
            seq_lengths=self.seq_lengths,
            compute_q_blocks=self.q_indices is not None,
        )
        out.dq_kv_order_spt = self.dq_kv_order_spt
        return out

    def _adjust(self, new_q_len: int, new_kv_len: int) -> BlockMask:
        """Crop to the upper-left (new_q_len, new_kv_len) corner, by torch's rule."""
        if self.dq_kv_order is not None or self.dq_write_order is not None:
            raise NotImplementedError(
                "Adjusting a BlockMask with dq_write_order / dq_kv_order metadata is not supported in jaxtorch"
            )
        static = (("rows", -(-new_q_len // self.BLOCK_SIZE[0])), ("cols", -(-new_kv_len // self.BLOCK_SIZE[1])))
        num, idx = apply(_crop_blocks_impl, (self.kv_num_blocks, self.kv_indices), static, "adjust_blocks")
        full_num = full_idx = None
        if self.full_kv_num_blocks is not None:
            full_num, full_idx = apply(
                _crop_blocks_impl, (self.full_kv_num_blocks, self.full_kv_indices), static, "adjust_blocks"
            )
        out = self.from_kv_blocks(
            num,
            idx,
            full_num,
            full_idx,
            BLOCK_SIZE=self.BLOCK_SIZE,
            mask_mod=self.mask_mod,
            seq_lengths=(new_q_len, new_kv_len),
            compute_q_blocks=self.q_indices is not None,
        )
        out.dq_kv_order_spt = self.dq_kv_order_spt
        return out

    def to(self, device) -> BlockMask:
        """A BlockMask with every tensor moved to `device`."""
        moved = {a: (None if getattr(self, a) is None else getattr(self, a).to(device)) for a in self._TENSOR_ATTRS}
        return BlockMask(
            seq_lengths=self.seq_lengths,
            **moved,
            BLOCK_SIZE=self.BLOCK_SIZE,
            mask_mod=self.mask_mod,
            dq_kv_order_spt=self.dq_kv_order_spt,
        )


def _block_mask_flatten(bm: BlockMask):
    return tuple(getattr(bm, a) for a in BlockMask._TENSOR_ATTRS), tuple(
        getattr(bm, a) for a in BlockMask._CONTEXT_ATTRS
    )


def _block_mask_unflatten(context, tensors) -> BlockMask:
    bm = object.__new__(BlockMask)
    for a, v in zip(BlockMask._TENSOR_ATTRS, tensors):
        setattr(bm, a, v)
    for a, v in zip(BlockMask._CONTEXT_ATTRS, context):
        setattr(bm, a, v)
    return bm


# a pytree (as in torch), so a BlockMask passes through jax.jit / jax.tree_util like its tensors
jax.tree_util.register_pytree_node(BlockMask, _block_mask_flatten, _block_mask_unflatten)


def create_block_mask(
    mask_mod: _mask_mod_signature,
    B: int | None,
    H: int | None,
    Q_LEN: int,
    KV_LEN: int,
    device=None,
    BLOCK_SIZE: int | tuple[int, int] = _DEFAULT_SPARSE_BLOCK_SIZE,
    _compile=False,
    separate_full_blocks: bool = True,
    compute_dq_write_order: bool = False,
    dq_kv_order: bool = True,
) -> BlockMask:
    """The BlockMask of `mask_mod` over (B, H, Q_LEN, KV_LEN) (None for B or H: 1, broadcast)."""
    if device is None:
        device = _torch.accelerator.current_accelerator() or "cpu"
    if _get_mod_type(mask_mod) is not _ModificationType.MASK_MOD:
        raise AssertionError(f"create-block_mask requires a mask_mod function! Got {mask_mod}")
    B = 1 if B is None else B
    H = 1 if H is None else H
    q_block, kv_block = _pair(BLOCK_SIZE)
    if _compile:
        # torch compiles create_block_mask then; here the result is the same without it
        warnings.warn(
            "_compile flag on create_block_mask was originally added to work around a torch.compile "
            "limitation. That limitation has since been addressed. So, to compile create_block_mask, we "
            "suggest doing torch.compile(create_block_mask). This still works for now, but will be removed "
            "in the future.",
            DeprecationWarning,
            stacklevel=2,
        )
    if not isinstance(dq_kv_order, bool):
        raise ValueError("dq_kv_order must be a bool when using create_block_mask")
    if compute_dq_write_order:
        raise NotImplementedError(
            "create_block_mask: compute_dq_write_order (metadata for the deterministic FLASH "
            "backward kernel) is not supported in jaxtorch"
        )
    mask = _mod_grid(mask_mod, B, H, Q_LEN, KV_LEN, device)
    if mask.dtype is not _torch.bool:
        raise AssertionError(f"mask.dtype must be torch.bool, got {mask.dtype}")
    static = (
        ("shape", (B, H, Q_LEN, KV_LEN)),
        ("q_block", q_block),
        ("kv_block", kv_block),
        ("separate_full", bool(separate_full_blocks)),
    )
    lists = apply(_blocks_from_mask_impl, (mask,), static, "create_block_mask")
    full = lists[4:] if separate_full_blocks else (None,) * 4
    return BlockMask(
        (Q_LEN, KV_LEN),
        lists[0],
        lists[1],
        full[0],
        full[1],
        lists[2],
        lists[3],
        full[2],
        full[3],
        BLOCK_SIZE=(q_block, kv_block),
        mask_mod=mask_mod,
    )


def _create_empty_block_mask(query: Tensor, key: Tensor) -> BlockMask:
    """torch's "no mask" BlockMask: one block covering any lengths."""
    ones = _torch.ones(1, 1, 1, dtype=_torch.int32, device=query.device)
    zeros = _torch.zeros(1, 1, 1, 1, dtype=_torch.int32, device=query.device)
    return BlockMask.from_kv_blocks(ones, zeros, BLOCK_SIZE=_LARGE_SPARSE_BLOCK_SIZE, seq_lengths=(1, 1))


# ---------------------------------------------------------------------------------------------
# flex_attention


def _flex_scores(q, k, scale, *, group: int, wp: str):
    """Scaled q k^T in the working precision, k's heads repeated for grouped-query attention."""
    if group > 1:
        k = jnp.repeat(k, group, axis=1)
    wp = jnp.dtype(wp)
    return (jnp.matmul(q.astype(wp), jnp.swapaxes(k.astype(wp), -1, -2)) * scale).astype(wp)


def _fit_batch_heads(blocks, B: int, H: int):
    """Block lists of (Bm, Hm, ...) laid over (B, H): size-1 dims broadcast, others wrap (torch's kernels index
    them modulo their size)."""
    while blocks.ndim < 4:
        blocks = blocks[None]
    if blocks.shape[0] != B:
        blocks = blocks[jnp.arange(B) % blocks.shape[0]]
    if blocks.shape[1] != H:
        blocks = blocks[:, jnp.arange(H) % blocks.shape[1]]
    return blocks


def _flex_allowed(keep, kv_num, kv_idx, full_num, full_idx, *, shape: tuple, q_block: int, kv_block: int):
    """Which (b, h, q, kv) elements take part: those in a full block, and those in a partial block that the
    mask_mod result `keep` allows."""
    B, H, L, S = shape
    q_of = jnp.arange(L) // q_block
    kv_of = jnp.arange(S) // kv_block

    def elements(num, idx):
        n_cols = max(idx.shape[-1], -(-S // kv_block))
        dense = _fit_batch_heads(_ordered_to_dense_impl(num, idx, n_cols=n_cols) > 0, B, H)
        return dense[:, :, q_of[:, None], kv_of[None, :]]

    allowed = elements(kv_num, kv_idx)
    if keep is not None:
        allowed = allowed & keep
    if full_num is not None:
        allowed = allowed | elements(full_num, full_idx)
    return allowed


def _flex_attend(scores, value, allowed, *, group: int, out_dtype: str):
    """Masked softmax of `scores` (B, H, L, S) and its product with `value`; also the logsumexp and row max."""
    post = scores if allowed is None else jnp.where(allowed, scores, -jnp.inf)
    row_max = jnp.max(post, axis=-1, keepdims=True)
    # rows with nothing to attend to: shift by 0 so exp gives zeros, not NaN
    shift = jax.lax.stop_gradient(jnp.where(jnp.isfinite(row_max), row_max, 0))
    e = jnp.exp(post - shift)
    total = jnp.sum(e, axis=-1, keepdims=True)
    empty = total == 0
    total = jnp.where(empty, 1, total)
    lse = jnp.where(empty, -jnp.inf, jnp.log(total) + shift)[..., 0]
    if group > 1:
        value = jnp.repeat(value, group, axis=1)
    out_dtype = jnp.dtype(out_dtype)
    out = jnp.matmul((e / total).astype(out_dtype), value.astype(out_dtype))
    return out, lse, row_max[..., 0]


def _check_kernel_options(kernel_options, return_aux: AuxRequest | None) -> None:
    opts = dict(kernel_options or {})
    if "BACKEND" in opts and opts.get("FORCE_USE_FLEX_ATTENTION", False):
        raise RuntimeError(
            "BACKEND cannot be combined with legacy FORCE_USE_FLEX_ATTENTION. BACKEND supersedes the "
            "legacy knob; please drop FORCE_USE_FLEX_ATTENTION and only specify the desired BACKEND."
        )
    if "BACKEND" in opts and opts["BACKEND"] not in _BACKENDS:
        raise ValueError(f"Invalid BACKEND value '{opts['BACKEND']}'. Must be one of {_BACKENDS}")
    if "OUTPUT_LOGSUMEXP" in opts:
        raise AssertionError("OUTPUT_LOGSUMEXP must not be in kernel_options")
    if "OUTPUT_MAX" in opts:
        raise AssertionError("OUTPUT_MAX must not be in kernel_options")
    if opts.get("BACKEND") == "FLASH" and return_aux is not None and return_aux.max_scores:
        raise NotImplementedError(
            "Returning max scores is not supported with BACKEND='FLASH'. Use "
            "return_aux=AuxRequest(lse=True) or omit max_scores."
        )


def _validate(query: Tensor, key: Tensor, value: Tensor, block_mask: BlockMask | None, enable_gqa: bool) -> None:
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
    if query.size(-1) != key.size(-1):
        raise ValueError(
            "Expect query and key/value to have the same embedding dimension but got "
            f"E={query.size(-1)} and E={key.size(-1)}."
        )
    if query.dim() != 4 or key.dim() != 4 or value.dim() != 4:
        raise NotImplementedError("NYI: query, key, and value must be 4D tensors")
    Hq, Hkv = query.size(1), key.size(1)
    if not enable_gqa and Hq != Hkv:
        raise ValueError(
            f"Expect query and key/value to have the same number of heads but got Hq={Hq} and "
            f"Hkv={Hkv}. Try setting enable_gqa=True for GQA."
        )
    if enable_gqa and Hq % Hkv != 0:
        raise ValueError(
            f"Expect number of query heads to be a multiple of kv heads for GQA but got Hq={Hq} and Hkv={Hkv}."
        )
    if query.size(0) != key.size(0):
        if block_mask is None:
            raise ValueError(
                "Expect query and key/value to have the same batch size, or non-none block_mask, but "
                f"got block_mask=None, Bq={query.size(0)}, and Bkv={key.size(0)}."
            )
        if block_mask.kv_num_blocks.size(0) != query.size(0):
            raise ValueError(
                "Expect query and key/value to have the same batch size, or block_mask and query to have "
                f"the same batch size, but got Bq={query.size(0)}, Bkv={key.size(0)}, "
                f"B_block_mask={block_mask.kv_num_blocks.size(0)}."
            )


def _check_lengths(block_mask: BlockMask, L: int, S: int) -> None:
    if tuple(block_mask.BLOCK_SIZE) == (_LARGE_SPARSE_BLOCK_SIZE, _LARGE_SPARSE_BLOCK_SIZE):
        return  # torch's "no mask" BlockMask fits any length
    bq, bkv = block_mask.shape[-2], block_mask.shape[-1]
    if L > bq or S > bkv:
        raise ValueError(
            f"block_mask was created for block_mask.shape={block_mask.shape} but got q_len={L} and "
            f"kv_len={S}. As the block mask was created for a smaller length than you're using it for, "
            "you likely need to create a new block mask."
        )
    if (L < bq and S <= bkv) or (L <= bq and S < bkv):
        raise ValueError(
            f"block_mask was created for block_mask.shape={block_mask.shape} but got q_len={L} and "
            f"kv_len={S}. As the block mask was created for a larger length than you're using it for, "
            "you can either 1. create a new block mask with the correct length, or 2. 'adjust' the "
            "existing block mask to the correct length by calling block_mask._adjust(q_len, kv_len). "
            "This essentially 'crops' the block mask to the upper left corner, which does not work for "
            "all mask_mods!"
        )
    rows = block_mask.kv_indices.shape[-2]
    if rows * block_mask.BLOCK_SIZE[0] < L:
        raise ValueError(f"block_mask has {rows} rows of {block_mask.BLOCK_SIZE[0]} queries, fewer than q_len={L}")


def flex_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    score_mod: _score_mod_signature | None = None,
    block_mask: BlockMask | None = None,
    scale: float | None = None,
    enable_gqa: bool = False,
    return_lse: bool = False,
    kernel_options: FlexKernelOptions | None = None,
    *,
    return_aux: AuxRequest | None = None,
):
    """softmax(score_mod(q k^T * scale) masked by block_mask) v for (B, Hq, L, E) queries and (B, Hkv, S, E) /
    (B, Hkv, S, Ev) keys and values. Returns the output (B, Hq, L, Ev); with return_aux also an AuxOutput
    (logsumexp (B, Hq, L), base e, and the row maxima as requested); with the deprecated return_lse=True,
    (output, logsumexp)."""
    _validate(query, key, value, block_mask, enable_gqa)
    if block_mask is not None and block_mask.mask_mod is _sliced_mask_mod_error:
        raise RuntimeError("Cannot use mask_mod from a sliced BlockMask")
    B, Hq, L, E = query.shape
    Bkv, Hkv, S = key.shape[:3]
    if block_mask is not None:
        _check_lengths(block_mask, L, S)
    if scale is None:
        scale = 1.0 / math.sqrt(E)
    if block_mask is not None and query.device != block_mask.kv_num_blocks.device:
        raise RuntimeError(
            "Expect q/k/v and block_mask to be on the same device but got "
            f"{query.device} and {block_mask.kv_num_blocks.device}."
        )
    if return_lse and return_aux is not None:
        raise ValueError(
            "Cannot specify both return_lse and return_aux. return_lse is deprecated, please use "
            "return_aux=AuxRequest(lse=True) instead."
        )
    if return_lse:
        _warn_once(
            "deprecated_return_lse",
            "return_lse is deprecated and will be removed in v2.10. Please use "
            "return_aux=AuxRequest(lse=True) instead.",
            FutureWarning,
        )
    _check_kernel_options(kernel_options, return_aux)
    if not (Bkv == B or (B > 1 and Bkv == 1)):
        raise RuntimeError(f"Bq and Bkv must broadcast. Got Bq={B} and Bkv={Bkv}")
    query, key, value = _ac.cast("scaled_dot_product_attention", query, key, value)

    wp = "float64" if query.dtype is _torch.float64 else "float32"
    group = Hq // Hkv
    scores = apply(_flex_scores, (query, key, float(scale)), (("group", group), ("wp", wp)), "flex_attention")
    shape = (B, Hq, L, S)
    b, h, q_idx, kv_idx = _index_grid(B, Hq, L, S, query.device, _torch.int32)
    if score_mod is not None:
        scores = _call_mod(score_mod, (scores, b, h, q_idx, kv_idx), shape, "score_mod")
        if not scores.dtype.is_floating_point:
            scores = scores.to(_torch.float64 if wp == "float64" else _torch.float32)
        scores = scores.expand(shape)
    allowed = None
    if block_mask is not None:
        if block_mask.mask_mod is not noop_mask:
            allowed = _as_condition(_call_mod(block_mask.mask_mod, (b, h, q_idx, kv_idx), shape, "mask_mod"))
        if tuple(block_mask.BLOCK_SIZE) != (_LARGE_SPARSE_BLOCK_SIZE, _LARGE_SPARSE_BLOCK_SIZE):
            blocks = (
                block_mask.kv_num_blocks,
                block_mask.kv_indices,
                block_mask.full_kv_num_blocks,
                block_mask.full_kv_indices,
            )
            static = (
                ("shape", shape),
                ("q_block", int(block_mask.BLOCK_SIZE[0])),
                ("kv_block", int(block_mask.BLOCK_SIZE[1])),
            )
            allowed = apply(_flex_allowed, (allowed, *blocks), static, "flex_attention_mask")
    static = (("group", group), ("out_dtype", str(query._value().dtype)))
    out, lse, row_max = apply(_flex_attend, (scores, value, allowed), static, "flex_attention")
    if return_aux is not None:
        return out, AuxOutput(
            lse=lse if return_aux.lse else None, max_scores=row_max if return_aux.max_scores else None
        )
    if return_lse:
        return out, lse
    return out
