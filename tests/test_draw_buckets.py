"""Eager draws of the prefix samplers (rand, randn, normal, uniform_, normal_) are drawn at a bucket length (1024
or 8192) and cut down on the host, or, when larger, in fixed-size chunks at growing counter offsets joined on the
host (jaxtorch/random.py, _draw_plan): the values are the ones an exact-shape draw gives (threefry's counters are
per flat index), and initialising many parameter shapes compiles one draw program per bucket and one for all
larger draws."""

import numpy as np
import pytest

import jaxtorch
from jaxtorch import random as R
from jaxtorch._ops import random_ops


def _draws(seed):
    jaxtorch.manual_seed(seed)
    w = jaxtorch.empty(37, 5)
    out = [jaxtorch.randn(3, 7), jaxtorch.rand(1000), w.normal_(0.5, 0.02).clone(), w.uniform_(-2, 3).clone(),
           jaxtorch.normal(1.0, 2.0, size=(6, 6)), jaxtorch.randn(0, 3),
           jaxtorch.randn(2, 1024, dtype=jaxtorch.float64),
           jaxtorch.empty(300, 701).normal_(0.1, 0.5).clone(), jaxtorch.empty(70000).uniform_(-1, 2).clone(),
           jaxtorch.randn(3, 65536), jaxtorch.rand(131073, dtype=jaxtorch.float64)]  # chunked: 4, 2, 3, 3 chunks
    return [t.numpy() for t in out], jaxtorch.random.default_generator.get_state().numpy()


def test_values_equal_exact_shape_draws(monkeypatch):
    got, state = _draws(5)
    monkeypatch.setattr(R, "PREFIX_SAMPLERS", {})  # every draw at its own shape
    ref, ref_state = _draws(5)
    for a, b in zip(got, ref):
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(state, ref_state)  # the generator advanced alike


@pytest.mark.parametrize("n", [1, 1023, 1024, 1025, 5000, 8192, 8193, 70000])
def test_bucket(n):
    b = R._draw_bucket(n)
    assert b >= n and b & (b - 1) == 0
    assert b == (1024 if n <= 1024 else 8192 if n <= 8192 else 1 << (n - 1).bit_length())


def test_initialising_many_shapes_compiles_per_power_of_two():
    from jaxtorch._ops import _dispatch

    shapes = [(33, 17), (40, 13), (51, 11), (29, 19), (600, 3), (1500,), (2001,), (300, 700), (513, 129), (70001,)]
    chunk = _dispatch.jitted(R._draw_impl, (("sampler", random_ops._normal_ms_at), ("shape", (R._DRAW_CHUNK,)),
                                               ("dtype", np.dtype(np.float32))), True)
    before = chunk._cache_size()  # other tests in this process may have run it (with other argument types)
    plans = set()
    for s in shapes:
        plan = R._draw_plan(R.default_generator, random_ops._normal_ms, (0.0, 1.0),
                            (("shape", s), ("dtype", np.dtype(np.float32))))
        plans.add((plan[0], dict(plan[1])["shape"]))
        jaxtorch.empty(*s).normal_()
    assert plans == {("bucket", (1024,)), ("bucket", (8192,)), ("chunks", (R._DRAW_CHUNK,))}
    assert chunk._cache_size() - before <= 1  # every chunk of every large shape above ran the same program
    assert chunk._cache_size() >= 1


def test_compiled_draws_keep_their_shape():
    seen = []

    @jaxtorch.compile
    def f(x):
        seen.append(R._draw_plan(R.default_generator, random_ops._normal, (),
                                 (("shape", (3, 5)), ("dtype", np.dtype(np.float32)))))
        return x + jaxtorch.randn(3, 5)

    jaxtorch.manual_seed(0)
    out = f(jaxtorch.zeros(3, 5))
    jaxtorch.manual_seed(0)
    assert seen and all(s is None for s in seen)
    np.testing.assert_array_equal(out.numpy(), jaxtorch.randn(3, 5).numpy())  # eager (bucketed) = compiled
