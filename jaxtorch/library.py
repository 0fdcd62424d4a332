"""torch.library: define custom operators from Python, with kernels, fake impls and autograd formulas.

Library code written for torch registers operators at import time (`torch.library.custom_op`, `register_fake`,
`register_autograd`, `Library(...).define/impl`); under jaxtorch the same calls make real jaxtorch operators,
reachable as `torch.ops.<namespace>.<op>`:

* eagerly the kernel runs on jaxtorch tensors with grad recording off; autograd sees ONE node whose backward is
  the registered formula (torch's error when there is none);
* under a JAX trace (torch.compile, jax.jit, torch.func) a kernel written with jaxtorch ops is traced inline;
  one that needs concrete values (`.item()`, `.numpy()`, numpy) runs as a host callback whose output shapes
  come from the fake impl;
* what has no JAX meaning raises NotImplementedError when used: `__torch_dispatch__` rules, Triton kernels
  (`triton_op` defines the op, `wrap_triton` raises), C++ libraries (`torch.ops.load_library`).

Registration lifetimes follow torch: a Library's definitions and kernels disappear when it is destroyed (or
garbage collected); `define`/`impl`/`register_*` without `lib=` keep theirs for the life of the process.
"""

from __future__ import annotations

import contextlib
import functools
import re
import sys
import warnings
import weakref
from collections.abc import Callable
from typing import Any

from ._library import _dispatcher
from ._library.custom_ops import CustomOpDef, _maybe_get_opdef, custom_op, device_types_t
from ._library.fake_impl import FakeImplCtx, global_ctx_getter
from ._library.infer_schema import infer_schema
from ._library.opcheck import OpCheckError, opcheck  # noqa: F401
from ._library.tags import Tag
from ._library.utils import parse_namespace
from ._ops_ns import OpOverload, OpOverloadPacket  # noqa: F401  (torch.library.OpOverload)

__all__ = [
    "Library",
    "impl",
    "define",
    "fallthrough_kernel",
    "impl_abstract",
    "register_autocast",
    "register_fake",
    "register_torch_dispatch",
    "register_vmap",
    "get_ctx",
    "get_kernel",
    "custom_op",
    "triton_op",
    "wrap_triton",
    "infer_schema",
]

_reserved_namespaces = ["prim"]


def fallthrough_kernel():
    """Pass to Library.impl to register a fallthrough (the key is skipped)."""
    raise NotImplementedError("fallthrough_kernel() should never be called.")


fallthrough_kernel._jaxtorch_fallthrough = True

_def_libraries: dict = {}  # namespace -> where its kind="DEF" Library was made


