"""Autograd behaviour vs real torch: accumulation, graph retention, grad(), hooks, grad modes,
custom Functions, higher-order derivatives, in-place ops on the tape, and the tape under jax.jit."""

from __future__ import annotations

import jax
import numpy as np
import pytest
import torch

import jaxtorch
from _same import both, compare, same_error
from helpers import assert_close

X = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], dtype=np.float32)
V = np.array([0.3, -0.2, 1.1], dtype=np.float32)


def leaf(T, a=X):
    return T.tensor(a, requires_grad=True)


# ------------------------------------------------------------------ accumulation, retain_graph
def test_grad_accumulates_across_backward_calls():
    def f(T):
        x = leaf(T)
        (x * x).sum().backward()
        g1 = x.grad.clone()
        (x.sin() * 3).sum().backward()
        return g1, x.grad

    both(f)


def test_grad_accumulation_keeps_grad_tensor_identity():
    def f(T):
        x = leaf(T)
        (x * 2).sum().backward()
        g = x.grad
        (x * 3).sum().backward()
        return g is x.grad, g

    both(f)


def test_second_backward_without_retain_graph_raises():
    def f(T):
        x = leaf(T)
        y = (x.exp() * x).sum()
        y.backward()
        y.backward()

    same_error(f, exact=False)


def test_retain_graph_allows_second_backward():
    def f(T):
        x = leaf(T)
        y = (x.exp() * x).sum()
        y.backward(retain_graph=True)
        y.backward()
        return x.grad

    both(f)


def test_non_scalar_backward_without_gradient_raises():
    same_error(lambda T: (leaf(T) * 2).backward())


def test_backward_with_gradient_argument():
    def f(T):
        x = leaf(T)
        (x * x).backward(T.tensor(X * 0.5))
        return x.grad

    both(f)


def test_backward_gradient_shape_mismatch_raises():
    same_error(lambda T: (leaf(T) * 2).backward(T.ones(3)))


def test_backward_on_tensor_without_grad_raises():
    same_error(lambda T: T.tensor(X).sum().backward())


def test_backward_inputs_argument():
    def f(T):
        x, w = leaf(T), leaf(T, X * 2)
        (x * w).sum().backward(inputs=[w])
        return x.grad, w.grad

    both(f)


# ------------------------------------------------------------------ autograd.grad
def test_grad_with_grad_outputs():
    def f(T):
        x = leaf(T)
        y = x.tanh() * 2
        return T.autograd.grad(y, x, grad_outputs=T.tensor(X + 1))

    both(f)


def test_grad_multiple_inputs_and_outputs():
    def f(T):
        a, b = leaf(T), leaf(T, X * 0.5)
        return T.autograd.grad([(a * b).sum(), (a + b).pow(2).sum()], [a, b])

    both(f)


def test_grad_does_not_touch_dot_grad():
    def f(T):
        x = leaf(T)
        (g,) = T.autograd.grad((x ** 3).sum(), x)
        return g, x.grad is None

    both(f)


def test_grad_unused_input_raises_and_allow_unused():
    def unused(T):
        a, b = leaf(T), leaf(T)
        T.autograd.grad((a * 2).sum(), [a, b])

    same_error(unused)

    def allowed(T):
        a, b = leaf(T), leaf(T)
        return T.autograd.grad((a * 2).sum(), [a, b], allow_unused=True)

    both(allowed)

    def materialized(T):
        a, b = leaf(T), leaf(T)
        return T.autograd.grad((a * 2).sum(), [a, b], materialize_grads=True)

    both(materialized)


def test_grad_input_not_requiring_grad_raises():
    def f(T):
        a, b = leaf(T), T.tensor(X)
        T.autograd.grad((a * b).sum(), [a, b])

    same_error(f)


def test_grad_output_not_requiring_grad_raises():
    same_error(lambda T: T.autograd.grad(T.tensor(X).sum(), leaf(T)))


def test_grad_create_graph_second_derivative():
    def f(T):
        x = leaf(T)
        (g,) = T.autograd.grad((x ** 3).sum(), x, create_graph=True)
        (h,) = T.autograd.grad(g.sum(), x)
        return g.requires_grad, g, h

    both(f)


def test_hessian_vector_product_via_double_backward():
    def f(T):
        x = leaf(T, V)
        y = (x.sin() * x.exp()).sum() + (x[0] * x[1] * x[2])
        (g,) = T.autograd.grad(y, x, create_graph=True)
        (hv,) = T.autograd.grad(g, x, grad_outputs=T.tensor(V[::-1].copy()))
        return hv

    both(f)


def test_backward_create_graph_then_grad_of_grad():
    def f(T):
        x = leaf(T, V)
        (x.pow(4).sum()).backward(create_graph=True)
        g = x.grad
        g2 = T.autograd.grad(g.sum(), x)[0]
        return g, g2, g.requires_grad

    both(f)


