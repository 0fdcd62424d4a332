"""Typed-tensor names, layouts, device predicates, top-level constants and helpers, torch.cuda streams/graphs on a
machine without a GPU: each compared with what torch (CPU build) does."""

from __future__ import annotations

import math
import typing

import numpy as np
import pytest
import torch

import jaxtorch


TYPED = ["FloatTensor", "DoubleTensor", "HalfTensor", "BFloat16Tensor", "LongTensor", "IntTensor", "ShortTensor",
         "CharTensor", "ByteTensor", "BoolTensor"]


@pytest.mark.parametrize("name", TYPED)
def test_typed_tensor_names(name):
    T, J = getattr(torch, name), getattr(jaxtorch, name)
    assert repr(J) == repr(T) and J.__name__ == T.__name__
    assert str(J.dtype) == str(T.dtype) and J.is_cuda is T.is_cuda is False
    for dt in ("float32", "int64", "bool", "float64"):
        assert isinstance(jaxtorch.zeros(2, dtype=getattr(jaxtorch, dt)), J) == \
            isinstance(torch.zeros(2, dtype=getattr(torch, dt)), T)
    assert not isinstance(np.zeros(2), J)
    assert issubclass(J, jaxtorch.Tensor) is issubclass(T, torch.Tensor) is False
    for args in [(), (2, 3), (torch.Size([4]),), ([1, 0],)]:
        jargs = tuple(jaxtorch.Size(a) if isinstance(a, torch.Size) else a for a in args)
        t, j = T(*args), J(*jargs)
        assert tuple(t.shape) == tuple(j.shape) and str(t.dtype) == str(j.dtype)
    np.testing.assert_array_equal(J([1, 0]).float().numpy(), T([1, 0]).float().numpy())
    assert typing.Optional[J] == typing.Optional[J]  # usable in annotations


def test_typed_tensor_from_tensor_and_errors():
    x = jaxtorch.ones(3)
    assert jaxtorch.FloatTensor(x).data_ptr() == x.data_ptr()
    with pytest.raises(TypeError):
        jaxtorch.FloatTensor(jaxtorch.ones(3, dtype=jaxtorch.int64))
    with pytest.raises(TypeError):
        torch.FloatTensor(torch.ones(3, dtype=torch.int64))
    assert isinstance(jaxtorch.cuda.FloatTensor, jaxtorch._tensortype.tensortype)
    assert not isinstance(jaxtorch.ones(1), jaxtorch.cuda.FloatTensor)
    assert not isinstance(torch.ones(1), torch.cuda.FloatTensor)


def test_tensor_type_names_and_conversions():
    for dt in ("float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8", "bool",
               "complex64", "complex128"):
        assert jaxtorch.zeros(1, dtype=getattr(jaxtorch, dt)).type() == torch.zeros(1, dtype=getattr(torch, dt)).type()
    x, t = jaxtorch.zeros(2), torch.zeros(2)
    for target in ("torch.DoubleTensor", "torch.ComplexFloatTensor", "torch.LongTensor"):
        assert str(x.type(target).dtype) == str(t.type(target).dtype)
    assert str(x.type(jaxtorch.IntTensor).dtype) == str(t.type(torch.IntTensor).dtype)
    for lib, v in ((torch, t), (jaxtorch, x)):
        with pytest.raises(ValueError, match="invalid type: 'foo'"):
            v.type("foo")


def test_layouts():
    assert repr(jaxtorch.zeros(1).layout) == repr(torch.zeros(1).layout) == "torch.strided"
    assert jaxtorch.zeros(1).layout is jaxtorch.strided
    for name in ("strided", "sparse_coo", "sparse_csr", "sparse_csc", "sparse_bsr", "sparse_bsc", "jagged"):
        assert repr(getattr(jaxtorch, name)) == repr(getattr(torch, name))
    assert isinstance(jaxtorch.strided, jaxtorch.layout)


def test_device_predicates_on_cpu():
    t, j = torch.zeros(1), jaxtorch.zeros(1)
    for attr in ("is_cuda", "is_cpu", "is_xla", "is_xpu", "is_mps", "is_mtia", "is_meta", "is_quantized", "is_sparse",
                 "is_sparse_csr", "is_nested", "is_mkldnn", "is_vulkan", "is_ipu", "is_maia"):
        assert getattr(j, attr) == getattr(t, attr), attr
    assert j.is_distributed() is t.is_distributed() is False
    assert j.dense_dim() == t.dense_dim() and j.sparse_dim() == t.sparse_dim()
    assert j.to_dense() is j and t.to_dense() is t
    for method in ("values", "indices", "coalesce"):
        with pytest.raises(RuntimeError):
            getattr(t, method)()
        with pytest.raises(RuntimeError):
            getattr(j, method)()
    with pytest.raises(AssertionError):
        t.xpu()
    with pytest.raises(AssertionError):
        j.xpu()
    base = jaxtorch.arange(6.0)
    assert base.is_set_to(base) and not base[1:].is_set_to(base)


