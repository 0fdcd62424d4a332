"""torch.quasirandom.SobolEngine: (scrambled) Sobol low-discrepancy sequences.

Unscrambled sequences are torch's exactly: the same direction numbers (Joe & Kuo's new-joe-kuo-6.21201 table,
30 bits), the same Gray-code order, the same conversion to floats. Dimensions up to 1111 are supported (the table
rows with polynomials of degree <= 13 that jaxtorch ships, see scripts/make_sobol_direction_numbers.py); torch goes
to 21201, and larger dimensions raise NotImplementedError.

Scrambling is of the same kind as torch's (a random lower-triangular binary matrix applied to every direction
number, plus a random digital shift), with the random bits drawn from jaxtorch's generator: scrambled points are
a valid randomised Sobol sequence with the same distribution, not torch's bits.

The points are computed on the host in numpy (n x dimension integers, XOR only): there is nothing for XLA to gain.
"""

from __future__ import annotations

import functools

import numpy as np

__all__ = ["SobolEngine"]

_MAXBIT = 30


@functools.lru_cache(maxsize=None)
def _table() -> list[tuple[int, ...]]:
    from ._sobol_direction_numbers import TABLE

    return [tuple(int(x) for x in line.split()) for line in TABLE.split("\n") if line]


@functools.lru_cache(maxsize=8)
def _direction_numbers(dimension: int) -> np.ndarray:
    """(dimension, 30) int64: direction number k of each dimension as a 30-bit integer (m_k << (29 - k))."""
    m = np.ones((dimension, _MAXBIT), dtype=np.int64)  # dimension 0: every m_k is 1
    for d, (poly, *m_init) in enumerate(_table()[: dimension - 1], start=1):
        s = len(m_init)
        m[d, :s] = m_init
        for k in range(s, _MAXBIT):
            # m_k = 2^s m_{k-s} ^ m_{k-s} ^ XOR_j a_j 2^j m_{k-j}, a_j the inner coefficients of the polynomial
            value = m[d, k - s] ^ (m[d, k - s] << s)
            for j in range(1, s):
                if (poly >> (s - j)) & 1:
                    value ^= m[d, k - j] << j
            m[d, k] = value
    return m << np.arange(_MAXBIT - 1, -1, -1, dtype=np.int64)


def _parity(x: np.ndarray) -> np.ndarray:
    return np.bitwise_count(x) & 1