def _hf(x):
    return (x.sin() * x.pow(2)).sum()


def test_functional_hessian_jacobian_hvp():
    def f(T):
        x = T.tensor(V)
        F = T.autograd.functional
        jac = F.jacobian(lambda z: z.exp() * z.sum(), x)
        hes = F.hessian(_hf, x)
        val, hv = F.hvp(_hf, x, T.tensor(V + 1))
        val2, vj = F.vjp(lambda z: z * z, x, T.ones(3))
        return jac, hes, val, hv, val2, vj

    both(f)


def test_functional_jacobian_multiple_inputs():
    def f(T):
        a, b = T.tensor(V), T.tensor(V * 2)
        return T.autograd.functional.jacobian(lambda p, q: p * q + p, (a, b))

    both(f)


# ------------------------------------------------------------------ graph metadata
def test_requires_grad_is_leaf_grad_fn_propagation():
    def f(T):
        x = leaf(T)
        c = T.tensor(X)
        y = x * c
        z = c * 2
        w = y.detach()
        return (x.is_leaf, x.grad_fn is None, y.is_leaf, y.requires_grad, y.grad_fn is not None, z.is_leaf,
                z.requires_grad, w.is_leaf, w.requires_grad, c.requires_grad)

    both(f)


def test_grad_fn_next_functions_reach_accumulate_grad():
    def f(T):
        x = leaf(T)
        y = x * 2
        nf = y.grad_fn.next_functions
        return len(nf) >= 1, any(n is not None and type(n).__name__ == "AccumulateGrad" for n, _ in nf)

    both(f)


def test_requires_grad_on_int_tensor_raises():
    same_error(lambda T: T.tensor([1, 2]).requires_grad_())


def test_setting_requires_grad_false_on_non_leaf_raises():
    def f(T):
        y = leaf(T) * 2
        y.requires_grad = False

    same_error(f, exact=False)


def test_non_float_results_do_not_require_grad():
    def f(T):
        x = leaf(T)
        return (x > 0).requires_grad, x.argmax().requires_grad, x.max(dim=0).indices.requires_grad

    both(f)


# ------------------------------------------------------------------ detach, retain_grad
def test_detach_shares_storage_and_cuts_graph():
    def f(T):
        x = leaf(T)
        y = x * 2
        d = y.detach()
        d[0, 0] = 100.0  # writes through to y, as torch's detach shares storage
        y.sum().backward()
        return d.requires_grad, y, x.grad

    both(f)


def test_detach_in_place():
    def f(T):
        x = leaf(T)
        y = x * 2
        y.detach_()
        return y.requires_grad, y.is_leaf, y.grad_fn is None

    both(f)


def test_retain_grad_on_non_leaf():
    def f(T):
        x = leaf(T)
        y = x * 3
        y.retain_grad()
        z = (y * y).sum()
        z.backward()
        return y.retains_grad, y.grad, x.grad

    both(f)


def test_non_leaf_grad_is_none_without_retain_grad():
    def f(T):
        x = leaf(T)
        y = x * 3
        y.sum().backward()
        return y.grad is None

    for T in (torch, jaxtorch):
        with pytest.warns(UserWarning, match="not a leaf Tensor is being accessed"):
            assert f(T)


# ------------------------------------------------------------------ hooks
def test_tensor_hook_on_leaf_modifies_grad():
    def f(T):
        x = leaf(T)
        seen = []
        x.register_hook(lambda g: seen.append(g.clone()) or g * 10)
        (x * x).sum().backward()
        return seen, x.grad

    both(f)


def test_tensor_hook_on_non_leaf_modifies_upstream_grad():
    def f(T):
        x = leaf(T)
        y = x.exp()
        y.register_hook(lambda g: g + 1)
        (y * 2).sum().backward()
        return x.grad

    both(f)


def test_hook_removal_via_handle():
    def f(T):
        x = leaf(T)
        h = x.register_hook(lambda g: g * 0)
        h.remove()
        (x * 2).sum().backward()
        return x.grad

    both(f)


def test_multiple_hooks_chain_in_order():
    def f(T):
        x = leaf(T)
        y = x * 1.5
        y.register_hook(lambda g: g * 2)
        y.register_hook(lambda g: g + 3)
        y.sum().backward()
        return x.grad

    both(f)


def test_hook_returning_none_keeps_grad():
    def f(T):
        x = leaf(T)
        x.register_hook(lambda g: None)
        (x * 4).sum().backward()
        return x.grad

    both(f)


def test_register_hook_on_tensor_without_grad_raises():
    same_error(lambda T: T.tensor(X).register_hook(lambda g: g))


