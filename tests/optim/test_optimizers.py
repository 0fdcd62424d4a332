"""jaxtorch.optim against real torch.optim: same weights, same loss, 20 steps, params and every state entry."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
import torch

import jaxtorch
from helpers import assert_close, to_np

RNG = np.random.default_rng(0)
W0 = RNG.standard_normal((3, 4)).astype(np.float32)
B0 = RNG.standard_normal((3,)).astype(np.float32)
X = RNG.standard_normal((8, 4)).astype(np.float32)
Y = RNG.standard_normal((8, 3)).astype(np.float32)


def _params(lib, nn, dtype=np.float32):
    w = nn.Parameter(lib.tensor(W0.astype(dtype)))
    b = nn.Parameter(lib.tensor(B0.astype(dtype)))
    return w, b


def _loss(lib, w, b):
    x, y = lib.tensor(X.astype(W_DTYPE[lib][w.dtype])), lib.tensor(Y.astype(W_DTYPE[lib][w.dtype]))
    return ((x @ w.t() + b - y) ** 2).mean()


W_DTYPE = {torch: {torch.float32: np.float32, torch.float64: np.float64},
           jaxtorch: {jaxtorch.float32: np.float32, jaxtorch.float64: np.float64}}


def _build(lib, nn, name, kw, groups, dtype=np.float32):
    w, b = _params(lib, nn, dtype)
    if groups:  # per-group override: b gets its own lr
        params = [{"params": [w]}, {"params": [b], "lr": kw.get("lr", 1e-2) * 0.3}]
    else:
        params = [w, b]
    return (w, b), getattr(lib.optim, name)(params, **kw)


def _compare_state(t_opt, j_opt, t_params, j_params, what):
    for tp, jp in zip(t_params, j_params):
        assert_close(tp, jp, what=f"{what} param")
        ts, js = t_opt.state[tp], j_opt.state[jp]
        assert list(ts.keys()) == list(js.keys()), f"{what}: state keys {list(ts)} vs {list(js)}"
        for k in ts:
            assert_close(ts[k], js[k], what=f"{what} state[{k!r}]")


CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, maximize=True)),
    ("Adam", dict(lr=0.05)),
    ("Adam", dict(lr=0.05, weight_decay=0.1, amsgrad=True)),
    ("Adam", dict(lr=0.05, betas=(0.8, 0.9), maximize=True)),
    ("Adam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.05)),
    ("AdamW", dict(lr=0.05, weight_decay=0.2, amsgrad=True, maximize=True)),
    ("Adamax", dict(lr=0.05)),
    ("Adamax", dict(lr=0.05, weight_decay=0.1, maximize=True)),
    ("NAdam", dict(lr=0.05)),
    ("NAdam", dict(lr=0.05, weight_decay=0.1, momentum_decay=0.01)),
    ("NAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("RAdam", dict(lr=0.05)),
    ("RAdam", dict(lr=0.05, weight_decay=0.1, betas=(0.9, 0.9))),
    ("RAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True, maximize=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, alpha=0.9)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, initial_accumulator_value=0.2, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.1, maximize=True)),
]


GRADS = [(RNG.standard_normal((3, 4)).astype(np.float32), RNG.standard_normal((3,)).astype(np.float32))
         for _ in range(20)]

# Two ways to drive the 20 steps, so that tolerances stay at rtol 1e-5 / atol 1e-6:
#  * "float64-loss": float64 parameters, gradients from the same loss in each library. (With float32 the
#    one-ulp differences between torch's and our forward/backward get amplified by Adam-style normalisation
#    wherever a gradient entry is close to zero; in float64 they are far below the tolerance.)
#  * "float32-grads": float32 parameters (torch's usual dtypes for every state entry), the same gradient
#    sequence written into `.grad` of both, so only the optimizers differ.
MODES = [("float64-loss", False), ("float64-loss", True), ("float32-grads", False)]


@pytest.mark.parametrize("mode,groups", MODES, ids=["f64_loss", "f64_loss_per_group_lr", "f32_grads"])
@pytest.mark.parametrize("name,kw", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_matches_torch(name, kw, mode, groups):
    dtype = np.float64 if mode == "float64-loss" else np.float32
    t_params, t_opt = _build(torch, torch.nn, name, kw, groups, dtype)
    j_params, j_opt = _build(jaxtorch, jaxtorch.nn, name, kw, groups, dtype)
    for step in range(20):
        if step == 10:  # a changed lr takes effect at the next step (and must not be baked in)
            for opt in (t_opt, j_opt):
                opt.param_groups[0]["lr"] *= 0.5
        for lib, params, opt in ((torch, t_params, t_opt), (jaxtorch, j_params, j_opt)):
            opt.zero_grad()
            if mode == "float64-loss":
                _loss(lib, *params).backward()
            else:
                for p, g in zip(params, GRADS[step]):
                    p.grad = lib.tensor(g)
            opt.step()
        _compare_state(t_opt, j_opt, t_params, j_params, f"{name} step {step}")


def test_step_returns_closure_loss_and_skips_params_without_grad():
    w, b = _params(jaxtorch, jaxtorch.nn)
    opt = jaxtorch.optim.Adam([w, b], lr=0.1)
    before = to_np(b).copy()

    def closure():
        opt.zero_grad()
        loss = ((jaxtorch.tensor(X) @ w.t()) ** 2).mean()  # b gets no gradient
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert isinstance(loss, jaxtorch.Tensor) and loss.requires_grad
    assert b not in opt.state and w in opt.state  # torch skips parameters without .grad
    np.testing.assert_array_equal(to_np(b), before)
    assert opt.state[w]["step"].dtype == jaxtorch.float32 and opt.state[w]["step"].shape == ()


def test_state_objects_updated_in_place():
    (w, b), opt = _build(jaxtorch, jaxtorch.nn, "Adam", dict(lr=0.1), False)
    _loss(jaxtorch, w, b).backward()
    opt.step()
    exp_avg, version = opt.state[w]["exp_avg"], w._version
    _loss(jaxtorch, w, b).backward()
    opt.step()
    assert opt.state[w]["exp_avg"] is exp_avg and w._version > version


def test_zero_grad():
    (w, b), opt = _build(jaxtorch, jaxtorch.nn, "SGD", dict(lr=0.1), False)
    _loss(jaxtorch, w, b).backward()
    g = w.grad
    opt.zero_grad(set_to_none=False)
    assert w.grad is g and not to_np(g).any()
    opt.zero_grad()
    assert w.grad is None and b.grad is None


def _torch_sd_to_ours(sd):
    def conv(v):
        if isinstance(v, torch.Tensor):
            return jaxtorch.tensor(v.numpy())
        if isinstance(v, dict):
            return {k: conv(x) for k, x in v.items()}
        return copy.deepcopy(v)
    return {"state": conv(sd["state"]), "param_groups": copy.deepcopy(sd["param_groups"])}


def _our_sd_to_torch(sd):
    def conv(v):
        if isinstance(v, jaxtorch.Tensor):
            return torch.from_numpy(np.array(to_np(v)))
        if isinstance(v, dict):
            return {k: conv(x) for k, x in v.items()}
        return copy.deepcopy(v)
    return {"state": conv(sd["state"]), "param_groups": copy.deepcopy(sd["param_groups"])}


def _structure(sd):
    return ({k: {n: (type(v).__name__, tuple(getattr(v, "shape", ()))) for n, v in s.items()}
             for k, s in sd["state"].items()}, sd["param_groups"])


@pytest.mark.parametrize("name,kw", [("SGD", dict(lr=0.05, momentum=0.9)), ("Adam", dict(lr=0.05, amsgrad=True)),
                                     ("NAdam", dict(lr=0.05)), ("RMSprop", dict(lr=0.01, centered=True,
                                                                                momentum=0.5)),
                                     ("Adagrad", dict(lr=0.1))])
def test_state_dict_round_trips_with_torch(name, kw):
    t_params, t_opt = _build(torch, torch.nn, name, kw, True)
    j_params, j_opt = _build(jaxtorch, jaxtorch.nn, name, kw, True)
    for lib, params, opt in ((torch, t_params, t_opt), (jaxtorch, j_params, j_opt)):
        for _ in range(3):
            opt.zero_grad()
            _loss(lib, *params).backward()
            opt.step()
    t_sd, j_sd = t_opt.state_dict(), j_opt.state_dict()
    assert _structure(_torch_sd_to_ours(t_sd)) == _structure(j_sd)

    # ours -> a fresh torch optimizer, torch's -> a fresh one of ours; both continue like the originals
    t2_params, t2_opt = _build(torch, torch.nn, name, kw, True)
    j2_params, j2_opt = _build(jaxtorch, jaxtorch.nn, name, kw, True)
    with torch.no_grad():
        for p, q in zip(t2_params, j_params):
            p.copy_(torch.from_numpy(to_np(q).copy()))
    with jaxtorch.no_grad():
        for p, q in zip(j2_params, t_params):
            p.copy_(jaxtorch.tensor(q.detach().numpy()))
    t2_opt.load_state_dict(_our_sd_to_torch(j_sd))
    j2_opt.load_state_dict(_torch_sd_to_ours(t_sd))
    assert j2_opt.param_groups[1]["lr"] == t_opt.param_groups[1]["lr"]
    for step in range(5):
        for lib, params, opt in ((torch, t_params, t_opt), (jaxtorch, j_params, j_opt), (torch, t2_params, t2_opt),
                                 (jaxtorch, j2_params, j2_opt)):
            opt.zero_grad()
            _loss(lib, *params).backward()
            opt.step()
        _compare_state(t_opt, j2_opt, t_params, j2_params, f"torch sd -> ours, step {step}")
        _compare_state(t2_opt, j_opt, t2_params, j_params, f"our sd -> torch, step {step}")


def test_load_state_dict_errors():
    (w, b), opt = _build(jaxtorch, jaxtorch.nn, "Adam", dict(lr=0.1), True)
    (w2, b2), single = _build(jaxtorch, jaxtorch.nn, "Adam", dict(lr=0.1), False)
    with pytest.raises(ValueError, match="^loaded state dict has a different number of parameter groups$"):
        opt.load_state_dict(single.state_dict())
    sd = opt.state_dict()
    sd["param_groups"][1]["params"] = [1, 2]
    with pytest.raises(ValueError, match="^loaded state dict contains a parameter group that doesn't match the size "
                                         "of optimizer's group$"):
        opt.load_state_dict(sd)


def test_add_param_group_and_hooks():
    w, b = _params(jaxtorch, jaxtorch.nn)
    tw, tb = _params(torch, torch.nn)
    opt = jaxtorch.optim.SGD([w], lr=0.1, momentum=0.9)
    t_opt = torch.optim.SGD([tw], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": b, "lr": 0.01})
    t_opt.add_param_group({"params": tb, "lr": 0.01})
    assert [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups] == \
        [{k: v for k, v in g.items() if k != "params"} for g in t_opt.param_groups]
    calls = []
    h1 = opt.register_step_pre_hook(lambda o, a, k: calls.append("pre"))
    opt.register_step_post_hook(lambda o, a, k: calls.append("post"))
    _loss(jaxtorch, w, b).backward()
    opt.step()
    h1.remove()
    opt.step()
    assert calls == ["pre", "post", "post"]
    assert repr(opt) == repr(t_opt)


def _user_optimizers(lib):
    """Optimizers written by a user against torch's base class: no step of its own, its own step, and a
    subclass of a built-in optimizer that inherits step()."""

    class NoStep(lib.optim.Optimizer):
        pass

    class PlainSGD(lib.optim.Optimizer):
        def __init__(self, params, lr):
            super().__init__(params, dict(lr=lr))

        def step(self, closure=None):
            with lib.no_grad():
                for group in self.param_groups:
                    for p in group["params"]:
                        if p.grad is not None:
                            p.add_(p.grad, alpha=-group["lr"])

    class MyAdam(lib.optim.Adam):
        pass

    return NoStep, PlainSGD, MyAdam


@pytest.mark.parametrize("which", ["PlainSGD", "MyAdam"])
def test_user_subclasses_step_and_run_hooks_like_torch(which):
    results = {}
    for lib in (torch, jaxtorch):
        no_step, plain, my_adam = _user_optimizers(lib)
        w, b = _params(lib, lib.nn)
        with pytest.raises(NotImplementedError):
            no_step([w], {}).step()
        opt = (plain if which == "PlainSGD" else my_adam)([w, b], lr=0.1)
        calls = []
        opt.register_step_pre_hook(lambda o, a, k: calls.append("pre"))
        opt.register_step_post_hook(lambda o, a, k: calls.append("post"))
        for _ in range(3):
            opt.zero_grad()
            _loss(lib, w, b).backward()
            opt.step()
        results[lib] = (w, b, calls)
    assert results[jaxtorch][2] == results[torch][2] == ["pre", "post"] * 3
    for t, j in zip(results[torch][:2], results[jaxtorch][:2]):
        assert_close(t, j, what=which)


def _torch_error(fn):
    with pytest.raises(Exception) as info:
        fn(torch)
    return info.type, str(info.value)


BAD = [
    lambda lib: lib.optim.SGD([lib.nn.Parameter(lib.zeros(2))], lr=-0.1),
    lambda lib: lib.optim.SGD([lib.nn.Parameter(lib.zeros(2))], lr=0.1, momentum=-1),
    lambda lib: lib.optim.SGD([lib.nn.Parameter(lib.zeros(2))], lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
    lambda lib: lib.optim.SGD([lib.nn.Parameter(lib.zeros(2))], lr=0.1, nesterov=True),
    lambda lib: lib.optim.Adam([lib.nn.Parameter(lib.zeros(2))], betas=(1.0, 0.999)),
    lambda lib: lib.optim.Adam([lib.nn.Parameter(lib.zeros(2))], betas=(0.9, -0.1)),
    lambda lib: lib.optim.AdamW([lib.nn.Parameter(lib.zeros(2))], eps=-1e-8),
    lambda lib: lib.optim.Adam([lib.nn.Parameter(lib.zeros(2))], weight_decay=-1),
    lambda lib: lib.optim.NAdam([lib.nn.Parameter(lib.zeros(2))], momentum_decay=-1),
    lambda lib: lib.optim.RMSprop([lib.nn.Parameter(lib.zeros(2))], alpha=-1),
    lambda lib: lib.optim.Adagrad([lib.nn.Parameter(lib.zeros(2))], lr_decay=-1),
    lambda lib: lib.optim.Adagrad([lib.nn.Parameter(lib.zeros(2))], initial_accumulator_value=-1),
    lambda lib: lib.optim.Adadelta([lib.nn.Parameter(lib.zeros(2))], rho=1.5),
    lambda lib: lib.optim.Adamax([lib.nn.Parameter(lib.zeros(2))], lr=-1),
    lambda lib: lib.optim.RAdam([lib.nn.Parameter(lib.zeros(2))], betas=(0.9, 1.0)),
    lambda lib: lib.optim.SGD([], lr=0.1),
    lambda lib: lib.optim.SGD(lib.zeros(2), lr=0.1),
    lambda lib: lib.optim.SGD([1.0], lr=0.1),
    lambda lib: lib.optim.SGD((lambda p: [{"params": [p]}, {"params": [p]}])(lib.nn.Parameter(lib.zeros(2))),
                              lr=0.1),
    lambda lib: lib.optim.SGD([lib.nn.Parameter(lib.zeros(2)) * 2], lr=0.1),
    lambda lib: lib.optim.SGD([{"params": {lib.nn.Parameter(lib.zeros(2))}}], lr=0.1),
]


@pytest.mark.parametrize("make", BAD, ids=[str(i) for i in range(len(BAD))])
def test_bad_arguments_raise_like_torch(make):
    t_type, t_msg = _torch_error(make)
    with pytest.raises(t_type) as info:
        make(jaxtorch)
    assert str(info.value) == t_msg


def test_optimizer_pickles():
    (w, b), opt = _build(jaxtorch, jaxtorch.nn, "Adam", dict(lr=0.1), False)
    _loss(jaxtorch, w, b).backward()
    opt.step()
    state = pickle.loads(pickle.dumps(opt.state_dict()))
    assert set(state["state"][0]) == {"step", "exp_avg", "exp_avg_sq"}


# ---------------------------------------------------------------------- LBFGS
# Rosenbrock is run in float64: in float32 its ill-conditioning turns one-ulp differences between torch's and
# our loss/gradient arithmetic into visibly different iterates after a few steps, for any implementation.
@pytest.mark.parametrize("line_search_fn,lr", [(None, 0.5), ("strong_wolfe", 1.0)])
def test_lbfgs_rosenbrock_matches_torch(line_search_fn, lr):
    runs = []
    for lib in (torch, jaxtorch):
        p = lib.nn.Parameter(lib.tensor(np.array([-1.5, 2.0])))
        opt = lib.optim.LBFGS([p], lr=lr, history_size=5, max_iter=10, line_search_fn=line_search_fn)

        def closure(p=p, opt=opt):
            opt.zero_grad()
            loss = (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2
            loss.backward()
            return loss

        seq = []
        for _ in range(6):
            loss = opt.step(closure)
            st = opt.state[p]
            seq.append((float(loss.detach()), to_np(p).copy(), st["func_evals"], st["n_iter"], len(st["old_dirs"])))
        runs.append((seq, list(opt.state[p].keys())))
    (t_seq, t_keys), (j_seq, j_keys) = runs
    assert j_keys == t_keys
    for t, j in zip(t_seq, j_seq):
        np.testing.assert_allclose(j[0], t[0], rtol=1e-5, atol=1e-8)
        np.testing.assert_allclose(j[1], t[1], rtol=1e-5, atol=1e-8)
        assert j[2:] == t[2:]  # same number of closure evaluations, iterations and stored pairs


def test_lbfgs_float32_least_squares_matches_torch():
    out = []
    for lib in (torch, jaxtorch):
        (w, b) = _params(lib, lib.nn)
        opt = lib.optim.LBFGS([w, b], history_size=4, max_iter=3, line_search_fn="strong_wolfe")

        def closure(w=w, b=b, opt=opt, lib=lib):
            opt.zero_grad()
            loss = _loss(lib, w, b)
            loss.backward()
            return loss

        opt.step(closure)
        out.append((w, b))
    # float32: differences of a few ulps in each loss/gradient evaluation feed the line search's cubic fits,
    # so a looser tolerance than elsewhere (the float64 Rosenbrock test above checks the algorithm tightly)
    assert_close(out[0][0], out[1][0], rtol=1e-4, atol=1e-5)
    assert_close(out[0][1], out[1][1], rtol=1e-4, atol=1e-5)


def test_lbfgs_rejects_param_groups():
    for lib in (torch, jaxtorch):
        with pytest.raises(ValueError, match=r"^LBFGS doesn't support per-parameter options \(parameter groups\)$"):
            lib.optim.LBFGS([{"params": [lib.nn.Parameter(lib.zeros(2))]},
                             {"params": [lib.nn.Parameter(lib.zeros(2))]}])


@pytest.mark.parametrize("name,kw", [("Adam", dict(lr=0.1, amsgrad=True)), ("SGD", dict(lr=0.1, momentum=0.9)),
                                     ("NAdam", dict(lr=0.1)), ("RMSprop", dict(lr=0.1, centered=True))])
def test_step_runs_under_jit_tracing(name, kw):
    """The same step() with tracer payloads (what compile will do) gives the eager result."""
    import jax

    (w, b), opt = _build(jaxtorch, jaxtorch.nn, name, kw, False)
    _loss(jaxtorch, w, b).backward()
    opt.step()  # state now exists with its final structure
    w2, b2, opt2 = copy.deepcopy((w, b, opt))
    cells = [w, b, w.grad, b.grad] + [v for p in (w, b) for v in opt.state[p].values()]
    cells2 = [w2, b2, w2.grad, b2.grad] + [v for p in (w2, b2) for v in opt2.state[p].values()]

    def pure(arrays):
        saved = [c._data for c in cells]
        for c, a in zip(cells, arrays):
            c._data = a
        try:
            opt.step()
            return [c._data for c in cells]
        finally:
            for c, a in zip(cells, saved):
                c._data = a

    traced = jax.jit(pure)([c._data for c in cells])
    opt2.step()
    for c2, a in zip(cells2, traced):
        np.testing.assert_allclose(np.asarray(a), to_np(c2), rtol=1e-6, atol=1e-7)


ALL_NAMES = sorted({n for n, _ in CASES})


@pytest.mark.parametrize("name", ALL_NAMES)
def test_zero_weight_decay_leaves_the_param_out_of_the_gradient(name):
    # torch adds weight_decay * param only when weight_decay != 0: an inf entry then stays inf (0 * inf
    # would make it nan) and the update never reads the param for decay
    out = []
    for lib in (torch, jaxtorch):
        w = lib.nn.Parameter(lib.tensor(np.array([1.0, np.inf, -2.0], np.float32)))
        opt = getattr(lib.optim, name)([w], lr=0.1, weight_decay=0)
        for _ in range(2):
            w.grad = lib.tensor(np.array([0.5, 0.25, -1.0], np.float32))
            opt.step()
        out.append(w)
    assert np.isinf(to_np(out[1])[1])
    assert_close(out[0], out[1], what=f"{name} param after two steps")


@pytest.mark.parametrize("name", ["SGD", "Adam", "Adadelta", "RMSprop"])
def test_compiled_step_follows_weight_decay_and_maximize_switches(name):
    # switches that change the traced update (decay on / off, maximize) retrace; the values match torch
    params, opts, steps = {}, {}, {}
    for lib in (torch, jaxtorch):
        (w, b), opt = _build(lib, lib.nn, name, dict(lr=0.05), groups=False)

        def step(lib=lib, w=w, b=b, opt=opt):
            opt.zero_grad()
            _loss(lib, w, b).backward()
            opt.step()

        params[lib], opts[lib] = (w, b), opt
        steps[lib] = jaxtorch.compile(step) if lib is jaxtorch else step
    for i, change in enumerate([None, None, ("weight_decay", 0.1), None, ("maximize", True),
                                ("weight_decay", 0.0), None, ("weight_decay", 0.2)]):
        for lib in (torch, jaxtorch):
            if change is not None:
                opts[lib].param_groups[0][change[0]] = change[1]
            steps[lib]()
        for tp, jp in zip(params[torch], params[jaxtorch]):
            assert_close(tp, jp, what=f"{name} step {i} after {change}")
