"""torch.utils._pytree on JAX's pytree registry.

torch's pytree rules are not jax.tree_util's defaults, so this module runs JAX's C++ flattener with a registry of
its own (`_registry`, a `PyTreeRegistry` like the one behind jax.tree_util) that encodes torch's rules:
- nodes are exactly the types in `SUPPORTED_NODES` (tuple, list, dict, namedtuple, OrderedDict, defaultdict,
  deque, torch.return_types, and whatever is registered); a subclass of one of them is a leaf unless registered;
- None is a leaf (JAX makes it an empty node), and so is every Tensor (jaxtorch registers Tensor with
  jax.tree_util so that it passes through jax transforms; this registry does not know it);
- dicts keep insertion order (JAX sorts keys); their context is the key list, as torch's.
The registry does the flattening and unflattening; `TreeSpec` is torch's Python structure (type, context,
children, torch's repr, equality and hash), built from JAX's treedef after a flatten and holding on to it.

Registering a type here also registers it with jax.tree_util's default registry (unless JAX already knows the
type: tuple, list, dict, OrderedDict, defaultdict, None and namedtuples), so that a container such as
transformers' ModelOutput also passes through `jaxtorch.func` and plain JAX transforms. JAX cannot take a
registration back: after `_deregister_pytree_node` the type is a leaf here, but flattening it with
jax.tree_util raises.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import json
import threading
import types
import warnings
from collections import OrderedDict, defaultdict, deque, namedtuple
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from enum import Enum
from typing import Any, Generic, NamedTuple, Optional, TypeVar

import jax
from jax._src.lib import pytree as _jax_pytree  # the C++ registry class that jax.tree_util is built on

__all__ = [
    "PyTree",
    "Context",
    "FlattenFn",
    "UnflattenFn",
    "DumpableContext",
    "ToDumpableContextFn",
    "FromDumpableContextFn",
    "PyTreeSpec",
    "TreeSpec",
    "LeafSpec",
    "keystr",
    "key_get",
    "register_pytree_node",
    "tree_is_leaf",
    "tree_flatten",
    "tree_flatten_with_path",
    "tree_unflatten",
    "tree_iter",
    "tree_leaves",
    "tree_leaves_with_path",
    "tree_structure",
    "tree_map",
    "tree_map_with_path",
    "tree_map_",
    "tree_map_only",
    "tree_map_only_",
    "tree_all",
    "tree_any",
    "tree_all_only",
    "tree_any_only",
    "treespec_dumps",
    "treespec_loads",
    "treespec_pprint",
    "is_namedtuple",
    "is_namedtuple_class",
    "is_namedtuple_instance",
    "is_structseq",
    "is_structseq_class",
    "is_structseq_instance",
]

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)

Context = Any
PyTree = Any
FlattenFn = Callable[[PyTree], tuple[list[Any], Context]]
UnflattenFn = Callable[[Iterable[Any], Context], PyTree]
DumpableContext = Any
ToDumpableContextFn = Callable[[Context], DumpableContext]
FromDumpableContextFn = Callable[[DumpableContext], Context]
KeyEntry = Any
KeyPath = tuple[KeyEntry, ...]
FlattenWithKeysFn = Callable[[PyTree], tuple[list[tuple[KeyEntry, Any]], Any]]
FlattenFunc, UnflattenFunc, FlattenWithKeysFunc = FlattenFn, UnflattenFn, FlattenWithKeysFn

DEFAULT_TREESPEC_SERIALIZATION_PROTOCOL = 1
NO_SERIALIZED_TYPE_NAME_FOUND = "NO_SERIALIZED_TYPE_NAME_FOUND"


class NodeDef(NamedTuple):
    type: Any
    flatten_fn: Callable
    unflatten_fn: Callable
    flatten_with_keys_fn: Optional[Callable]


class _SerializeNodeDef(NamedTuple):
    typ: Any
    serialized_type_name: str
    to_dumpable_context: Optional[Callable]
    from_dumpable_context: Optional[Callable]


_NODE_REGISTRY_LOCK = threading.RLock()
SUPPORTED_NODES: dict = {}
SUPPORTED_SERIALIZED_TYPES: dict = {}
SERIALIZED_TYPE_TO_PYTHON_TYPE: dict = {}
CONSTANT_NODES: set = set()


# ---------------------------------------------------------------------------------------------
# key entries


@dataclasses.dataclass(frozen=True, slots=True)
class SequenceKey(Generic[T]):
    idx: int

    def __str__(self) -> str:
        return f"[{self.idx!r}]"

    def get(self, sequence: Sequence) -> Any:
        return sequence[self.idx]


@dataclasses.dataclass(frozen=True, slots=True)
class MappingKey(Generic[K, T]):
    key: Any

    def __str__(self) -> str:
        return f"[{self.key!r}]"

    def get(self, mapping: Mapping) -> Any:
        return mapping[self.key]


@dataclasses.dataclass(frozen=True, slots=True)
class GetAttrKey:
    name: str

    def __str__(self) -> str:
        return f".{self.name}"

    def get(self, obj: Any) -> Any:
        return getattr(obj, self.name)


def keystr(kp: tuple) -> str:
    """A key path as text, e.g. `['a'][0].x`."""
    return "".join(str(k) for k in kp)


def key_get(obj: Any, kp: tuple) -> Any:
    """The value at key path `kp` inside `obj`."""
    for k in kp:
        obj = k.get(obj)
    return obj


def _torch_key(k: Any) -> Any:
    # JAX names the children of its built-in tuple/list/namedtuple nodes with its own key classes
    if type(k) is _jax_pytree.SequenceKey:
        return SequenceKey(k.idx)
    if type(k) is _jax_pytree.GetAttrKey:
        return GetAttrKey(k.name)
    return k


# ---------------------------------------------------------------------------------------------
# namedtuple / structseq


def _structseq_types() -> frozenset:
    # jaxtorch's torch.return_types are namedtuples; torch's are structseqs, which torch's pytree does not count as
    # namedtuples but registers one by one (type = the class itself, context None).
    from .. import return_types

    return frozenset(v for v in vars(return_types).values() if isinstance(v, type) and issubclass(v, tuple))


_STRUCTSEQ_TYPES = _structseq_types()


def is_namedtuple_class(cls: type) -> bool:
    """Whether `cls` is a namedtuple class (a tuple subclass with `_fields`, `_make` and `_asdict`)."""
    return (
        isinstance(cls, type)
        and issubclass(cls, tuple)
        and cls not in _STRUCTSEQ_TYPES
        and isinstance(getattr(cls, "_fields", None), tuple)
        and all(type(f) is str for f in cls._fields)
        and callable(getattr(cls, "_make", None))
        and callable(getattr(cls, "_asdict", None))
    )


def is_namedtuple(obj: object) -> bool:
    """Whether `obj` (an instance or a class) is a namedtuple."""
    return is_namedtuple_class(obj if isinstance(obj, type) else type(obj))


def is_namedtuple_instance(obj: object) -> bool:
    return is_namedtuple_class(type(obj))


def is_structseq_class(cls: type) -> bool:
    """Whether `cls` is a structseq class (torch.return_types.*, os.stat_result ...)."""
    if cls in _STRUCTSEQ_TYPES:
        return True
    return (
        isinstance(cls, type)
        and cls.__bases__ == (tuple,)
        and all(isinstance(getattr(cls, a, None), int) for a in ("n_fields", "n_sequence_fields", "n_unnamed_fields"))
        and not cls.__flags__ & (1 << 10)  # Py_TPFLAGS_BASETYPE: structseqs cannot be subclassed
    )


def is_structseq(obj: object) -> bool:
    return is_structseq_class(obj if isinstance(obj, type) else type(obj))


def is_structseq_instance(obj: object) -> bool:
    return is_structseq_class(type(obj))


def _get_node_type(tree: Any) -> Any:
    # every namedtuple class is the one node type `namedtuple` (its class is the context), as in torch
    t = type(tree)
    return namedtuple if is_namedtuple_class(t) else t


# ---------------------------------------------------------------------------------------------
# flatten / unflatten functions of the built-in node types (torch's contexts)


def _tuple_flatten(d: tuple) -> tuple:
    return list(d), None


def _tuple_flatten_with_keys(d: tuple) -> tuple:
    return [(SequenceKey(i), v) for i, v in enumerate(d)], None


def _tuple_unflatten(values: Iterable, context: Context) -> tuple:
    return tuple(values)


def _list_flatten(d: list) -> tuple:
    return d, None


def _list_flatten_with_keys(d: list) -> tuple:
    return [(SequenceKey(i), v) for i, v in enumerate(d)], None


def _list_unflatten(values: Iterable, context: Context) -> list:
    return list(values)


def _dict_flatten(d: dict) -> tuple:
    return list(d.values()), list(d.keys())


def _dict_flatten_with_keys(d: dict) -> tuple:
    values, keys = _dict_flatten(d)
    return [(MappingKey(k), v) for k, v in zip(keys, values, strict=True)], keys


def _dict_unflatten(values: Iterable, context: Context) -> dict:
    return dict(zip(context, values, strict=True))


def _namedtuple_flatten(d: tuple) -> tuple:
    return list(d), type(d)


def _namedtuple_flatten_with_keys(d: tuple) -> tuple:
    return [(GetAttrKey(f), v) for f, v in zip(type(d)._fields, d, strict=True)], type(d)


def _namedtuple_unflatten(values: Iterable, context: Context) -> tuple:
    return context(*values)


def _namedtuple_serialize(context: Context) -> DumpableContext:
    if context not in SUPPORTED_SERIALIZED_TYPES:
        raise NotImplementedError(
            f"Can't serialize TreeSpec of namedtuple class {context} because we didn't "
            "register a serializated_type_name. Please register using `_register_namedtuple`."
        )
    name = SUPPORTED_SERIALIZED_TYPES[context].serialized_type_name
    if name == NO_SERIALIZED_TYPE_NAME_FOUND:
        raise NotImplementedError(
            f"Can't serialize TreeSpec of namedtuple class {context} because we couldn't find "
            "a serializated_type_name. Please register using `_register_namedtuple`."
        )
    return name


def _namedtuple_deserialize(dumpable_context: DumpableContext) -> Context:
    if dumpable_context not in SERIALIZED_TYPE_TO_PYTHON_TYPE:
        raise NotImplementedError(
            f"Can't deserialize TreeSpec of namedtuple class {dumpable_context} because we "
            "couldn't find a serializated name."
        )
    return SERIALIZED_TYPE_TO_PYTHON_TYPE[dumpable_context]


def _ordereddict_flatten(d: OrderedDict) -> tuple:
    return list(d.values()), list(d.keys())


def _ordereddict_flatten_with_keys(d: OrderedDict) -> tuple:
    return _dict_flatten_with_keys(d)


def _ordereddict_unflatten(values: Iterable, context: Context) -> OrderedDict:
    return OrderedDict(zip(context, values, strict=True))


_odict_flatten = _ordereddict_flatten
_odict_unflatten = _ordereddict_unflatten


def _defaultdict_flatten(d: defaultdict) -> tuple:
    values, keys = _dict_flatten(d)
    return values, [d.default_factory, keys]


def _defaultdict_flatten_with_keys(d: defaultdict) -> tuple:
    values, context = _defaultdict_flatten(d)
    return [(MappingKey(k), v) for k, v in zip(context[1], values, strict=True)], context


def _defaultdict_unflatten(values: Iterable, context: Context) -> defaultdict:
    default_factory, keys = context
    return defaultdict(default_factory, _dict_unflatten(values, keys))


def _defaultdict_serialize(context: Context) -> DumpableContext:
    default_factory, keys = context
    return {
        "default_factory_module": default_factory.__module__,
        "default_factory_name": default_factory.__qualname__,
        "dict_context": keys,
    }


def _defaultdict_deserialize(dumpable_context: DumpableContext) -> Context:
    if not isinstance(dumpable_context, dict):
        raise AssertionError("dumpable_context must be a dict")
    expected = {"default_factory_module", "default_factory_name", "dict_context"}
    if set(dumpable_context) != expected:
        raise AssertionError(f"dumpable_context keys must be {expected}, got {set(dumpable_context)}")
    module = importlib.import_module(dumpable_context["default_factory_module"])
    return [getattr(module, dumpable_context["default_factory_name"]), dumpable_context["dict_context"]]


def _deque_flatten(d: deque) -> tuple:
    return list(d), d.maxlen


def _deque_flatten_with_keys(d: deque) -> tuple:
    return [(SequenceKey(i), v) for i, v in enumerate(d)], d.maxlen


def _deque_unflatten(values: Iterable, context: Context) -> deque:
    return deque(values, maxlen=context)


# ---------------------------------------------------------------------------------------------
# the JAX registries


def _new_registry():
    # None is a leaf and dicts keep insertion order: JAX's own None/dict handling is switched off and dict is
    # registered like any other node type below. tuple, list and namedtuple keep JAX's built-in handling.
    return _jax_pytree.PyTreeRegistry(
        enable_none=False, enable_tuple=True, enable_namedtuple=True, enable_list=True, enable_dict=False
    )


def _missing_keys_fn(node_type):
    def flatten_with_keys(node):
        raise ValueError(
            f"Did not find a flatten_with_keys_fn for type: {node_type}. "
            "Please pass a flatten_with_keys_fn argument to register_pytree_node."
        )

    return flatten_with_keys


def _in_registry(cls) -> bool:
    # tuple, list and namedtuples are JAX's built-in node kinds; torch.return_types are registered classes
    return isinstance(cls, type) and cls not in (tuple, list) and not is_namedtuple_class(cls)


def _add_to_registry(registry, node: NodeDef) -> None:
    unflatten = node.unflatten_fn

    def from_iterable(context, children):
        return unflatten(list(children), context)

    registry.register_node(
        node.type, node.flatten_fn, from_iterable, node.flatten_with_keys_fn or _missing_keys_fn(node.type)
    )


_registry = _new_registry()


def _rebuild_registry() -> None:
    # JAX registries cannot drop or replace an entry: a new one is built. Treedefs cached in existing TreeSpecs
    # belong to the old one and are rebuilt on their next use.
    global _registry
    registry = _new_registry()
    for cls, node in SUPPORTED_NODES.items():
        if _in_registry(cls):
            _add_to_registry(registry, node)
    _registry = registry


class _JaxContext:
    """A torch context as JAX aux data: JAX compares aux data with == and hashes it for its caches (jit)."""

    __slots__ = ("context",)

    def __init__(self, context):
        self.context = context

    def __eq__(self, other):
        return isinstance(other, _JaxContext) and bool(self.context == other.context)

    def __hash__(self):
        try:
            return hash(self.context)
        except TypeError:
            pass
        try:
            return hash(tuple(self.context))  # a key list
        except TypeError:
            return 0

    def __repr__(self):
        return repr(self.context)


_JAX_NATIVE = (tuple, list, dict, OrderedDict, defaultdict, type(None))


def _register_with_jax(cls) -> None:
    if not isinstance(cls, type) or cls in _JAX_NATIVE or (issubclass(cls, tuple) and hasattr(cls, "_fields")):
        return  # JAX already treats it as a node (namedtuples included)

    def flatten(x):
        node = SUPPORTED_NODES.get(cls)
        if node is None:
            raise ValueError(
                f"{cls} was deregistered from torch.utils._pytree; its jax.tree_util registration cannot be undone"
            )
        children, context = node.flatten_fn(x)
        return children, _JaxContext(context)

    def flatten_with_keys(x):
        node = SUPPORTED_NODES.get(cls)
        if node is None or node.flatten_with_keys_fn is None:
            children, aux = flatten(x)
            return [(SequenceKey(i), c) for i, c in enumerate(children)], aux
        pairs, context = node.flatten_with_keys_fn(x)
        return pairs, _JaxContext(context)

    def unflatten(aux, children):
        return SUPPORTED_NODES[cls].unflatten_fn(list(children), aux.context)

    try:
        jax.tree_util.register_pytree_with_keys(cls, flatten_with_keys, unflatten, flatten)
    except ValueError:
        pass  # already registered with JAX (by the user, or by an earlier registration here): JAX's stays


# ---------------------------------------------------------------------------------------------
# registration


def _private_register_pytree_node(
    cls: Any,
    flatten_fn: FlattenFn,
    unflatten_fn: UnflattenFn,
    *,
    serialized_type_name: str | None = None,
    to_dumpable_context: ToDumpableContextFn | None = None,
    from_dumpable_context: FromDumpableContextFn | None = None,
    flatten_with_keys_fn: FlattenWithKeysFn | None = None,
) -> None:
    with _NODE_REGISTRY_LOCK:
        replacing = cls in SUPPORTED_NODES
        if replacing:
            warnings.warn(
                f"{cls} is already registered as pytree node. Overwriting the previous registration.", stacklevel=2
            )
        if (to_dumpable_context is None) ^ (from_dumpable_context is None):
            raise ValueError(
                f"Both to_dumpable_context and from_dumpable_context for {cls} must be None or registered."
            )
        node = NodeDef(cls, flatten_fn, unflatten_fn, flatten_with_keys_fn)
        SUPPORTED_NODES[cls] = node
        name = NO_SERIALIZED_TYPE_NAME_FOUND if serialized_type_name is None else serialized_type_name
        SUPPORTED_SERIALIZED_TYPES[cls] = _SerializeNodeDef(cls, name, to_dumpable_context, from_dumpable_context)
        SERIALIZED_TYPE_TO_PYTHON_TYPE[name] = cls
        if _in_registry(cls):
            if replacing:
                _rebuild_registry()
            else:
                _add_to_registry(_registry, node)
    _register_with_jax(cls)


def register_pytree_node(
    cls: Any,
    flatten_fn: FlattenFn,
    unflatten_fn: UnflattenFn,
    *,
    serialized_type_name: str | None = None,
    to_dumpable_context: ToDumpableContextFn | None = None,
    from_dumpable_context: FromDumpableContextFn | None = None,
    flatten_with_keys_fn: FlattenWithKeysFn | None = None,
) -> None:
    """Register a container type as a pytree node: `flatten_fn(obj) -> (children, context)`,
    `unflatten_fn(children, context) -> obj`; `flatten_with_keys_fn(obj) -> ([(key, child)...], context)`
    serves the *_with_path functions, `serialized_type_name` and the dumpable-context pair `treespec_dumps`."""
    with _NODE_REGISTRY_LOCK:
        if cls in SUPPORTED_NODES:
            raise ValueError(f"{cls} is already registered as pytree node.")
    _private_register_pytree_node(
        cls,
        flatten_fn,
        unflatten_fn,
        serialized_type_name=serialized_type_name,
        to_dumpable_context=to_dumpable_context,
        from_dumpable_context=from_dumpable_context,
        flatten_with_keys_fn=flatten_with_keys_fn,
    )


def _register_pytree_node(
    cls: Any,
    flatten_fn: FlattenFn,
    unflatten_fn: UnflattenFn,
    to_str_fn: Any = None,
    maybe_from_str_fn: Any = None,
    *,
    serialized_type_name: str | None = None,
    to_dumpable_context: ToDumpableContextFn | None = None,
    from_dumpable_context: FromDumpableContextFn | None = None,
    flatten_with_keys_fn: FlattenWithKeysFn | None = None,
) -> None:
    """The old private spelling of `register_pytree_node` (still called by some libraries); replaces an
    existing registration with a warning instead of raising."""
    warnings.warn(
        "`torch.utils._pytree._register_pytree_node` is deprecated. "
        "Please use `torch.utils._pytree.register_pytree_node` instead.",
        FutureWarning,
        stacklevel=2,
    )
    if to_str_fn is not None or maybe_from_str_fn is not None:
        warnings.warn(
            "`to_str_fn` and `maybe_from_str_fn` is deprecated. "
            "Please use `to_dumpable_context` and `from_dumpable_context` instead.",
            FutureWarning,
            stacklevel=2,
        )
    _private_register_pytree_node(
        cls,
        flatten_fn,
        unflatten_fn,
        serialized_type_name=serialized_type_name,
        to_dumpable_context=to_dumpable_context,
        from_dumpable_context=from_dumpable_context,
        flatten_with_keys_fn=flatten_with_keys_fn,
    )


def _deregister_pytree_node(cls: Any) -> None:
    with _NODE_REGISTRY_LOCK:
        del SUPPORTED_NODES[cls]
        node = SUPPORTED_SERIALIZED_TYPES.pop(cls)
        del SERIALIZED_TYPE_TO_PYTHON_TYPE[node.serialized_type_name]
        CONSTANT_NODES.discard(cls)
        if _in_registry(cls):
            _rebuild_registry()


def _register_namedtuple(cls: Any, *, serialized_type_name: str) -> None:
    """Give a namedtuple class a serialized name (namedtuples are nodes already)."""
    _private_register_pytree_node(
        cls,
        _namedtuple_flatten,
        _namedtuple_unflatten,
        serialized_type_name=serialized_type_name,
        to_dumpable_context=_namedtuple_serialize,
        from_dumpable_context=_namedtuple_deserialize,
        flatten_with_keys_fn=_namedtuple_flatten_with_keys,
    )


def register_dataclass(
    cls: Any,
    *,
    field_names: list | None = None,
    drop_field_names: list | None = None,
    serialized_type_name: str | None = None,
) -> None:
    """Register a dataclass (or a class built from keyword fields) as a node; fields that are None are kept in
    the context instead of becoming leaves."""
    drop_field_names = drop_field_names or []
    if not dataclasses.is_dataclass(cls):
        if field_names is None:
            raise ValueError(
                "field_names must be specified with a list of all fields used to initialize "
                f"{cls}, as it is not a dataclass."
            )
    elif field_names is None:
        field_names = [f.name for f in dataclasses.fields(cls) if f.init]
    else:
        init_fields = {f.name for f in dataclasses.fields(cls) if f.init} - set(drop_field_names)
        if init_fields != set(field_names):
            msg = "field_names does not include all dataclass fields.\n"
            if missing := init_fields - set(field_names):
                msg += (
                    f"Missing fields in `field_names`: {missing}. If you want to include these fields in the "
                    "pytree, please add them to `field_names`, otherwise please add them to "
                    "`drop_field_names`.\n"
                )
            if unexpected := set(field_names) - init_fields:
                msg += (
                    f"Unexpected fields in `field_names`: {unexpected}. Please remove these fields, or add "
                    "them to `drop_field_names`.\n"
                )
            raise ValueError(msg)
    names = list(field_names)

    def flatten(obj):
        values, present, absent = [], [], []
        for name in names:
            v = getattr(obj, name)
            if v is None:
                absent.append(name)
            else:
                values.append(v)
                present.append(name)
        return values, [present, absent]

    def unflatten(values, context):
        present, absent = context
        return cls(**dict(zip(present, values, strict=True)), **dict.fromkeys(absent))

    def flatten_with_keys(obj):
        values, (present, _) = flatten(obj)
        return [(GetAttrKey(k), v) for k, v in zip(present, values, strict=True)], present

    _private_register_pytree_node(
        cls, flatten, unflatten, serialized_type_name=serialized_type_name, flatten_with_keys_fn=flatten_with_keys
    )


@dataclasses.dataclass(frozen=True, slots=True)
class ConstantNode(Generic[T]):
    value: Any


def register_constant(cls: type) -> None:
    """Register a type whose instances are nodes with no leaves (the instance is the context)."""
    if cls.__eq__ is object.__eq__:
        raise TypeError("register_constant(cls) expects `cls` to have a non-default `__eq__` implementation.")
    if cls.__hash__ is None:
        raise TypeError("register_constant(cls) expects `cls` to have a non-default `__hash__` implementation.")

    def flatten(x):
        return [], ConstantNode(x)

    def unflatten(_, context):
        return context.value

    with _NODE_REGISTRY_LOCK:
        _private_register_pytree_node(cls, flatten, unflatten, flatten_with_keys_fn=flatten)
        CONSTANT_NODES.add(cls)


def is_constant_class(cls: type) -> bool:
    return isinstance(cls, type) and cls in CONSTANT_NODES


_private_register_pytree_node(
    tuple,
    _tuple_flatten,
    _tuple_unflatten,
    serialized_type_name="builtins.tuple",
    flatten_with_keys_fn=_tuple_flatten_with_keys,
)
_private_register_pytree_node(
    list,
    _list_flatten,
    _list_unflatten,
    serialized_type_name="builtins.list",
    flatten_with_keys_fn=_list_flatten_with_keys,
)
_private_register_pytree_node(
    dict,
    _dict_flatten,
    _dict_unflatten,
    serialized_type_name="builtins.dict",
    flatten_with_keys_fn=_dict_flatten_with_keys,
)
_private_register_pytree_node(
    namedtuple,
    _namedtuple_flatten,
    _namedtuple_unflatten,
    serialized_type_name="collections.namedtuple",
    to_dumpable_context=_namedtuple_serialize,
    from_dumpable_context=_namedtuple_deserialize,
    flatten_with_keys_fn=_namedtuple_flatten_with_keys,
)
_private_register_pytree_node(
    OrderedDict,
    _ordereddict_flatten,
    _ordereddict_unflatten,
    serialized_type_name="collections.OrderedDict",
    flatten_with_keys_fn=_ordereddict_flatten_with_keys,
)
_private_register_pytree_node(
    defaultdict,
    _defaultdict_flatten,
    _defaultdict_unflatten,
    serialized_type_name="collections.defaultdict",
    to_dumpable_context=_defaultdict_serialize,
    from_dumpable_context=_defaultdict_deserialize,
    flatten_with_keys_fn=_defaultdict_flatten_with_keys,
)
_private_register_pytree_node(
    deque,
    _deque_flatten,
    _deque_unflatten,
    serialized_type_name="collections.deque",
    flatten_with_keys_fn=_deque_flatten_with_keys,
)


def _register_structseq(cls: type) -> None:
    def flatten(x):
        return list(x), None

    def flatten_with_keys(x):
        return [(SequenceKey(i), v) for i, v in enumerate(x)], None

    def unflatten(values, context):
        return cls(*values)

    register_pytree_node(cls, flatten, unflatten, flatten_with_keys_fn=flatten_with_keys)


for _cls in sorted(_STRUCTSEQ_TYPES, key=lambda c: c.__name__):
    _register_structseq(_cls)
del _cls

STANDARD_DICT_TYPES = frozenset({dict, OrderedDict, defaultdict})
BUILTIN_TYPES = frozenset({tuple, list, dict, namedtuple, OrderedDict, defaultdict, deque})


# ---------------------------------------------------------------------------------------------
# TreeSpec


@dataclasses.dataclass(init=False, frozen=True, eq=False, repr=False)
class TreeSpec:
    """The structure of a pytree: the root's node type and context, and one spec per child."""

    type: Any
    _context: Context
    _children: list
    num_nodes: int = dataclasses.field(init=False)
    num_leaves: int = dataclasses.field(init=False)
    num_children: int = dataclasses.field(init=False)

    def __init__(self, type: Any, context: Context, children_specs: list) -> None:
        set_ = object.__setattr__
        set_(self, "type", type)
        set_(self, "_context", context)
        set_(self, "_children", children_specs)
        if type is None:
            if context is not None:
                raise AssertionError("leaf node should not have a context")
            if len(children_specs) != 0:
                raise AssertionError("leaf node should not have children")
            num_nodes = num_leaves = 1
        else:
            num_nodes = 1 + sum(c.num_nodes for c in children_specs)
            num_leaves = sum(c.num_leaves for c in children_specs)
        set_(self, "num_nodes", num_nodes)
        set_(self, "num_leaves", num_leaves)
        set_(self, "num_children", len(children_specs))

    def __repr__(self, indent: int = 0) -> str:
        prefix = f"TreeSpec({self.type.__name__}, {self._context}, ["
        body = ""
        if self.num_children > 0:
            indent += 2
            body += self._children[0].__repr__(indent)
            body += "," if self.num_children > 1 else ""
            body += ",".join("\n" + " " * indent + c.__repr__(indent) for c in self._children[1:])
        return prefix + body + "])"

    def __eq__(self, other: Any) -> bool:
        if self is other:
            return True
        if other.__class__ is self.__class__:
            return (
                str(self.type) == str(other.type)
                and bool(self._context == other._context)
                and self._children == other._children
            )
        return NotImplemented

    def __hash__(self) -> int:
        t = self.type
        if t is defaultdict:
            factory, keys = self._context
            ctx = (factory, tuple(keys))
        elif t in (dict, OrderedDict):
            ctx = tuple(self._context)
        elif t is None or t in BUILTIN_TYPES:
            ctx = self._context
        elif isinstance(self._context, ConstantNode):
            ctx = self._context.value
        else:
            ctx = None  # a user type's context need not be hashable; equal specs still hash alike
        return hash((t, ctx, tuple(self._children)))

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_jax", None)  # the JAX treedef is a cache, rebuilt on demand
        return state

    @property
    def context(self) -> Context:
        return self._context

    @property
    def children_specs(self) -> list:
        warnings.warn(
            "`treespec.children_specs` is deprecated. Use `treespec.child(index)` to access a single "
            "child, or `treespec.children()` to get all children.",
            FutureWarning,
            stacklevel=2,
        )
        return self._children

    def is_leaf(self) -> bool:
        return self.num_nodes == 1 and self.num_leaves == 1

    def children(self) -> list:
        return self._children.copy()

    def child(self, index: int) -> TreeSpec:
        return self._children[index]

    def flatten_up_to(self, tree: PyTree) -> list:
        """The subtrees of `tree` at this spec's leaves (`tree` must have this spec as a prefix)."""
        subtrees: list = []
        _flatten_up_to(self, tree, subtrees)
        return subtrees

    def unflatten(self, leaves: Iterable[Any]) -> PyTree:
        """Build the pytree of this structure from its leaves."""
        if not isinstance(leaves, (list, tuple)):
            leaves = list(leaves)
        if len(leaves) != self.num_leaves:
            raise ValueError(
                f"treespec.unflatten(leaves): `leaves` has length {len(leaves)} but the spec refers "
                f"to a pytree that holds {self.num_leaves} items ({self})."
            )
        if self.is_leaf():
            return leaves[0]
        return _treedef(self).unflatten(leaves)


