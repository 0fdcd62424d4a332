"""PyTorch's OpInfo database as the oracle: every OpInfo whose name maps to a jaxtorch op is run on
its own sample inputs (float32 and int64) in real torch and in jaxtorch; values, dtypes and shapes
must agree, and for float32 so must the gradients of a weighted sum of the outputs.

Each OpInfo entry is two pytest cases (`fwd`, `grad`). Ops that cannot be supported are listed with
their reason in `opinfo_skips.py`; OpInfos with no jaxtorch counterpart are skipped as "not
implemented". `test_zz_pass_counts` (collected last) asserts the coverage targets.
"""

from __future__ import annotations

import time
import types

import numpy as np
import pytest
import torch
from torch.testing._internal.common_methods_invocations import op_db

import jaxtorch
from helpers import ATOL, RTOL, assert_close, to_np
from opinfo_skips import (GRAD_SKIPS, LOOSE, NONDETERMINISTIC, RANDOM_IN_TRAINING, SIGN_AMBIGUOUS, SKIPS,
                          TIE_AMBIGUOUS)

# samples per op and dtype: XLA compiles (one per sample shape) dominate the runtime
MAX_SAMPLES = {torch.float32: 2, torch.int64: 1}
FWD_TARGET, GRAD_TARGET = 250, 200
DTYPES = (torch.float32, torch.int64)

_results: dict = {"fwd": {}, "grad": {}}  # kind -> {op name: [bool per OpInfo variant]}
_t0 = time.perf_counter()


class _Unconvertible(Exception):
    """A sample argument has no jaxtorch equivalent (e.g. a memory_format)."""


def _entry_id(op) -> str:
    return op.name + ("." + op.variant_test_name if op.variant_test_name else "")


def _resolve(name: str):
    """The jaxtorch callable for an OpInfo name: a function, or ('method', name) for Tensor-only ones."""
    obj = jaxtorch
    try:
        for part in name.split("."):
            obj = getattr(obj, part)
        if getattr(obj, "_jaxtorch_unsupported", False):  # importable stand-in that raises NotImplementedError
            return None
        if callable(obj) and not isinstance(obj, jaxtorch.dtype):  # jaxtorch.float is a dtype, x.float() a method
            return obj
    except AttributeError:
        pass
    if "." not in name and hasattr(jaxtorch.Tensor, name):
        if getattr(getattr(jaxtorch.Tensor, name), "_jaxtorch_unsupported", False):
            return None
        return ("method", name)
    return None


def _to_jt(x, grad: bool):
    """Convert a torch sample argument (recursively) to its jaxtorch counterpart via numpy."""
    if isinstance(x, torch.Tensor):
        if x.is_sparse or x.is_sparse_csr or x.layout != torch.strided or x.is_complex() or x.is_quantized:
            raise _Unconvertible("sparse/complex/quantized tensor")
        t = jaxtorch.tensor(x.detach().numpy().copy())
        if grad and x.requires_grad:
            t.requires_grad_(True)
        return t
    if isinstance(x, torch.dtype):
        return getattr(jaxtorch, str(x).split(".")[1])
    if isinstance(x, torch.device):
        return str(x)
    if isinstance(x, torch.Size):
        return tuple(x)
    if isinstance(x, (list, tuple)):
        return type(x)(_to_jt(v, grad) for v in x) if type(x) in (list, tuple) else tuple(_to_jt(v, grad) for v in x)
    if isinstance(x, dict):
        return {k: _to_jt(v, grad) for k, v in x.items()}
    if x is None or isinstance(x, (bool, int, float, str, slice, type(Ellipsis))):
        return x
    if type(x).__name__ == "LinearCrossEntropyOptions":  # a frozen dataclass of plain fields and a dtype
        return jaxtorch.nn.LinearCrossEntropyOptions(**{f: _to_jt(getattr(x, f), grad) for f in x.__dataclass_fields__})
    raise _Unconvertible(f"argument of type {type(x).__name__}")


def _jt_lambda(op):
    """OpInfo's own wrapper lambda (e.g. `lambda self, cond, other: torch.where(cond, self, other)`)
    re-bound so that its `torch` global is jaxtorch: the same argument plumbing drives both libraries."""
    f = op.op
    if not isinstance(f, types.FunctionType) or f.__closure__ or f.__name__ != "<lambda>":
        return None
    return types.FunctionType(f.__code__, {**f.__globals__, "torch": jaxtorch}, f.__name__, f.__defaults__)


