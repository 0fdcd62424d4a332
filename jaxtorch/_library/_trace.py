"""Running an operator's kernel: eagerly, traced inline, or as a host callback.

Eagerly the kernel simply runs on jaxtorch tensors. Under a JAX trace (torch.compile, a user's jax.jit, vmap,
grad) its tensors hold tracers:

* a kernel written with jaxtorch ops traces like any other code and becomes part of the XLA program;
* a kernel that needs concrete values (`.item()`, `.numpy()`, `.tolist()`, numpy on its inputs) cannot be
  traced. The first attempt raises one of JAX's concretization errors; the inputs are put back as they were, the
  kernel is remembered as untraceable, and it runs instead inside `jax.pure_callback` on host tensors (numpy
  payloads). The callback needs its output shapes and dtypes before any data exists: they come from the
  operator's fake impl (`register_fake`), called with the traced tensors. Arguments the schema marks mutable
  come back from the callback as extra outputs and are written into the tensors with `copy_`.
"""

from __future__ import annotations

import weakref

import jax
import numpy as np

from .. import _trace_state as _ts
from .._errors import GraphBreak
from .._tensor import Tensor
from ..autograd import grad_mode as _gm
from . import fake_impl
from ._dispatcher import mutated_tensors, tensors_in

# what a kernel that needs concrete values raises under a trace (the set torch.compile treats as graph breaks)
BREAK_ERRORS = (
    GraphBreak,
    jax.errors.ConcretizationTypeError,
    jax.errors.TracerBoolConversionError,
    jax.errors.TracerIntegerConversionError,
    jax.errors.TracerArrayConversionError,
)


class _Untraceable:
    """Kernels found untraceable (weakly held where the function allows it)."""

    def __init__(self) -> None:
        self._weak: weakref.WeakSet = weakref.WeakSet()
        self._strong: set = set()

    def add(self, fn) -> None:
        try:
            self._weak.add(fn)
        except TypeError:
            self._strong.add(fn)

    def discard(self, fn) -> None:
        try:
            self._weak.discard(fn)
        except TypeError:
            self._strong.discard(fn)

    def __contains__(self, fn) -> bool:
        try:
            return fn in self._weak
        except TypeError:
            return fn in self._strong


untraceable = _Untraceable()


def tracing(tensors) -> bool:
    if _ts.observer is not None:
        return True
    return any(isinstance(t._value(), jax.core.Tracer) for t in tensors)


def _call(fn, args, kwargs, grad: bool):
    prev = _gm.state.enabled
    _gm.state.enabled = grad and prev
    try:
        return fn(*args, **kwargs)
    finally:
        _gm.state.enabled = prev


def run_kernel(entry, fn, values: list, grad: bool = False):
    args, kwargs = entry.schema.kernel_call(values)
    tensors = tensors_in(values)
    if not tracing(tensors):
        if not entry.schema.is_mutable:
            return _call(fn, args, kwargs, grad)
        swapped = _writable_payloads(mutated_tensors(entry, values))
        try:
            return _call(fn, args, kwargs, grad)
        finally:
            _commit_payloads(swapped)
    if fn not in untraceable:
        snaps = _snapshot(tensors)
        try:
            return _call(fn, args, kwargs, grad)
        except BREAK_ERRORS:
            _restore(snaps)  # undo whatever the attempt wrote before it failed
            untraceable.add(fn)
    return host_call(entry, fn, values)


def _writable_payloads(tensors) -> list:
    """Give each mutable argument (not a view) a writable numpy payload while the kernel runs eagerly, so that
    numpy writes through `x.numpy()` (torch's way of mutating in a CPU kernel) land in the tensor."""
    swapped = []
    for t in tensors:
        d = t._data
        if t._base is None and isinstance(d, jax.Array) and not isinstance(d, jax.core.Tracer):
            t._data = np.array(d)
            swapped.append((t, d))
    return swapped


def _commit_payloads(swapped) -> None:
    for t, old in swapped:
        d = t._data
        if isinstance(d, np.ndarray):  # (a jaxtorch in-place op would have rebound it to a jax.Array)
            t._data = jax.device_put(d, old.sharding)


def _snapshot(tensors) -> list:
    seen, out = set(), []
    for t in tensors:
        for x in (t, t._base):
            if x is not None and id(x) not in seen:
                seen.add(id(x))
                out.append((x, dict(x.__dict__), list(x._version_box) if x._version_box is not None else None))
    return out


def _restore(snaps) -> None:
    for t, d, box in snaps:
        t.__dict__.clear()
        t.__dict__.update(d)
        if box is not None:
            t._version_box[:] = box


# ---------------------------------------------------------------------------------------------
# the host callback


def _flatten_out(out, leaves: list):
    """Tensor leaves of a kernel's result and the structure to rebuild it."""
    if isinstance(out, Tensor):
        leaves.append(out)
        return "t"
    if out is None:
        return None
    if isinstance(out, (tuple, list)):
        return (type(out), [_flatten_out(o, leaves) for o in out])
    raise NotImplementedError(
        f"an operator returning a {type(out).__name__} cannot run as a JAX host callback: under a trace jaxtorch "
        "can only carry tensors out of a kernel that needs concrete values"
    )


