"""Uniform and normal draws with the same bits as jax.random's, computed faster on CPU.

jax.random's threefry2x32 hash lowers on CPU as a rolled XLA while-loop (five iterations of four
rounds), which XLA:CPU does not fuse: drawing the MNIST CNN's dropout mask (590k floats) took ~4-8 ms
of a ~70 ms training step. Written out as straight-line integer arithmetic the same hash fuses into one
vectorised loop and takes ~0.5 ms. The counters, the hash and the bits-to-float conversion follow
jax.random exactly (the "partitionable" threefry layout, JAX's default), so every value is
bit-identical to `jax.random.uniform` / `jax.random.normal` with the same key: seeds, saved states
and results do not change. Other backends, other PRNG layouts and arrays of 2**32 elements or more go
through jax.random itself. tests/test_threefry.py checks the equality.

Large draws are hashed in a two-iteration loop (each iteration one fused loop over half the counters).
The loop is a fusion boundary: written straight into the program, XLA fused the hash into whatever read
the mask, e.g. the CNN's max-pool backward, which reads each mask element four times and so hashed
every element four times (a 12 ms fusion; 6 ms with the loop).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))
_PARITY = np.uint32(0x1BD11BDA)


def _rotl(v, r: int):
    return lax.shift_left(v, np.uint32(r)) | lax.shift_right_logical(v, np.uint32(32 - r))


def _hash(k1, k2, x1, x2):
    """threefry2x32 (20 rounds) of the counter pair (x1, x2) under the key (k1, k2), unrolled."""
    ks = (k1, k2, k1 ^ k2 ^ _PARITY)
    x1, x2 = x1 + ks[0], x2 + ks[1]
    for i in range(5):
        for r in _ROTATIONS[i % 2]:
            x1 = x1 + x2
            x2 = _rotl(x2, r) ^ x1
        x1 = x1 + ks[(i + 1) % 3]
        x2 = x2 + ks[(i + 2) % 3] + np.uint32(i + 1)
    return x1, x2


def _fast(key, shape) -> bool:
    n = math.prod(shape)
    return (0 < n < 2**32 and key.dtype == jnp.uint32 and key.shape == (2,) and jax.default_backend() == "cpu"
            and getattr(jax.config, "jax_threefry_partitionable", True))


_LOOP_MIN = 1 << 14  # draws at least this large are hashed in the two-iteration loop


def _combine(b1, b2, width: int):
    if width == 64:
        return lax.shift_left(b1.astype(jnp.uint64), np.uint64(32)) | b2.astype(jnp.uint64)
    out = b1 ^ b2
    return out if width == 32 else out.astype(np.dtype(f"uint{width}"))


def _hashed(key, start, m: int, width: int):
    count = lax.iota(jnp.uint32, m) + start  # the counters' high 32 bits are zero (fewer than 2**32)
    return _combine(*_hash(key[0], key[1], jnp.zeros_like(count), count), width)


def bits(key, width: int, shape: tuple, start=None):
    """jax.random.bits(key, shape, uint{width}) for a raw threefry key. With `start` (a uint32 scalar, CPU fast
    path only): the elements at flat indices start, start + 1, ... of a larger draw with the same key."""
    shape = tuple(shape)
    if not _fast(key, shape):
        if start is not None:
            raise ValueError("threefry bits at an offset need the fast path")
        return jax.random.bits(key, shape, np.dtype(f"uint{width}"))
    base = np.uint32(0) if start is None else lax.convert_element_type(start, jnp.uint32)
    n = math.prod(shape)
    if n < _LOOP_MIN:
        return _hashed(key, base, n, width).reshape(shape)
    m = -(-n // 2)

    def half(i, out):
        start = (i * m).astype(jnp.uint32) + base
        return lax.dynamic_update_slice(out, _hashed(key, start, m, width), (i * m,))

    out = lax.fori_loop(0, 2, half, jnp.zeros((2 * m,), np.dtype(f"uint{width}")))
    return out[:n].reshape(shape)


def _dtype(dtype) -> np.dtype:
    return jax.dtypes.canonicalize_dtype(jnp.float64 if dtype is None else dtype)  # jax.random's default


def uniform(key, shape, dtype=None, minval=0.0, maxval=1.0, start=None):
    """jax.random.uniform(key, shape, dtype, minval, maxval), bit for bit (`start`: see `bits`)."""
    shape, dtype = tuple(shape), _dtype(dtype)
    if not _fast(key, shape) and start is None:
        return jax.random.uniform(key, shape, dtype, minval, maxval)
    finfo = jnp.finfo(dtype)
    nbits, nmant = finfo.bits, finfo.nmant
    rng_bits = 8 if nmant < 8 else nbits
    udt = np.dtype(f"uint{nbits}")
    b = bits(key, rng_bits, shape, start).astype(udt)
    b = lax.shift_right_logical(b, udt.type(rng_bits - nmant)) | np.array(1.0, dtype).view(udt)
    floats = lax.bitcast_convert_type(b, dtype) - dtype.type(1.0)
    lo = lax.convert_element_type(minval, dtype)
    hi = lax.convert_element_type(maxval, dtype)
    return jnp.maximum(lo, floats * (hi - lo) + lo)


def normal(key, shape, dtype=None, start=None):
    """jax.random.normal(key, shape, dtype), bit for bit (`start`: see `bits`)."""
    shape, dtype = tuple(shape), _dtype(dtype)
    if (not _fast(key, shape) or not jnp.issubdtype(dtype, jnp.floating)) and start is None:
        return jax.random.normal(key, shape, dtype)
    lo = np.nextafter(np.array(-1.0, dtype), np.array(0.0, dtype), dtype=dtype)
    u = uniform(key, shape, dtype, lo, np.array(1.0, dtype), start)
    return lax.mul(np.array(np.sqrt(2), dtype), lax.erf_inv(u))
