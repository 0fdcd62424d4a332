"""torch.autograd.gradcheck: compare the gradients jaxtorch's autograd computes with finite differences.

`gradcheck(func, inputs)` builds, for every input that requires grad and every output that does, the Jacobian
twice: numerically, by central differences (each input element perturbed by +-eps in place, through `.data`, as
torch does), and analytically, one `autograd.grad` per output element (vector-Jacobian products with basis
vectors). They must agree within `allclose(analytical, numerical, rtol, atol)`. `fast_mode=True` compares
the scalars v^T J u for random unit vectors u, v instead of whole Jacobians (atol scaled by sum(u) * sum(v), as
torch does). Complex inputs and outputs follow torch's conventions (outputs split into real and imaginary parts,
complex inputs checked against the conjugate Wirtinger derivative). Besides the Jacobians, it checks what torch
checks: backward is reentrant (two runs agree within `nondet_tol`), gradients have the inputs' sizes (and dtypes
with `check_grad_dtypes`), a zero grad_output gives zero gradients, undefined output gradients are handled
(`check_undefined_grad`), and with `check_batched_grad` that a vmapped backward (torch.func.vmap) matches one
backward per grad_output. `gradgradcheck` runs gradcheck on the function's backward (create_graph=True).

Not supported, NotImplementedError when asked for: forward-mode checks (`check_forward_ad`,
`check_batched_forward_grad`, gradgradcheck's `check_fwd_over_rev`: jaxtorch's tape is reverse-mode only) and
sparse inputs. Inputs are the tensors at the top level of `inputs` (as in torch's numerical path).
"""

from __future__ import annotations

import collections.abc
import warnings
from typing import Any, Callable, Sequence

from .. import _unsupported
from .._tensor import Tensor
from . import grad_mode
from .function import Function

__all__ = [
    "gradcheck",
    "gradgradcheck",
    "GradcheckError",
    "get_numerical_jacobian",
    "get_analytical_jacobian",
    "get_numerical_jacobian_wrt_specific_input",
]


class GradcheckError(RuntimeError):
    """Raised by gradcheck and gradgradcheck when a check fails (with raise_exception=True)."""


_FORWARD_AD = "jaxtorch's autograd tape is reverse-mode only (torch.func.jvp gives forward-mode derivatives)"

_NONDET_NOTE = (
    "\n\nNOTE: If your op relies on non-deterministic operations, this failure might be expected; call "
    "gradcheck/gradgradcheck with `nondet_tol=<tol>` as a keyword argument."
)

_BATCHED_NOTE = (
    "gradcheck or gradgradcheck failed while testing batched gradient computation. If that is expected, call "
    "gradcheck/gradgradcheck with `check_batched_grad=False` as a keyword argument."
)

_FAST_OK_IN_SLOW = (
    "Fast gradcheck failed but element-wise differences are small. This means that the test might've passed in "
    "slow_mode! If so, call gradcheck/gradgradcheck with `fast_mode=False` as a keyword argument."
)


# ---------------------------------------------------------------------------------------------- small helpers
def _as_tuple(x: Any) -> tuple:
    if isinstance(x, tuple):
        return x
    if isinstance(x, list):
        return tuple(x)
    return (x,)


def _differentiable_outputs(x: Any) -> tuple:
    return tuple(o for o in _as_tuple(x) if o.requires_grad)


def _is_float_or_complex(t: Any) -> bool:
    return isinstance(t, Tensor) and (t.is_floating_point() or t.is_complex())


def _diff_input_indices(inputs: Sequence[Any]) -> list[int]:
    return [i for i, a in enumerate(inputs) if isinstance(a, Tensor) and a.requires_grad]


def _iter_tensors(x: Any, only_requiring_grad: bool = False):
    if isinstance(x, Tensor):
        if x.requires_grad or not only_requiring_grad:
            yield x
    elif isinstance(x, collections.abc.Iterable) and not isinstance(x, str):
        for elem in x:
            yield from _iter_tensors(elem, only_requiring_grad)


def _zeros(shape: Sequence[int], dtype: Any, device: Any = None) -> Tensor:
    from .._ops.creation import zeros

    return zeros(tuple(shape), dtype=dtype, device=device)


def _stack_columns(cols: list[Tensor], rows: int, dtype: Any) -> Tensor:
    """(rows, len(cols)) matrix whose column k is cols[k] (each flattened to `rows` elements)."""
    from .._ops.shape import stack

    if not cols:
        return _zeros((rows, 0), dtype)
    return stack([c.reshape(-1).to(dtype) for c in cols], 1)