def _unflatten_out(tree, it):
    if tree == "t":
        return next(it)
    if tree is None:
        return None
    kind, subs = tree
    return kind(_unflatten_out(s, it) for s in subs)


def no_fake_error(entry) -> GraphBreak:
    if entry.opdef is not None:
        what, how = repr(entry.opdef), f"`{entry.opdef._init_fn.__name__}.register_fake`"
    else:
        what, how = entry.qualname, f"`torch.library.register_fake('{entry.qualname}')`"
    # a GraphBreak (a RuntimeError, as torch raises): torch.compile falls back to eager for the function
    return GraphBreak(
        f"There was no fake impl registered for {what}. This is necessary for torch.compile/export/fx "
        f"tracing to work. Please use {how} to add an fake impl."
    )


def fake_outputs(entry, values: list):
    """The fake impl's result for these arguments (its tensors give output shapes and dtypes)."""
    fake = entry.fake
    if fake is None:
        if not entry.schema.returns:
            return None  # an op that returns nothing needs no fake impl (torch generates a trivial one)
        raise no_fake_error(entry)
    args, kwargs = entry.schema.kernel_call(values)
    prev = _gm.state.enabled
    _gm.state.enabled = False
    try:
        with fake_impl.set_ctx(fake_impl.FakeImplCtx(entry.qualname)):
            return fake(*args, **kwargs)
    finally:
        _gm.state.enabled = prev


def host_call(entry, fn, values: list):
    """Run kernel fn inside jax.pure_callback; output shapes and dtypes from the fake impl."""
    fake_out = fake_outputs(entry, values)
    out_leaves: list = []
    out_tree = _flatten_out(fake_out, out_leaves)
    fake_desc = _describe(fake_out)
    inputs = tensors_in(values)
    mutated = mutated_tensors(entry, values)
    mutated_pos = [next(i for i, t in enumerate(inputs) if t is m) for m in mutated]
    specs = [jax.ShapeDtypeStruct(tuple(t._data.shape), t._data.dtype) for t in out_leaves]
    specs += [jax.ShapeDtypeStruct(tuple(inputs[i]._data.shape), inputs[i]._data.dtype) for i in mutated_pos]
    n_out = len(out_leaves)
    del fake_out, out_leaves
    # the callback lives as long as the program: it must hold no traced tensor, only where tensors go
    template = [_swap_tensors(v, _placeholders()) for v in values]
    name = entry.qualname

    def host(*arrays):
        host_inputs = [Tensor._make(np.array(a)) for a in arrays]  # writable copies: numpy may write in place
        it = iter(host_inputs)
        host_values = [_swap_tensors(v, it, placeholder=True) for v in template]
        args, kwargs = entry.schema.kernel_call(host_values)
        prev = _gm.state.enabled
        _gm.state.enabled = False
        try:
            out = fn(*args, **kwargs)
        finally:
            _gm.state.enabled = prev
        leaves: list = []
        try:
            tree = _flatten_out(out, leaves)
        except NotImplementedError:
            tree = object()
        if tree != out_tree or len(leaves) != n_out:
            raise RuntimeError(
                f"{name}: the kernel returned {_describe(out)} but its fake impl returned {fake_desc}; "
                "under a JAX trace the fake impl fixes the outputs"
            )
        res = [np.asarray(t._value()) for t in leaves] + [np.asarray(host_inputs[i]._value()) for i in mutated_pos]
        for r, s in zip(res, specs):
            if tuple(r.shape) != s.shape or r.dtype != s.dtype:
                raise RuntimeError(
                    f"{name}: the kernel returned a tensor of shape {list(r.shape)} and dtype {r.dtype} "
                    f"where its fake impl promised shape {list(s.shape)} and dtype {s.dtype}"
                )
        return tuple(res)

    arrays = [t._value() for t in inputs]
    if specs:
        results = jax.pure_callback(host, tuple(specs), *arrays, vmap_method="sequential")
    else:  # nothing comes back: an effect the program must keep (pure_callback would be dropped as dead code)
        from jax.experimental import io_callback

        io_callback(lambda *a: (host(*a), None)[1], None, *arrays)
        results = ()
    outs = [Tensor._make(r) for r in results[:n_out]]
    if mutated:
        prev = _gm.state.enabled
        _gm.state.enabled = False
        try:
            for t, r in zip(mutated, results[n_out:]):
                t.copy_(Tensor._make(r))
        finally:
            _gm.state.enabled = prev
    return _unflatten_out(out_tree, iter(outs))


class _Slot:
    """Where an input tensor goes in the arguments a host callback rebuilds."""


def _placeholders():
    while True:
        yield _Slot


def _swap_tensors(v, it, placeholder: bool = False):
    """v with each tensor (or, with `placeholder`, each _Slot) replaced by the next item of it."""

    def is_slot(x):
        return x is _Slot if placeholder else isinstance(x, Tensor)

    if is_slot(v):
        return next(it)
    if isinstance(v, (list, tuple)) and any(is_slot(x) for x in v):
        return type(v)(next(it) if is_slot(x) else x for x in v)
    return v


def _describe(out) -> str:
    if isinstance(out, Tensor):
        return f"a tensor of shape {list(out.shape)}"
    if isinstance(out, (tuple, list)):
        return f"a {type(out).__name__} of {len(out)}"
    return type(out).__name__
