"""Helpers shared by torch.library's functions (torch._library.utils)."""

from __future__ import annotations


def parse_namespace(qualname: str) -> tuple[str, str]:
    """'ns::name' -> ('ns', 'name') (ValueError otherwise, as torch)."""
    splits = qualname.split("::")
    if len(splits) != 2:
        raise ValueError(
            f'Expected `qualname` to be of the form "namespace::name", but got {qualname}. The qualname '
            "passed to the torch.library APIs must consist of a namespace and a name, e.g. aten::sin"
        )
    return splits[0], splits[1]


def lookup_op(qualname: str):
    """The OpOverload for 'ns::name' or 'ns::name.overload' (AttributeError when there is none, as torch)."""
    from .._ops_ns import ops

    namespace, name = parse_namespace(qualname)
    name, _, overload = name.partition(".")
    packet = getattr(getattr(ops, namespace), name)
    return getattr(packet, overload or "default")


def is_functional_schema(schema) -> bool:
    return not schema.is_mutable and not schema._is_view_op()


def has_kwarg_only_args(schema) -> bool:
    return any(a.kwarg_only for a in schema.arguments)


def has_kwarg_only_tensors(schema) -> bool:
    return any(a.kwarg_only and a.type.base == "Tensor" for a in schema.arguments)


def has_tensor_arg(schema) -> bool:
    return any(a.type.base == "Tensor" for a in schema.arguments)


def get_device_arg_index(schema) -> int | None:
    for i, a in enumerate(schema.arguments):
        if a.type.base == "Device":
            return i
    return None
