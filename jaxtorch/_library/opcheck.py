"""torch.library.opcheck: check that an operator's registrations agree with what its kernel does.

The checks are torch's, reinterpreted for jaxtorch:
- test_schema: arguments not declared mutable are left unchanged by the kernel;
- test_autograd_registration: when inputs require grad, the op has an autograd formula (or is a composite);
- test_faketensor: the fake impl gives the shapes and dtypes the kernel produces;
- test_aot_dispatch_static / test_aot_dispatch_dynamic: the op under jax.jit (inline or as a host callback, as
  torch.compile would run it) gives the eager outputs and, when inputs require grad, the eager gradients.
"""

from __future__ import annotations

import jax
import numpy as np

from .._tensor import Tensor
from . import _dispatcher

DEFAULT_UTILS = ("test_schema", "test_autograd_registration", "test_faketensor", "test_aot_dispatch_dynamic")
ALL_UTILS = (
    "test_schema",
    "test_autograd_registration",
    "test_faketensor",
    "test_aot_dispatch_static",
    "test_aot_dispatch_dynamic",
)


class OpCheckError(Exception):
    pass


def _entry_of(op):
    from .._ops_ns import OpOverload, OpOverloadPacket
    from .custom_ops import CustomOpDef

    if isinstance(op, CustomOpDef):
        return op._entry
    if isinstance(op, OpOverload):
        return op._entry
    if isinstance(op, OpOverloadPacket):
        names = op.overloads()
        if len(names) != 1:
            raise ValueError(f"opcheck({op}): the packet has overloads {names}; pass one OpOverload")
        return getattr(op, names[0])._entry
    raise ValueError(f"Expected op to be an OpOverload, OpOverloadPacket or CustomOpDef, got {type(op)}")


def _clone(v):
    if isinstance(v, Tensor):
        c = v.detach().clone()
        if v.requires_grad:
            c.requires_grad_(True)
        return c
    if isinstance(v, (list, tuple)):
        return type(v)(_clone(x) for x in v)
    return v


def _leaves(out) -> list:
    if isinstance(out, Tensor):
        return [out]
    if isinstance(out, (list, tuple)):
        return [t for o in out for t in _leaves(o)]
    return []


def _close(a, b, rtol, atol) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    if a.dtype.kind in "fc":
        return bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))
    return bool(np.array_equal(a, b))


def _test_schema(entry, args, kwargs, rtol, atol) -> None:
    values, _ = entry.schema.bind(_clone(args), _clone(kwargs))
    before = [[np.asarray(t.detach()._value()) for t in _dispatcher.tensors_in([v])] for v in values]
    from ..autograd import grad_mode

    with grad_mode.no_grad():
        _dispatcher.dispatch(entry, values)
    for a, v, old in zip(entry.schema.arguments, values, before):
        if a.alias_info is not None and a.alias_info.is_write:
            continue
        for t, o in zip(_dispatcher.tensors_in([v]), old):
            if not _close(t.detach()._value(), o, 0, 0):
                raise RuntimeError(f"Argument {a.name} is not defined as mutable but was mutated")


def _test_autograd_registration(entry, args, kwargs, rtol, atol) -> None:
    values, _ = entry.schema.bind(args, kwargs)
    if not any(t.requires_grad for t in _dispatcher.tensors_in(values)):
        return
    if entry.autograd is not None or entry.kernel("Autograd") is not None or entry.kernel(_dispatcher.CIA) is not None:
        return
    raise AssertionError(
        f"{entry.qualname}: inputs require grad but the operator has no autograd formula. Please use "
        "torch.library.register_autograd to add one (or register a CompositeImplicitAutograd kernel)"
    )


def _test_faketensor(entry, args, kwargs, rtol, atol) -> None:
    from ..autograd import grad_mode
    from ._trace import fake_outputs

    values, _ = entry.schema.bind(_clone(args), _clone(kwargs))
    with grad_mode.no_grad():
        real = _dispatcher.dispatch(entry, values)
        if entry.fake is None and entry.kernel(_dispatcher.CIA) is not None:
            return
        values, _ = entry.schema.bind(_clone(args), _clone(kwargs))
        fake = fake_outputs(entry, values)
    real_l, fake_l = _leaves(real), _leaves(fake)
    if fake is None and not entry.schema.returns:
        return
    if len(real_l) != len(fake_l):
        raise RuntimeError(
            f"When comparing the output of {entry.qualname} on FakeTensor and concrete Tensors, found "
            f"{len(fake_l)} fake outputs and {len(real_l)} real ones"
        )
    for r, f in zip(real_l, fake_l):
        if tuple(r.shape) != tuple(f.shape):
            raise RuntimeError(
                f"When comparing the output of {entry.qualname} on FakeTensor and concrete Tensors, "
                f"found mismatched tensor metadata: Shapes {r.shape} and {f.shape} are not equal!"
            )
        if r.dtype != f.dtype:
            raise RuntimeError(
                f"When comparing the output of {entry.qualname} on FakeTensor and concrete Tensors, "
                f"found mismatched tensor metadata: Dtypes {r.dtype} and {f.dtype} are not equal!"
            )


