"""torch.library.custom_op: a Python function made into a registered operator (CustomOpDef)."""

from __future__ import annotations

import contextlib
import inspect
import logging
import warnings
import weakref
from collections.abc import Callable, Iterable, Sequence

from .._tensor import Tensor
from . import _dispatcher, _trace
from .tags import Tag

log = logging.getLogger(__name__)

device_types_t = str | Sequence[str] | None


def _normalize_tags(tags) -> tuple:
    if tags is None:
        return ()
    if isinstance(tags, Tag):
        tags = (tags,)
    return tuple(dict.fromkeys(tags))


def custom_op(
    name: str,
    fn: Callable | None = None,
    /,
    *,
    mutates_args: str | Iterable[str],
    device_types: device_types_t = None,
    schema: str | None = None,
    tags=None,
):
    """Wrap fn (with type hints) into the operator `name` ("namespace::op"); usable as a decorator.

    The result is a CustomOpDef: callable like fn, and `torch.ops.<namespace>.<op>` names the same operator.
    See torch.library.custom_op; jaxtorch's notes: the op is opaque to autograd (register_autograd gives its
    gradient), and under a JAX trace a kernel that needs concrete values runs as a host callback whose output
    shapes come from register_fake."""

    def inner(fn: Callable) -> CustomOpDef:
        from .infer_schema import infer_schema

        normalized = _normalize_tags(tags)
        schema_str = infer_schema(fn, mutates_args=mutates_args, tags=normalized) if schema is None else schema
        parts = name.split("::")
        if len(parts) != 2:
            got = len(parts)
            raise ValueError(
                f"{'not enough' if got < 2 else 'too many'} values to unpack (expected 2"
                f"{', got ' + str(got) if got < 2 else ''})"
            )
        namespace, opname = parts
        result = CustomOpDef(namespace, opname, schema_str, fn, normalized)
        if schema is not None:
            expected = {
                a.name
                for a in result._opoverload._schema.arguments
                if a.alias_info is not None and a.alias_info.is_write
            }
            if expected != set(mutates_args):
                raise ValueError(
                    f"Attempted to create a custom op with `mutates_args={mutates_args}` and "
                    f"`schema={schema}. The schema suggests that the op mutates {expected}which is "
                    "different from what was provided to us in `mutates_args`. Please make these "
                    "consistent."
                )
        result.register_kernel(device_types)(fn)
        return result

    if fn is None:
        return inner
    return inner(fn)


