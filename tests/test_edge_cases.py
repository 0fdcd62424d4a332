"""Edge cases found while integrating, each compared with torch."""

import numpy as np
import pytest
import torch

import jaxtorch
from _same import both, same_error
from helpers import assert_close


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
def test_scatter_reduce_on_0d_input(reduce):
    both(lambda T: T.tensor(3.0).scatter_reduce(0, T.tensor(0), T.tensor(5.0), reduce))


@pytest.mark.parametrize("ord", [-1, -2.5, float("inf")])
def test_vector_norm_of_empty_without_identity_raises(ord):
    same_error(lambda T: T.linalg.vector_norm(T.zeros(0), ord))


def test_vector_norm_of_empty_with_identity():
    both(lambda T: T.linalg.vector_norm(T.zeros(0), 2))


@pytest.mark.parametrize("p", [1, 2, 3, 0.5, float("inf"), float("-inf"), -1, -2.5])
def test_norm_gradients_at_zero_entries(p):
    # torch's subgradient: entries that are exactly 0 get gradient 0 (|x| at 0, and |x|^p with p < 1),
    # and a norm of all zeros has zero gradient (L1 regularisation of sparse weights relies on this)
    for arr in (np.array([0.0, 1.5, -2.0, 0.0], np.float32), np.zeros(3, np.float32),
                np.array([[0.0, 1.0], [2.0, 0.0]], np.float32)):
        grads = []
        for lib in (torch, jaxtorch):
            x, y = lib.tensor(arr, requires_grad=True), lib.tensor(arr, requires_grad=True)
            lib.linalg.vector_norm(x, ord=p).backward()
            y.norm(p=p).backward()
            grads.append((x.grad, y.grad))
        for a, b in zip(*grads):
            assert_close(a, b, what=f"norm p={p} grad on {arr.tolist()}")