def test_contains():
    t, j = torch.tensor([[1, 2], [3, 4]]), jaxtorch.tensor([[1, 2], [3, 4]])
    for v in (1, 5, 2.0):
        assert (v in t) == (v in j)
    assert (torch.tensor(2) in t) == (jaxtorch.tensor(2) in j)
    for lib, x in ((torch, t), (jaxtorch, j)):
        with pytest.raises(RuntimeError, match="only supports Tensor or scalar"):
            _ = "a" in x


def test_as_subclass_keeps_data_and_history():
    class T(torch.Tensor):
        pass

    class J(jaxtorch.Tensor):
        pass

    a = torch.ones(2, requires_grad=True) * 3
    b = jaxtorch.ones(2, requires_grad=True) * 3
    sa, sb = a.as_subclass(T), b.as_subclass(J)
    assert type(sb) is J and sb.data_ptr() == b.data_ptr()
    assert (sa.grad_fn is not None) == (sb.grad_fn is not None)
    sb.sum().backward()


def test_constants_and_sym_helpers():
    assert jaxtorch.inf == torch.inf and math.isnan(jaxtorch.nan) and jaxtorch.pi == torch.pi and jaxtorch.e == torch.e
    assert jaxtorch.newaxis is torch.newaxis is None
    for name, args in (("sym_int", (3.7,)), ("sym_int", (-3.7,)), ("sym_float", (3,)), ("sym_max", (2, 5)),
                       ("sym_min", (2, 5)), ("sym_not", (True,)), ("sym_ite", (False, 1, 2)), ("sym_sqrt", (4,)),
                       ("sym_sum", ([1, 2, 3],))):
        assert getattr(jaxtorch, name)(*args) == getattr(torch, name)(*args), name
    for flag in ("TYPE_CHECKING", "USE_GLOBAL_DEPS", "USE_RTLD_GLOBAL_WITH_LIBTORCH", "has_lapack", "has_spectral"):
        assert getattr(jaxtorch, flag) == getattr(torch, flag), flag


def test_removed_functions_raise_like_torch():
    for name in ("solve", "lstsq", "eig", "symeig"):
        for lib in (torch, jaxtorch):
            with pytest.raises(RuntimeError, match="deprecated since version 1.9 and is now removed"):
                getattr(lib, name)(lib.eye(2), lib.eye(2))


def test_deterministic_switches():
    try:
        for lib in (torch, jaxtorch):
            assert lib.are_deterministic_algorithms_enabled() is False
            lib.use_deterministic_algorithms(True, warn_only=True)
            assert lib.are_deterministic_algorithms_enabled() is True
            assert lib.is_deterministic_algorithms_warn_only_enabled() is True
            assert lib.get_deterministic_debug_mode() == 1
            lib.set_deterministic_debug_mode("error")
            assert lib.get_deterministic_debug_mode() == 2
            lib.set_deterministic_debug_mode(0)
            assert lib.are_deterministic_algorithms_enabled() is False
    finally:
        torch.use_deterministic_algorithms(False)
        jaxtorch.use_deterministic_algorithms(False)


def test_get_device_module_and_generic_stream():
    assert jaxtorch.get_device_module("cpu").__name__ == "jaxtorch.cpu"
    assert jaxtorch.get_device_module("cuda") is jaxtorch.cuda
    s = jaxtorch.Stream()
    assert s.query() is True and repr(s) == repr(torch.Stream()) and s.device_type == torch.Stream().device_type
    start, end = jaxtorch.Event(enable_timing=True), jaxtorch.Event(enable_timing=True)
    start.record()
    jaxtorch.ones(10).sum()
    end.record()
    assert start.elapsed_time(end) >= 0.0


def test_cuda_streams_and_graphs_without_a_gpu():
    """No GPU here: each fails the way torch's CPU build does."""
    cases = [("Stream", RuntimeError), ("Event", RuntimeError), ("CUDAGraph", RuntimeError),
             ("current_stream", AssertionError), ("default_stream", AssertionError),
             ("is_current_stream_capturing", RuntimeError)]
    for name, exc in cases:
        for lib in (torch, jaxtorch):
            with pytest.raises(exc):
                getattr(lib.cuda, name)()
    assert type(jaxtorch.cuda.stream(None)).__name__ == type(torch.cuda.stream(None)).__name__ == "StreamContext"
    for lib in (torch, jaxtorch):
        with pytest.raises(RuntimeError, match="NVTX functions not installed"):
            lib.cuda.nvtx.range_push("x")
        with lib.cuda.stream(None):
            pass
