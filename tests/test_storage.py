"""Tensor storage against real torch: data_ptr, untyped/typed storages, from_file, view(dtype) across element
sizes (values, layout, writes through), frombuffer, set_, and safetensors running on jaxtorch (jaxtorch/storage.py,
Tensor.data_ptr / view(dtype) in jaxtorch/_tensor.py and jaxtorch/_ops/shape.py)."""

from __future__ import annotations

import ctypes
import os
import pathlib
import pickle
import subprocess
import sys
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch

import jaxtorch
from _same import both, same_error

A = np.arange(24, dtype=np.float32).reshape(4, 6)
REPO = pathlib.Path(jaxtorch.__file__).resolve().parent.parent


def raw(t) -> bytes:
    """A tensor's bytes in row-major order, read by each library's own means (never through view(dtype))."""
    if isinstance(t, torch.Tensor):
        t = t.detach().contiguous()
        if t.dtype == torch.bfloat16:
            return np.frombuffer(ctypes.string_at(t.data_ptr(), t.numel() * 2), np.uint8).tobytes()
        return t.numpy().tobytes()
    return np.asarray(t.detach()._value()).tobytes()


def at(ptr: int, n: int) -> bytes:
    return ctypes.string_at(ptr, n)


# ------------------------------------------------------------------------------------------------ data_ptr

VIEWS = {
    "slice": lambda b, T: b[1:],
    "col_slice": lambda b, T: b[:, 2:],
    "select_slice": lambda b, T: b[1, 3:],
    "t": lambda b, T: b.t(),
    "narrow": lambda b, T: b.narrow(1, 2, 3),
    "step": lambda b, T: b[::2],
    "flat_slice": lambda b, T: b.view(-1)[5:],
    "unsqueeze_select": lambda b, T: b.unsqueeze(0)[0, 1],
    "bytes_slice": lambda b, T: b.view(T.uint8)[:, 4:],
    "double_of_slice": lambda b, T: b[2:].view(T.float64),
    "short_slice": lambda b, T: b.view(T.int16)[1:, 3:],
}


@pytest.mark.parametrize("name", VIEWS)
def test_data_ptr_offsets_of_views(name):
    def f(T):
        b = T.tensor(A)
        v = VIEWS[name](b, T)
        p = v.data_ptr()
        s = v.untyped_storage()
        return (
            p - b.data_ptr(),
            v.storage_offset(),
            tuple(v.stride()),
            s.data_ptr() - b.data_ptr(),
            s.nbytes(),
            s.size(),
            len(s),
        )

    both(f)


def test_data_ptr_of_empty_tensors_is_zero():
    both(
        lambda T: (
            T.zeros(0).data_ptr(),
            T.zeros(2, 0).data_ptr(),
            T.zeros(0).untyped_storage().data_ptr(),
            T.zeros(0).untyped_storage().nbytes(),
            T.tensor(A)[4:].data_ptr(),
            T.tensor(A)[4:].untyped_storage().nbytes(),
        )
    )


DTYPES = ["float32", "float64", "float16", "bfloat16", "int8", "int16", "int32", "int64", "uint8", "bool", "complex64"]


def _sample(name, T):
    rng = np.random.default_rng(3)
    if name == "bool":
        return T.tensor(rng.random((3, 4)) > 0.5)
    if name == "complex64":
        return T.tensor((rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4))).astype(np.complex64))
    if name in ("float16", "bfloat16"):
        return T.tensor(rng.standard_normal((3, 4)).astype(np.float32)).to(getattr(T, name))
    if name.startswith(("int", "uint")):
        info = np.iinfo(name)
        return T.tensor(rng.integers(max(info.min, -1000), min(info.max, 1000), (3, 4)).astype(name))
    return T.tensor(rng.standard_normal((3, 4)).astype(name))


@pytest.mark.parametrize("name", DTYPES)
def test_bytes_at_data_ptr_match_torch(name):
    t, j = _sample(name, torch), _sample(name, jaxtorch)
    n = t.numel() * t.element_size()
    assert j.element_size() == t.element_size()
    assert at(j.data_ptr(), n) == at(t.data_ptr(), n)
    # a root's address is its numpy() buffer's
    assert j.data_ptr() == j.numpy().ctypes.data
    # a contiguous view: the root's address plus its offset, and the bytes there are the view's
    tv, jv = t[1:], j[1:]
    assert jv.data_ptr() - j.data_ptr() == tv.data_ptr() - t.data_ptr()
    m = tv.numel() * tv.element_size()
    assert at(jv.data_ptr(), m) == at(tv.data_ptr(), m)
    assert j.untyped_storage().tolist() == t.untyped_storage().tolist()