def _allclose(a: Tensor, b: Tensor, rtol: float, atol: float) -> bool:
    from .. import allclose, promote_types

    dtype = promote_types(a.dtype, b.dtype)
    return bool(allclose(a.to(dtype), b.to(dtype), rtol, atol))


def _real_dtype(dtype: Any) -> Any:
    from .. import complex64, complex128, float32, float64

    return {complex128: float64, complex64: float32}.get(dtype, dtype)


def _notallclose_msg(
    analytical: Tensor,
    numerical: Tensor,
    output_idx: int,
    input_idx: int,
    complex_indices: Sequence[int] | None,
    test_imag: bool,
) -> str:
    prefix = ""
    if complex_indices and output_idx in complex_indices:
        prefix = f"While considering the {'imaginary' if test_imag else 'real'} part of complex outputs only, "
    return (
        prefix + f"Jacobian mismatch for output {output_idx:d} with respect to input {input_idx:d},\n"
        f"numerical:{numerical}\nanalytical:{analytical}\n"
    )


# ---------------------------------------------------------------------------------------------- input checks
def _check_inputs(tupled_inputs: tuple) -> None:
    from .. import complex128, float64, strided

    any_requiring_grad = False
    for idx, inp in enumerate(tupled_inputs):
        if not (isinstance(inp, Tensor) and inp.requires_grad):
            continue
        if getattr(inp, "layout", strided) is not strided:
            raise NotImplementedError(
                _unsupported.message(
                    "gradcheck with sparse inputs", "jaxtorch gradcheck handles strided (dense) inputs"
                )
            )
        if not (inp.dtype == float64 or inp.dtype == complex128):
            warnings.warn(
                f"Input #{idx} requires gradient and is not a double precision floating point or complex. "
                "This check will likely fail if all the inputs are not of double precision floating point "
                "or complex. ",
                stacklevel=4,
            )
        if not all(st > 0 or sz <= 1 for st, sz in zip(inp.stride(), inp.size())):
            raise RuntimeError(
                f"The {idx}th input has a dimension with stride 0. gradcheck only supports inputs that "
                "are non-overlapping to be able to compute the numerical gradients correctly. You "
                "should call .contiguous on the input before passing it to gradcheck."
            )
        any_requiring_grad = True
    if not any_requiring_grad:
        raise ValueError(
            "gradcheck expects at least one input tensor to require gradient, but none of them have requires_grad=True."
        )


# ---------------------------------------------------------------------------------------------- numerical side
def _check_same_dtype_and_shape(a: Tensor, b: Tensor, eps: float, idx: Any = None) -> None:
    on_index = f"on index {idx} " if idx is not None else ""
    if a.shape != b.shape:
        raise AssertionError(
            f"Expected `func` to return outputs with the same shape when inputs are perturbed "
            f"{on_index}by {eps}, but got: shapes {a.shape} and {b.shape}."
        )
    if a.dtype != b.dtype:
        raise AssertionError(
            f"Expected `func` to return outputs with the same dtype when inputs are perturbed "
            f"{on_index}by {eps}, but got: dtypes {a.dtype} and {b.dtype}."
        )


def _central_difference(
    fn: Callable[[], tuple], entry: Tensor, orig: Tensor, delta: Tensor, norm: float, idx: Any, eps: float
) -> list[Tensor | None]:
    """(f(x + delta) - f(x - delta)) / (2 norm) per output, flattened; x is written in place through `entry`
    (the input's `.data`), as torch does, so `fn` sees the perturbation however it reaches the input."""
    with grad_mode.no_grad():
        entry.copy_(orig - delta)
    outa = fn()
    with grad_mode.no_grad():
        entry.copy_(orig + delta)
    outb = fn()
    with grad_mode.no_grad():
        entry.copy_(orig)
    res: list[Tensor | None] = []
    for a, b in zip(outa, outb):
        if not _is_float_or_complex(a):
            res.append(None)
            continue
        _check_same_dtype_and_shape(a, b, eps, idx)
        res.append(((b.detach() - a.detach()) / (2 * norm)).reshape(-1))
    return res


def _perturbing_fn(fn: Callable, inputs: tuple) -> Callable[[], tuple]:
    def call() -> tuple:
        return tuple(o.clone() if isinstance(o, Tensor) else o for o in _as_tuple(fn(*inputs)))

    return call


