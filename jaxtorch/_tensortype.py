"""Tensor layouts (`torch.strided`, ...) and the legacy typed-tensor names (`torch.FloatTensor`,
`torch.cuda.LongTensor`).

Every jaxtorch tensor is dense and row-major: its layout is `torch.strided`. The other layouts exist as values
(code compares against them) and creating a tensor with one raises NotImplementedError.

The typed names behave as torch's: `isinstance(t, torch.LongTensor)` is true for an int64 CPU tensor,
`torch.FloatTensor(2, 3)` makes an uninitialised (here: zero) float32 tensor of that shape, `torch.LongTensor([1, 2])`
one from data, `t.type(torch.DoubleTensor)` converts, and they work in annotations (`Optional[torch.LongTensor]`).
Like torch's, they are not subclasses of `torch.Tensor`: tensors are never created as instances of them.
"""

from __future__ import annotations

import numbers

from . import _dtype as _dt

__all__ = ["layout", "strided", "sparse_coo", "sparse_csr", "sparse_csc", "sparse_bsr", "sparse_bsc", "_mkldnn",
           "jagged", "tensortype", "TENSOR_TYPES", "CUDA_TENSOR_TYPES", "type_by_name"]


class layout:
    """torch.layout: how a tensor's elements are stored."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        object.__setattr__(self, "_name", name)

    def __setattr__(self, name, value):
        raise AttributeError("torch.layout objects are immutable")

    def __repr__(self) -> str:
        return f"torch.{self._name}"

    def __reduce__(self):
        return (_layout_by_name, (self._name,))


def _layout_by_name(name: str) -> layout:
    return _LAYOUTS[name]


strided = layout("strided")
sparse_coo = layout("sparse_coo")
sparse_csr = layout("sparse_csr")
sparse_csc = layout("sparse_csc")
sparse_bsr = layout("sparse_bsr")
sparse_bsc = layout("sparse_bsc")
_mkldnn = layout("_mkldnn")
jagged = layout("jagged")
_LAYOUTS = {lay._name: lay for lay in (strided, sparse_coo, sparse_csr, sparse_csc, sparse_bsr, sparse_bsc, _mkldnn,
                                       jagged)}


def check_layout(value, fn: str = "") -> None:
    """Creation functions accept `layout=`: strided (or None) is the only one jaxtorch has."""
    if value is None or value is strided:
        return
    if not isinstance(value, layout):
        raise TypeError(f"{fn + '(): ' if fn else ''}argument 'layout' must be torch.layout, not "
                        f"{type(value).__name__}")
    raise NotImplementedError(f"{fn + ': ' if fn else ''}layout={value!r} is not supported by jaxtorch (only "
                              "dense torch.strided tensors)")


class tensortype(type):
    """The metaclass of the legacy typed-tensor names."""

    dtype: _dt.dtype
    is_cuda: bool
    is_sparse = False

    def __instancecheck__(cls, obj) -> bool:
        from ._tensor import Tensor

        if not isinstance(obj, Tensor) or obj.dtype != cls.dtype:
            return False
        return (obj.device.type == "cuda") == cls.is_cuda

    def __subclasscheck__(cls, sub) -> bool:
        return type.__subclasscheck__(cls, sub)

    def __call__(cls, *args, device=None, **kwargs):
        from ._device import device as _device
        from ._ops import creation
        from ._tensor import Size, Tensor

        if kwargs:
            raise TypeError(f"{cls.__name__}() got an unexpected keyword argument {next(iter(kwargs))!r}")
        if device is not None and (_device(device).type == "cuda") != cls.is_cuda:
            raise RuntimeError(f"legacy constructor expects device type: {'cuda' if cls.is_cuda else 'cpu'} but "
                               f"device type: {_device(device).type} was passed")
        dev = "cuda" if cls.is_cuda else None
        if not args:
            return creation.empty(0, dtype=cls.dtype, device=dev)
        if len(args) == 1 and isinstance(args[0], Tensor):
            src = args[0]
            if src.dtype != cls.dtype:
                raise TypeError(f"expected {cls.__name__} (dtype {cls.dtype}) but got a tensor of dtype {src.dtype}")
            return src.detach()
        if len(args) == 1 and isinstance(args[0], Size):
            args = tuple(args[0])
        if all(isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in args):
            return creation.empty(*args, dtype=cls.dtype, device=dev)
        if len(args) == 1:
            return creation.tensor(args[0], dtype=cls.dtype, device=dev)
        raise TypeError(f"{cls.__name__}(): arguments must be sizes (ints), a sequence of data, or a tensor")

    def __repr__(cls) -> str:
        return f"<class '{cls.__module__}.{cls.__name__}'>"


_NAMES = {"Float": _dt.float32, "Double": _dt.float64, "Half": _dt.float16, "BFloat16": _dt.bfloat16,
          "Long": _dt.int64, "Int": _dt.int32, "Short": _dt.int16, "Char": _dt.int8, "Byte": _dt.uint8,
          "Bool": _dt.bool_}


def _make(prefix: str, dtype: _dt.dtype, cuda: bool) -> tensortype:
    module = "torch.cuda" if cuda else "torch"
    return tensortype(prefix + "Tensor", (), {"dtype": dtype, "is_cuda": cuda, "__module__": module,
                                              "__doc__": f"Legacy name for {'CUDA' if cuda else 'CPU'} tensors of "
                                                         f"dtype {dtype}."})


TENSOR_TYPES = {p + "Tensor": _make(p, d, False) for p, d in _NAMES.items()}
CUDA_TENSOR_TYPES = {p + "Tensor": _make(p, d, True) for p, d in _NAMES.items()}


def type_by_name(name: str) -> tensortype | None:
    """'torch.FloatTensor' / 'torch.cuda.LongTensor' -> the typed-tensor class (None for an unknown name)."""
    if name.startswith("torch.cuda."):
        return CUDA_TENSOR_TYPES.get(name[len("torch.cuda."):])
    if name.startswith("torch."):
        return TENSOR_TYPES.get(name[len("torch."):])
    return None
