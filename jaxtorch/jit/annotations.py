"""torch.jit.annotations: the typing names TorchScript code imports, and the container-type predicates.

`List`, `Dict`, `Tuple`, `Optional`, `Union`, `Any` are `typing`'s own, so annotations written with them mean what
they mean in Python. The TorchScript type objects (`TensorType`, `ListType`, ...) and signature parsing exist only
inside the TorchScript compiler and are unsupported.
"""

from __future__ import annotations

import types
import typing
from typing import Any, Dict, List, Optional, Tuple, Union  # noqa: UP035  (torch re-exports typing's names)

from .. import _unsupported
from ._async import Future  # noqa: F401  (torch.jit.annotations.Future)

__all__ = [
    "Any",
    "List",
    "BroadcastingList1",
    "BroadcastingList2",
    "BroadcastingList3",
    "Tuple",
    "is_tuple",
    "is_list",
    "Dict",
    "is_dict",
    "is_optional",
    "is_union",
    "TensorType",
    "TupleType",
    "FloatType",
    "ComplexType",
    "IntType",
    "ListType",
    "StringType",
    "DictType",
    "AnyType",
    "Module",
    "get_signature",
    "check_fn",
    "get_param_names",
    "parse_type_line",
    "get_type_line",
    "split_type_line",
    "try_real_annotations",
    "try_ann_to_type",
    "ann_to_type",
]


class BroadcastingListCls:
    """`BroadcastingList2[int]` in an annotation: TorchScript's "an int or a list of 2 ints". Subscripting gives
    None in eager Python, as in torch (the annotation carries no runtime check)."""

    def __getitem__(self, types: Any) -> None:
        return None


BroadcastingList1 = BroadcastingListCls()
BroadcastingList2 = BroadcastingList3 = BroadcastingList1  # torch uses one object for every length too
BroadcastingList4 = BroadcastingList5 = BroadcastingList6 = BroadcastingList1


def _missing_contained_type(name: str) -> RuntimeError:
    if name.endswith("ict"):
        return RuntimeError(
            f"Attempted to use {name} without contained types. Please add contained type, e.g. {name}[int, int]"
        )
    return RuntimeError(
        f"Attempted to use {name} without a contained type. Please add a contained type, e.g. {name}[int]"
    )


def _is_generic_of(ann: Any, origin: type, bare: Any, name: str) -> bool:
    if ann is bare:
        raise _missing_contained_type(name)
    return getattr(ann, "__module__", None) in ("builtins", "typing") and typing.get_origin(ann) is origin


def is_tuple(ann: Any) -> bool:
    return _is_generic_of(ann, tuple, typing.Tuple, "Tuple")  # noqa: UP006


def is_list(ann: Any) -> bool:
    return _is_generic_of(ann, list, typing.List, "List")  # noqa: UP006


def is_dict(ann: Any) -> bool:
    return _is_generic_of(ann, dict, typing.Dict, "Dict")  # noqa: UP006


def is_union(ann: Any) -> bool:
    if ann is Union:
        raise _missing_contained_type("Union")
    return isinstance(ann, types.UnionType) or (
        getattr(ann, "__module__", None) == "typing" and typing.get_origin(ann) is Union
    )


def is_optional(ann: Any) -> bool:
    if ann is Optional:
        raise _missing_contained_type("Optional")
    if is_union(ann):
        args = typing.get_args(ann)
        return len(args) == 2 and type(None) in args
    return False


_WHY = "TorchScript's type system exists only inside the TorchScript compiler, which jaxtorch does not have"
get_signature = _unsupported.function("torch.jit.annotations.get_signature", _WHY)
check_fn = _unsupported.function("torch.jit.annotations.check_fn", _WHY)
get_param_names = _unsupported.function("torch.jit.annotations.get_param_names", _WHY)
parse_type_line = _unsupported.function("torch.jit.annotations.parse_type_line", _WHY)
get_type_line = _unsupported.function("torch.jit.annotations.get_type_line", _WHY)
split_type_line = _unsupported.function("torch.jit.annotations.split_type_line", _WHY)
try_real_annotations = _unsupported.function("torch.jit.annotations.try_real_annotations", _WHY)
try_ann_to_type = _unsupported.function("torch.jit.annotations.try_ann_to_type", _WHY)
ann_to_type = _unsupported.function("torch.jit.annotations.ann_to_type", _WHY)
TensorType = _unsupported.cls("torch.jit.annotations.TensorType", _WHY)
TupleType = _unsupported.cls("torch.jit.annotations.TupleType", _WHY)
FloatType = _unsupported.cls("torch.jit.annotations.FloatType", _WHY)
ComplexType = _unsupported.cls("torch.jit.annotations.ComplexType", _WHY)
IntType = _unsupported.cls("torch.jit.annotations.IntType", _WHY)
ListType = _unsupported.cls("torch.jit.annotations.ListType", _WHY)
StringType = _unsupported.cls("torch.jit.annotations.StringType", _WHY)
DictType = _unsupported.cls("torch.jit.annotations.DictType", _WHY)
AnyType = _unsupported.cls("torch.jit.annotations.AnyType", _WHY)
Module = _unsupported.cls("torch.jit.annotations.Module", _WHY)