PyTreeSpec = TreeSpec

_LEAFSPEC_WARNS = False


@dataclasses.dataclass(init=False, frozen=True, eq=False, repr=False)
class LeafSpec(TreeSpec):
    """The spec of a leaf (deprecated in torch: test `spec.is_leaf()` instead)."""

    def __init__(self) -> None:
        if _LEAFSPEC_WARNS:
            warnings.warn(
                "`isinstance(treespec, LeafSpec)` is deprecated, use `isinstance(treespec, TreeSpec) and "
                "treespec.is_leaf()` instead.",
                FutureWarning,
                stacklevel=2,
            )
        super().__init__(None, None, [])

    def __repr__(self, indent: int = 0) -> str:
        return "*"


_LEAF_SPEC = LeafSpec()
_LEAFSPEC_WARNS = True


def treespec_leaf() -> LeafSpec:
    return _LEAF_SPEC


def treespec_tuple(iterable: Iterable[TreeSpec] = (), /) -> TreeSpec:
    children = list(iterable)
    if any(not isinstance(c, TreeSpec) for c in children):
        raise ValueError(f"Expected a tuple of TreeSpec values, got: {children!r}.")
    return TreeSpec(tuple, None, children)


def treespec_dict(mapping: Any = (), /, **kwargs: TreeSpec) -> TreeSpec:
    d = dict(mapping, **kwargs)
    if any(not isinstance(c, TreeSpec) for c in d.values()):
        raise ValueError(f"Expected a dictionary of TreeSpec values, got: {d!r}.")
    return TreeSpec(dict, list(d.keys()), list(d.values()))