# ------------------------------------------------------------------ grad modes
def test_no_grad_context_and_decorator():
    def f(T):
        x = leaf(T)
        with T.no_grad():
            a = x * 2
        deco = T.no_grad()(lambda z: z * 2)
        b = deco(x)
        c = x * 2
        return a.requires_grad, b.requires_grad, c.requires_grad, T.is_grad_enabled()

    both(f)


def test_enable_grad_inside_no_grad():
    def f(T):
        x = leaf(T)
        with T.no_grad():
            with T.enable_grad():
                a = x * 2
            b = x * 2

            @T.enable_grad()
            def g(z):
                return z * 2

            c = g(x)
        return a.requires_grad, b.requires_grad, c.requires_grad

    both(f)


def test_set_grad_enabled_as_context_function_and_decorator():
    def f(T):
        x = leaf(T)
        with T.set_grad_enabled(False):
            a = x * 2
            inner = T.is_grad_enabled()
        after_ctx = T.is_grad_enabled()
        T.set_grad_enabled(False)
        b = x * 2
        T.set_grad_enabled(True)
        c = x * 2

        @T.set_grad_enabled(False)
        def g(z):
            return z * 2

        d = g(x)
        return a.requires_grad, inner, after_ctx, b.requires_grad, c.requires_grad, d.requires_grad, T.is_grad_enabled()

    both(f)


def test_inference_mode():
    def f(T):
        x = leaf(T)
        with T.inference_mode():
            a = x * 2
            inside = T.is_inference_mode_enabled(), T.is_grad_enabled()
        with T.inference_mode(False):
            b = x * 2
        deco = T.inference_mode()(lambda z: z * 2)
        return a.requires_grad, inside, b.requires_grad, deco(x).requires_grad, T.is_inference_mode_enabled()

    both(f)


def test_no_grad_restores_on_exception():
    def f(T):
        try:
            with T.no_grad():
                raise ValueError("boom")
        except ValueError:
            pass
        return T.is_grad_enabled()

    both(f)


