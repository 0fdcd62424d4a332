"""Padding, pixel shuffle, upsampling, fold/unfold, grid_sample and affine_grid against real torch."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import jaxtorch
from helpers import helper_test_op
from test_conv_pool import check_module

F, JF = torch.nn.functional, jaxtorch.nn.functional

MODULE_CASES = [
    ("zeropad1d", lambda nn: nn.ZeroPad1d((1, 2)), (2, 3, 4)),
    ("zeropad2d", lambda nn: nn.ZeroPad2d(1), (2, 3, 4, 4)),
    ("constpad1d", lambda nn: nn.ConstantPad1d(2, 3.5), (3, 4)),
    ("constpad2d_neg", lambda nn: nn.ConstantPad2d((1, -1, 2, 0), -1.0), (2, 3, 4, 4)),
    ("constpad3d", lambda nn: nn.ConstantPad3d(1, 1.0), (1, 2, 2, 3, 2)),
    ("reflect1d", lambda nn: nn.ReflectionPad1d((2, 1)), (2, 3, 4)),
    ("reflect2d", lambda nn: nn.ReflectionPad2d((1, 2, 3, 0)), (2, 3, 4, 5)),
    ("replicate1d", lambda nn: nn.ReplicationPad1d(2), (3, 4)),
    ("replicate2d", lambda nn: nn.ReplicationPad2d((2, -1, 1, 3)), (2, 3, 4, 5)),
    ("circular1d", lambda nn: nn.CircularPad1d((-1, 2)), (2, 3, 5)),
    ("circular2d", lambda nn: nn.CircularPad2d(2), (2, 3, 4, 5)),
    ("pixelshuffle", lambda nn: nn.PixelShuffle(2), (2, 8, 3, 4)),
    ("pixelunshuffle", lambda nn: nn.PixelUnshuffle(2), (3, 4, 6)),
    ("up_nearest", lambda nn: nn.Upsample(scale_factor=2), (2, 3, 4, 5)),
    ("up_nearest_size", lambda nn: nn.Upsample(size=(7, 3)), (2, 3, 4, 5)),
    ("up_nearest_frac", lambda nn: nn.Upsample(scale_factor=1.7), (1, 2, 5)),
    ("up_nearest_exact", lambda nn: nn.Upsample(size=7, mode="nearest-exact"), (1, 2, 5)),
    ("up_linear", lambda nn: nn.Upsample(scale_factor=2.5, mode="linear"), (2, 3, 4)),
    ("up_linear_ac", lambda nn: nn.Upsample(size=7, mode="linear", align_corners=True), (2, 3, 4)),
    ("up_bilinear", lambda nn: nn.Upsample(size=(7, 3), mode="bilinear"), (2, 3, 4, 5)),
    ("up_bilinear_ac", lambda nn: nn.Upsample(scale_factor=(2, 1.5), mode="bilinear", align_corners=True),
     (2, 3, 4, 5)),
    ("up_bicubic", lambda nn: nn.Upsample(scale_factor=2, mode="bicubic"), (1, 2, 4, 5)),
    ("up_bicubic_ac", lambda nn: nn.Upsample(size=(3, 8), mode="bicubic", align_corners=True), (1, 2, 4, 5)),
    ("up_trilinear", lambda nn: nn.Upsample(scale_factor=2, mode="trilinear"), (1, 2, 2, 3, 2)),
    ("up_area", lambda nn: nn.Upsample(size=(2, 3), mode="area"), (1, 2, 5, 7)),
    ("up_near2d", lambda nn: nn.UpsamplingNearest2d(scale_factor=3), (1, 2, 3, 2)),
    ("up_bilin2d", lambda nn: nn.UpsamplingBilinear2d(size=5), (1, 2, 3, 2)),
    ("unfold", lambda nn: nn.Unfold(2), (2, 3, 4, 5)),
    ("unfold_full", lambda nn: nn.Unfold((2, 3), dilation=(1, 2), padding=1, stride=2), (2, 3, 5, 6)),
    ("fold", lambda nn: nn.Fold((4, 5), 2), (2, 12, 12)),
    ("fold_full", lambda nn: nn.Fold((5, 6), (2, 3), dilation=(1, 2), padding=1, stride=2), (2, 18, 6)),
]


@pytest.mark.parametrize("name,make,shape", MODULE_CASES, ids=[c[0] for c in MODULE_CASES])
def test_modules(name, make, shape):
    # bicubic: 4-tap weighted sums in float32, rounding differs slightly from torch's evaluation order
    tol = {"rtol": 1e-5, "atol": 2e-6} if "bicubic" in name else {}
    check_module(make, shape, modes=("train",), steps=1, **tol)


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad_functional(mode):
    helper_test_op([(2, 3, 4, 5)], lambda x: F.pad(x, (1, 2, 2, 1), mode=mode),
                   lambda x: JF.pad(x, (1, 2, 2, 1), mode=mode))
    helper_test_op([(2, 3, 5)], lambda x: F.pad(x, (-1, 2), mode=mode), lambda x: JF.pad(x, (-1, 2), mode=mode))


@pytest.mark.parametrize("args", [
    ((2, 3), (3, 3), "reflect"),
    ((3,), (1, 1), "reflect"),
    ((1, 2, 3), (4, 4), "circular"),
    ((1, 2, 3), (4, 4, 1), "constant"),
    ((1, 2, 3), (2,) * 8, "constant"),
    ((1, 2, 3), (4, 4), "reflect"),
    ((1, 2, 3), (1, 1), "foo"),
], ids=str)
def test_pad_errors(args):
    shape, pad, mode = args
    with pytest.raises(Exception) as te:
        F.pad(torch.zeros(shape), pad, mode=mode)
    with pytest.raises(type(te.value)) as je:
        JF.pad(jaxtorch.zeros(shape), pad, mode=mode)
    assert str(je.value) == str(te.value)


@pytest.mark.parametrize("call", [
    lambda F, z: F.pixel_shuffle(z(1, 3, 4, 4), 2),
    lambda F, z: F.pixel_shuffle(z(2, 3), 2),
    lambda F, z: F.pixel_unshuffle(z(1, 2, 5, 4), 2),
    lambda F, z: F.pixel_unshuffle(z(1, 2, 4, 5), 2),
    lambda F, z: F.interpolate(z(1, 2, 3), scale_factor=2, mode="nearest", align_corners=True),
    lambda F, z: F.interpolate(z(1, 2, 3)),
    lambda F, z: F.interpolate(z(1, 2, 3), size=2, scale_factor=2),
    lambda F, z: F.interpolate(z(1, 2, 3), size=(2, 3)),
    lambda F, z: F.interpolate(z(1, 2, 3), scale_factor=2, mode="bilinear"),
    lambda F, z: F.interpolate(z(1, 2, 3), scale_factor=2, mode="foo"),
    lambda F, z: F.affine_grid(z(1, 3, 3), (1, 1, 4, 4), align_corners=False),
    lambda F, z: F.grid_sample(z(1, 1, 3, 3), z(1, 2, 2, 3), align_corners=False),
    lambda F, z: F.fold(z(1, 8, 3), (4, 4), 2),
])
def test_vision_errors(call):
    with pytest.raises(Exception) as te:
        call(F, torch.zeros)
    with pytest.raises(type(te.value)) as je:
        call(JF, jaxtorch.zeros)
    assert str(je.value) == str(te.value)


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample(mode, padding_mode, align_corners):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 4, 5)).astype(np.float32)
    # grid points away from pixel centres/edges where nearest rounding or bilinear kinks would be ambiguous
    grid = rng.uniform(-1.3, 1.3, size=(2, 3, 4, 2)).astype(np.float32)
    helper_test_op(None, lambda a, g: F.grid_sample(a, g, mode, padding_mode, align_corners),
                   lambda a, g: JF.grid_sample(a, g, mode, padding_mode, align_corners), inputs=[x, grid],
                   rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid(align_corners):
    helper_test_op([(2, 2, 3)], lambda t: F.affine_grid(t, (2, 3, 4, 5), align_corners),
                   lambda t: JF.affine_grid(t, (2, 3, 4, 5), align_corners))
    helper_test_op([(1, 3, 4)], lambda t: F.affine_grid(t, (1, 1, 2, 3, 4), align_corners),
                   lambda t: JF.affine_grid(t, (1, 1, 2, 3, 4), align_corners))


def test_align_corners_warning_and_channel_shuffle():
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        JF.affine_grid(jaxtorch.zeros(1, 2, 3), (1, 1, 2, 2))
    assert any("align_corners=False" in str(x.message) for x in w)
    helper_test_op([(2, 6, 3)], lambda x: F.channel_shuffle(x, 3), lambda x: JF.channel_shuffle(x, 3))
