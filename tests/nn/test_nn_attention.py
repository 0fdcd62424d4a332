"""torch.nn.attention against real torch: sdpa_kernel and the SDPA backend switches, flex_attention (values,
logsumexp, gradients, BlockMask), and the causal biases of torch.nn.attention.bias.

The flex_attention oracle is torch's own flex_attention on CPU. torch refuses backward there before computing
anything ("FlexAttention does not support backward on CPU"); the `torch_flex` fixture lifts that one device
check, so torch runs the computation its eager path always runs (its dense fallback, traced by dynamo with the
eager backend) with its own autograd, which also gives gradients of tensors captured by score_mod."""

from __future__ import annotations

import logging
import warnings
from unittest import mock

import numpy as np
import pytest
import torch
import torch.nn.attention.bias  # noqa: F401  (torch does not import its submodules with the package)

import jaxtorch
import jaxtorch.nn.attention.bias  # noqa: F401
import jaxtorch.nn.attention.flex_attention  # noqa: F401
from helpers import assert_close, to_np

# softmax over a row plus two float32 matmuls; torch's dense fallback also rounds the logsumexp through log2
RTOL, ATOL = 1e-5, 1e-5
G_RTOL, G_ATOL = 1e-4, 1e-5  # gradients chain a few more float32 reductions

B, H, L, D = 2, 2, 16, 8


@pytest.fixture(scope="module")
def torch_flex():
    import torch.nn.attention.flex_attention as tfa

    with mock.patch.object(tfa, "_validate_device", lambda *a: None), warnings.catch_warnings():
        # torch warns that flex_attention runs uncompiled: that is the path wanted here
        warnings.simplefilter("ignore", UserWarning)
        yield tfa


def _jfa():
    import jaxtorch.nn.attention.flex_attention as jfa

    return jfa


def _inputs(shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(np.float32) for s in shapes]


def _leaves(arrays):
    return (
        [torch.tensor(a, requires_grad=True) for a in arrays],
        [jaxtorch.tensor(a, requires_grad=True) for a in arrays],
    )


def _compare_flex(run, arrays, *, grad=True):
    """run(lib, *tensors) -> output or (output, lse) in both libraries; compares values, then gradients of a
    weighted sum of every output (lse included) with respect to every input."""
    t_in, j_in = _leaves(arrays)
    t_out, j_out = run(torch, *t_in), run(jaxtorch, *j_in)
    t_outs = list(t_out) if isinstance(t_out, tuple) else [t_out]
    j_outs = list(j_out) if isinstance(j_out, tuple) else [j_out]
    assert_close(t_outs, j_outs, RTOL, ATOL)
    if not grad:
        return t_outs, j_outs
    rng = np.random.default_rng(7)
    weights = [rng.uniform(0.5, 1.5, tuple(o.shape)).astype(np.float32) for o in t_outs]
    # a fully masked row's lse is -inf in both; keep it out of the loss (its gradient is 0 in both)
    t_loss = sum((torch.where(o.isinf(), 0, o) * torch.tensor(w)).sum() for o, w in zip(t_outs, weights))
    j_loss = sum((jaxtorch.where(o.isinf(), 0, o) * jaxtorch.tensor(w)).sum() for o, w in zip(j_outs, weights))
    t_loss.backward()
    j_loss.backward()
    for i, (a, b) in enumerate(zip(t_in, j_in)):
        assert_close(a.grad, b.grad, G_RTOL, G_ATOL, what=f"grad[{i}]")
    return t_outs, j_outs


# ---------------------------------------------------------------------------------------------
# flex_attention: masks through create_block_mask (BLOCK_SIZE 4 < L, so the block structure matters)


def _causal(b, h, q, kv):
    return q >= kv


def _window(b, h, q, kv):
    return (q - kv).abs() <= 3


def _prefix(b, h, q, kv):
    return kv < 4


def _mask_mods(lib):
    doc = lib.tensor([0] * 5 + [1] * 7 + [2] * 4)  # document ids: a captured tensor indexed by the mods

    def document(b, h, q, kv):
        return doc[q] == doc[kv]

    fa = lib.nn.attention.flex_attention
    return {
        "causal": _causal,
        "sliding_window": fa.and_masks(_causal, _window),
        "prefix_lm": fa.or_masks(_prefix, _causal),
        "document_causal": fa.and_masks(document, _causal),
        "per_batch_head": lambda b, h, q, kv: (q + b + h) % 3 != 0,
        "noop": fa.noop_mask,
    }


MASKS = ["causal", "sliding_window", "prefix_lm", "document_causal", "per_batch_head", "noop"]


