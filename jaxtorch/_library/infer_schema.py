"""torch.library.infer_schema: an operator schema from a function's type hints."""

from __future__ import annotations

import collections.abc
import inspect
import typing
from types import GenericAlias

from .._device import device
from .._dtype import dtype
from .._tensor import Tensor
from .tags import Tag

# torch.types.Number
Number = typing.Union[int, float, bool]


def _seq_forms(t) -> tuple:
    return (
        typing.Sequence[t],
        typing.List[t],
        GenericAlias(collections.abc.Sequence, (t,)),  # noqa: UP006
        GenericAlias(list, (t,)),
    )


def _param_types() -> dict:
    # (python type, schema type, list form, list-of-optional form, optional-list form), as torch's table
    rows = [
        (Tensor, "Tensor", True, True, False),
        (int, "SymInt", True, False, True),
        (float, "float", True, False, True),
        (bool, "bool", True, False, True),
        (str, "str", False, False, False),
        (Number, "Scalar", True, False, False),
        (dtype, "ScalarType", False, False, False),
        (device, "Device", False, False, False),
    ]
    table: dict = {}
    for py, name, lst, opt_elems, opt_list in rows:
        table[py] = name
        table[typing.Optional[py]] = name + "?"  # noqa: UP045
        if lst:
            for s in _seq_forms(py):
                table[s] = name + "[]"
        if opt_elems:
            for s in _seq_forms(typing.Optional[py]):  # noqa: UP045
                table[s] = name + "?[]"
        if opt_list:
            for s in _seq_forms(py):
                table[typing.Optional[s]] = name + "[]?"  # noqa: UP045
    return table


SUPPORTED_PARAM_TYPES = _param_types()
SUPPORTED_RETURN_TYPES = {
    Tensor: "Tensor",
    typing.List[Tensor]: "Tensor[]",
    list[Tensor]: "Tensor[]",  # noqa: UP006
    int: "SymInt",
    float: "float",
    bool: "bool",
    Number: "Scalar",
}