def _spec_from_treedef(td) -> TreeSpec:
    data = td.node_data()
    if data is None:
        return _LEAF_SPEC
    node_type, aux = data
    children = [_spec_from_treedef(c) for c in td.children()]
    if node_type is tuple or node_type is list:
        spec = TreeSpec(node_type, None, children)
    elif node_type in SUPPORTED_NODES and _in_registry(node_type):
        spec = TreeSpec(node_type, aux, children)
    else:  # JAX's namedtuple node: the class is torch's context
        spec = TreeSpec(namedtuple, node_type, children)
    object.__setattr__(spec, "_jax", (_registry, td))
    return spec


def _treedef(spec: TreeSpec):
    """The JAX treedef of `spec` in the current registry (made from type and context for a hand-built spec)."""
    cached = spec.__dict__.get("_jax")
    if cached is not None and cached[0] is _registry:
        return cached[1]
    t = spec.type
    if t is None:
        data = None
    elif t not in SUPPORTED_NODES:
        raise KeyError(t)
    elif t is namedtuple:
        data = (spec._context, None)
    elif t is tuple or t is list:
        data = (t, None)
    else:
        data = (t, spec._context)
    td = _jax_pytree.PyTreeDef.from_node_data_and_children(_registry, data, [_treedef(c) for c in spec._children])
    object.__setattr__(spec, "_jax", (_registry, td))
    return td