class Library:
    """A set of operator registrations for namespace `ns`: kind "DEF" (the one library defining the namespace),
    "FRAGMENT" (more definitions for it) or "IMPL" (kernels only). dispatch_key is the default key of `impl`."""

    def __init__(self, ns: str, kind: str, dispatch_key: str = "") -> None:
        if kind not in ("IMPL", "DEF", "FRAGMENT"):
            raise ValueError(f"Unsupported kind: {kind}")
        if ns in _reserved_namespaces and kind in ("DEF", "FRAGMENT"):
            raise ValueError(f"{ns} is a reserved namespace. Please try creating a library with another name.")
        frame = sys._getframe(1)
        self._where = f"{frame.f_code.co_filename}:{frame.f_lineno}"
        if kind == "DEF":
            if ns in _def_libraries:
                raise RuntimeError(
                    f"Only a single TORCH_LIBRARY can be used to register the namespace {ns}; please put all of your "
                    "definitions in a single TORCH_LIBRARY block.  If you were trying to specify implementations, "
                    "consider using TORCH_LIBRARY_IMPL (which can be duplicated).  If you really intended to define "
                    "operators for a single namespace in a distributed way, you can use TORCH_LIBRARY_FRAGMENT to "
                    "explicitly indicate this.  Previous registration of TORCH_LIBRARY was registered at "
                    f"{_def_libraries[ns]}; latest registration was registered at {self._where}"
                )
            _def_libraries[ns] = self._where
        self.ns = ns
        self.kind = kind
        self.dispatch_key = dispatch_key
        self.m = True  # torch's C++ handle; None once destroyed
        self._op_defs: set = set()
        self._op_impls: set = set()
        self._undo: list = []
        weakref.finalize(self, _del_library, self._undo, ns if kind == "DEF" else None)

    def __repr__(self) -> str:
        return f"Library(kind={self.kind}, ns={self.ns}, dispatch_key={self.dispatch_key})>"

    def _keep(self, undo: Callable) -> Callable:
        self._undo.append(undo)
        return undo

    def _check_alive(self) -> None:
        if self.m is None:
            raise AssertionError("Library object has been destroyed")

    def define(self, schema: str, alias_analysis: str = "", *, tags=()) -> str:
        """Define an operator from its schema ('foo(Tensor x) -> Tensor'); returns its name."""
        if alias_analysis not in ("", "FROM_SCHEMA", "CONSERVATIVE"):
            raise RuntimeError(f"Invalid alias_analysis type {alias_analysis}")
        self._check_alive()
        if self.kind == "IMPL":
            raise RuntimeError(
                "Cannot define an operator inside of a TORCH_LIBRARY_IMPL block.  All def()s should "
                "be placed in the (unique) TORCH_LIBRARY block for their namespace.  (Error occurred "
                f"at {self._where})"
            )
        if isinstance(tags, Tag):
            tags = (tags,)
        frame = sys._getframe(1)
        entry = _dispatcher.define(
            self.ns, schema, tags, where=f"registered at {frame.f_code.co_filename}:{frame.f_lineno}"
        )
        self._keep(lambda: _dispatcher.undefine(entry))
        name = entry.name + (f".{entry.overload}" if entry.overload else "")
        self._op_defs.add(f"{self.ns}::{name}")
        return name

    def _resolve_op_name(self, op_name, api_name: str) -> str:
        if isinstance(op_name, str):
            return op_name
        if isinstance(op_name, OpOverload):
            return op_name._opname + ("" if op_name._overloadname == "default" else f".{op_name._overloadname}")
        raise RuntimeError(
            f"{api_name} should be passed either a name or an OpOverload object as the first argument, "
            f"got {type(op_name)}"
        )

    def _entry(self, name: str) -> _dispatcher.OperatorEntry:
        if "::" in name:
            return _dispatcher.entry_for(name)
        return _dispatcher.entry_for(f"{self.ns}::{name}")

    def impl(
        self, op_name, fn: Callable, dispatch_key: str = "", *, with_keyset: bool = False, allow_override: bool = True
    ) -> None:
        """Register fn as op_name's kernel for dispatch_key (default: the library's key, else
        CompositeImplicitAutograd). `fallthrough_kernel` registers a fallthrough."""
        if not callable(fn):
            raise TypeError(f"Input function is required to be a callable but found type {type(fn)}")
        if dispatch_key == "":
            dispatch_key = self.dispatch_key
        name = self._resolve_op_name(op_name, "impl")
        key = dispatch_key or _dispatcher.CIA
        if key not in _dispatcher.DISPATCH_KEYS:
            raise RuntimeError(f"could not parse dispatch key: {key}")
        if with_keyset:
            raise NotImplementedError(
                f"Library.impl({name!r}, ..., with_keyset=True): jaxtorch has no dispatch key "
                "sets to pass to the kernel"
            )
        reg = f"{self.ns}/{name.split('::')[-1]}/{dispatch_key}"
        if not allow_override and reg in _impls:
            raise RuntimeError(
                f"This is not allowed since there's already a kernel registered from python overriding "
                f"{name.split('::')[-1]}'s behavior for {dispatch_key} dispatch key and {self.ns} "
                "namespace."
            )
        self._check_alive()
        entry = self._entry(name)
        self._keep(entry.add_kernel(key, fn))
        _impls.add(reg)
        self._op_impls.add(reg)

    def _register_fake(self, op_name, fn: Callable, _stacklevel: int = 1, *, allow_override: bool = True) -> None:
        name = self._resolve_op_name(op_name, "register_fake")
        entry = self._entry(name)
        if entry.schema is None:
            raise RuntimeError(f"operator {entry.qualname} does not exist")
        if not allow_override and entry.fake is not None:
            raise RuntimeError(f"register_fake(...): the operator {entry.qualname} already has a fake impl registered.")
        self._keep(entry.add(entry.fakes, fn))

    def _register_torch_dispatch_rule(self, op_name, torch_dispatch_class, fn) -> None:
        raise NotImplementedError(
            "register_torch_dispatch: jaxtorch has no __torch_dispatch__ (no TorchDispatchMode "
            "or tensor-subclass dispatch), so such a rule could never run"
        )

    def _register_effectful_op(self, op_name, effect) -> None:
        raise NotImplementedError("effect tokens for custom operators are not supported in jaxtorch")

    def _impl_with_aoti_compile(self, op_name, dispatch_key: str = "") -> None:
        raise NotImplementedError("AOTInductor-compiled kernels are not supported in jaxtorch")

    def register_symm_mem_args(self, op_name, arg_names) -> None:
        raise NotImplementedError("symmetric memory arguments are not supported in jaxtorch")

    def fallback(self, fn: Callable, dispatch_key: str = "", *, with_keyset: bool = False) -> None:
        if dispatch_key == "":
            dispatch_key = self.dispatch_key
        if self.ns != "_":
            raise RuntimeError(
                f'Fallback can only be registered using library fragment on the global namespace "_" '
                f"but it is {self.ns}"
            )
        raise NotImplementedError("Library.fallback: jaxtorch has no dispatcher keys to register a global fallback for")

    def _destroy(self) -> None:
        _del_library(self._undo, self.ns if self.kind == "DEF" else None)
        self.m = None
        global _impls
        _impls -= self._op_impls


