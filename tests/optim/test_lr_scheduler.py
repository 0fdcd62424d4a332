"""jaxtorch.optim.lr_scheduler against torch's: lr (and momentum) sequences, state dicts, warnings, errors."""

from __future__ import annotations

import warnings

import pytest
import torch

import jaxtorch


def _optimizer(lib, kind="SGD"):
    p1, p2 = lib.nn.Parameter(lib.zeros(2)), lib.nn.Parameter(lib.zeros(3))
    groups = [{"params": [p1]}, {"params": [p2], "lr": 0.5}]
    if kind == "Adam":
        return lib.optim.Adam(groups, lr=0.1)
    return lib.optim.SGD(groups, lr=0.1, momentum=0.9)


def _mult(epoch):
    return 0.9 if epoch % 3 else 1.1


SCHEDULERS = {
    "LambdaLR": lambda lib, o: lib.optim.lr_scheduler.LambdaLR(o, lambda e: 0.95 ** e),
    "LambdaLR-list": lambda lib, o: lib.optim.lr_scheduler.LambdaLR(o, [lambda e: 1 / (e + 1), lambda e: 0.9 ** e]),
    "MultiplicativeLR": lambda lib, o: lib.optim.lr_scheduler.MultiplicativeLR(o, _mult),
    "StepLR": lambda lib, o: lib.optim.lr_scheduler.StepLR(o, step_size=4, gamma=0.5),
    "MultiStepLR": lambda lib, o: lib.optim.lr_scheduler.MultiStepLR(o, milestones=[3, 7, 7, 20], gamma=0.3),
    "ConstantLR": lambda lib, o: lib.optim.lr_scheduler.ConstantLR(o, factor=0.25, total_iters=6),
    "LinearLR": lambda lib, o: lib.optim.lr_scheduler.LinearLR(o, start_factor=0.2, end_factor=0.9, total_iters=11),
    "ExponentialLR": lambda lib, o: lib.optim.lr_scheduler.ExponentialLR(o, gamma=0.87),
    "CosineAnnealingLR": lambda lib, o: lib.optim.lr_scheduler.CosineAnnealingLR(o, T_max=7, eta_min=0.01),
    "CosineAnnealingWarmRestarts": lambda lib, o: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(
        o, T_0=3, T_mult=2, eta_min=0.001),
    "CyclicLR": lambda lib, o: lib.optim.lr_scheduler.CyclicLR(o, base_lr=0.01, max_lr=[0.1, 0.3], step_size_up=4,
                                                              step_size_down=3),
    "CyclicLR-tri2": lambda lib, o: lib.optim.lr_scheduler.CyclicLR(o, 0.01, 0.1, step_size_up=3,
                                                                   mode="triangular2"),
    "CyclicLR-exp": lambda lib, o: lib.optim.lr_scheduler.CyclicLR(o, 0.01, 0.1, step_size_up=5, mode="exp_range",
                                                                  gamma=0.97),
    "OneCycleLR": lambda lib, o: lib.optim.lr_scheduler.OneCycleLR(o, max_lr=[1.0, 2.0], total_steps=31),
    "OneCycleLR-3phase-linear": lambda lib, o: lib.optim.lr_scheduler.OneCycleLR(
        o, max_lr=0.5, epochs=4, steps_per_epoch=8, three_phase=True, anneal_strategy="linear"),
    "PolynomialLR": lambda lib, o: lib.optim.lr_scheduler.PolynomialLR(o, total_iters=12, power=2.0),
    "SequentialLR": lambda lib, o: lib.optim.lr_scheduler.SequentialLR(
        o, [lib.optim.lr_scheduler.LinearLR(o, start_factor=0.1, total_iters=5),
            lib.optim.lr_scheduler.ExponentialLR(o, gamma=0.9),
            lib.optim.lr_scheduler.CosineAnnealingLR(o, T_max=6)], milestones=[5, 15]),
    "ChainedScheduler": lambda lib, o: lib.optim.lr_scheduler.ChainedScheduler(
        [lib.optim.lr_scheduler.ConstantLR(o, factor=0.5, total_iters=4),
         lib.optim.lr_scheduler.ExponentialLR(o, gamma=0.9)]),
}


