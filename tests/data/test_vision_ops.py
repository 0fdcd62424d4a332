"""jaxtorch.vision.ops (torchvision.ops) against references written here.

torchvision cannot be installed beside torch 2.13, so every expectation is either a real-torch computation of the
documented formula (box IoUs, losses, conv blocks; gradients from torch autograd) or a direct NumPy re-statement of
torchvision's C++ CPU kernels (NMS, RoI Align / Pool and their position-sensitive forms, with their backward
passes), written loop by loop from the kernels' source.
"""

import math

import jax
import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from helpers import assert_close, helper_test_op

import jaxtorch
from jaxtorch._errors import GraphBreak
from jaxtorch.vision import ops


def rand_boxes(n, seed=0, lo=0.0, hi=20.0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(lo, hi, (n, 2))
    wh = rng.uniform(1.0, 8.0, (n, 2))
    return np.concatenate([xy, xy + wh], 1).astype(dtype)


# ---------------------------------------------------------------------------------------------------- NMS


def ref_nms(boxes, scores, thr):
    """torchvision's CPU loop: stable descending sort, IoU in the boxes' dtype, compared with the float threshold."""
    order = sorted(range(len(scores)), key=lambda i: -float(scores[i]))  # sorted() is stable
    dt = boxes.dtype.type
    suppressed = [False] * len(scores)
    keep = []
    for a, i in enumerate(order):
        if suppressed[i]:
            continue
        keep.append(i)
        ix1, iy1, ix2, iy2 = boxes[i]
        iarea = (ix2 - ix1) * (iy2 - iy1)
        for j in order[a + 1 :]:
            if suppressed[j]:
                continue
            jx1, jy1, jx2, jy2 = boxes[j]
            w = max(dt(0), min(ix2, jx2) - max(ix1, jx1))
            h = max(dt(0), min(iy2, jy2) - max(iy1, jy1))
            inter = w * h
            if float(inter / (iarea + (jx2 - jx1) * (jy2 - jy1) - inter)) > thr:
                suppressed[j] = True
    return np.array(keep, np.int64)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nms_matches_torchvisions_greedy_loop(dtype):
    boxes = rand_boxes(60, seed=1, hi=15.0, dtype=dtype)
    scores = np.round(np.random.default_rng(2).uniform(0, 1, 60), 1).astype(dtype)  # many ties
    for thr in (0.0, 0.3, 0.5, 0.7):
        keep = ops.nms(jaxtorch.tensor(boxes), jaxtorch.tensor(scores), thr)
        assert keep.dtype == jaxtorch.int64
        np.testing.assert_array_equal(keep.numpy(), ref_nms(boxes, scores, thr))
    # equal scores: the lower index is visited first
    same = np.array([[0, 0, 10, 10], [1, 1, 10, 10], [0, 0, 10, 10]], dtype)
    keep = ops.nms(jaxtorch.tensor(same), jaxtorch.tensor(np.ones(3, dtype)), 0.5)
    np.testing.assert_array_equal(keep.numpy(), [0])
    assert ops.nms(jaxtorch.zeros((0, 4)), jaxtorch.zeros(0), 0.5).shape == (0,)


def test_batched_nms_both_strategies_equal_per_class_nms():
    def per_class(boxes, scores, idxs, thr):
        kept = np.concatenate(
            [np.nonzero(idxs == c)[0][ref_nms(boxes[idxs == c], scores[idxs == c], thr)] for c in np.unique(idxs)]
        )
        return kept[np.argsort(-scores[kept], kind="stable")]

    rng = np.random.default_rng(3)
    for n in (50, 1100):  # torchvision switches from the offset trick to per-class NMS above 4000 coordinates
        boxes = rand_boxes(n, seed=n, hi=30.0)
        scores = rng.uniform(0, 1, n).astype(np.float32)
        idxs = rng.integers(0, 4, n)
        keep = ops.batched_nms(jaxtorch.tensor(boxes), jaxtorch.tensor(scores), jaxtorch.tensor(idxs), 0.4)
        np.testing.assert_array_equal(keep.numpy(), per_class(boxes, scores, idxs, 0.4))
    assert ops.batched_nms(
        jaxtorch.zeros((0, 4)), jaxtorch.zeros(0), jaxtorch.zeros(0, dtype=jaxtorch.int64), 0.5
    ).shape == (0,)


def test_nms_errors_and_traced_inputs():
    b, s = jaxtorch.tensor(rand_boxes(4)), jaxtorch.rand(4)
    with pytest.raises(RuntimeError, match="boxes should be a 2d tensor, got 1D"):
        ops.nms(b[0], s, 0.5)
    with pytest.raises(RuntimeError, match="boxes should have 4 elements in dimension 1, got 3"):
        ops.nms(b[:, :3], s, 0.5)
    with pytest.raises(
        RuntimeError, match="boxes and scores should have same number of elements in dimension 0, got 4 and 3"
    ):
        ops.nms(b, s[:3], 0.5)
    with pytest.raises(RuntimeError, match="dets should have the same type as scores"):
        ops.nms(b, s.double(), 0.5)
    with pytest.raises(GraphBreak, match="nms"):
        jax.jit(lambda x, y: ops.nms(jaxtorch.from_jax(x), jaxtorch.from_jax(y), 0.5)._value())(b._value(), s._value())
    with pytest.raises(GraphBreak, match="remove_small_boxes|nonzero|mask"):
        jax.jit(lambda x: ops.remove_small_boxes(jaxtorch.from_jax(x), 1.0)._value())(b._value())


# ---------------------------------------------------------------------------------------------------- box formulas


def t_area(b):
    return (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])