@pytest.mark.parametrize("name", MASKS)
def test_flex_block_mask(torch_flex, name):
    jfa = _jfa()
    masks = {"torch": _mask_mods(torch)[name], "jaxtorch": _mask_mods(jaxtorch)[name]}
    bms = {}

    def run(lib, q, k, v):
        fa = torch_flex if lib is torch else jfa
        bm = fa.create_block_mask(masks[lib.__name__], B, H, L, L, device="cpu", BLOCK_SIZE=4)
        bms[lib.__name__] = bm
        return fa.flex_attention(q, k, v, block_mask=bm)

    _compare_flex(run, _inputs([(B, H, L, D)] * 3))
    t_bm, j_bm = bms["torch"], bms["jaxtorch"]
    for attr in j_bm._TENSOR_ATTRS:
        t, j = getattr(t_bm, attr), getattr(j_bm, attr)
        assert (t is None) == (j is None), attr
        if t is not None:
            assert_close(t, j, what=attr)
    assert_close(t_bm.to_dense(), j_bm.to_dense(), what="to_dense")
    assert j_bm.shape == t_bm.shape and j_bm.seq_lengths == t_bm.seq_lengths and j_bm.BLOCK_SIZE == t_bm.BLOCK_SIZE
    assert j_bm.sparsity() == pytest.approx(t_bm.sparsity()) and j_bm.numel() == t_bm.numel()
    assert str(j_bm) == str(t_bm)
    assert repr(j_bm).replace("jaxtorch", "torch") == repr(t_bm)


def test_block_mask_padding_and_separate_full(torch_flex):
    """Lengths that are not multiples of the block size, B/H of None, rectangular blocks, no full blocks."""
    jfa = _jfa()
    for kw in (
        dict(B=None, H=None, Q_LEN=10, KV_LEN=6, BLOCK_SIZE=4),
        dict(B=2, H=None, Q_LEN=10, KV_LEN=7, BLOCK_SIZE=(4, 2)),
        dict(B=1, H=2, Q_LEN=9, KV_LEN=9, BLOCK_SIZE=4, separate_full_blocks=False),
    ):
        t_bm = torch_flex.create_block_mask(_causal, device="cpu", **kw)
        j_bm = jfa.create_block_mask(_causal, device="cpu", **kw)
        for attr in j_bm._TENSOR_ATTRS:
            t, j = getattr(t_bm, attr), getattr(j_bm, attr)
            assert (t is None) == (j is None), attr
            if t is not None:
                assert_close(t, j, what=attr)
        assert j_bm.shape == t_bm.shape and j_bm.sparsity() == pytest.approx(t_bm.sparsity())
    # attention through the last (padded, no full blocks) mask
    q, k = _inputs([(2, 2, 9, D), (2, 2, 9, D)])
    assert_close(
        torch_flex.flex_attention(torch.tensor(q), torch.tensor(k), torch.tensor(k), block_mask=t_bm),
        jfa.flex_attention(jaxtorch.tensor(q), jaxtorch.tensor(k), jaxtorch.tensor(k), block_mask=j_bm),
        RTOL,
        ATOL,
    )


def test_block_mask_api(torch_flex):
    jfa = _jfa()
    t_bm = torch_flex.create_block_mask(_causal, B, H, L, L, device="cpu", BLOCK_SIZE=4)
    j_bm = jfa.create_block_mask(_causal, B, H, L, L, device="cpu", BLOCK_SIZE=4)
    for index in (0, (1, 0), (slice(0, 1), slice(1, 2)), -1, (0, 1, torch.tensor([1, 3], dtype=torch.int32))):
        j_index = tuple(
            jaxtorch.tensor(i.numpy()) if isinstance(i, torch.Tensor) else i
            for i in (index if isinstance(index, tuple) else (index,))
        )
        t_sub, j_sub = t_bm[index], j_bm[j_index]
        assert j_sub.shape == t_sub.shape, index
        assert_close(t_sub.to_dense(), j_sub.to_dense(), what=str(index))
        assert_close(t_sub.q_indices, j_sub.q_indices, what=str(index))
    q = jaxtorch.randn(1, 1, L, D)
    with pytest.raises(RuntimeError, match="Cannot use mask_mod from a sliced BlockMask"):
        jfa.flex_attention(q, q, q, block_mask=j_bm[0])
    # _adjust crops to the upper-left corner by torch's rule
    t_adj, j_adj = t_bm._adjust(8, 12), j_bm._adjust(8, 12)
    assert j_adj.shape == t_adj.shape
    for attr in ("kv_num_blocks", "kv_indices", "full_kv_num_blocks", "full_kv_indices", "q_num_blocks", "q_indices"):
        assert_close(getattr(t_adj, attr), getattr(j_adj, attr), what=attr)
    # as_tuple: torch's order and structure
    t_tup, j_tup = t_bm.as_tuple(), j_bm.as_tuple()
    assert len(t_tup) == len(j_tup)
    for a, b in zip(t_tup, j_tup):
        if isinstance(a, torch.Tensor):
            assert_close(a, b)
        elif not callable(a):
            assert a == b
    assert t_bm.as_tuple(flatten=False)[0] == j_bm.as_tuple(flatten=False)[0] == (L, L)
    assert j_bm.to("cpu").shape == j_bm.shape
    # to_string with a small grid squeezes blocks into mixed cells
    assert j_bm.to_string(grid_size=2) == t_bm.to_string(grid_size=2)
    assert j_bm.to_string(grid_size=-1, limit=1) == t_bm.to_string(grid_size=-1, limit=1)


