"""Tensor basics vs real torch: creation, devices, conversion, Python protocol, printing, finfo/iinfo,
random generators, and error messages for bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import jaxtorch
from _same import both, compare, same_error
from helpers import assert_close

A = np.arange(12, dtype=np.float32).reshape(3, 4) / 4 - 1


# ------------------------------------------------------------------ creation
TENSOR_DATA = {
    "ints": [1, 2, 3],
    "floats": [1.0, 2.5],
    "mixed_int_float": [1, 2.5, 3],
    "bools": [True, False],
    "bool_int": [True, 2],
    "complex": [1, 2j],
    "nested": [[1, 2], [3, 4]],
    "nested_mixed": [[1, 2.0], [3, 4]],
    "scalar_int": 7,
    "scalar_float": -0.5,
    "scalar_bool": True,
    "empty": [],
    "empty_nested": [[], []],
}


@pytest.mark.parametrize("name", list(TENSOR_DATA))
def test_tensor_dtype_inference(name):
    both(lambda T: T.tensor(TENSOR_DATA[name]))


@pytest.mark.parametrize("npdtype", [np.float32, np.float64, np.int32, np.int64, np.uint8, np.bool_, np.int16,
                                     np.float16, np.complex64])
def test_tensor_from_numpy_keeps_dtype(npdtype):
    a = (np.arange(6).reshape(2, 3) % 3).astype(npdtype)
    both(lambda T: (T.tensor(a), T.as_tensor(a), T.from_numpy(a), T.tensor(a[0, 1])))


def test_tensor_from_numpy_scalars_and_tensors_list():
    both(lambda T: (T.tensor(np.float64(1.5)), T.tensor([np.int32(1), np.int32(2)]),
                    T.tensor([T.tensor(1.0), T.tensor(2.0)]), T.tensor(3, dtype=T.float16)))


def test_tensor_copies_its_numpy_data():
    """torch.tensor(ndarray) copies, also for a buffer aligned so that JAX's CPU client could alias it
    (numpy views of torch tensors are), so writes to the array afterwards do not show in the tensor."""
    def f(T):
        raw = np.zeros(1024 + 64, np.float32)
        off = (-raw.ctypes.data % 256) // 4
        a = raw[off:off + 1024]
        assert a.ctypes.data % 256 == 0
        t = T.tensor(a)
        a[:] = 3
        return t

    both(f)


def test_from_numpy_shares_memory_and_as_tensor_dtype():
    def f(T):
        a = np.zeros(3, dtype=np.float32)
        t = T.as_tensor(a, dtype=T.float64)
        return t, T.as_tensor(T.ones(2), dtype=T.int64), T.as_tensor([1, 2])

    both(f)


def test_creation_functions():
    def f(T):
        return (T.zeros(2, 3), T.ones((2, 3), dtype=T.int32), T.full((2, 2), 1.5), T.full((2,), 3),
                T.full((2,), True), T.empty(2, 3).shape, T.arange(5), T.arange(1, 4, 0.5), T.arange(0, 1, 0.25),
                T.arange(5.0), T.arange(10, 0, -3), T.linspace(0, 1, 5), T.linspace(-2, 2, 4, dtype=T.float64),
                T.logspace(0, 2, 3), T.logspace(0, 3, 4, base=2), T.eye(3), T.eye(2, 3, dtype=T.int64),
                T.zeros(0, 3), T.ones([]), T.full((), 2.0))

    both(f)


def test_like_and_new_functions():
    def f(T):
        x = T.tensor(A)
        i = T.tensor([1, 2])
        return (T.zeros_like(x), T.ones_like(i), T.full_like(x, 2.5), T.full_like(i, 3.7), T.empty_like(x).shape,
                T.zeros_like(x, dtype=T.int64), T.rand_like(x).shape, T.randn_like(x).dtype,
                x.new_zeros(2), x.new_ones((1, 2)), x.new_full((2,), 4), x.new_tensor([1, 2]), i.new_tensor([1.5]),
                x.new_empty(3).shape, i.new_zeros(2, dtype=T.float64))

    both(f)


def test_creation_requires_grad_flag():
    both(lambda T: (T.zeros(2, requires_grad=True).requires_grad, T.tensor([1.0], requires_grad=True).is_leaf,
                    T.ones(2).requires_grad))


def test_creation_errors():
    same_error(lambda T: T.tensor([[1, 2], [3]]), exact=False)
    same_error(lambda T: T.zeros(-1))
    same_error(lambda T: T.ones(2, -1))
    same_error(lambda T: T.arange(0, 5, 0))
    same_error(lambda T: T.tensor([1], requires_grad=True))


# ------------------------------------------------------------------ devices, conversion
@pytest.mark.parametrize("spec", ["cpu", "cuda", "cuda:1", "cpu:0", "meta"])
def test_device_parsing(spec):
    both(lambda T: (str(T.device(spec)), repr(T.device(spec)), T.device(spec).type, T.device(spec).index))


def test_device_with_index_and_equality():
    both(lambda T: (repr(T.device("cuda", 2)), T.device("cpu") == T.device("cpu"), T.device("cpu") == "cpu",
                    T.device("cuda:0") == T.device("cuda"), T.ones(1).device == T.device("cpu"),
                    str(T.ones(1).device)))


@pytest.mark.parametrize("spec", ["gpu", "cuda:x", "cuda:-1", "", "cpu:0:1"])
def test_device_errors(spec):
    same_error(lambda T: T.device(spec))


def test_device_index_twice_error():
    same_error(lambda T: T.device("cuda:1", 0))


def test_to_and_conversions():
    def f(T):
        x = T.tensor(A)
        i = T.tensor([1, -2, 3])
        return (x.to(T.float64), x.to("cpu"), x.to("cpu", T.int32), x.to(dtype=T.float16), x.to(i), x.double(),
                x.half(), x.long(), x.int(), x.short(), x.char(), x.byte().dtype, x.bool(), i.float(),
                x.to(T.float32) is x, x.float() is x, x.to(T.float64, copy=True), i.to(T.complex64),
                x.bfloat16().float(), x.cpu() is x)

    both(f)


def test_type_method():
    def f(T):
        x = T.tensor(A)
        return (x.type(), x.type(T.int64), x.type("torch.DoubleTensor"), T.tensor([1]).type(),
                T.tensor([True]).type(), x.half().type())

    both(f)


def test_item_tolist_numpy():
    def f(T):
        x = T.tensor(A)
        return (x[1, 2].item(), T.tensor([3]).item(), T.tensor(True).item(), x.tolist(), T.tensor(2.5).tolist(),
                T.tensor([1, 2]).tolist(), T.tensor([[True]]).tolist(), x.half()[0].tolist())

    both(f)
    np.testing.assert_array_equal(jaxtorch.tensor(A).numpy(), A)
    assert jaxtorch.tensor([1, 2]).numpy().dtype == np.int64


def test_item_and_numpy_errors():
    same_error(lambda T: T.tensor(A).item())
    same_error(lambda T: T.tensor(A, requires_grad=True).numpy())
    same_error(lambda T: float(T.tensor(A)))
    same_error(lambda T: int(T.ones(2)))


def test_len_iter_bool():
    def f(T):
        x = T.tensor(A)
        return len(x), [r for r in x], bool(T.tensor([1.0])), bool(T.tensor(0)), [v.item() for v in x[0]]

    both(f)
    same_error(lambda T: bool(T.tensor(A)))
    same_error(lambda T: len(T.tensor(1.0)))
    same_error(lambda T: iter(T.tensor(1.0)))


def test_size_and_shape():
    both(lambda T: (T.tensor(A).shape, T.tensor(A).size(), T.tensor(A).size(-1), T.tensor(A).shape[1:],
                    repr(T.tensor(A).shape), str(T.Size([2, 3])), repr(T.Size([])), T.Size([2, 3]).numel(),
                    T.tensor(A).dim(), T.tensor(A).numel(), T.tensor(A).element_size(), T.tensor(A).ndim))
    same_error(lambda T: T.tensor(A).size(2))


# ------------------------------------------------------------------ printing
REPRS = {
    "float": lambda T: T.tensor([1.5, -2.25, 3.0]),
    "int_valued_float": lambda T: T.tensor([1.0, 2.0, -3.0]),
    "int": lambda T: T.tensor([1, -20, 300]),
    "bool": lambda T: T.tensor([True, False]),
    "double": lambda T: T.tensor([0.1, 0.2], dtype=T.float64),
    "float16": lambda T: T.tensor([0.1, 2.0], dtype=T.float16),
    "int32": lambda T: T.tensor([1, 2], dtype=T.int32),
    "uint8": lambda T: T.tensor([1, 200], dtype=T.uint8),
    "scalar": lambda T: T.tensor(3.25),
    "scalar_int": lambda T: T.tensor(-4),
    "scalar_bool": lambda T: T.tensor(False),
    "empty": lambda T: T.tensor([]),
    "empty_2d": lambda T: T.zeros(0, 3),
    "empty_int": lambda T: T.zeros(0, dtype=T.int32),
    "matrix": lambda T: T.tensor(A),
    "3d": lambda T: T.tensor(A).reshape(2, 3, 2),
    "sci_large": lambda T: T.tensor([1e10, 1.0]),
    "sci_small": lambda T: T.tensor([1e-5, 1.0]),
    "sci_ratio": lambda T: T.tensor([0.001, 1234.5]),
    "negative_zero": lambda T: T.tensor([-0.0, 1.5]),
    "nan_inf": lambda T: T.tensor([float("nan"), float("inf"), -float("inf"), 1.5]),
    "all_nan": lambda T: T.tensor([float("nan")]),
    "large_summarised": lambda T: T.arange(2000).float(),
    "large_2d": lambda T: T.arange(1200).reshape(40, 30),
    "wide_line": lambda T: T.linspace(-1, 1, 30),
    "requires_grad": lambda T: T.tensor([1.0, 2.0], requires_grad=True),
    "requires_grad_double": lambda T: T.tensor([1.0], dtype=T.float64, requires_grad=True),
    "complex": lambda T: T.tensor([1 + 2j, -0.5j]),
    "long_ints": lambda T: T.tensor([123456789, 1]),
    "big_float": lambda T: T.tensor([123456.0, 0.5]),
    "column": lambda T: T.tensor(A[:, :1]),
}


@pytest.mark.parametrize("name", list(REPRS))
def test_repr_matches_torch(name):
    both(lambda T: repr(REPRS[name](T)))


def test_repr_with_grad_fn_prefix():
    def f(T):
        r = repr(T.tensor([1.0, 2.0], requires_grad=True) * 2)
        return r.split(", grad_fn=")[0], "grad_fn=<" in r

    both(f)


def test_str_and_format():
    both(lambda T: (str(T.tensor(A)), f"{T.tensor(2.5):.3f}", format(T.tensor(7), "d")))


def test_set_printoptions_precision():
    def f(T):
        T.set_printoptions(precision=2)
        try:
            return repr(T.tensor([1.23456, 2.0]))
        finally:
            T.set_printoptions(profile="default")

    both(f)


# ------------------------------------------------------------------ finfo / iinfo
@pytest.mark.parametrize("d", ["float32", "float64", "float16", "bfloat16"])
def test_finfo(d):
    both(lambda T: (lambda i: (i.bits, i.eps, i.max, i.min, i.tiny, i.smallest_normal, i.resolution, i.dtype))(
        T.finfo(getattr(T, d))))


@pytest.mark.parametrize("d", ["int8", "uint8", "int16", "int32", "int64"])
def test_iinfo(d):
    both(lambda T: (lambda i: (i.bits, i.max, i.min, i.dtype))(T.iinfo(getattr(T, d))))


def test_finfo_default_and_errors():
    both(lambda T: T.finfo().eps)
    same_error(lambda T: T.finfo(T.int32), exact=False)
    same_error(lambda T: T.iinfo(T.float32), exact=False)


# ------------------------------------------------------------------ random
def test_manual_seed_reproducible():
    jaxtorch.manual_seed(123)
    a = jaxtorch.randn(5)
    b = jaxtorch.rand(3)
    jaxtorch.manual_seed(123)
    compare(torch.tensor(a.numpy()), jaxtorch.randn(5))
    compare(torch.tensor(b.numpy()), jaxtorch.rand(3))
    assert jaxtorch.initial_seed() == 123
    assert not np.array_equal(jaxtorch.randn(5).numpy(), a.numpy())


def test_generator_state_roundtrip():
    g = jaxtorch.Generator().manual_seed(7)
    assert g.initial_seed() == 7
    s = g.get_state()
    assert s.dtype == jaxtorch.uint8 and s.ndim == 1
    a = jaxtorch.randn(4, generator=g)
    g.set_state(s)
    np.testing.assert_array_equal(jaxtorch.randn(4, generator=g).numpy(), a.numpy())
    b = jaxtorch.randn(4, generator=g)
    assert not np.array_equal(a.numpy(), b.numpy())


def test_generators_are_independent_of_global():
    g1 = jaxtorch.Generator().manual_seed(1)
    g2 = jaxtorch.Generator().manual_seed(1)
    a = jaxtorch.rand(4, generator=g1)
    jaxtorch.manual_seed(99)
    jaxtorch.randn(10)  # global draws do not move g2
    np.testing.assert_array_equal(jaxtorch.rand(4, generator=g2).numpy(), a.numpy())
    g3 = jaxtorch.Generator().manual_seed(2)
    assert not np.array_equal(jaxtorch.rand(4, generator=g3).numpy(), a.numpy())


def test_fork_rng_restores():
    jaxtorch.manual_seed(5)
    with jaxtorch.random.fork_rng():
        jaxtorch.randn(3)
    a = jaxtorch.randn(3)
    jaxtorch.manual_seed(5)
    np.testing.assert_array_equal(jaxtorch.randn(3).numpy(), a.numpy())


def test_distribution_sanity():
    jaxtorch.manual_seed(0)
    n = jaxtorch.randn(20000)
    assert abs(float(n.mean())) < 0.03 and abs(float(n.std()) - 1) < 0.03
    u = jaxtorch.rand(20000)
    assert float(u.min()) >= 0 and float(u.max()) < 1 and abs(float(u.mean()) - 0.5) < 0.02
    r = jaxtorch.randint(3, 7, (2000,))
    assert r.dtype == jaxtorch.int64 and int(r.min()) == 3 and int(r.max()) == 6
    p = jaxtorch.randperm(50)
    assert p.dtype == jaxtorch.int64 and sorted(p.tolist()) == list(range(50))


def test_random_shapes_and_dtypes_as_torch():
    def f(T):
        probs = T.tensor([[0.1, 0.9, 0.0], [0.5, 0.25, 0.25]])
        b = T.bernoulli(T.full((3, 2), 0.5))
        m = T.multinomial(probs, 2)
        m_rep = T.multinomial(probs, 5, replacement=True)
        return (b.shape, b.dtype, m.shape, m.dtype, m_rep.shape, T.randint(5, (2, 3)).dtype,
                T.randint(0, 5, (2,), dtype=T.int32).dtype, T.rand(2, 3, dtype=T.float64).dtype,
                T.randn(()).shape, T.randperm(4, dtype=T.int32).dtype, T.normal(0.0, 1.0, (3,)).shape,
                T.empty(3).uniform_(2, 3).dtype, T.rand(2, 2).bernoulli_(0.3).dtype,
                bool(((T.multinomial(probs, 2)[0] == 2).sum() == 0).item()))

    both(f)


def test_bernoulli_multinomial_values():
    jaxtorch.manual_seed(3)
    b = jaxtorch.bernoulli(jaxtorch.full((4000,), 0.25))
    assert set(b.unique().tolist()) <= {0.0, 1.0} and abs(float(b.mean()) - 0.25) < 0.03
    m = jaxtorch.multinomial(jaxtorch.tensor([0.0, 1.0, 3.0]), 2000, replacement=True)
    counts = np.bincount(m.numpy(), minlength=3)
    assert counts[0] == 0 and abs(counts[2] / 2000 - 0.75) < 0.05
    m = jaxtorch.multinomial(jaxtorch.tensor([1.0, 1.0, 1.0, 1.0]), 4)
    assert sorted(m.tolist()) == [0, 1, 2, 3]


def test_random_errors():
    same_error(lambda T: T.randint(5, 3, (2,)), exact=False)
    same_error(lambda T: T.multinomial(T.tensor([1.0, 1.0]), 3), exact=False)


# ------------------------------------------------------------------ bad input
def test_broadcast_error_message():
    same_error(lambda T: T.ones(3) + T.ones(4))
    same_error(lambda T: T.ones(2, 3) * T.ones(4, 3))
    same_error(lambda T: T.ones(2, 3, 5) - T.ones(3, 4))


def test_bad_dims():
    same_error(lambda T: T.tensor(A).sum(2))
    same_error(lambda T: T.tensor(A).transpose(0, 3))
    same_error(lambda T: T.tensor(A).unsqueeze(4))
    same_error(lambda T: T.tensor(A).mean(-3))
    same_error(lambda T: T.tensor(A).view(5, -1))
    same_error(lambda T: T.tensor(A).reshape(-1, -1))


def test_index_out_of_range():
    same_error(lambda T: T.tensor(A)[3])
    same_error(lambda T: T.tensor(A)[0, 4])
    same_error(lambda T: T.tensor(A)[:, -5])
    same_error(lambda T: T.tensor(A)[T.tensor([0, 3])], exact=False)
    same_error(lambda T: T.tensor(A)[0, 0, 0])
    same_error(lambda T: T.tensor(A).select(1, 9))


def test_math_constants_and_misc():
    both(lambda T: (T.is_tensor(T.ones(1)), T.is_tensor([1]), T.numel(T.ones(2, 3)), T.is_floating_point(T.ones(1)),
                    T.tensor(A).is_contiguous(), T.tensor([math.pi]).dtype))


def test_memory_formats_are_accepted_and_keep_values():
    # jaxtorch keeps logical row-major tensors (XLA picks physical layouts); the names exist and every
    # API that takes one gives torch's values
    import pickle

    for name in ("contiguous_format", "channels_last", "channels_last_3d", "preserve_format"):
        assert repr(getattr(jaxtorch, name)) == repr(getattr(torch, name))
        assert pickle.loads(pickle.dumps(getattr(jaxtorch, name))) is getattr(jaxtorch, name)
    assert isinstance(jaxtorch.channels_last, jaxtorch.memory_format)
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 4)).astype(np.float32)
    for lib in (torch, jaxtorch):
        t = lib.tensor(x)
        outs = [t.contiguous(memory_format=lib.channels_last), t.to(memory_format=lib.channels_last),
                t.clone(memory_format=lib.preserve_format), lib.zeros_like(t, memory_format=lib.channels_last)]
        if lib is torch:
            ref = outs
    for a, b in zip(ref, outs):
        assert_close(a, b)