def t_iou(b1, b2):
    lt = torch.max(b1[:, None, :2], b2[None, :, :2])
    rb = torch.min(b1[:, None, 2:], b2[None, :, 2:])
    wh = (rb - lt).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    union = t_area(b1)[:, None] + t_area(b2)[None, :] - inter
    return inter / union, union


def t_enclosing(b1, b2):
    lt = torch.min(b1[:, None, :2], b2[None, :, :2])
    rb = torch.max(b1[:, None, 2:], b2[None, :, 2:])
    return (rb - lt).clamp(min=0)


def t_giou(b1, b2):
    iou, union = t_iou(b1, b2)
    wh = t_enclosing(b1, b2)
    area = wh[..., 0] * wh[..., 1]
    return iou - (area - union) / area


def t_diou(b1, b2, eps=1e-7):
    iou, _ = t_iou(b1, b2)
    wh = t_enclosing(b1, b2)
    diag = wh[..., 0] ** 2 + wh[..., 1] ** 2 + eps
    c1, c2 = (b1[:, :2] + b1[:, 2:]) / 2, (b2[:, :2] + b2[:, 2:]) / 2
    dist = ((c1[:, None] - c2[None]) ** 2).sum(-1)
    return iou - dist / diag, iou


def t_ciou(b1, b2, eps=1e-7):
    diou, iou = t_diou(b1, b2, eps)
    w1, h1 = b1[:, 2] - b1[:, 0], b1[:, 3] - b1[:, 1]
    w2, h2 = b2[:, 2] - b2[:, 0], b2[:, 3] - b2[:, 1]
    v = (4 / math.pi**2) * (torch.atan(w1 / h1)[:, None] - torch.atan(w2 / h2)[None]) ** 2
    alpha = (v / (1 - iou + v + eps)).detach()
    return diou - alpha * v


@pytest.mark.parametrize(
    "name, ref",
    [
        ("box_iou", lambda a, b: t_iou(a, b)[0]),
        ("generalized_box_iou", t_giou),
        ("distance_box_iou", lambda a, b: t_diou(a, b)[0]),
        ("complete_box_iou", t_ciou),
    ],
)
def test_pairwise_ious_values_and_gradients(name, ref):
    b1, b2 = rand_boxes(5, seed=4), rand_boxes(4, seed=5)
    helper_test_op(None, ref, getattr(ops, name), inputs=[b1, b2], atol=1e-5)


def test_box_area_iou_formats_and_integer_boxes():
    b1, b2 = rand_boxes(5, seed=6), rand_boxes(3, seed=7)
    xyxy1, xyxy2 = torch.tensor(b1), torch.tensor(b2)
    expect = t_iou(xyxy1, xyxy2)[0]
    for fmt in ("xywh", "cxcywh"):
        j1 = ops.box_convert(jaxtorch.tensor(b1), "xyxy", fmt)
        j2 = ops.box_convert(jaxtorch.tensor(b2), "xyxy", fmt)
        assert_close(expect, ops.box_iou(j1, j2, fmt=fmt), atol=1e-6)
        assert_close(t_area(xyxy1), ops.box_area(j1, fmt=fmt), rtol=1e-5)
    ints = np.array([[0, 0, 4, 4], [2, 2, 6, 8]], np.int16)
    area = ops.box_area(jaxtorch.tensor(ints))
    assert area.dtype == jaxtorch.int32 and area.tolist() == [16, 24]  # small ints are widened to int32
    assert_close(
        t_iou(torch.tensor(ints.astype(np.int64)), torch.tensor(ints.astype(np.int64)))[0],
        ops.box_iou(jaxtorch.tensor(ints.astype(np.int64)), jaxtorch.tensor(ints.astype(np.int64))),
    )
    with pytest.raises(ValueError, match="Unsupported Bounding Box area for given format abc"):
        ops.box_area(jaxtorch.tensor(b1), fmt="abc")
    with pytest.raises(NotImplementedError, match="rotated"):
        ops.box_iou(jaxtorch.zeros(2, 5), jaxtorch.zeros(2, 5), fmt="cxcywhr")