def test_from_kv_blocks_follows_the_block_lists():
    """A BlockMask made from block lists with the default mask_mod attends exactly to the listed blocks (torch's
    kernels; torch.compile(flex_attention) on CPU gives the same). The reference is torch's SDPA with the mask
    torch's own BlockMask.to_dense describes."""
    from torch.nn.attention.flex_attention import BlockMask as TBlockMask

    jfa = _jfa()
    num = np.array([[[1, 2, 1, 3]]], np.int32)
    idx = np.array([[[[0, 1, 2, 3], [1, 0, 2, 3], [2, 0, 1, 3], [3, 1, 2, 0]]]], np.int32)
    t_bm = TBlockMask.from_kv_blocks(torch.tensor(num), torch.tensor(idx), BLOCK_SIZE=4)
    j_bm = jfa.BlockMask.from_kv_blocks(jaxtorch.tensor(num), jaxtorch.tensor(idx), BLOCK_SIZE=4)
    assert_close(t_bm.to_dense(), j_bm.to_dense())
    assert_close(t_bm.q_num_blocks, j_bm.q_num_blocks)
    assert_close(t_bm.q_indices, j_bm.q_indices)
    element_mask = t_bm.to_dense()[0, 0].bool().repeat_interleave(4, 0).repeat_interleave(4, 1)
    q, k, v = _inputs([(B, H, L, D)] * 3)
    expected = torch.nn.functional.scaled_dot_product_attention(
        torch.tensor(q), torch.tensor(k), torch.tensor(v), attn_mask=element_mask
    )
    out = jfa.flex_attention(jaxtorch.tensor(q), jaxtorch.tensor(k), jaxtorch.tensor(v), block_mask=j_bm)
    assert_close(expected, out, RTOL, ATOL)


# ---------------------------------------------------------------------------------------------
# flex_attention: score_mod, logsumexp, GQA


def _score_mods(lib, table):
    slopes = lib.tensor([0.5, 0.25, 0.125, 0.0625])

    return {
        "relative_position": lambda s, b, h, q, kv: s + (q - kv) * 0.1,
        "alibi": lambda s, b, h, q, kv: s + slopes[h] * (kv - q),
        "softcap": lambda s, b, h, q, kv: lib.tanh(s / 2.0) * 2.0,
        "bias_table": lambda s, b, h, q, kv: s + table[h, q - kv + L - 1],
        "causal_by_score": lambda s, b, h, q, kv: lib.where(q >= kv, s, -float("inf")),
    }


SCORE_MODS = ["relative_position", "alibi", "softcap", "bias_table", "causal_by_score"]


@pytest.mark.parametrize("name", SCORE_MODS)
def test_flex_score_mod(torch_flex, name):
    """Values, lse and gradients wrt q, k, v and a learnable table the score_mod captures."""
    jfa = _jfa()
    arrays = _inputs([(B, H, L, D)] * 3 + [(H, 2 * L - 1)])

    def run(lib, q, k, v, table):
        fa = torch_flex if lib is torch else jfa
        out, aux = fa.flex_attention(
            q, k, v, score_mod=_score_mods(lib, table)[name], return_aux=fa.AuxRequest(lse=True)
        )
        return out, aux.lse

    _compare_flex(run, arrays)


def test_flex_plain_scale_and_lse(torch_flex):
    jfa = _jfa()

    def run(lib, q, k, v):
        fa = torch_flex if lib is torch else jfa
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # return_lse is deprecated in torch 2.13
            return fa.flex_attention(q, k, v, scale=0.3, return_lse=True)

    (t_out, t_lse), (j_out, j_lse) = _compare_flex(run, _inputs([(B, H, 12, D), (B, H, 6, D), (B, H, 6, 4)]))
    # base e: it is the logsumexp of the scaled scores; without mods the output is SDPA's
    q, k, v = (torch.tensor(a) for a in _inputs([(B, H, 12, D), (B, H, 6, D), (B, H, 6, 4)]))
    assert_close(torch.logsumexp(q @ k.transpose(-1, -2) * 0.3, -1), j_lse, RTOL, ATOL)
    assert_close(torch.nn.functional.scaled_dot_product_attention(q, k, v, scale=0.3), j_out, RTOL, ATOL)


