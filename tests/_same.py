"""Run one function against both libraries and compare everything it returns, or the error it raises.

    both(lambda T: T.tensor([1., 2.]) * 2)

`fn(T)` is called with `T = torch` and with `T = jaxtorch`; results are compared recursively (tensors
by value, dtype and shape; sequences, dicts and plain values by equality; dtypes by repr).
"""

from __future__ import annotations

import numpy as np
import torch

import jaxtorch
from helpers import assert_close


def compare(t, j, rtol=1e-5, atol=1e-6, what="result"):
    if isinstance(t, torch.Tensor):
        if t.dtype == torch.bfloat16:  # numpy has no bfloat16: check the dtype, compare values as float32
            assert isinstance(j, jaxtorch.Tensor) and j.dtype == jaxtorch.bfloat16, f"{what}: {j!r} is not bfloat16"
            t, j = t.float(), j.float()
        assert_close(t, j, rtol, atol, True, what)
    elif isinstance(t, torch.Size):
        assert isinstance(j, jaxtorch.Size), f"{what}: expected Size, got {type(j)}"
        assert tuple(t) == tuple(j), f"{what}: {t} vs {j}"
    elif isinstance(t, torch.dtype):
        assert repr(t) == repr(j), f"{what}: {t} vs {j}"
    elif isinstance(t, (tuple, list)):
        assert isinstance(j, (tuple, list)), f"{what}: expected a sequence, got {type(j)}"
        assert len(t) == len(j), f"{what}: lengths {len(t)} vs {len(j)}"
        for i, (a, b) in enumerate(zip(t, j)):
            compare(a, b, rtol, atol, f"{what}[{i}]")
    elif isinstance(t, dict):
        assert t.keys() == j.keys(), f"{what}: keys {t.keys()} vs {j.keys()}"
        for k in t:
            compare(t[k], j[k], rtol, atol, f"{what}[{k!r}]")
    elif isinstance(t, float):
        assert isinstance(j, float), f"{what}: {t!r} vs {j!r}"
        np.testing.assert_allclose(j, t, rtol=rtol, atol=atol, err_msg=what)
    else:
        assert type(t) is type(j), f"{what}: types {type(t)} vs {type(j)}"
        assert t == j, f"{what}: {t!r} vs {j!r}"


def both(fn, rtol=1e-5, atol=1e-6):
    """fn(torch) and fn(jaxtorch) must give the same results; returns both."""
    t = fn(torch)
    j = fn(jaxtorch)
    compare(t, j, rtol, atol)
    return t, j


def error_of(fn, T):
    try:
        fn(T)
    except Exception as e:  # noqa: BLE001  (we compare whatever torch raises)
        return e
    return None


def same_error(fn, exact: bool = True, prefix: int | None = None):
    """fn must raise the same exception type and message in both libraries.

    exact=False: only the first line of torch's message must match (torch appends C++ context on
    some errors). prefix=n: the first n characters must match."""
    et = error_of(fn, torch)
    ej = error_of(fn, jaxtorch)
    assert et is not None, "torch did not raise"
    assert ej is not None, f"jaxtorch did not raise; torch raised {type(et).__name__}: {et}"
    assert isinstance(ej, type(et)), (f"torch raised {type(et).__name__}: {et}\n"
                                      f"jaxtorch raised {type(ej).__name__}: {ej}")
    mt, mj = str(et), str(ej)
    if prefix is not None:
        mt, mj = mt[:prefix], mj[:prefix]
    elif not exact:
        mt, mj = mt.split("\n")[0], mj.split("\n")[0]
    assert mt == mj, f"messages differ:\n torch:    {mt!r}\n jaxtorch: {mj!r}"
    return et, ej