def test_box_convert_every_pair():
    b = rand_boxes(4, seed=8)
    t = torch.tensor(b)
    x1, y1, x2, y2 = t.unbind(-1)
    forms = {
        "xyxy": t,
        "xywh": torch.stack([x1, y1, x2 - x1, y2 - y1], -1),
        "cxcywh": torch.stack([(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1], -1),
    }
    for a in forms:
        for c in forms:
            out = ops.box_convert(jaxtorch.tensor(forms[a].numpy()), a, c)
            assert_close(forms[c], out, atol=1e-5)
    rot = np.array([[5.0, 6.0, 4.0, 2.0, 30.0], [1.0, 2.0, 3.0, 5.0, -90.0]], np.float32)
    cx, cy, w, h, r = torch.tensor(rot).unbind(-1)
    rad = r * math.pi / 180
    x1r, y1r = (
        cx - w / 2 * torch.cos(rad) - h / 2 * torch.sin(rad),
        cy - h / 2 * torch.cos(rad) + w / 2 * torch.sin(rad),
    )
    xywhr = torch.stack([x1r, y1r, w, h, r], -1)
    assert_close(xywhr, ops.box_convert(jaxtorch.tensor(rot), "cxcywhr", "xywhr"), atol=1e-5)
    corners = ops.box_convert(jaxtorch.tensor(rot), "cxcywhr", "xyxyxyxy")
    x2r, y2r = x1r + w * torch.cos(rad), y1r - w * torch.sin(rad)
    expect = torch.stack(
        [
            x1r,
            y1r,
            x2r,
            y2r,
            x2r + h * torch.sin(rad),
            y2r + h * torch.cos(rad),
            x1r + h * torch.sin(rad),
            y1r + h * torch.cos(rad),
        ],
        -1,
    )
    assert_close(expect, corners, atol=1e-5)
    assert_close(torch.tensor(rot), ops.box_convert(corners, "xyxyxyxy", "cxcywhr"), atol=1e-4)
    with pytest.raises(ValueError, match="Unsupported Bounding Box Conversions for given in_fmt xyxy and out_fmt q"):
        ops.box_convert(jaxtorch.tensor(b), "xyxy", "q")
    with pytest.raises(NotImplementedError):
        ops.box_convert(jaxtorch.tensor(b), "xyxy", "cxcywhr")


def test_clip_remove_small_masks_to_boxes():
    b = np.array([[-3.0, 2.0, 15.0, 30.0], [1.0, 1.0, 1.5, 9.0], [2.0, -1.0, 6.0, 3.0]], np.float32)
    clipped = ops.clip_boxes_to_image(jaxtorch.tensor(b), (10, 12))
    np.testing.assert_array_equal(
        clipped.numpy(),
        np.stack([b[:, 0].clip(0, 12), b[:, 1].clip(0, 10), b[:, 2].clip(0, 12), b[:, 3].clip(0, 10)], 1),
    )
    keep = ops.remove_small_boxes(jaxtorch.tensor(b), 1.0)
    assert keep.dtype == jaxtorch.int64 and keep.tolist() == [0, 2]
    masks = np.zeros((3, 6, 7), bool)
    masks[0, 1:4, 2:6] = True
    masks[1, 5, 0] = True
    boxes = ops.masks_to_boxes(jaxtorch.tensor(masks))
    assert boxes.dtype == jaxtorch.float32
    np.testing.assert_array_equal(boxes.numpy(), [[2, 1, 5, 3], [0, 5, 0, 5], [0, 0, 0, 0]])
    assert ops.masks_to_boxes(jaxtorch.zeros((0, 3, 3))).shape == (0, 4)


def t_loss_parts(b1, b2, eps=1e-7):
    x1, y1, x2, y2 = b1.unbind(-1)
    x1g, y1g, x2g, y2g = b2.unbind(-1)
    iw = (torch.min(x2, x2g) - torch.max(x1, x1g)).clamp(min=0)
    ih = (torch.min(y2, y2g) - torch.max(y1, y1g)).clamp(min=0)
    inter = iw * ih
    union = (x2 - x1) * (y2 - y1) + (x2g - x1g) * (y2g - y1g) - inter
    cw, ch = torch.max(x2, x2g) - torch.min(x1, x1g), torch.max(y2, y2g) - torch.min(y1, y1g)
    return inter / (union + eps), union, cw, ch


def t_giou_loss(b1, b2, eps=1e-7):
    iou, union, cw, ch = t_loss_parts(b1, b2, eps)
    return 1 - (iou - (cw * ch - union) / (cw * ch + eps))


def t_diou_loss(b1, b2, eps=1e-7):
    iou, _, cw, ch = t_loss_parts(b1, b2, eps)
    d = ((b1[:, :2] + b1[:, 2:]) / 2 - (b2[:, :2] + b2[:, 2:]) / 2).pow(2).sum(-1)
    return 1 - iou + d / (cw**2 + ch**2 + eps)


def t_ciou_loss(b1, b2, eps=1e-7):
    iou = t_loss_parts(b1, b2)[0]
    w1, h1 = b1[:, 2] - b1[:, 0], b1[:, 3] - b1[:, 1]
    w2, h2 = b2[:, 2] - b2[:, 0], b2[:, 3] - b2[:, 1]
    v = (4 / math.pi**2) * (torch.atan(w2 / h2) - torch.atan(w1 / h1)) ** 2
    return t_diou_loss(b1, b2) + (v / (1 - iou + v + eps)).detach() * v


@pytest.mark.parametrize(
    "name, ref",
    [
        ("generalized_box_iou_loss", t_giou_loss),
        ("distance_box_iou_loss", t_diou_loss),
        ("complete_box_iou_loss", t_ciou_loss),
    ],
)
def test_box_iou_losses(name, ref):
    b1 = rand_boxes(6, seed=9, hi=10.0)
    b2 = rand_boxes(6, seed=10, hi=10.0)
    b2[0] = b1[0] + 20  # one pair without overlap
    fn = getattr(ops, name)
    helper_test_op(None, ref, fn, inputs=[b1, b2], atol=1e-5)
    for red in ("mean", "sum"):
        want = getattr(ref(torch.tensor(b1), torch.tensor(b2)), red)()
        assert_close(want, fn(jaxtorch.tensor(b1), jaxtorch.tensor(b2), reduction=red), atol=1e-5)
    empty = fn(jaxtorch.zeros((0, 4)), jaxtorch.zeros((0, 4)), reduction="mean")
    assert empty.shape == () and float(empty) == 0.0
    with pytest.raises(ValueError, match="Invalid Value for arg 'reduction'"):
        fn(jaxtorch.tensor(b1), jaxtorch.tensor(b2), reduction="max")


def test_sigmoid_focal_loss():
    rng = np.random.default_rng(11)
    logits = rng.normal(size=(4, 5)).astype(np.float32)
    targets = (rng.uniform(size=(4, 5)) > 0.6).astype(np.float32)

    def ref(x, t, alpha=0.25, gamma=2.0):
        p = torch.sigmoid(x)
        ce = TF.binary_cross_entropy_with_logits(x, t, reduction="none")
        p_t = p * t + (1 - p) * (1 - t)
        loss = ce * (1 - p_t) ** gamma
        return (alpha * t + (1 - alpha) * (1 - t)) * loss if alpha >= 0 else loss

    helper_test_op(None, ref, ops.sigmoid_focal_loss, inputs=[logits, targets], atol=1e-6)
    helper_test_op(
        None,
        lambda x, t: ref(x, t, -1, 1.5).sum(),
        lambda x, t: ops.sigmoid_focal_loss(x, t, alpha=-1, gamma=1.5, reduction="sum"),
        inputs=[logits, targets],
        atol=1e-5,
    )
    with pytest.raises(ValueError, match="Invalid alpha value: 2"):
        ops.sigmoid_focal_loss(jaxtorch.tensor(logits), jaxtorch.tensor(targets), alpha=2)


# ---------------------------------------------------------------------------------------------------- RoI kernels


def _bilinear_taps(y, x, H, W, dt):
    """roi_align's bilinear_interpolate (CPU kernel): [] for an empty sample, else 4 (row, col, weight)."""
    if y < -1.0 or y > H or x < -1.0 or x > W:
        return []
    y, x = max(y, dt(0)), max(x, dt(0))
    yl, xl = int(y), int(x)
    if yl >= H - 1:
        yh = yl = H - 1
        y = dt(yl)
    else:
        yh = yl + 1
    if xl >= W - 1:
        xh = xl = W - 1
        x = dt(xl)
    else:
        xh = xl + 1
    ly, lx = y - dt(yl), x - dt(xl)
    hy, hx = dt(1) - ly, dt(1) - lx
    return [(yl, xl, hy * hx), (yl, xh, hy * lx), (yh, xl, ly * hx), (yh, xh, ly * lx)]


def ref_roi_align(x, rois, pooled, scale, sr, aligned, grad_out, ps=False):
    """Forward and input gradient of torchvision's (ps_)roi_align CPU kernel, sample by sample."""
    dt = x.dtype.type
    n, c, H, W = x.shape
    ph, pw = pooled
    cout = c // (ph * pw) if ps else c
    out = np.zeros((len(rois), cout, ph, pw), x.dtype)
    grad = np.zeros_like(x)
    off = dt(0.5) if (aligned or ps) else dt(0)
    for k, r in enumerate(rois):
        b = int(r[0])
        sw, sh = r[1] * dt(scale) - off, r[2] * dt(scale) - off
        rw, rh = (r[3] * dt(scale) - off) - sw, (r[4] * dt(scale) - off) - sh
        if not aligned and not ps:
            rw, rh = max(rw, dt(1)), max(rh, dt(1))
        bh, bw = rh / dt(ph), rw / dt(pw)
        gh = sr if sr > 0 else int(math.ceil(rh / dt(ph)))
        gw = sr if sr > 0 else int(math.ceil(rw / dt(pw)))
        count = dt(gh * gw) if ps else dt(max(gh * gw, 1))
        for p in range(ph):
            for q in range(pw):
                chans = [(co, (co * ph + p) * pw + q) for co in range(cout)] if ps else [(ci, ci) for ci in range(c)]
                for iy in range(gh):
                    y = sh + dt(p) * bh + dt(iy + 0.5) * bh / dt(gh)
                    for ix in range(gw):
                        xx = sw + dt(q) * bw + dt(ix + 0.5) * bw / dt(gw)
                        for row, col, w in _bilinear_taps(y, xx, H, W, dt):
                            for co, ci in chans:
                                out[k, co, p, q] += w * x[b, ci, row, col]
                                grad[b, ci, row, col] += grad_out[k, co, p, q] * w / count
                out[k, :, p, q] /= count
    return out, grad


def check_roi(fn, ref, x, rois, *args, jit=False, **kw):
    """fn's output and input gradient (eager, or inside jax.jit) against the reference kernel."""
    k = len(rois)
    probe = fn(jaxtorch.tensor(x), jaxtorch.tensor(rois), *args, **kw)
    grad_out = np.random.default_rng(5).uniform(0.5, 1.5, tuple(probe.shape)).astype(x.dtype)
    want, want_grad = ref(grad_out)
    if jit:

        def run(xa, ra):
            xt = jaxtorch.from_jax(xa).requires_grad_()
            out = fn(xt, jaxtorch.from_jax(ra), *args, **kw)
            (out * jaxtorch.from_jax(grad_out)).sum().backward()
            return out._value(), xt.grad._value()

        out, g = (np.asarray(a) for a in jax.jit(run)(x, rois))
    else:
        xt = jaxtorch.tensor(x, requires_grad=True)
        rt = jaxtorch.tensor(rois, requires_grad=True)
        out_t = fn(xt, rt, *args, **kw)
        (out_t * jaxtorch.tensor(grad_out)).sum().backward()
        assert rt.grad is None  # torchvision's backward gives the boxes no gradient
        out, g = out_t.detach().numpy(), xt.grad.numpy()
    assert out.shape == want.shape and k == out.shape[0]
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=2e-6)
    np.testing.assert_allclose(g, want_grad, rtol=1e-5, atol=2e-6)