def _numerical_jvps(fn: Callable, inputs: tuple, input_idx: int, u: Any, eps: float) -> list[Tensor | None]:
    """J u by central differences along the unit vector u (a pair (ur, ui) for a complex input), per output."""
    inp = inputs[input_idx]
    entry = inp.data
    orig = entry.clone()
    call = _perturbing_fn(fn, inputs)
    if inp.is_complex():
        ur, ui = u
        ds_dx = _central_difference(call, entry, orig, (ur * eps).reshape(inp.shape).to(inp.dtype), eps, None, eps)
        ds_dy = _central_difference(call, entry, orig, (ui * eps * 1j).reshape(inp.shape).to(inp.dtype), eps, None, eps)
        return [None if x is None else x + y * 1j for x, y in zip(ds_dx, ds_dy)]
    return _central_difference(call, entry, orig, (u * eps).reshape(inp.shape).to(inp.dtype), eps, None, eps)


def _numerical_jacobian_wrt(
    fn: Callable, inputs: tuple, input_idx: int, outputs: tuple, eps: float
) -> list[Tensor | None]:
    """For each output (None for a non-float one), the (numel(input), numel(output)) numerical Jacobian."""
    import itertools

    inp = inputs[input_idx]
    if not inp.requires_grad:
        raise AssertionError("Expected input to have requires_grad=True")
    entry = inp.data
    orig = entry.clone()
    flat_orig = orig.reshape(-1)
    call = _perturbing_fn(fn, inputs)
    columns: list[list[Tensor | None]] = []
    for k, idx in enumerate(itertools.product(*[range(m) for m in inp.shape])):
        delta = _zeros((flat_orig.numel(),), inp.dtype)
        delta[k] = eps
        delta = delta.reshape(inp.shape)
        ds_dx = _central_difference(call, entry, orig, delta, eps, idx, eps)
        if inp.is_complex():
            ds_dy = _central_difference(call, entry, orig, delta * 1j, eps, idx, eps)
            ds_dx = [None if x is None else x + y * 1j for x, y in zip(ds_dx, ds_dy)]
        columns.append(ds_dx)
    jacobians: list[Tensor | None] = []
    for j, out in enumerate(outputs):
        if not _is_float_or_complex(out):
            jacobians.append(None)
            continue
        dtype = inp.dtype if inp.is_complex() else out.dtype
        rows = [col[j] for col in columns]
        jac = _stack_columns(rows, out.numel(), dtype).t() if rows else _zeros((0, out.numel()), dtype)
        jacobians.append(jac)
    return jacobians


def _numerical_jacobian(fn: Callable, inputs: tuple, outputs: tuple, eps: float) -> list[list[Tensor | None]]:
    """jacobians[i][j]: numerical Jacobian of output j with respect to the i-th input that requires grad."""
    if any(_is_float_or_complex(o) and o.is_complex() for o in outputs):
        raise ValueError(
            "Expected output to be non-complex. get_numerical_jacobian no longer supports functions "
            "that return complex outputs."
        )
    return [_numerical_jacobian_wrt(fn, inputs, i, outputs, eps) for i in _diff_input_indices(inputs)]


# ---------------------------------------------------------------------------------------------- analytical side
def _vjps(output: Tensor, diff_inputs: list[Tensor], grad_output: Tensor) -> tuple:
    from . import grad

    return grad(output, diff_inputs, grad_output, retain_graph=True, allow_unused=True)


