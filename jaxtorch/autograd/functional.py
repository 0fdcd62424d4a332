"""torch.autograd.functional: jacobian, hessian, vjp, jvp, hvp over the tape."""

from __future__ import annotations

from .._tensor import Tensor


def _as_tuple(x):
    return (x,) if isinstance(x, Tensor) else tuple(x)


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    from . import grad

    ins = tuple(i.detach().requires_grad_(True) for i in _as_tuple(inputs))
    out = func(*ins)
    g = grad(out, ins, v, create_graph=create_graph, allow_unused=True, materialize_grads=True)
    out_ret = out if create_graph else out.detach()
    return out_ret, (g if not isinstance(inputs, Tensor) else g[0])


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    from . import grad
    from .._ops.creation import zeros_like
    from .._ops.shape import stack

    single = isinstance(inputs, Tensor)
    ins = tuple(i.detach().requires_grad_(True) for i in _as_tuple(inputs))
    out = func(*ins)
    outs = _as_tuple(out)
    jac = []
    for o in outs:
        flat = o.reshape(-1)
        rows = []
        for k in range(flat.shape[0]):
            gs = grad(flat[k], ins, retain_graph=True, create_graph=create_graph, allow_unused=True)
            rows.append([g if g is not None else zeros_like(i) for g, i in zip(gs, ins)])
        per_in = []
        for j, i in enumerate(ins):
            if rows:
                per_in.append(stack([r[j] for r in rows]).reshape(tuple(o.shape) + tuple(i.shape)))
            else:
                per_in.append(zeros_like(i).reshape(tuple(o.shape) + tuple(i.shape)))
        jac.append(per_in[0] if single else tuple(per_in))
    return jac[0] if isinstance(out, Tensor) else tuple(jac)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    from . import grad

    def jac_fn(*xs):
        out = func(*xs)
        g = grad(out, xs, create_graph=True)
        return g[0] if isinstance(inputs, Tensor) else g

    return jacobian(jac_fn, inputs, create_graph=create_graph)


def hvp(func, inputs, v, create_graph=False, strict=False):
    from . import grad

    single = isinstance(inputs, Tensor)
    ins = tuple(i.detach().requires_grad_(True) for i in _as_tuple(inputs))
    out = func(*ins)
    g = grad(out, ins, create_graph=True)
    vs = _as_tuple(v)
    h = grad(g, ins, vs, create_graph=create_graph)
    return out.detach(), (h[0] if single else h)


def vhp(func, inputs, v, create_graph=False, strict=False):
    return hvp(func, inputs, v, create_graph, strict)