ROIS = np.array(
    [
        [0, 1.2, 0.5, 7.3, 8.1],
        [1, -3.1, -2.2, 4.4, 3.3],
        [0, 2.0, 2.0, 2.2, 2.1],
        [1, -30.3, -40.1, 60.2, 50.7],
        [0, 5.5, 5.1, 40.3, 9.2],
    ],
    np.float32,
)


@pytest.mark.parametrize("aligned, sampling_ratio", [(False, -1), (True, 2)])
def test_roi_align_values_and_gradients(aligned, sampling_ratio):
    x = np.random.default_rng(0).normal(size=(2, 3, 9, 11)).astype(np.float32)
    ref = lambda g: ref_roi_align(x, ROIS, (3, 4), 0.9, sampling_ratio, aligned, g)  # noqa: E731
    check_roi(ops.roi_align, ref, x, ROIS, (3, 4), 0.9, sampling_ratio, aligned)


@pytest.mark.parametrize("aligned, sampling_ratio", [(True, 0), (False, 3)])
def test_roi_align_inside_jit(aligned, sampling_ratio):
    # under a trace the adaptive grid is unknown: the interpolation-matrix form must give the same numbers
    x = np.random.default_rng(1).normal(size=(2, 2, 8, 7)).astype(np.float32)
    ref = lambda g: ref_roi_align(x, ROIS, (2, 3), 0.75, sampling_ratio, aligned, g)  # noqa: E731
    check_roi(ops.roi_align, ref, x, ROIS, (2, 3), 0.75, sampling_ratio, aligned, jit=True)