def _analytical_jacobian(
    inputs: tuple, output: Tensor, nondet_tol: float, check_grad_dtypes: bool, v: Tensor | None = None
) -> list[Tensor]:
    """Per input requiring grad, its (numel(input), numel(output)) Jacobian built from one vjp per output element
    (or, given v, the (numel(input), 1) column v^T J), computed twice to check backward is reentrant."""
    diff_inputs = list(_iter_tensors(inputs, True))

    def rows() -> list[list[Tensor | None]]:
        if v is not None:
            return [[g] for g in _vjps(output, diff_inputs, v.reshape(output.shape).to(output.dtype))]
        per_input: list[list[Tensor | None]] = [[] for _ in diff_inputs]
        for j in range(output.numel()):
            basis = _zeros((output.numel(),), output.dtype)
            basis[j] = 1
            for k, g in enumerate(_vjps(output, diff_inputs, basis.reshape(output.shape))):
                per_input[k].append(None if g is None else g.clone())
        return per_input

    sizes_ok = types_ok = True
    jacobians_twice = []
    for _ in range(2):
        jacobians = []
        for inp, grads in zip(diff_inputs, rows()):
            cols = []
            for g in grads:
                if g is None:
                    cols.append(_zeros((inp.numel(),), inp.dtype))
                    continue
                if g.size() != inp.size():
                    sizes_ok = False
                elif g.dtype != inp.dtype:
                    types_ok = False
                if g.numel() != inp.numel():
                    raise GradcheckError("Analytical gradient has incorrect size")
                cols.append(g)
            jacobians.append(_stack_columns(cols, inp.numel(), inp.dtype))
        jacobians_twice.append(jacobians)
    if not types_ok and check_grad_dtypes:
        raise GradcheckError("Gradient has dtype mismatch")
    if not sizes_ok:
        raise GradcheckError("Analytical gradient has incorrect size")
    for j1, j2 in zip(*jacobians_twice):
        if j1.numel() != 0 and float((j1 - j2).abs().max()) > nondet_tol:
            raise GradcheckError(
                "Backward is not reentrant, i.e., running backward with same input and grad_output "
                "multiple times gives different values, although analytical gradient matches "
                f"numerical gradient.The tolerance for nondeterminism was {nondet_tol}." + _NONDET_NOTE
            )
    return jacobians_twice[0]


# ---------------------------------------------------------------------------------------------- slow and fast checks
def _check_no_differentiable_outputs(func: Callable, inputs: tuple, func_out: tuple, eps: float) -> None:
    for per_input in _numerical_jacobian(func, inputs, func_out, eps):
        for jac in per_input:
            if jac is not None and int((jac != 0).sum()) > 0:
                raise GradcheckError("Numerical gradient for function expected to be zero")


def _slow_gradcheck(
    func: Callable,
    func_out: Any,
    inputs: tuple,
    outputs: tuple,
    eps: float,
    rtol: float,
    atol: float,
    check_grad_dtypes: bool,
    nondet_tol: float,
    *,
    complex_indices: Sequence[int] | None = None,
    test_imag: bool = False,
) -> None:
    func_out = _as_tuple(func_out)
    if not outputs:
        _check_no_differentiable_outputs(func, inputs, func_out, eps)
        return
    numerical = _numerical_jacobian(func, inputs, func_out, eps)  # [input][output]
    per_output = [[per_input[j] for per_input in numerical] for j, o in enumerate(func_out) if o.requires_grad]
    for i, o in enumerate(outputs):
        analytical = _analytical_jacobian(inputs, o, nondet_tol, check_grad_dtypes)
        for j, (a, n) in enumerate(zip(analytical, per_output[i])):
            if not _allclose(a, n, rtol, atol):
                raise GradcheckError(_notallclose_msg(a, n, i, j, complex_indices, test_imag))


def _random_unit(numel: int, dtype: Any, generator: Any) -> Tensor:
    from .. import rand

    vec = rand(numel, generator=generator).to(dtype)
    return vec / vec.norm()


def _fast_gradcheck(
    func: Callable,
    func_out: Any,
    inputs: tuple,
    outputs: tuple,
    eps: float,
    rtol: float,
    atol: float,
    check_grad_dtypes: bool,
    nondet_tol: float,
    *,
    complex_indices: Sequence[int] | None = None,
    test_imag: bool = False,
) -> None:
    from .. import Generator

    generator = Generator()  # its own stream, so the user's RNG state is untouched (as torch does)
    input_indices = _diff_input_indices(inputs)
    all_u: list[Any] = []
    for i in input_indices:
        inp = inputs[i]
        ur = _random_unit(inp.numel(), _real_dtype(inp.dtype), generator)
        all_u.append((ur, _random_unit(inp.numel(), _real_dtype(inp.dtype), generator)) if inp.is_complex() else ur)
    all_v = [_random_unit(o.numel(), o.dtype, generator) for o in outputs]
    func_out = _as_tuple(func_out)
    diff_positions = [k for k, o in enumerate(func_out) if isinstance(o, Tensor) and o.requires_grad]

    numerical: list[list[Tensor]] = []  # [input][output]: v^T (J u)
    for i, u in zip(input_indices, all_u):
        ju = _numerical_jvps(func, inputs, i, u, eps)
        if not outputs:
            for x in ju:
                if x is not None and x.numel() and float(x.abs().max()) > nondet_tol:
                    raise GradcheckError("Numerical gradient for function expected to be zero")
            continue
        numerical.append([(v * ju[k]).sum() for v, k in zip(all_v, diff_positions)])
    if not outputs:
        return

    analytical: list[list[Tensor]] = []  # [output][input]: (v^T J) u
    for o, v in zip(outputs, all_v):
        per_input = []
        for vj, u in zip(_analytical_jacobian(inputs, o, nondet_tol, check_grad_dtypes, v=v), all_u):
            vj = vj.reshape(-1)
            if vj.is_complex():
                from .. import view_as_real

                parts = view_as_real(vj.resolve_conj())
                per_input.append((parts[:, 0] * u[0]).sum() + 1j * (parts[:, 1] * u[1]).sum())
            else:
                per_input.append((vj * u).sum())
        analytical.append(per_input)

    for i, per_output in enumerate(numerical):
        for j, n in enumerate(per_output):
            a = analytical[j][i]
            u = all_u[i]
            sum_u = float(u[0].sum()) + float(u[1].sum()) if isinstance(u, tuple) else float(u.sum())
            if not _allclose(a, n, rtol, atol * sum_u * float(all_v[j].sum())):
                raise GradcheckError(
                    _notallclose_msg(a, n, j, i, complex_indices, test_imag)
                    + _slow_mode_report(func, inputs, outputs, i, j, rtol, atol, eps)
                )


