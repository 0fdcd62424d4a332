"""Loss modules and functional losses vs torch: every reduction, weights, ignore_index, label smoothing,
K-dim inputs, probability targets, and torch's errors for bad targets."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import jaxtorch
from _module_oracle import run_module
from _same import same_error
from helpers import assert_close, make_inputs

rng = np.random.default_rng(0)
LOGITS = make_inputs([(4, 5)])[0]
LOGITS_K = make_inputs([(2, 5, 3, 2)], seed=2)[0]
TGT = np.array([1, 0, 4, 2], np.int64)
TGT_IGN = np.array([1, -100, 4, 2], np.int64)
TGT_K = rng.integers(0, 5, size=(2, 3, 2)).astype(np.int64)
PROBS = rng.dirichlet(np.ones(5), size=4).astype(np.float32)
A = make_inputs([(4, 5)], seed=4)[0]
B = make_inputs([(4, 5)], seed=5)[0]
P01 = rng.uniform(0.05, 0.95, size=(4, 5)).astype(np.float32)
T01 = rng.uniform(0, 1, size=(4, 5)).astype(np.float32)
BIN = rng.integers(0, 2, size=(4, 5)).astype(np.float32)
SIGN4 = np.array([1.0, -1.0, -1.0, 1.0], np.float32)
SIGN45 = np.where(rng.uniform(size=(4, 5)) > 0.5, 1.0, -1.0).astype(np.float32)
W5 = rng.uniform(0.5, 2, size=5).astype(np.float32)
VAR = rng.uniform(0.1, 2, size=(4, 5)).astype(np.float32)
POS = rng.uniform(0.1, 3, size=(4, 5)).astype(np.float32)
COUNTS = rng.integers(0, 5, size=(4, 5)).astype(np.float32)
ML_TGT = np.array([[3, 0, -1, 1, 2], [1, 2, 3, 4, -1], [0, -1, 2, 2, 2], [4, 3, 2, 1, 0]], np.int64)


def _w(T):
    return T.tensor(W5)


CASES = []
for red in ("mean", "sum", "none"):
    CASES += [
        (f"CrossEntropy-{red}", lambda nn, r=red: nn.CrossEntropyLoss(reduction=r), [LOGITS, TGT]),
        (f"CrossEntropy-weight-ignore-{red}",
         lambda nn, r=red: nn.CrossEntropyLoss(weight=_w(torch if nn is torch.nn else jaxtorch), reduction=r),
         [LOGITS, TGT_IGN]),
        (f"CrossEntropy-smooth-weight-{red}",
         lambda nn, r=red: nn.CrossEntropyLoss(weight=_w(torch if nn is torch.nn else jaxtorch), reduction=r,
                                               label_smoothing=0.2), [LOGITS, TGT_IGN]),
        (f"CrossEntropy-smooth-{red}", lambda nn, r=red: nn.CrossEntropyLoss(reduction=r, label_smoothing=0.1),
         [LOGITS, TGT_IGN]),
        (f"CrossEntropy-Kdim-{red}", lambda nn, r=red: nn.CrossEntropyLoss(reduction=r, ignore_index=3),
         [LOGITS_K, TGT_K]),
        (f"CrossEntropy-probs-{red}", lambda nn, r=red: nn.CrossEntropyLoss(reduction=r), [LOGITS, PROBS]),
        (f"CrossEntropy-probs-smooth-weight-{red}",
         lambda nn, r=red: nn.CrossEntropyLoss(weight=_w(torch if nn is torch.nn else jaxtorch), reduction=r,
                                               label_smoothing=0.3), [LOGITS, PROBS]),
        (f"NLL-{red}", lambda nn, r=red: nn.NLLLoss(reduction=r), [LOGITS, TGT_IGN]),
        (f"NLL-weight-Kdim-{red}", lambda nn, r=red: nn.NLLLoss(_w(torch if nn is torch.nn else jaxtorch),
                                                               reduction=r), [LOGITS_K, TGT_K]),
        (f"MSE-{red}", lambda nn, r=red: nn.MSELoss(reduction=r), [A, B]),
        (f"L1-{red}", lambda nn, r=red: nn.L1Loss(reduction=r), [A, B]),
        (f"SmoothL1-{red}", lambda nn, r=red: nn.SmoothL1Loss(reduction=r, beta=0.5), [A, B]),
        (f"Huber-{red}", lambda nn, r=red: nn.HuberLoss(reduction=r, delta=0.7), [A, B]),
        (f"BCE-{red}", lambda nn, r=red: nn.BCELoss(reduction=r), [P01, T01]),
        (f"BCEWithLogits-{red}", lambda nn, r=red: nn.BCEWithLogitsLoss(reduction=r), [A, BIN]),
        (f"KLDiv-{red}", lambda nn, r=red: nn.KLDivLoss(reduction=r), [A, T01]),
        (f"CosineEmbedding-{red}", lambda nn, r=red: nn.CosineEmbeddingLoss(0.1, reduction=r), [A, B, SIGN4]),
        (f"MarginRanking-{red}", lambda nn, r=red: nn.MarginRankingLoss(0.3, reduction=r), [A, B, SIGN45]),
        (f"TripletMargin-{red}", lambda nn, r=red: nn.TripletMarginLoss(reduction=r), [A, B, P01]),
        (f"PoissonNLL-{red}", lambda nn, r=red: nn.PoissonNLLLoss(reduction=r), [A, COUNTS]),
        (f"GaussianNLL-{red}", lambda nn, r=red: nn.GaussianNLLLoss(reduction=r), [A, B, VAR]),
        (f"MultiLabelSoftMargin-{red}", lambda nn, r=red: nn.MultiLabelSoftMarginLoss(reduction=r), [A, BIN]),
        (f"SoftMargin-{red}", lambda nn, r=red: nn.SoftMarginLoss(reduction=r), [A, SIGN45], (0,)),
        (f"HingeEmbedding-{red}", lambda nn, r=red: nn.HingeEmbeddingLoss(0.5, reduction=r), [A, SIGN45]),
        (f"MultiMargin-{red}", lambda nn, r=red: nn.MultiMarginLoss(reduction=r), [LOGITS, TGT]),
        (f"MultiLabelMargin-{red}", lambda nn, r=red: nn.MultiLabelMarginLoss(reduction=r), [A, ML_TGT]),
    ]
CASES += [
    ("SmoothL1-beta0", lambda nn: nn.SmoothL1Loss(beta=0.0), [A, B]),
    ("BCE-weight", lambda nn: nn.BCELoss(weight=_w(torch if nn is torch.nn else jaxtorch)), [P01, T01]),
    ("BCEWithLogits-posweight", lambda nn: nn.BCEWithLogitsLoss(
        weight=(torch if nn is torch.nn else jaxtorch).tensor(W5[::-1].copy()),
        pos_weight=_w(torch if nn is torch.nn else jaxtorch)), [A, BIN]),
    ("KLDiv-batchmean-logtarget", lambda nn: nn.KLDivLoss(reduction="batchmean", log_target=True), [A, B]),
    ("KLDiv-zero-target", lambda nn: nn.KLDivLoss(reduction="sum"), [A, BIN]),
    ("CosineEmbedding-1d", lambda nn: nn.CosineEmbeddingLoss(), [A[0], B[0], SIGN4[:1].reshape(())]),
    ("TripletMargin-p1-swap", lambda nn: nn.TripletMarginLoss(0.5, p=1, swap=True), [A, B, P01]),
    # torch's target gradient of the Stirling term is nan at target 0: only the input gets a gradient
    ("PoissonNLL-full-nolog", lambda nn: nn.PoissonNLLLoss(log_input=False, full=True), [POS, COUNTS], (0,)),
    ("GaussianNLL-full-homosc", lambda nn: nn.GaussianNLLLoss(full=True), [A, B, VAR[:, :1]]),
    ("GaussianNLL-varclamp", lambda nn: nn.GaussianNLLLoss(eps=0.5), [A, B, VAR]),
    ("MultiLabelSoftMargin-weight", lambda nn: nn.MultiLabelSoftMarginLoss(
        _w(torch if nn is torch.nn else jaxtorch)), [A, BIN]),
    ("MultiMargin-p2-weight", lambda nn: nn.MultiMarginLoss(2, 0.5, _w(torch if nn is torch.nn else jaxtorch)),
     [LOGITS, TGT]),
    ("CrossEntropy-unbatched", lambda nn: nn.CrossEntropyLoss(), [LOGITS[0], np.array(3, np.int64)]),
    ("NLL-unbatched", lambda nn: nn.NLLLoss(), [LOGITS[0], np.array(2, np.int64)]),
]


@pytest.mark.parametrize("make,inputs,grad_inputs", [(c[1], c[2], c[3] if len(c) > 3 else None) for c in CASES],
                         ids=[c[0] for c in CASES])
def test_loss_matches_torch(make, inputs, grad_inputs):
    run_module(make, inputs, modes=(True,), check_repr=True, grad_inputs=grad_inputs)


def test_soft_margin_target_requires_grad_raises():
    same_error(lambda T: T.nn.functional.soft_margin_loss(T.ones(3, requires_grad=True), T.ones(3, requires_grad=True)))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("zero_infinity", [False, True])
def test_ctc_loss(reduction, zero_infinity):
    T, N, C = 6, 3, 4
    lp = np.log(rng.dirichlet(np.ones(C), size=(T, N))).astype(np.float32)
    targets = np.array([[1, 2, 2], [3, 1, 0], [2, 0, 0]], np.int64)
    in_len, tgt_len = [6, 5, 4], [3, 2, 1]
    if zero_infinity:
        in_len[2], tgt_len[2] = 1, 3  # impossible alignment: infinite loss
        targets[2] = [1, 2, 3]

    def run(T_):
        x = T_.tensor(lp, requires_grad=True)
        loss = T_.nn.functional.ctc_loss(x, T_.tensor(targets), T_.tensor(in_len), T_.tensor(tgt_len),
                                         reduction=reduction, zero_infinity=zero_infinity)
        loss.sum().backward()
        return loss, x.grad

    (tl, tg), (jl, jg) = run(torch), run(jaxtorch)
    assert_close(tl, jl, rtol=1e-4, atol=1e-5)  # a 6-step log-space recursion in float32
    assert_close(tg, jg, rtol=1e-4, atol=1e-5)


def test_ctc_concatenated_targets_and_module():
    T, N, C = 5, 2, 3
    lp = np.log(rng.dirichlet(np.ones(C), size=(T, N))).astype(np.float32)
    outs = []
    for T_ in (torch, jaxtorch):
        x = T_.tensor(lp, requires_grad=True)
        loss = T_.nn.CTCLoss(blank=0)(x, T_.tensor([1, 2, 2]), (5, 4), (2, 1))
        loss.backward()
        outs.append((loss, x.grad))
    assert_close(outs[0][0], outs[1][0], rtol=1e-5, atol=1e-6)
    assert_close(outs[0][1], outs[1][1], rtol=1e-4, atol=1e-5)


def F(T):
    return T.nn.functional


def test_class_index_errors():
    same_error(lambda T: F(T).cross_entropy(T.randn(3, 4), T.tensor([0, 5, 1])))
    same_error(lambda T: F(T).cross_entropy(T.randn(3, 4), T.tensor([0, -2, 1])))
    same_error(lambda T: F(T).nll_loss(T.randn(3, 4), T.tensor([0, 1])))
    same_error(lambda T: F(T).nll_loss(T.randn(3, 4, 5), T.zeros(2, 5, dtype=T.int64)))
    same_error(lambda T: F(T).nll_loss(T.randn(3, 4), T.tensor([0, 1, 2]), weight=T.ones(3)))
    same_error(lambda T: F(T).nll_loss(T.randn(3), T.tensor([0, 1, 2])))
    same_error(lambda T: F(T).nll_loss(T.randn(3), T.tensor(5)))
    same_error(lambda T: F(T).cross_entropy(T.randn(3, 4), T.tensor([0, 1, 2]), reduction="foo"))
    same_error(lambda T: F(T).cross_entropy(T.randn(3, 4), T.tensor([0, 1, 2]), label_smoothing=1.5))


def test_shape_errors_and_warnings():
    same_error(lambda T: F(T).binary_cross_entropy(T.rand(3, 1), T.rand(3)))
    same_error(lambda T: F(T).binary_cross_entropy_with_logits(T.rand(3, 1), T.rand(3)))
    same_error(lambda T: F(T).binary_cross_entropy(T.ones(3) * 2, T.rand(3)))
    same_error(lambda T: F(T).mse_loss(T.rand(3, 2), T.rand(3)))
    same_error(lambda T: F(T).gaussian_nll_loss(T.rand(3, 2), T.rand(3, 2), T.rand(2)))
    same_error(lambda T: F(T).gaussian_nll_loss(T.rand(3, 2), T.rand(3, 2), -T.ones(3, 2)))
    same_error(lambda T: T.nn.TripletMarginLoss(margin=0))
    with pytest.warns(UserWarning, match="Using a target size"):
        j = F(jaxtorch).mse_loss(jaxtorch.tensor(A[:, :1]), jaxtorch.tensor(B[:, 0]))
    with pytest.warns(UserWarning):
        t = F(torch).mse_loss(torch.tensor(A[:, :1]), torch.tensor(B[:, 0]))
    assert_close(t, j)
    with pytest.warns(UserWarning, match="batchmean"):
        F(jaxtorch).kl_div(jaxtorch.tensor(A), jaxtorch.tensor(T01))


def test_legacy_size_average_reduce():
    for sa, rd in ((False, None), (None, False), (True, True)):
        with pytest.warns(UserWarning):
            t = torch.nn.MSELoss(size_average=sa, reduce=rd)
        with pytest.warns(UserWarning):
            j = jaxtorch.nn.MSELoss(size_average=sa, reduce=rd)
        assert t.reduction == j.reduction


def test_weighted_loss_state_dict():
    t = torch.nn.CrossEntropyLoss(weight=torch.tensor(W5))
    j = jaxtorch.nn.CrossEntropyLoss(weight=jaxtorch.tensor(W5))
    assert list(t.state_dict()) == list(j.state_dict()) == ["weight"]
    t = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(W5))
    j = jaxtorch.nn.BCEWithLogitsLoss(pos_weight=jaxtorch.tensor(W5))
    assert list(t.state_dict()) == list(j.state_dict())


@pytest.mark.parametrize("fn", ["cross_entropy", "nll_loss"])
@pytest.mark.parametrize("dtype", ["int32", "int16", "float32", "bool"])
def test_class_target_dtype_must_be_long_or_byte(fn, dtype):
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    same_error(lambda lib: getattr(lib.nn.functional, fn)(lib.tensor(x), lib.tensor([1, 0, 1]).to(getattr(lib, dtype))))


def test_bce_with_logits_gradient_at_zero_logit():
    """Logits exactly 0 (a common init value) get torch's gradient sigmoid(0) - target, with and without
    pos_weight."""
    import numpy as np
    import torch

    import jaxtorch

    target = np.array([0.0, 0.5, 1.0, 0.25], np.float32)
    pw = np.array([2.0, 1.0, 3.0, 0.5], np.float32)
    for kwargs in ({}, {"pos_weight": pw}):
        grads = []
        for lib in (torch, jaxtorch):
            x = lib.zeros(4, requires_grad=True)
            kw = {k: lib.tensor(v) for k, v in kwargs.items()}
            lib.nn.functional.binary_cross_entropy_with_logits(x, lib.tensor(target), **kw).backward()
            grads.append(np.asarray(x.grad.numpy()))
        np.testing.assert_allclose(grads[1], grads[0], rtol=1e-6, atol=1e-7)
