"""The op registry: each op is declared once, with `register`, and every form torch gives it is installed from
that one declaration -- torch.<name> (or torch.<namespace>.<name>) with `out=`, Tensor.<name>, the in-place
Tensor.<name>_ (and torch.<name>_ where torch has one), operator dunders, reflected operators (`2 - x`) and
augmented assignment (`x -= 2`).

    @register(inplace=True, dunders=("__sub__",), rdunders=("__rsub__",), idunders=("__isub__",),
              aliases=("subtract",))
    def sub(input, other, *, alpha=1): ...

Every declaration leaves an `OpRecord` in RECORDS naming what it installed, and a name is installed once: a
second op claiming a torch.* or Tensor.* name, or one the Tensor class defines itself, is an error at import
(tests/test_registry.py checks every public torch.* function and Tensor attribute against the records)."""

from __future__ import annotations

import dataclasses
import functools
import numbers
from typing import Callable

from .. import _dtype as _dt
from .._tensor import Tensor

FUNCTIONS: dict = {}  # torch.<name>
NAMESPACES: dict = {}  # "linalg" -> {name: fn}, "special" -> ...
RECORDS: dict = {}  # "add", "linalg.det" -> OpRecord
FACADE = frozenset(vars(Tensor))  # what the Tensor class body defines itself (payload, metadata, autograd surface)
_OWNER: dict = {}  # "Tensor.add", "torch.add", "torch.linalg.det" -> the record key that installed it


@dataclasses.dataclass(frozen=True, eq=False)
class OpRecord:
    """What one `register` declaration installed."""

    name: str  # torch's name: "add", or "linalg.det" for an op of a namespace
    fn: Callable  # the op itself, with torch's signature
    function: Callable | None  # torch.<name> (fn, or fn wrapped to take `out=`); None: torch has no function
    method: Callable | None  # Tensor.<name> (a property's getter when `as_property`)
    inplace: Callable | None  # Tensor.<name>_
    aliases: tuple  # other names of the same op ("special.expit": a name in another namespace, function only)
    torch_inplace: tuple  # torch.<name>_ functions (the in-place method, as a function)
    dunders: tuple  # Tensor.__op__ = method
    rdunders: tuple  # Tensor.__rop__(self, other) = op(other, self)
    idunders: tuple  # Tensor.__iop__(self, other) = self.<name>_(other)
    out: bool  # torch.<name> takes out= (written by the registry, or by fn itself)
    installed: dict  # "Tensor.<attr>" / "torch.<qualified name>" -> the object installed there


def owner(where: str) -> OpRecord | None:
    """The record of the op that installed `where` ("Tensor.add_", "torch.add", "torch.linalg.det"), if any."""
    key = _OWNER.get(where)
    return None if key is None else RECORDS[key]


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


def _with_out(fn, list_result: bool = True):
    """fn with torch's out=: the result is written into `out` (a tensor, or one per result), which is returned;
    without `list_result` a list of outs gives None (torch's split_copy / unbind_copy)."""

    @functools.wraps(fn)
    def wrapper(*args, out=None, **kwargs):
        r = fn(*args, **kwargs)
        if out is None:
            return r
        if isinstance(out, (tuple, list)):
            for o, v in zip(out, r):
                _write_out(o, v)
            return out if list_result else None
        return _write_out(out, r)

    return wrapper


def _write_out(out: Tensor, r: Tensor) -> Tensor:
    if out.shape != r.shape:
        out._data = r.to(out.dtype)._value()
        out._box()[0] += 1
        return out
    return out._inplace_assign(_fit_inplace(out, r, "out"), "out")


def _reflected(op, scalars: bool):
    operands = (numbers.Number, Tensor) if scalars else (Tensor,)

    def reflected(self, other):
        return op(other, self) if isinstance(other, operands) else NotImplemented

    return reflected


def _augmented(inplace_name: str):
    def augmented(self, other):
        return getattr(self, inplace_name)(other)  # a subclass's override of the in-place method is honoured

    return augmented


