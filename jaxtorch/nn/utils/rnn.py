"""torch.nn.utils.rnn: PackedSequence and the pack/pad helpers.

A PackedSequence stores the valid steps of a batch of sequences time-major: `data[k]` is step t of
sequence b for the k-th (t, b) pair with t ascending and, within a step, b over the first
`batch_sizes[t]` sequences (sorted longest first). `batch_sizes` and the index tensors are int64 and
are read on the host (as torch requires lengths on the CPU); the data moves with one gather/scatter.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Iterable

import jax.numpy as jnp
import numpy as np

from ..._tensor import Tensor
from ..._ops._dispatch import apply

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence",
           "unpad_sequence", "pack_sequence", "unpack_sequence"]

_PackedSequenceBase = namedtuple("PackedSequence_", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])


def _host_ints(x) -> np.ndarray:
    """Concrete int64 numpy copy of a list / tensor of lengths or batch sizes."""
    if isinstance(x, Tensor):
        return np.asarray(x.detach()._value()).astype(np.int64).reshape(-1)
    return np.asarray(x, dtype=np.int64).reshape(-1)


def _long(a: np.ndarray) -> Tensor:
    return Tensor._make(jnp.asarray(np.asarray(a, dtype=np.int64)))


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The inverse of an index permutation (None stays None)."""
    if permutation is None:
        return None
    p = _host_ints(permutation)
    inv = np.empty_like(p)
    inv[p] = np.arange(p.size, dtype=np.int64)
    return _long(inv)


class PackedSequence(_PackedSequenceBase):
    """Holds the data and list of batch_sizes of a packed sequence (see module docstring)."""

    def __new__(cls, data: Tensor, batch_sizes: Tensor | None = None, sorted_indices: Tensor | None = None,
                unsorted_indices: Tensor | None = None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:
            # torch's positional form PackedSequence((data, batch_sizes)) is not supported: be explicit.
            raise TypeError("PackedSequence requires batch_sizes")
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def _map_data(self, fn) -> PackedSequence:
        return type(self)(fn(self.data), self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def to(self, *args, **kwargs) -> PackedSequence:
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def cuda(self, *args, **kwargs) -> PackedSequence:
        return self._map_data(lambda d: d.cuda(*args, **kwargs))

    def cpu(self, *args, **kwargs) -> PackedSequence:
        return self._map_data(lambda d: d.cpu(*args, **kwargs))

    def double(self) -> PackedSequence:
        return self._map_data(lambda d: d.double())

    def float(self) -> PackedSequence:
        return self._map_data(lambda d: d.float())

    def half(self) -> PackedSequence:
        return self._map_data(lambda d: d.half())

    def long(self) -> PackedSequence:
        return self._map_data(lambda d: d.long())

    def int(self) -> PackedSequence:
        return self._map_data(lambda d: d.int())

    def short(self) -> PackedSequence:
        return self._map_data(lambda d: d.short())

    def char(self) -> PackedSequence:
        return self._map_data(lambda d: d.char())

    def byte(self) -> PackedSequence:
        return self._map_data(lambda d: d.byte())

    @property
    def is_cuda(self) -> bool:
        return self.data.is_cuda

    def is_pinned(self) -> bool:
        return False


def _step_batch_indices(batch_sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(t, b) of every packed row, in packed order."""
    t_idx = np.repeat(np.arange(batch_sizes.size, dtype=np.int64), batch_sizes)
    b_idx = np.concatenate([np.arange(n, dtype=np.int64) for n in batch_sizes]) if batch_sizes.size else \
        np.zeros(0, np.int64)
    return t_idx, b_idx


def _gather_steps(padded, t_idx, b_idx):
    return padded[t_idx, b_idx]


def _scatter_steps(data, t_idx, b_idx, padding_value, *, shape):
    out = jnp.full(shape, padding_value, dtype=data.dtype)
    return out.at[t_idx, b_idx].set(data)


def _lengths_from_batch_sizes(batch_sizes: np.ndarray) -> np.ndarray:
    """Length of each (sorted) sequence: how many steps have it within their batch size."""
    if batch_sizes.size == 0:
        return np.zeros(0, np.int64)
    b = np.arange(int(batch_sizes[0]))
    return (batch_sizes[None, :] > b[:, None]).sum(1).astype(np.int64)


def _pack_time_major(padded: Tensor, batch_sizes: np.ndarray) -> Tensor:
    t_idx, b_idx = _step_batch_indices(batch_sizes)
    return apply(_gather_steps, (padded, _long(t_idx), _long(b_idx)), (), "pack_padded_sequence")


def _unpack_time_major(data: Tensor, batch_sizes: np.ndarray, total_length: int, padding_value=0.0) -> Tensor:
    t_idx, b_idx = _step_batch_indices(batch_sizes)
    shape = (total_length, int(batch_sizes[0])) + tuple(data.shape[1:])
    return apply(_scatter_steps, (data, _long(t_idx), _long(b_idx), padding_value), (("shape", shape),),
                 "pad_packed_sequence")


def pack_padded_sequence(input: Tensor, lengths, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch of variable-length sequences."""
    lengths_np = _host_ints(lengths)
    if enforce_sorted:
        if lengths_np.size > 1 and np.any(lengths_np[:-1] < lengths_np[1:]):
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can pass "
                "`enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep this requirement "
                "if you do not need ONNX exportability.")
        sorted_indices = None
        order = None
    else:
        # stable descending sort: ties keep their original order, as torch's CPU sort does
        order = np.argsort(-lengths_np, kind="stable")
        lengths_np = lengths_np[order]
        sorted_indices = _long(order)
    if lengths_np.size and lengths_np.min() <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' "
                           "that is <= 0")
    steps = input.shape[0] if not batch_first else input.shape[1]
    if lengths_np.size and lengths_np.max() > steps:
        raise RuntimeError(f"Expected all lengths to be at most the padded sequence length {steps}, but got a "
                           f"length of {int(lengths_np.max())}")
    if batch_first:
        input = input.transpose(0, 1)
    if order is not None:
        input = input.index_select(1, sorted_indices)
    batch_sizes = np.array([(lengths_np > t).sum() for t in range(int(lengths_np[0]) if lengths_np.size else 0)],
                           dtype=np.int64)
    data = _pack_time_major(input, batch_sizes)
    return PackedSequence(data, _long(batch_sizes), sorted_indices, None)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length: int | None = None) -> tuple[Tensor, Tensor]:
    """Inverse of pack_padded_sequence: (padded batch, lengths) in the original batch order."""
    batch_sizes = _host_ints(sequence.batch_sizes)
    max_len = batch_sizes.size
    if total_length is not None:
        if total_length < max_len:
            raise ValueError("Expected total_length to be at least the length of the longest sequence in input, but "
                             f"got total_length={total_length} and max sequence length being {max_len}")
        max_len = total_length
    padded = _unpack_time_major(sequence.data, batch_sizes, max_len, padding_value)
    lengths = _lengths_from_batch_sizes(batch_sizes)
    if sequence.unsorted_indices is not None:
        unsorted = _host_ints(sequence.unsorted_indices)
        padded = padded.index_select(1, sequence.unsorted_indices)
        lengths = lengths[unsorted]
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, _long(lengths)


