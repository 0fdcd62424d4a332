"""torch.func on JAX's transforms: functional_call, grad, vjp, jvp, jacrev, jacfwd, hessian, vmap;
and to_jax(model) for using a jaxtorch model from plain JAX code.

Tensors are JAX pytrees whose only leaf is the payload, so a function of Tensors becomes a function of
arrays by wrapping payloads on the way in and unwrapping on the way out; JAX does the differentiation
and batching, and jaxtorch's own ops run inside (each is a jitted function that nests into the trace).
"""

from __future__ import annotations

import contextlib
import functools

import jax
import jax.numpy as jnp

from .._tensor import Tensor
from ..autograd import grad_mode as _gm

__all__ = ["functional_call", "grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "vmap",
           "to_jax", "stack_module_state"]


def _is_tensor(x):
    return isinstance(x, Tensor)


def _to_arrays(tree):
    return jax.tree_util.tree_map(lambda t: t._value() if isinstance(t, Tensor) else t, tree,
                                  is_leaf=_is_tensor)


def _to_tensors(tree):
    def wrap(x):
        if isinstance(x, Tensor):
            return x
        if isinstance(x, jax.Array) or isinstance(x, jax.core.Tracer):
            return Tensor._make(x)
        return x

    return jax.tree_util.tree_map(wrap, tree, is_leaf=_is_tensor)


@contextlib.contextmanager
def _no_tape():
    # JAX differentiates here; jaxtorch's tape must not record on top of it
    prev = _gm.state.enabled
    _gm.state.enabled = False
    try:
        yield
    finally:
        _gm.state.enabled = prev


def _array_fn(func, has_aux=False):
    """func over Tensors -> the same function over arrays (outputs unwrapped)."""

    def f(*args, **kwargs):
        with _no_tape():
            out = func(*_to_tensors(args), **_to_tensors(kwargs))
        if has_aux:
            main, aux = out
            return _to_arrays(main), _to_arrays(aux)
        return _to_arrays(out)

    return f


def _conj_complex(tree):
    """torch's complex gradients are the conjugates of JAX's cotangents (see autograd/graph.py)."""
    return jax.tree_util.tree_map(lambda x: x.conj() if jnp.iscomplexobj(x) else x, tree)


def _check_scalar(x):
    if not hasattr(x, "shape") or x.shape != ():
        shape = getattr(x, "shape", None)
        raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got tensor with "
                           f"{len(shape) if shape is not None else 'no'} dims. Maybe you wanted to use the vjp or "
                           "jacrev APIs instead?")
    return x


def grad_and_value(func, argnums=0, has_aux=False):
    """torch.func.grad_and_value: (grad, value) of a scalar-valued function w.r.t. argnums."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        f = _array_fn(func, has_aux)

        def scalar(*a):
            out = f(*a, **_to_arrays(kwargs))
            if has_aux:
                return _check_scalar(out[0]), out[1]
            return _check_scalar(out)

        (value, g) = jax.value_and_grad(scalar, argnums=argnums, has_aux=has_aux)(*_to_arrays(args))
        g = _to_tensors(_conj_complex(g))
        if has_aux:
            value, aux = value
            return g, (_to_tensors(value), _to_tensors(aux))
        return g, _to_tensors(value)

    return wrapper


def grad(func, argnums=0, has_aux=False):
    """torch.func.grad: gradient of a scalar-valued function w.r.t. argnums."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        g, v = grad_and_value(func, argnums, has_aux)(*args, **kwargs)
        return (g, v[1]) if has_aux else g

    return wrapper


def vjp(func, *primals, has_aux=False):
    """torch.func.vjp: (output, vjp_fn) with vjp_fn(cotangents) -> tuple of input cotangents."""
    f = _array_fn(func, has_aux)
    res = jax.vjp(f, *_to_arrays(primals), has_aux=has_aux)
    out, pullback = res[0], res[1]

    def vjp_fn(*cts):
        ct = cts[0] if len(cts) == 1 else cts
        return tuple(_to_tensors(_conj_complex(pullback(_conj_complex(_to_arrays(ct))))))

    if has_aux:
        return _to_tensors(out), vjp_fn, _to_tensors(res[2])
    return _to_tensors(out), vjp_fn


def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    """torch.func.jvp: (output, jvp_out)."""
    f = _array_fn(func, has_aux)
    res = jax.jvp(f, tuple(_to_arrays(primals)), tuple(_to_arrays(tangents)), has_aux=has_aux)
    if has_aux:
        return _to_tensors(res[0]), _to_tensors(res[1]), _to_tensors(res[2])
    return _to_tensors(res[0]), _to_tensors(res[1])