def register(name: str | None = None, *, function: bool = True, method: bool | Callable = True,
             inplace: bool | Callable = False, torch_inplace: bool | tuple = False, dunders: tuple = (),
             rdunders: tuple = (), idunders: tuple = (), reflect_scalars: bool = True, namespace: str | None = None,
             aliases: tuple = (), out: bool | str = True, as_property: bool = False):
    """Declare an op: `fn` has torch's signature and works on Tensors (calling `apply` inside).

    function       install torch.<name> (torch.<namespace>.<name> with `namespace`)
    out            torch.<name> takes `out=`: True, the result is written into it (`fn` never sees it); "fn", fn
                   takes and writes `out` itself
    method         install Tensor.<name> = fn; a callable: the method differs from the function (`x.where(c, y)`)
    as_property    Tensor.<name> is a property with the method as its getter (`x.real`, `x.T`)
    inplace        install Tensor.<name>_: True makes it from fn (compute, check, assign); a callable is it
    torch_inplace  also torch.<name>_ (True: for the name and every alias; a tuple: exactly those names)
    dunders        operator names bound to the op itself (`__add__`)
    rdunders       reflected operators: `other <op> self` runs op(other, self) (numbers and Tensors; Tensors
                   only when not `reflect_scalars`)
    idunders       augmented assignment: `self <op>= other` runs self.<name>_(other)
    aliases        other names of every form above; a dotted alias ("special.expit") names the function in
                   another namespace
    """

    def deco(fn):
        n = name or fn.__name__
        key = f"{namespace}.{n}" if namespace else n
        if key in RECORDS:
            raise RuntimeError(f"op {key!r} is registered twice")
        installed: dict = {}
        plain = tuple(a for a in aliases if "." not in a)
        f = None
        if function:
            f = _with_out(fn) if out is True else fn
            prefix = f"{namespace}." if namespace else ""
            for qual in (prefix + n,) + tuple(a if "." in a else prefix + a for a in aliases):
                installed["torch." + qual] = f
        m = None
        if method:
            m = fn if method is True else method
            for a in (n,) + plain:
                installed["Tensor." + a] = property(m) if as_property else m
        ip = None
        if inplace:
            ip = make_inplace(fn, n) if inplace is True else inplace
            for a in (n,) + plain:
                installed["Tensor." + a + "_"] = ip
        if torch_inplace:
            if ip is None or namespace:
                raise ValueError(f"{key}: torch_inplace needs an in-place form of a torch.* op")
            ti = tuple(a + "_" for a in (n,) + plain) if torch_inplace is True else tuple(torch_inplace)
            for t in ti:
                installed["torch." + t] = ip
        else:
            ti = ()
        for d in dunders:
            installed["Tensor." + d] = fn
        for d in rdunders:
            installed["Tensor." + d] = _reflected(fn, reflect_scalars)
        for d in idunders:
            if ip is None:
                raise ValueError(f"{key}: {d} needs the in-place form")
            installed["Tensor." + d] = _augmented(n + "_")
        for where in installed:
            if where in _OWNER or where.startswith("Tensor.") and where[7:] in FACADE:
                raise RuntimeError(f"{where} is installed twice: by op {key!r} and by "
                                   f"{_OWNER.get(where, 'the Tensor class')!r}")
        if f is not None and not namespace and (f is not fn or "<locals>" in getattr(fn, "__qualname__", "")):
            # wrappers and ops made by factories: name them as torch.<name>, where pickle (multiprocessing) finds them
            f.__module__, f.__qualname__ = "jaxtorch", n
        for where, obj in installed.items():
            _OWNER[where] = key
            kind, _, qual = where.partition(".")
            if kind == "Tensor":
                setattr(Tensor, qual, obj)
            elif "." in qual:
                ns, _, leaf = qual.rpartition(".")  # a namespace may be dotted itself ("signal.windows")
                NAMESPACES.setdefault(ns, {})[leaf] = obj
            else:
                FUNCTIONS[qual] = obj
        RECORDS[key] = OpRecord(key, fn, f, m, ip, tuple(aliases), ti, tuple(dunders), tuple(rdunders),
                                tuple(idunders), bool(function and out), installed)
        return fn

    return deco