def _one_level(node: Any) -> tuple:
    """(children, context) of a node, by the registry (a namedtuple's context is its class, as torch's)."""
    out = _registry.flatten_one_level(node)
    return list(out[0]), out[1]


def _flatten_up_to(spec: TreeSpec, node: Any, subtrees: list) -> None:
    if spec.is_leaf():
        subtrees.append(node)
        return
    node_type = _get_node_type(node)
    if spec.type not in BUILTIN_TYPES:
        if node_type != spec.type:
            raise ValueError(f"Type mismatch; expected {spec.type!r}, but got {node_type!r}.")
        children, context = _one_level(node)
        if len(children) != spec.num_children:
            raise ValueError(f"Node arity mismatch; expected {spec.num_children}, but got {len(children)}.")
        if context != spec._context:
            raise ValueError(f"Node context mismatch for custom node type {spec.type!r}.")
    else:
        # dict, OrderedDict and defaultdict match each other by key set; other built-ins need the same type
        both_dicts = spec.type in STANDARD_DICT_TYPES and node_type in STANDARD_DICT_TYPES
        if not both_dicts and node_type != spec.type:
            raise ValueError(f"Node type mismatch; expected {spec.type!r}, but got {node_type!r}.")
        if len(node) != spec.num_children:
            raise ValueError(f"Node arity mismatch; expected {spec.num_children}, but got {len(node)}.")
        if both_dicts:
            keys = spec._context if spec.type is not defaultdict else spec._context[1]
            got, expected = set(node), set(keys)
            if got != expected:
                missing, extra = expected - got, got - expected
                message = ""
                if missing:
                    message += f"; missing key(s): {missing}"
                if extra:
                    message += f"; extra key(s): {extra}"
                raise ValueError(f"Node keys mismatch{message}.")
            children = [node[k] for k in keys]
        else:
            children, context = _one_level(node)
            if node_type is not deque and context != spec._context:  # a deque's maxlen may differ
                raise ValueError(
                    f"Node context mismatch for node type {spec.type!r}; expected {spec._context!r}, "
                    f"but got {context!r}."
                )
    for child, child_spec in zip(children, spec._children, strict=True):
        _flatten_up_to(child_spec, child, subtrees)


