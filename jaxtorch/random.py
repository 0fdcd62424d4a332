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


def draw(generator, sampler, args: tuple = (), static: tuple = (), name: str = "random"):
    """Run sampler(key, *args, **static) with the generator's next key; bump the counter."""
    from ._ops._dispatch import apply

    g = _gen(generator)
    res = apply(_draw_impl, (g._key, g._counter) + tuple(args), (("sampler", sampler),) + tuple(static), name)
    sample, counter = res
    g._counter._data = counter._data
    g._counter._box()[0] += 1
    return sample


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
