"""The torch oracle: run the same computation in real torch and in jaxtorch, compare everything.

    helper_test_op([(3, 4), (4,)], lambda x, y: x * y)

builds inputs from numpy, runs the function with `torch` tensors and with `jaxtorch` tensors (the
same lambda works for both when it only uses tensor methods/operators; pass a second lambda when the
two spellings differ), then compares values, dtypes and shapes of the outputs and the gradients of
a scalar function (sum of outputs times fixed random weights) with respect to every float input.
"""

from __future__ import annotations

import numpy as np
import torch

import jaxtorch

RTOL, ATOL = 1e-5, 1e-6


def to_np(x):
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().resolve_conj().resolve_neg().numpy()  # ihfft returns a lazy conjugate
    if isinstance(x, jaxtorch.Tensor):
        return np.asarray(x.detach()._value())
    return np.asarray(x)


def same_dtype(t, j):
    return str(t.dtype) == repr(j.dtype)


def assert_close(t_out, j_out, rtol=RTOL, atol=ATOL, check_dtype=True, what="output"):
    if isinstance(t_out, (tuple, list)):
        assert isinstance(j_out, (tuple, list)), f"{what}: torch returned a sequence, jaxtorch {type(j_out)}"
        assert len(t_out) == len(j_out), f"{what}: lengths differ {len(t_out)} vs {len(j_out)}"
        for i, (a, b) in enumerate(zip(t_out, j_out)):
            assert_close(a, b, rtol, atol, check_dtype, f"{what}[{i}]")
        return
    if isinstance(t_out, torch.Tensor):
        assert isinstance(j_out, jaxtorch.Tensor), f"{what}: expected a Tensor, got {type(j_out)}"
        assert tuple(t_out.shape) == tuple(j_out.shape), f"{what}: shape {tuple(t_out.shape)} vs {tuple(j_out.shape)}"
        if check_dtype:
            assert same_dtype(t_out, j_out), f"{what}: dtype {t_out.dtype} vs {j_out.dtype}"
        a, b = to_np(t_out), to_np(j_out)
        if a.dtype.kind in "fc" or b.dtype.kind in "fc":
            np.testing.assert_allclose(b.astype(np.complex128 if a.dtype.kind == "c" else np.float64),
                                       a.astype(np.complex128 if a.dtype.kind == "c" else np.float64),
                                       rtol=rtol, atol=atol, equal_nan=True, err_msg=what)
        else:
            np.testing.assert_array_equal(b, a, err_msg=what)
        return
    assert t_out == j_out or (t_out != t_out and j_out != j_out), f"{what}: {t_out!r} vs {j_out!r}"


def make_inputs(shapes, dtype=np.float32, low=-2.0, high=2.0, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for s in shapes:
        if np.issubdtype(dtype, np.floating):
            out.append(rng.uniform(low, high, size=s).astype(dtype))
        elif dtype == np.bool_:
            out.append(rng.integers(0, 2, size=s).astype(bool))
        else:
            out.append(rng.integers(int(low) if low > -1e9 else -5, int(high) + 1, size=s).astype(dtype))
    return out


def helper_test_op(shapes, torch_fn, jax_fn=None, *, dtype=np.float32, low=-2.0, high=2.0, rtol=RTOL, atol=ATOL,
                   grad_rtol=None, grad_atol=None, grad=True, inputs=None, check_dtype=True):
    """Compare forward (values, dtype, shape) and, for float inputs, gradients."""
    jax_fn = jax_fn or torch_fn
    arrays = inputs if inputs is not None else make_inputs(shapes, dtype, low, high)
    float_in = [np.issubdtype(np.asarray(a).dtype, np.floating) for a in arrays]
    do_grad = grad and any(float_in)
    t_in = [torch.tensor(a, requires_grad=do_grad and f) for a, f in zip(arrays, float_in)]
    j_in = [jaxtorch.tensor(a, requires_grad=do_grad and f) for a, f in zip(arrays, float_in)]
    t_out = torch_fn(*t_in)
    j_out = jax_fn(*j_in)
    assert_close(t_out, j_out, rtol, atol, check_dtype)
    if not do_grad:
        return t_out, j_out
    t_outs = [o for o in (t_out if isinstance(t_out, (tuple, list)) else [t_out])
              if isinstance(o, torch.Tensor) and o.requires_grad]
    j_outs = [o for o in (j_out if isinstance(j_out, (tuple, list)) else [j_out])
              if isinstance(o, jaxtorch.Tensor) and o.requires_grad]
    assert len(t_outs) == len(j_outs), "different number of differentiable outputs"
    if not t_outs:
        return t_out, j_out
    rng = np.random.default_rng(1)
    weights = [rng.uniform(0.5, 1.5, size=tuple(o.shape)).astype(to_np(o).dtype) for o in t_outs]
    t_loss = sum((o * torch.tensor(w)).sum() for o, w in zip(t_outs, weights))
    j_loss = sum((o * jaxtorch.tensor(w)).sum() for o, w in zip(j_outs, weights))
    t_loss.backward()
    j_loss.backward()
    for i, (a, b) in enumerate(zip(t_in, j_in)):
        if a.requires_grad:
            if a.grad is None:
                assert b.grad is None or np.all(to_np(b.grad) == 0), f"grad of input {i}: torch None"
                continue
            assert b.grad is not None, f"grad of input {i}: jaxtorch None"
            assert_close(a.grad, b.grad, grad_rtol or rtol * 10, grad_atol or atol * 10, True, f"grad[{i}]")
    return t_out, j_out