_impls: set = set()
_keep_alive: list = []


def _del_library(undo: list, def_ns: str | None) -> None:
    while undo:
        undo.pop()()
    if def_ns is not None:
        _def_libraries.pop(def_ns, None)


@contextlib.contextmanager
def _scoped_library(*args, **kwargs):
    """A Library whose registrations are undone when the block ends (torch's testing helper)."""
    lib = Library(*args, **kwargs)
    try:
        yield lib
    finally:
        lib._destroy()


def _library_for_registration(namespace: str, lib: Library | None) -> Library:
    if lib is not None:
        return lib
    use_lib = Library(namespace, "FRAGMENT")
    _keep_alive.append(use_lib)
    return use_lib


NAMELESS_SCHEMA = re.compile(r"\(.*\) -> .*")


@functools.singledispatch
def define(qualname, schema, *, lib=None, tags=()):
    """Define the operator `qualname` ('ns::name') with schema '(Tensor x) -> Tensor'; implement it with
    torch.library.impl / register_kernel / register_fake."""
    if not isinstance(qualname, str):
        raise ValueError(f"define(qualname, schema): expected qualname to be instance of str, got {type(qualname)}")
    namespace, name = parse_namespace(qualname)
    if lib is None:
        lib = Library(namespace, "FRAGMENT")
        _keep_alive.append(lib)
    if not NAMELESS_SCHEMA.fullmatch(schema):
        raise ValueError(
            f'define(qualname, schema, ...): expected schema to look like e.g. "(Tensor x) -> Tensor" but '
            f'got "{schema}"'
        )
    lib.define(name + schema, alias_analysis="", tags=tags)


@define.register
def _(lib: Library, schema, alias_analysis=""):
    """The old torch.library.define(lib, schema): a decorator defining and implementing the op."""

    def wrap(f):
        name = lib.define(schema, alias_analysis)
        lib.impl(name, f)
        return f

    return wrap


def _device_type_to_key(device_type: str) -> str:
    if device_type == "default":
        return _dispatcher.CEA
    return _dispatcher.dispatch_key_for_device(device_type)


@functools.singledispatch
def impl(qualname, types, func=None, *, lib=None):
    """Register func for device types ('cpu', 'cuda', ..., or 'default' for all) of operator qualname;
    usable as a decorator. (Also the old form impl(lib, name, dispatch_key).)"""
    return _impl(qualname, types, func, lib=lib)


@impl.register
def _(lib: Library, name: str, dispatch_key: str = ""):
    def wrap(f):
        lib.impl(name, f, dispatch_key)
        return f

    return wrap


