"""Normalisation layers against real torch: outputs, grads, running stats, num_batches_tracked, errors."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest
import torch

import jaxtorch
from helpers import assert_close, helper_test_op
from test_conv_pool import check_module

NORM_CASES = [
    ("bn1d", lambda nn: nn.BatchNorm1d(3), (4, 3)),
    ("bn1d_3d", lambda nn: nn.BatchNorm1d(3, momentum=0.3), (4, 3, 5)),
    ("bn1d_cumavg", lambda nn: nn.BatchNorm1d(3, momentum=None), (4, 3, 5)),
    ("bn2d", lambda nn: nn.BatchNorm2d(3), (2, 3, 4, 5)),
    ("bn2d_noaffine", lambda nn: nn.BatchNorm2d(3, affine=False, eps=1e-3), (2, 3, 4, 5)),
    ("bn2d_notrack", lambda nn: nn.BatchNorm2d(3, track_running_stats=False), (2, 3, 4, 5)),
    ("bn2d_nobias", lambda nn: nn.BatchNorm2d(3, bias=False), (2, 3, 4, 5)),
    ("bn3d", lambda nn: nn.BatchNorm3d(2), (2, 2, 3, 3, 3)),
    ("ln", lambda nn: nn.LayerNorm(5), (2, 3, 5)),
    ("ln_2d", lambda nn: nn.LayerNorm((3, 5), eps=1e-3), (2, 3, 5)),
    ("ln_nobias", lambda nn: nn.LayerNorm(5, bias=False), (4, 5)),
    ("ln_noaffine", lambda nn: nn.LayerNorm(5, elementwise_affine=False), (4, 5)),
    ("gn", lambda nn: nn.GroupNorm(2, 6), (2, 6, 4, 3)),
    ("gn_noaffine", lambda nn: nn.GroupNorm(3, 6, affine=False), (2, 6, 5)),
    ("gn_nobias", lambda nn: nn.GroupNorm(2, 4, bias=False), (2, 4, 3)),
    ("gn_1group", lambda nn: nn.GroupNorm(1, 4, eps=1e-3), (3, 4)),
    ("in1d", lambda nn: nn.InstanceNorm1d(3), (2, 3, 6)),
    ("in1d_unbatched", lambda nn: nn.InstanceNorm1d(3, affine=True), (3, 6)),
    ("in2d_track", lambda nn: nn.InstanceNorm2d(3, affine=True, track_running_stats=True), (2, 3, 4, 5)),
    ("in3d", lambda nn: nn.InstanceNorm3d(2, track_running_stats=True, momentum=0.5), (2, 2, 3, 3, 3)),
    ("rms", lambda nn: nn.RMSNorm(5), (2, 3, 5)),
    ("rms_eps", lambda nn: nn.RMSNorm((3, 5), eps=1e-3), (2, 3, 5)),
    ("rms_noaffine", lambda nn: nn.RMSNorm(5, elementwise_affine=False), (4, 5)),
    ("lrn", lambda nn: nn.LocalResponseNorm(3), (2, 5, 4)),
    ("lrn_4d", lambda nn: nn.LocalResponseNorm(2, alpha=0.1, beta=0.5, k=2.0), (2, 5, 3, 4)),
]


@pytest.mark.parametrize("name,make,shape", NORM_CASES, ids=[c[0] for c in NORM_CASES])
def test_norm_modules(name, make, shape):
    # three training steps then eval (eval reads the running stats accumulated in train)
    check_module(make, shape, steps=3)


def test_batchnorm_buffers_updated_in_place():
    m = jaxtorch.nn.BatchNorm1d(3)
    rm, rv, nbt = m.running_mean, m.running_var, m.num_batches_tracked
    v0 = rm._version
    m(jaxtorch.randn(4, 3))
    assert m.running_mean is rm and m.running_var is rv and m.num_batches_tracked is nbt
    assert rm._version > v0
    assert int(nbt.item()) == 1 and nbt.dtype == jaxtorch.int64
    m.eval()
    m(jaxtorch.randn(4, 3))
    assert int(nbt.item()) == 1


def test_batchnorm_batch_of_one_error():
    with pytest.raises(ValueError) as te:
        torch.nn.BatchNorm1d(3)(torch.zeros(1, 3))
    with pytest.raises(ValueError) as je:
        jaxtorch.nn.BatchNorm1d(3)(jaxtorch.zeros(1, 3))
    assert str(je.value) == str(te.value)
    assert str(je.value) == "Expected more than 1 value per channel when training, got input size torch.Size([1, 3])"


@pytest.mark.parametrize("make,shape", [
    (lambda nn: nn.BatchNorm2d(3), (2, 3, 4)),
    (lambda nn: nn.BatchNorm1d(3), (2, 4)),
    (lambda nn: nn.BatchNorm1d(3), (2, 3, 4, 5)),
    (lambda nn: nn.LayerNorm(4), (2, 3)),
    (lambda nn: nn.InstanceNorm1d(3), (2, 3, 4, 5)),
    (lambda nn: nn.InstanceNorm1d(3, affine=True), (2, 4, 5)),
], ids=lambda v: "" if callable(v) else str(v))
def test_norm_bad_input(make, shape):
    with pytest.raises(Exception) as te:
        make(torch.nn)(torch.zeros(shape))
    with pytest.raises(type(te.value)) as je:
        make(jaxtorch.nn)(jaxtorch.zeros(shape))
    assert str(je.value) == str(te.value)


def test_groupnorm_errors():
    for lib in (torch, jaxtorch):
        with pytest.raises(ValueError, match=r"^num_channels \(6\) must be divisible by num_groups \(4\)$"):
            lib.nn.GroupNorm(4, 6)
    with pytest.raises(RuntimeError) as te:
        torch.nn.functional.group_norm(torch.zeros(2, 6, 4), 4)
    with pytest.raises(RuntimeError) as je:
        jaxtorch.nn.functional.group_norm(jaxtorch.zeros(2, 6, 4), 4)
    assert str(je.value) == str(te.value)


def test_batchnorm_old_checkpoint_without_num_batches_tracked():
    tm, jm = torch.nn.BatchNorm2d(3), jaxtorch.nn.BatchNorm2d(3)
    for m, lib in ((tm, torch), (jm, jaxtorch)):
        sd = OrderedDict((k, lib.tensor(np.arange(3, dtype=np.float32) + 1)) for k in
                         ("weight", "bias", "running_mean", "running_var"))
        sd._metadata = OrderedDict({"": {"version": 1}})
        res = m.load_state_dict(sd)
        assert res.missing_keys == [] and res.unexpected_keys == []
    assert_close(tm.num_batches_tracked, jm.num_batches_tracked)
    # a current-version checkpoint without the key still reports it missing, as torch does
    sd = OrderedDict((k, jaxtorch.ones(3)) for k in ("weight", "bias", "running_mean", "running_var"))
    sd._metadata = OrderedDict({"": {"version": 2}})
    res = jm.load_state_dict(sd, strict=False)
    assert res.missing_keys == ["num_batches_tracked"]


def test_norm_functional():
    F, JF = torch.nn.functional, jaxtorch.nn.functional
    helper_test_op([(2, 3, 4), (4,), (4,)], lambda x, w, b: F.layer_norm(x, (4,), w, b),
                   lambda x, w, b: JF.layer_norm(x, (4,), w, b))
    helper_test_op([(2, 6, 3), (6,), (6,)], lambda x, w, b: F.group_norm(x, 3, w, b),
                   lambda x, w, b: JF.group_norm(x, 3, w, b))
    helper_test_op([(2, 3, 4), (4,)], lambda x, w: F.rms_norm(x, [4], w), lambda x, w: JF.rms_norm(x, [4], w))
    helper_test_op([(2, 3, 4)], lambda x: F.instance_norm(x), lambda x: JF.instance_norm(x))
    helper_test_op([(2, 5, 4)], lambda x: F.local_response_norm(x, 4), lambda x: JF.local_response_norm(x, 4))
    helper_test_op([(3, 4)], lambda x: F.normalize(x, dim=0), lambda x: JF.normalize(x, dim=0))
    # functional batch_norm writes the running stats it is given
    x = np.random.default_rng(0).standard_normal((4, 3, 2)).astype(np.float32)
    trm, trv = torch.zeros(3), torch.ones(3)
    jrm, jrv = jaxtorch.zeros(3), jaxtorch.ones(3)
    to = F.batch_norm(torch.tensor(x), trm, trv, training=True, momentum=0.2)
    jo = JF.batch_norm(jaxtorch.tensor(x), jrm, jrv, training=True, momentum=0.2)
    assert_close(to, jo)
    assert_close(trm, jrm)
    assert_close(trv, jrv)


def test_norm_reprs_and_defaults():
    for make in [lambda nn: nn.BatchNorm1d(3, momentum=None), lambda nn: nn.InstanceNorm2d(4, affine=True),
                 lambda nn: nn.RMSNorm([2, 3]), lambda nn: nn.LocalResponseNorm(2), lambda nn: nn.GroupNorm(2, 4)]:
        tm, jm = make(torch.nn), make(jaxtorch.nn)
        assert repr(jm) == repr(tm)
        for (tk, tv), (jk, jv) in zip(tm.state_dict().items(), jm.state_dict().items()):
            assert tk == jk
            assert_close(tv, jv)
