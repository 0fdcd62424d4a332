"""The seed walkthrough, verbatim, against torch."""

import pytest
import torch

import jaxtorch
from helpers import assert_close


def test_seed_tensor_arithmetic():
    t, j = torch.tensor([[1, 2, 3], [4, 5, 6]]), jaxtorch.tensor([[1, 2, 3], [4, 5, 6]])
    for f in (lambda a: a + 1, lambda a: a - 1, lambda a: a * 2, lambda a: a / 2):
        assert_close(f(t), f(j))
    assert repr(j) == repr(t)
    assert repr(j / 2) == repr(t / 2)


def test_seed_autograd():
    x = jaxtorch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * x
    y.backward(jaxtorch.ones_like(y))
    assert repr(x.grad) == "tensor([2., 4., 6.])"


def test_seed_nonscalar_backward_raises_like_torch():
    tx = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    jx = jaxtorch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError) as te:
        (tx * tx).backward()
    with pytest.raises(RuntimeError) as je:
        (jx * jx).backward()
    assert str(je.value) == str(te.value)


def test_walkthrough_example_runs():
    import runpy
    import pathlib

    runpy.run_path(str(pathlib.Path(__file__).parents[1] / "examples" / "walkthrough.py"), run_name="__main__")
