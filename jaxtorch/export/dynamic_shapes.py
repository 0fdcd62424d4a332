"""torch.export.dynamic_shapes: the values that describe which input dimensions may vary.

`Dim`, `dims`, the hints `Dim.AUTO`/`Dim.STATIC`/`Dim.DYNAMIC`, derived dims (`2 * batch + 1`), `ShapesCollection`
and `AdditionalInputs` are plain values and builders, and work as in torch (reprs, bounds, errors), so code that
prepares a `dynamic_shapes` argument runs unchanged. Only `torch.export.export`, which would consume them, is
unsupported.
"""

from __future__ import annotations

import dataclasses
import inspect
import sys
from enum import Enum, auto
from typing import Any, Callable

from .. import _unsupported
from ..fx.experimental.symbolic_shapes import int_oo, neg_int_oo

__all__ = [
    "Constraint",
    "Dim",
    "dims",
    "refine_dynamic_shapes_from_suggested_fixes",
    "AdditionalInputs",
    "ShapesCollection",
]

_WHY = "torch.export traces programs into FX graphs, which jaxtorch does not build (use torch.compile)"

Constraint = _unsupported.cls("torch.export.Constraint", _WHY)
refine_dynamic_shapes_from_suggested_fixes = _unsupported.function(
    "torch.export.dynamic_shapes.refine_dynamic_shapes_from_suggested_fixes", _WHY
)


class _DimHintType(Enum):
    AUTO = auto()
    STATIC = auto()
    DYNAMIC = auto()


@dataclasses.dataclass
class _DimHint:
    """`Dim.AUTO`, `Dim.STATIC`, `Dim.DYNAMIC`; calling one (`Dim.AUTO(min=2, max=8)`) gives a bounded copy."""

    type: _DimHintType
    min: int | None = None
    max: int | None = None
    _factory: bool | None = True

    @staticmethod
    def AUTO() -> _DimHint:
        return _DimHint(_DimHintType.AUTO)

    @staticmethod
    def DYNAMIC() -> _DimHint:
        return _DimHint(_DimHintType.DYNAMIC)

    @staticmethod
    def STATIC() -> _DimHint:
        return _DimHint(_DimHintType.STATIC)

    def __call__(self, min: int | None = None, max: int | None = None) -> _DimHint:  # noqa: A002
        if not self._factory:
            raise TypeError(f"'{type(self)}' object is not callable")
        if min is not None and min < 0:
            raise AssertionError(f"min must be non-negative, got {min}")
        if max is not None and max < 0:
            raise AssertionError(f"max must be non-negative, got {max}")
        if min is not None and max is not None and min > max:
            raise AssertionError(f"min must be <= max, got min={min}, max={max}")
        return _DimHint(self.type, min=min, max=max, _factory=False)

    def __repr__(self) -> str:
        parts = [self.type.name]
        if self.min is not None:
            parts.append(f"min={self.min}")
        if self.max is not None:
            parts.append(f"max={self.max}")
        return f"DimHint({', '.join(parts)})"


_LINEAR_ONLY = "(Only increasing linear operations with integer coefficients are supported.)"


class Dim:
    """A named dynamic dimension with an inclusive range [min, max] (default [0, int_oo]).

    `dim + k`, `dim - k` and `k * dim` (integer k, k > 0 for products) give derived dims, as in torch.
    """

    AUTO = _DimHint.AUTO()
    DYNAMIC = _DimHint.DYNAMIC()
    STATIC = _DimHint.STATIC()

    def __init__(self, name: str, *, min: int | None = None, max: int | None = None) -> None:  # noqa: A002
        low = 0 if min is None else min
        high = int_oo if max is None else max
        if not (high > low):
            raise AssertionError(f"Cannot create Dim with inconsistent min={min}, max={max}")
        if not name.isidentifier():
            raise AssertionError(f"Dim name must be a valid identifier, got {name}")
        self.__name__ = name
        self.min = low
        self.max = high

    def __add__(self, other: int) -> Dim:
        if type(other) is not int:
            raise NotImplementedError(
                f"Attempted to add {other} to {self.__name__}, where an integer was expected. {_LINEAR_ONLY}"
            )
        return self._derive(1, other)

    def __radd__(self, other: int) -> Dim:
        return self + other

    def __sub__(self, other: int) -> Dim:
        if type(other) is not int:
            raise NotImplementedError(
                f"Attempted to subtract {other} from {self.__name__}, where an integer was expected. {_LINEAR_ONLY}"
            )
        return self._derive(1, -other)

    def __rsub__(self, other: int) -> Dim:
        raise NotImplementedError(f"Attempted to negate {self.__name__}. {_LINEAR_ONLY}")

    def __mul__(self, other: int) -> Dim:
        if type(other) is not int or other <= 0:
            raise NotImplementedError(
                f"Attempted to multiply {other} with {self.__name__}, where a positive integer "
                f"was expected. {_LINEAR_ONLY}"
            )
        return self._derive(other, 0)

    def __rmul__(self, other: int) -> Dim:
        return self * other

    def _derive(self, scale: int, offset: int) -> Dim:
        """The dim `scale * self + offset`."""
        return _DerivedDim(self, scale, offset)

    @staticmethod
    def _readable(name: str, min_: Any, max_: Any) -> str:
        # torch leaves out the bounds a Dim gets by default in export (min 2, max int_oo)
        shown = [f"min={min_}"] if min_ != 2 else []
        if max_ is not int_oo:
            shown.append(f"max={max_}")
        return f"Dim({', '.join([repr(name), *shown])})"

    def __repr__(self) -> str:
        return Dim._readable(self.__name__, self.min, self.max)


