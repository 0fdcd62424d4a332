"""The 'meta' device and the default-device switches (`with torch.device(...)`, set_default_device), against torch.

Libraries build big models on 'meta' (no memory), then load weights into them: Hugging Face's from_pretrained
does exactly that, and skips its own initialisation when `torch.tensor([]).device` says 'meta'.
"""

from __future__ import annotations

import warnings

import pytest
import torch

import jaxtorch


def _both(fn):
    return fn(torch), fn(jaxtorch)


def test_device_context_sets_factory_default():
    for lib in (torch, jaxtorch):
        with lib.device("meta"):
            assert str(lib.tensor([]).device) == "meta"
            assert str(lib.zeros(2).device) == "meta" and str(lib.randn(2, 3).device) == "meta"
            assert str(lib.get_default_device()) == "meta"
            assert str(lib.zeros(2, device="cpu").device) == "cpu"  # an explicit device still wins
        assert str(lib.zeros(2).device) == "cpu"
        assert str(lib.get_default_device()) == "cpu"
        lib.set_default_device("meta")
        try:
            assert lib.ones(3).is_meta
        finally:
            lib.set_default_device(None)
        assert not lib.ones(3).is_meta


def test_meta_reprs_shapes_and_dtypes():
    t, j = _both(lambda lib: lib.empty(2, 3, device="meta"))
    assert repr(j) == repr(t)
    for fn in (lambda lib, x: x + 1, lambda lib, x: x.sum(), lambda lib, x: x @ lib.ones(3, 4, device="meta"),
               lambda lib, x: x[0], lambda lib, x: x.to(lib.float64), lambda lib, x: lib.cat([x, x], 1),
               lambda lib, x: lib.nn.functional.softmax(x, -1), lambda lib, x: x.view(3, 2).t()):
        a, b = fn(torch, t), fn(jaxtorch, j)
        assert b.is_meta and tuple(a.shape) == tuple(b.shape) and str(a.dtype) == str(b.dtype)
        assert repr(b) == repr(a).replace(", grad_fn=<SelectBackward0>", "")
    assert repr(jaxtorch.empty(2, dtype=jaxtorch.float64, device="meta")) == \
        repr(torch.empty(2, dtype=torch.float64, device="meta"))
    assert repr(jaxtorch.empty((), device="meta")) == repr(torch.empty((), device="meta"))
    assert jaxtorch.ones(3).to("meta").is_meta and torch.ones(3).to("meta").is_meta


def test_reading_a_meta_tensor_fails_like_torch():
    t, j = _both(lambda lib: lib.empty(2, 3, device="meta"))
    cases = [(lambda x: x.item(), RuntimeError), (lambda x: x.numpy(), TypeError), (lambda x: x.tolist(),
              NotImplementedError), (lambda x: x.to("cpu"), NotImplementedError), (lambda x: x.cpu(),
              NotImplementedError), (lambda x: float(x.sum()), RuntimeError)]
    for fn, exc in cases:
        with pytest.raises(exc) as theirs:
            fn(t)
        with pytest.raises(exc) as ours:
            fn(j)
        assert str(ours.value).split("!")[0] == str(theirs.value).split("!")[0]
    assert j.data_ptr() == t.data_ptr() == 0


def test_meta_random_init_does_not_draw():
    jaxtorch.manual_seed(0)
    expected = jaxtorch.rand(3)
    jaxtorch.manual_seed(0)
    with jaxtorch.device("meta"):
        m = jaxtorch.nn.Linear(4, 3)  # kaiming_uniform_ on meta: no data, no RNG use (as torch)
        jaxtorch.randn(5)
    assert m.weight.is_meta and m.bias.is_meta and isinstance(m.weight, jaxtorch.nn.Parameter)
    assert jaxtorch.equal(jaxtorch.rand(3), expected)


def test_module_to_empty_and_load_state_dict():
    for lib in (torch, jaxtorch):
        with lib.device("meta"):
            m = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.BatchNorm1d(3))
        with pytest.raises(NotImplementedError, match="Cannot copy out of meta tensor"):
            m.to("cpu")
        state = {k: lib.ones_like(v, device="cpu") for k, v in m.state_dict().items()}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            m.load_state_dict(state)
        assert any("copying from a non-meta parameter" in str(w.message) for w in caught)
        assert m[0].weight.is_meta
        m.load_state_dict(state, assign=True)
        assert not m[0].weight.is_meta and float(m[0].weight.sum()) == 6.0
        with lib.device("meta"):
            n = lib.nn.Linear(2, 3)
        n.to_empty(device="cpu")
        assert str(n.weight.device) == "cpu" and tuple(n.weight.shape) == (3, 2)
        assert isinstance(n.weight, lib.nn.Parameter)


def test_like_functions_keep_the_meta_device():
    for lib in (torch, jaxtorch):
        x = lib.empty(2, device="meta")
        assert lib.zeros_like(x).is_meta and lib.full_like(x, 3.0).is_meta
        assert not lib.zeros_like(x, device="cpu").is_meta
        x.copy_(lib.ones(2))  # a meta tensor has nothing to write into: it stays meta
        assert x.is_meta