class CustomOpDef:
    """A function made into a custom operator by torch.library.custom_op; holds its registrations."""

    def __init__(self, namespace: str, name: str, schema: str, fn: Callable, tags=None) -> None:
        self._namespace = namespace
        self._name = name
        self._schema = schema
        self._tags = _normalize_tags(tags)
        self._init_fn = fn
        self._backend_fns: dict = {}
        self._abstract_fn = None
        self._setup_context_fn = None
        self._backward_fn = None
        self._torch_dispatch_fns: dict = {}
        self._vmap_fn = None
        self._autocast_dtype: dict = {}
        self._disabled_kernel: set = set()
        self._used_triton_kernels: list = []
        self._lib = get_library_allowing_overwrite(namespace, name)
        self._register_to_dispatcher()
        OPDEFS[self._qualname] = self

    @property
    def _qualname(self) -> str:
        return f"{self._namespace}::{self._name}"

    def __repr__(self) -> str:
        return f"<CustomOpDef({self._qualname})>"

    def _register_to_dispatcher(self) -> None:
        from ._schema import parse_schema

        schema_str = self._name + self._schema
        parsed = parse_schema(schema_str)
        if any(a.kwarg_only and a.type.base == "Tensor" for a in parsed.arguments) and Tag.out not in self._tags:
            raise NotImplementedError(
                f"custom_op with kwarg-only Tensor args. Please make your tensors not kwarg-only. Got: {schema_str}"
            )
        tags = (Tag.pt2_compliant_tag, *(t for t in self._tags if t != Tag.pt2_compliant_tag))
        self._lib.define(schema_str, tags=tags)
        from .utils import lookup_op

        self._opoverload = lookup_op(self._qualname)
        entry = self._opoverload._entry
        entry.opdef = self
        self._entry = entry
        self._fake_undo = None
        # custom ops always go through the generated autograd node (its backward raises until one is registered)
        self._autograd_undo = self._lib._keep(entry.add(entry.autograds, (None, None)))
        self._is_inplace = Tag.inplace in self._tags
        self._is_out = Tag.out in self._tags
        self._out_kwarg_names = tuple(
            a.name for a in parsed.arguments if a.kwarg_only and a.alias_info is not None and a.alias_info.is_write
        )

    @contextlib.contextmanager
    def set_kernel_enabled(self, device_type: str, enabled: bool = True):
        """Disable (or re-enable) the kernel registered for device_type within the block."""
        action = "enable" if enabled else "disable"
        originally_disabled = device_type in self._disabled_kernel
        if device_type not in self._backend_fns:
            log.warning(
                "Attempted to %s kernel for %s but no kernel was registered for this device type.", action, device_type
            )
        if not enabled:
            if originally_disabled:
                log.warning("Attempted to disable kernel for %s but it was already disabled.", device_type)
            else:
                self._disabled_kernel.add(device_type)
        elif not originally_disabled:
            log.warning("Attempted to enable kernel for  %s but it was already enabled.", device_type)
        else:
            self._disabled_kernel.remove(device_type)
        try:
            yield
        finally:
            if originally_disabled:
                self._disabled_kernel.add(device_type)
            else:
                self._disabled_kernel.discard(device_type)

    def register_kernel(self, device_types: device_types_t, fn: Callable | None = None, /) -> Callable:
        """Register fn as the implementation for device_types (None: every device); usable as a decorator."""

        def inner(fn):
            dtypes = [device_types] if device_types is None or isinstance(device_types, str) else list(device_types)
            keys = [_dispatcher.CEA if d is None else _dispatcher.dispatch_key_for_device(d) for d in dtypes]
            for device_type, key in zip(dtypes, keys):
                if device_type not in self._backend_fns:
                    self._lib.impl(self._name, self._make_backend_impl(device_type), key)

                self._backend_fns[device_type] = self._unless_disabled(device_type, fn)
                kernel = self._entry.kernel(key)
                if kernel is not None:
                    _trace.untraceable.discard(kernel)  # a new function: find out afresh whether it traces
            return fn

        if device_types is not None and not any(a.type.base == "Tensor" for a in self._entry.schema.arguments):
            if not any(a.type.base == "Device" for a in self._entry.schema.arguments):
                raise ValueError(
                    "Functions without tensor inputs are required to have a `device: torch.device` argument"
                )
        if fn is None:
            return inner
        return inner(fn)

    def _unless_disabled(self, device_type, fn):
        """fn, or the op's original function while set_kernel_enabled(device_type, False) is active."""

        def wrapped_fn(*args, **kwargs):
            if device_type in self._disabled_kernel:
                return self._init_fn(*args, **kwargs)
            return fn(*args, **kwargs)

        return wrapped_fn

    def _make_backend_impl(self, device_type):
        def backend_impl(*args, **kwargs):
            result = self._backend_fns[device_type](*args, **kwargs)
            fn = self._backend_fns[device_type]
            if self._is_inplace:
                if result is not args[0]:
                    raise RuntimeError(
                        f"{self._name} (with implementation in {inspect.getmodule(fn)}): An operator "
                        "tagged with torch.Tag.inplace must return its first argument."
                    )
            elif self._is_out:
                names = self._out_kwarg_names
                if len(names) == 1:
                    ok = result is kwargs.get(names[0])
                else:
                    ok = (
                        isinstance(result, tuple)
                        and len(result) == len(names)
                        and all(r is kwargs.get(n) for r, n in zip(result, names))
                    )
                if not ok:
                    raise RuntimeError(
                        f"{self._name} (with implementation in {inspect.getmodule(fn)}): An operator "
                        "tagged with torch.Tag.out must return its mutable keyword-only arguments."
                    )
            else:
                _check_aliasing(self._name, args, kwargs, result, fn)
            return result

        backend_impl.__name__ = f"{self._name}_{device_type or 'default'}_kernel"
        return backend_impl

    def register_fake(self, fn: Callable, /) -> Callable:
        """Register the fake impl: output shapes/dtypes from inputs without touching data. Under a JAX trace jaxtorch
        calls it to size the host callback of a kernel that cannot be traced."""
        if self._is_inplace or self._is_out:
            tag = "torch.Tag.inplace" if self._is_inplace else "torch.Tag.out"
            warnings.warn(
                f"The fake registration for {self} is unnecessary. Custom ops tagged with {tag} already get "
                "an autogenerated fake kernel. The provided fake impl will be used instead.",
                stacklevel=2,
            )
        self._abstract_fn = fn
        if self._fake_undo is not None:
            self._fake_undo()
        self._fake_undo = self._lib._keep(self._entry.add(self._entry.fakes, fn))
        return fn

    def register_autograd(self, backward: Callable, /, *, setup_context: Callable | None = None) -> None:
        """Register backward(ctx, *grads) and setup_context(ctx, inputs, output) (as torch.autograd.Function)."""
        schema = self._entry.schema
        if self._is_out:
            raise RuntimeError(
                f"Cannot register autograd formula for operator tagged with torch.Tag.out: {self}. Out "
                "variants do not support autograd."
            )
        if schema.is_mutable:
            raise RuntimeError(
                f"Cannot register autograd formula for non-functional operator {self} with schema "
                f"{schema}. Please create a functional operator and register an autograd formula for "
                "that."
            )
        self._backward_fn = backward
        self._setup_context_fn = setup_context
        self._autograd_undo()
        self._autograd_undo = self._lib._keep(self._entry.add(self._entry.autograds, (backward, setup_context)))

    def register_torch_dispatch(self, torch_dispatch_class, fn: Callable | None = None, /) -> Callable:
        raise NotImplementedError(
            f"{self}.register_torch_dispatch: jaxtorch has no __torch_dispatch__ (no TorchDispatchMode or tensor "
            "subclass dispatch), so such a rule could never run"
        )

    def register_vmap(self, func: Callable | None = None):
        """Accepted and kept: jaxtorch's vmap batches the kernel itself (traced, or one host call per element),
        which gives what a correct vmap rule gives."""

        def register(func):
            self._vmap_fn = func
            return func

        if func is None:
            return register
        return register(func)

    def register_autocast(self, device_type: str, cast_inputs):
        """Under autocast for device_type, cast floating inputs to cast_inputs and run with autocast off."""
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        from .. import _autocast

        if device_type not in _autocast.SUPPORTED:
            raise ValueError(f"Device type '{device_type}' does not support autocast.")
        self._autocast_dtype[device_type] = cast_inputs
        self._entry.autocast[device_type] = cast_inputs
        self._lib._keep(lambda: self._entry.autocast.pop(device_type, None))

    def register_effect(self, effect) -> None:
        raise NotImplementedError(f"{self}.register_effect: effect tokens are not supported in jaxtorch")

    def __call__(self, *args, **kwargs):
        return self._opoverload(*args, **kwargs)