def _slow_mode_report(
    func: Callable, inputs: tuple, outputs: tuple, input_idx: int, output_idx: int, rtol: float, atol: float, eps: float
) -> str:
    """The whole Jacobians of the failing pair, for the error message of a fast-mode failure."""
    func_out = _as_tuple(func(*inputs))
    numerical = _numerical_jacobian(func, inputs, func_out, eps)[input_idx]
    numerical = [n for n, o in zip(numerical, func_out) if isinstance(o, Tensor) and o.requires_grad][output_idx]
    analytical = _analytical_jacobian(inputs, outputs[output_idx], float("inf"), False)[input_idx]
    max_diff = (numerical - analytical).abs().max()
    msg = (
        "\nThe above quantities relating the numerical and analytical jacobians are computed \nin fast mode. "
        "Below, we recompute numerical and analytical jacobians in slow mode:\n\n"
        f"Numerical:\n {numerical}\nAnalytical:\n{analytical}\n\n"
        f"The max per-element difference (slow mode) is: {max_diff}.\n"
    )
    if _allclose(analytical, numerical, rtol, atol):
        msg += _FAST_OK_IN_SLOW
    return msg


def _gradcheck_real_imag(
    check: Callable,
    func: Callable,
    func_out: Any,
    inputs: tuple,
    outputs: tuple,
    eps: float,
    rtol: float,
    atol: float,
    check_grad_dtypes: bool,
    nondet_tol: float,
) -> None:
    """Run `check` on func, or on its real and imaginary parts separately when an output is complex."""
    if not any(isinstance(o, Tensor) and o.is_complex() for o in _as_tuple(func_out)):
        check(func, func_out, inputs, outputs, eps, rtol, atol, check_grad_dtypes, nondet_tol)
        return
    from .. import imag, real

    complex_indices = [i for i, o in enumerate(outputs) if o.is_complex()]
    for part, test_imag in ((imag, True), (real, False)):

        def part_fn(*args: Any, _part: Callable = part) -> tuple:
            return tuple(_part(o) if isinstance(o, Tensor) and o.is_complex() else o for o in _as_tuple(func(*args)))

        part_out = part_fn(*inputs)
        check(
            part_fn,
            part_out,
            inputs,
            _differentiable_outputs(part_out),
            eps,
            rtol,
            atol,
            check_grad_dtypes,
            nondet_tol,
            complex_indices=complex_indices,
            test_imag=test_imag,
        )


# ---------------------------------------------------------------------------------------------- backward-only checks
def _test_backward_mul_by_grad_output(outputs: tuple, inputs: tuple, masked: bool) -> None:
    from . import grad
    from .. import allclose, zeros_like

    diff_inputs = list(_iter_tensors(inputs, True))
    if not diff_inputs:
        raise GradcheckError("no Tensors requiring grad found in input")
    grads = grad(outputs, diff_inputs, [zeros_like(o) for o in outputs], allow_unused=True)
    for gi, di in zip(grads, diff_inputs):
        if gi is None:
            continue
        if masked:
            if not allclose(gi, zeros_like(gi)):
                raise GradcheckError("backward not multiplied by grad_output")
        elif not bool(gi.eq(0).all()):
            raise GradcheckError("backward not multiplied by grad_output")
        if gi.dtype != di.dtype:
            raise GradcheckError("grad is incorrect type")
        if gi.device != di.device:
            raise GradcheckError("grad is incorrect device")
        if gi.size() != di.size():
            raise GradcheckError("grad is incorrect size")