# ---------------------------------------------------------------------------------------------
# the tree functions


def _leaf_predicate(is_leaf):
    # torch takes any truthy answer; JAX wants a bool
    return None if is_leaf is None else (lambda x: bool(is_leaf(x)))


def tree_is_leaf(tree: PyTree, is_leaf: Callable[[PyTree], bool] | None = None) -> bool:
    """Whether `tree` is a leaf (not a registered node type, or `is_leaf(tree)` is true)."""
    if is_leaf is not None and is_leaf(tree):
        return True
    return _get_node_type(tree) not in SUPPORTED_NODES


def tree_flatten(tree: PyTree, is_leaf: Callable[[PyTree], bool] | None = None) -> tuple:
    """(leaves, TreeSpec) of `tree`."""
    leaves, td = _registry.flatten(tree, _leaf_predicate(is_leaf))
    return leaves, _spec_from_treedef(td)


def tree_unflatten(leaves: Iterable[Any], treespec: TreeSpec) -> PyTree:
    """The pytree of structure `treespec` with these leaves (inverse of `tree_flatten`)."""
    if not isinstance(treespec, TreeSpec):
        if not isinstance(leaves, TreeSpec):
            raise TypeError(
                f"Expected `treespec` to be an instance of PyTreeSpec but got item of type {type(treespec)}."
            )
        leaves, treespec = treespec, leaves  # torch accepts the spec first too
    return treespec.unflatten(leaves)