@pytest.mark.slow
def test_roi_align_in_a_compiled_training_step():
    # adaptive sampling under torch.compile: the whole step (conv, roi_align, backward, SGD) is one program
    def run(compiled):
        jaxtorch.manual_seed(0)
        conv = jaxtorch.nn.Conv2d(2, 3, 3, padding=1)
        opt = jaxtorch.optim.SGD(conv.parameters(), lr=0.1)

        def step(x, rois):
            opt.zero_grad()
            loss = ops.roi_align(conv(x), rois, 2, 1.0, -1, True).pow(2).sum()
            loss.backward()
            opt.step()
            return loss

        f = jaxtorch.compile(step, fullgraph=True) if compiled else step
        x = jaxtorch.tensor(np.random.default_rng(6).normal(size=(2, 2, 8, 8)).astype(np.float32))
        rois = jaxtorch.tensor([[0, 1.0, 1.0, 6.0, 5.0], [1, 0.5, 2.0, 7.5, 7.0]])
        return [f(x, rois).item() for _ in range(2)], conv.weight.detach().numpy()

    (eager, w_eager), (comp, w_comp) = run(False), run(True)
    np.testing.assert_allclose(comp, eager, rtol=1e-5)
    np.testing.assert_allclose(w_comp, w_eager, rtol=1e-5, atol=1e-6)


def test_roi_align_box_lists_module_and_checks():
    x = jaxtorch.tensor(np.random.default_rng(2).normal(size=(2, 3, 8, 8)).astype(np.float32))
    per_image = [jaxtorch.tensor(ROIS[ROIS[:, 0] == i, 1:]) for i in range(2)]
    as_rois = np.concatenate([ROIS[ROIS[:, 0] == i] for i in range(2)])
    want = ops.roi_align(x, jaxtorch.tensor(as_rois), 2, 0.5, 2)
    np.testing.assert_array_equal(ops.roi_align(x, per_image, 2, 0.5, 2).numpy(), want.numpy())
    m = ops.RoIAlign((2, 2), 0.5, 2, aligned=False)
    assert repr(m) == "RoIAlign(output_size=(2, 2), spatial_scale=0.5, sampling_ratio=2, aligned=False)"
    np.testing.assert_array_equal(m(x, per_image).numpy(), want.numpy())
    assert ops.roi_align(x, jaxtorch.zeros((0, 5)), 3).shape == (0, 3, 3, 3)
    with pytest.raises(AssertionError, match=r"Tensor\[K, 5\]"):
        ops.roi_align(x, jaxtorch.zeros((3, 4)), 2)
    with pytest.raises(RuntimeError, match="same type"):
        ops.roi_align(x, jaxtorch.zeros((3, 5), dtype=jaxtorch.float64), 2)


def ref_pool(x, rois, pooled, scale, grad_out, ps=False):
    """torchvision's roi_pool (max, argmax gradient) / ps_roi_pool (average) CPU kernels."""
    dt = x.dtype.type
    n, c, H, W = x.shape
    ph, pw = pooled
    cout = c // (ph * pw) if ps else c
    out = np.zeros((len(rois), cout, ph, pw), x.dtype)
    grad = np.zeros_like(x)

    def rnd(v):  # C round(): halves away from zero
        return int(math.floor(abs(v) + 0.5)) * (1 if v >= 0 else -1)

    for k, r in enumerate(rois):
        b = int(r[0])
        sw, sh, ew, eh = (rnd(float(r[i] * dt(scale))) for i in (1, 2, 3, 4))
        extra = 0 if ps else 1
        rw, rh = max(ew - sw + extra, 1), max(eh - sh + extra, 1)
        bh, bw = dt(rh) / dt(ph), dt(rw) / dt(pw)
        top_h, top_w = (H - 1, W - 1) if ps else (H, W)
        for p in range(ph):
            for q in range(pw):
                hs = min(max(int(math.floor(dt(p) * bh)) + sh, 0), top_h)
                he = min(max(int(math.ceil(dt(p + 1) * bh)) + sh, 0), top_h)
                ws = min(max(int(math.floor(dt(q) * bw)) + sw, 0), top_w)
                we = min(max(int(math.ceil(dt(q + 1) * bw)) + sw, 0), top_w)
                empty = he <= hs or we <= ws
                for co in range(cout):
                    ci = (co * ph + p) * pw + q if ps else co
                    if empty:
                        continue
                    if ps:
                        area = (he - hs) * (we - ws)
                        out[k, co, p, q] = x[b, ci, hs:he, ws:we].sum() / dt(area)
                        grad[b, ci, hs:he, ws:we] += grad_out[k, co, p, q] / dt(area)
                    else:
                        best, arg = -np.finfo(np.float32).max, None
                        for hh in range(hs, he):
                            for ww in range(ws, we):
                                if x[b, ci, hh, ww] > best:
                                    best, arg = x[b, ci, hh, ww], (hh, ww)
                        out[k, co, p, q] = best
                        if arg is not None:
                            grad[b, ci, arg[0], arg[1]] += grad_out[k, co, p, q]
    return out, grad