def _call_jt(fn, name, inp, args, kwargs):
    if isinstance(fn, types.FunctionType) and fn.__name__ == "<lambda>":
        return fn(inp, *args, **kwargs)
    if isinstance(fn, tuple):
        attr = getattr(inp, name)
        return attr(*args, **kwargs) if callable(attr) else attr
    return fn(inp, *args, **kwargs)


def _call_torch(op, inp, args, kwargs):
    return op(inp, *args, **kwargs)


def _tensors(x):
    if isinstance(x, torch.Tensor):
        return [x]
    if isinstance(x, (list, tuple)):
        return [t for v in x for t in _tensors(v)]
    if isinstance(x, dict):
        return [t for v in x.values() for t in _tensors(v)]
    return []


def _jt_tensors(x):
    if isinstance(x, jaxtorch.Tensor):
        return [x]
    if isinstance(x, (list, tuple)):
        return [t for v in x for t in _jt_tensors(v)]
    if isinstance(x, dict):
        return [t for v in x.values() for t in _jt_tensors(v)]
    return []


def _samples(op, dtype, requires_grad):
    out = []
    for s in op.sample_inputs("cpu", dtype, requires_grad=requires_grad):
        out.append(s)
        if len(out) == MAX_SAMPLES[dtype]:
            break
    return out


def _convert(sample, grad):
    return _to_jt(sample.input, grad), _to_jt(list(sample.args), grad), _to_jt(dict(sample.kwargs), grad)


def _random_sample(name, sample) -> bool:
    return name in RANDOM_IN_TRAINING and bool(sample.kwargs.get("training", False))


def _tols(name):
    return LOOSE.get(name, (RTOL, ATOL, ""))[:2]


def _check_fwd(op, fn, dtype):
    name = op.name
    rtol, atol = _tols(name)
    ran = 0
    for i, s in enumerate(_samples(op, dtype, False)):
        try:
            j_in, j_args, j_kwargs = _convert(s, False)
        except _Unconvertible:
            continue
        t_out = _call_torch(op, s.input, s.args, s.kwargs)
        j_out = _call_jt(fn, name, j_in, j_args, j_kwargs)
        what = f"{name} {dtype} sample {i}: {s.summary() if hasattr(s, 'summary') else ''}"
        if name in NONDETERMINISTIC or _random_sample(name, s):  # random / uninitialised: only shapes, dtypes
            t_list = _tensors(t_out)
            j_list = _jt_tensors(j_out)
            assert len(t_list) == len(j_list), what
            for a, b in zip(t_list, j_list):
                assert tuple(a.shape) == tuple(b.shape), what
                assert str(a.dtype) == repr(b.dtype), what
        else:
            if name in TIE_AMBIGUOUS and dtype == torch.int64 and isinstance(t_out, tuple):
                # integer samples have ties, and which tied index torch returns is unspecified:
                # compare the values; the indices only by shape and dtype
                t_out, j_out = list(t_out), list(j_out)
                assert tuple(t_out[1].shape) == tuple(j_out[1].shape), what
                assert str(t_out[1].dtype) == repr(j_out[1].dtype), what
                t_out, j_out = t_out[0], j_out[0]
            if name in SIGN_AMBIGUOUS:  # compare OpInfo's sign/phase-invariant form of the outputs
                t_out, j_out = s.output_process_fn_grad(t_out), s.output_process_fn_grad(j_out)
            _assert_close_any(t_out, j_out, rtol, atol, what)
        ran += 1
    return ran


def _assert_close_any(t_out, j_out, rtol, atol, what):
    """assert_close, also for bfloat16/float16 results (numpy cannot hold torch's bfloat16)."""
    if isinstance(t_out, torch.Tensor) and t_out.dtype in (torch.bfloat16, torch.float16):
        assert isinstance(j_out, jaxtorch.Tensor), f"{what}: expected a Tensor"
        assert str(t_out.dtype) == repr(j_out.dtype), f"{what}: dtype {t_out.dtype} vs {j_out.dtype}"
        t_out, j_out = t_out.float(), j_out.float()
    assert_close(t_out, j_out, rtol, atol, True, what)