def test_data_ptr_of_host_payload_is_its_numpy_buffer():
    # a host tensor (numpy payload, as transforms and the DataLoader make) laid out column-major
    a = np.asfortranarray(A)
    j = jaxtorch.Tensor._make(a)
    t = torch.tensor(A)
    assert at(j.data_ptr(), A.nbytes) == at(t.data_ptr(), A.nbytes)
    assert j.data_ptr() == j.numpy().ctypes.data


def test_data_ptr_changes_only_by_rebinding():
    j = jaxtorch.tensor(A)
    v = j[1]
    p = j.data_ptr()
    assert j.data_ptr() == p and v.data_ptr() == p + 24  # stable while nothing is written
    j.add_(1)  # an in-place op rebinds the payload: views still point into their root
    assert v.data_ptr() == j.data_ptr() + 24
    assert at(v.data_ptr(), 24) == (A[1] + 1).tobytes()


def test_data_ptr_under_a_trace_raises():
    seen = []

    def f(a):
        try:
            jaxtorch.from_jax(a).data_ptr()
        except RuntimeError as e:
            seen.append(str(e))
        return a

    jax.jit(f)(jnp.zeros(2))
    assert seen and "traced" in seen[0]


# ------------------------------------------------------------------------------------------------ untyped storage


def test_untyped_storage_is_shared_by_views():
    j = jaxtorch.tensor(A)
    s = j.untyped_storage()
    assert j[1:].untyped_storage() is s and j.t().untyped_storage() is s
    assert j.view(jaxtorch.uint8).untyped_storage() is s
    assert jaxtorch.tensor(A).untyped_storage() is not s


def test_untyped_storage_metadata():
    both(
        lambda T: (
            T.tensor(A).untyped_storage().element_size(),
            str(T.tensor(A).untyped_storage().device),
            T.tensor(A).untyped_storage().type(),
            T.tensor(A).untyped_storage().is_shared(),
            T.tensor(A).untyped_storage().is_pinned(),
            T.tensor(A).untyped_storage().is_cuda,
            T.tensor(A).untyped_storage().get_device(),
            T.tensor(A).untyped_storage().filename,
        )
    )


def test_untyped_storage_indexing():
    def f(T):
        s = T.tensor(A).untyped_storage()
        sl = s[5:13]
        return s[6], s[-1], sl.tolist(), sl.nbytes(), sl.data_ptr() - s.data_ptr(), s[10:2].nbytes(), list(s[:4])

    both(f)


@pytest.mark.parametrize("case", ["past_end", "before_start", "step", "str", "float"])
def test_untyped_storage_index_errors(case):
    fns = {
        "past_end": lambda s: s[96],
        "before_start": lambda s: s[-97],
        "step": lambda s: s[::2],
        "str": lambda s: s["a"],
        "float": lambda s: s[1.0],
    }
    same_error(lambda T: fns[case](T.tensor(A).untyped_storage()))


def test_untyped_storage_writes_reach_the_tensor():
    def f(T):
        x = T.tensor(A)
        v = x[1]  # a view made before the write sees it too
        s = x.untyped_storage()
        s[3] = 64
        s[8:12] = 0
        s[-4:] = 300  # bytes wrap modulo 256
        return x, v, x._version

    both(f)


def test_untyped_storage_fill_copy_clone():
    def f(T):
        x = T.tensor(A[:2])
        s = x.untyped_storage()
        c = s.clone()
        c.fill_(0)
        d = T.tensor(A[2:]).untyped_storage()
        s.copy_(d)
        return x, c.tolist()[:4], c.data_ptr() != s.data_ptr(), s.cpu() is s

    both(f)
    same_error(lambda T: T.tensor(A).untyped_storage().copy_(T.UntypedStorage(3)))


def test_untyped_storage_constructors():
    both(
        lambda T: (
            T.UntypedStorage(5).nbytes(),
            T.UntypedStorage([1, 2, 300, -1]).tolist(),
            T.UntypedStorage().nbytes(),
            T.UntypedStorage(3).new().nbytes(),
            T.UntypedStorage.from_buffer(b"abc", dtype=T.uint8).tolist(),
            T.UntypedStorage.from_buffer(b"\x3f\x80\x00\x00", "big", dtype=T.float32).tolist(),
            T.UntypedStorage.from_buffer(b"\x00\x00\x80\x3f", "little", dtype=T.float32).tolist(),
        )
    )
    same_error(lambda T: T.UntypedStorage.from_buffer(b"abcd"))
    same_error(lambda T: T.UntypedStorage.from_buffer(b"abcd", dtype=T.float32))


def test_untyped_storage_repr_and_byteswap():
    def f(T):
        s = T.UntypedStorage([1, 2, 3, 4])
        s.byteswap(T.int16)
        return repr(s), s.tolist()

    both(f)