@pytest.mark.parametrize("jit", [False, True])
def test_roi_pool_values_and_gradients(jit):
    rng = np.random.default_rng(3)
    x = rng.integers(-3, 4, size=(2, 3, 9, 10)).astype(np.float32)  # ties: the first maximum gets the gradient
    rois = np.array(
        [
            [0, 1.5, 0.5, 7.4, 8.6],
            [1, -3.0, -2.0, 4.5, 3.5],
            [0, 2.0, 2.0, 2.2, 2.1],
            [1, 30.0, 1.0, 40.0, 5.0],
            [0, 2.5, -0.5, 9.5, 7.49],
        ],
        np.float32,
    )
    check_roi(ops.roi_pool, lambda g: ref_pool(x, rois, (3, 2), 0.8, g), x, rois, (3, 2), 0.8, jit=jit)
    assert repr(ops.RoIPool(3, 0.5)) == "RoIPool(output_size=3, spatial_scale=0.5)"


@pytest.mark.parametrize("jit", [False, True])
def test_ps_roi_align_and_pool(jit):
    x = np.random.default_rng(4).normal(size=(2, 12, 8, 9)).astype(np.float32)
    rois = ROIS[[0, 1, 3, 4]]
    check_roi(
        ops.ps_roi_align,
        lambda g: ref_roi_align(x, rois, (2, 3), 0.8, -1, True, g, ps=True),
        x,
        rois,
        (2, 3),
        0.8,
        -1,
        jit=jit,
    )
    check_roi(ops.ps_roi_pool, lambda g: ref_pool(x, rois, (2, 3), 0.8, g, ps=True), x, rois, (2, 3), 0.8, jit=jit)
    with pytest.raises(RuntimeError, match="input channels must be a multiple of pooling height \\* pooling width"):
        ops.ps_roi_pool(jaxtorch.tensor(x), jaxtorch.tensor(rois), 5)


def test_multiscale_roi_align_levels_eager_and_traced():
    rng = np.random.default_rng(5)
    feats = {
        "p2": rng.normal(size=(1, 2, 16, 16)).astype(np.float32),
        "skip": rng.normal(size=(1, 2, 12, 12)).astype(np.float32),
        "p3": rng.normal(size=(1, 2, 8, 8)).astype(np.float32),
    }
    boxes = np.array([[1.0, 2.0, 20.0, 25.0], [0.0, 0.0, 60.0, 62.0], [10.0, 5.0, 14.0, 9.0]], np.float32)
    m = ops.MultiScaleRoIAlign(["p2", "p3"], 3, 2)
    out = m({k: jaxtorch.tensor(v) for k, v in feats.items()}, [jaxtorch.tensor(boxes)], [(64, 64)])
    assert m.scales == [0.25, 0.125]
    # FPN eq. 1 with k0=4, s0=224, levels clamped to [2, 3]
    level = (
        np.clip(
            np.floor(4 + np.log2(np.sqrt((boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])) / 224) + 1e-6), 2, 3
        ).astype(int)
        - 2
    )
    rois = np.concatenate([np.zeros((3, 1), np.float32), boxes], 1)
    for i, lv in enumerate(level):
        name, scale = (("p2", 0.25), ("p3", 0.125))[lv]
        want = ops.roi_align(jaxtorch.tensor(feats[name]), jaxtorch.tensor(rois[i : i + 1]), 3, scale, 2)
        np.testing.assert_allclose(out.numpy()[i : i + 1], want.numpy(), rtol=1e-6, atol=1e-7)

    def traced(a, c, b):
        m2 = ops.MultiScaleRoIAlign(["p2", "p3"], 3, 2)
        return m2({"p2": jaxtorch.from_jax(a), "p3": jaxtorch.from_jax(c)}, [jaxtorch.from_jax(b)], [(64, 64)])._value()

    np.testing.assert_allclose(
        np.asarray(jax.jit(traced)(feats["p2"], feats["p3"], boxes)), out.numpy(), rtol=1e-5, atol=1e-6
    )


# ---------------------------------------------------------------------------------------------------- deform conv


