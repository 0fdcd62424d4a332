"""nn.Parameter and nn.Buffer."""

from __future__ import annotations

from .._tensor import Tensor


class Parameter(Tensor):
    """A Tensor that a Module registers as a parameter when assigned as an attribute."""

    _is_param = True

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True):
        if data is None:
            from .._ops.creation import empty

            data = empty(0)
        obj = object.__new__(cls)
        obj._data = data._value()
        if requires_grad:
            obj.requires_grad_(True)
        return obj

    def __init__(self, data=None, requires_grad=True):
        pass

    def __repr__(self) -> str:
        from .._printing import tensor_repr

        return tensor_repr(self)  # _printing adds the "Parameter containing:" header

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        p = Parameter(Tensor._make(self._value()), self.requires_grad)
        memo[id(self)] = p
        if self._grad is not None:
            p._grad = self._grad.__deepcopy__(memo)
        return p

    def __reduce_ex__(self, proto):
        import numpy as np

        return (_rebuild_parameter, (np.asarray(self._value()), self.requires_grad))


def _rebuild_parameter(arr, requires_grad):
    import jax.numpy as jnp

    return Parameter(Tensor._make(jnp.asarray(arr)), requires_grad)


_UNINIT_USE = ("Attempted to use an uninitialized parameter in {}. This error happens when you are using a "
               "`LazyModule` or explicitly manipulating `torch.nn.parameter.{}` objects. When using LazyModules Call "
               "`forward` with a dummy batch to initialize the parameters before calling torch functions")


class UninitializedTensorMixin:
    """A tensor whose shape is not known yet: only dtype/device conversions and `materialize` are allowed."""

    cls_to_become: type = Tensor

    # Ops read operands' payloads through `_data` (the dispatcher) or `_value()`: both refuse, as torch's
    # __torch_function__ check does. The empty placeholder (which carries dtype) lives in `_uninit`.
    @property
    def _data(self):
        raise ValueError(_UNINIT_USE.format("a tensor operation", type(self).__name__))

    @_data.setter
    def _data(self, value) -> None:
        self.__dict__["_uninit"] = value

    def _value(self):
        raise ValueError(_UNINIT_USE.format("a tensor operation", type(self).__name__))

    @property
    def dtype(self):
        from .. import _dtype

        return _dtype.from_np(self._uninit.dtype)

    @property
    def device(self):
        return Tensor._make(self._uninit).device

    @property
    def ndim(self) -> int:
        return 1

    def size(self, dim: int | None = None):
        return Tensor._make(self._uninit).size(dim)

    def is_floating_point(self) -> bool:
        return Tensor._make(self._uninit).is_floating_point()

    def is_complex(self) -> bool:
        return Tensor._make(self._uninit).is_complex()

    def _refuse(self, what: str):
        raise ValueError(_UNINIT_USE.format(f"<method '{what}' of 'torch._C.TensorBase' objects>",
                                            type(self).__name__))

    def dim(self) -> int:
        self._refuse("dim")

    def numel(self) -> int:
        self._refuse("numel")

    def materialize(self, shape, device=None, dtype=None) -> None:
        """Give the tensor real (uninitialised) storage of `shape` and turn it into `cls_to_become`, in place."""
        from .._ops.creation import empty

        dtype = dtype if dtype is not None else self.dtype
        d = self.__dict__
        d["_data"] = empty(tuple(shape), dtype=dtype)._data
        del d["_uninit"]
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError("Can't access the shape of an uninitialized parameter or buffer. This error usually happens "
                           "in `load_state_dict` when trying to load an uninitialized parameter into an initialized "
                           "one. Call `forward` to initialize the parameters before accessing their attributes.")

    def share_memory_(self):
        raise RuntimeError("Can't share memory on an uninitialized parameter or buffer. Call `forward` to initialize "
                           "the parameters before calling `module.share_memory()`.")

    def _converted(self, data):
        new = type(self).__new__(type(self), self.requires_grad)
        new._data = data
        if hasattr(self, "persistent"):
            new.persistent = self.persistent
        return new

    def to(self, *args, **kwargs):
        """Only the dtype an uninitialised tensor will materialise with changes (devices are not modelled)."""
        return self._converted(Tensor._make(self._uninit).to(*args, **kwargs)._data)

    def _cast(self, dtype_name: str):
        from .. import _dtype

        return self._converted(Tensor._make(self._uninit).to(getattr(_dtype, dtype_name))._data)

    def float(self, *a, **k):
        return self._cast("float32")

    def double(self, *a, **k):
        return self._cast("float64")

    def half(self, *a, **k):
        return self._cast("float16")

    def bfloat16(self, *a, **k):
        return self._cast("bfloat16")

    def cpu(self, *a, **k):
        return self

    def cuda(self, *a, **k):
        return self

    def detach(self):
        return self

    def copy_(self, src, non_blocking: bool = False):
        # torch allows copying one uninitialised tensor into another (a lazy state_dict into a lazy module)
        if not is_lazy(src):
            self._refuse("copy_")
        return self

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = self._converted(self._uninit)
        return memo[id(self)]

    def __reduce_ex__(self, proto):
        import numpy as np

        return (_rebuild_uninitialized, (type(self), self.requires_grad, np.dtype(self._uninit.dtype).str))


def _rebuild_uninitialized(cls, requires_grad, dtype_str):
    import numpy as np

    from .. import _dtype

    return cls(requires_grad, dtype=_dtype.from_np(np.dtype(dtype_str)))


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A Parameter whose shape is inferred later (by a lazy module's first forward)."""

    cls_to_become = Parameter

    def __new__(cls, requires_grad: bool = True, device=None, dtype=None):
        from .._ops.creation import empty

        obj = object.__new__(cls)
        obj._data = empty(0, dtype=dtype)._data
        if requires_grad:
            obj._requires_grad = True
        return obj

    def __init__(self, requires_grad=True, device=None, dtype=None):
        pass


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer whose shape is inferred later (by a lazy module's first forward)."""

    cls_to_become = Tensor

    def __new__(cls, requires_grad: bool = False, device=None, dtype=None, persistent: bool = True):
        from .._ops.creation import empty

        obj = object.__new__(cls)
        obj._data = empty(0, dtype=dtype)._data
        if requires_grad:
            obj._requires_grad = True
        obj.persistent = persistent
        obj._is_buffer = True
        return obj

    def __init__(self, requires_grad=False, device=None, dtype=None, persistent=True):
        pass


class Buffer(Tensor):
    """nn.Buffer(t, persistent=True): marks a tensor to be registered as a buffer on assignment."""

    def __new__(cls, data: Tensor | None = None, *, persistent: bool = True):
        from .._ops.creation import empty

        t = data if data is not None else empty(0)
        obj = object.__new__(cls)
        obj._data = t._value()
        obj.persistent = persistent
        return obj

    def __init__(self, data=None, *, persistent=True):
        pass


def is_lazy(param) -> bool:
    """Whether param is an UninitializedParameter or UninitializedBuffer."""
    return isinstance(param, UninitializedTensorMixin)