class _UndefinedGrad(Function):
    """Identity whose backward sends back no gradient: the output gradient reaches the function under test
    undefined (None), as torch's UndefinedGrad node makes it."""

    @staticmethod
    def forward(ctx: Any, x: Tensor) -> Tensor:
        return x.clone()

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> None:
        return None


def _test_undefined_backward_mode(func: Callable, outputs: tuple, inputs: tuple) -> None:
    from . import grad
    from .. import zeros_like

    diff_inputs = list(_iter_tensors(inputs, True))
    if not diff_inputs:
        raise GradcheckError("no Tensors requiring grad found in input")

    def warn_bc_breaking() -> None:
        warnings.warn(
            "Backwards compatibility: New undefined gradient support checking feature is enabled by "
            "default, but it may break existing callers of this function. If this is true for you, you can "
            'call this function with "check_undefined_grad=False" to disable the feature',
            stacklevel=4,
        )

    def check(output_to_check: list[Tensor]) -> None:
        try:
            grads = grad(output_to_check, diff_inputs, [zeros_like(o) for o in output_to_check], allow_unused=True)
        except RuntimeError as e:
            warn_bc_breaking()
            raise GradcheckError(
                "Expected backward function to handle undefined output grads. Please look at "
                '"Notes about undefined output gradients" in "tools/autograd/derivatives.yaml"'
            ) from e
        for gi in grads:
            if gi is not None and not bool(gi.eq(0).all()):
                warn_bc_breaking()
                raise GradcheckError(
                    "Expected all input grads to be undefined or zero when all output grads are "
                    'undefined or zero. Please look at "Notes about undefined output gradients" in '
                    '"tools/autograd/derivatives.yaml"'
                )

    to_check = [[_UndefinedGrad.apply(o) for o in _differentiable_outputs(func(*inputs))]]
    if len(to_check[0]) > 1:  # several outputs: undefine one at a time too
        for undef_idx in range(len(outputs)):
            outs = _differentiable_outputs(func(*inputs))
            to_check.append([_UndefinedGrad.apply(o) if k == undef_idx else o for k, o in enumerate(outs)])
    for outs in to_check:
        check(outs)


def _test_batched_grad(inputs: tuple, output: Tensor, output_idx: int) -> None:
    """A backward vmapped over a batch of grad_outputs (torch.func.vmap) must equal one backward per entry."""
    from .. import allclose, randn_like, stack
    from ..func import vmap

    diff_inputs = list(_iter_tensors(inputs, True))
    grad_outputs = [randn_like(output) for _ in range(2)]
    expected = [_vjps(output, diff_inputs, g) for g in grad_outputs]
    expected = [stack([e[k] for e in expected]) for k in range(len(diff_inputs)) if expected[0][k] is not None]
    try:
        result = vmap(lambda g: tuple(r for r in _vjps(output, diff_inputs, g) if r is not None))(stack(grad_outputs))
    except Exception as e:  # noqa: BLE001  (any failure of the batched backward is the finding)
        raise GradcheckError(
            f"While computing batched gradients for output {output_idx}, got: {e}\n\n" + _BATCHED_NOTE
        ) from e
    for input_idx, (res, exp) in enumerate(zip(result, expected)):
        if not allclose(res, exp):
            raise GradcheckError(
                f"For output {output_idx} and input {input_idx}:\n\n{_BATCHED_NOTE}\n\nGot:\n{res}\n\nExpected:\n{exp}"
            )


# ---------------------------------------------------------------------------------------------- public API
def gradcheck(
    func: Callable[..., Any],
    inputs: Any,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    check_batched_forward_grad: bool = False,
    check_forward_ad: bool = False,
    check_backward_ad: bool = True,
    fast_mode: bool = False,
    masked: bool | None = None,
) -> bool:
    """Check the analytical gradients of `func` at `inputs` against finite differences; True if they agree (a
    failure raises GradcheckError, or returns False with raise_exception=False)."""
    if not (check_forward_ad or check_backward_ad):
        raise AssertionError("Expected at least one of check_forward_ad or check_backward_ad to be True")
    if check_batched_grad and not check_backward_ad:
        raise AssertionError("Setting check_batched_grad=True requires check_backward_ad to be True")
    if check_batched_forward_grad and not check_forward_ad:
        raise AssertionError("Setting check_batched_forward_grad=True requires check_forward_ad to be True")
    if check_forward_ad:
        raise NotImplementedError(_unsupported.message("gradcheck(check_forward_ad=True)", _FORWARD_AD))
    try:
        return _gradcheck_helper(
            func,
            inputs,
            eps,
            atol,
            rtol,
            nondet_tol,
            check_undefined_grad,
            check_grad_dtypes,
            check_batched_grad,
            fast_mode,
            bool(masked),
        )
    except GradcheckError:
        if raise_exception:
            raise
        return False


