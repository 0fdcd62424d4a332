"""Generators: a JAX key plus a draw counter, both held in tensors (state cells).

Each draw uses fold_in(key, counter) and bumps the counter, so the same Python runs eagerly and under
a trace, and under compile the counter is lifted like any other state: masks differ per step, and
manual_seed(s) changes values, not compiled code. Streams are not bit-identical to PyTorch's.
"""

from __future__ import annotations

import os
import time

import jax
import jax.numpy as jnp
import numpy as np

from ._tensor import Tensor

_DEFAULT_SEED = 67280421310721  # torch's default initial seed


def _key_from_seed(seed: int) -> np.ndarray:
    """The raw threefry2x32 key JAX makes for `seed` ([high 32 bits, low 32 bits]), computed in numpy
    so that creating a Generator (the default one exists at import) never starts a JAX backend:
    jax.distributed must be able to initialise after `import jaxtorch`."""
    seed = int(seed) & 0xFFFFFFFFFFFFFFFF
    return np.array([(seed >> 32) & 0xFFFFFFFF, seed & 0xFFFFFFFF], dtype=np.uint32)


class Generator:
    """torch.Generator: seeded stream of random draws."""

    def __init__(self, device="cpu"):
        from ._device import to_device

        self.device = to_device(device)
        self._seed = _DEFAULT_SEED
        # numpy payloads until the first draw moves them to the device (see _key_from_seed)
        self._key = Tensor._make(_key_from_seed(self._seed))
        self._counter = Tensor._make(np.zeros((), np.int64))

    def manual_seed(self, seed) -> Generator:
        seed = int(seed)
        if seed < -(2**63) or seed >= 2**64:
            raise RuntimeError("Overflow when unpacking long")
        self._seed = seed & 0xFFFFFFFFFFFFFFFF
        self._key._data = _key_from_seed(self._seed)
        self._key._box()[0] += 1
        self._counter._data = np.zeros((), np.int64)
        self._counter._box()[0] += 1
        return self

    def seed(self) -> int:
        s = int.from_bytes(os.urandom(8), "little") ^ time.perf_counter_ns()
        s &= 0x7FFFFFFFFFFFFFFF
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self) -> Tensor:
        """The state as a uint8 tensor (seed and counter; jaxtorch's own layout, not PyTorch's)."""
        c = int(np.asarray(self._counter._value()))
        raw = np.frombuffer(np.array([self._seed, c], dtype=np.uint64).tobytes(), dtype=np.uint8).copy()
        return Tensor._make(jnp.asarray(raw))

    def set_state(self, new_state: Tensor) -> Generator:
        raw = np.asarray(new_state._value() if isinstance(new_state, Tensor) else new_state, dtype=np.uint8)
        if raw.size != 16:
            raise RuntimeError("Expected a jaxtorch generator state of 16 bytes (got " + str(raw.size) + ")")
        seed, counter = np.frombuffer(raw.tobytes(), dtype=np.uint64)
        self.manual_seed(int(seed))
        self._counter._data = jnp.asarray(int(counter), jnp.int64)
        return self

    def graphsafe_get_state(self):
        return self.get_state()

    def graphsafe_set_state(self, state):
        return self.set_state(state)

    def clone_state(self):
        g = Generator(self.device)
        g.set_state(self.get_state())
        return g


default_generator = Generator()


def _gen(generator) -> Generator:
    return default_generator if generator is None else generator


# Samplers whose value at flat index i depends only on the key and i (threefry's partitionable counters, then an
# elementwise transform with scalar arguments): the first n values of a draw of shape (m,) are the draw of any
# shape of n elements. random_ops registers them, each with its twin that draws at a counter offset.
PREFIX_SAMPLERS: dict = {}
# Draws of at most 1024 or 8192 values run at that length; larger ones in chunks of _DRAW_CHUNK values, one program
# for every size (drawing 65536 normals takes ~0.4 ms on CPU, compiling a draw program 40-100 ms). Without chunks
# (not the CPU), larger draws run at the next power of two.
_DRAW_BUCKETS = (1024, 8192)
_DRAW_CHUNK = 1 << 16
_DRAW_MAX_BYTES = 64 << 20  # the host cuts and joins the values: memcpys, cheap next to a compile