def tree_leaves(tree: PyTree, is_leaf: Callable[[PyTree], bool] | None = None) -> list:
    return _registry.flatten(tree, _leaf_predicate(is_leaf))[0]


def tree_iter(tree: PyTree, is_leaf: Callable[[PyTree], bool] | None = None) -> Iterable[Any]:
    return iter(tree_leaves(tree, is_leaf))


def tree_structure(tree: PyTree, is_leaf: Callable[[PyTree], bool] | None = None) -> TreeSpec:
    return tree_flatten(tree, is_leaf)[1]


def arg_tree_leaves(*args: PyTree, **kwargs: PyTree) -> list:
    """The leaves of `(args, kwargs)`."""
    leaves: list = []
    for a in args:
        leaves.extend(tree_leaves(a))
    for a in kwargs.values():
        leaves.extend(tree_leaves(a))
    return leaves


def _mapped_leaves(tree, rests, is_leaf):
    leaves, td = _registry.flatten(tree, _leaf_predicate(is_leaf))
    if not rests:
        return td, [leaves]
    spec = _spec_from_treedef(td)
    return td, [leaves] + [spec.flatten_up_to(r) for r in rests]


def tree_map(
    func: Callable[..., Any], tree: PyTree, *rests: PyTree, is_leaf: Callable[[PyTree], bool] | None = None
) -> PyTree:
    """A pytree like `tree` with `func(leaf, *corresponding leaves of rests)` at each leaf; each of `rests` must
    have `tree`'s structure as a prefix."""
    td, flat_args = _mapped_leaves(tree, rests, is_leaf)
    return td.unflatten(list(map(func, *flat_args)))