def jacrev(func, argnums=0, *, has_aux=False, chunk_size=None):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        f = _array_fn(func, has_aux)
        return _to_tensors(jax.jacrev(lambda *a: f(*a, **_to_arrays(kwargs)), argnums=argnums,
                                      has_aux=has_aux)(*_to_arrays(args)))

    return wrapper


def jacfwd(func, argnums=0, has_aux=False, *, randomness="error"):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        f = _array_fn(func, has_aux)
        return _to_tensors(jax.jacfwd(lambda *a: f(*a, **_to_arrays(kwargs)), argnums=argnums,
                                      has_aux=has_aux)(*_to_arrays(args)))

    return wrapper


def hessian(func, argnums=0):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        f = _array_fn(func)
        return _to_tensors(jax.hessian(lambda *a: f(*a, **_to_arrays(kwargs)), argnums=argnums)(*_to_arrays(args)))

    return wrapper


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """torch.func.vmap over jax.vmap (in_dims/out_dims as torch: ints, None, or nested per argument)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        f = _array_fn(func)
        dims = in_dims
        if isinstance(in_dims, (list, tuple)):
            dims = tuple(in_dims)
        return _to_tensors(jax.vmap(lambda *a: f(*a, **_to_arrays(kwargs)), in_axes=dims, out_axes=out_dims)(
            *_to_arrays(args)))

    return wrapper


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *, tie_weights=True,
                    strict=False):
    """Call module with its parameters/buffers replaced by the given tensors (restored afterwards)."""
    if isinstance(parameter_and_buffer_dicts, (list, tuple)):
        merged = {}
        for d in parameter_and_buffer_dicts:
            for k in d:
                if k in merged:
                    raise ValueError(f"{k} appeared in multiple dictionaries; behavior of functional call is "
                                     "ambiguous")
            merged.update(d)
        parameter_and_buffer_dicts = merged
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    kwargs = kwargs or {}
    names = dict(module.named_parameters(remove_duplicate=False))
    names.update(dict(module.named_buffers(remove_duplicate=False)))
    if strict:
        missing = [k for k in names if k not in parameter_and_buffer_dicts]
        unexpected = [k for k in parameter_and_buffer_dicts if k not in names]
        if missing or unexpected:
            raise RuntimeError(f"Error(s) in reproducing the state: missing {missing}, unexpected {unexpected}")
    # tied weights: a replacement given for one name applies to every name sharing that tensor
    replace = {}
    for name, t in names.items():
        if name in parameter_and_buffer_dicts:
            replace[name] = parameter_and_buffer_dicts[name]
    if tie_weights:
        by_id = {}
        for name, t in names.items():
            by_id.setdefault(id(t), []).append(name)
        for group in by_id.values():
            given = [n for n in group if n in replace]
            for n in group:
                if n not in replace and given:
                    replace[n] = replace[given[0]]
    saved = []
    try:
        for name, value in replace.items():
            mod_path, _, attr = name.rpartition(".")
            mod = module.get_submodule(mod_path)
            value = value if isinstance(value, Tensor) else Tensor._make(value)
            store = mod._parameters if attr in mod._parameters else mod._buffers
            saved.append((store, attr, store[attr]))
            store[attr] = value
        return module(*args, **kwargs)
    finally:
        for store, attr, old in reversed(saved):
            store[attr] = old


def stack_module_state(models):
    from .._ops.shape import stack

    params = {k: stack([dict(m.named_parameters())[k].detach() for m in models]) for k, _ in
              models[0].named_parameters()}
    bufs = {k: stack([dict(m.named_buffers())[k] for m in models]) for k, _ in models[0].named_buffers()}
    return params, bufs


def to_jax(model, *, return_buffers: bool = False):
    """(apply_fn, params) for plain JAX: apply_fn(params, *arrays) -> arrays, pure and jit/grad-able.

    params maps torch's state_dict names of parameters and buffers to jax arrays. Buffer updates made
    by the forward (BatchNorm running stats in training mode) are returned as a second result when
    return_buffers=True: apply_fn(params, *x) -> (outputs, new_buffers).
    """
    params = {k: v._value() for k, v in model.named_parameters()}
    params.update({k: v._value() for k, v in model.named_buffers()})
    buffer_names = [k for k, _ in model.named_buffers()]

    def apply_fn(p, *inputs, **kwargs):
        tensors = {k: Tensor._make(v) for k, v in p.items()}
        with _no_tape():
            out = functional_call(model, tensors, tuple(_to_tensors(inputs)), _to_tensors(kwargs))
        out = _to_arrays(out)
        if return_buffers:
            return out, {k: tensors[k]._value() for k in buffer_names if k in tensors}
        return out

    return apply_fn, params
