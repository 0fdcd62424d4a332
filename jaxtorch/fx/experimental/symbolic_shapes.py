"""torch.fx.experimental.symbolic_shapes on concrete sizes.

torch's helpers take SymInt/SymBool (symbolic sizes under torch.compile/export) or plain Python values. jaxtorch has
no symbolic sizes: shapes are concrete Python ints even inside a JAX trace. So every value these helpers see is
concrete, and each returns what torch returns for a concrete value (`guard_or_false(True)` is True,
`free_symbols(x)` is empty, `is_concrete_int(3)` is True), with torch's AssertionError for a value of the wrong kind
(a 0-d tensor is not a bool to `guard_or_false`, in torch either). `ShapeEnv` and the symbolic contexts belong to
torch's symbolic tracing and raise NotImplementedError when constructed.
"""

from __future__ import annotations

import functools
import operator
import warnings
from typing import Any

from ... import _unsupported

__all__ = [
    "optimization_hint",
    "guarding_hint_or_throw",
    "guard_or_false",
    "guard_or_true",
    "has_symbolic_sizes_strides",
    "create_contiguous",
    "ShapeEnv",
    "is_concrete_int",
    "is_concrete_float",
    "is_concrete_bool",
    "has_static_value",
    "guard_int",
    "guard_float",
    "guard_scalar",
    "canonicalize_bool_expr",
    "SYMPY_INTERP",
    "free_symbols",
    "is_symbol_binding_fx_node",
    "is_nested_int",
    "SHAPEENV_EVENT_KEY",
    "CURRENT_NODE_KEY",
    "has_free_symbols",
    "has_free_unbacked_symbols",
    "sym_and",
    "sym_eq",
    "sym_or",
    "SymbolicContext",
    "StatelessSymbolicContext",
    "StatefulSymbolicContext",
    "SubclassSymbolicContext",
    "SymIntSymbolicContext",
    "TrackedFake",
    "statically_known_true",
    "statically_known_false",
    "guard_size_oblivious",
    "check_consistent",
    "compute_unbacked_bindings",
    "ConvertIntKey",
    "rebind_unbacked",
    "resolve_unbacked_bindings",
    "is_accessor_node",
    "ValueRangesSLoc",
    "SymIntEqByExpr",
    "Specialization",
]

SHAPEENV_EVENT_KEY = "shapeenv_event"
CURRENT_NODE_KEY = "current_node"
SYMPY_INTERP: dict = {}

_WHY = "jaxtorch has no symbolic sizes (every size is a concrete int, also inside a JAX trace)"

create_contiguous = _unsupported.function("torch.fx.experimental.symbolic_shapes.create_contiguous", _WHY)
compute_unbacked_bindings = _unsupported.function(
    "torch.fx.experimental.symbolic_shapes.compute_unbacked_bindings", _WHY
)
rebind_unbacked = _unsupported.function("torch.fx.experimental.symbolic_shapes.rebind_unbacked", _WHY)
resolve_unbacked_bindings = _unsupported.function(
    "torch.fx.experimental.symbolic_shapes.resolve_unbacked_bindings", _WHY
)
is_symbol_binding_fx_node = _unsupported.function(
    "torch.fx.experimental.symbolic_shapes.is_symbol_binding_fx_node", _WHY
)
is_accessor_node = _unsupported.function("torch.fx.experimental.symbolic_shapes.is_accessor_node", _WHY)
ShapeEnv = _unsupported.cls("torch.fx.experimental.symbolic_shapes.ShapeEnv", _WHY)
SymbolicContext = _unsupported.cls("torch.fx.experimental.symbolic_shapes.SymbolicContext", _WHY)
StatelessSymbolicContext = _unsupported.cls("torch.fx.experimental.symbolic_shapes.StatelessSymbolicContext", _WHY)
StatefulSymbolicContext = _unsupported.cls("torch.fx.experimental.symbolic_shapes.StatefulSymbolicContext", _WHY)
SubclassSymbolicContext = _unsupported.cls("torch.fx.experimental.symbolic_shapes.SubclassSymbolicContext", _WHY)
SymIntSymbolicContext = _unsupported.cls("torch.fx.experimental.symbolic_shapes.SymIntSymbolicContext", _WHY)
TrackedFake = _unsupported.cls("torch.fx.experimental.symbolic_shapes.TrackedFake", _WHY)
ConvertIntKey = _unsupported.cls("torch.fx.experimental.symbolic_shapes.ConvertIntKey", _WHY)
ValueRangesSLoc = _unsupported.cls("torch.fx.experimental.symbolic_shapes.ValueRangesSLoc", _WHY)
SymIntEqByExpr = _unsupported.cls("torch.fx.experimental.symbolic_shapes.SymIntEqByExpr", _WHY)
Specialization = _unsupported.cls("torch.fx.experimental.symbolic_shapes.Specialization", _WHY)
StrictMinMaxConstraint = _unsupported.cls("torch.fx.experimental.symbolic_shapes.StrictMinMaxConstraint", _WHY)
RelaxedUnspecConstraint = _unsupported.cls("torch.fx.experimental.symbolic_shapes.RelaxedUnspecConstraint", _WHY)
DimDynamic = _unsupported.cls("torch.fx.experimental.symbolic_shapes.DimDynamic", _WHY)