_Dim = Dim


class _StaticDim(Dim):
    """A dimension pinned to one value (torch builds these internally from ints in dynamic_shapes)."""

    def __init__(self, value: int) -> None:
        self.__name__ = str(value)
        self.value = value

    @property
    def min(self) -> int:  # type: ignore[override]
        return self.value

    @property
    def max(self) -> int:  # type: ignore[override]
        return self.value


def _linear_name(root: str, scale: int, offset: int) -> str:
    # the same text sympy prints for scale*root + offset
    text = root if scale == 1 else f"{scale}*{root}"
    if offset > 0:
        text += f" + {offset}"
    elif offset < 0:
        text += f" - {-offset}"
    return text


class _DerivedDim(Dim):
    """`scale * root + offset` for a named root Dim (scale > 0, so the range maps end to end)."""

    def __init__(self, root: Dim, scale: int, offset: int) -> None:
        self.root = root
        self._scale, self._offset = scale, offset
        self.__name__ = _linear_name(root.__name__, scale, offset)

    @property
    def fn(self) -> Callable[[int], int]:
        return lambda x: self._scale * x + self._offset

    def _derive(self, scale: int, offset: int) -> Dim:
        # nested derivations compose on the same root, as in torch
        return _DerivedDim(self.root, scale * self._scale, scale * self._offset + offset)

    @property
    def min(self) -> Any:  # type: ignore[override]
        if self.root.min is neg_int_oo:
            return neg_int_oo
        value = self.fn(self.root.min)
        if value < 0:
            raise AssertionError(
                f"Expected derived min value of {self.__name__} to be >= 0. Please specify an "
                f"appropriate min value for {self.root.__name__} (currently {self.root.min})."
            )
        return value

    @property
    def max(self) -> Any:  # type: ignore[override]
        if self.root.max is int_oo:
            return int_oo
        value = self.fn(self.root.max)
        if value > sys.maxsize - 1:
            raise AssertionError(
                f"Expected derived max value of {self.__name__} to be <= {sys.maxsize - 1}. Please "
                f"specify an appropriate max value for {self.root.__name__} "
                f"(currently {self.root.max})."
            )
        return value

    def __repr__(self) -> str:
        return self.__name__


def dims(*names: str, min: int | None = None, max: int | None = None) -> tuple[Dim, ...]:  # noqa: A002
    """Several Dims with the same range."""
    return tuple(Dim(name, min=min, max=max) for name in names)


# --- builders of dynamic_shapes -------------------------------------------------------------------------------------


def _combine_args(f: Any, args: tuple, kwargs: dict | None) -> dict:
    """args and kwargs bound to f's parameter names (a module's forward), as f's body would see them."""
    from ..nn.modules.module import Module

    signature = inspect.signature(f.forward if isinstance(f, Module) else f)
    return signature.bind(*args, **(kwargs or {})).arguments


def _map_structure(fn: Callable, tree: Any, *others: Any) -> Any:
    """fn over the leaves of dict/list/tuple nests (namedtuples keep their type), zipping parallel nests."""
    if isinstance(tree, dict):
        return {key: _map_structure(fn, value, *(o[key] for o in others)) for key, value in tree.items()}
    if isinstance(tree, (list, tuple)):
        items = [_map_structure(fn, *parts) for parts in zip(tree, *others)]
        if isinstance(tree, list):
            return items
        return type(tree)(*items) if hasattr(tree, "_fields") else tuple(items)
    return fn(tree, *others)