def test_flex_fully_masked_rows(torch_flex):
    """Query rows with nothing to attend to give zeros and an lse of -inf, as in torch (mask and score_mod)."""
    jfa = _jfa()
    arrays = _inputs([(B, H, L, D)] * 3)

    def run(lib, q, k, v):
        fa = torch_flex if lib is torch else jfa
        bm = fa.create_block_mask(
            lambda b, h, qi, kv: (qi >= kv) & (qi % 5 != 2), B, H, L, L, device="cpu", BLOCK_SIZE=4
        )
        out, aux = fa.flex_attention(q, k, v, block_mask=bm, return_aux=fa.AuxRequest(lse=True))
        return out, aux.lse

    (t_out, t_lse), (j_out, j_lse) = _compare_flex(run, arrays)
    assert np.all(to_np(j_out)[:, :, 2] == 0) and np.all(np.isneginf(to_np(j_lse)[:, :, 2]))

    def run_mod(lib, q, k, v):
        fa = torch_flex if lib is torch else jfa
        return fa.flex_attention(
            q,
            k,
            v,
            score_mod=lambda s, b, h, qi, kv: lib.where(qi == 3, -float("inf"), s),
            return_aux=fa.AuxRequest(lse=True),
        )[1]

    _compare_flex(run_mod, arrays, grad=False)


def test_flex_gqa_and_batch_broadcast(torch_flex):
    jfa = _jfa()

    def run(lib, q, k, v, slopes):
        fa = torch_flex if lib is torch else jfa
        bm = fa.create_block_mask(_causal, B, 4, L, L, device="cpu", BLOCK_SIZE=4)
        return fa.flex_attention(
            q, k, v, score_mod=lambda s, b, h, qi, kv: s + slopes[h] * (kv - qi), block_mask=bm, enable_gqa=True
        )

    _compare_flex(run, _inputs([(B, 4, L, D), (B, 2, L, D), (B, 2, L, D), (4,)]))

    def run_bcast(lib, q, k, v):  # key/value batch 1 against query batch 2, with a block mask of batch 2
        fa = torch_flex if lib is torch else jfa
        bm = fa.create_block_mask(lambda b, h, qi, kv: qi + b >= kv, B, None, L, L, device="cpu", BLOCK_SIZE=4)
        return fa.flex_attention(q, k, v, block_mask=bm)

    _compare_flex(run_bcast, _inputs([(B, H, L, D), (1, H, L, D), (1, H, L, D)]))


def test_flex_dtypes(torch_flex):
    """float64 works in float64 (lse too); bfloat16 computes scores in float32 and returns bfloat16 output and a
    float32 lse, as torch's fallback does."""
    jfa = _jfa()
    for dtype, rtol, atol in ((np.float64, 1e-12, 1e-12), ("bfloat16", 1e-2, 1e-2)):  # bfloat16: 8-bit mantissa
        arrays = _inputs([(B, H, L, D)] * 3)
        td = torch.float64 if dtype is np.float64 else torch.bfloat16
        jd = jaxtorch.float64 if dtype is np.float64 else jaxtorch.bfloat16
        t_out, t_aux = torch_flex.flex_attention(
            *(torch.tensor(a).to(td) for a in arrays),
            score_mod=lambda s, b, h, q, kv: s * 0.5,
            return_aux=torch_flex.AuxRequest(lse=True),
        )
        j_out, j_aux = jfa.flex_attention(
            *(jaxtorch.tensor(a).to(jd) for a in arrays),
            score_mod=lambda s, b, h, q, kv: s * 0.5,
            return_aux=jfa.AuxRequest(lse=True),
        )
        assert j_out.dtype == jd and j_aux.lse.dtype == (jd if dtype is np.float64 else jaxtorch.float32)
        assert_close(t_out.float(), j_out.float(), rtol, atol)
        assert_close(t_aux.lse, j_aux.lse, rtol, atol)


def test_create_mask(torch_flex):
    jfa = _jfa()
    for t_mod, j_mod in (
        (_mask_mods(torch)["document_causal"], _mask_mods(jaxtorch)["document_causal"]),
        (
            lambda s, b, h, q, kv: torch.where(q + h >= kv, s, -float("inf")),
            lambda s, b, h, q, kv: jaxtorch.where(q + h >= kv, s, -float("inf")),
        ),
    ):
        assert_close(torch_flex.create_mask(t_mod, 2, 3, L, 12, "cpu"), jfa.create_mask(j_mod, 2, 3, L, 12, "cpu"))
    assert_close(torch_flex.create_mask(_causal, None, None, 3, 4), jfa.create_mask(_causal, None, None, 3, 4))