class _IntInfinity:
    """torch's `int_oo`/`-int_oo`: the unbounded end of an integer range (greater/less than every int)."""

    def __init__(self, sign: int) -> None:
        self._sign = sign

    def __repr__(self) -> str:
        return "int_oo" if self._sign > 0 else "-int_oo"

    __str__ = __repr__

    def __neg__(self) -> _IntInfinity:
        return int_oo if self._sign < 0 else neg_int_oo

    def __eq__(self, other: object) -> bool:
        return other is self

    def __hash__(self) -> int:
        return hash(("int_oo", self._sign))

    def _compare(self, other: object) -> int:
        if other is self:
            return 0
        if isinstance(other, _IntInfinity) or isinstance(other, (int, float)):
            return self._sign
        return NotImplemented

    def __lt__(self, other: object) -> bool:
        c = self._compare(other)
        return c if c is NotImplemented else c < 0

    def __le__(self, other: object) -> bool:
        c = self._compare(other)
        return c if c is NotImplemented else c <= 0

    def __gt__(self, other: object) -> bool:
        c = self._compare(other)
        return c if c is NotImplemented else c > 0

    def __ge__(self, other: object) -> bool:
        c = self._compare(other)
        return c if c is NotImplemented else c >= 0


int_oo = _IntInfinity(1)
neg_int_oo = _IntInfinity(-1)


class GuardOnDataDependentSymNode(RuntimeError):
    """Raised in torch when control flow depends on a data-dependent size; jaxtorch raises JAX's concretization
    errors in that situation instead, but code catches this class, so it exists."""

    def __init__(self, cond: Any, *args: Any) -> None:
        super().__init__(*args)
        self.cond = cond


def _expect_bool(a: Any) -> bool:
    if not isinstance(a, bool):
        raise AssertionError(f"Expected bool, got {type(a)}")
    return a


def guard_or_false(a: bool) -> bool:
    """`a` itself: a concrete bool never needs the "unknown, assume False" fallback."""
    return _expect_bool(a)


def guard_or_true(a: bool) -> bool:
    """`a` itself: a concrete bool never needs the "unknown, assume True" fallback."""
    return _expect_bool(a)


def statically_known_true(x: bool) -> bool:
    return _expect_bool(x)


def statically_known_false(x: bool) -> bool:
    return not _expect_bool(x)


def guard_size_oblivious(expr: bool) -> bool:
    warnings.warn(
        "guard_size_oblivious will be removed. Consider using explicit unbacked handling     potentially "
        "utilizing guard_or_false, guard_or_true, or statically_known_true",
        FutureWarning,
        stacklevel=2,
    )
    return _expect_bool(expr)


def guard_bool(a: bool) -> bool:
    if type(a) is not bool:
        raise AssertionError(f"Expected bool, got {a}")
    return a


def expect_true(a: bool, skip: int = 0) -> bool:
    return guard_bool(a)


def guard_int(a: int) -> int:
    if type(a) is not int:
        raise AssertionError(f"Expected int, got {a}")
    return a


def guard_float(a: float) -> float:
    if not isinstance(a, float):
        raise AssertionError(f"Expected float, got {a}")
    return a


def guard_scalar(a: bool | int | float) -> bool | int | float:
    if isinstance(a, bool):
        return guard_bool(a)
    if isinstance(a, int):
        return guard_int(a)
    if isinstance(a, float):
        return guard_float(a)
    raise AssertionError(f"unrecognized scalar {a}")


def is_concrete_int(a: int) -> bool:
    if not isinstance(a, int):
        raise AssertionError(f"Expected SymInt or int, got {type(a)}")
    return True


def is_concrete_float(a: float) -> bool:
    if not isinstance(a, float):
        raise AssertionError(f"Expected SymFloat or float, got {type(a)}")
    return True