def _draw_bucket(n: int) -> int:
    for b in _DRAW_BUCKETS:
        if n <= b:
            return b
    return 1 << (n - 1).bit_length()


def _draw_plan(g, sampler, args, static):
    """How an eager draw of a prefix sampler runs without a program per shape: ("bucket", static) draws the next
    bucket length and keeps the first n values; ("chunks", static) draws _DRAW_CHUNK values at a time at growing
    counter offsets (one program for every large size); None draws the shape as given. XLA compiles a draw
    program per shape (~70-100 ms for threefry on CPU) and model initialisation draws once per parameter
    shape; the values are those of the exact-shape draw either way."""
    from . import _trace_state as _ts
    from ._ops import _threefry

    if sampler not in PREFIX_SAMPLERS or _ts.observer is not None or isinstance(g._key._data, jax.core.Tracer):
        return None
    if not getattr(jax.config, "jax_threefry_partitionable", True) or any(not isinstance(a, (int, float))
                                                                            for a in args):
        return None
    st = dict(static)
    n = int(np.prod(st["shape"]))
    itemsize = np.dtype(st["dtype"]).itemsize
    if n == 0 or n * itemsize > _DRAW_MAX_BYTES:
        return None
    if n > _DRAW_BUCKETS[-1] and _threefry._fast(g._key._data, (n,)):
        return "chunks", tuple((k, (_DRAW_CHUNK,) if k == "shape" else v) for k, v in static)
    b = _draw_bucket(n)
    if b == n:
        return None
    return "bucket", tuple((k, (b,) if k == "shape" else v) for k, v in static)


def _join(*parts, n, shape):
    return np.concatenate(parts)[:n].reshape(shape)


def draw(generator, sampler, args: tuple = (), static: tuple = (), name: str = "random"):
    """Run sampler(key, *args, **static) with the generator's next key; bump the counter."""
    from ._ops._dispatch import _on_host, apply

    g = _gen(generator)
    plan = _draw_plan(g, sampler, args, static)
    shape = tuple(dict(static)["shape"]) if plan is not None else None
    n = int(np.prod(shape)) if plan is not None else 0
    if plan is not None and plan[0] == "chunks":  # the offset twin takes the chunk's first counter before args
        at = (("sampler", PREFIX_SAMPLERS[sampler]),) + plan[1]
        parts = [apply(_draw_impl, (g._key, g._counter, np.uint32(s)) + tuple(args), at, name)
                 for s in range(0, n, _DRAW_CHUNK)]
    else:
        st = static if plan is None else plan[1]
        parts = [apply(_draw_impl, (g._key, g._counter) + tuple(args), (("sampler", sampler),) + tuple(st), name)]
    g._counter._data = parts[-1][1]._data
    g._counter._box()[0] += 1
    if plan is None:
        return parts[0][0]
    vals = tuple(p[0]._data for p in parts)
    cut = _on_host(_join, (("n", n), ("shape", shape)), vals, _DRAW_MAX_BYTES)
    return Tensor._make(cut if cut is not None else jax.numpy.concatenate(vals)[:n].reshape(shape))


def _draw_impl(key, counter, *args, sampler, **static):
    k = jax.random.fold_in(key, counter)
    return sampler(k, *args, **static), counter + 1


def manual_seed(seed) -> Generator:
    return default_generator.manual_seed(seed)


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state() -> Tensor:
    return default_generator.get_state()


def set_rng_state(new_state) -> None:
    default_generator.set_state(new_state)


class fork_rng:
    """Context manager restoring the default generator's state on exit."""

    def __init__(self, devices=None, enabled=True, **kw):
        self.enabled = enabled

    def __enter__(self):
        if self.enabled:
            self._state = get_rng_state()

    def __exit__(self, *exc):
        if self.enabled:
            set_rng_state(self._state)
        return False