def test_untyped_storage_pickles():
    x = jaxtorch.tensor(A)
    s = pickle.loads(pickle.dumps(x.untyped_storage()))
    assert s.tolist() == torch.tensor(A).untyped_storage().tolist()
    assert s.data_ptr() != x.data_ptr()


def test_resize_of_an_owned_storage():
    both(lambda T: T.UntypedStorage([1, 2]).resize_(4).tolist()[:2] + [T.UntypedStorage([1, 2]).resize_(4).nbytes()])
    with pytest.raises(NotImplementedError, match="resize_"):
        jaxtorch.tensor(A).untyped_storage().resize_(200)


# ------------------------------------------------------------------------------------------------ storages as tensors


@pytest.mark.parametrize("dtype", ["uint8", "float32", "int16", "float64", None])
@pytest.mark.parametrize("start", [0, 4, 8])
def test_asarray_of_untyped_storage(dtype, start):
    def f(T):
        x = T.tensor(A)
        s = x.untyped_storage()[start:]
        r = T.asarray(s, dtype=None if dtype is None else getattr(T, dtype))
        return raw(r), r.dtype, tuple(r.shape), r.storage_offset(), r.data_ptr() - x.data_ptr()

    both(f)


def test_asarray_of_misaligned_storage_slice():
    def f(T):
        s = T.tensor(A).untyped_storage()[1:]
        r = T.asarray(s, dtype=T.float32)
        return raw(r), tuple(r.shape), r.storage_offset(), r.untyped_storage().nbytes()

    both(f)


@pytest.mark.parametrize("make", ["asarray", "tensor", "as_tensor"])
def test_tensors_of_a_storage_alias_it(make):
    def f(T):
        x = T.tensor(A[:2])
        r = getattr(T, make)(x.untyped_storage()[8:], dtype=T.float32)
        r[0] = -7.0  # writes through reach the tensor, and the tensor's writes reach r
        x[1, 5] = 42.0
        return x, r, r.requires_grad, x._version

    both(f)


def test_asarray_copy_and_requires_grad():
    def f(T):
        x = T.tensor(A[:1])
        g = T.asarray(x.storage(), requires_grad=True)
        return x, g.requires_grad, g.is_leaf

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        both(f)
        same_error(lambda T: T.asarray(T.tensor(A).storage(), dtype=T.float64))
    # copy=True copies (torch 2.13 ignores copy=True for a storage and aliases it anyway)
    x = jaxtorch.tensor(A[:1])
    jaxtorch.asarray(x.untyped_storage(), dtype=jaxtorch.float32, copy=True)[0] = 5.0
    assert x[0, 0].item() == 0.0


def test_safetensors_loading_steps():
    # what safetensors' Rust core does for framework="pt": slice a storage, read it as bytes, view and reshape
    def f(T):
        s = T.UntypedStorage(list(T.tensor(A).untyped_storage()) + [1, 2, 3])
        out = []
        for start, stop, dtype, shape in (
            (0, 96, T.float32, [4, 6]),
            (3, 96, T.uint8, [93]),
            (8, 40, T.float64, [2, 2]),
            (96, 96, T.float32, [0, 3]),
        ):
            b = T.asarray(s[start:stop], dtype=T.uint8)
            out.append(b.view(dtype=dtype).reshape(shape))
        return out

    both(f)


# ------------------------------------------------------------------------------------------------ from_file


def test_from_file_round_trip(tmp_path):
    path = str(tmp_path / "data.bin")
    torch.tensor(A).numpy().tofile(path)

    def f(T):
        s = T.UntypedStorage.from_file(path, False, 96)
        u8 = T.asarray(s, dtype=T.uint8)
        return (
            T.asarray(s, dtype=T.float32).reshape(4, 6),
            s.nbytes(),
            s.filename,
            u8[:8],
            T.UntypedStorage.from_file(path, shared=False, nbytes=0).nbytes(),
            T.from_file(path, size=6, dtype=T.float32),
            T.from_file(path, False, 3, dtype=T.int16),
            T.from_file(path, None, 2, dtype=T.float64, requires_grad=True).requires_grad,
        )

    both(f)
    # shared=False is a private copy: writes do not reach the file
    j = jaxtorch.from_file(path, False, 6, dtype=jaxtorch.float32)
    j[0] = 99.0
    assert np.fromfile(path, np.float32)[0] == 0.0