def _run_with_grads(entry, values):
    """Outputs of the op, and gradients of the sum of its float outputs w.r.t. inputs that require grad."""
    from ..autograd import grad as autograd_grad

    out = _dispatcher.dispatch(entry, values)
    inputs = [t for t in _dispatcher.tensors_in(values) if t.requires_grad]
    outs = [o for o in _leaves(out) if o.requires_grad]
    grads = []
    if inputs and outs:
        loss = sum(o.sum() for o in outs)
        grads = autograd_grad(loss, inputs, allow_unused=True)
    return [o.detach()._value() for o in _leaves(out)], [None if g is None else g._value() for g in grads]


def _test_aot_dispatch(entry, args, kwargs, rtol, atol) -> None:
    values, _ = entry.schema.bind(_clone(args), _clone(kwargs))
    eager_out, eager_grads = _run_with_grads(entry, values)
    values, _ = entry.schema.bind(_clone(args), _clone(kwargs))
    tensors = _dispatcher.tensors_in(values)
    flags = [t.requires_grad for t in tensors]

    def traced(arrays):
        fresh = [Tensor._make(a) for a in arrays]
        for t, f in zip(fresh, flags):
            if f:
                t.requires_grad_(True)
        it = iter(fresh)
        vals = [_swap(v, it) for v in values]
        return _run_with_grads(entry, vals)

    jit_out, jit_grads = jax.jit(traced)([t.detach()._value() for t in tensors])
    for what, a, b in [("output", eager_out, jit_out), ("gradient", eager_grads, jit_grads)]:
        for x, y in zip(a, b):
            if (x is None) != (y is None) or x is not None and not _close(x, y, rtol, atol):
                raise RuntimeError(
                    f"{entry.qualname}: the {what} under jax.jit (how torch.compile runs it) differs from the eager one"
                )


def _swap(v, it):
    if isinstance(v, Tensor):
        return next(it)
    if isinstance(v, (list, tuple)) and any(isinstance(x, Tensor) for x in v):
        return type(v)(next(it) if isinstance(x, Tensor) else x for x in v)
    return v


_TESTS = {
    "test_schema": _test_schema,
    "test_autograd_registration": _test_autograd_registration,
    "test_faketensor": _test_faketensor,
    "test_aot_dispatch_static": _test_aot_dispatch,
    "test_aot_dispatch_dynamic": _test_aot_dispatch,
}


def opcheck(
    op,
    args: tuple,
    kwargs: dict | None = None,
    *,
    test_utils=DEFAULT_UTILS,
    raise_exception: bool = True,
    atol=None,
    rtol=None,
) -> dict:
    """Run the checks in test_utils on op(*args, **kwargs); {test: 'SUCCESS' or the exception}."""
    if kwargs is None:
        kwargs = {}
    if isinstance(test_utils, str):
        test_utils = (test_utils,)
    if not set(test_utils).issubset(ALL_UTILS):
        raise ValueError(
            f"opcheck(op, ..., test_utils={test_utils}), expected test_utils to be subset of {ALL_UTILS} but it was not"
        )
    if (rtol is None) != (atol is None):
        raise ValueError("opcheck: rtol and atol must both be given or both be omitted")
    if rtol is None:
        rtol, atol = 1.3e-6, 1e-5  # torch.testing.assert_close's float32 defaults
    entry = _entry_of(op)
    results: dict = {}
    for name in test_utils:
        try:
            _TESTS[name](entry, tuple(args), dict(kwargs), rtol, atol)
        except Exception as e:
            if raise_exception:
                raise OpCheckError(f"opcheck(op, ...): {name} failed with {e} (scroll up for stack trace)") from e
            results[name] = e
            continue
        results[name] = "SUCCESS"
    return results