def _storage(t: Tensor) -> Tensor:
    return t._base if t._base is not None else t


def _check_aliasing(name, args, kwargs, result, fn) -> None:
    """A custom op's outputs may not be (or view) its inputs or each other (torch's aliasing constraint)."""
    outs = result if isinstance(result, (tuple, list)) else (result,)
    outs = [o for o in outs if isinstance(o, Tensor)]
    if not outs:
        return
    ins = _dispatcher.tensors_in(list(args) + list(kwargs.values()))
    seen = {id(_storage(t)) for t in ins}
    for o in outs:
        s = id(_storage(o))
        if s in seen:
            raise RuntimeError(
                f"{name} (with implementation in {inspect.getmodule(fn)}): The output of this custom operator (1) must "
                "not also be an input to this custom operator and (2) may not alias any inputs to this custom "
                "operator or other returns. The most common way to trigger this error is if we have y = "
                "custom_op(x) and y and x are the same Tensor. Please instead return a clone of the offending output "
                "tensor(s) (e.g. return x.clone()) or refactor the custom operator to not return y."
            )
        seen.add(s)


OPDEF_TO_LIB: dict = {}
OPDEFS: weakref.WeakValueDictionary = weakref.WeakValueDictionary()


def get_library_allowing_overwrite(namespace: str, name: str):
    """A fresh Library fragment for the op; a previous definition of the same op is destroyed first, so a
    module re-run (or a notebook cell) can define it again."""
    from ..library import Library

    qualname = f"{namespace}::{name}"
    if qualname in OPDEF_TO_LIB:
        OPDEF_TO_LIB[qualname]._destroy()
        del OPDEF_TO_LIB[qualname]
    lib = Library(namespace, "FRAGMENT")
    OPDEF_TO_LIB[qualname] = lib
    return lib


def _maybe_get_opdef(op) -> CustomOpDef | None:
    from .._ops_ns import OpOverload

    if isinstance(op, CustomOpDef):
        return op
    if isinstance(op, OpOverload):
        op = op._name
    if not isinstance(op, str):
        raise AssertionError(f"op must be str, got {type(op)}")
    return OPDEFS.get(op)