def test_flex_errors(torch_flex):
    jfa = _jfa()
    q, k = np.zeros((B, H, 8, D), np.float32), np.zeros((B, 1, 8, D), np.float32)
    t_bm = torch_flex.create_block_mask(_causal, 1, 1, 8, 8, device="cpu", BLOCK_SIZE=4)
    j_bm = jfa.create_block_mask(_causal, 1, 1, 8, 8, device="cpu", BLOCK_SIZE=4)
    T, J = torch.tensor, jaxtorch.tensor
    cases = [  # (args, kwargs), each with torch-side and jaxtorch-side values
        ((q, k, k), {}),
        ((q[0], q[0], q[0]), {}),
        ((q, q[..., :4], q), {}),
        ((q, k, k[:, :, :, :3]), {}),
        ((q, q[:1], q[:1]), {}),
        ((q[:, :, :4], q[:, :, :4], q[:, :, :4]), {"block_mask": "bm"}),
        ((np.zeros((B, H, 16, D), np.float32),) * 3, {"block_mask": "bm"}),
        ((q, q, q), {"return_lse": True, "return_aux": "lse"}),
        ((q, q, q), {"kernel_options": {"BACKEND": "bad"}}),
        ((q, q, q), {"kernel_options": {"BACKEND": "AUTO", "FORCE_USE_FLEX_ATTENTION": True}}),
        ((q, q, q), {"kernel_options": {"OUTPUT_LOGSUMEXP": True}}),
    ]
    for args, kw in cases:

        def kwargs(fa, bm):
            out = dict(kw)
            if out.get("block_mask") == "bm":
                out["block_mask"] = bm
            if out.get("return_aux") == "lse":
                out["return_aux"] = fa.AuxRequest(lse=True)
            return out

        with pytest.raises(Exception) as t_err:
            torch_flex.flex_attention(*(T(a) for a in args), **kwargs(torch_flex, t_bm))
        with pytest.raises(t_err.type) as j_err:
            jfa.flex_attention(*(J(a) for a in args), **kwargs(jfa, j_bm))
        assert str(j_err.value) == str(t_err.value)
    for fn in (
        (lambda fa: fa.create_block_mask(lambda s, b, h, qi, kv: s, 1, 1, 8, 8, device="cpu")),
        (lambda fa: fa.create_block_mask(_causal, 1, 1, 8, 8, device="cpu", dq_kv_order=1)),
        (lambda fa: fa.or_masks(_causal, 3)),
        (lambda fa: fa.create_mask(lambda b, h: b, 1, 1, 2, 2, device="cpu")),
    ):
        with pytest.raises(Exception) as t_err:
            fn(torch_flex)
        with pytest.raises(t_err.type) as j_err:
            fn(jfa)
        assert str(j_err.value).replace("jaxtorch", "torch").split(" at 0x")[0] == str(t_err.value).split(" at 0x")[0]
    # a chained index on a captured tensor fails on broadcast index tensors: the error says how to write it
    table = jaxtorch.zeros(H, 8)
    x = jaxtorch.zeros(1, H, 8, D)
    with pytest.raises(IndexError) as err:
        jfa.flex_attention(x, x, x, score_mod=lambda s, b, h, qi, kv: s + table[h][qi])
    assert "t[h, q_idx]" in err.value.__notes__[0]
    with pytest.raises(RuntimeError, match=r"does not broadcast.*t\[h, q_idx\]"):
        jfa.flex_attention(x, x, x, score_mod=lambda s, b, h, qi, kv: s + table[:, None, None, None, :1])


