"""Lazy modules, AdaptiveLogSoftmaxWithLoss, ChannelShuffle and CrossMapLRN2d against real torch."""

from __future__ import annotations

import copy
import math
import pickle

import numpy as np
import pytest
import torch

import jaxtorch
from _module_oracle import check_state_dict, copy_state, run_module, to_jt
from helpers import assert_close, to_np

# XLA's CPU convolution sums in a different order from torch's (see CONV_TOL in test_conv_pool.py)
CONV_TOL = {"rtol": 1e-4, "atol": 1e-5, "grad_rtol": 1e-4, "grad_atol": 1e-5}
NORM_TOL = {"rtol": 1e-5, "atol": 1e-5, "grad_rtol": 1e-4, "grad_atol": 1e-5}

LAZY_CASES = [
    ("conv1d", lambda nn: nn.LazyConv1d(4, 3), (2, 3, 7), "Conv1d", CONV_TOL),
    ("conv1d_unbatched", lambda nn: nn.LazyConv1d(4, 3, stride=2, bias=False), (3, 7), "Conv1d", CONV_TOL),
    ("conv2d", lambda nn: nn.LazyConv2d(6, (3, 2), padding=1, groups=2), (2, 4, 5, 5), "Conv2d", CONV_TOL),
    ("conv2d_reflect", lambda nn: nn.LazyConv2d(3, 3, padding=1, padding_mode="reflect"), (1, 2, 5, 4), "Conv2d",
     CONV_TOL),
    ("conv3d", lambda nn: nn.LazyConv3d(3, 2), (1, 2, 3, 4, 3), "Conv3d", CONV_TOL),
    ("convT1d", lambda nn: nn.LazyConvTranspose1d(4, 3, stride=2, groups=2), (2, 4, 5), "ConvTranspose1d",
     CONV_TOL),
    ("convT2d", lambda nn: nn.LazyConvTranspose2d(3, 2, stride=2, padding=1, output_padding=1), (2, 2, 3, 3),
     "ConvTranspose2d", CONV_TOL),
    ("convT3d", lambda nn: nn.LazyConvTranspose3d(2, 2, bias=False), (1, 3, 2, 3, 2), "ConvTranspose3d", CONV_TOL),
    ("bn1d", lambda nn: nn.LazyBatchNorm1d(), (4, 3), "BatchNorm1d", NORM_TOL),
    ("bn1d_3d", lambda nn: nn.LazyBatchNorm1d(momentum=None, bias=False), (3, 2, 5), "BatchNorm1d", NORM_TOL),
    ("bn2d", lambda nn: nn.LazyBatchNorm2d(eps=1e-3), (2, 3, 4, 4), "BatchNorm2d", NORM_TOL),
    ("bn3d", lambda nn: nn.LazyBatchNorm3d(affine=False), (2, 2, 3, 2, 3), "BatchNorm3d", NORM_TOL),
    ("in1d", lambda nn: nn.LazyInstanceNorm1d(), (2, 3, 6), "InstanceNorm1d", NORM_TOL),
    ("in2d", lambda nn: nn.LazyInstanceNorm2d(track_running_stats=False), (2, 3, 4, 4), "InstanceNorm2d", NORM_TOL),
    ("in3d", lambda nn: nn.LazyInstanceNorm3d(momentum=0.3), (2, 2, 3, 3, 2), "InstanceNorm3d", NORM_TOL),
    ("linear", lambda nn: nn.LazyLinear(3), (2, 5), "Linear", NORM_TOL),
]
IDS = [c[0] for c in LAZY_CASES]