def _run(lib, name, kind, steps=30):
    opt = _optimizer(lib, kind)
    sched = SCHEDULERS[name](lib, opt)
    seen = [(sched.get_last_lr(), [g.get("momentum", g.get("betas")) for g in opt.param_groups])]
    for _ in range(steps):
        opt.step()
        sched.step()
        seen.append((sched.get_last_lr(), [g.get("momentum", g.get("betas")) for g in opt.param_groups]))
    return opt, sched, seen


@pytest.mark.parametrize("kind", ["SGD", "Adam"])
@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_lr_sequence_matches_torch(name, kind):
    t_opt, _, t_seen = _run(torch, name, kind)
    j_opt, _, j_seen = _run(jaxtorch, name, kind)
    assert j_seen == t_seen  # exact: the same float arithmetic in the same order
    assert [g["lr"] for g in j_opt.param_groups] == [g["lr"] for g in t_opt.param_groups]
    assert [g.get("initial_lr") for g in j_opt.param_groups] == [g.get("initial_lr") for g in t_opt.param_groups]


@pytest.mark.parametrize("mode,threshold_mode,cooldown", [("min", "rel", 0), ("max", "abs", 2), ("min", "abs", 1)])
def test_reduce_lr_on_plateau(mode, threshold_mode, cooldown):
    metrics = [1.0, 0.9, 0.9, 0.95, 0.9, 0.89995, 0.8, 0.8, 0.81, 0.82, 0.83, 0.7] * 3
    out = []
    for lib in (torch, jaxtorch):
        opt = _optimizer(lib)
        sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, mode=mode, factor=0.5, patience=1,
                                                          threshold=0.01, threshold_mode=threshold_mode,
                                                          cooldown=cooldown, min_lr=[0.0, 0.05])
        seq = []
        for m in metrics:
            opt.step()
            sched.step(lib.tensor(m))  # a 0-d float32 tensor metric, as a loss would be
            seq.append((sched.get_last_lr(), sched.num_bad_epochs, sched.best, sched.cooldown_counter))
        out.append(seq)
    assert out[0] == out[1]


@pytest.mark.parametrize("name", ["StepLR", "MultiStepLR", "ConstantLR", "LinearLR", "ExponentialLR",
                                  "CosineAnnealingLR", "PolynomialLR", "CosineAnnealingWarmRestarts"])
def test_closed_form_with_epoch_argument(name):
    out = []
    for lib in (torch, jaxtorch):
        opt = _optimizer(lib)
        sched = SCHEDULERS[name](lib, opt)
        seq = []
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for epoch in [1, 2, 5, 3, 8, 13, 21]:
                opt.step()
                sched.step(epoch)
                seq.append(sched.get_last_lr())
        seq.append(sorted({str(w.message) for w in caught}))
        out.append(seq)
    assert out[0] == out[1]


@pytest.mark.parametrize("name", ["LambdaLR", "StepLR", "CosineAnnealingLR", "CyclicLR", "OneCycleLR",
                                  "SequentialLR", "ChainedScheduler", "CosineAnnealingWarmRestarts"])
def test_state_dict_resumes(name):
    _, t_sched, _ = _run(torch, name, "SGD", steps=10)
    _, j_sched, _ = _run(jaxtorch, name, "SGD", steps=10)
    sd = j_sched.state_dict()
    t_keys = set(t_sched.state_dict())
    assert set(sd) == t_keys - {"_scale_fn_ref"}
    opt = _optimizer(jaxtorch)
    fresh = SCHEDULERS[name](jaxtorch, opt)
    fresh.load_state_dict(sd)
    for g, lr in zip(opt.param_groups, j_sched.get_last_lr()):
        g["lr"] = lr  # the optimizer's own state dict would carry this
    for _ in range(10):
        for o, s in ((t_sched.optimizer, t_sched), (opt, fresh)):
            o.step()
            s.step()
        assert fresh.get_last_lr() == t_sched.get_last_lr()


