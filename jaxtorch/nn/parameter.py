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


class UninitializedParameter(Parameter):
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
    return isinstance(param, UninitializedParameter)