def tree_map_(
    func: Callable[..., Any], tree: PyTree, *rests: PyTree, is_leaf: Callable[[PyTree], bool] | None = None
) -> PyTree:
    """Call `func` on each leaf (with the leaves of `rests`) for its side effect; returns `tree`."""
    _, flat_args = _mapped_leaves(tree, rests, is_leaf)
    deque(map(func, *flat_args), maxlen=0)
    return tree


def map_only(type_or_types_or_pred: Any, /) -> Callable:
    """Decorator: the function applies only to leaves of the given type(s) / passing the predicate; others pass
    through unchanged."""
    if isinstance(type_or_types_or_pred, (type, tuple, types.UnionType)):

        def pred(x):
            return isinstance(x, type_or_types_or_pred)
    elif callable(type_or_types_or_pred):
        pred = type_or_types_or_pred
    else:
        raise TypeError("Argument must be a type, a tuple of types, or a callable.")

    def wrapper(func):
        @functools.wraps(func)
        def wrapped(x):
            return func(x) if pred(x) else x

        return wrapped

    return wrapper


def tree_map_only(
    type_or_types_or_pred: Any, /, func: Callable, tree: PyTree, is_leaf: Callable[[PyTree], bool] | None = None
) -> PyTree:
    return tree_map(map_only(type_or_types_or_pred)(func), tree, is_leaf=is_leaf)


def tree_map_only_(
    type_or_types_or_pred: Any, /, func: Callable, tree: PyTree, is_leaf: Callable[[PyTree], bool] | None = None
) -> PyTree:
    return tree_map_(map_only(type_or_types_or_pred)(func), tree, is_leaf=is_leaf)


def tree_all(pred: Callable[[Any], bool], tree: PyTree, is_leaf: Callable[[PyTree], bool] | None = None) -> bool:
    return all(map(pred, tree_leaves(tree, is_leaf)))


def tree_any(pred: Callable[[Any], bool], tree: PyTree, is_leaf: Callable[[PyTree], bool] | None = None) -> bool:
    return any(map(pred, tree_leaves(tree, is_leaf)))


def tree_all_only(
    type_or_types: Any, /, pred: Callable[[Any], bool], tree: PyTree, is_leaf: Callable[[PyTree], bool] | None = None
) -> bool:
    return all(pred(x) for x in tree_leaves(tree, is_leaf) if isinstance(x, type_or_types))


def tree_any_only(
    type_or_types: Any, /, pred: Callable[[Any], bool], tree: PyTree, is_leaf: Callable[[PyTree], bool] | None = None
) -> bool:
    return any(pred(x) for x in tree_leaves(tree, is_leaf) if isinstance(x, type_or_types))


def _flatten_with_path(tree, is_leaf):
    pred = None if is_leaf is None else (lambda _path, x: bool(is_leaf(x)))
    pairs, td = _registry.flatten_with_path(tree, pred)
    return [(tuple(_torch_key(k) for k in path), leaf) for path, leaf in pairs], td


def tree_flatten_with_path(tree: PyTree, is_leaf: Callable[[PyTree], bool] | None = None) -> tuple:
    """([(key path, leaf) ...], TreeSpec); a registered type needs a `flatten_with_keys_fn`."""
    pairs, td = _flatten_with_path(tree, is_leaf)
    return pairs, _spec_from_treedef(td)


def tree_leaves_with_path(tree: PyTree, is_leaf: Callable[[PyTree], bool] | None = None) -> list:
    return _flatten_with_path(tree, is_leaf)[0]


