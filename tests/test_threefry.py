"""jaxtorch/_ops/_threefry.py: the unrolled threefry draws are bit-identical to jax.random's."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxtorch._ops import _threefry as T

KEYS = [jax.random.PRNGKey(0), jax.random.fold_in(jax.random.PRNGKey(67280421310721), 12345)]
SHAPES = [(1,), (7,), (3, 5), (2, 3, 4, 5), (64, 33), (129, 127), (64, 256)]  # the last two: the loop


def _same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape
    # compare the bit patterns (NaN-safe, -0.0 vs 0.0 would count as different)
    assert np.array_equal(a.view(f"u{a.dtype.itemsize}"), b.view(f"u{b.dtype.itemsize}"))


@pytest.mark.parametrize("width", [8, 16, 32, 64])
def test_bits(width):
    for key in KEYS:
        for shape in SHAPES:
            _same(jax.jit(T.bits, static_argnums=(1, 2))(key, width, shape),
                  jax.random.bits(key, shape, np.dtype(f"uint{width}")))


@pytest.mark.parametrize("dtype", [jnp.float16, jnp.bfloat16, jnp.float32, jnp.float64])
def test_uniform(dtype):
    f = jax.jit(T.uniform, static_argnums=(1, 2))
    g = jax.jit(jax.random.uniform, static_argnums=(1, 2))
    for key in KEYS:
        for shape in SHAPES:
            _same(f(key, shape, dtype), g(key, shape, dtype))
    lo, hi = np.float32(-3.0), np.arange(1, 6, dtype=np.float32)  # a bound that broadcasts
    _same(jax.jit(lambda k: T.uniform(k, (4, 5), dtype, lo, hi))(KEYS[1]),
          jax.jit(lambda k: jax.random.uniform(k, (4, 5), dtype, lo, hi))(KEYS[1]))


@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64, jnp.complex64])
def test_normal(dtype):
    for key in KEYS:
        for shape in SHAPES:
            _same(jax.jit(T.normal, static_argnums=(1, 2))(key, shape, dtype), jax.random.normal(key, shape, dtype))


def test_under_vmap():
    keys = jnp.stack(KEYS)
    _same(jax.vmap(lambda k: T.uniform(k, (3, 4)))(keys), jax.vmap(lambda k: jax.random.uniform(k, (3, 4)))(keys))


@pytest.mark.skipif(jax.default_backend() != "cpu", reason="the unrolled hash is used on CPU")
def test_cpu_path_hashes_in_two_fused_halves():
    """On CPU the hash is not jax's five-iteration rolled loop but one two-iteration loop (a fusion
    boundary) over straight-line halves."""
    assert T._LOOP_MIN <= 64 * 64 * 12 * 12
    text = jax.jit(lambda k: T.uniform(k, (64, 64, 12, 12))).lower(KEYS[0]).as_text()
    assert text.count("stablehlo.while") == 1
    assert text.count("shift_left") >= 20  # the 20 rounds' rotations, written out
