"""torch.fx._pytree: flatten a value by a given TreeSpec (the layout an exported program expects its inputs in).

It works on the TreeSpecs of jaxtorch's `torch.utils._pytree`, imported when first needed. Containers whose
flattening by spec is registered here (dict, list, tuple, namedtuple, and whatever `register_pytree_flatten_spec`
adds) follow the spec's own layout, so a dict with extra keys or a longer list flattens to exactly the leaves the
spec names; anything else must match the spec exactly.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any, Callable

__all__ = ["register_pytree_flatten_spec", "tree_flatten_spec"]

FlattenFnSpec = Callable[[Any, Any], list]
FlattenFnExactMatchSpec = Callable[[Any, Any], bool]
FlattenFuncSpec = FlattenFnSpec
FlattenFuncExactMatchSpec = FlattenFnExactMatchSpec

SUPPORTED_NODES: dict = {}
SUPPORTED_NODES_EXACT_MATCH: dict = {}


def register_pytree_flatten_spec(
    cls: type, flatten_fn_spec: FlattenFnSpec, flatten_fn_exact_match_spec: FlattenFnExactMatchSpec | None = None
) -> None:
    SUPPORTED_NODES[cls] = flatten_fn_spec
    SUPPORTED_NODES_EXACT_MATCH[cls] = flatten_fn_exact_match_spec


def _deregister_pytree_flatten_spec(cls: type) -> None:
    del SUPPORTED_NODES[cls]
    del SUPPORTED_NODES_EXACT_MATCH[cls]


def _children_by_key(d: dict, spec: Any) -> list:
    return [d[key] for key in spec.context]


def _children_by_position(seq: Any, spec: Any) -> list:
    return [seq[i] for i in range(spec.num_children)]


def _same_length(container: Any, spec: Any) -> bool:
    return len(container) == spec.num_children


for _cls, _by in (
    (dict, _children_by_key),
    (list, _children_by_position),
    (tuple, _children_by_position),
    (namedtuple, _children_by_position),
):
    register_pytree_flatten_spec(_cls, _by, _same_length)


def tree_flatten_spec(pytree: Any, spec: Any) -> list:
    """The leaves of `pytree` in the order `spec` lays them out."""
    if spec.is_leaf():
        return [pytree]
    if spec.type in SUPPORTED_NODES:
        leaves: list = []
        for child, child_spec in zip(SUPPORTED_NODES[spec.type](pytree, spec), spec.children()):
            leaves += tree_flatten_spec(child, child_spec)
        return leaves
    from ..utils import _pytree

    leaves, actual = _pytree.tree_flatten(pytree)
    if actual != spec:
        raise RuntimeError(f"Real spec {actual} of object {pytree} is different from expected spec {spec}.")
    return leaves