def tree_map_with_path(
    func: Callable[..., Any], tree: PyTree, *rests: PyTree, is_leaf: Callable[[PyTree], bool] | None = None
) -> PyTree:
    """Like `tree_map`, with the leaf's key path as `func`'s first argument."""
    pairs, td = _flatten_with_path(tree, is_leaf)
    paths = [p for p, _ in pairs]
    flat_args = [[x for _, x in pairs]]
    if rests:
        spec = _spec_from_treedef(td)
        flat_args += [spec.flatten_up_to(r) for r in rests]
    return td.unflatten([func(p, *xs) for p, *xs in zip(paths, *flat_args, strict=True)])


def _broadcast_to_and_flatten(
    tree: PyTree, treespec: TreeSpec, is_leaf: Callable[[PyTree], bool] | None = None
) -> list | None:
    """`tree` broadcast to `treespec` (a leaf of `tree` covers all leaves of the subtree under it), flattened;
    None when `tree` is not a prefix of `treespec`."""
    full_tree = tree_unflatten([0] * treespec.num_leaves, treespec)
    result: list = []

    def add_leaves(x, subtree):
        result.extend([x] * tree_structure(subtree, is_leaf).num_leaves)

    try:
        tree_map_(add_leaves, tree, full_tree, is_leaf=is_leaf)
    except ValueError:
        return None
    return result


# ---------------------------------------------------------------------------------------------
# serialization (json, torch's protocol 1)


class EnumEncoder(json.JSONEncoder):
    def default(self, obj: object) -> Any:
        if isinstance(obj, Enum):
            return {
                "__enum__": True,
                "fqn": f"{obj.__class__.__module__}:{obj.__class__.__qualname__}",
                "name": obj.name,
            }
        return super().default(obj)


def enum_object_hook(obj: dict) -> Any:
    if "__enum__" in obj:
        modname, _, classname = obj["fqn"].partition(":")
        enum_cls: Any = importlib.import_module(modname)
        for attr in classname.split("."):
            enum_cls = getattr(enum_cls, attr)
        return enum_cls[obj["name"]]
    return obj


def _treespec_to_json(spec: TreeSpec) -> dict:
    if spec.is_leaf():
        return {"type": None, "context": None, "children_spec": []}
    if spec.type not in SUPPORTED_SERIALIZED_TYPES:
        raise NotImplementedError(f"Serializing {spec.type} in pytree is not registered.")
    node = SUPPORTED_SERIALIZED_TYPES[spec.type]
    if node.serialized_type_name == NO_SERIALIZED_TYPE_NAME_FOUND:
        raise NotImplementedError(
            f"No registered serialization name for {spec.type} found. Please update your "
            "_register_pytree_node call with a `serialized_type_name` kwarg."
        )
    if node.to_dumpable_context is None:
        try:
            context = json.dumps(spec._context, cls=EnumEncoder)
        except TypeError as e:
            raise TypeError(
                "Unable to serialize context. Please make the context json dump-able, or register a "
                "custom serializer using _register_pytree_node."
            ) from e
    else:
        context = node.to_dumpable_context(spec._context)
    return {
        "type": node.serialized_type_name,
        "context": context,
        "children_spec": [_treespec_to_json(c) for c in spec._children],
    }


def _json_to_treespec(schema: dict) -> TreeSpec:
    if schema["type"] is None and schema["context"] is None and len(schema["children_spec"]) == 0:
        return _LEAF_SPEC
    if schema["type"] not in SERIALIZED_TYPE_TO_PYTHON_TYPE:
        raise NotImplementedError(f"Deserializing {schema['type']} in pytree is not registered.")
    typ = SERIALIZED_TYPE_TO_PYTHON_TYPE[schema["type"]]
    node = SUPPORTED_SERIALIZED_TYPES[typ]
    if node.from_dumpable_context is None:
        try:
            context = json.loads(schema["context"], object_hook=enum_object_hook)
        except TypeError as e:
            raise TypeError(
                "Unable to deserialize context. Please make the context json load-able, or register a "
                "custom serializer using _register_pytree_node."
            ) from e
    else:
        context = node.from_dumpable_context(schema["context"])
    return TreeSpec(typ, context, [_json_to_treespec(c) for c in schema["children_spec"]])


_SUPPORTED_PROTOCOLS = {1: (_treespec_to_json, _json_to_treespec)}


def treespec_dumps(treespec: TreeSpec, protocol: int | None = None) -> str:
    """`treespec` as a JSON string (the format torch.export writes)."""
    if not isinstance(treespec, TreeSpec):
        raise TypeError(f"Expected `treespec` to be an instance of PyTreeSpec but got item of type {type(treespec)}.")
    if protocol is None:
        protocol = DEFAULT_TREESPEC_SERIALIZATION_PROTOCOL
    if protocol not in _SUPPORTED_PROTOCOLS:
        raise ValueError(f"Unknown protocol {protocol}. Available protocols: {list(_SUPPORTED_PROTOCOLS.keys())}")
    return json.dumps((protocol, _SUPPORTED_PROTOCOLS[protocol][0](treespec)), cls=EnumEncoder)


@functools.lru_cache
def treespec_loads(serialized: str) -> TreeSpec:
    """The TreeSpec that `treespec_dumps` wrote."""
    protocol, schema = json.loads(serialized)
    if protocol in _SUPPORTED_PROTOCOLS:
        return _SUPPORTED_PROTOCOLS[protocol][1](schema)
    raise ValueError(f"Unknown protocol {protocol}. Available protocols: {list(_SUPPORTED_PROTOCOLS.keys())}")


class _Asterisk(str):
    __slots__ = ()

    def __new__(cls):
        return super().__new__(cls, "*")

    def __repr__(self) -> str:
        return "*"


_asterisk = _Asterisk()
del _Asterisk


def treespec_pprint(treespec: TreeSpec) -> str:
    """The pytree of `treespec` with `*` at each leaf, as text."""
    return repr(tree_unflatten([_asterisk] * treespec.num_leaves, treespec))