def test_flex_return_lse_warns_once_and_max_scores():
    jfa = _jfa()
    x = jaxtorch.randn(1, 1, 4, D)
    jfa._WARNINGS_SHOWN.discard("deprecated_return_lse")
    with pytest.warns(FutureWarning, match="return_lse is deprecated"):
        jfa.flex_attention(x, x, x, return_lse=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        jfa.flex_attention(x, x, x, return_lse=True)
    # torch computes max_scores on GPU only; jaxtorch everywhere: the row max of the modified, masked scores
    out, aux = jfa.flex_attention(
        x,
        x,
        x,
        score_mod=lambda s, b, h, q, kv: jaxtorch.where(q >= kv, s, -float("inf")),
        return_aux=jfa.AuxRequest(max_scores=True),
    )
    assert aux.lse is None
    t = torch.tensor(to_np(x))
    scores = (t @ t.transpose(-1, -2)) / D**0.5
    expected = scores.masked_fill(~torch.ones(4, 4, dtype=torch.bool).tril(), -float("inf")).amax(-1)
    assert_close(expected, aux.max_scores, RTOL, ATOL)


def test_flex_under_compile_matches_eager():
    """A training step through flex_attention (block mask, learnable bias table in score_mod) compiled as one
    program gives eager's losses and parameters."""
    jfa = _jfa()
    bm = jfa.create_block_mask(_causal, 1, H, L, L, device="cpu", BLOCK_SIZE=4)

    def run(compiled):
        jaxtorch.manual_seed(0)
        q, k, v = (jaxtorch.tensor(a) for a in _inputs([(B, H, L, D)] * 3))
        table = jaxtorch.nn.Parameter(jaxtorch.zeros(H, 2 * L - 1))
        proj = jaxtorch.nn.Linear(D, D)
        opt = jaxtorch.optim.SGD([table, *proj.parameters()], lr=0.5)

        def step():
            opt.zero_grad()
            out = jfa.flex_attention(
                proj(q), k, v, score_mod=lambda s, b, h, qi, kv: s + table[h, qi - kv + L - 1], block_mask=bm
            )
            loss = (out * v.mean()).pow(2).mean() + out.sum() * 0.01
            loss.backward()
            opt.step()
            return loss

        f = jaxtorch.compile(step) if compiled else step
        losses = [float(f()) for _ in range(3)]
        return losses, to_np(table), to_np(proj.weight)

    eager, compiled = run(False), run(True)
    np.testing.assert_allclose(compiled[0], eager[0], rtol=1e-5)
    np.testing.assert_allclose(compiled[1], eager[1], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(compiled[2], eager[2], rtol=1e-5, atol=1e-6)
    assert np.any(eager[1] != 0)  # the table did learn


# ---------------------------------------------------------------------------------------------
# sdpa_kernel and SDPBackend


def _flags(lib):
    c = lib.backends.cuda
    return (c.flash_sdp_enabled(), c.mem_efficient_sdp_enabled(), c.math_sdp_enabled(), c.cudnn_sdp_enabled())


def test_sdp_backend_enum():
    from torch.nn.attention import SDPBackend as T
    from jaxtorch.nn.attention import SDPBackend as J

    assert {k: int(v) for k, v in T.__members__.items()} == {k: int(v) for k, v in J.__members__.items()}
    for name in T.__members__:
        t, j = getattr(T, name), getattr(J, name)
        assert (str(t), repr(t), t.name, t.value) == (str(j), repr(j), j.name, j.value)
        assert (t == int(t)) == (j == int(j))
    with pytest.raises(TypeError):
        J.MATH < J.FLASH_ATTENTION  # noqa: B015  (torch's members do not order either)
    assert torch.nn.attention.__all__ == jaxtorch.nn.attention.__all__
    assert torch.nn.attention.WARN_FOR_UNFUSED_KERNELS is jaxtorch.nn.attention.WARN_FOR_UNFUSED_KERNELS is False


def test_sdpa_kernel_switches_and_restores():
    TA, JA = torch.nn.attention, jaxtorch.nn.attention
    t_before, j_before = _flags(torch), _flags(jaxtorch)
    sequences = [
        ["FLASH_ATTENTION"],
        ["MATH", "EFFICIENT_ATTENTION"],
        ["CUDNN_ATTENTION"],
        [],
        ["OVERRIDEABLE"],
        ["MATH", "MATH"],
        ["ERROR"],
    ]
    for names in sequences:
        with (
            TA.sdpa_kernel([getattr(TA.SDPBackend, n) for n in names]) as t_ctx,
            JA.sdpa_kernel([getattr(JA.SDPBackend, n) for n in names]) as j_ctx,
        ):
            assert _flags(torch) == _flags(jaxtorch), names
            assert [b.name for b in TA._cur_sdpa_kernel_backends()] == [b.name for b in JA._cur_sdpa_kernel_backends()]
            assert t_ctx == j_ctx == {}
        assert _flags(torch) == t_before and _flags(jaxtorch) == j_before
    # a single backend, nesting, a decorator, an exception inside
    with JA.sdpa_kernel(JA.SDPBackend.MATH):
        assert _flags(jaxtorch) == (False, False, True, False)
        with JA.sdpa_kernel([JA.SDPBackend.FLASH_ATTENTION, JA.SDPBackend.CUDNN_ATTENTION]):
            assert _flags(jaxtorch) == (True, False, False, True)
        assert _flags(jaxtorch) == (False, False, True, False)

    @JA.sdpa_kernel(JA.SDPBackend.EFFICIENT_ATTENTION)
    def inside():
        return _flags(jaxtorch)

    assert inside() == (False, True, False, False) and inside() == (False, True, False, False)
    with pytest.raises(ValueError), JA.sdpa_kernel(JA.SDPBackend.MATH):
        raise ValueError
    assert _flags(jaxtorch) == j_before
    for bad in ("math", (JA.SDPBackend.MATH,)):
        with pytest.raises(AssertionError) as j_err, JA.sdpa_kernel(bad):
            pass
        with (
            pytest.raises(AssertionError) as t_err,
            TA.sdpa_kernel(bad if isinstance(bad, str) else (TA.SDPBackend.MATH,)),
        ):
            pass
        assert str(j_err.value) == str(t_err.value)


def test_sdpa_kernel_priority_order():
    TA, JA = torch.nn.attention, jaxtorch.nn.attention
    assert JA._get_sdp_priority_order() == torch._C._get_sdp_priority_order()
    # same enabled set in both first, since jaxtorch's cuDNN switch defaults to off
    with (
        TA.sdpa_kernel([TA.SDPBackend.MATH, TA.SDPBackend.FLASH_ATTENTION]),
        JA.sdpa_kernel([JA.SDPBackend.MATH, JA.SDPBackend.FLASH_ATTENTION]),
    ):
        for names in (["CUDNN_ATTENTION", "MATH"], ["EFFICIENT_ATTENTION"], ["OVERRIDEABLE", "FLASH_ATTENTION"]):
            with (
                TA.sdpa_kernel([getattr(TA.SDPBackend, n) for n in names], set_priority=True),
                JA.sdpa_kernel([getattr(JA.SDPBackend, n) for n in names], set_priority=True),
            ):
                assert JA._get_sdp_priority_order() == torch._C._get_sdp_priority_order(), names
                assert [b.name for b in TA._cur_sdpa_kernel_backends(with_priority=True)] == [
                    b.name for b in JA._cur_sdpa_kernel_backends(with_priority=True)
                ]
            assert JA._get_sdp_priority_order() == torch._C._get_sdp_priority_order(), names
    assert JA._get_sdp_priority_order() == torch._C._get_sdp_priority_order()


def _sdpa_outcome(lib, backends, args, kw):
    """(result or error, warnings) of SDPA with only `backends` enabled."""
    A = lib.nn.attention
    with A.sdpa_kernel([getattr(A.SDPBackend, n) for n in backends]), warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            out = lib.nn.functional.scaled_dot_product_attention(*args, **kw)
        except Exception as e:  # noqa: BLE001  (the error is what is compared)
            out = (type(e), str(e))
    return out, [str(x.message).split(" (Triggered internally")[0] for x in w]


SDPA_CPU_CASES = {  # name: (shapes of q, k, v; keyword arguments)
    "plain": ([(2, 2, 8, 4)] * 3, {}),
    "causal": ([(2, 2, 8, 4)] * 3, {"is_causal": True}),
    "bool_mask": ([(2, 2, 8, 4)] * 3, {"attn_mask": np.tril(np.ones((8, 8), bool))}),
    "mask_4d_b1": ([(2, 2, 8, 4)] * 3, {"attn_mask": np.zeros((1, 1, 8, 8), np.float32)}),
    "mask_3d": ([(2, 2, 8, 4)] * 3, {"attn_mask": np.zeros((2, 8, 8), np.float32)}),
    "mask_4d_bad": ([(2, 2, 8, 4)] * 3, {"attn_mask": np.zeros((3, 1, 8, 8), np.float32)}),
    "dropout": ([(2, 2, 8, 4)] * 3, {"dropout_p": 0.5}),
    "3d": ([(2, 8, 4)] * 3, {}),
    "value_dim": ([(2, 2, 8, 4), (2, 2, 8, 4), (2, 2, 8, 6)], {}),
    "heads": ([(2, 2, 8, 4), (2, 1, 8, 4), (2, 1, 8, 4)], {}),
    "gqa": ([(2, 4, 8, 4), (2, 2, 8, 4), (2, 2, 8, 4)], {"enable_gqa": True}),
    "gqa_kv_heads": ([(2, 4, 8, 4), (2, 2, 8, 4), (2, 1, 8, 4)], {"enable_gqa": True}),
    "batch": ([(2, 2, 8, 4), (1, 2, 8, 4), (1, 2, 8, 4)], {}),
    "empty_query": ([(2, 2, 0, 4), (2, 2, 8, 4), (2, 2, 8, 4)], {}),
}


@pytest.mark.parametrize(
    "backends",
    [["FLASH_ATTENTION"], ["EFFICIENT_ATTENTION", "CUDNN_ATTENTION"], [], ["MATH"]],
    ids=["flash", "efficient_cudnn", "none", "math"],
)
def test_sdpa_backend_selection_on_cpu(backends):
    """With math off, torch's CPU flash kernel takes what it can; the rest fails with torch's warnings and error."""
    for name, (shapes, kw) in SDPA_CPU_CASES.items():
        arrays = _inputs(shapes)
        t_kw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
        j_kw = {k: jaxtorch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
        t_out, t_warn = _sdpa_outcome(torch, backends, [torch.tensor(a) for a in arrays], t_kw)
        j_out, j_warn = _sdpa_outcome(jaxtorch, backends, [jaxtorch.tensor(a) for a in arrays], j_kw)
        assert j_warn == t_warn, name
        if isinstance(t_out, tuple):
            assert j_out == t_out, name
        elif "dropout_p" not in kw:
            assert_close(t_out, j_out, RTOL, ATOL, what=name)


# ---------------------------------------------------------------------------------------------
# torch.nn.attention.bias


@pytest.mark.parametrize(
    "variant,lq,lk", [("lower_right", 4, 10), ("lower_right", 6, 6), ("upper_left", 4, 10), ("upper_left", 10, 4)]
)
def test_causal_bias(variant, lq, lk):
    def run(lib, q, k, v):
        bias = getattr(lib.nn.attention.bias, f"causal_{variant}")(lq, lk)
        return lib.nn.functional.scaled_dot_product_attention(q, k, v, bias, scale=0.4)

    _compare_flex(run, _inputs([(B, H, lq, D), (B, H, lk, D), (B, H, lk, 6)]))


def test_causal_bias_object_and_errors():
    TB, JB = torch.nn.attention.bias, jaxtorch.nn.attention.bias
    assert TB.__all__ == JB.__all__
    assert [(m.name, m.value) for m in TB.CausalVariant] == [(m.name, m.value) for m in JB.CausalVariant]
    for maker in ("causal_lower_right", "causal_upper_left"):
        t, j = getattr(TB, maker)(3, 5), getattr(JB, maker)(3, 5)
        assert isinstance(j, jaxtorch.Tensor) and tuple(j.shape) == tuple(t.shape)
        assert repr(j) == repr(t) and (j.variant, j.seq_len_q, j.seq_len_kv) == (t.variant, t.seq_len_q, t.seq_len_kv)
        assert_close(t._materialize(), j._materialize())
    with pytest.warns(UserWarning, match="Lower right causal bias will produce NaNs"):
        JB.causal_lower_right(5, 3)
    q = np.zeros((1, 1, 4, D), np.float32)
    k = np.zeros((1, 1, 6, D), np.float32)
    cases = [  # (lib -> call)
        lambda lib: lib.nn.functional.scaled_dot_product_attention(
            *(lib.tensor(a) for a in (q, k, k)), lib.nn.attention.bias.causal_lower_right(4, 6), is_causal=True
        ),
        lambda lib: lib.nn.functional.scaled_dot_product_attention(
            lib.tensor(q), lib.tensor(k).double(), lib.tensor(k), lib.nn.attention.bias.causal_lower_right(4, 6)
        ),
        lambda lib: lib.nn.attention.bias.CausalBias(1, 2, 3),
        lambda lib: lib.nn.attention.bias.causal_upper_left(1, 2, 3),
    ]
    for call in cases:
        with pytest.raises(Exception) as t_err:
            call(torch)
        with pytest.raises(t_err.type) as j_err:
            call(jaxtorch)
        assert str(j_err.value).replace("jaxtorch", "torch") == str(t_err.value)


def test_causal_bias_unfused_warnings():
    TA, JA = torch.nn.attention, jaxtorch.nn.attention
    got = {}
    for lib, A in (("torch", TA), ("jaxtorch", JA)):
        mod = torch if lib == "torch" else jaxtorch
        q, k = mod.zeros(1, 1, 4, D), mod.zeros(1, 1, 6, D)
        A.WARN_FOR_UNFUSED_KERNELS = True
        try:
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                mod.nn.functional.scaled_dot_product_attention(q, k, k, A.bias.causal_lower_right(4, 6))
        finally:
            A.WARN_FOR_UNFUSED_KERNELS = False
        got[lib] = [str(x.message) for x in w]
    assert got["jaxtorch"] == got["torch"]


# ---------------------------------------------------------------------------------------------
# flash-attention implementation registry


def test_flash_attention_registry(caplog):
    TA, JA = torch.nn.attention, jaxtorch.nn.attention
    assert JA.list_flash_attention_impls() == TA.list_flash_attention_impls()
    assert JA.current_flash_attention_impl() is None
    with pytest.raises(ValueError) as t_err:
        TA.activate_flash_attention_impl("X")
    with pytest.raises(ValueError) as j_err:
        JA.activate_flash_attention_impl("X")
    assert str(j_err.value) == str(t_err.value)
    with pytest.raises(ImportError):  # the CUDA kernel packages (torch: ModuleNotFoundError without them)
        JA.activate_flash_attention_impl("FA4")

    removed = []

    class Handle:
        def remove(self):
            removed.append(True)

    JA.register_flash_attention_impl("Mine", register_fn=Handle)
    try:
        JA.activate_flash_attention_impl("Mine")
        assert JA.current_flash_attention_impl() == "Mine"
        JA.restore_flash_attention_impl()
        assert removed == [True] and JA.current_flash_attention_impl() is None
        with caplog.at_level(logging.WARNING):
            JA.restore_flash_attention_impl()
        assert "Trying to restore default FA2 impl when no custom impl was activated" in caplog.text
    finally:
        JA._flash_impls.pop("Mine", None)
