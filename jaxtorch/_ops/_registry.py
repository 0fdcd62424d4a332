"""The op registry: each op is declared once, and its torch function, Tensor method, in-place
variant and operator dunders are all generated from that one declaration."""

from __future__ import annotations

import functools

from .. import _dtype as _dt
from .._tensor import Tensor

FUNCTIONS: dict = {}  # torch.<name>
NAMESPACES: dict = {}  # "linalg" -> {name: fn}, "special" -> ...


def _fit_inplace(self: Tensor, new: Tensor, name: str) -> Tensor:
    if new.shape != self.shape:
        from .. import _ops

        try:
            import numpy as np

            bshape = tuple(np.broadcast_shapes(tuple(new.shape), tuple(self.shape)))
        except ValueError:
            bshape = tuple(new.shape)
        if bshape == tuple(self.shape) and new.ndim <= self.ndim:
            new = _ops.shape.expand(new, self.shape)
        else:
            raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the broadcast shape "
                               f"{list(bshape)}")
    if new._data.dtype != self._data.dtype:
        src, dst = new.dtype, self.dtype
        if not _dt.can_cast(src, dst):
            raise RuntimeError(f"result type {_dt_name(src)} can't be cast to the desired output type {_dt_name(dst)}")
        new = new.to(dst)
    return new


def _dt_name(d) -> str:
    return {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16", "int64": "Long",
            "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
            "complex64": "ComplexFloat", "complex128": "ComplexDouble"}.get(d.name, d.name)


def make_inplace(fn, name: str):
    def inplace(self, *args, **kwargs):
        return self._inplace_assign(_fit_inplace(self, fn(self, *args, **kwargs), name), name)

    inplace.__name__ = name + "_"
    inplace.__qualname__ = "Tensor." + name + "_"
    inplace.__doc__ = f"In-place version of :meth:`Tensor.{name}`."
    return inplace


def _with_out(fn):
    @functools.wraps(fn)
    def wrapper(*args, out=None, **kwargs):
        r = fn(*args, **kwargs)
        if out is None:
            return r
        if isinstance(out, (tuple, list)):
            for o, v in zip(out, r):
                _write_out(o, v)
            return out
        return _write_out(out, r)

    return wrapper


def _write_out(out: Tensor, r: Tensor) -> Tensor:
    if out.shape != r.shape:
        out._data = r.to(out.dtype)._value()
        out._box()[0] += 1
        return out
    return out._inplace_assign(_fit_inplace(out, r, "out"), "out")


def register(name: str | None = None, *, method: bool = True, function: bool = True, inplace: bool = False,
             dunders: tuple = (), namespace: str | None = None, aliases: tuple = (), out: bool = True):
    """Declare an op. `fn` has torch's signature and works on Tensors (calling `apply` inside)."""

    def deco(fn):
        n = name or fn.__name__
        if function:
            f = _with_out(fn) if out else fn
            if not namespace and (f is not fn or "<locals>" in getattr(fn, "__qualname__", "")):
                # wrappers and ops made by factories: name them as torch.<name>, where pickle (multiprocessing)
                # finds them
                f.__module__, f.__qualname__ = "jaxtorch", n
            if namespace:
                NAMESPACES.setdefault(namespace, {})[n] = f
            else:
                FUNCTIONS[n] = f
                for a in aliases:
                    FUNCTIONS[a] = f
        if method:
            setattr(Tensor, n, fn)
            for a in aliases:
                setattr(Tensor, a, fn)
        if inplace:
            ip = make_inplace(fn, n)
            setattr(Tensor, n + "_", ip)
            for a in aliases:
                setattr(Tensor, a + "_", ip)
            if function and not namespace:
                FUNCTIONS[n + "_"] = ip
        for d in dunders:
            setattr(Tensor, d, fn)
        return fn

    return deco


def method(name: str | None = None):
    """A Tensor-only method (no torch.<name> function)."""

    def deco(fn):
        setattr(Tensor, name or fn.__name__, fn)
        return fn

    return deco