@pytest.mark.parametrize("case", ["too_small", "missing", "int_grad", "typed_base"])
def test_from_file_errors(tmp_path, case):
    path = str(tmp_path / "data.bin")
    A.tofile(path)
    fns = {
        "too_small": lambda T: T.UntypedStorage.from_file(path, False, 200),
        "missing": lambda T: T.UntypedStorage.from_file(path + "x", False, 4),
        "int_grad": lambda T: T.from_file(path, False, 2, dtype=T.int16, requires_grad=True),
        "typed_base": lambda T: T.TypedStorage.from_file(path, False, 2),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        same_error(fns[case])


def test_from_file_shared_reads_and_refuses_writes(tmp_path):
    path = str(tmp_path / "data.bin")
    A.tofile(path)
    t = torch.from_file(path, True, 24, dtype=torch.float32)
    j = jaxtorch.from_file(path, True, 24, dtype=jaxtorch.float32)
    assert j.tolist() == t.tolist()
    assert j.untyped_storage().filename == t.untyped_storage().filename == path
    with pytest.raises(NotImplementedError, match="shared=True"):
        j[0] = 1.0
    with pytest.raises(NotImplementedError, match="shared=True"):
        j.untyped_storage()[0] = 1
    grown = str(tmp_path / "grown.bin")
    jaxtorch.UntypedStorage.from_file(grown, True, 12)  # as torch, shared=True creates the file at that size
    assert os.path.getsize(grown) == 12


# ------------------------------------------------------------------------------------------------ typed storages


@pytest.fixture
def typed_warns_always():
    """Both libraries warn once per process about TypedStorage; make them warn every time while a test looks."""
    torch.storage._set_always_warn_typed_storage_removal(True)
    jaxtorch.storage._set_always_warn_typed_storage_removal(True)
    yield
    torch.storage._set_always_warn_typed_storage_removal(False)
    jaxtorch.storage._set_always_warn_typed_storage_removal(False)


def _warnings_of(fn):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        fn()
    return [(c.category, str(c.message)) for c in w]


def test_storage_warns_as_torch(typed_warns_always):
    t = _warnings_of(lambda: torch.tensor(A).storage())
    j = _warnings_of(lambda: jaxtorch.tensor(A).storage())
    assert t == j and len(t) == 1


def test_typed_storage_of_a_tensor():
    def f(T):
        x = T.tensor(A[:2])
        s = x.storage()
        s[1] = 50.0
        return (
            type(s).__name__,
            s.dtype,
            s.size(),
            len(s),
            s.nbytes(),
            s.element_size(),
            s[1],
            s[-1],
            s.tolist(),
            x,
            s.data_ptr() == x.data_ptr(),
            s.untyped() is x.untyped_storage(),
            s.type(),
            s.pickle_storage_type(),
            str(s.device),
            s.is_shared(),
            x.storage_type().__name__,
        )

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        both(f)


LEGACY = [
    "FloatStorage",
    "DoubleStorage",
    "HalfStorage",
    "BFloat16Storage",
    "LongStorage",
    "IntStorage",
    "ShortStorage",
    "CharStorage",
    "ByteStorage",
    "BoolStorage",
    "ComplexFloatStorage",
    "ComplexDoubleStorage",
]


@pytest.mark.parametrize("name", LEGACY)
def test_legacy_storage_classes(name):
    def f(T):
        cls = getattr(T, name)
        s = cls([1, 0, 1])
        typed = T.TypedStorage(3, dtype=cls.dtype)
        return (
            cls.dtype,
            type(s).__name__,
            isinstance(s, cls),
            isinstance(s, T.TypedStorage),
            isinstance(typed, cls),
            isinstance(s, T.FloatStorage if name != "FloatStorage" else T.LongStorage),
            s.tolist(),
            s.type(),
            cls(4).size(),
            cls().size(),
            T.is_storage(s),
            cls.__name__,
            cls.__mro__[1].__name__,
        )

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        both(f)


def test_typed_storage_operations():
    def f(T):
        s = T.FloatStorage([1, 2, 3])
        s[0:2] = 9
        c = s.clone()
        c.fill_(4)
        d = T.DoubleStorage([1.5, 2.5]).float()
        w = T.FloatStorage(wrap_storage=T.UntypedStorage(10))
        return (
            s.tolist(),
            c.tolist(),
            type(d).__name__,
            d.dtype,
            d.tolist(),
            w.size(),
            T.TypedStorage(wrap_storage=T.UntypedStorage(7), dtype=T.float32).size(),
            repr(s),
            T.FloatStorage.from_buffer(b"\x00\x00\x80\x3f", "native").tolist(),
            T.TypedStorage.from_buffer(b"\x3f\x80\x00\x00", "big", dtype=T.float32).tolist(),
            pickle.loads(pickle.dumps(s)).tolist(),
            list(s),
            T.UntypedStorage([1, 2, 255]).float().tolist(),
        )

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        both(f)


@pytest.mark.parametrize(
    "case",
    [
        "slice",
        "index",
        "dtype_kw",
        "device_kw",
        "too_many",
        "legacy_base",
        "str",
        "copy_size",
        "buffer_order",
        "buffer_size",
        "buffer_count",
    ],
)
def test_typed_storage_errors(case):
    fns = {
        "slice": lambda T: T.FloatStorage([1, 2])[0:1],
        "index": lambda T: T.FloatStorage([1, 2])[2],
        "dtype_kw": lambda T: T.FloatStorage(3, dtype=T.int8),
        "device_kw": lambda T: T.FloatStorage(3, device="cpu"),
        "too_many": lambda T: T.FloatStorage(1, 2),
        "legacy_base": lambda T: T.storage._LegacyStorage(3),
        "str": lambda T: T.TypedStorage("a"),
        "copy_size": lambda T: T.FloatStorage([1, 2]).copy_(T.DoubleStorage([1, 2])),
        "buffer_order": lambda T: T.FloatStorage.from_buffer(b"\x00\x00\x80\x3f", "middle"),
        "buffer_size": lambda T: T.FloatStorage.from_buffer(b"\x00\x00\x80", "native"),
        "buffer_count": lambda T: T.FloatStorage.from_buffer(b"\x00" * 8, "native", count=3),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        same_error(fns[case])


# ------------------------------------------------------------------------------------------------ view(dtype)

VIEW_DTYPES = [
    "float32",
    "float64",
    "float16",
    "bfloat16",
    "int8",
    "uint8",
    "int16",
    "int32",
    "int64",
    "bool",
    "complex64",
]
BYTES = np.arange(48, dtype=np.uint8).reshape(3, 16) * 5


def _src(T, dtype, dst):
    # a jaxtorch bool holds only 0 and 1 (JAX normalises bools), so bool views read 0/1 bytes; torch's keep any byte
    x = T.tensor(BYTES % 2 if dst == "bool" else BYTES)
    return x.view(getattr(T, dtype)) if dtype != "bool" else (x % 2).to(T.bool)


@pytest.mark.parametrize("dst", VIEW_DTYPES)
@pytest.mark.parametrize("src", ["uint8", "int64", "complex64", "bool"])
def test_view_dtype_values_and_layout(src, dst):
    def f(T):
        x = _src(T, src, dst)
        v = x.view(getattr(T, dst))
        return raw(v), v.dtype, tuple(v.shape), tuple(v.stride()), v.storage_offset(), v.is_contiguous()

    both(f)


LAYOUTS = {  # of a (3, 4) int32 tensor
    "col_slice": lambda x: x[:, 2:],
    "row_slice": lambda x: x[1:],
    "step_rows": lambda x: x[::2],
    "select": lambda x: x[1],
    "expanded": lambda x: x[:1].expand(3, 4),
    "reshaped_select": lambda x: x.reshape(3, 2, 2)[:, 1],
    "t_then_slice": lambda x: x.t()[1:3].t(),
}


@pytest.mark.parametrize("dst", ["uint8", "int16", "float64"])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_view_dtype_of_views(layout, dst):
    def f(T):
        x = T.tensor(BYTES).view(T.int32)
        v = LAYOUTS[layout](x).view(getattr(T, dst))
        return raw(v), tuple(v.shape), tuple(v.stride()), v.storage_offset(), v.data_ptr() - x.data_ptr()

    try:
        f(torch)
    except RuntimeError:  # a layout torch cannot view as dst: the same error
        same_error(f)
    else:
        both(f)


@pytest.mark.parametrize(
    "case",
    [
        "scalar_down",
        "scalar_up",
        "size",
        "offset",
        "stride_last_up",
        "stride_last_down",
        "stride_first",
        "expanded_last",
        "bad_kw",
        "dtype_and_size",
        "no_args",
        "str",
    ],
)
def test_view_dtype_errors(case):
    fns = {
        "scalar_down": lambda T: T.tensor(1.0).view(T.uint8),
        "scalar_up": lambda T: T.tensor(1.0, dtype=T.float32).view(T.float64),
        "size": lambda T: T.zeros(3).view(T.float64),
        "offset": lambda T: T.zeros(3, 4)[:, 1:3].view(T.float64),
        "stride_last_up": lambda T: T.zeros(4, 2).t().view(T.float64),
        "stride_last_down": lambda T: T.zeros(4, 3).t().view(T.int16),
        "stride_first": lambda T: T.zeros(3, 5)[:, :2].view(T.float64),
        "expanded_last": lambda T: T.zeros(4, 1).expand(4, 2).view(T.float64),
        "bad_kw": lambda T: T.zeros(4).view(foo=1),
        "dtype_and_size": lambda T: T.zeros(4).view(T.int32, 2),
        "no_args": lambda T: T.zeros(4).view(),
        "str": lambda T: T.zeros(4).view("float32"),
    }
    same_error(
        fns[case],
        exact=case not in ("bad_kw", "dtype_and_size", "no_args", "str"),
        prefix=None if case not in ("bad_kw", "dtype_and_size", "no_args", "str") else 49,
    )


@pytest.mark.parametrize("dst", ["uint8", "int16", "float64", "int32", "bool"])
def test_writes_through_dtype_views(dst):
    def f(T):
        x = T.tensor(BYTES).view(T.int32)  # a write through a bool view leaves the bytes it does not change
        v = x.view(getattr(T, dst))
        read = (lambda t: t.tolist()) if dst == "bool" else raw  # a jaxtorch bool reads its bytes as 0/1
        before = read(v)
        if dst == "bool":
            v[0, 1:3] = True
        else:
            v[1, :2] = 7
            v[2].add_(1)
        x[0, 0] = -1  # and the base's writes show through the view
        return raw(x), read(v), before, x._version, v._version

    both(f)


def test_writes_through_views_of_dtype_views():
    def f(T):
        x = T.tensor(A)
        b = x.view(T.uint8)
        b[:, ::4].zero_()  # every float's low byte
        d = x[:2].view(T.float64)
        d.t()[0].fill_(0.5)
        c = T.zeros(4, dtype=T.complex64)
        c.view(T.float32)[1::2] = 3.0  # the imaginary parts
        e = T.zeros(2, 4)
        e.view(T.int32)[:1].expand(2, 4)[1, 2] = 1065353216  # an expanded view: only the changed element
        return raw(x), raw(d), c, e

    both(f)


def test_same_size_dtype_views_alias():
    def f(T):
        x = T.tensor(A[:2])
        i = x.view(T.int32)
        i[0, 0] = 1065353216  # the bits of 1.0
        s = x.view(T.float32)  # the same dtype: still a new alias, and not differentiable
        s[1, 0] = -3.0
        return x, i, s is x, x._version

    both(f)


def test_view_dtype_autograd():
    def f(T):
        w = T.tensor(A[0], requires_grad=True)
        i = w.view(T.int32)
        same = w.view(T.float32)
        y = (w * 2).sum()
        y.backward()
        i.zero_()  # allowed on a leaf that requires grad: torch does not track the reinterpretation
        return i.requires_grad, same.requires_grad, same.is_leaf, i.grad_fn is None, w.grad, raw(w)

    both(f)


def test_bool_view_keeps_bytes():
    both(lambda T: T.tensor([0, 1, 2, 255], dtype=T.uint8).view(T.bool).view(T.uint8))


# ------------------------------------------------------------------------------------------------ frombuffer


FROMBUFFER = {
    "empty": lambda T: T.frombuffer(bytearray(), dtype=T.uint8),
    "count0": lambda T: T.frombuffer(bytearray(b"abcd"), dtype=T.uint8, count=0),
    "offset_end": lambda T: T.frombuffer(bytearray(b"abcd"), dtype=T.uint8, offset=4),
    "offset_neg": lambda T: T.frombuffer(bytearray(b"abcd"), dtype=T.uint8, offset=-1),
    "multiple": lambda T: T.frombuffer(bytearray(b"abcde"), dtype=T.float32),
    "too_many": lambda T: T.frombuffer(bytearray(b"abcde"), dtype=T.float32, count=2),
    "not_buffer": lambda T: T.frombuffer([1, 2], dtype=T.uint8),
    "strided": lambda T: T.frombuffer(memoryview(bytearray(b"abcdefgh"))[::2], dtype=T.uint8),
    "int_grad": lambda T: T.frombuffer(bytearray(b"abcd"), dtype=T.uint8, requires_grad=True),
    "float_count": lambda T: T.frombuffer(bytearray(b"abcd"), dtype=T.uint8, count=1.5),
    "bad_kw": lambda T: T.frombuffer(bytearray(b"abcd"), dtype=T.uint8, foo=1),
}


@pytest.mark.parametrize("case", FROMBUFFER)
def test_frombuffer_errors(case):
    same_error(FROMBUFFER[case], exact=case != "bad_kw", prefix=None)


def test_frombuffer_values():
    import array

    both(
        lambda T: (
            T.frombuffer(bytearray(b"abcde"), dtype=T.float32, offset=1),
            T.frombuffer(bytearray(b"abcdefgh"), dtype=T.int16, count=2, offset=2),
            T.frombuffer(array.array("i", [1, 2]), dtype=T.int32),
            T.frombuffer(array.array("i", [1, 2]), dtype=T.uint8, count=3, offset=2),
            T.frombuffer(np.arange(3, dtype=np.int16).reshape(3, 1), dtype=T.int16),
            T.frombuffer(bytearray(b"\x01\x00\x00\x01"), dtype=T.bool),
            T.frombuffer(bytearray(b"\x00\x00\x80\x3f"), dtype=T.float32, requires_grad=True).requires_grad,
            T.asarray(bytearray(b"\x00\x00\x80\x3f\x00\x00\x00\x40")),
            T.asarray(bytearray(b"abcd"), dtype=T.int16),
            T.tensor(bytearray(b"ab")),
            T.tensor(array.array("d", [1, 2])),
        )
    )
    same_error(lambda T: T.asarray([1, 2], copy=False))


def test_frombuffer_copies():
    # the documented difference: torch shares the buffer, jaxtorch reads a copy
    b = bytearray(b"abcd")
    j = jaxtorch.frombuffer(b, dtype=jaxtorch.uint8)
    b[0] = 0
    assert j.tolist() == [97, 98, 99, 100]
    with pytest.raises(ValueError, match="copy=False"):
        jaxtorch.asarray(b, copy=False)


# ------------------------------------------------------------------------------------------------ set_


def test_set_to_storage_and_tensor():
    def f(T):
        a = T.arange(6.0)
        z = T.zeros(3)
        z.set_(a.untyped_storage(), 2, (2, 2), (1, 2))
        z[0, 1] = 100.0  # aliases a
        y = T.zeros(1)
        y.set_(a[2:])
        e = T.zeros(2).set_()
        u = T.tensor([], dtype=T.float32).set_(T.UntypedStorage(6))
        w = T.zeros(1, dtype=T.int64).set_(a.untyped_storage())
        return (
            a,
            z,
            tuple(z.stride()),
            z.storage_offset(),
            y,
            y.storage_offset(),
            z._version,
            y._version,
            a._version,
            tuple(e.shape),
            tuple(u.shape),
            tuple(w.shape),
            w.dtype,
        )

    both(f)


@pytest.mark.parametrize("case", ["dtype", "typed_dtype", "leaf", "stride_len", "offset"])
def test_set_errors(case):
    fns = {
        "dtype": lambda T: T.zeros(2).set_(T.zeros(2, dtype=T.int64)),
        "typed_dtype": lambda T: T.zeros(1, dtype=T.int64).set_(T.arange(3.0).storage()),
        "leaf": lambda T: T.zeros(3, requires_grad=True).set_(T.zeros(2).untyped_storage()),
        "stride_len": lambda T: T.zeros(2).set_(T.zeros(3).untyped_storage(), 1, (2,), (1, 2)),
        "offset": lambda T: T.zeros(2).set_(T.zeros(3).untyped_storage(), -1, (2,)),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        if case in ("dtype", "typed_dtype"):
            same_error(fns[case], exact=False, prefix=27)
        else:
            same_error(fns[case])


# ------------------------------------------------------------------------------------------------ safetensors

safetensors_torch = pytest.importorskip("safetensors.torch")

SAVE = """
import sys, torch
from safetensors.torch import save_file, save_model
t = {"f32": torch.tensor([[0.0, 1 / 3, -2.5], [1e-30, 3e38, 7.0]]), "i64": torch.tensor([1, -2**40]),
     "bf16": torch.tensor([1.5, -2.25, 3e38]).to(torch.bfloat16), "f16": torch.tensor([0.1, 65000.0]).half(),
     "b": torch.tensor([True, False, True]), "i8": torch.tensor([-128, 5], dtype=torch.int8),
     "u8": torch.tensor([0, 255], dtype=torch.uint8), "i16": torch.tensor([-3, 300], dtype=torch.int16),
     "i32": torch.tensor([7, -9], dtype=torch.int32), "f64": torch.tensor([1e-300, 2.5], dtype=torch.float64),
     "c64": torch.tensor([1 + 2j, -3j], dtype=torch.complex64), "empty": torch.zeros(0, 3),
     "scalar": torch.tensor(3.25), "slice": torch.arange(12.0).reshape(3, 4)[1:]}
save_file(t, sys.argv[1], metadata={"who": sys.argv[3]})
tied = torch.nn.ModuleDict({"a": torch.nn.Linear(3, 2), "b": torch.nn.Linear(3, 2)})
tied["b"].weight = tied["a"].weight  # shared parameters: save_model keeps one copy
with torch.no_grad():
    for i, p in enumerate(tied.parameters()):
        p.copy_(torch.arange(float(p.numel())).reshape(p.shape) - i)
save_model(tied, sys.argv[2])
"""

LOAD = """
import sys, torch
from safetensors import safe_open
from safetensors.torch import load_file
r = load_file(sys.argv[1])
with safe_open(sys.argv[1], framework="pt") as f:
    part = f.get_slice("f32")[:, 1:]
    meta = f.metadata()
out = {k: (str(v.dtype), list(v.shape), v.reshape(-1).view(torch.uint8).tolist()) for k, v in sorted(r.items())}
print(repr((out, part.tolist(), meta, sorted(load_file(sys.argv[2]).keys()))))
"""


def _shim(code: str, *args: str) -> str:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    # torch is jaxtorch, and no module of the real torch package was loaded in the child
    real = os.path.dirname(torch.__file__) + os.sep
    check = (
        "\nimport sys as _sys\nassert torch.__name__ == 'jaxtorch'\n"
        f"_real = [k for k, m in list(_sys.modules.items()) if (getattr(m, '__file__', None) or '')"
        f".startswith({real!r})]\n"
        "assert not _real, _real\n"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "jaxtorch", "-c", code + check, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, f"shim run failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def _run_here(code: str, *args: str) -> str:
    import contextlib
    import io

    argv = sys.argv
    sys.argv = ["-c", *args]
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(code, "<safetensors>", "exec"), {"__name__": "__main__"})
    finally:
        sys.argv = argv
    return out.getvalue()


@pytest.mark.slow  # ~25 s: two `python -m jaxtorch` children, each importing jaxtorch and compiling its ops
def test_safetensors_round_trip_with_real_torch(tmp_path):
    j_file, j_model = str(tmp_path / "j.safetensors"), str(tmp_path / "jm.safetensors")
    t_file, t_model = str(tmp_path / "t.safetensors"), str(tmp_path / "tm.safetensors")
    _run_here(SAVE, t_file, t_model, "x")
    _shim(SAVE, j_file, j_model, "x")  # jaxtorch standing in for torch writes the same files, byte for byte
    assert pathlib.Path(j_file).read_bytes() == pathlib.Path(t_file).read_bytes()
    assert pathlib.Path(j_model).read_bytes() == pathlib.Path(t_model).read_bytes()
    expected = _run_here(LOAD, t_file, t_model)
    assert _shim(LOAD, t_file, t_model) == expected  # jaxtorch reads real torch's files
    assert _run_here(LOAD, j_file, j_model) == expected  # and real torch reads jaxtorch's


def test_view_as_real_and_as_strided_of_dtype_views():
    def f(T):
        x = T.zeros(8)
        r = T.view_as_real(x.view(T.complex64))
        r[1, 1] = 5.0
        a = x.view(T.uint8).as_strided((2, 4), (8, 1), 4)
        a[1, 3] = 64
        s = x.view(T.int16).as_strided((3,), (2,), 1)
        s.fill_(7)
        return raw(x), tuple(r.stride()), r.storage_offset(), tuple(a.stride()), a.storage_offset(), a, s

    both(f)


def test_dtype_view_writes_under_compile_match_eager():
    def run(compiled):
        x = jaxtorch.tensor(A[:2])

        def step():
            b = x.view(jaxtorch.int32)
            b[1, 2:4] = 0
            x.view(jaxtorch.uint8)[0, :4] = 1
            return x.sum()

        out = jaxtorch.compile(step)() if compiled else step()
        return out, x

    (eager_out, eager_x), (comp_out, comp_x) = run(False), run(True)
    assert raw(comp_x) == raw(eager_x) and comp_out.item() == eager_out.item()
    t = torch.tensor(A[:2])
    t.view(torch.int32)[1, 2:4] = 0
    t.view(torch.uint8)[0, :4] = 1
    assert raw(eager_x) == raw(t)


def test_legacy_tensor_constructor_aliases_a_storage():
    def f(T):
        x = T.tensor(A[:1])
        y = T.Tensor(x.untyped_storage())
        y[0] = 3.0
        return x, y, type(y).__name__

    both(f)


def test_torch_save_of_dtype_views_and_storage_tensors():
    import io

    def views(T):
        x = T.tensor(A[0])
        s = x.untyped_storage()
        return {
            "alias": T.asarray(s[8:], dtype=T.float32),
            "misaligned": T.asarray(s[1:13], dtype=T.float32),
            "bytes": x.view(T.uint8)[4:12],
            "double": x.view(T.float64)[1:],
            "round_trip": x.view(T.uint8).view(T.float32)[2:],
            "x": x,
        }

    buf = io.BytesIO()
    jaxtorch.save(views(jaxtorch), buf)
    buf.seek(0)
    loaded = torch.load(buf)
    expected = views(torch)
    assert {k: raw(v) for k, v in loaded.items()} == {k: raw(v) for k, v in expected.items()}