def infer_schema(prototype_function: typing.Callable, /, *, mutates_args, op_name: str | None = None, tags=()) -> str:
    """The schema string of `prototype_function` from its annotations, e.g. '(Tensor x, float k=2.0) -> Tensor'.

    mutates_args names the arguments the function writes in place (or is "unknown": every Tensor argument).
    tags may hold Tag.inplace (the op returns its mutated first argument) or Tag.out (mutated keyword-only
    `out` tensors that are also the returns)."""
    sig = inspect.signature(prototype_function)
    globs = getattr(prototype_function, "__globals__", {})
    if tags is None:
        tags = ()
    elif isinstance(tags, Tag):
        tags = (tags,)
    is_inplace, is_out = Tag.inplace in tags, Tag.out in tags
    if is_inplace and is_out:
        raise AssertionError("torch.Tag.inplace and torch.Tag.out are mutually exclusive")
    if not isinstance(mutates_args, str):
        mutates_args = tuple(mutates_args)

    def fail(what: str):
        raise ValueError(f"infer_schema(func): {what} Got func with signature {sig})")

    def resolve(ann):
        if isinstance(ann, str):
            try:
                return eval(ann, globs)  # noqa: S307  (a string annotation names a type in the function's module)
            except Exception as e:
                fail(f"Unsupported type annotation {ann}. It is not a type. ({type(e).__name__}: {e})")
        origin = typing.get_origin(ann)
        if origin is not None and any(isinstance(a, str) for a in typing.get_args(ann)):
            return GenericAlias(origin, tuple(resolve(a) for a in typing.get_args(ann)))
        return ann

    params = []
    seen = set()
    star = False
    first_pos = None  # (name, schema type, alias)
    out_aliases, out_names = [], []
    for idx, (name, param) in enumerate(sig.parameters.items()):
        if param.kind not in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY):
            fail("We do not support positional-only args, varargs, or varkwargs.")
        if param.kind == inspect.Parameter.KEYWORD_ONLY and not star:
            params.append("*")
            star = True
        if param.annotation is inspect.Parameter.empty:
            fail(f"Parameter {name} must have a type annotation.")
        ann = resolve(param.annotation)
        try:
            schema_type = SUPPORTED_PARAM_TYPES.get(ann)
        except TypeError:  # an unhashable annotation
            schema_type = None
        if schema_type is None:
            if typing.get_origin(ann) is tuple or ann is tuple:
                args = typing.get_args(ann)
                as_list = list[args[0]] if len(args) == 1 or len(args) == 2 and args[1] is Ellipsis else None
                hint = f"For example, {as_list}.\n\n" if as_list in SUPPORTED_PARAM_TYPES else "\n\n"
                fail(
                    f"Parameter {name} has unsupported type {param.annotation}. We do not support Tuple inputs in "
                    f"schema. As a workaround, please try to use List instead. {hint}"
                    f"The valid types are: {SUPPORTED_PARAM_TYPES.keys()}."
                )
            fail(
                f"Parameter {name} has unsupported type {param.annotation}. The valid types are: "
                f"{SUPPORTED_PARAM_TYPES.keys()}."
            )
        if param.kind == inspect.Parameter.POSITIONAL_OR_KEYWORD and first_pos is None:
            first_pos = (name, schema_type, f"a{idx}")
        mutated = False
        if isinstance(mutates_args, str):
            if mutates_args != "unknown":
                raise ValueError(
                    "mutates_args must either be a sequence of the names of the arguments that are "
                    "mutated or the string 'unknown'. "
                )
            if schema_type.startswith("Tensor"):
                mutated = True
        elif name in mutates_args:
            if not schema_type.startswith("Tensor"):
                fail(f"Parameter {name} is in mutable_args but only Tensors or collections of Tensors can be mutated")
            mutated = True
        if mutated:
            schema_type = f"Tensor(a{idx}!){schema_type[len('Tensor') :]}"
            if is_out:
                if param.kind != inspect.Parameter.KEYWORD_ONLY:
                    fail("torch.Tag.out requires mutable arguments to be keyword-only.")
                if schema_type != f"Tensor(a{idx}!)":
                    fail("torch.Tag.out only supports mutable keyword-only Tensor arguments.")
                out_aliases.append(f"a{idx}")
                out_names.append(name)
        seen.add(name)
        if param.default is inspect.Parameter.empty:
            params.append(f"{schema_type} {name}")
        else:
            params.append(f"{schema_type} {name}={_default_repr(param.default, name, fail)}")
    if not isinstance(mutates_args, str):
        missing = set(mutates_args) - seen
        if missing:
            fail(
                f"{missing} in mutates_args were not found in the custom op's signature. mutates_args should "
                "contain the names of all args that the custom op mutates, or just the string 'unknown' if you "
                "don't know."
            )
    if is_inplace:
        if first_pos is None:
            fail("torch.Tag.inplace requires a positional Tensor argument.")
        if first_pos[1] != "Tensor":
            fail("torch.Tag.inplace requires the first positional argument to be a Tensor.")
        if isinstance(mutates_args, str) or set(mutates_args) != {first_pos[0]}:
            fail(
                f"torch.Tag.inplace requires mutates_args to contain exactly the first positional argument, got "
                f"{mutates_args}."
            )
    if is_out and not out_aliases:
        fail("torch.Tag.out requires at least one mutable keyword-only Tensor argument.")
    ret_ann = resolve(sig.return_annotation)
    if is_out:
        ret = _out_returns(ret_ann, out_aliases, out_names, fail)
    else:
        ret = _returns(ret_ann, fail)
    if is_inplace:
        if ret != "Tensor":
            fail("torch.Tag.inplace requires the return annotation to be torch.Tensor.")
        ret = f"Tensor({first_pos[2]}!)"
    head = op_name if op_name is not None else ""
    return f"{head}({', '.join(params)}) -> {ret}"


def _default_repr(v, name, fail) -> str:
    if v is None or isinstance(v, (int, float, bool)):
        return str(v)
    if isinstance(v, (str, device)):
        return f'"{v}"'
    if isinstance(v, dtype):
        return repr(v)[len("torch.") :]
    fail(
        f"Parameter {name} has an unsupported default value type {type(v)}. Please file an issue on GitHub so we "
        "can prioritize this."
    )


def _return_type(t) -> str | None:
    try:
        r = SUPPORTED_RETURN_TYPES.get(t)
    except TypeError:
        r = None
    return r


def _returns(ann, fail) -> str:
    if ann is None:
        return "()"
    if ann is inspect.Parameter.empty:
        fail("No return type annotation was provided. Please add one.")
    if typing.get_origin(ann) is not tuple:
        r = _return_type(ann)
        if r is None:
            fail(f"Return has unsupported type {ann}. The valid types are: {SUPPORTED_RETURN_TYPES}.")
        return r
    parts = []
    for a in typing.get_args(ann):
        r = _return_type(a)
        if r is None:
            fail(f"Return has unsupported type {ann}. The valid types are: {SUPPORTED_RETURN_TYPES}.")
        parts.append(r)
    inner = ", ".join(parts)
    return f"(({inner}))" if len(parts) == 1 else f"({inner})"


def _out_returns(ann, aliases, names, fail) -> str:
    if len(aliases) == 1:
        ok = ann is Tensor
    else:
        ok = typing.get_origin(ann) is tuple and typing.get_args(ann) == (Tensor,) * len(aliases)
    if not ok:
        fail(
            f"torch.Tag.out requires the return annotation to match the mutable keyword-only Tensor arguments "
            f"{tuple(names)}."
        )
    rets = [f"Tensor({a}!)" for a in aliases]
    return rets[0] if len(rets) == 1 else f"({', '.join(rets)})"
