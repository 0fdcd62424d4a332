"""Edge cases found while integrating, each compared with torch."""

import pytest

from _same import both, same_error


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
def test_scatter_reduce_on_0d_input(reduce):
    both(lambda T: T.tensor(3.0).scatter_reduce(0, T.tensor(0), T.tensor(5.0), reduce))


@pytest.mark.parametrize("ord", [-1, -2.5, float("inf")])
def test_vector_norm_of_empty_without_identity_raises(ord):
    same_error(lambda T: T.linalg.vector_norm(T.zeros(0), ord))


def test_vector_norm_of_empty_with_identity():
    both(lambda T: T.linalg.vector_norm(T.zeros(0), 2))