class ShapesCollection:
    """Dynamic shapes assigned per input tensor (`sc[x] = {0: batch}`), turned into the nested `dynamic_shapes`
    structure for given inputs by `dynamic_shapes(m, args, kwargs)`."""

    def __init__(self) -> None:
        self._shapes: dict = {}

    def __setitem__(self, t: Any, shape: Any) -> None:
        from .._tensor import Tensor

        if not isinstance(t, Tensor):
            raise AssertionError(f"Cannot assign shape to non-tensor or non-_IntWrapper type {type(t)}")
        if id(t) in self._shapes:
            if shape != self._shapes[id(t)]:
                raise AssertionError(
                    f"Shapes assigned to input do not match: expected {self._shapes[id(t)]}, got {shape}"
                )
        else:
            self._shapes[id(t)] = shape

    def __getitem__(self, t: Any) -> Any:
        return self._shapes.setdefault(id(t), {})

    def __len__(self) -> int:
        return len(self._shapes)

    def dynamic_shapes(self, m: Any, args: tuple, kwargs: dict | None = None) -> Any:
        found: set = set()

        def shape_of(t: Any) -> Any:
            if id(t) in self._shapes:
                found.add(id(t))
                return self._shapes[id(t)]
            return None

        result = _map_structure(shape_of, _combine_args(m, args, kwargs))
        if any(t_id not in found for t_id in self._shapes):
            raise ValueError(
                "Some tensors that were assigned shapes were not found in args. Maybe such tensors were "
                "copied when passing them as args? Maybe such tensors are contained in classes that were "
                "not registered with pytree?"
            )
        return result


class AdditionalInputs:
    """More example inputs: a dimension whose size differs between the examples becomes `Dim.DYNAMIC`, one that
    stays the same is static (None)."""

    def __init__(self) -> None:
        self._examples: list = []

    def add(self, args: tuple, kwargs: dict | None = None) -> None:
        if type(args) is not tuple:
            raise AssertionError(f"Representative args {args} must be a tuple")
        if kwargs is not None and type(kwargs) is not dict:
            raise AssertionError(f"Representative kwargs {kwargs} must be None or a dict")
        self._examples.append((args, kwargs))

    def dynamic_shapes(self, m: Any, args: tuple, kwargs: dict | None = None) -> Any:
        from .._tensor import Tensor

        def shapes_of(example_args: tuple, example_kwargs: dict | None) -> Any:
            return _map_structure(
                lambda t: tuple(t.shape) if isinstance(t, Tensor) else t, _combine_args(m, example_args, example_kwargs)
            )

        def mark(value: Any, *others: Any) -> Any:
            if isinstance(value, tuple) and all(type(v) is int for v in value):  # a tensor's shape: per dimension
                if any(not isinstance(o, tuple) or len(o) != len(value) for o in others):
                    return mark_leaf(value, *others)
                return tuple(mark_leaf(v, *(o[i] for o in others)) for i, v in enumerate(value))
            return mark_leaf(value, *others)

        def mark_leaf(value: Any, *others: Any) -> Any:
            if not all(type(value) is type(other) for other in others):
                raise ValueError(
                    "The following inputs were found to have differing types, so they cannot be marked "
                    f"as dynamic: {(value, *others)}."
                )
            if isinstance(value, int) and not isinstance(value, bool):
                return None if all(other == value for other in others) else Dim.DYNAMIC
            if not all(other == value for other in others):
                raise ValueError(
                    "The following inputs were found to have differing values, but they cannot be "
                    f"marked as dynamic: {(value, *others)}."
                )
            return None

        first, *rest = [shapes_of(a, k) for a, k in [(args, kwargs), *self._examples]]
        return _map_structure_until_shapes(mark, first, *rest)

    def verify(self, ep: Any) -> None:
        raise NotImplementedError(_unsupported.message("torch.export.AdditionalInputs.verify", _WHY))


def _map_structure_until_shapes(fn: Callable, tree: Any, *others: Any) -> Any:
    """Like _map_structure, but a tuple of ints (a tensor's shape) is handed to fn whole."""
    if isinstance(tree, tuple) and all(type(v) is int for v in tree) and not hasattr(tree, "_fields"):
        return fn(tree, *others)
    if isinstance(tree, dict):
        return {key: _map_structure_until_shapes(fn, value, *(o[key] for o in others)) for key, value in tree.items()}
    if isinstance(tree, (list, tuple)):
        items = [_map_structure_until_shapes(fn, *parts) for parts in zip(tree, *others)]
        if isinstance(tree, list):
            return items
        return type(tree)(*items) if hasattr(tree, "_fields") else tuple(items)
    return fn(tree, *others)