# ------------------------------------------------------------------ custom Function
def _make_functions(T):
    class Cube(T.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            ctx.save_for_backward(x)
            ctx.k = k
            return x ** 3 * k

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x ** 2 * ctx.k, None

    class MulWithFlags(T.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a * b

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            flags = ctx.needs_input_grad
            return (g * b if flags[0] else None), (g * a if flags[1] else None)

    class SortWithIdx(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            vals, idx = x.sort()
            ctx.mark_non_differentiable(idx)
            ctx.save_for_backward(idx)
            return vals, idx

        @staticmethod
        def backward(ctx, gv, gi):
            (idx,) = ctx.saved_tensors
            out = T.zeros_like(gv)
            return out.scatter(-1, idx, gv)

    return Cube, MulWithFlags, SortWithIdx


def test_custom_function_save_for_backward():
    def f(T):
        Cube, _, _ = _make_functions(T)
        x = leaf(T)
        y = Cube.apply(x, 2.0)
        y.sum().backward()
        return y, x.grad, type(y.grad_fn).__name__ == "CubeBackward"

    both(f)


def test_custom_function_needs_input_grad():
    def f(T):
        _, Mul, _ = _make_functions(T)
        a, b = leaf(T), T.tensor(X * 2)
        out = Mul.apply(a, b)
        out.sum().backward()
        return a.grad, b.grad is None, out.requires_grad

    both(f)


def test_custom_function_mark_non_differentiable():
    def f(T):
        _, _, Sort = _make_functions(T)
        x = leaf(T)
        vals, idx = Sort.apply(x)
        (vals * T.tensor(X)).sum().backward()
        return vals, idx, idx.requires_grad, vals.requires_grad, x.grad

    both(f)


def test_custom_function_without_grad_inputs_is_not_recorded():
    def f(T):
        Cube, _, _ = _make_functions(T)
        y = Cube.apply(T.tensor(X), 1.0)
        return y, y.requires_grad, y.grad_fn is None

    both(f)


# ------------------------------------------------------------------ in-place on the tape
def test_inplace_on_leaf_requiring_grad_raises():
    same_error(lambda T: leaf(T).add_(1))


def test_inplace_on_view_of_leaf_requiring_grad_raises():
    same_error(lambda T: leaf(T)[0].mul_(2), exact=False)


def test_setitem_on_leaf_requiring_grad_raises():
    def f(T):
        x = leaf(T)
        x[0] = 1.0

    same_error(f, exact=False)


def test_inplace_on_leaf_allowed_under_no_grad():
    def f(T):
        x = leaf(T)
        with T.no_grad():
            x.mul_(2)
        (x * x).sum().backward()
        return x, x.grad, x.is_leaf, x._version

    both(f)


def test_gradient_through_inplace_on_non_leaf():
    def f(T):
        x = leaf(T)
        y = x * 2
        y.mul_(x)
        y.add_(1).exp_()
        y.sum().backward()
        return y, x.grad, y.grad_fn is not None

    both(f, rtol=1e-5, atol=1e-5)


def test_gradient_through_write_into_view():
    def f(T):
        x = leaf(T)
        y = x * 2
        y[0] = 0
        y.sum().backward()
        return y, x.grad

    both(f)


def test_gradient_through_setitem_with_tensor_value():
    def f(T):
        x, v = leaf(T), leaf(T, V)
        y = x.clone()
        y[1, :] = v * v
        y[:, 0] *= 3
        (y * T.tensor(X)).sum().backward()
        return y, x.grad, v.grad

    both(f)


def test_gradient_through_inplace_on_view_updates_base_grad_fn():
    def f(T):
        x = leaf(T)
        y = x * 3  # (exp would save its output, which the write below would invalidate in torch)
        v = y[:, 1:]
        v.mul_(x[:, :2])
        (y * T.tensor(X)).sum().backward()
        return y, v, x.grad

    both(f)


def test_view_after_inplace_on_base_has_gradient():
    def f(T):
        x = leaf(T)
        y = x * 1.0
        v = y.t()
        y.add_(x * x)
        (v * T.tensor(X.T.copy())).sum().backward()
        return v, x.grad

    both(f)


def test_saved_tensor_modified_inplace_uses_value_at_record_time():
    """Deliberate divergence: torch raises 'modified by an inplace operation' when a tensor saved for
    backward is overwritten; jaxtorch's vjp residuals are immutable snapshots, so it returns the
    gradient of the computation as it ran. That equals torch's result when the write is made on a clone."""

    def f(T, clone):
        x = leaf(T)
        y = x * 2
        s = (y.clone() if clone else y).sin()
        y.add_(1)
        s.sum().backward()
        return x.grad

    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        f(torch, clone=False)
    compare(f(torch, clone=True), f(jaxtorch, clone=False))


# ------------------------------------------------------------------ the tape under jax.jit
def _step(T, xa, wa):
    x = T.from_jax(xa) if T is jaxtorch else xa
    w = (T.from_jax(wa) if T is jaxtorch else wa).detach().requires_grad_(True)
    y = (x @ w).tanh()
    y = y * y
    y[:, 0] = y[:, 0] * 2  # an in-place write on the tape
    loss = y.sum() + (w ** 2).sum()
    loss.backward()
    return loss, w.grad


def test_backward_inside_jax_jit_matches_eager_and_torch():
    xa = X
    wa = np.array([[0.1, -0.4], [0.7, 0.2], [-0.5, 0.9]], dtype=np.float32)

    @jax.jit
    def traced(x, w):
        loss, g = _step(jaxtorch, x, w)
        return loss.to_jax(), g.to_jax()

    jl, jg = traced(xa, wa)
    el, eg = _step(jaxtorch, jax.numpy.asarray(xa), jax.numpy.asarray(wa))
    tl, tg = _step(torch, torch.tensor(xa), torch.tensor(wa))
    compare((tl, tg), (jaxtorch.from_jax(jl), jaxtorch.from_jax(jg)))
    compare((tl, tg), (el, eg))


def test_complex_gradients_follow_torch_convention():
    # torch's gradient of a real loss w.r.t. a complex tensor is the conjugate of JAX's cotangent: leaf
    # grads, retained grads, hooks, autograd.grad (with complex grad_outputs, twice differentiated) and
    # torch.func must all give torch's
    z0 = np.array([1 + 2j, -0.5 + 0.3j], np.complex64)
    w0 = np.array([2 - 1j, 1j], np.complex64)
    res = {}
    for lib in (torch, jaxtorch):
        x = lib.tensor(z0, requires_grad=True)
        mid = x * lib.tensor(w0)
        mid.retain_grad()
        seen = []
        mid.register_hook(lambda g: seen.append(g.clone()))
        loss = (x * x).real.sum() + (x.abs() ** 3).sum() + mid.imag.sum() + (mid * mid.conj()).real.sum()
        loss.backward()
        x2 = lib.tensor(z0, requires_grad=True)
        (g,) = lib.autograd.grad(x2 * x2 * lib.tensor(w0), x2, grad_outputs=lib.tensor(w0.conj()),
                                 create_graph=True)
        g.abs().sum().backward()
        f = lambda z: (z * z).real.sum() + (z.abs() ** 3).sum()  # noqa: E731
        out, vjp_fn = lib.func.vjp(lambda z: z * z, lib.tensor(z0))
        res[lib] = [x.grad, mid.grad, seen[0], g, x2.grad, lib.func.grad(f)(lib.tensor(z0)),
                    vjp_fn(lib.tensor(w0))[0]]
    for k, (a, b) in enumerate(zip(res[torch], res[jaxtorch])):
        assert_close(a.detach(), b.detach(), what=f"complex gradient {k}")
