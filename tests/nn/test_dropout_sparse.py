"""Dropout family (mask statistics, scaling, gradients, eval identity, seeding) and Embedding /
EmbeddingBag / one_hot vs torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import jaxtorch
from _module_oracle import run_module
from _same import same_error
from helpers import assert_close, helper_test_op, make_inputs

F = jaxtorch.nn.functional
IDX = np.array([[1, 2, 0, 4], [4, 3, 2, 0]], np.int64)


@pytest.mark.parametrize("p", [0.2, 0.5])
def test_dropout_statistics_and_grad(p):
    jaxtorch.manual_seed(0)
    x = jaxtorch.ones(200, 100, requires_grad=True)
    y = F.dropout(x, p)
    a = y.detach().numpy()
    vals = np.unique(a)
    np.testing.assert_allclose(sorted(vals), [0.0, 1 / (1 - p)], rtol=1e-6)
    assert abs((a == 0).mean() - p) < 0.02
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), a)  # gradient is the scaled mask


def test_dropout_eval_identity_and_edge_p():
    x = jaxtorch.randn(3, 4)
    assert F.dropout(x, 0.5, training=False) is x
    assert jaxtorch.nn.Dropout(0.3).eval()(x) is x
    assert np.all(F.dropout(x, 1.0).numpy() == 0)
    assert_close(torch.tensor(x.numpy()), F.dropout(x, 0.0))
    same_error(lambda T: T.nn.functional.dropout(T.ones(3), 1.5))
    same_error(lambda T: T.nn.Dropout(-0.1))


def test_dropout_seeded_and_inplace():
    jaxtorch.manual_seed(5)
    a = F.dropout(jaxtorch.ones(50)).numpy()
    jaxtorch.manual_seed(5)
    b = F.dropout(jaxtorch.ones(50)).numpy()
    c = F.dropout(jaxtorch.ones(50)).numpy()
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    x = jaxtorch.ones(50)
    r = F.dropout(x, 0.5, inplace=True)
    assert r is x and set(np.unique(x.numpy())) <= {0.0, 2.0}
    g = jaxtorch.Generator().manual_seed(1)
    w = jaxtorch.empty(10)
    jaxtorch.nn.init.uniform_(w, generator=g)


@pytest.mark.parametrize("name,shape,batched", [
    ("dropout1d", (8, 30, 5), True), ("dropout1d", (30, 5), False), ("dropout2d", (8, 30, 3, 3), True),
    ("dropout3d", (4, 30, 2, 2, 2), True), ("feature_alpha_dropout", (8, 30, 4), True)])
def test_channel_dropout_masks_whole_channels(name, shape, batched):
    jaxtorch.manual_seed(0)
    x = jaxtorch.ones(*shape)
    y = getattr(F, name)(x, 0.5, training=True).numpy()
    nlead = 2 if batched else 1
    per_channel = y.reshape(y.shape[:nlead] + (-1,))
    assert np.all(per_channel.min(-1) == per_channel.max(-1)), "whole channels kept or dropped"
    assert 0.3 < (per_channel[..., 0] == per_channel.reshape(-1).min()).mean() < 0.7


def test_alpha_dropout_keeps_mean_and_std():
    jaxtorch.manual_seed(0)
    x = jaxtorch.randn(400, 250)
    y = F.alpha_dropout(x, 0.3, training=True).numpy()
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02
    assert F.alpha_dropout(x, 0.3, training=False) is x


def test_dropout_module_repr_and_train_eval():
    m = jaxtorch.nn.Dropout2d(0.4)
    assert repr(m) == repr(torch.nn.Dropout2d(0.4))
    x = jaxtorch.ones(2, 4, 3, 3)
    assert m.eval()(x) is x
    assert np.any(m.train()(x).numpy() == 0)


EMB = [
    ("Embedding", lambda nn: nn.Embedding(5, 3), [IDX]),
    ("Embedding-padding", lambda nn: nn.Embedding(5, 3, padding_idx=2), [IDX]),
    ("Embedding-padding-neg", lambda nn: nn.Embedding(5, 3, padding_idx=-1), [IDX]),
    ("Embedding-scale-grad", lambda nn: nn.Embedding(5, 3, scale_grad_by_freq=True), [IDX]),
    ("Embedding-sparse", lambda nn: nn.Embedding(5, 3, sparse=True), [IDX[0]]),
    ("EmbeddingBag-mean", lambda nn: nn.EmbeddingBag(5, 3), [IDX]),
    ("EmbeddingBag-sum", lambda nn: nn.EmbeddingBag(5, 3, mode="sum"), [IDX]),
    ("EmbeddingBag-max", lambda nn: nn.EmbeddingBag(5, 3, mode="max"), [IDX]),
    ("EmbeddingBag-offsets", lambda nn: nn.EmbeddingBag(5, 3, mode="sum"),
     [IDX.reshape(-1), np.array([0, 3, 3, 5], np.int64)]),
    ("EmbeddingBag-offsets-mean-last", lambda nn: nn.EmbeddingBag(5, 3, include_last_offset=True),
     [IDX.reshape(-1), np.array([0, 2, 2, 8], np.int64)]),
    ("EmbeddingBag-max-offsets", lambda nn: nn.EmbeddingBag(5, 3, mode="max"),
     [IDX.reshape(-1), np.array([0, 3, 5], np.int64)]),
    ("EmbeddingBag-padding", lambda nn: nn.EmbeddingBag(5, 3, padding_idx=0), [IDX]),
    ("EmbeddingBag-psw", lambda nn: nn.EmbeddingBag(5, 3, mode="sum"),
     [IDX, None, make_inputs([(2, 4)])[0]]),
]


@pytest.mark.parametrize("make,inputs", [e[1:] for e in EMB], ids=[e[0] for e in EMB])
def test_embedding_modules(make, inputs):
    run_module(make, inputs, modes=(True,))


def test_embedding_padding_init_and_max_norm():
    jaxtorch.manual_seed(0)
    e = jaxtorch.nn.Embedding(6, 4, padding_idx=1)
    assert np.all(e.weight.detach().numpy()[1] == 0)
    w = np.random.default_rng(0).normal(size=(6, 4)).astype(np.float32) * 3
    idx = np.array([0, 2, 2, 5], np.int64)
    outs = []
    for T in (torch, jaxtorch):
        m = T.nn.Embedding(6, 4, max_norm=1.5)
        m.weight.data = T.tensor(w)
        y = m(T.tensor(idx))
        y.sum().backward()
        outs.append((y, m.weight.detach(), m.weight.grad))
    # renorm is done in place on the weight rows that were looked up
    assert_close(outs[0][0], outs[1][0])
    assert_close(outs[0][1], outs[1][1])
    assert_close(outs[0][2], outs[1][2])


def test_embedding_from_pretrained():
    w = np.arange(12, dtype=np.float32).reshape(4, 3)
    t = torch.nn.Embedding.from_pretrained(torch.tensor(w), padding_idx=0)
    j = jaxtorch.nn.Embedding.from_pretrained(jaxtorch.tensor(w), padding_idx=0)
    assert repr(t) == repr(j) and t.weight.requires_grad == j.weight.requires_grad is False
    assert_close(t(torch.tensor([3, 0])), j(jaxtorch.tensor([3, 0])))
    j2 = jaxtorch.nn.Embedding.from_pretrained(jaxtorch.tensor(w), freeze=False)
    assert j2.weight.requires_grad
    bag = jaxtorch.nn.EmbeddingBag.from_pretrained(jaxtorch.tensor(w), mode="sum")
    tb = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(w), mode="sum")
    assert_close(tb(torch.tensor([[1, 2]])), bag(jaxtorch.tensor([[1, 2]])))


def test_embedding_functional_and_errors():
    helper_test_op([(6, 3)], lambda w: torch.nn.functional.embedding(torch.tensor(IDX), w, padding_idx=0),
                   lambda w: F.embedding(jaxtorch.tensor(IDX), w, padding_idx=0))
    same_error(lambda T: T.nn.functional.embedding(T.tensor([0, 6]), T.ones(5, 2)))
    same_error(lambda T: T.nn.functional.embedding(T.tensor([0, -1]), T.ones(5, 2)))
    same_error(lambda T: T.nn.Embedding(5, 2)(T.tensor([1.0])))
    same_error(lambda T: T.nn.Embedding(5, 2, padding_idx=7))
    same_error(lambda T: T.nn.functional.embedding_bag(T.tensor([0, 1]), T.ones(5, 2), mode="foo"))
    same_error(lambda T: T.nn.functional.embedding_bag(T.tensor([0, 1]), T.ones(5, 2)))
    same_error(lambda T: T.nn.functional.embedding_bag(T.tensor([[0, 1]]), T.ones(5, 2),
                                                       per_sample_weights=T.ones(1, 2)))


def test_one_hot():
    for nc in (-1, 6):
        t = torch.nn.functional.one_hot(torch.tensor(IDX), nc)
        j = F.one_hot(jaxtorch.tensor(IDX), nc)
        assert_close(t, j)
    same_error(lambda T: T.nn.functional.one_hot(T.tensor([0, 3]), 2))
    same_error(lambda T: T.nn.functional.one_hot(T.tensor([0, -3])))
    same_error(lambda T: T.nn.functional.one_hot(T.tensor([0.0])))