def _pad_impl(*seqs, padding_value, max_len, batch_first, left):
    rows = []
    for s in seqs:
        pad = [(max_len - s.shape[0], 0) if left else (0, max_len - s.shape[0])] + [(0, 0)] * (s.ndim - 1)
        rows.append(jnp.pad(s, pad, constant_values=jnp.asarray(padding_value, s.dtype)))
    return jnp.stack(rows, 0 if batch_first else 1)


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Pad a list of variable-length tensors (L_i, *) to (L, B, *) or (B, L, *)."""
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    if isinstance(sequences, Tensor):
        sequences = sequences.unbind(0)
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    trailing = tuple(sequences[0].shape[1:])
    for s in sequences:
        if tuple(s.shape[1:]) != trailing:
            raise RuntimeError(f"The size of tensor a ({trailing}) must match the size of tensor b "
                               f"({tuple(s.shape[1:])}) at non-singleton dimension 1")
    max_len = max(s.shape[0] for s in sequences)
    static = (("max_len", max_len), ("batch_first", bool(batch_first)), ("left", padding_side == "left"))
    return apply(_pad_impl, tuple(sequences), (("padding_value", float(padding_value)),) + static, "pad_sequence")


def unpad_sequence(padded_sequences: Tensor, lengths, batch_first: bool = False) -> list[Tensor]:
    """Split a padded batch back into a list of its variable-length sequences."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [padded_sequences[i, :int(n)] for i, n in enumerate(_host_ints(lengths))]


def pack_sequence(sequences: Iterable[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of variable-length tensors."""
    sequences = list(sequences)
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """Unpack a PackedSequence into a list of variable-length tensors."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