class SobolEngine:
    """Draws points of a Sobol sequence in [0, 1)^dimension, continuing where the last draw stopped.

    Args:
        dimension: the number of coordinates of each point (1 .. 1111 in jaxtorch).
        scramble: randomise the sequence (Owen-style linear matrix scrambling and a digital shift).
        seed: seed of the scrambling draws; None draws from the default generator.
    """

    MAXBIT = _MAXBIT
    MAXDIM = 21201

    def __init__(self, dimension: int, scramble: bool = False, seed: int | None = None) -> None:
        from . import _sobol_direction_numbers

        if dimension > self.MAXDIM or dimension < 1:
            raise ValueError(f"Supported range of dimensionality for SobolEngine is [1, {self.MAXDIM}]")
        if dimension > _sobol_direction_numbers.MAX_DIMENSION:
            from ._unsupported import message

            raise NotImplementedError(
                message(
                    f"torch.quasirandom.SobolEngine(dimension={dimension})",
                    f"jaxtorch ships direction numbers for up to {_sobol_direction_numbers.MAX_DIMENSION} dimensions",
                )
            )
        self.seed = seed
        self.scramble = scramble
        self.dimension = dimension
        self._v = _direction_numbers(dimension)
        self._shift = np.zeros(dimension, dtype=np.int64)
        if scramble:
            self._scramble()
        from ._dtype import get_default_dtype

        # torch computes the first point once, in the default dtype of the time, and casts it on each use
        self._first_point = (self._shift.astype(get_default_dtype().np) / 2**_MAXBIT).reshape(1, -1)
        self.num_generated = 0

    def _scramble(self) -> None:
        from . import random
        from ._ops.random_ops import randint

        g = None
        if self.seed is not None:
            g = random.Generator()
            g.manual_seed(self.seed)
        # one draw (one compiled program): 30 rows of matrix bits, then the row of shift bits
        bits = np.asarray(randint(2, (self.dimension, _MAXBIT + 1, _MAXBIT), generator=g)).astype(np.int64)
        self._shift = (bits[:, _MAXBIT] << np.arange(_MAXBIT, dtype=np.int64)).sum(axis=1)
        # ltm[d, i, j] (j < i): how digit j of a direction number feeds digit i; unit diagonal keeps it invertible
        ltm = np.tril(bits[:, :_MAXBIT], -1)
        ltm[:, np.arange(_MAXBIT), np.arange(_MAXBIT)] = 1
        # digit i is bit (29 - i): row i of each matrix as a mask over the direction numbers' bits
        weights = np.int64(1) << np.arange(_MAXBIT - 1, -1, -1, dtype=np.int64)
        row_masks = (ltm.astype(np.int64) * weights).sum(axis=2)  # (dimension, 30)
        digits = _parity(self._v[:, :, None] & row_masks[:, None, :])  # (dimension, k, i)
        self._v = (digits.astype(np.int64) * weights).sum(axis=2)

    # torch exposes its state tensors; ours are derived on request
    @property
    def sobolstate(self):
        from ._ops.creation import tensor

        return tensor(self._v)

    @property
    def shift(self):
        from ._ops.creation import tensor

        return tensor(self._shift)

    @property
    def quasi(self):
        from ._ops.creation import tensor

        return tensor(self._points(max(self.num_generated - 1, 0), 1)[0])

    def _points(self, start: int, n: int) -> np.ndarray:
        """(n, dimension) int64: the points with indices start .. start+n-1 (point i uses the Gray code of i)."""
        index = np.arange(start, start + n, dtype=np.int64)
        gray = index ^ (index >> 1)
        out = np.broadcast_to(self._shift, (n, self.dimension)).copy()
        for bit in range(int(gray.max(initial=0)).bit_length()):
            rows = ((gray >> bit) & 1).astype(bool)
            out[rows] ^= self._v[:, bit]
        return out

    def draw(self, n: int = 1, out=None, dtype=None):
        """The next `n` points, shape (n, dimension), in `dtype` (default: the default float dtype)."""
        from ._dtype import SCALAR_NAMES, float32, float64, get_default_dtype, to_dtype
        from ._ops.creation import tensor

        dtype = get_default_dtype() if dtype is None else to_dtype(dtype)
        first = self.num_generated == 0
        count = n - 1 if first else n
        if count < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {count}: [{count}, {self.dimension}]")
        if first and n == 1:
            values = self._first_point.astype(dtype.np)
        else:
            if dtype not in (float32, float64):
                raise NotImplementedError(f"\"_sobol_engine_draw\" not implemented for '{SCALAR_NAMES[dtype.name]}'")
            start = 1 if first else self.num_generated
            # as torch: the 30-bit integer rounded to the dtype, then scaled by 2^-30 (exact)
            values = self._points(start, count).astype(dtype.np) * dtype.np.type(2.0**-_MAXBIT)
            if first:
                values = np.concatenate([self._first_point.astype(dtype.np), values])
        self.num_generated += n
        result = tensor(values, dtype=dtype)
        if out is not None:
            out.resize_as_(result).copy_(result)
            return out
        return result

    def draw_base2(self, m: int, out=None, dtype=None):
        """The next 2**m points; the total drawn must stay a power of 2 (Sobol points balance in such blocks)."""
        n = 2**m
        total_n = self.num_generated + n
        if total_n & (total_n - 1) != 0:
            raise ValueError(
                "The balance properties of Sobol' points require n to be a power of 2. "
                f"{self.num_generated} points have been previously generated, then: "
                f"n={self.num_generated}+2**{m}={total_n}. If you still want to do this, please use "
                "'SobolEngine.draw()' instead."
            )
        return self.draw(n=n, out=out, dtype=dtype)

    def reset(self) -> SobolEngine:
        """Start the sequence again from its first point."""
        self.num_generated = 0
        return self

    def fast_forward(self, n: int) -> SobolEngine:
        """Skip `n` points, as if drawn."""
        self.num_generated += n
        return self

    def __repr__(self) -> str:
        parts = [f"dimension={self.dimension}"]
        if self.scramble:
            parts.append("scramble=True")
        if self.seed is not None:
            parts.append(f"seed={self.seed}")
        return f"{type(self).__name__}({', '.join(parts)})"