def _impl(qualname, types, func=None, *, lib=None):
    if isinstance(types, str):
        types = (types,)
    keys = set()
    for typ in types:
        keys.add(typ if typ in _dispatcher.DISPATCH_KEYS else _device_type_to_key(typ))

    def register_(func):
        namespace, _ = parse_namespace(qualname)
        use_lib = _library_for_registration(namespace, lib)
        for key in keys:
            use_lib.impl(qualname, func, key)

    if func is None:
        return register_
    register_(func)
    return None


def _resolve_op_for_registration(op, registration_name: str):
    if not isinstance(op, (str, OpOverload, CustomOpDef)):
        raise ValueError(f"{registration_name}({op}): got unexpected type for op: {type(op)}")
    if isinstance(op, OpOverload):
        op = op._name
    opdef = _maybe_get_opdef(op)
    if opdef is not None:
        return opdef
    return op


def register_kernel(op, device_types: device_types_t, func: Callable | None = None, /, *, lib=None):
    """Register func as op's implementation for device_types (None: all); usable as a decorator."""
    op = _resolve_op_for_registration(op, "register_kernel")
    if isinstance(op, CustomOpDef):
        return op.register_kernel(device_types, func)
    if device_types is None:
        device_types = _dispatcher.CEA
    return _impl(op, device_types, func, lib=lib)


def register_fake(op, func: Callable | None = None, /, *, lib=None, _stacklevel: int = 1, allow_override: bool = True):
    """Register op's fake impl (output shapes/dtypes from inputs, without data); usable as a decorator.
    jaxtorch calls it under a JAX trace to size the host callback of a kernel that cannot be traced."""
    op = _resolve_op_for_registration(op, "register_fake")
    if isinstance(op, CustomOpDef):
        if func is None:
            return op.register_fake
        return op.register_fake(func)

    def register(func):
        namespace, op_name = parse_namespace(op)
        use_lib = _library_for_registration(namespace, lib)
        use_lib._register_fake(op_name, func, allow_override=allow_override)
        return func

    if func is None:
        return register
    return register(func)


def impl_abstract(qualname, func=None, *, lib=None, _stacklevel=1):
    """Renamed to register_fake in torch 2.4."""
    warnings.warn(
        "`torch.library.impl_abstract` was renamed to `torch.library.register_fake`. Please use that "
        "instead; we will remove `torch.library.impl_abstract` in a future version of PyTorch.",
        FutureWarning,
        stacklevel=2,
    )
    return register_fake(qualname, func, lib=lib, _stacklevel=_stacklevel + 1)


def register_autograd(op, backward: Callable, /, *, setup_context: Callable | None = None, lib=None) -> None:
    """Register op's backward(ctx, *grads) and setup_context(ctx, inputs, output), as torch.autograd.Function."""
    op = _resolve_op_for_registration(op, "register_autograd")
    if isinstance(op, CustomOpDef):
        op.register_autograd(backward, setup_context=setup_context)
        return
    entry = _dispatcher.find(op)
    if entry is None:
        from ._library.utils import lookup_op

        lookup_op(op)  # raises torch's AttributeError for an unknown op
    schema = entry.schema
    if Tag.out in entry.tags:
        raise RuntimeError(
            f"Cannot register autograd formula for operator tagged with torch.Tag.out: {op}. Out "
            "variants do not support autograd."
        )
    if schema.is_mutable or schema._is_view_op():
        raise RuntimeError(
            f"Cannot register autograd formula for non-functional operator {op} with schema {schema}. "
            "Please create a functional operator and register an autograd formula for that."
        )
    if any(a.kwarg_only and a.type.base == "Tensor" for a in schema.arguments):
        raise NotImplementedError(
            f"register_autograd with kwarg-only Tensor args. In the original definition of the "
            f"op, please make your tensors not kwarg-only. Got: {schema}"
        )
    namespace, _ = parse_namespace(op)
    use_lib = _library_for_registration(namespace, lib)
    use_lib._keep(entry.add(entry.autograds, (backward, setup_context)))