def _check_grad(op, fn):
    name = op.name
    rtol, atol = _tols(name)
    ran = 0
    rng = np.random.default_rng(1)
    for i, s in enumerate(_samples(op, torch.float32, True)):
        try:
            j_in, j_args, j_kwargs = _convert(s, True)
        except _Unconvertible:
            continue
        if _random_sample(name, s):  # the gradient is the random mask / slope itself
            continue
        t_leaves = [t for t in _tensors([s.input, s.args, s.kwargs]) if t.requires_grad]
        j_leaves = [t for t in _jt_tensors([j_in, j_args, j_kwargs]) if t.requires_grad]
        assert len(t_leaves) == len(j_leaves)
        if not t_leaves:
            continue
        t_out = s.output_process_fn_grad(_call_torch(op, s.input, s.args, s.kwargs))
        j_out = s.output_process_fn_grad(_call_jt(fn, name, j_in, j_args, j_kwargs))
        t_outs = [o for o in _tensors(t_out) if o.requires_grad and o.is_floating_point()]
        j_outs = [o for o in _jt_tensors(j_out) if o.requires_grad and o.is_floating_point()]
        what = f"{name} grad sample {i}"
        assert len(t_outs) == len(j_outs), f"{what}: differentiable outputs {len(t_outs)} vs {len(j_outs)}"
        if not t_outs:
            continue
        weights = [rng.uniform(0.5, 1.5, size=tuple(o.shape)).astype(np.float32) for o in t_outs]
        t_loss = sum((o * torch.tensor(w, dtype=o.dtype)).sum() for o, w in zip(t_outs, weights))
        j_loss = sum((o * jaxtorch.tensor(w).to(o.dtype)).sum() for o, w in zip(j_outs, weights))
        t_grads = torch.autograd.grad(t_loss, t_leaves, allow_unused=True)
        j_grads = jaxtorch.autograd.grad(j_loss, j_leaves, allow_unused=True)
        for k, (a, b) in enumerate(zip(t_grads, j_grads)):
            if a is not None and a._is_zerotensor():  # torch's lazy zero gradient
                a = torch.zeros(a.shape, dtype=a.dtype)
            if a is None:
                assert b is None or np.all(to_np(b) == 0), f"{what} input {k}: torch grad is None"
                continue
            assert b is not None, f"{what} input {k}: jaxtorch grad is None"
            assert_close(a, b, rtol * 10, atol * 10, True, f"{what} input {k}")
        ran += 1
    return ran


def _supports(op, dtype) -> bool:
    try:
        return dtype in op.supported_dtypes("cpu")
    except Exception:
        return False


_ENTRIES = [op for op in op_db]


def _skip_listed(op):
    for key in (op.name, _entry_id(op)):  # a whole op, or one OpInfo variant ("name.variant")
        if key in SKIPS:
            pytest.skip(f"{SKIPS[key][0]}: {SKIPS[key][1]}")


@pytest.mark.parametrize("op", _ENTRIES, ids=_entry_id)
def test_fwd(op):
    _skip_listed(op)
    fn = _resolve(op.name)
    if fn is None:
        pytest.skip(f"not implemented in jaxtorch: {op.name}")
    fn = _jt_lambda(op) or fn
    ok = False
    try:
        ran = sum(_check_fwd(op, fn, d) for d in DTYPES if _supports(op, d))
        if ran == 0:
            pytest.skip("no sample converts to jaxtorch")
        ok = True
    finally:
        _results["fwd"].setdefault(op.name, []).append(ok)


@pytest.mark.parametrize("op", _ENTRIES, ids=_entry_id)
def test_grad(op):
    _skip_listed(op)
    for key in (op.name, _entry_id(op)):
        if key in GRAD_SKIPS:
            pytest.skip(GRAD_SKIPS[key])
    if not op.supports_autograd or not _supports(op, torch.float32):
        pytest.skip("OpInfo declares no float32 autograd")
    fn = _resolve(op.name)
    if fn is None:
        pytest.skip(f"not implemented in jaxtorch: {op.name}")
    fn = _jt_lambda(op) or fn
    ok = False
    try:
        if _check_grad(op, fn) == 0:
            pytest.skip("no differentiable sample")
        ok = True
    finally:
        _results["grad"].setdefault(op.name, []).append(ok)


def _passing(kind) -> list:
    return sorted(n for n, oks in _results[kind].items() if all(oks))


def test_zz_pass_counts(capsys):
    """Coverage targets over distinct op names (all tested variants of a name must pass)."""
    fwd, grad = _passing("fwd"), _passing("grad")
    with capsys.disabled():
        print(f"\nOpInfo sweep: {len(fwd)} distinct ops pass forward, {len(grad)} pass gradients "
              f"({time.perf_counter() - _t0:.0f}s)")
    assert len(fwd) >= FWD_TARGET, f"only {len(fwd)} ops pass forward (target {FWD_TARGET})"
    assert len(grad) >= GRAD_TARGET, f"only {len(grad)} ops pass gradients (target {GRAD_TARGET})"
