"""RNN / LSTM / GRU, the cells and nn.utils.rnn against real torch (state copied from torch's module).

Tolerances: the recurrence feeds each step's float32 rounding into the next, and torch (oneDNN/MKL
gemms, its own sigmoid/tanh) and XLA round differently, so differences grow with sequence length;
over these 5-7 step sequences outputs agree to rtol 1e-5 / atol 2e-6 and gradients (which run the
recurrence backwards through every step) to rtol 1e-4 / atol 1e-5.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import jaxtorch
from helpers import assert_close, to_np

T, B, I, H = 5, 3, 4, 6
RTOL, ATOL = 1e-5, 2e-6
G_RTOL, G_ATOL = 1e-4, 1e-5


def _pair(name, *args, **kwargs):
    torch.manual_seed(0)
    tm = getattr(torch.nn, name)(*args, **kwargs)
    jm = getattr(jaxtorch.nn, name)(*args, **kwargs)
    jm.load_state_dict({k: jaxtorch.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    return tm, jm


def _flat(out):
    """The tensors of a (possibly nested / packed) result, in order."""
    if isinstance(out, (torch.Tensor, jaxtorch.Tensor)):
        return [out]
    if isinstance(out, (torch.nn.utils.rnn.PackedSequence, jaxtorch.nn.utils.rnn.PackedSequence)):
        return [out.data]
    res = []
    for o in out:
        res += _flat(o)
    return res


def _compare(tm, jm, t_args, j_args, grad_inputs=()):
    """Run both modules, compare outputs, then grads of inputs and parameters for a weighted sum."""
    t_out, j_out = tm(*t_args), jm(*j_args)
    t_flat, j_flat = _flat(t_out), _flat(j_out)
    assert_close(t_flat, j_flat, RTOL, ATOL)
    rng = np.random.default_rng(1)
    ws = [rng.uniform(0.5, 1.5, size=tuple(o.shape)).astype(np.float32) for o in t_flat]
    sum((o * torch.tensor(w)).sum() for o, w in zip(t_flat, ws)).backward()
    sum((o * jaxtorch.tensor(w)).sum() for o, w in zip(j_flat, ws)).backward()
    for i in grad_inputs:
        assert_close(t_args[i].grad, j_args[i].grad, G_RTOL, G_ATOL, what=f"grad of input {i}")
    t_params, j_params = dict(tm.named_parameters()), dict(jm.named_parameters())
    assert list(t_params) == list(j_params)
    for k in t_params:
        assert_close(t_params[k].grad, j_params[k].grad, G_RTOL, G_ATOL, what=f"grad of {k}")
    return t_out, j_out


def _inputs(*shapes, seed=0):
    rng = np.random.default_rng(seed)
    arrays = [rng.uniform(-1, 1, size=s).astype(np.float32) for s in shapes]
    return ([torch.tensor(a, requires_grad=True) for a in arrays],
            [jaxtorch.tensor(a, requires_grad=True) for a in arrays])


RNN_CASES = [  # (name, constructor kwargs, pass h0/c0 (with grad))
    ("RNN", {}, False),
    ("RNN", dict(nonlinearity="relu", num_layers=2, bidirectional=True), True),
    ("LSTM", {}, True),
    ("LSTM", dict(num_layers=2, bidirectional=True, batch_first=True), False),
    ("LSTM", dict(num_layers=2, bidirectional=True, proj_size=3), True),
    ("GRU", {}, False),
    ("GRU", dict(num_layers=2, bidirectional=True), True),
    ("GRU", dict(bias=False, batch_first=True), False),
]


def _ids(cases):
    return [c[0] + "-" + ",".join(f"{k}={v}" for k, v in c[1].items()) + ("-h0" if c[-1] is True else "")
            for c in cases]


@pytest.mark.parametrize("name,kw,with_h0", RNN_CASES, ids=_ids(RNN_CASES))
def test_recurrent_forward_backward(name, kw, with_h0):
    tm, jm = _pair(name, I, H, **kw)
    D = 2 if kw.get("bidirectional") else 1
    L = kw.get("num_layers", 1)
    hsize = kw.get("proj_size") or H
    x_shape = (B, T, I) if kw.get("batch_first") else (T, B, I)
    if not with_h0:
        (tx,), (jx,) = _inputs(x_shape)
        _compare(tm, jm, (tx,), (jx,), grad_inputs=(0,))
    elif name == "LSTM":
        (tx, th, tc), (jx, jh, jc) = _inputs(x_shape, (L * D, B, hsize), (L * D, B, H))
        _compare(tm, jm, (tx, (th, tc)), (jx, (jh, jc)), grad_inputs=(0,))
        assert_close(th.grad, jh.grad, G_RTOL, G_ATOL, what="grad of h0")
        assert_close(tc.grad, jc.grad, G_RTOL, G_ATOL, what="grad of c0")
    else:
        (tx, th), (jx, jh) = _inputs(x_shape, (L * D, B, hsize))
        _compare(tm, jm, (tx, th), (jx, jh), grad_inputs=(0, 1))


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_unbatched(name):
    tm, jm = _pair(name, I, H)
    if name == "LSTM":
        (tx, th, tc), (jx, jh, jc) = _inputs((T, I), (1, H), (1, H))
        _compare(tm, jm, (tx, (th, tc)), (jx, (jh, jc)), grad_inputs=(0,))
        assert_close(th.grad, jh.grad, G_RTOL, G_ATOL)
    else:
        (tx, th), (jx, jh) = _inputs((T, I), (1, H))
        _compare(tm, jm, (tx, th), (jx, jh), grad_inputs=(0, 1))


def test_dropout_between_layers():
    # p=1 zeroes the first layer's output in training, so the result is deterministic and comparable
    tm, jm = _pair("LSTM", I, H, num_layers=2, dropout=1.0)
    (tx,), (jx,) = _inputs((T, B, I))
    _compare(tm, jm, (tx,), (jx,), grad_inputs=(0,))
    # p=0.5: eval mode ignores dropout; train mode draws a fresh mask per call, honouring manual_seed
    tm, jm = _pair("GRU", I, H, num_layers=2, dropout=0.5)
    tm.eval()
    jm.eval()
    _compare(tm, jm, (tx,), (jx,))
    jm.train()
    jaxtorch.manual_seed(3)
    a = to_np(jm(jx)[0])
    b = to_np(jm(jx)[0])
    jaxtorch.manual_seed(3)
    c = to_np(jm(jx)[0])
    assert not np.allclose(a, b) and np.array_equal(a, c)
    jm.eval()
    assert not np.allclose(a, to_np(jm(jx)[0]))


PACK_CASES = [  # (name, kwargs, enforce_sorted, pass h0)
    ("LSTM", dict(num_layers=2, bidirectional=True), True, True),
    ("LSTM", dict(num_layers=2, bidirectional=True), False, True),
    ("LSTM", dict(proj_size=3, bidirectional=True), False, True),
    ("GRU", dict(bidirectional=True, batch_first=True), False, True),
    ("RNN", dict(num_layers=2), False, False),
]


@pytest.mark.parametrize("name,kw,enforce_sorted,with_h0", PACK_CASES, ids=_ids(PACK_CASES))
def test_packed_sequence(name, kw, enforce_sorted, with_h0):
    tnu, jnu = torch.nn.utils.rnn, jaxtorch.nn.utils.rnn
    tm, jm = _pair(name, I, H, **kw)
    bf = kw.get("batch_first", False)
    n = 4
    lengths = [7, 5, 5, 2] if enforce_sorted else [2, 7, 5, 5]  # ties check the sort order
    x_shape = (n, 7, I) if bf else (7, n, I)
    D = 2 if kw.get("bidirectional") else 1
    L = kw.get("num_layers", 1)
    hsize = kw.get("proj_size") or H
    (tx, th, tc), (jx, jh, jc) = _inputs(x_shape, (L * D, n, hsize), (L * D, n, H))
    tp = tnu.pack_padded_sequence(tx, lengths, batch_first=bf, enforce_sorted=enforce_sorted)
    jp = jnu.pack_padded_sequence(jx, lengths, batch_first=bf, enforce_sorted=enforce_sorted)
    for a, b in zip(tp, jp):
        if a is None:
            assert b is None
        else:
            assert_close(a, b)
    t_args, j_args = (tp,), (jp,)
    if with_h0:
        t_args += ((th, tc) if name == "LSTM" else th,)
        j_args += ((jh, jc) if name == "LSTM" else jh,)
    t_out, j_out = _compare(tm, jm, t_args, j_args)
    assert_close(tx.grad, jx.grad, G_RTOL, G_ATOL, what="grad of padded input")
    if with_h0:
        assert_close(th.grad, jh.grad, G_RTOL, G_ATOL, what="grad of h0")
    assert_close(t_out[0].batch_sizes, j_out[0].batch_sizes)
    t_pad, t_len = tnu.pad_packed_sequence(t_out[0], batch_first=bf, padding_value=-1.0, total_length=8)
    j_pad, j_len = jnu.pad_packed_sequence(j_out[0], batch_first=bf, padding_value=-1.0, total_length=8)
    assert_close(t_pad, j_pad, RTOL, ATOL)
    assert_close(t_len, j_len)


def test_pad_and_pack_utilities():
    tnu, jnu = torch.nn.utils.rnn, jaxtorch.nn.utils.rnn
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((n, 2)).astype(np.float32) for n in (3, 5, 1)]
    ts = [torch.tensor(a) for a in arrays]
    js = [jaxtorch.tensor(a) for a in arrays]
    for bf in (False, True):
        for side in ("left", "right"):
            assert_close(tnu.pad_sequence(ts, batch_first=bf, padding_value=2.5, padding_side=side),
                         jnu.pad_sequence(js, batch_first=bf, padding_value=2.5, padding_side=side))
    tp, jp = tnu.pack_sequence(ts, enforce_sorted=False), jnu.pack_sequence(js, enforce_sorted=False)
    for a, b in zip(tp, jp):
        assert_close(a, b)
    assert isinstance(jp, tuple) and type(jp).__name__ == "PackedSequence"
    assert_close(tnu.unpack_sequence(tp), jnu.unpack_sequence(jp))
    t_pad = tnu.pad_sequence(ts)
    j_pad = jnu.pad_sequence(js)
    assert_close(tnu.unpad_sequence(t_pad, torch.tensor([3, 5, 1])),
                 jnu.unpad_sequence(j_pad, jaxtorch.tensor([3, 5, 1])))
    # gradients flow through pad -> pack -> pad_packed
    tg = [torch.tensor(a, requires_grad=True) for a in arrays]
    jg = [jaxtorch.tensor(a, requires_grad=True) for a in arrays]
    (tnu.pad_packed_sequence(tnu.pack_sequence(tg, enforce_sorted=False))[0] * 3).sum().backward()
    (jnu.pad_packed_sequence(jnu.pack_sequence(jg, enforce_sorted=False))[0] * 3).sum().backward()
    assert_close([t.grad for t in tg], [j.grad for j in jg])


def test_pack_errors():
    jnu = jaxtorch.nn.utils.rnn
    x = jaxtorch.randn(3, 2, 1)
    with pytest.raises(RuntimeError, match="must be sorted in decreasing order"):
        jnu.pack_padded_sequence(x, [2, 3])
    with pytest.raises(RuntimeError, match="Length of all samples has to be greater than 0"):
        jnu.pack_padded_sequence(x, [0, 3], enforce_sorted=False)
    p = jnu.pack_padded_sequence(x, [3, 2])
    with pytest.raises(ValueError, match="total_length=2 and max sequence length being 3"):
        jnu.pad_packed_sequence(p, total_length=2)


CELL_CASES = [("RNNCell", {}, None), ("RNNCell", dict(nonlinearity="relu", bias=False), None),
              ("LSTMCell", {}, None), ("GRUCell", {}, None), ("GRUCell", dict(bias=False), None)]


@pytest.mark.parametrize("name,kw,_", CELL_CASES, ids=_ids(CELL_CASES))
@pytest.mark.parametrize("mode", ["no_hx", "hx", "unbatched"])
def test_cells(name, kw, _, mode):
    tm, jm = _pair(name, I, H, **kw)
    lstm = name == "LSTMCell"
    if mode == "no_hx":
        (tx,), (jx,) = _inputs((B, I))
        _compare(tm, jm, (tx,), (jx,), grad_inputs=(0,))
        return
    shape_x, shape_h = ((B, I), (B, H)) if mode == "hx" else ((I,), (H,))
    if lstm:
        (tx, th, tc), (jx, jh, jc) = _inputs(shape_x, shape_h, shape_h)
        _compare(tm, jm, (tx, (th, tc)), (jx, (jh, jc)), grad_inputs=(0,))
        assert_close([th.grad, tc.grad], [jh.grad, jc.grad], G_RTOL, G_ATOL)
    else:
        (tx, th), (jx, jh) = _inputs(shape_x, shape_h)
        _compare(tm, jm, (tx, th), (jx, jh), grad_inputs=(0, 1))


STATE_CASES = [("LSTM", dict(num_layers=2, bidirectional=True)), ("LSTM", dict(proj_size=2, num_layers=2)),
               ("GRU", dict(bias=False)), ("RNN", dict(bidirectional=True)), ("LSTMCell", {}), ("GRUCell", {}),
               ("RNNCell", dict(bias=False))]


@pytest.mark.parametrize("name,kw", STATE_CASES, ids=[n + str(k) for n, k in STATE_CASES])
def test_state_dict_layout(name, kw):
    torch.manual_seed(0)
    tm = getattr(torch.nn, name)(I, H, **kw)
    jm = getattr(jaxtorch.nn, name)(I, H, **kw)
    t_sd, j_sd = tm.state_dict(), jm.state_dict()
    assert list(t_sd) == list(j_sd)
    for k in t_sd:
        assert tuple(t_sd[k].shape) == tuple(j_sd[k].shape), k
        assert str(t_sd[k].dtype) == repr(j_sd[k].dtype), k


REPR_CASES = [("RNN", (3, 4), dict(nonlinearity="relu", num_layers=2, dropout=0.5, bias=False, batch_first=True,
                                   bidirectional=True)),
              ("LSTM", (3, 4), dict(proj_size=2)), ("GRU", (3, 4), {}),
              ("RNNCell", (3, 4), dict(nonlinearity="relu", bias=False)), ("LSTMCell", (3, 4), {}),
              ("GRUCell", (3, 4), dict(bias=False))]


@pytest.mark.parametrize("name,args,kw", REPR_CASES)
def test_repr(name, args, kw):
    assert repr(getattr(jaxtorch.nn, name)(*args, **kw)) == repr(getattr(torch.nn, name)(*args, **kw))


def test_init_distribution():
    m = jaxtorch.nn.LSTM(200, 256)
    bound = 1 / math.sqrt(256)
    w = to_np(m.weight_ih_l0)
    assert np.abs(w).max() <= bound
    assert abs(w.mean()) < 0.02 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.02 * bound
    b = to_np(m.bias_hh_l0)
    assert np.abs(b).max() <= bound and b.std() > 0.5 * bound / math.sqrt(3)


def _raises_like(t_fn, j_fn):
    with pytest.raises(Exception) as t_err:
        t_fn()
    with pytest.raises(type(t_err.value)) as j_err:
        j_fn()
    assert str(j_err.value) == str(t_err.value)


@pytest.mark.parametrize("case", range(13))
def test_errors(case):
    def build(mod, name, *a, **k):
        return getattr(mod.nn, name)(*a, **k)

    def run(mod):
        z = mod.zeros
        return [
            lambda: build(mod, "RNN", 3, 4)(z(2, 3, 4, 3)),
            lambda: build(mod, "LSTM", 3, 4)(z(2, 3, 4, 3)),
            lambda: build(mod, "GRU", 3, 4)(z(2, 3, 4)),
            lambda: build(mod, "LSTM", 3, 4)(z(2, 3, 3), (z(2, 3, 4), z(1, 3, 4))),
            lambda: build(mod, "LSTM", 3, 4)(z(2, 3, 3), (z(3, 4), z(1, 3, 4))),
            lambda: build(mod, "RNN", 3, 4)(z(3, 3), z(1, 1, 4)),
            lambda: build(mod, "RNNCell", 3, 4)(z(2, 2, 3)),
            lambda: build(mod, "RNNCell", 3, 4)(z(2, 5)),
            lambda: build(mod, "GRUCell", 3, 4)(z(2, 3), z(3, 4)),
            lambda: build(mod, "RNN", 3, 4)(z(2, 3, 3, dtype=mod.float64)),
            lambda: build(mod, "RNN", 3, 4, nonlinearity="x"),
            lambda: build(mod, "LSTM", 3, 4, proj_size=4),
            lambda: build(mod, "LSTM", 3, 4, dropout=2),
        ][case]

    _raises_like(run(torch), run(jaxtorch))