def _warning_texts(lib, order):
    opt = _optimizer(lib)
    sched = lib.optim.lr_scheduler.StepLR(opt, step_size=2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for call in order:
            (opt.step if call == "opt" else sched.step)()
        sched.get_lr()
    return [str(w.message) for w in caught]


@pytest.mark.parametrize("order", [["sched", "opt"], ["opt", "sched"]])
def test_warnings_match_torch(order):
    assert _warning_texts(jaxtorch, order) == _warning_texts(torch, order)


def test_overridden_optimizer_step_warns():
    out = []
    for lib in (torch, jaxtorch):
        opt = _optimizer(lib)
        sched = lib.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
        opt.step = lambda: None
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            sched.step()
        out.append([str(w.message) for w in caught])
    assert out[0] == out[1] and out[0]


BAD = [
    lambda lib, o: lib.optim.lr_scheduler.StepLR(object(), 3),
    lambda lib, o: lib.optim.lr_scheduler.ConstantLR(o, factor=2.0),
    lambda lib, o: lib.optim.lr_scheduler.LinearLR(o, start_factor=0),
    lambda lib, o: lib.optim.lr_scheduler.LinearLR(o, end_factor=1.5),
    lambda lib, o: lib.optim.lr_scheduler.LambdaLR(o, [lambda e: 1.0]),
    lambda lib, o: lib.optim.lr_scheduler.MultiplicativeLR(o, [1.0, 2.0]),
    lambda lib, o: lib.optim.lr_scheduler.StepLR(o, 3, last_epoch=4),
    lambda lib, o: lib.optim.lr_scheduler.ReduceLROnPlateau(o, factor=1.0),
    lambda lib, o: lib.optim.lr_scheduler.ReduceLROnPlateau(o, mode="avg"),
    lambda lib, o: lib.optim.lr_scheduler.ReduceLROnPlateau(o, min_lr=[0.1]),
    lambda lib, o: lib.optim.lr_scheduler.CyclicLR(o, 0.1, [0.1, 0.2, 0.3]),
    lambda lib, o: lib.optim.lr_scheduler.CyclicLR(o, 0.1, 1.0, mode="sine"),
    lambda lib, o: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=0),
    lambda lib, o: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0),
    lambda lib, o: lib.optim.lr_scheduler.OneCycleLR(o, 1.0),
    lambda lib, o: lib.optim.lr_scheduler.OneCycleLR(o, 1.0, total_steps=10, pct_start=1.5),
    lambda lib, o: lib.optim.lr_scheduler.OneCycleLR(o, 1.0, total_steps=10, anneal_strategy="exp"),
    lambda lib, o: lib.optim.lr_scheduler.SequentialLR(o, [], milestones=[]),
    lambda lib, o: lib.optim.lr_scheduler.SequentialLR(
        o, [lib.optim.lr_scheduler.ExponentialLR(o, 0.9)], milestones=[3]),
    lambda lib, o: lib.optim.lr_scheduler.ChainedScheduler([lib.optim.lr_scheduler.ReduceLROnPlateau(o)]),
]


@pytest.mark.parametrize("make", BAD, ids=[str(i) for i in range(len(BAD))])
def test_bad_arguments_raise_like_torch(make):
    with pytest.raises(Exception) as t_info:
        make(torch, _optimizer(torch))
    with pytest.raises(t_info.type) as j_info:
        make(jaxtorch, _optimizer(jaxtorch))
    assert str(j_info.value) == str(t_info.value)


def test_one_cycle_too_many_steps():
    for lib in (torch, jaxtorch):
        opt = _optimizer(lib)
        sched = lib.optim.lr_scheduler.OneCycleLR(opt, 1.0, total_steps=3)
        for _ in range(3):
            opt.step()
            sched.step()
        with pytest.raises(ValueError, match="^Tried to step 4 times. The specified number of total steps is 3$"):
            sched.step()
