"""Conv and pooling layers against real torch (ModuleInfo-style table) + functional forms and errors.

`check_module` is also used by test_norm.py and test_padding_vision.py.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import jaxtorch
from helpers import assert_close, helper_test_op, to_np


def _j(t: torch.Tensor) -> jaxtorch.Tensor:
    return jaxtorch.tensor(t.detach().numpy())


def check_module(make, shape, *, steps: int = 2, modes=("train", "eval"), rtol=1e-5, atol=1e-6, grad_rtol=None,
                 grad_atol=None, seed: int = 0):
    """Build the same layer in torch and jaxtorch (`make(nn)`), copy torch's state_dict into ours, then for each
    mode run `steps` forward/backward passes and compare outputs, input grads, param grads and buffers."""
    tm, jm = make(torch.nn), make(jaxtorch.nn)
    assert repr(jm) == repr(tm)
    tsd, jsd = tm.state_dict(), jm.state_dict()
    assert list(jsd.keys()) == list(tsd.keys())
    for k in tsd:
        assert tuple(jsd[k].shape) == tuple(tsd[k].shape), k
        assert str(tsd[k].dtype) == repr(jsd[k].dtype), k
    result = jm.load_state_dict({k: _j(v) for k, v in tsd.items()})
    assert not result.missing_keys and not result.unexpected_keys
    rng = np.random.default_rng(seed)
    grad_rtol, grad_atol = grad_rtol or rtol * 10, grad_atol or atol * 10
    for mode in modes:
        tm.train(mode == "train")
        jm.train(mode == "train")
        for step in range(steps):
            x = rng.standard_normal(shape).astype(np.float32)
            tx, jx = torch.tensor(x, requires_grad=True), jaxtorch.tensor(x, requires_grad=True)
            to, jo = tm(tx), jm(jx)
            what = f"{mode} step {step}"
            assert_close(to, jo, rtol, atol, what=f"{what} output")
            t0 = to[0] if isinstance(to, tuple) else to
            j0 = jo[0] if isinstance(jo, tuple) else jo
            w = rng.uniform(0.5, 1.5, size=tuple(t0.shape)).astype(np.float32)
            (t0 * torch.tensor(w)).sum().backward()
            (j0 * jaxtorch.tensor(w)).sum().backward()
            assert_close(tx.grad, jx.grad, grad_rtol, grad_atol, what=f"{what} input grad")
            jp = dict(jm.named_parameters())
            for name, p in tm.named_parameters():
                assert_close(p.grad, jp[name].grad, grad_rtol, grad_atol, what=f"{what} grad of {name}")
            jb = dict(jm.named_buffers())
            for name, b in tm.named_buffers():
                assert_close(b, jb[name], rtol, atol, what=f"{what} buffer {name}")
            tm.zero_grad()
            jm.zero_grad()
    return tm, jm


# Conv tolerance: XLA's CPU convolution accumulates in a different order from torch's (mkldnn / im2col
# GEMM), so float32 sums of ~30-100 products differ by a few ulps relative to the largest term.
CONV_TOL = {"rtol": 1e-4, "atol": 1e-5}

CONV_CASES = [
    ("conv1d", lambda nn: nn.Conv1d(3, 4, 3), (2, 3, 9)),
    ("conv1d_unbatched", lambda nn: nn.Conv1d(3, 4, 3, stride=2), (3, 9)),
    ("conv1d_same_dil", lambda nn: nn.Conv1d(4, 6, 4, padding="same", dilation=2, groups=2), (2, 4, 9)),
    ("conv1d_reflect", lambda nn: nn.Conv1d(3, 4, 3, padding=2, padding_mode="reflect"), (2, 3, 7)),
    ("conv2d", lambda nn: nn.Conv2d(3, 4, 3), (2, 3, 8, 8)),
    ("conv2d_stride_pad", lambda nn: nn.Conv2d(3, 4, (3, 2), stride=(2, 1), padding=(1, 2), bias=False),
     (2, 3, 7, 6)),
    ("conv2d_groups_dil", lambda nn: nn.Conv2d(4, 6, 3, dilation=2, groups=2, padding=1), (2, 4, 8, 7)),
    ("conv2d_valid", lambda nn: nn.Conv2d(3, 4, 3, padding="valid"), (3, 6, 6)),
    ("conv2d_same_even", lambda nn: nn.Conv2d(3, 2, 4, padding="same"), (1, 3, 6, 5)),
    ("conv2d_replicate", lambda nn: nn.Conv2d(3, 4, 3, padding=1, padding_mode="replicate"), (2, 3, 6, 6)),
    ("conv2d_circular", lambda nn: nn.Conv2d(3, 4, 3, padding=(1, 2), padding_mode="circular"), (2, 3, 6, 6)),
    ("conv2d_same_reflect", lambda nn: nn.Conv2d(3, 4, 4, padding="same", padding_mode="reflect"), (2, 3, 6, 6)),
    ("conv3d", lambda nn: nn.Conv3d(2, 3, 2, stride=(1, 2, 1), padding=1), (2, 2, 4, 5, 4)),
    ("convT1d", lambda nn: nn.ConvTranspose1d(4, 6, 3, stride=3, padding=2, groups=2, dilation=2), (2, 4, 5)),
    ("convT2d", lambda nn: nn.ConvTranspose2d(3, 4, 3), (2, 3, 5, 5)),
    ("convT2d_full", lambda nn: nn.ConvTranspose2d(4, 6, (3, 2), stride=2, padding=1, output_padding=1, groups=2),
     (2, 4, 4, 5)),
    ("convT2d_unbatched", lambda nn: nn.ConvTranspose2d(3, 2, 2, stride=2, bias=False), (3, 4, 4)),
    ("convT3d", lambda nn: nn.ConvTranspose3d(2, 3, 2, stride=2), (1, 2, 3, 3, 3)),
]


@pytest.mark.parametrize("name,make,shape", CONV_CASES, ids=[c[0] for c in CONV_CASES])
def test_conv_modules(name, make, shape):
    check_module(make, shape, modes=("train",), **CONV_TOL)


def test_conv_transpose_output_size():
    tm = torch.nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)
    jm = jaxtorch.nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)
    jm.load_state_dict({k: _j(v) for k, v in tm.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((1, 3, 4, 4)).astype(np.float32)
    for size in ([8, 8], [1, 2, 7, 8]):
        assert_close(tm(torch.tensor(x), output_size=size), jm(jaxtorch.tensor(x), output_size=size), **CONV_TOL)
    with pytest.raises(ValueError, match=r"requested an output size of \[9, 9\], but valid sizes range from \[7, 7\] "
                                         r"to \[8, 8\]"):
        jm(jaxtorch.tensor(x), output_size=[9, 9])


def test_conv_init_statistics():
    # kaiming_uniform(a=sqrt(5)) == U(-1/sqrt(fan_in), 1/sqrt(fan_in)); fan_in = 8*3*3 = 72
    jaxtorch.manual_seed(0)
    m = jaxtorch.nn.Conv2d(8, 64, 3)
    w, b = to_np(m.weight), to_np(m.bias)
    bound = 1 / math.sqrt(72)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.05 * bound
    assert abs(w.mean()) < 0.05 * bound
    assert np.abs(b).max() <= bound
    # transposed: fan_in from weight.size(1) * k = (out/groups) * k
    mt = jaxtorch.nn.ConvTranspose2d(64, 8, 3)
    assert np.abs(to_np(mt.weight)).max() <= 1 / math.sqrt(72)


def test_conv_functional():
    helper_test_op([(2, 4, 7), (6, 2, 3), (6,)], lambda x, w, b: torch.nn.functional.conv1d(x, w, b, 2, 1, 1, 2),
                   lambda x, w, b: jaxtorch.nn.functional.conv1d(x, w, b, 2, 1, 1, 2), **CONV_TOL)
    helper_test_op([(2, 3, 5, 5), (3, 4, 3, 3)],
                   lambda x, w: torch.nn.functional.conv_transpose2d(x, w, None, 2, 1, 1, 1, 2),
                   lambda x, w: jaxtorch.nn.functional.conv_transpose2d(x, w, None, 2, 1, 1, 1, 2), **CONV_TOL)


@pytest.mark.parametrize("make,shape", [
    (lambda nn: nn.Conv2d(3, 4, 3), (2, 3)),
    (lambda nn: nn.Conv2d(3, 4, 3), (1, 5, 8, 8)),
    (lambda nn: nn.Conv2d(3, 4, 5), (1, 3, 3, 3)),
    (lambda nn: nn.Conv1d(3, 4, 3), (4, 3, 4, 5)),
    (lambda nn: nn.ConvTranspose2d(3, 4, 3), (1, 5, 8, 8)),
    (lambda nn: nn.ConvTranspose2d(3, 4, 3), (8, 8)),
    (lambda nn: nn.MaxPool2d(3), (2, 3)),
    (lambda nn: nn.MaxPool2d(3), (1, 2, 2, 2)),
    (lambda nn: nn.MaxPool2d(3, padding=2), (1, 2, 8, 8)),
    (lambda nn: nn.MaxPool1d(2), (5,)),
    (lambda nn: nn.MaxPool1d(7), (1, 2, 5)),
    (lambda nn: nn.AvgPool1d(7), (1, 2, 5)),
    (lambda nn: nn.AvgPool2d(3), (1, 2, 2, 2)),
    (lambda nn: nn.AvgPool2d(3, padding=2), (1, 2, 8, 8)),
    (lambda nn: nn.AdaptiveAvgPool2d(3), (8,)),
    (lambda nn: nn.AdaptiveMaxPool2d(3), (8,)),
    (lambda nn: nn.AdaptiveMaxPool1d(3), (8,)),
], ids=lambda v: "" if callable(v) else str(v))
def test_bad_input_errors(make, shape):
    tm, jm = make(torch.nn), make(jaxtorch.nn)
    with pytest.raises(Exception) as te:
        tm(torch.zeros(shape))
    with pytest.raises(type(te.value)) as je:
        jm(jaxtorch.zeros(shape))
    assert str(je.value) == str(te.value)


def test_conv_dtype_mismatch_and_ctor_errors():
    with pytest.raises(RuntimeError, match=r"^Input type \(double\) and bias type \(float\) should be the same$"):
        jaxtorch.nn.Conv2d(3, 4, 3)(jaxtorch.zeros(1, 3, 8, 8).double())
    for kw, msg in [({"groups": 2}, "in_channels must be divisible by groups"),
                    ({"padding": "same", "stride": 2}, "padding='same' is not supported for strided convolutions"),
                    ({"padding": "foo"}, "Invalid padding string 'foo', should be one of {'valid', 'same'}"),
                    ({"padding_mode": "foo"}, "padding_mode must be one of {'zeros', 'reflect', 'circular', "
                                              "'replicate'}, but got padding_mode='foo'")]:
        with pytest.raises(ValueError) as je:
            jaxtorch.nn.Conv2d(3, 4, 3, **kw)
        assert str(je.value) == msg


POOL_CASES = [
    ("maxpool1d", lambda nn: nn.MaxPool1d(3, 2, 1), (2, 3, 9)),
    ("maxpool1d_idx", lambda nn: nn.MaxPool1d(2, 1, return_indices=True), (3, 7)),
    ("maxpool2d", lambda nn: nn.MaxPool2d(2), (2, 3, 6, 7)),
    ("maxpool2d_full", lambda nn: nn.MaxPool2d((3, 2), 2, 1, 2, ceil_mode=True, return_indices=True), (2, 3, 8, 7)),
    ("maxpool2d_ceil", lambda nn: nn.MaxPool2d(3, 2, ceil_mode=True), (3, 7, 6)),
    ("maxpool3d", lambda nn: nn.MaxPool3d(2, return_indices=True), (1, 2, 4, 5, 4)),
    ("avgpool1d", lambda nn: nn.AvgPool1d(3, 2, 1), (2, 3, 8)),
    ("avgpool1d_nopad", lambda nn: nn.AvgPool1d(3, 2, 1, ceil_mode=True, count_include_pad=False), (2, 3, 8)),
    ("avgpool2d", lambda nn: nn.AvgPool2d(2), (2, 3, 6, 7)),
    ("avgpool2d_ceil", lambda nn: nn.AvgPool2d(3, 2, 1, ceil_mode=True), (2, 3, 8, 7)),
    ("avgpool2d_ceil_nopad", lambda nn: nn.AvgPool2d((3, 2), 2, 1, ceil_mode=True, count_include_pad=False),
     (2, 3, 8, 7)),
    ("avgpool2d_divisor", lambda nn: nn.AvgPool2d(3, 2, 1, divisor_override=5), (3, 7, 6)),
    ("avgpool3d", lambda nn: nn.AvgPool3d(2, 1), (1, 2, 3, 4, 3)),
    ("adaptiveavg1d", lambda nn: nn.AdaptiveAvgPool1d(4), (2, 3, 10)),
    ("adaptiveavg2d", lambda nn: nn.AdaptiveAvgPool2d((3, 4)), (2, 3, 7, 9)),
    ("adaptiveavg2d_none", lambda nn: nn.AdaptiveAvgPool2d((None, 2)), (3, 5, 7)),
    ("adaptiveavg2d_up", lambda nn: nn.AdaptiveAvgPool2d(5), (1, 2, 3, 4)),
    ("adaptiveavg3d", lambda nn: nn.AdaptiveAvgPool3d(2), (1, 2, 3, 4, 5)),
    ("adaptivemax1d", lambda nn: nn.AdaptiveMaxPool1d(4, return_indices=True), (2, 3, 10)),
    ("adaptivemax2d", lambda nn: nn.AdaptiveMaxPool2d((3, 4)), (2, 3, 7, 9)),
    ("adaptivemax2d_idx", lambda nn: nn.AdaptiveMaxPool2d(3, return_indices=True), (3, 8, 5)),
    ("lppool1d", lambda nn: nn.LPPool1d(2, 3, 2), (2, 3, 9)),
    ("lppool2d", lambda nn: nn.LPPool2d(3, 2, ceil_mode=True), (2, 3, 5, 7)),
]


@pytest.mark.parametrize("name,make,shape", POOL_CASES, ids=[c[0] for c in POOL_CASES])
def test_pool_modules(name, make, shape):
    # lp pool: x**p then **(1/p) amplifies rounding a little
    tol = {"rtol": 1e-4, "atol": 1e-5} if name.startswith("lp") else {}
    check_module(make, shape, modes=("train",), steps=1, **tol)


def test_maxpool_ties_gradient_to_first_max():
    x = np.array([[[1.0, 3.0, 3.0, 2.0, 2.0, 2.0]]], np.float32)
    helper_test_op(None, lambda t: torch.nn.functional.max_pool1d(t, 2, 1, return_indices=True),
                   lambda t: jaxtorch.nn.functional.max_pool1d(t, 2, 1, return_indices=True), inputs=[x])
    x2 = np.ones((1, 1, 4, 4), np.float32)
    helper_test_op(None, lambda t: torch.nn.functional.max_pool2d(t, 3, 1, 1),
                   lambda t: jaxtorch.nn.functional.max_pool2d(t, 3, 1, 1), inputs=[x2])
    helper_test_op(None, lambda t: torch.nn.functional.adaptive_max_pool2d(t, 3),
                   lambda t: jaxtorch.nn.functional.adaptive_max_pool2d(t, 3), inputs=[x2])


def test_pool_reprs():
    for make in [lambda nn: nn.MaxPool2d((3, 2), 1, 1, 2, True, True), lambda nn: nn.AvgPool1d(3),
                 lambda nn: nn.AvgPool2d(3, divisor_override=2), lambda nn: nn.AdaptiveAvgPool2d((3, None)),
                 lambda nn: nn.AdaptiveMaxPool1d(3), lambda nn: nn.LPPool2d(2, 3), lambda nn: nn.AvgPool3d(2)]:
        assert repr(make(jaxtorch.nn)) == repr(make(torch.nn))
