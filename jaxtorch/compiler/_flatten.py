"""Arguments and results of a compiled function as pytrees (jax.tree_util), with Tensors as leaves.

A compiled program's inputs are the dynamic leaves of its arguments (tensor payloads, arrays); every other
leaf (ints, strings, modules, ...) is a constant of the program, as in `jax.jit` with static arguments, and
part of the cache key. A template (treedef + one marker per leaf) rebuilds the arguments inside the trace and
the results after each call.
"""

from __future__ import annotations

import jax
import numpy as np

from .._tensor import Tensor

_T, _A = "T", "A"  # markers: a tensor leaf, an array leaf (anything else is the constant itself, boxed)


def _is_tensor(x) -> bool:
    return isinstance(x, Tensor)


class _Static:
    """A constant leaf in a template (boxed, so it can never be mistaken for a marker)."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


def signature(args, kwargs, leaves: list) -> tuple:
    """The cache-key signature of a call (tensor shapes, dtypes and requires_grad; Python values themselves,
    as they are constants of the program), appending the call's dynamic leaves to `leaves`."""
    flat, treedef = jax.tree_util.tree_flatten((args, kwargs), is_leaf=_is_tensor)
    sig = []
    for x in flat:
        if isinstance(x, Tensor):
            d = x._value()
            leaves.append(d)
            sig.append((d.shape, d.dtype, x._requires_grad))
        elif isinstance(x, (np.ndarray, jax.Array)):
            leaves.append(x)
            sig.append((_A, x.shape, x.dtype))
        elif isinstance(x, (bool, int, float, str, bytes)):
            sig.append((type(x), x))
        else:
            sig.append(("id", id(x)))
    return (treedef, tuple(sig))


def erase_sizes(key: tuple) -> tuple:
    """A program key (whose first entry is a `signature`) with tensor shapes replaced by their ranks and int
    arguments by their type: the keys of one signature at different sizes (torch's automatic dynamic shapes make
    both symbolic)."""
    (treedef, sig), *rest = key
    erased = tuple((len(x[0]), *x[1:]) if len(x) == 3 and type(x[0]) is tuple  # a tensor: (shape, dtype, rg)
                   else (int,) if x[0] is int  # an int argument: (int, value)
                   else x for x in sig)
    return ((treedef, erased), *rest)


def flatten_args(args, kwargs, leaves: list):
    """Template of (args, kwargs) with the dynamic leaves appended to `leaves`."""
    flat, treedef = jax.tree_util.tree_flatten((args, kwargs), is_leaf=_is_tensor)
    marks = []
    for x in flat:
        if isinstance(x, Tensor):
            leaves.append(x._value())
            marks.append((_T, x._requires_grad))
        elif isinstance(x, (np.ndarray, jax.Array)):
            leaves.append(x)
            marks.append((_A,))
        else:
            marks.append(_Static(x))
    return treedef, marks


def unflatten_args(tpl, values, made: list):
    """(args, kwargs) rebuilt from a template and dynamic values; new Tensors are appended to `made`."""
    treedef, marks = tpl
    it = iter(values)
    flat = []
    for m in marks:
        if isinstance(m, _Static):
            flat.append(m.value)
        elif m[0] == _T:
            t = Tensor._make(next(it))
            if m[1]:
                t._requires_grad = True
            made.append(t)
            flat.append(t)
        else:
            flat.append(next(it))
    return jax.tree_util.tree_unflatten(treedef, flat)


def arg_tensors(args, kwargs) -> list:
    """The caller's tensor arguments, in template order."""
    return [x for x in jax.tree_util.tree_leaves((args, kwargs), is_leaf=_is_tensor) if isinstance(x, Tensor)]


def flatten_out(x, leaves: list):
    """Template of a traced result: tensors and traced arrays are outputs of the program, the rest constants."""
    flat, treedef = jax.tree_util.tree_flatten(x, is_leaf=_is_tensor)
    marks = []
    for v in flat:
        if isinstance(v, Tensor):
            leaves.append(v._value())
            marks.append((_T,))
        elif isinstance(v, jax.core.Tracer):
            leaves.append(v)
            marks.append((_A,))
        else:
            marks.append(_Static(v))
    return treedef, marks


def unflatten_out(tpl, values, made: bool = False):
    """The result rebuilt from its template and the call's output values (already Tensors where `made`)."""
    treedef, marks = tpl
    it = iter(values)
    make = (lambda v: v) if made else Tensor._make
    flat = [m.value if isinstance(m, _Static) else make(next(it)) if m[0] == _T else next(it) for m in marks]
    return jax.tree_util.tree_unflatten(treedef, flat)
