"""Shared oracle for the distribution tests: build the same distribution in torch and jaxtorch from the
same numpy parameters and compare everything a user can read off it."""

from __future__ import annotations

import numpy as np
import torch
from helpers import assert_close, to_np

import jaxtorch

PROPS = ("mean", "mode", "variance", "stddev")
METHODS = ("entropy", "perplexity")


def _both(t_fn, j_fn):
    """Run both; return (torch result or exception type, jaxtorch result or exception type)."""
    out = []
    for fn in (t_fn, j_fn):
        try:
            out.append(fn())
        except (NotImplementedError, ValueError) as e:
            out.append(type(e))
    return out


def _cmp(t, j, what, rtol, atol):
    if isinstance(t, type):
        assert isinstance(j, type) and j.__name__ == t.__name__, f"{what}: torch raised {t.__name__}, jaxtorch {j}"
        return
    assert not isinstance(j, type), f"{what}: jaxtorch raised {j.__name__}, torch returned a value"
    assert_close(t, j, rtol, atol, what=what)


def make_params(arrays, requires_grad=True):
    """torch and jaxtorch leaves for numpy arrays (floats require grad); non-arrays pass through."""
    t_p, j_p = [], []
    for a in arrays:
        if isinstance(a, np.ndarray):
            rg = requires_grad and a.dtype.kind == "f"
            t_p.append(torch.tensor(a, requires_grad=rg))
            j_p.append(jaxtorch.tensor(a, requires_grad=rg))
        else:
            t_p.append(a)
            j_p.append(a)
    return t_p, j_p


def check_distribution(
    ctor,
    params,
    values=(),
    probs=None,
    *,
    rtol=1e-5,
    atol=1e-6,
    grad=True,
    grad_rtol=None,
    grad_atol=None,
    expand_to=None,
    enum=False,
    skip=(),
):
    """Compare a distribution built by `ctor(D, *params)` (D: torch.distributions or
    jaxtorch.distributions) in both libraries: shapes, constraints, repr, moments, entropy, log_prob /
    cdf of `values`, icdf of `probs`, expand, enumerate_support, and the gradients of a scalar made from
    all of them with respect to every float parameter."""
    t_p, j_p = make_params(params, grad)
    td = ctor(torch.distributions, *t_p)
    jd = ctor(jaxtorch.distributions, *j_p)
    name = type(td).__name__
    assert type(jd).__name__ == name
    assert tuple(td.batch_shape) == tuple(jd.batch_shape), f"{name} batch_shape"
    assert tuple(td.event_shape) == tuple(jd.event_shape), f"{name} event_shape"
    assert td.has_rsample == jd.has_rsample, f"{name} has_rsample"
    assert td.has_enumerate_support == jd.has_enumerate_support, f"{name} has_enumerate_support"
    assert repr(td) == repr(jd), f"{name} repr: {td!r} vs {jd!r}"
    t_sup, j_sup = _both(lambda: td.support, lambda: jd.support)
    if not isinstance(t_sup, type):
        assert repr(t_sup) == repr(j_sup), f"{name} support {t_sup!r} vs {j_sup!r}"
        assert t_sup.event_dim == j_sup.event_dim and t_sup.is_discrete == j_sup.is_discrete
    t_ac, j_ac = _both(lambda: td.arg_constraints, lambda: jd.arg_constraints)
    if not isinstance(t_ac, type):
        assert {k: repr(v) for k, v in t_ac.items()} == {k: repr(v) for k, v in j_ac.items()}, f"{name} arg_constraints"

    t_terms, j_terms = [], []

    def collect(t, j, what):
        if "grad:" + what.split("(")[0] in skip:
            return
        if isinstance(t, torch.Tensor) and t.requires_grad and t.dtype.is_floating_point:
            t_terms.append(t)
            j_terms.append(j)

    for prop in PROPS:
        if prop in skip:
            continue
        t, j = _both(lambda: getattr(td, prop), lambda: getattr(jd, prop))
        _cmp(t, j, f"{name}.{prop}", rtol, atol)
        collect(t, j, prop)
    for meth in METHODS:
        if meth in skip:
            continue
        t, j = _both(lambda: getattr(td, meth)(), lambda: getattr(jd, meth)())
        _cmp(t, j, f"{name}.{meth}()", rtol, atol)
        collect(t, j, meth)
    for i, v in enumerate(values):
        for meth in ("log_prob", "cdf"):
            if meth in skip:
                continue
            t, j = _both(lambda: getattr(td, meth)(torch.tensor(v)), lambda: getattr(jd, meth)(jaxtorch.tensor(v)))
            _cmp(t, j, f"{name}.{meth}(values[{i}])", rtol, atol)
            collect(t, j, meth)
    if probs is not None and "icdf" not in skip:
        t, j = _both(lambda: td.icdf(torch.tensor(probs)), lambda: jd.icdf(jaxtorch.tensor(probs)))
        _cmp(t, j, f"{name}.icdf", rtol, atol)
        collect(t, j, "icdf")
    if expand_to is not None:
        te, je = td.expand(expand_to), jd.expand(expand_to)
        assert type(je) is type(jd) and tuple(te.batch_shape) == tuple(je.batch_shape), f"{name}.expand"
        assert tuple(te.event_shape) == tuple(je.event_shape)
        for prop in ("mean", "variance"):
            if prop not in skip:
                _cmp(*_both(lambda: getattr(te, prop), lambda: getattr(je, prop)), f"{name}.expand.{prop}", rtol, atol)
        for i, v in enumerate(values):
            if "log_prob" not in skip:
                _cmp(
                    *_both(lambda: te.log_prob(torch.tensor(v)), lambda: je.log_prob(jaxtorch.tensor(v))),
                    f"{name}.expand.log_prob(values[{i}])",
                    rtol,
                    atol,
                )
    if enum:
        for expand in (True, False):
            _cmp(
                *_both(lambda: td.enumerate_support(expand), lambda: jd.enumerate_support(expand)),
                f"{name}.enumerate_support({expand})",
                rtol,
                atol,
            )
    if grad and t_terms:
        rng = np.random.default_rng(3)
        weights = [rng.uniform(0.5, 1.5, size=tuple(t.shape)).astype(to_np(t).dtype) for t in t_terms]
        t_loss = sum((torch.nan_to_num(t, 0.0, 0.0, 0.0) * torch.tensor(w)).sum() for t, w in zip(t_terms, weights))
        j_loss = sum(
            (jaxtorch.nan_to_num(j, 0.0, 0.0, 0.0) * jaxtorch.tensor(w)).sum() for j, w in zip(j_terms, weights)
        )
        t_leaves = [p for p in t_p if isinstance(p, torch.Tensor) and p.requires_grad]
        j_leaves = [p for p in j_p if isinstance(p, jaxtorch.Tensor) and p.requires_grad]
        t_g = torch.autograd.grad(t_loss, t_leaves, allow_unused=True)
        j_g = jaxtorch.autograd.grad(j_loss, j_leaves, allow_unused=True)
        for i, (a, b) in enumerate(zip(t_g, j_g)):
            if a is None:
                assert b is None or np.all(to_np(b) == 0), f"{name} grad[{i}]: torch None"
                continue
            assert b is not None, f"{name} grad[{i}]: jaxtorch None"
            assert_close(a, b, grad_rtol or rtol * 10, grad_atol or atol * 10, what=f"{name} grad[{i}]")
    return td, jd