def register_torch_dispatch(op, torch_dispatch_class: Any, func: Callable | None = None, /, *, lib=None):
    """Not supported: jaxtorch has no __torch_dispatch__, so such a rule could never run."""
    op = _resolve_op_for_registration(op, "register_torch_dispatch")
    if isinstance(op, CustomOpDef):
        return op.register_torch_dispatch(torch_dispatch_class, func)
    raise NotImplementedError(
        f"register_torch_dispatch({op!r}): jaxtorch has no __torch_dispatch__ (no "
        "TorchDispatchMode or tensor-subclass dispatch), so such a rule could never run"
    )


def register_vmap(op, func: Callable | None = None, /, *, lib=None):
    """Accepted: jaxtorch's vmap batches the kernel itself (traced, or one host call per element)."""
    op = _resolve_op_for_registration(op, "register_vmap")
    if isinstance(op, CustomOpDef):
        return op.register_vmap(func)
    if func is None:
        return lambda f: f
    return func


def register_autocast(op, device_type: str, cast_inputs, /, *, lib=None):
    """Under autocast for device_type, op's floating inputs are cast to cast_inputs and it runs with autocast off."""
    op = _resolve_op_for_registration(op, "register_autocast")
    if isinstance(op, CustomOpDef):
        return op.register_autocast(device_type, cast_inputs)
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    from . import _autocast

    if device_type not in _autocast.SUPPORTED:
        raise ValueError(f"Device type '{device_type}' does not support autocast.")
    entry = _dispatcher.entry_for(op)
    entry.autocast[device_type] = cast_inputs
    namespace, _ = parse_namespace(op)
    _library_for_registration(namespace, lib)._keep(lambda: entry.autocast.pop(device_type, None))


def get_ctx() -> FakeImplCtx | None:
    """Inside a fake impl, its context (for `new_dynamic_size()`); None elsewhere."""
    return global_ctx_getter()


class _SafeKernelFunction:
    """What get_kernel returns: the kernel registered for a dispatch key, callable boxed."""

    def __init__(self, op_name: str, key: str, fn) -> None:
        self.op_name, self.key, self._fn = op_name, key, fn

    def call_boxed(self, keyset, *args, **kwargs):
        if self._fn is None:
            raise RuntimeError(f"{self.op_name} has no kernel for dispatch key {self.key}")
        return self._fn(*args, **kwargs)

    def __repr__(self) -> str:
        return f"SafeKernelFunction(op={self.op_name}, dispatch_key={self.key})"


def get_kernel(op, dispatch_key) -> _SafeKernelFunction:
    """The kernel op would run for dispatch_key (a backend key falls back to the composite kernels, as torch)."""
    if not isinstance(op, (str, OpOverload)):
        raise ValueError(f"get_kernel({op}): got unexpected type for op: {type(op)}")
    if isinstance(op, OpOverload):
        op = op._name
    key = getattr(dispatch_key, "name", dispatch_key)
    if key not in _dispatcher.DISPATCH_KEYS:
        raise ValueError(f"Invalid dispatch key: {dispatch_key}")
    entry = _dispatcher.find(op)
    if entry is None:
        raise RuntimeError(f"operator {op} does not exist")
    fn = entry.kernel(key) or entry.kernel(_dispatcher.CEA) or entry.kernel(_dispatcher.CIA)
    return _SafeKernelFunction(op, key, fn)


def triton_op(name: str, fn: Callable | None = None, /, *, mutates_args, schema: str | None = None):
    """Defines the operator like custom_op (so modules that declare Triton ops import); running it raises
    NotImplementedError from wrap_triton, since Triton kernels cannot run on JAX."""

    def dec(fn):
        return custom_op(name, fn, mutates_args=mutates_args, schema=schema)

    if fn is None:
        return dec
    return dec(fn)


def wrap_triton(triton_kernel: Callable, /) -> Any:
    raise NotImplementedError(
        f"torch.library.wrap_triton({getattr(triton_kernel, '__name__', triton_kernel)}): Triton "
        "kernels cannot run in jaxtorch (there is no Triton on JAX); write the kernel with "
        "jaxtorch ops (or a jax.pure_callback) instead"
    )
