"""scaled_dot_product_attention, MultiheadAttention and the Transformer modules against real torch."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import jaxtorch
from helpers import assert_close, helper_test_op, to_np

RTOL, ATOL = 1e-5, 1e-5  # softmax + several float32 matmuls in a row
G_RTOL, G_ATOL = 1e-4, 1e-5

# ---------------------------------------------------------------------------------------------
# scaled_dot_product_attention


def _mask_pair(arr):
    return torch.tensor(arr), jaxtorch.tensor(arr)


_BOOL = np.ones((4, 5), bool)
_BOOL[1] = False  # a fully masked query row: torch's CPU kernels give zeros there
_BOOL[2, 3:] = False
_FLOAT = np.random.default_rng(3).uniform(-1, 1, (4, 5)).astype(np.float32)
_FLOAT[0, 1] = -np.inf

SDPA_CASES = {
    "plain": dict(),
    "bool_mask": dict(attn_mask=_BOOL),
    "float_mask": dict(attn_mask=_FLOAT),
    "scale": dict(scale=0.3),
}


@pytest.mark.parametrize("case", list(SDPA_CASES))
def test_sdpa(case):
    kw = dict(SDPA_CASES[case])
    tkw, jkw = dict(kw), dict(kw)
    if "attn_mask" in kw:
        tkw["attn_mask"], jkw["attn_mask"] = _mask_pair(kw["attn_mask"])
    helper_test_op([(2, 3, 4, 8), (2, 3, 5, 8), (2, 3, 5, 6)],
                   lambda q, k, v: torch.nn.functional.scaled_dot_product_attention(q, k, v, **tkw),
                   lambda q, k, v: jaxtorch.nn.functional.scaled_dot_product_attention(q, k, v, **jkw),
                   rtol=RTOL, atol=ATOL, grad_rtol=G_RTOL, grad_atol=G_ATOL)


def test_sdpa_causal_and_gqa():
    helper_test_op([(2, 3, 5, 8), (2, 3, 5, 8), (2, 3, 5, 6)],
                   lambda q, k, v: torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True),
                   lambda q, k, v: jaxtorch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True),
                   rtol=RTOL, atol=ATOL, grad_rtol=G_RTOL, grad_atol=G_ATOL)
    helper_test_op([(2, 4, 5, 8), (2, 2, 5, 8), (2, 2, 5, 6)],
                   lambda q, k, v: torch.nn.functional.scaled_dot_product_attention(q, k, v, enable_gqa=True),
                   lambda q, k, v: jaxtorch.nn.functional.scaled_dot_product_attention(q, k, v, enable_gqa=True),
                   rtol=RTOL, atol=ATOL, grad_rtol=G_RTOL, grad_atol=G_ATOL)


def test_sdpa_dropout_and_errors():
    q = jaxtorch.randn(2, 3, 4, 8)
    F = jaxtorch.nn.functional
    jaxtorch.manual_seed(1)
    a = to_np(F.scaled_dot_product_attention(q, q, q, dropout_p=0.5))
    jaxtorch.manual_seed(1)
    b = to_np(F.scaled_dot_product_attention(q, q, q, dropout_p=0.5))
    plain = to_np(F.scaled_dot_product_attention(q, q, q))
    assert np.array_equal(a, b) and not np.allclose(a, plain)
    m = torch.ones(4, 4, dtype=torch.bool)
    with pytest.raises(RuntimeError) as t_err:
        torch.nn.functional.scaled_dot_product_attention(torch.randn(2, 4, 8), torch.randn(2, 4, 8),
                                                         torch.randn(2, 4, 8), attn_mask=m, is_causal=True)
    with pytest.raises(RuntimeError, match="Explicit attn_mask should not be set when is_causal=True") as j_err:
        F.scaled_dot_product_attention(q, q, q, attn_mask=jaxtorch.ones(4, 4, dtype=jaxtorch.bool), is_causal=True)
    assert str(j_err.value) == str(t_err.value)


# ---------------------------------------------------------------------------------------------
# module comparison helper


def _pair(t_cls, j_cls, *args, **kwargs):
    torch.manual_seed(0)
    tm = t_cls(*args, **kwargs)
    jm = j_cls(*args, **kwargs)
    jm.load_state_dict({k: jaxtorch.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    return tm, jm


def _inputs(*shapes, seed=0):
    rng = np.random.default_rng(seed)
    arrays = [rng.uniform(-1, 1, size=s).astype(np.float32) for s in shapes]
    return ([torch.tensor(a, requires_grad=True) for a in arrays],
            [jaxtorch.tensor(a, requires_grad=True) for a in arrays])


def _compare(tm, jm, t_args, j_args, t_kw=None, j_kw=None):
    t_out, j_out = tm(*t_args, **(t_kw or {})), jm(*j_args, **(j_kw or {}))
    t_flat = [o for o in (t_out if isinstance(t_out, tuple) else (t_out,)) if o is not None]
    j_flat = [o for o in (j_out if isinstance(j_out, tuple) else (j_out,)) if o is not None]
    assert len(t_flat) == len(j_flat)
    assert_close(t_flat, j_flat, RTOL, ATOL)
    rng = np.random.default_rng(1)
    ws = [rng.uniform(0.5, 1.5, size=tuple(o.shape)).astype(np.float32) for o in t_flat]
    sum((o * torch.tensor(w)).sum() for o, w in zip(t_flat, ws)).backward()
    sum((o * jaxtorch.tensor(w)).sum() for o, w in zip(j_flat, ws)).backward()
    for i, (a, b) in enumerate(zip(t_args, j_args)):
        if isinstance(a, torch.Tensor) and a.requires_grad and a.grad is not None:
            assert_close(a.grad, b.grad, G_RTOL, G_ATOL, what=f"grad of input {i}")
    t_params, j_params = dict(tm.named_parameters()), dict(jm.named_parameters())
    assert list(t_params) == list(j_params)
    for k in t_params:
        if t_params[k].grad is None:
            assert j_params[k].grad is None or not np.any(to_np(j_params[k].grad)), k
        else:
            assert_close(t_params[k].grad, j_params[k].grad, G_RTOL, G_ATOL, what=f"grad of {k}")
    return t_out, j_out


# ---------------------------------------------------------------------------------------------
# MultiheadAttention

E, NH, L, S, N = 8, 2, 4, 5, 3
_KPM = np.zeros((N, S), bool)
_KPM[0, 3:] = True
_KPM[2, 0] = True
_AM = np.random.default_rng(5).uniform(-1, 1, (L, S)).astype(np.float32)
_AM3 = np.random.default_rng(6).uniform(0, 1, (N * NH, L, S)) > 0.7
_CAUSAL = np.triu(np.full((L, L), -np.inf, np.float32), 1)


def _masks(kw):
    t, j = {}, {}
    for k, v in kw.items():
        if isinstance(v, np.ndarray):
            t[k], j[k] = torch.tensor(v), jaxtorch.tensor(v)
        else:
            t[k] = j[k] = v
    return t, j


MHA_CASES = {
    "self_attention": (dict(), "self", dict()),
    "kpm_float_mask_per_head": (dict(batch_first=True), "qkv",
                                dict(key_padding_mask=_KPM, attn_mask=_AM, average_attn_weights=False)),
    "kdim_vdim_bias_kv_zero_attn": (dict(kdim=3, vdim=6, add_bias_kv=True, add_zero_attn=True), "kdim",
                                    dict(attn_mask=_AM3, key_padding_mask=_KPM)),
    "no_weights_no_bias": (dict(bias=False), "qkv", dict(need_weights=False, key_padding_mask=_KPM)),
    "causal_hint": (dict(), "self_causal", dict(attn_mask=_CAUSAL, is_causal=True, need_weights=False)),
    "unbatched": (dict(), "unbatched", dict(key_padding_mask=_KPM[0])),
}


@pytest.mark.parametrize("case", list(MHA_CASES))
def test_multihead_attention(case):
    ctor, kind, fkw = MHA_CASES[case]
    tm, jm = _pair(torch.nn.MultiheadAttention, jaxtorch.nn.MultiheadAttention, E, NH, **ctor)
    bf = ctor.get("batch_first", False)

    def shape(t, d=E):
        return (N, t, d) if bf else (t, N, d)

    if kind in ("self", "self_causal"):
        (tq,), (jq,) = _inputs(shape(L))
        t_args, j_args = (tq, tq, tq), (jq, jq, jq)
    elif kind == "unbatched":
        (tq, tk, tv), (jq, jk, jv) = _inputs((L, E), (S, E), (S, E))
        t_args, j_args = (tq, tk, tv), (jq, jk, jv)
    else:
        kd, vd = (3, 6) if kind == "kdim" else (E, E)
        (tq, tk, tv), (jq, jk, jv) = _inputs(shape(L), shape(S, kd), shape(S, vd))
        t_args, j_args = (tq, tk, tv), (jq, jk, jv)
    t_kw, j_kw = _masks(fkw)
    t_out, j_out = _compare(tm, jm, t_args, j_args, t_kw, j_kw)
    assert (t_out[1] is None) == (j_out[1] is None)


def test_multihead_attention_dropout():
    tm, jm = _pair(torch.nn.MultiheadAttention, jaxtorch.nn.MultiheadAttention, E, NH, dropout=0.5)
    (tq,), (jq,) = _inputs((L, N, E))
    tm.eval()
    jm.eval()
    _compare(tm, jm, (tq, tq, tq), (jq, jq, jq))  # eval: dropout off
    jm.train()
    jaxtorch.manual_seed(2)
    a = to_np(jm(jq, jq, jq)[0])
    jaxtorch.manual_seed(2)
    b = to_np(jm(jq, jq, jq)[0])
    jm.eval()
    assert np.array_equal(a, b) and not np.allclose(a, to_np(jm(jq, jq, jq)[0]))


def test_multihead_attention_errors():
    jm = jaxtorch.nn.MultiheadAttention(E, NH)
    tm = torch.nn.MultiheadAttention(E, NH)
    cases = [
        lambda m, lib: m(lib.zeros(3, 2, E), lib.zeros(4, 2, E), lib.zeros(4, 2, E), attn_mask=lib.zeros(3, 3)),
        lambda m, lib: m(lib.zeros(3, 2, E), lib.zeros(4, 2, E), lib.zeros(4, 2, E), is_causal=True),
        lambda m, lib: m(lib.zeros(3, 2, E), lib.zeros(4, 2, E), lib.zeros(4, 2, E), key_padding_mask=lib.zeros(2, 3)),
        lambda m, lib: m(lib.zeros(3, 2, E), lib.zeros(4, 2, E), lib.zeros(4, 2)),
        lambda m, lib: m(lib.zeros(3, 2, 2, E), lib.zeros(4, 2, E), lib.zeros(4, 2, E)),
        lambda m, lib: lib.nn.MultiheadAttention(8, 3),
    ]
    for case in cases:
        with pytest.raises(Exception) as t_err:
            case(tm, torch)
        with pytest.raises(type(t_err.value)) as j_err:
            case(jm, jaxtorch)
        assert str(j_err.value) == str(t_err.value)


# ---------------------------------------------------------------------------------------------
# Transformer layers (eval mode: dropout off)

D, FF = 8, 16


def _eval_pair(t_cls, j_cls, *args, **kw):
    tm, jm = _pair(t_cls, j_cls, *args, **kw)
    return tm.eval(), jm.eval()


ENC_CASES = {
    "post_norm_relu": (dict(), dict()),
    "pre_norm_gelu_batch_first_masks": (dict(norm_first=True, activation="gelu", batch_first=True),
                                        dict(src_mask=_CAUSAL, src_key_padding_mask=_KPM[:, :L])),
    "no_bias_callable_activation": (dict(bias=False, activation=torch.tanh), dict(src_key_padding_mask=_KPM[:, :L])),
}


@pytest.mark.parametrize("case", list(ENC_CASES))
def test_transformer_encoder_layer(case):
    ctor, fkw = ENC_CASES[case]
    j_ctor = dict(ctor)
    if ctor.get("activation") is torch.tanh:
        j_ctor["activation"] = jaxtorch.tanh
    torch.manual_seed(0)
    tm = torch.nn.TransformerEncoderLayer(D, NH, FF, **ctor).eval()
    jm = jaxtorch.nn.TransformerEncoderLayer(D, NH, FF, **j_ctor).eval()
    jm.load_state_dict({k: jaxtorch.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    bf = ctor.get("batch_first", False)
    (tx,), (jx,) = _inputs((N, L, D) if bf else (L, N, D))
    t_kw, j_kw = _masks(fkw)
    _compare(tm, jm, (tx,), (jx,), t_kw, j_kw)


DEC_CASES = {
    "post_norm": (dict(), dict(tgt_mask=_CAUSAL)),
    "pre_norm_masks": (dict(norm_first=True), dict(tgt_mask=_CAUSAL, tgt_is_causal=True,
                                                   memory_key_padding_mask=_KPM, tgt_key_padding_mask=_KPM[:, :L])),
}


@pytest.mark.parametrize("case", list(DEC_CASES))
def test_transformer_decoder_layer(case):
    ctor, fkw = DEC_CASES[case]
    tm, jm = _eval_pair(torch.nn.TransformerDecoderLayer, jaxtorch.nn.TransformerDecoderLayer, D, NH, FF, **ctor)
    (tx, tmem), (jx, jmem) = _inputs((L, N, D), (S, N, D))
    t_kw, j_kw = _masks(fkw)
    _compare(tm, jm, (tx, tmem), (jx, jmem), t_kw, j_kw)


def test_transformer_encoder_stack():
    torch.manual_seed(0)
    t_layer = torch.nn.TransformerEncoderLayer(D, NH, FF)
    tm = torch.nn.TransformerEncoder(t_layer, 2, norm=torch.nn.LayerNorm(D), enable_nested_tensor=False).eval()
    j_layer = jaxtorch.nn.TransformerEncoderLayer(D, NH, FF)
    jm = jaxtorch.nn.TransformerEncoder(j_layer, 2, norm=jaxtorch.nn.LayerNorm(D), enable_nested_tensor=False).eval()
    # the layers are deep copies, not the prototype
    assert jm.layers[0] is not j_layer and jm.layers[0].linear1.weight is not jm.layers[1].linear1.weight
    jm.load_state_dict({k: jaxtorch.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    (tx,), (jx,) = _inputs((L, N, D))
    t_kw, j_kw = _masks(dict(mask=_CAUSAL))
    _compare(tm, jm, (tx,), (jx,), t_kw, j_kw)


def test_transformer_full():
    tm, jm = _eval_pair(torch.nn.Transformer, jaxtorch.nn.Transformer, D, NH, 1, 1, FF)
    (tsrc, ttgt), (jsrc, jtgt) = _inputs((S, N, D), (L, N, D))
    t_mask = torch.nn.Transformer.generate_square_subsequent_mask(L)
    j_mask = jaxtorch.nn.Transformer.generate_square_subsequent_mask(L)
    assert_close(t_mask, j_mask)
    t_kw, j_kw = _masks(dict(src_key_padding_mask=_KPM, memory_key_padding_mask=_KPM))
    t_kw["tgt_mask"], j_kw["tgt_mask"] = t_mask, j_mask
    _compare(tm, jm, (tsrc, ttgt), (jsrc, jtgt), t_kw, j_kw)
    with pytest.raises(RuntimeError, match="the batch number of src and tgt must be equal"):
        jm(jaxtorch.zeros(S, 2, D), jaxtorch.zeros(L, 3, D))
    with pytest.raises(RuntimeError, match="the feature number of src and tgt must be equal to d_model"):
        jm(jaxtorch.zeros(S, 2, D), jaxtorch.zeros(L, 2, 4))


def test_transformer_dropout_train_mode_is_random():
    jm = jaxtorch.nn.TransformerEncoderLayer(D, NH, FF, dropout=0.5)
    x = jaxtorch.randn(L, N, D)
    jaxtorch.manual_seed(0)
    a = to_np(jm(x))
    jaxtorch.manual_seed(0)
    b = to_np(jm(x))
    assert np.array_equal(a, b) and not np.allclose(a, to_np(jm.eval()(x)))


# ---------------------------------------------------------------------------------------------
# layout, repr, init

LAYOUT_CASES = {
    "mha": lambda nn: nn.MultiheadAttention(E, NH),
    "mha_kdim_bias_kv": lambda nn: nn.MultiheadAttention(E, NH, kdim=3, vdim=5, add_bias_kv=True, bias=False),
    "encoder_layer": lambda nn: nn.TransformerEncoderLayer(D, NH, FF),
    "decoder_layer_pre_norm_gelu": lambda nn: nn.TransformerDecoderLayer(D, NH, FF, activation="gelu", norm_first=True),
    "encoder_stack_gelu_module": lambda nn: nn.TransformerEncoder(nn.TransformerEncoderLayer(D, NH, FF,
                                                                                             activation=nn.GELU()),
                                                                  2, norm=nn.LayerNorm(D), enable_nested_tensor=False),
    "transformer": lambda nn: nn.Transformer(D, NH, 2, 1, FF),
}


@pytest.mark.parametrize("case", list(LAYOUT_CASES))
def test_state_dict_and_repr(case):
    tm, jm = LAYOUT_CASES[case](torch.nn), LAYOUT_CASES[case](jaxtorch.nn)
    t_sd, j_sd = tm.state_dict(), jm.state_dict()
    assert list(t_sd) == list(j_sd)
    for k in t_sd:
        assert tuple(t_sd[k].shape) == tuple(j_sd[k].shape), k
        assert str(t_sd[k].dtype) == repr(j_sd[k].dtype), k
    assert repr(jm) == repr(tm)


def test_multihead_attention_init():
    m = jaxtorch.nn.MultiheadAttention(128, 4, add_bias_kv=True)
    w = to_np(m.in_proj_weight)
    bound = math.sqrt(6 / (128 + 3 * 128))  # xavier_uniform over the packed (3E, E) weight
    assert np.abs(w).max() <= bound and abs(w.std() - bound / math.sqrt(3)) < 0.03 * bound
    assert not np.any(to_np(m.in_proj_bias)) and not np.any(to_np(m.out_proj.bias))
    bk = to_np(m.bias_k)  # xavier_normal over (1, 1, E): fan_in = fan_out = E
    assert abs(bk.std() - math.sqrt(2 / (2 * 128))) < 0.3 * math.sqrt(1 / 128)
    assert type(m).__module__ == "jaxtorch.nn.modules.activation"
    assert type(m.out_proj).__name__ == "NonDynamicallyQuantizableLinear"
    assert isinstance(m.out_proj, jaxtorch.nn.Linear)
    t = jaxtorch.nn.Transformer(16, 2, 1, 1, 32)
    w1 = to_np(t.encoder.layers[0].linear1.weight)
    assert np.abs(w1).max() <= math.sqrt(6 / (16 + 32))  # Transformer re-inits every matrix with xavier_uniform