def _x(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _uninit_state(tm, jm):
    """Before the first forward: same keys, and the same entries are uninitialised (saved as themselves)."""
    ts, js = tm.state_dict(), jm.state_dict()
    assert list(ts) == list(js)
    for k in ts:
        assert type(ts[k]).__name__ == type(js[k]).__name__, k


@pytest.mark.parametrize("name,make,shape,regular,tol", LAZY_CASES, ids=IDS)
def test_lazy_materialise_then_match(name, make, shape, regular, tol):
    tm, jm = make(torch.nn), make(jaxtorch.nn)
    assert repr(tm) == repr(jm)
    assert isinstance(jm, jaxtorch.nn.modules.lazy.LazyModuleMixin)
    assert tm.has_uninitialized_params() == jm.has_uninitialized_params()
    _uninit_state(tm, jm)
    x = _x(shape)
    tm(torch.tensor(x))
    jm(jaxtorch.tensor(x))
    # the swap to the regular class, its repr and torch's materialised shapes/dtypes
    assert type(tm).__name__ == type(jm).__name__ == regular
    assert type(jm) is getattr(jaxtorch.nn, regular)
    assert not hasattr(jm, "_initialize_hook") and not hasattr(jm, "_load_hook")
    assert repr(tm) == repr(jm)
    check_state_dict(tm, jm)
    for k, p in jm.named_parameters():
        assert type(p) is jaxtorch.nn.Parameter and p.requires_grad, k
    # after copying torch's materialised state: same outputs, input/param grads and buffers
    pair = {torch.nn: tm, jaxtorch.nn: jm}
    run_module(lambda nn: pair[nn], [_x(shape, 1)], **tol)


@pytest.mark.parametrize("name,make,shape,regular,tol", LAZY_CASES[::3], ids=IDS[::3])
def test_lazy_load_state_dict_materialises(name, make, shape, regular, tol):
    """Loading real tensors into an uninitialised lazy module materialises it with the checkpoint's shapes."""
    src = make(torch.nn)
    src(torch.tensor(_x(shape)))
    tm, jm = make(torch.nn), make(jaxtorch.nn)  # both loaded the same way (repr depends on the path)
    tm.load_state_dict(src.state_dict())
    result = jm.load_state_dict({k: to_jt(v) for k, v in src.state_dict().items()})
    assert not result.missing_keys and not result.unexpected_keys
    assert not jm.has_uninitialized_params()
    assert type(jm).__name__.startswith("Lazy")  # still lazy until its first forward
    x = _x(shape, 2)
    tx, jx = torch.tensor(x, requires_grad=True), jaxtorch.tensor(x, requires_grad=True)
    try:
        to = tm(tx)
    except ValueError as e:  # e.g. LazyInstanceNorm: num_features stays 0 on this path, so affine forward fails
        with pytest.raises(ValueError) as ei:
            jm(jx)
        assert str(ei.value) == str(e)
        return
    jo = jm(jx)
    assert type(jm).__name__ == regular
    assert_close(to, jo, tol["rtol"], tol["atol"])
    to.sum().backward()
    jo.sum().backward()
    assert_close(tx.grad, jx.grad, tol["grad_rtol"], tol["grad_atol"], what="input grad")
    for k, b in tm.named_buffers():
        assert_close(b, dict(jm.named_buffers())[k], tol["rtol"], tol["atol"], what=k)
    # torch leaves in_channels/num_features at 0 on this path (only LazyLinear re-infers); so do we
    assert repr(tm) == repr(jm)


@pytest.mark.parametrize("opt", ["sgd", "adam"])
def test_lazy_optimizer_created_after_first_forward(opt):
    def net(nn):
        # (no conv bias: batch norm cancels it, leaving a ~0 noisy gradient that Adam would blow up)
        return nn.Sequential(nn.LazyConv2d(4, 3, padding=1, bias=False), nn.LazyBatchNorm2d(), nn.ReLU(), nn.Flatten(),
                             nn.LazyLinear(3))

    tm, jm = net(torch.nn), net(jaxtorch.nn)
    assert repr(tm) == repr(jm)
    x0 = _x((2, 2, 4, 4))
    tm(torch.tensor(x0))
    jm(jaxtorch.tensor(x0))
    assert repr(tm) == repr(jm)
    copy_state(tm, jm)
    if opt == "sgd":
        topt = torch.optim.SGD(tm.parameters(), lr=0.1, momentum=0.9)
        jopt = jaxtorch.optim.SGD(jm.parameters(), lr=0.1, momentum=0.9)
    else:
        topt = torch.optim.Adam(tm.parameters(), lr=0.01)
        jopt = jaxtorch.optim.Adam(jm.parameters(), lr=0.01)
    target = np.array([0, 2])
    for step in range(3):
        x = _x((2, 2, 4, 4), 10 + step)
        for m, o, lib in ((tm, topt, torch), (jm, jopt, jaxtorch)):
            o.zero_grad()
            loss = lib.nn.functional.cross_entropy(m(lib.tensor(x)), lib.tensor(target))
            loss.backward()
            o.step()
    jp = dict(jm.named_parameters())
    for k, p in tm.named_parameters():
        # three steps of float32 training through conv + batch norm: a few ulps of drift per step
        assert_close(p, jp[k], 1e-4, 2e-5, what=k)
    for k, b in tm.named_buffers():
        assert_close(b, dict(jm.named_buffers())[k], 1e-4, 2e-5, what=k)


def test_lazy_init_statistics():
    # materialised conv weight: kaiming_uniform(a=sqrt(5)) == U(+-1/sqrt(fan_in)), fan_in = 8*3*3 = 72
    jaxtorch.manual_seed(0)
    m = jaxtorch.nn.LazyConv2d(64, 3)
    m(jaxtorch.zeros(1, 8, 3, 3))
    w, b = to_np(m.weight), to_np(m.bias)
    bound = 1 / math.sqrt(72)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.05 * bound and abs(w.mean()) < 0.05 * bound
    assert np.abs(b).max() <= bound
    # transposed: fan_in = (out/groups) * k = 8 * 9
    mt = jaxtorch.nn.LazyConvTranspose2d(8, 3)
    mt(jaxtorch.zeros(1, 64, 2, 2))
    assert tuple(mt.weight.shape) == (64, 8, 3, 3) and np.abs(to_np(mt.weight)).max() <= bound
    # norms: weight 1, bias 0, running stats 0/1 before the first update (eval mode does not update)
    bn = jaxtorch.nn.LazyBatchNorm1d().eval()
    bn(jaxtorch.zeros(2, 5))
    assert np.all(to_np(bn.weight) == 1) and np.all(to_np(bn.bias) == 0)
    assert np.all(to_np(bn.running_mean) == 0) and np.all(to_np(bn.running_var) == 1)
    assert int(bn.num_batches_tracked) == 0
    # reproducible under manual_seed
    jaxtorch.manual_seed(3)
    a = jaxtorch.nn.LazyLinear(4)
    a(jaxtorch.zeros(1, 6))
    jaxtorch.manual_seed(3)
    b2 = jaxtorch.nn.LazyLinear(4)
    b2(jaxtorch.zeros(1, 6))
    np.testing.assert_array_equal(to_np(a.weight), to_np(b2.weight))


def test_lazy_dtype_conversion_before_forward():
    for lib in (torch, jaxtorch):
        m = lib.nn.LazyBatchNorm1d().double()
        assert m.running_mean.dtype == lib.float64 and m.weight.dtype == lib.float64
        m(lib.zeros(3, 2, dtype=lib.float64))
        assert m.running_mean.dtype == lib.float64 and m.weight.dtype == lib.float64
    jm = jaxtorch.nn.LazyLinear(2, dtype=jaxtorch.float64)
    jm(jaxtorch.zeros(1, 3, dtype=jaxtorch.float64))
    assert jm.weight.dtype == jaxtorch.float64


def test_uninitialized_tensors():
    for lib in (torch, jaxtorch):
        p, b = lib.nn.UninitializedParameter(), lib.nn.UninitializedBuffer()
        assert repr(p) == "<UninitializedParameter>" and repr(b) == "<UninitializedBuffer>"
        assert p.requires_grad and not b.requires_grad and b.persistent
        assert tuple(p.size()) == (0,) and p.dtype == lib.float32
        assert lib.nn.parameter.is_lazy(p) and lib.nn.parameter.is_lazy(b)
        assert not lib.nn.parameter.is_lazy(lib.nn.Parameter(lib.zeros(1)))
        with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized parameter or buffer"):
            p.shape
        with pytest.raises(ValueError, match="Attempted to use an uninitialized parameter in .*"
                                             "torch.nn.parameter.UninitializedParameter"):
            p + 1
        with pytest.raises(ValueError, match="Attempted to use an uninitialized parameter in .*UninitializedBuffer"):
            lib.sum(b)
        with pytest.raises(ValueError, match="Attempted to use an uninitialized parameter in <method 'dim'"):
            p.dim()
        with pytest.raises(RuntimeError, match="Can't share memory on an uninitialized parameter or buffer"):
            p.share_memory_()
        q = copy.deepcopy(p)
        assert type(q) is type(p) and q is not p
        r = pickle.loads(pickle.dumps(b))
        assert type(r).__name__ == "UninitializedBuffer"
        p.materialize((2, 3))
        assert type(p) is lib.nn.Parameter and tuple(p.shape) == (2, 3) and p.requires_grad
        b.materialize((4,), dtype=lib.float64)
        assert type(b) is lib.Tensor and b.dtype == lib.float64 and tuple(b.shape) == (4,)


def _err(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return type(e), str(e)
    return None, None


def test_lazy_state_dict_errors_match_torch():
    def scenarios(lib):
        nn = lib.nn
        return {
            # an uninitialised state_dict into a regular module: shape access fails (not a load error)
            "uninit_into_init": lambda: nn.Linear(2, 3).load_state_dict(nn.LazyLinear(3).state_dict()),
            "lazy_into_lazy": lambda: str(nn.LazyLinear(3).load_state_dict(nn.LazyLinear(3).state_dict())),
            "missing_bias": lambda: nn.LazyLinear(3).load_state_dict(nn.LazyLinear(3, bias=False).state_dict()),
            "bn_into_lazy": lambda: nn.LazyBatchNorm1d().load_state_dict(nn.BatchNorm1d(4).state_dict()),
            "size_mismatch": lambda: nn.LazyConv1d(4, 3).load_state_dict(
                {"weight": lib.zeros(4, 2, 3), "bias": lib.zeros(5)}),
        }

    for key in scenarios(torch):
        te, tmsg = _err(scenarios(torch)[key])
        je, jmsg = _err(scenarios(jaxtorch)[key])
        assert te is je, (key, te, je, jmsg)
        assert tmsg == jmsg, key


def test_lazy_forward_errors_match_torch():
    def scenarios(lib):
        nn = lib.nn

        def partial_linear():
            m = nn.LazyLinear(3)
            m.load_state_dict({"weight": lib.zeros(3, 2)}, strict=False)
            m(lib.zeros(2, 2))

        def partial_conv():
            m = nn.LazyConv2d(4, 3)
            m.load_state_dict({"weight": lib.zeros(4, 2, 3, 3)}, strict=False)
            m(lib.zeros(1, 2, 5, 5))

        def wrong_in_features():
            m = nn.LazyLinear(3)
            m.load_state_dict({"weight": lib.zeros(3, 2), "bias": lib.zeros(3)})
            m(lib.zeros(2, 5))

        return {
            "groups": lambda: nn.LazyConv2d(4, 3, groups=2)(lib.zeros(1, 3, 5, 5)),
            "conv_rank": lambda: nn.LazyConv2d(4, 3)(lib.zeros(5, 5)),
            "convT_rank": lambda: nn.LazyConvTranspose3d(4, 3)(lib.zeros(1, 2, 3, 3, 3, 3)),
            "bn_rank": lambda: nn.LazyBatchNorm2d()(lib.zeros(3, 4)),
            "in_unbatched_affine": lambda: nn.LazyInstanceNorm1d()(lib.zeros(3, 5)),
            "partial_linear": partial_linear,
            "partial_conv": partial_conv,
            "wrong_in_features": wrong_in_features,
            "padding_mode": lambda: nn.LazyConvTranspose2d(4, 3, padding_mode="reflect"),
            "base_mixin": lambda: nn.modules.lazy.LazyModuleMixin.initialize_parameters(nn.LazyLinear(2)),
        }

    for key in scenarios(torch):
        te, tmsg = _err(scenarios(torch)[key])
        je, jmsg = _err(scenarios(jaxtorch)[key])
        assert te is not None and te.__name__ == je.__name__, (key, te, je, jmsg)
        assert tmsg.replace("torch.Size", "") == jmsg.replace("torch.Size", ""), key


def test_lazy_hooks_and_unbatched_lazy_instance_norm():
    # a user forward pre-hook registered on a lazy module still runs (after the lazy one removed itself)
    seen = []
    m = jaxtorch.nn.LazyLinear(2)
    m.register_forward_pre_hook(lambda mod, args: seen.append(type(mod).__name__))
    m(jaxtorch.zeros(1, 3))
    m(jaxtorch.zeros(1, 3))
    assert seen == ["Linear", "Linear"]
    # num_features comes from input.shape[1] even for unbatched input (torch's rule)
    # so (C, L) = (4, 4) works while (5, 3) fails (checked in test_lazy_forward_errors_match_torch)
    tm, jm = torch.nn.LazyInstanceNorm1d(), jaxtorch.nn.LazyInstanceNorm1d()
    x = _x((4, 4))
    assert_close(tm(torch.tensor(x)), jm(jaxtorch.tensor(x)), 1e-5, 1e-5)
    assert repr(tm) == repr(jm)


# ----------------------------------------------------------------------------- AdaptiveLogSoftmaxWithLoss
ASM_CASES = [
    ("two_clusters", dict(in_features=8, n_classes=10, cutoffs=[3, 6], div_value=2.0, head_bias=True),
     [0, 4, 9, 2, 7, 5]),
    ("one_cluster_unused_tail", dict(in_features=6, n_classes=9, cutoffs=[2, 5]), [0, 1, 3, 4, 1]),
    ("single_row_per_cluster", dict(in_features=5, n_classes=7, cutoffs=[4]), [0, 6, 3]),
]


def _asm_pair(kwargs):
    torch.manual_seed(0)
    tm = torch.nn.AdaptiveLogSoftmaxWithLoss(**kwargs)
    jm = jaxtorch.nn.AdaptiveLogSoftmaxWithLoss(**kwargs)
    assert repr(tm) == repr(jm)
    check_state_dict(tm, jm)
    copy_state(tm, jm)
    return tm, jm


@pytest.mark.parametrize("name,kwargs,target", ASM_CASES, ids=[c[0] for c in ASM_CASES])
def test_adaptive_log_softmax(name, kwargs, target):
    tm, jm = _asm_pair(kwargs)
    x = _x((len(target), kwargs["in_features"]), 4)
    tx, jx = torch.tensor(x, requires_grad=True), jaxtorch.tensor(x, requires_grad=True)
    tt, jt = torch.tensor(target), jaxtorch.tensor(target)
    to, jo = tm(tx, tt), jm(jx, jt)
    assert type(jo).__name__ == "_ASMoutput" and jo._fields == ("output", "loss")
    assert_close(to.output, jo.output, 1e-5, 1e-6, what="output")
    assert_close(to.loss, jo.loss, 1e-5, 1e-6, what="loss")
    w = np.random.default_rng(1).uniform(0.5, 1.5, len(target)).astype(np.float32)
    (to.loss + (to.output * torch.tensor(w)).sum()).backward()
    (jo.loss + (jo.output * jaxtorch.tensor(w)).sum()).backward()
    assert_close(tx.grad, jx.grad, 1e-5, 1e-6, what="input grad")
    jp = dict(jm.named_parameters())
    for k, p in tm.named_parameters():
        if p.grad is None:  # a tail no target falls in is not run, in torch and here
            assert jp[k].grad is None, k
        else:
            assert_close(p.grad, jp[k].grad, 1e-5, 1e-6, what=f"grad of {k}")
    # log_prob over all classes and predict
    assert_close(tm.log_prob(torch.tensor(x)), jm.log_prob(jaxtorch.tensor(x)), 1e-5, 1e-6, what="log_prob")
    assert_close(tm.predict(torch.tensor(x)), jm.predict(jaxtorch.tensor(x)), what="predict")


def test_adaptive_predict_branches_and_unbatched():
    tm, jm = _asm_pair(dict(in_features=4, n_classes=8, cutoffs=[2, 5], head_bias=True))
    # steer the head: bias decides the argmax when the input is ~0
    for bias in ([5.0, 0, 0, 0], [0, 0, 5.0, 0], [0, 0, 0, 5.0]):
        with torch.no_grad():
            tm.head.bias.copy_(torch.tensor(bias))
        copy_state(tm, jm)
        x = _x((6, 4), 5) * 0.01
        x[:2] *= 300  # a few rows where the input, not the bias, decides (the mixed branch)
        assert_close(tm.predict(torch.tensor(x)), jm.predict(jaxtorch.tensor(x)), what=f"predict {bias}")
    x = _x((4,), 6)
    to, jo = tm(torch.tensor(x), torch.tensor(6)), jm(jaxtorch.tensor(x), jaxtorch.tensor(6))
    assert_close(to.output, jo.output, 1e-5, 1e-6)
    assert_close(to.loss, jo.loss, 1e-5, 1e-6)


def test_adaptive_init_and_errors():
    m = jaxtorch.nn.AdaptiveLogSoftmaxWithLoss(16, 20, (4, 10), div_value=4.0)
    assert [tuple(p.shape) for p in m.parameters()] == [(6, 16), (4, 16), (6, 4), (1, 16), (10, 1)]
    assert m.cutoffs == [4, 10, 20] and m.shortlist_size == 4 and m.n_clusters == 2 and m.head_size == 6
    bound = 1 / math.sqrt(16)
    assert np.abs(to_np(m.head.weight)).max() <= bound

    def ctor(lib, cutoffs, n=10):
        return lambda: lib.nn.AdaptiveLogSoftmaxWithLoss(4, n, cutoffs)

    def fwd(lib, xs, ts):
        m = lib.nn.AdaptiveLogSoftmaxWithLoss(4, 10, [3])
        return lambda: m(lib.zeros(*xs), lib.tensor(ts))

    def scenarios(lib):
        return {"empty": ctor(lib, []), "unsorted": ctor(lib, [5, 3]), "zero": ctor(lib, [0, 3]),
                "too_big": ctor(lib, [3, 10]), "dup": ctor(lib, [3, 3]), "float": ctor(lib, [2.5]),
                "batch": fwd(lib, (3, 4), [1, 2]), "rank1_target_3d": fwd(lib, (2, 2, 4), [1, 2]),
                "rank0_target_2d": fwd(lib, (2, 4), 1), "rank2_target": fwd(lib, (2, 4), [[1], [2]]),
                "out_of_range": fwd(lib, (3, 4), [1, 12, -1])}

    for key in scenarios(torch):
        te, tmsg = _err(scenarios(torch)[key])
        je, jmsg = _err(scenarios(jaxtorch)[key])
        assert te is not None and te is je, (key, te, je, jmsg)
        assert tmsg == jmsg, key


# ----------------------------------------------------------------------------- ChannelShuffle, CrossMapLRN2d
@pytest.mark.parametrize("groups,shape", [(2, (2, 6, 3)), (3, (1, 6, 2, 2)), (1, (2, 4, 3)), (4, (1, 4, 1, 2, 2))])
def test_channel_shuffle(groups, shape):
    run_module(lambda nn: nn.ChannelShuffle(groups), [_x(shape)])
    x = _x(shape, 2).astype(np.float64)
    tx, jx = torch.tensor(x, requires_grad=True), jaxtorch.tensor(x, requires_grad=True)
    to, jo = torch.nn.functional.channel_shuffle(tx, groups), jaxtorch.nn.functional.channel_shuffle(jx, groups)
    assert_close(to, jo, 0, 0)
    to.pow(2).sum().backward()
    jo.pow(2).sum().backward()
    assert_close(tx.grad, jx.grad, 0, 0)
    xi = np.arange(int(np.prod(shape))).reshape(shape)
    assert_close(torch.nn.functional.channel_shuffle(torch.tensor(xi), groups),
                 jaxtorch.nn.functional.channel_shuffle(jaxtorch.tensor(xi), groups), 0, 0)


def test_channel_shuffle_errors():
    for groups, shape in ((4, (2, 6, 3, 3)), (0, (2, 6, 3)), (-1, (2, 6, 3)), (2, (2, 6)), (2, (6,))):
        te, tmsg = _err(lambda: torch.nn.ChannelShuffle(groups)(torch.zeros(shape)))
        je, jmsg = _err(lambda: jaxtorch.nn.ChannelShuffle(groups)(jaxtorch.zeros(shape)))
        assert te is not None and te is je and tmsg == jmsg, (groups, shape, jmsg)


@pytest.mark.parametrize("size,alpha,beta,k,shape", [
    (5, 1e-4, 0.75, 1, (2, 7, 3, 2)),
    (3, 0.5, 0.75, 2.0, (2, 6, 2, 3)),
    (4, 1.0, 0.5, 1.5, (1, 5, 2, 2)),
    (2, 0.3, 1.2, 1.0, (2, 3, 1, 2)),
    (8, 0.8, 0.75, 2.0, (1, 5, 2, 2)),  # window wider than the channels
])
def test_cross_map_lrn2d(size, alpha, beta, k, shape):
    # torch's backward is its own legacy formula (not the derivative of its forward); we mirror it
    run_module(lambda nn: nn.CrossMapLRN2d(size, alpha, beta, k), [2 * _x(shape)], rtol=1e-5, atol=1e-6)
    x = 2 * _x(shape, 3).astype(np.float64)
    tx, jx = torch.tensor(x, requires_grad=True), jaxtorch.tensor(x, requires_grad=True)
    to, jo = torch.nn.CrossMapLRN2d(size, alpha, beta, k)(tx), jaxtorch.nn.CrossMapLRN2d(size, alpha, beta, k)(jx)
    assert_close(to, jo, 1e-12, 1e-13)
    w = np.random.default_rng(0).uniform(0.5, 1.5, shape)
    (to * torch.tensor(w)).sum().backward()
    (jo * jaxtorch.tensor(w)).sum().backward()
    assert_close(tx.grad, jx.grad, 1e-12, 1e-13)


def test_cross_map_lrn2d_errors():
    for shape in ((2, 3, 4), (1, 2, 3, 4, 5)):
        te, tmsg = _err(lambda: torch.nn.CrossMapLRN2d(3)(torch.zeros(shape)))
        je, jmsg = _err(lambda: jaxtorch.nn.CrossMapLRN2d(3)(jaxtorch.zeros(shape)))
        assert te is ValueError and je is ValueError and tmsg == jmsg