def _gradcheck_helper(
    func: Callable,
    inputs: Any,
    eps: float,
    atol: float,
    rtol: float,
    nondet_tol: float,
    check_undefined_grad: bool,
    check_grad_dtypes: bool,
    check_batched_grad: bool,
    fast_mode: bool,
    masked: bool,
) -> bool:
    tupled_inputs = _as_tuple(inputs)
    _check_inputs(tupled_inputs)
    func_out = func(*tupled_inputs)
    outputs = _differentiable_outputs(func_out)
    _gradcheck_real_imag(
        _fast_gradcheck if fast_mode else _slow_gradcheck,
        func,
        func_out,
        tupled_inputs,
        outputs,
        eps,
        rtol,
        atol,
        check_grad_dtypes,
        nondet_tol,
    )
    if check_batched_grad:
        for i, o in enumerate(outputs):
            _test_batched_grad(tupled_inputs, o, i)
    _test_backward_mul_by_grad_output(outputs, tupled_inputs, masked)
    if check_undefined_grad:
        _test_undefined_backward_mode(func, outputs, tupled_inputs)
    return True


def gradgradcheck(
    func: Callable[..., Any],
    inputs: Any,
    grad_outputs: Any = None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    gen_non_contig_grad_outputs: bool = False,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    check_fwd_over_rev: bool = False,
    check_rev_over_rev: bool = True,
    fast_mode: bool = False,
    masked: bool = False,
) -> bool:
    """gradcheck of the backward of `func`: its gradients (for `grad_outputs`, random when None) as a function of
    the inputs and the grad_outputs."""
    from . import grad
    from .. import double
    from ..testing import make_tensor

    if not (check_fwd_over_rev or check_rev_over_rev):
        raise AssertionError("Expected at least one of check_fwd_over_rev or check_rev_over_rev to be True")
    if check_undefined_grad and not check_rev_over_rev:
        raise AssertionError("Setting check_undefined_grad=True requires check_rev_over_rev to be True")
    if check_batched_grad and not check_rev_over_rev:
        raise AssertionError("Setting check_batched_grad=True requires check_rev_over_rev to be True")
    tupled_inputs = _as_tuple(inputs)
    if grad_outputs is None:
        outputs = _differentiable_outputs(func(*tupled_inputs))
        tupled_grad_outputs = tuple(
            make_tensor(
                x.shape,
                dtype=x.dtype if x.is_floating_point() or x.is_complex() else double,
                device=x.device,
                low=-1,
                high=1,
                requires_grad=True,
                noncontiguous=gen_non_contig_grad_outputs,
            )
            for x in outputs
        )
    else:
        tupled_grad_outputs = _as_tuple(grad_outputs)
    num_outputs = len(tupled_grad_outputs)
    diff_input_indices = {i for i, x in enumerate(tupled_inputs) if isinstance(x, Tensor) and x.requires_grad}
    diff_grad_output_indices = {i for i, x in enumerate(tupled_grad_outputs) if x.requires_grad}

    def new_func(*args: Any) -> tuple:
        input_args = tuple(
            x.requires_grad_() if i in diff_input_indices else x for i, x in enumerate(args[:-num_outputs])
        )
        outputs = _differentiable_outputs(func(*input_args))
        grad_outputs = tuple(
            x.requires_grad_() if i in diff_grad_output_indices else x for i, x in enumerate(args[-num_outputs:])
        )
        diff_input_args = tuple(x for i, x in enumerate(input_args) if i in diff_input_indices)
        grad_inputs = grad(outputs, diff_input_args, grad_outputs, create_graph=True, allow_unused=True)
        return tuple(g for g in grad_inputs if g is not None)

    return gradcheck(
        new_func,
        tupled_inputs + tupled_grad_outputs,
        eps=eps,
        atol=atol,
        rtol=rtol,
        raise_exception=raise_exception,
        nondet_tol=nondet_tol,
        check_undefined_grad=check_undefined_grad,
        check_grad_dtypes=check_grad_dtypes,
        check_batched_grad=check_batched_grad,
        fast_mode=fast_mode,
        check_forward_ad=check_fwd_over_rev,
        check_backward_ad=check_rev_over_rev,
        masked=masked,
    )


