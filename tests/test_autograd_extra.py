"""torch.autograd's smaller modules vs real torch: gradcheck / gradgradcheck (the same verdicts and error types on
correct and deliberately wrong custom Functions, in float64 and complex128), forward_ad (unsupported: raises when
a level is entered), the legacy Variable, and the profiler_util / profiler_legacy names."""

from __future__ import annotations

import importlib
import warnings

import numpy as np
import pytest
import torch

import jaxtorch
from _same import both, same_error

X = np.array([[0.7, -1.2], [0.3, 1.9], [-0.4, 0.8]])
Y = np.array([[1.1, 0.2], [-0.6, 0.5], [0.9, -1.3]])
Z = np.array([0.4 + 0.3j, -1.1 + 0.8j, 0.6 - 0.9j])


def _gc(T):
    return importlib.import_module(T.__name__ + ".autograd.gradcheck")


def _leaf(T, a):
    return T.tensor(a, requires_grad=True)


def _cube(T, wrong_backward=False, detached_backward=False):
    class Cube(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            if detached_backward:  # right first derivative, but its own derivative is lost
                x = x.detach()
            return (2 if wrong_backward else 3) * x * x * g

    return Cube


def _mul_sum(T, wrong=False):
    """Two inputs, two outputs (x*y and x+y summed over dim 1), hand-written backward."""

    class MulSum(T.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            ctx.save_for_backward(x, y)
            return x * y, (x + y).sum(1)

        @staticmethod
        def backward(ctx, g1, g2):
            x, y = ctx.saved_tensors
            gx = g1 * y + g2.unsqueeze(1)
            gy = g1 * (x if not wrong else y) + g2.unsqueeze(1)
            return gx, gy

    return MulSum


# ------------------------------------------------------------------------------------------ gradcheck verdicts
@pytest.mark.parametrize("fast_mode", [False, True])
def test_gradcheck_correct_function_passes(fast_mode):
    both(lambda T: T.autograd.gradcheck(_cube(T).apply, (_leaf(T, X),), fast_mode=fast_mode))


@pytest.mark.parametrize("fast_mode", [False, True])
def test_gradcheck_wrong_function_fails(fast_mode):
    def f(T):
        x = _leaf(T, X)
        with pytest.raises(_gc(T).GradcheckError) as info:
            T.autograd.gradcheck(_cube(T, wrong_backward=True).apply, (x,), fast_mode=fast_mode)
        quiet = T.autograd.gradcheck(
            _cube(T, wrong_backward=True).apply, (x,), fast_mode=fast_mode, raise_exception=False
        )
        return str(info.value).split("\n")[0], isinstance(info.value, RuntimeError), quiet

    both(f)


@pytest.mark.parametrize("fast_mode", [False, True])
@pytest.mark.parametrize("wrong", [False, True])
def test_gradcheck_two_inputs_two_outputs(fast_mode, wrong):
    def f(T):
        fn = _mul_sum(T, wrong).apply
        return T.autograd.gradcheck(fn, (_leaf(T, X), _leaf(T, Y)), fast_mode=fast_mode, raise_exception=False)

    both(f)


def test_gradcheck_wrong_second_input_names_it():
    def f(T):
        with pytest.raises(_gc(T).GradcheckError) as info:
            T.autograd.gradcheck(_mul_sum(T, wrong=True).apply, (_leaf(T, X), _leaf(T, Y)))
        return str(info.value).split("\n")[0]

    both(f)


def test_gradcheck_builtin_ops_and_non_tensor_args():
    def f(T):
        fn = lambda x, y, k: (x.sin() * y.exp()).sum(k) + (x @ y.t()).trace() + k  # noqa: E731
        return T.autograd.gradcheck(fn, (_leaf(T, X), T.tensor(Y), 1))

    both(f)


def test_gradcheck_non_differentiable_output():
    def f(T):
        def fn(x):
            return x.tanh(), x.detach() * 2, x.argmax(1)

        return T.autograd.gradcheck(fn, (_leaf(T, X),))

    both(f)


def test_gradcheck_without_differentiable_outputs():
    both(lambda T: T.autograd.gradcheck(lambda x: x.detach().round(), (_leaf(T, X),)))

    def f(T):
        # the value depends on the input, yet no output is differentiable
        with pytest.raises(_gc(T).GradcheckError) as info:
            T.autograd.gradcheck(lambda x: (x * 3).detach(), (_leaf(T, X),))
        return str(info.value)

    both(f)


@pytest.mark.parametrize("fast_mode", [False, True])
def test_gradcheck_complex(fast_mode):
    def f(T):
        z = _leaf(T, Z)
        return (
            T.autograd.gradcheck(lambda a: a * a.conj() * a, (z,), fast_mode=fast_mode),
            T.autograd.gradcheck(lambda a: (a.exp() * 2).abs(), (z,), fast_mode=fast_mode),
            T.autograd.gradcheck(lambda a, x: a.real * x[:, 0] + a.imag, (z, _leaf(T, X)), fast_mode=fast_mode),
        )

    both(f)


def _complex_square(T, conj_backward):
    class Square(T.autograd.Function):
        @staticmethod
        def forward(ctx, z):
            ctx.save_for_backward(z)
            return z * z

        @staticmethod
        def backward(ctx, g):
            (z,) = ctx.saved_tensors
            d = 2 * z
            return g * (d if conj_backward else d.conj())  # torch's convention: grad_in = grad_out * conj(dz)

    return Square


def test_gradcheck_complex_custom_function():
    def f(T):
        z = _leaf(T, Z)
        right = T.autograd.gradcheck(_complex_square(T, False).apply, (z,))
        with pytest.raises(_gc(T).GradcheckError) as info:
            T.autograd.gradcheck(_complex_square(T, True).apply, (z,))
        return right, str(info.value).split("\n")[0]

    both(f)


def test_gradcheck_default_tolerances():
    def f(T):
        # the error introduced is 5e-4 relative: inside rtol=1e-3, outside rtol=1e-4
        class Scaled(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g * 2 * (1 + 5e-4)

        x = _leaf(T, X)
        return (
            T.autograd.gradcheck(Scaled.apply, (x,)),
            T.autograd.gradcheck(Scaled.apply, (x,), rtol=1e-4, raise_exception=False),
            T.autograd.gradcheck(Scaled.apply, (x,), rtol=0, atol=2e-3),
        )

    both(f)


# ------------------------------------------------------------------------------------------ the other checks
def test_gradcheck_input_checks():
    same_error(lambda T: T.autograd.gradcheck(lambda x: x * 2, (T.tensor(X),)))
    same_error(
        lambda T: T.autograd.gradcheck(lambda x: x * 2, (T.zeros(1, dtype=T.float64, requires_grad=True).expand(3),))
    )

    def f(T):
        with pytest.warns(UserWarning, match="Input #0 requires gradient and is not a double precision"):
            T.autograd.gradcheck(
                lambda x: x * 2, (T.tensor(X, dtype=T.float32, requires_grad=True),), atol=1e-2, rtol=1e-2, eps=1e-3
            )

    f(torch)
    f(jaxtorch)


def test_gradcheck_backward_not_multiplied_by_grad_output():
    def f(T):
        class Ignores(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x**3

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return 3 * x * x  # right for a one-element output and grad_output 1, but ignores grad_output

        with pytest.raises(_gc(T).GradcheckError) as info:
            T.autograd.gradcheck(Ignores.apply, (T.tensor([0.7], dtype=T.float64, requires_grad=True),))
        return str(info.value)

    both(f)


def test_gradcheck_not_reentrant():
    def f(T):
        calls = [0]

        class Drifts(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                calls[0] += 1
                return g * (2 + calls[0] * 1e-9)  # well inside the Jacobian tolerances, yet not reproducible

        x = _leaf(T, X)
        with pytest.raises(_gc(T).GradcheckError) as info:
            T.autograd.gradcheck(Drifts.apply, (x,))
        return str(info.value).split(",")[0], T.autograd.gradcheck(Drifts.apply, (x,), nondet_tol=1e-6)

    both(f)


def test_gradcheck_undefined_output_grads():
    def f(T):
        class TwoOut(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.set_materialize_grads(False)
                return x * 2, x * 3

            @staticmethod
            def backward(ctx, g1, g2):
                return g1 * 2 + g2 * 3  # fails on an undefined (None) output gradient

        class TwoOutSafe(TwoOut):
            @staticmethod
            def backward(ctx, g1, g2):
                terms = [g * k for g, k in ((g1, 2), (g2, 3)) if g is not None]
                return sum(terms[1:], terms[0]) if terms else None

        x = _leaf(T, X)
        for check in (True, False):
            with pytest.raises(TypeError):
                T.autograd.gradcheck(TwoOut.apply, (x,), check_undefined_grad=check)
        return T.autograd.gradcheck(TwoOutSafe.apply, (x,)), T.autograd.gradcheck(
            TwoOutSafe.apply, (x,), fast_mode=True
        )

    both(f)


def test_gradcheck_batched_grad():
    def f(T):
        x, y = _leaf(T, X), _leaf(T, Y)
        return (
            T.autograd.gradcheck(lambda a, b: (a.sin() * b, a @ b.t()), (x, y), check_batched_grad=True),
            T.autograd.gradcheck(_mul_sum(T).apply, (x, y), check_batched_grad=True),
            T.autograd.gradgradcheck(_cube(T).apply, (x,), check_batched_grad=True),
        )

    both(f)


def test_gradcheck_option_errors():
    same_error(lambda T: T.autograd.gradcheck(lambda x: x, (_leaf(T, X),), check_backward_ad=False))
    same_error(lambda T: T.autograd.gradcheck(lambda x: x, (_leaf(T, X),), check_batched_forward_grad=True))
    same_error(
        lambda T: T.autograd.gradgradcheck(
            lambda x: x, (_leaf(T, X),), check_rev_over_rev=False, check_undefined_grad=False
        )
    )
    same_error(
        lambda T: T.autograd.gradgradcheck(
            lambda x: x, (_leaf(T, X),), check_rev_over_rev=False, check_fwd_over_rev=True
        )
    )


def test_gradcheck_forward_ad_is_unsupported():
    assert torch.autograd.gradcheck(lambda x: x.sin(), (_leaf(torch, X),), check_forward_ad=True)
    with pytest.raises(NotImplementedError, match="check_forward_ad"):
        jaxtorch.autograd.gradcheck(lambda x: x.sin(), (_leaf(jaxtorch, X),), check_forward_ad=True)
    with pytest.raises(NotImplementedError, match="check_forward_ad"):
        jaxtorch.autograd.gradgradcheck(lambda x: x.sin(), (_leaf(jaxtorch, X),), check_fwd_over_rev=True)


# ------------------------------------------------------------------------------------------ gradgradcheck
@pytest.mark.parametrize("fast_mode", [False, True])
def test_gradgradcheck(fast_mode):
    def f(T):
        x, y = _leaf(T, X), _leaf(T, Y)
        go = T.tensor(np.array([0.5, -1.5, 2.0]), requires_grad=True)
        return (
            T.autograd.gradgradcheck(_cube(T).apply, (x,), fast_mode=fast_mode),
            T.autograd.gradgradcheck(lambda a, b: (a.sin() * b).sum(1), (x, y), (go,), fast_mode=fast_mode),
            T.autograd.gradgradcheck(
                _cube(T, detached_backward=True).apply, (x,), fast_mode=fast_mode, raise_exception=False
            ),
        )

    both(f)


def test_gradgradcheck_wrong_double_backward_error():
    def f(T):
        with pytest.raises(_gc(T).GradcheckError) as info:
            T.autograd.gradgradcheck(
                _cube(T, detached_backward=True).apply, (_leaf(T, X),), gen_non_contig_grad_outputs=True
            )
        return str(info.value).split("\n")[0]

    both(f)


# ------------------------------------------------------------------------------------------ deprecated helpers
def test_get_numerical_and_analytical_jacobian():
    def f(T):
        x, y = _leaf(T, X), _leaf(T, Y)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            num = _gc(T).get_numerical_jacobian(lambda inp: inp[0] * inp[1].exp(), (x, y), eps=1e-6)
            out = _mul_sum(T).apply(x, y)[0]
            ana = _gc(T).get_analytical_jacobian((x, y), out)
        return num, ana

    both(f, rtol=1e-6, atol=1e-8)  # central differences with eps=1e-6 in float64


def test_get_numerical_jacobian_wrt_specific_input():
    def f(T):
        x, y = _leaf(T, X), _leaf(T, Y)
        fn = lambda a, b: (a * b, (a - b).sum())  # noqa: E731
        return _gc(T).get_numerical_jacobian_wrt_specific_input(fn, 1, (x, y), fn(x, y), 1e-6)

    both(f, rtol=1e-6, atol=1e-8)


def test_gradcheck_leaves_inputs_unchanged():
    def f(T):
        x = _leaf(T, X)
        T.autograd.gradcheck(lambda a: a.exp(), (x,))
        return x, x._version, x.grad

    both(f, rtol=0, atol=0)


def test_autograd_namespace():
    assert jaxtorch.autograd.gradcheck is _gc(jaxtorch).gradcheck
    assert jaxtorch.autograd.gradgradcheck is _gc(jaxtorch).gradgradcheck
    assert issubclass(_gc(jaxtorch).GradcheckError, RuntimeError)
    assert _gc(jaxtorch).__all__ == _gc(torch).__all__
    for name in ("gradcheck", "gradgradcheck", "Variable", "variable"):
        assert name in jaxtorch.autograd.__all__
    assert jaxtorch.autograd.forward_ad is importlib.import_module("jaxtorch.autograd.forward_ad")


# ------------------------------------------------------------------------------------------ forward_ad
def test_forward_ad_unpack_plain_tensor():
    def f(T):
        fw = T.autograd.forward_ad
        t = T.tensor(X)
        r = fw.unpack_dual(t)
        r0 = fw.unpack_dual(t, level=0)
        return r.primal is t, r.tangent, r0.primal is t, r0.primal, r0.tangent, type(r).__name__, r._fields

    both(f)


def test_forward_ad_levels_unsupported():
    fw = jaxtorch.autograd.forward_ad
    assert fw.__all__ == torch.autograd.forward_ad.__all__
    t = jaxtorch.tensor(X)
    with pytest.raises(NotImplementedError, match="torch.func.jvp"):
        with fw.dual_level():
            pass
    for call in (fw.enter_dual_level, fw.exit_dual_level, lambda: fw.make_dual(t, t)):
        with pytest.raises(NotImplementedError, match="forward_ad"):
            call()


# ------------------------------------------------------------------------------------------ Variable
def test_variable_is_a_detached_tensor():
    def f(T):
        V = T.autograd.Variable
        t = T.tensor([1.0, 2.0])
        v = V(t)
        v.add_(1)
        g = V(t, requires_grad=True)
        p = V(T.nn.Parameter(T.ones(2)))
        return (
            v is t,
            t,
            v.requires_grad,
            g.requires_grad,
            g.is_leaf,
            t.requires_grad,
            type(p).__name__,
            p.requires_grad,
            V(t, True).requires_grad,
            V(),
            V(t, name="w").name,
        )

    both(f)


def test_variable_isinstance():
    def f(T):
        V = T.autograd.Variable
        return (
            isinstance(T.ones(2), V),
            isinstance(T.nn.Parameter(T.ones(2)), V),
            isinstance(3, V),
            isinstance(np.ones(2), V),
            issubclass(T.Tensor, V),
        )

    both(f)


def test_variable_errors():
    same_error(lambda T: T.autograd.Variable(3))
    same_error(lambda T: T.autograd.Variable(T.ones(2), _grad_fn=3))
    same_error(lambda T: T.autograd.Variable(T.ones(2, dtype=T.long), requires_grad=True))
    same_error(lambda T: T.autograd.variable(T.ones(2)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        same_error(lambda T: T.autograd.Variable(T.ones(2), True, True))
    for T in (torch, jaxtorch):
        with pytest.warns(UserWarning, match="volatile was removed"):
            T.autograd.Variable(T.ones(2), volatile=True)


def test_variable_paths():
    for T in (torch, jaxtorch):
        assert T.autograd.variable.Variable is T.autograd.Variable
        assert importlib.import_module(T.__name__ + ".autograd.variable").Variable is T.autograd.Variable


# ------------------------------------------------------------------------------------------ profiler_util / legacy
def test_profiler_util_values():
    def f(T):
        pu = importlib.import_module(T.__name__ + ".autograd.profiler_util")

        class Avg(pu.FormattedTimesMixin):
            count = 4
            cpu_time_total = 2500.0
            device_time_total = 3.0e6
            self_cpu_time_total = 12.5
            self_device_time_total = 0.0

        a = Avg()
        k = pu.Kernel("gemm", 0, 12)
        return (
            pu.Interval(3, 10).elapsed_us(),
            tuple(k),
            k._fields,
            pu.EventMetadata._fields,
            pu.StringTable()["matmul"],
            a.cpu_time,
            a.device_time,
            a.cpu_time_str,
            a.device_time_str,
            a.cpu_time_total_str,
            a.device_time_total_str,
            a.self_cpu_time_total_str,
            a.self_device_time_total_str,
            sorted(pu.__all__),
        )

    both(f)


def test_profiler_event_containers_are_standins():
    pu = importlib.import_module("jaxtorch.autograd.profiler_util")
    assert pu.EventList is jaxtorch.autograd.profiler.EventList
    assert pu.FunctionEvent is jaxtorch.autograd.profiler.FunctionEvent
    assert pu.MemRecordsAcc is jaxtorch.autograd.profiler.MemRecordsAcc
    legacy = importlib.import_module("jaxtorch.autograd.profiler_legacy")
    assert legacy.__all__ == importlib.import_module("torch.autograd.profiler_legacy").__all__
    for cls in (pu.EventList, pu.FunctionEvent, pu.FunctionEventAvg, pu.MemRecordsAcc, legacy.profile):
        with pytest.raises(NotImplementedError):
            cls()
