"""torch's error messages for bad input, raised before (or instead of) JAX's own."""

from __future__ import annotations

from .._tensor import Tensor


def _shape(x):
    return tuple(x.shape) if isinstance(x, Tensor) else ()


def broadcast_error(a, b, cause=None):
    """Raise torch's broadcast error for a and b if their shapes do not broadcast."""
    sa, sb = _shape(a), _shape(b)
    n = max(len(sa), len(sb))
    pa, pb = (1,) * (n - len(sa)) + sa, (1,) * (n - len(sb)) + sb
    for i in range(n - 1, -1, -1):
        x, y = pa[i], pb[i]
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                               f"non-singleton dimension {i - (n - max(len(sa), len(sb)))}") from cause


def broadcast_error_n(xs, cause=None):
    shapes = [_shape(x) for x in xs if isinstance(x, Tensor)]
    for i in range(len(shapes)):
        for j in range(i + 1, len(shapes)):
            sa, sb = shapes[i], shapes[j]
            n = max(len(sa), len(sb))
            pa, pb = (1,) * (n - len(sa)) + sa, (1,) * (n - len(sb)) + sb
            for k in range(n - 1, -1, -1):
                x, y = pa[k], pb[k]
                if x != y and x != 1 and y != 1:
                    raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                                       f"non-singleton dimension {k}") from cause


def wrap_dim(dim: int, ndim: int) -> int:
    n = max(ndim, 1)
    if not isinstance(dim, int):
        dim = int(dim)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim % n


def wrap_dims(dims, ndim: int) -> tuple:
    out = tuple(wrap_dim(d, ndim) for d in dims)
    if len(set(out)) != len(out):
        d = next(d for d in out if out.count(d) > 1)
        raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return out