# ---------------------------------------------------------------------------------------------- deprecated helpers
def _deprecated(name: str) -> None:
    warnings.warn(
        f"`{name}` was part of PyTorch's private API and not meant to be exposed. We are deprecating it "
        "and it will be removed in a future version of PyTorch. If you have a specific use for this or "
        "feature request for this to be a stable API, please file us an issue at "
        "https://github.com/pytorch/pytorch/issues/new",
        FutureWarning,
        stacklevel=3,
    )


def get_numerical_jacobian(
    fn: Callable, inputs: Any, target: Any = None, eps: float = 1e-3, grad_out: float = 1.0
) -> tuple:
    """Deprecated: the numerical Jacobians of fn's first output with respect to each input (or `target` tensor)
    that requires grad; `fn` takes the inputs as one tuple."""
    _deprecated("get_numerical_jacobian")
    if grad_out != 1.0:
        raise ValueError(
            "Expected grad_out to be 1.0. get_numerical_jacobian no longer supports values of grad_out != 1.0."
        )
    inputs = _as_tuple(inputs)

    def fn_pack(*inps: Any) -> Any:
        return fn(inps)

    # perturbing a target tensor writes its data in place, so fn sees it however it reaches it
    targets = _as_tuple(target) if target is not None else inputs
    outputs = _as_tuple(fn_pack(*inputs))
    if any(_is_float_or_complex(o) and o.is_complex() for o in outputs):
        raise ValueError(
            "Expected output to be non-complex. get_numerical_jacobian no longer supports functions "
            "that return complex outputs."
        )
    result = []
    for i in _diff_input_indices(targets):
        result.append(_numerical_jacobian_wrt(lambda *_: fn_pack(*inputs), targets, i, outputs, eps)[0])
    return tuple(result)


def get_numerical_jacobian_wrt_specific_input(
    fn: Callable,
    input_idx: int,
    inputs: Any,
    outputs: Any,
    eps: float,
    input: Tensor | None = None,
    is_forward_ad: bool = False,
) -> tuple:
    """The numerical Jacobians of each output of fn(*inputs) with respect to inputs[input_idx] (or `input`)."""
    if is_forward_ad:
        raise NotImplementedError(
            _unsupported.message("get_numerical_jacobian_wrt_specific_input(is_forward_ad=True)", _FORWARD_AD)
        )
    inputs = _as_tuple(inputs)
    outputs = _as_tuple(outputs)
    if input is not None and input is not inputs[input_idx]:
        targets = list(inputs)
        targets[input_idx] = input
        jacs = _numerical_jacobian_wrt(lambda *_: fn(*inputs), tuple(targets), input_idx, outputs, eps)
    else:
        jacs = _numerical_jacobian_wrt(fn, inputs, input_idx, outputs, eps)
    return tuple(j for j in jacs if j is not None)


def get_analytical_jacobian(inputs: Any, output: Tensor, nondet_tol: float = 0.0, grad_out: float = 1.0) -> tuple:
    """Deprecated: (jacobians, reentrant, correct_grad_sizes, correct_grad_types) of `output` with respect to the
    inputs that require grad."""
    _deprecated("get_analytical_jacobian")
    if grad_out != 1.0:
        raise ValueError(
            "Expected grad_out to be 1.0. get_analytical_jacobian no longer supports values of grad_out != 1.0."
        )
    if output.is_complex():
        raise ValueError(
            "Expected output to be non-complex. get_analytical_jacobian no longer supports functions "
            "that return complex outputs."
        )
    reentrant = sizes_ok = types_ok = True
    try:
        jacobians = _analytical_jacobian(_as_tuple(inputs), output, nondet_tol, True)
    except GradcheckError as e:
        msg = str(e)
        reentrant = not msg.startswith("Backward is not reentrant")
        sizes_ok = not msg.startswith("Analytical gradient has incorrect size")
        types_ok = not msg.startswith("Gradient has dtype mismatch")
        jacobians = _analytical_jacobian(_as_tuple(inputs), output, float("inf"), False)
    return tuple(jacobians), reentrant, sizes_ok, types_ok