def t_deform_conv(x, offset, weight, bias, stride, padding, dilation, mask):
    """Deformable convolution written with torch ops: zero-padded bilinear sampling per kernel tap, then a
    grouped 1x1-style contraction. Gradients of every input come from torch autograd."""
    n, c, h, w = x.shape
    cout, cpg, kh, kw = weight.shape
    oh, ow = offset.shape[2:]
    g_off = offset.shape[1] // (2 * kh * kw)
    g_w = c // cpg
    cols = []
    for i in range(kh):
        for j in range(kw):
            k = i * kw + j
            taps = []
            for g in range(g_off):
                oy = offset[:, 2 * (g * kh * kw + k)]
                ox = offset[:, 2 * (g * kh * kw + k) + 1]
                ys = (torch.arange(oh) * stride[0] - padding[0] + i * dilation[0])[None, :, None] + oy
                xs = (torch.arange(ow) * stride[1] - padding[1] + j * dilation[1])[None, None, :] + ox
                part = x[:, g * (c // g_off) : (g + 1) * (c // g_off)]
                y0, x0 = torch.floor(ys), torch.floor(xs)
                val = 0
                for dy, wy in ((0, 1 - (ys - y0)), (1, ys - y0)):
                    for dx, wx in ((0, 1 - (xs - x0)), (1, xs - x0)):
                        yy, xx = (y0 + dy).long(), (x0 + dx).long()
                        ok = (ys > -1) & (ys < h) & (xs > -1) & (xs < w) & (yy >= 0) & (yy < h) & (xx >= 0) & (xx < w)
                        idx = (
                            (yy.clamp(0, h - 1) * w + xx.clamp(0, w - 1))
                            .reshape(n, 1, -1)
                            .expand(-1, part.shape[1], -1)
                        )
                        v = torch.gather(part.reshape(n, part.shape[1], -1), 2, idx).reshape(n, -1, oh, ow)
                        val = val + torch.where(ok, wy * wx, torch.zeros_like(wy))[:, None] * v
                if mask is not None:
                    val = val * mask[:, g * kh * kw + k][:, None]
                taps.append(val)
            cols.append(torch.cat(taps, 1))  # [N, C, OH, OW] for tap k
    cols = torch.stack(cols, 2)  # [N, C, K, OH, OW]
    cols = cols.reshape(n, g_w, c // g_w, kh * kw, oh, ow)
    wg = weight.reshape(g_w, cout // g_w, cpg, kh * kw)
    out = torch.einsum("ngckhw,gock->ngohw", cols, wg).reshape(n, cout, oh, ow)
    return out if bias is None else out + bias[None, :, None, None]


def test_deform_conv2d_zero_offsets_is_conv2d():
    rng = np.random.default_rng(6)
    x, w, b = (rng.normal(size=s).astype(np.float32) for s in ((2, 4, 7, 6), (6, 2, 3, 2), (6,)))
    off = np.zeros((2, 2 * 3 * 2, 3, 7), np.float32)
    helper_test_op(
        None,
        lambda xi, wi, bi: TF.conv2d(xi, wi, bi, stride=(1, 1), padding=(0, 1), dilation=(2, 1), groups=2),
        lambda xi, wi, bi: ops.deform_conv2d(xi, jaxtorch.tensor(off), wi, bi, padding=(0, 1), dilation=(2, 1)),
        inputs=[x, w, b],
        atol=1e-5,
    )


def test_deform_conv2d_offsets_and_mask_gradients():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(1, 4, 6, 5)).astype(np.float32)
    w = rng.normal(size=(3, 4, 3, 3)).astype(np.float32)
    off = rng.uniform(-2.5, 2.5, size=(1, 2 * 2 * 9, 3, 3)).astype(np.float32)  # 2 offset groups, many taps outside
    mask = rng.uniform(0, 1, size=(1, 2 * 9, 3, 3)).astype(np.float32)
    b = rng.normal(size=(3,)).astype(np.float32)
    helper_test_op(
        None,
        lambda xi, oi, wi, mi, bi: t_deform_conv(xi, oi, wi, bi, (2, 2), (1, 1), (1, 1), mi),
        lambda xi, oi, wi, mi, bi: ops.deform_conv2d(xi, oi, wi, bi, stride=2, padding=1, mask=mi),
        inputs=[x, off, w, mask, b],
        atol=1e-5,
        grad_atol=1e-4,
    )
    m = ops.DeformConv2d(4, 3, 3, padding=1, bias=False)
    assert repr(m) == "DeformConv2d(4, 3, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)"
    with pytest.raises(RuntimeError, match="offset output dims"):
        ops.deform_conv2d(jaxtorch.tensor(x), jaxtorch.zeros(1, 18, 2, 2), jaxtorch.tensor(w))


# ---------------------------------------------------------------------------------------------------- modules


def _copy_into_torch(jmod, tmod):
    tmod.load_state_dict({k: torch.tensor(v.numpy()) for k, v in jmod.state_dict().items()})


def test_conv_norm_activation_blocks_match_torch_layers():
    jaxtorch.manual_seed(0)
    j = ops.Conv2dNormActivation(3, 4, kernel_size=3, stride=2)
    assert (
        list(j.state_dict())
        == ["0.weight", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked"]
        and j.out_channels == 4
    )
    t = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, 2, 1, bias=False), torch.nn.BatchNorm2d(4), torch.nn.ReLU())
    _copy_into_torch(j, t)
    x = np.random.default_rng(8).normal(size=(2, 3, 7, 7)).astype(np.float32)
    assert_close(t(torch.tensor(x)), j(jaxtorch.tensor(x)), atol=1e-5)
    j3 = ops.Conv3dNormActivation(2, 3, kernel_size=(3, 1, 5), norm_layer=None, activation_layer=jaxtorch.nn.SiLU)
    assert j3[0].padding == (1, 0, 2) and j3[0].bias is not None and len(j3) == 2
    t3 = torch.nn.Sequential(torch.nn.Conv3d(2, 3, (3, 1, 5), padding=(1, 0, 2)), torch.nn.SiLU())
    _copy_into_torch(j3, t3)
    x3 = np.random.default_rng(9).normal(size=(1, 2, 4, 3, 6)).astype(np.float32)
    assert_close(t3(torch.tensor(x3)), j3(jaxtorch.tensor(x3)), atol=1e-5)


def test_squeeze_excitation_mlp_permute_frozen_bn():
    jaxtorch.manual_seed(0)
    se = ops.SqueezeExcitation(4, 2)
    x = np.random.default_rng(10).normal(size=(2, 4, 3, 3)).astype(np.float32)
    sd = {k: torch.tensor(v.numpy()) for k, v in se.state_dict().items()}
    tx = torch.tensor(x)
    s = torch.relu(TF.conv2d(tx.mean((2, 3), keepdim=True), sd["fc1.weight"], sd["fc1.bias"]))
    want = torch.sigmoid(TF.conv2d(s, sd["fc2.weight"], sd["fc2.bias"])) * tx
    assert_close(want, se(jaxtorch.tensor(x)), atol=1e-6)

    mlp = ops.MLP(4, [8, 5], norm_layer=jaxtorch.nn.LayerNorm, dropout=0.0)
    assert [type(m).__name__ for m in mlp] == ["Linear", "LayerNorm", "ReLU", "Dropout", "Linear", "Dropout"]
    t = torch.nn.Sequential(
        torch.nn.Linear(4, 8),
        torch.nn.LayerNorm(8),
        torch.nn.ReLU(),
        torch.nn.Dropout(0.0),
        torch.nn.Linear(8, 5),
        torch.nn.Dropout(0.0),
    )
    _copy_into_torch(mlp, t)
    v = np.random.default_rng(11).normal(size=(3, 4)).astype(np.float32)
    assert_close(t(torch.tensor(v)), mlp(jaxtorch.tensor(v)), atol=1e-5)

    assert ops.Permute([0, 2, 3, 1])(jaxtorch.zeros(1, 2, 3, 4)).shape == (1, 3, 4, 2)

    bn = torch.nn.BatchNorm2d(4)
    bn.running_mean.uniform_(-1, 1)
    bn.running_var.uniform_(0.5, 2)
    bn.weight.data.uniform_(0.5, 1.5)
    bn.eval()
    frozen = ops.FrozenBatchNorm2d(4)
    frozen.load_state_dict({k: jaxtorch.tensor(v.numpy()) for k, v in bn.state_dict().items()})  # strict
    assert_close(bn(tx), frozen(jaxtorch.tensor(x)), atol=1e-5)


def test_feature_pyramid_network():
    jaxtorch.manual_seed(0)
    fpn = ops.FeaturePyramidNetwork([2, 3], 4, extra_blocks=ops.feature_pyramid_network.LastLevelMaxPool())
    rng = np.random.default_rng(12)
    c1, c2 = rng.normal(size=(1, 2, 8, 6)).astype(np.float32), rng.normal(size=(1, 3, 4, 3)).astype(np.float32)
    out = fpn({"a": jaxtorch.tensor(c1), "b": jaxtorch.tensor(c2)})
    assert list(out) == ["a", "b", "pool"]
    sd = {k: torch.tensor(v.numpy()) for k, v in fpn.state_dict().items()}
    inner1 = TF.conv2d(torch.tensor(c2), sd["inner_blocks.1.0.weight"], sd["inner_blocks.1.0.bias"])
    p2 = TF.conv2d(inner1, sd["layer_blocks.1.0.weight"], sd["layer_blocks.1.0.bias"], padding=1)
    inner0 = TF.conv2d(torch.tensor(c1), sd["inner_blocks.0.0.weight"], sd["inner_blocks.0.0.bias"])
    inner0 = inner0 + TF.interpolate(inner1, size=(8, 6), mode="nearest")
    p1 = TF.conv2d(inner0, sd["layer_blocks.0.0.weight"], sd["layer_blocks.0.0.bias"], padding=1)
    assert_close(p1, out["a"], atol=1e-5)
    assert_close(p2, out["b"], atol=1e-5)
    assert_close(p2[..., ::2, ::2], out["pool"], atol=1e-5)
    # version-1 checkpoints named the convs without the ".0"
    old = {k.replace(".0.", "."): v for k, v in fpn.state_dict().items()}
    fpn2 = ops.FeaturePyramidNetwork([2, 3], 4)
    fpn2.load_state_dict(old)
    np.testing.assert_array_equal(
        fpn2.state_dict()["inner_blocks.0.0.weight"].numpy(), fpn.state_dict()["inner_blocks.0.0.weight"].numpy()
    )


def test_stochastic_depth_and_drop_block():
    x = jaxtorch.ones(64, 3)
    jaxtorch.manual_seed(0)
    out = ops.stochastic_depth(x, 0.25, "row").numpy()
    assert (
        set(np.unique(out)) <= {0.0, np.float32(1 / 0.75)}
        and (out == out[:, :1]).all()
        and 0 < (out[:, 0] == 0).sum() < 64
    )
    jaxtorch.manual_seed(0)
    np.testing.assert_array_equal(ops.stochastic_depth(x, 0.25, "row").numpy(), out)  # the generator decides
    whole = ops.stochastic_depth(jaxtorch.ones(8, 2), 0.5, "batch").numpy()
    assert len(np.unique(whole)) == 1
    assert (ops.stochastic_depth(x, 1.0, "row").numpy() == 0).all()
    assert ops.stochastic_depth(x, 0.5, "row", training=False) is x
    m = ops.StochasticDepth(0.3, "row")
    assert repr(m) == "StochasticDepth(p=0.3, mode=row)" and m.eval()(x) is x
    with pytest.raises(ValueError, match="mode has to be either 'batch' or 'row', but got col"):
        ops.stochastic_depth(x, 0.1, "col")
    with pytest.raises(ValueError, match="drop probability has to be between 0 and 1, but got 1.5"):
        ops.stochastic_depth(x, 1.5, "row")

    # under compile each step draws a new mask (the generator counter is carried)
    step = jaxtorch.compile(lambda t: ops.stochastic_depth(t, 0.5, "row"))
    masks = [step(jaxtorch.ones(32, 1)).numpy() for _ in range(3)]
    assert not np.array_equal(masks[0], masks[1]) and not np.array_equal(masks[1], masks[2])

    jaxtorch.manual_seed(1)
    y = ops.drop_block2d(jaxtorch.ones(2, 3, 9, 9), 0.2, 3).numpy()
    kept = y != 0
    assert 0 < kept.mean() < 1 and np.allclose(y[kept], y.size / kept.sum(), rtol=1e-5)
    assert ops.drop_block2d(x[None, None], 0.5, 3, training=False) is not None
    with pytest.raises(ValueError, match="block size should be odd. Got 2 which is even."):
        ops.drop_block2d(jaxtorch.ones(1, 1, 5, 5), 0.5, 2)
    with pytest.raises(ValueError, match="input should be 5 dimensional. Got 4 dimensions."):
        ops.drop_block3d(jaxtorch.ones(1, 1, 5, 5), 0.5, 3)
    assert ops.DropBlock3d(0.1, 3)(jaxtorch.ones(1, 1, 4, 4, 4)).shape == (1, 1, 4, 4, 4)