def is_concrete_bool(a: bool) -> bool:
    if not isinstance(a, bool):
        raise AssertionError(f"Expected SymBool or bool, got {type(a)}")
    return True


def has_static_value(a: bool | float | int) -> bool:
    if not isinstance(a, (bool, float, int)):
        raise AssertionError(f"Expected BoolLike/FloatLike/IntLike, got {type(a)}")
    return True


def is_nested_int(s: Any) -> bool:
    return False


def guarding_hint_or_throw(a: int | bool) -> int | bool:
    if isinstance(a, bool):
        return a
    if type(a) is not int:
        raise AssertionError(f"Expected int, got {type(a)}")
    return a


def optimization_hint(a: int, fallback: int | None = None) -> int:
    if type(a) is not int:
        raise AssertionError(f"Expected int, got {type(a)}")
    return a


def canonicalize_bool_expr(expr: Any) -> Any:
    """Only symbolic relations are rewritten in torch; every concrete value comes back unchanged."""
    return expr


def has_symbolic_sizes_strides(elem: Any) -> bool:
    from ..._tensor import Tensor

    if not isinstance(elem, Tensor):
        raise AttributeError(f"'{type(elem).__name__}' object has no attribute '_has_symbolic_sizes_strides'")
    return False


def _check_free_symbol_input(val: Any) -> None:
    """Walk `val` as torch does when collecting symbols, rejecting what torch rejects (no symbol is ever found)."""
    from ..._tensor import Tensor
    from ...random import Generator

    if val is None or isinstance(val, (int, float, bool, str, Tensor, Generator)):
        return
    if isinstance(val, (tuple, list)):
        for item in val:
            _check_free_symbol_input(item)
        return
    if isinstance(val, dict):
        for item in (*val.keys(), *val.values()):
            _check_free_symbol_input(item)
        return
    raise AssertionError(f"cannot extract sympy expressions from {val} {type(val)}")


def free_symbols(val: Any) -> set:
    """The symbols in `val`'s sizes: always empty here (an insertion-ordered set in torch, a set here)."""
    _check_free_symbol_input(val)
    return set()


def free_unbacked_symbols(x: Any) -> set:
    _check_free_symbol_input(x)
    return set()


def has_free_symbols(val: Any) -> bool:
    _check_free_symbol_input(val)
    return False


def has_free_unbacked_symbols(x: Any) -> bool:
    _check_free_symbol_input(x)
    return False


def sym_eq(x: Any, y: Any) -> bool:
    """== that compares lists/tuples element by element (lengths first); only ints and sequences of them."""
    if isinstance(x, (tuple, list)) and isinstance(y, (list, tuple)):
        if len(x) != len(y):
            return False
        return functools.reduce(operator.and_, map(sym_eq, x, y), True)
    if isinstance(x, int) and isinstance(y, int):
        return x == y
    raise AssertionError(f"unexpected sym_eq between {type(x)} {type(y)}")


def sym_and(x: Any, *others: Any) -> Any:
    return functools.reduce(operator.and_, others, x)


def sym_or(x: Any, *others: Any) -> Any:
    return functools.reduce(operator.or_, others, x)


def check_consistent(new: Any, old: Any) -> None:
    """Check that two concrete sizes (or tensors' shapes) agree, raising as torch does when they do not."""
    from ..._tensor import Tensor

    if isinstance(new, Tensor):
        if not isinstance(old, Tensor):
            raise AssertionError(f"Expected Tensor, got {type(old)}")
        if old.dim() != new.dim() or any(i != j for i, j in zip(old.shape, new.shape)):
            raise RuntimeError(f"{old.shape} != {new.shape} (old != new)")
    elif isinstance(new, (int, float)) and not isinstance(new, bool):
        if not isinstance(old, (int, float)) or isinstance(old, bool):
            raise AssertionError(f"{old} != {new}")
        if old != new:
            raise RuntimeError(f"{old} != {new} (old != new)")


def constrain_range(a: int, *, min: int | None, max: int | None = None) -> None:  # noqa: A002
    low = neg_int_oo if min is None else min
    high = int_oo if max is None else max
    if high < low:
        raise ValueError(
            "Maximum value to constrain_as_size can't be less than the specified min value, "
            f"received min={low} and max={high}"
        )
    if not (low <= a <= high):
        raise ValueError(f"Invalid value {a} for range [{low}:{high}]")


def constrain_unify(a: int, b: int) -> None:
    if a != b:
        raise AssertionError(f"Expected {a} == {b}")
