"""Matrix products and torch.linalg."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
from jax import lax
import numpy as np

from .. import _dtype as _dt
from .. import return_types as rt
from .._tensor import Tensor
from ._dispatch import apply
from ._promote import result_np
from ._registry import register
from .. import _autocast as _ac
from .reductions import _norm_impl, _dims


def _same_dtype(name, a, b):
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {a.dtype} != {b.dtype}"
                           if name in ("mm", "addmm", "matmul", "linear") else
                           f"expected scalar type {_tn(a.dtype)} but found {_tn(b.dtype)}")


def _tn(d):
    from ._registry import _dt_name

    return _dt_name(d)


def _matmul_impl(a, b):
    return jnp.matmul(a, b, preferred_element_type=a.dtype if a.dtype == b.dtype else None)


@register(dunders=("__matmul__",))
def matmul(input, other, *, out=None):
    if not isinstance(other, Tensor):
        return NotImplemented
    input, other = _ac.cast("matmul", input, other)
    if input.ndim == 0 or other.ndim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {input.ndim}D and "
                           f"{other.ndim}D")
    _same_dtype("matmul", input, other)
    ka = input.shape[-1]
    kb = other.shape[-2] if other.ndim > 1 else other.shape[0]
    if ka != kb:
        if input.ndim == 1 and other.ndim == 1:
            raise RuntimeError(f"inconsistent tensor size, expected tensor [{input.shape[0]}] and src "
                               f"[{other.shape[0]}] to have the same number of elements, but got {input.shape[0]} "
                               f"and {other.shape[0]} elements respectively")
        a = input.shape if input.ndim > 1 else (1,) + tuple(input.shape)
        b = other.shape if other.ndim > 1 else tuple(other.shape) + (1,)
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({'x'.join(map(str, a[-2:]))} and "
                           f"{'x'.join(map(str, b[-2:]))})")
    if input.ndim > 2 and other.ndim > 2:
        try:
            np.broadcast_shapes(tuple(input.shape[:-2]), tuple(other.shape[:-2]))
        except ValueError:
            raise RuntimeError(f"The size of tensor a ({input.shape[-3]}) must match the size of tensor b "
                               f"({other.shape[-3]}) at non-singleton dimension {max(input.ndim, other.ndim) - 3}"
                               ) from None
    return apply(_matmul_impl, (input, other), (), "mm")


Tensor.__rmatmul__ = lambda self, other: matmul(other, self) if isinstance(other, Tensor) else NotImplemented


@register()
def mm(input, mat2, *, out=None):
    if input.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    return matmul(input, mat2)


@register()
def bmm(input, mat2, *, out=None):
    if input.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if input.shape[0] != mat2.shape[0] or input.shape[2] != mat2.shape[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{input.shape[0]}, "
                           f"{input.shape[2]}] but got: [{mat2.shape[0]}, {mat2.shape[1]}].")
    return matmul(input, mat2)


@register()
def mv(input, vec, *, out=None):
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input.ndim}, {vec.ndim}, 1")
    return matmul(input, vec)


def _dot_impl(a, b):
    return jnp.dot(a, b)


@register()
def dot(input, other, *, out=None):
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    if input.dtype != other.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found {_tn(input.dtype)} and "
                           f"{_tn(other.dtype)}")
    if input.shape[0] != other.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{input.shape[0]}] and src [{other.shape[0]}] "
                           f"to have the same number of elements, but got {input.shape[0]} and {other.shape[0]} "
                           "elements respectively")
    return apply(_dot_impl, (input, other), (), "dot")


@register()
def inner(input, other, *, out=None):
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    return apply(_inner_impl, (input, other), (("dtype", result_np(input, other)),), "inner")


def _inner_impl(a, b, *, dtype):
    return jnp.inner(a.astype(dtype), b.astype(dtype))


def _vdot_impl(a, b):
    return jnp.vdot(a, b)


@register()
def vdot(input, other, *, out=None):
    return apply(_vdot_impl, (input, other), (), "vdot")


def _outer_impl(a, b, *, dtype):
    return jnp.outer(a.astype(dtype), b.astype(dtype))


@register(aliases=("ger",))
def outer(input, vec2, *, out=None):
    return apply(_outer_impl, (input, vec2), (("dtype", result_np(input, vec2)),), "outer")


def _scale(s, dtype):
    # torch casts beta/alpha to the result dtype: an int tensor with alpha=2.6 scales by 2
    return lax.convert_element_type(s, dtype)


def _addmm_impl(c, a, b, beta, alpha):
    prod = jnp.matmul(a, b)
    return _scale(beta, prod.dtype) * c + _scale(alpha, prod.dtype) * prod


def _addmm_impl_fast(c, a, b):
    return c + jnp.matmul(a, b)


def _addmm_impl_beta0(a, b, alpha):
    prod = jnp.matmul(a, b)
    return _scale(alpha, prod.dtype) * prod


def _addlike(name, check):
    def op(input, m1, m2, *, beta=1, alpha=1, out=None):
        check(m1, m2)
        input, m1, m2 = _ac.cast(name, input, m1, m2)
        _same_dtype("addmm", m1, m2)
        if beta == 0:
            # beta == 0: input is ignored entirely (its NaNs do not propagate), as in torch
            return apply(_addmm_impl_beta0, (m1, m2, alpha), (), name)
        if beta == 1 and alpha == 1:
            return apply(_addmm_impl_fast, (input, m1, m2), (), name)
        return apply(_addmm_impl, (input, m1, m2, beta, alpha), (), name)

    op.__name__ = name
    register(name, inplace=True)(op)
    return op


def _check_mm(a, b):
    if a.ndim != 2 or b.ndim != 2:
        raise RuntimeError("mat1 must be a matrix, got " + f"{a.ndim}-D tensor")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x{a.shape[1]} and "
                           f"{b.shape[0]}x{b.shape[1]})")


def _check_bmm(a, b):
    if a.ndim != 3 or b.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")


def _check_mv(a, b):
    if a.ndim != 2 or b.ndim != 1:
        raise RuntimeError("vector + matrix @ vector expected")


def _check_outer(a, b):
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError("addr: Expected 1-D argument vec1, but got " + f"{a.ndim}-D")


addmm = _addlike("addmm", _check_mm)
baddbmm = _addlike("baddbmm", _check_bmm)
addmv = _addlike("addmv", _check_mv)


def _addr_impl(c, a, b, beta, alpha):
    prod = jnp.outer(a, b)
    return _scale(beta, prod.dtype) * c + _scale(alpha, prod.dtype) * prod


@register(inplace=True)
def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None):
    _check_outer(vec1, vec2)
    return apply(_addr_impl, (input, vec1, vec2, beta, alpha), (), "addr")


def _addbmm_impl(c, a, b, beta, alpha):
    prod = jnp.sum(jnp.matmul(a, b), axis=0, dtype=a.dtype)
    return _scale(beta, prod.dtype) * c + _scale(alpha, prod.dtype) * prod


@register(inplace=True)
def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    input, batch1, batch2 = _ac.cast("addbmm", input, batch1, batch2)
    return apply(_addbmm_impl, (input, batch1, batch2, beta, alpha), (), "addbmm")


def _einsum_impl(*ops, eq):
    return jnp.einsum(eq, *ops, preferred_element_type=ops[0].dtype)


@register(method=False)
def einsum(equation, *operands):
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if operands and not isinstance(operands[0], Tensor):
        raise NotImplementedError("jaxtorch: einsum's sublist format is not supported; use the string equation")
    operands = _ac.cast("einsum", *operands)
    return apply(_einsum_impl, tuple(operands), (("eq", equation.replace(" ", "")),), "einsum")


def _tensordot_impl(a, b, *, axes):
    if isinstance(axes, tuple):  # torch broadcasts a size-1 contracted dim against its partner
        sa, sb = list(a.shape), list(b.shape)
        for da, db in zip(*axes):
            n = max(sa[da], sb[db])
            sa[da] = sb[db] = n
        a, b = jnp.broadcast_to(a, sa), jnp.broadcast_to(b, sb)
    return jnp.tensordot(a, b, axes)


@register(method=False)
def tensordot(a, b, dims=2, out=None):
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    a, b = _ac.cast("tensordot", a, b)
    if isinstance(dims, (list, tuple)):
        dims = (tuple(dims[0]) if isinstance(dims[0], (list, tuple)) else (dims[0],),
                tuple(dims[1]) if isinstance(dims[1], (list, tuple)) else (dims[1],))
    return apply(_tensordot_impl, (a, b), (("axes", dims),), "tensordot")


@register(method=False)
def chain_matmul(*matrices):
    r = matrices[0]
    for m in matrices[1:]:
        r = r @ m
    return r


def _cross_impl(a, b, *, axis):
    return jnp.cross(a, b, axis=axis)


@register()
def cross(input, other, dim=None):
    if dim is None:
        dim = next(i for i, s in enumerate(input.shape) if s == 3)
    return apply(_cross_impl, (input, other), (("axis", dim),), "cross")


def _cdist_impl(a, b, *, p):
    diff = a[..., :, None, :] - b[..., None, :, :]
    if p == 2:
        return jnp.sqrt(jnp.maximum(jnp.sum(diff * diff, -1), 0))
    return _norm_impl(diff, p=p, axis=(-1,), keepdims=False, dtype=a.dtype)


@register(method=False)
def cdist(x1, x2, p=2.0, compute_mode=None):
    x1, x2 = _ac.cast("cdist", x1, x2)
    return apply(_cdist_impl, (x1, x2), (("p", float(p)),), "cdist")


# ---------------------------------------------------------------------------------------------
# torch.linalg


def _linalg(name, fn, *, method=False, outs=None):
    def impl(x, **kw):
        return fn(x, **kw)

    impl.__name__ = name

    def op(input, **kw):
        r = apply(impl, (input,), tuple(sorted(kw.items())), name)
        return outs(*r) if outs else r

    op.__name__ = name
    return op


def _det_impl(x):
    if x.shape[-1] == 0:  # the empty product; jnp's det derivative cannot index an empty matrix
        return jnp.ones(x.shape[:-2], x.dtype) + jnp.sum(x, axis=(-2, -1))
    return jnp.linalg.det(x)


@register(namespace="linalg")
def det(A, *, out=None):
    return apply(_det_impl, (A,), (), "det")


from ._registry import FUNCTIONS as _F  # noqa: E402

_F["det"] = det
Tensor.det = det


def _slogdet_impl(x):
    s, l = jnp.linalg.slogdet(x)
    return s, l


@register(namespace="linalg")
def slogdet(A, *, out=None):
    return rt.slogdet(*apply(_slogdet_impl, (A,), (), "slogdet"))


_F["slogdet"] = slogdet
_F["logdet"] = lambda A: (lambda r: (r.logabsdet.where(r.sign > 0, float("nan"))))(slogdet(A))


def _inv_impl(x):
    return jnp.linalg.inv(x)


@register(namespace="linalg")
def inv(A, *, out=None):
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.inv: A must be batches of square matrices, but they are {A.shape[-2]} by "
                           f"{A.shape[-1]} matrices")
    return apply(_inv_impl, (A,), (), "inverse")


_F["inverse"] = inv
Tensor.inverse = inv


def _solve_impl(a, b, *, left):
    if not left:
        return jnp.swapaxes(jnp.linalg.solve(jnp.swapaxes(a, -1, -2), jnp.swapaxes(b, -1, -2)), -1, -2)
    if b.ndim == a.ndim - 1:
        return jnp.linalg.solve(a, b[..., None])[..., 0]
    return jnp.linalg.solve(a, b)


@register(namespace="linalg")
def solve(A, B, *, left=True, out=None):
    return apply(_solve_impl, (A, B), (("left", bool(left)),), "linalg_solve")


def _cholesky_impl(x, *, upper):
    L = jnp.linalg.cholesky(x)
    return jnp.swapaxes(L, -1, -2).conj() if upper else L


@register(namespace="linalg")
def cholesky(A, *, upper=False, out=None):
    return apply(_cholesky_impl, (A,), (("upper", bool(upper)),), "cholesky")


_F["cholesky"] = lambda A, upper=False, out=None: cholesky(A, upper=upper)
Tensor.cholesky = lambda self, upper=False: cholesky(self, upper=upper)


def _qr_impl(x, *, mode):
    return jnp.linalg.qr(x, mode=mode)


@register(namespace="linalg")
def qr(A, mode="reduced", *, out=None):
    return rt.qr(*apply(_qr_impl, (A,), (("mode", mode),), "linalg_qr"))


_F["qr"] = lambda A, some=True, out=None: qr(A, "reduced" if some else "complete")
Tensor.qr = lambda self, some=True: qr(self, "reduced" if some else "complete")


def _hermitian_from_triangle(x, lower):
    """torch reads only the UPLO triangle. The value is the Hermitian matrix built from it, but the
    gradient reaching the full input is the Hermitian part of the decomposition's gradient, as torch's
    eigh backward gives (a Hermitian matrix; jax's eigenvector vjp alone is not)."""
    tri = jnp.tril(x) if lower else jnp.triu(x)
    strict = jnp.tril(x, -1) if lower else jnp.triu(x, 1)
    herm = tri + jnp.conj(jnp.swapaxes(strict, -1, -2))
    sym = (x + jnp.conj(jnp.swapaxes(x, -1, -2))) / 2
    return sym + lax.stop_gradient(herm - sym)


def _eigh_impl(x, *, lower):
    w, v = jnp.linalg.eigh(_hermitian_from_triangle(x, lower), symmetrize_input=False)
    return w, v


@register(namespace="linalg")
def eigh(A, UPLO="L", *, out=None):
    return rt.eigh(*apply(_eigh_impl, (A,), (("lower", UPLO == "L"),), "linalg_eigh"))


def _eigvalsh_impl(x, *, lower):
    return jnp.linalg.eigh(_hermitian_from_triangle(x, lower), symmetrize_input=False)[0]


@register(namespace="linalg")
def eigvalsh(A, UPLO="L", *, out=None):
    return apply(_eigvalsh_impl, (A,), (("lower", UPLO == "L"),), "linalg_eigvalsh")


def _svd_impl(x, *, full):
    return jnp.linalg.svd(x, full_matrices=full)


@register(namespace="linalg")
def svd(A, full_matrices=True, *, driver=None, out=None):
    return rt.svd(*apply(_svd_impl, (A,), (("full", bool(full_matrices)),), "linalg_svd"))


def _svdvals_impl(x):
    return jnp.linalg.svd(x, compute_uv=False)


@register(namespace="linalg")
def svdvals(A, *, driver=None, out=None):
    return apply(_svdvals_impl, (A,), (), "linalg_svdvals")


def _torch_svd(input, some=True, compute_uv=True, *, out=None):
    U, S, Vh = svd(input, full_matrices=not some)
    return rt.svd(U, S, Vh.mT.conj())


_F["svd"] = _torch_svd
Tensor.svd = _torch_svd


def _spectrum(x, hermitian):
    """(s, left, right) with x = left @ diag(s) @ right; for hermitian=True only the lower triangle
    is read (as torch does) and s are the eigenvalues (possibly negative)."""
    if hermitian:
        w, v = jnp.linalg.eigh(_hermitian_from_triangle(x, True), symmetrize_input=False)
        return w, v, jnp.conj(jnp.swapaxes(v, -1, -2))
    u, sv, vh = jnp.linalg.svd(x, full_matrices=False)
    return sv, u, vh


def _cutoff(s, atol, rtol):
    """torch's tolerance: max(atol, rtol * largest singular value), per matrix of the batch."""
    smax = jnp.max(jnp.abs(s), axis=-1, initial=0.0)
    tol = jnp.maximum(jnp.asarray(atol, s.real.dtype), jnp.asarray(rtol, s.real.dtype) * smax)
    return tol[..., None]


def _pinv_value(x, atol, rtol, hermitian):
    s, left, right = _spectrum(x, hermitian)
    keep = jnp.abs(s) > _cutoff(s, atol, rtol)
    s_inv = jnp.where(keep, 1 / jnp.where(keep, s, 1), 0).astype(x.dtype)
    return jnp.conj(jnp.swapaxes(right, -1, -2)) @ (s_inv[..., None] * jnp.conj(jnp.swapaxes(left, -1, -2)))


@functools.partial(jax.custom_vjp, nondiff_argnums=(3,))
def _pinv_core(x, atol, rtol, hermitian):
    return _pinv_value(x, atol, rtol, hermitian)


def _pinv_core_fwd(x, atol, rtol, hermitian):
    p = _pinv_value(x, atol, rtol, hermitian)
    return p, (x, p, atol, rtol)


def _pinv_core_bwd(hermitian, res, g):
    # The derivative of the pseudo-inverse at constant rank (Golub & Pereyra), written with P = pinv(A)
    # and the full input A, as torch's backward does (also for hermitian=True, where P came from the lower
    # triangle only). Unlike differentiating the SVD/eigh it needs no gaps between singular values.
    a, p, atol, rtol = res
    h = lambda m: jnp.conj(jnp.swapaxes(m, -1, -2))  # noqa: E731
    gh = h(g)
    ga = -(h(p) @ g @ h(p)) + (gh - a @ (p @ gh)) @ (p @ h(p)) + (h(p) @ p) @ (gh - (gh @ p) @ a)
    return ga, jnp.zeros_like(atol), jnp.zeros_like(rtol)


_pinv_core.defvjp(_pinv_core_fwd, _pinv_core_bwd)


def _pinv_impl(x, atol, rtol, *, hermitian):
    return _pinv_core(x, atol, rtol, hermitian)


def _tolerances(A, atol, rtol):
    """torch's defaults: with neither given rtol = eps * max(m, n); an atol > 0 alone means rtol = 0."""
    if rtol is None:
        atol_given = atol is not None and not (isinstance(atol, (int, float)) and atol <= 0)
        rtol = 0.0 if atol_given else float(np.finfo(np.dtype(A._data.dtype)).eps) * max(A.shape[-2:], default=1)
    return (0.0 if atol is None else atol), rtol


@register(namespace="linalg")
def pinv(A, rcond=None, hermitian=False, *, atol=None, rtol=None, out=None):
    if rcond is not None:  # the legacy positional form pinv(A, rcond, hermitian)
        rtol = rcond
    atol, rtol = _tolerances(A, atol, rtol)
    return apply(_pinv_impl, (A, atol, rtol), (("hermitian", bool(hermitian)),), "linalg_pinv")


_F["pinverse"] = lambda input, rcond=1e-15: pinv(input)
Tensor.pinverse = lambda self, rcond=1e-15: pinv(self)


def _matrix_power_impl(x, *, n):
    return jnp.linalg.matrix_power(x, n)


@register(namespace="linalg")
def matrix_power(A, n, *, out=None):
    return apply(_matrix_power_impl, (A,), (("n", int(n)),), "linalg_matrix_power")


_F["matrix_power"] = matrix_power
Tensor.matrix_power = matrix_power


def _matrix_exp_impl(x):
    from jax.scipy.linalg import expm

    return expm(x)


@register(namespace="linalg")
def matrix_exp(A):
    return apply(_matrix_exp_impl, (A,), (), "linalg_matrix_exp")


_F["matrix_exp"] = matrix_exp
Tensor.matrix_exp = matrix_exp


@register(namespace="linalg")
def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    if not x.is_floating_point() and not x.is_complex():
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{_tn(x.dtype)}")
    d = _dt.to_dtype(dtype).np if dtype is not None else x._data.dtype
    axis = _dims(dim, x.ndim) if dim is not None else None
    ordv = float(ord)
    reduced = [x.shape[a] for a in axis] if axis is not None else [x.numel()]
    if 0 in reduced and (ordv < 0 or ordv == float("inf")):
        shown = "inf" if ordv == float("inf") else (int(ordv) if ordv.is_integer() else ordv)
        raise RuntimeError(f"linalg.vector_norm cannot compute the {shown} norm on an empty tensor because the "
                           "operation does not have an identity")
    r = apply(_vnorm_impl, (x,), (("p", ordv), ("axis", axis), ("keepdims", bool(keepdim)), ("dtype", d)),
              "linalg_vector_norm")
    return r


def _vnorm_impl(x, *, p, axis, keepdims, dtype):
    r = _norm_impl(x, p=p, axis=axis, keepdims=keepdims, dtype=dtype)
    return r.real if jnp.iscomplexobj(r) else r


def _matrix_norm_impl(x, *, ord, axis, keepdims):
    return jnp.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)


@register(namespace="linalg")
def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):
    dim = tuple(d % A.ndim for d in dim)
    o = ord if isinstance(ord, str) else float(ord)
    return apply(_matrix_norm_impl, (A,), (("ord", o), ("axis", dim), ("keepdims", bool(keepdim))),
                 "linalg_matrix_norm")


@register(namespace="linalg")
def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None, out=None):
    if isinstance(dim, int):
        dim = (dim,)
    if ord is None:
        if dim is not None and len(dim) == 2:
            return matrix_norm(A, "fro", dim, keepdim, dtype=dtype)
        x = A if dim is not None or A.ndim <= 1 else A.reshape(-1)
        return vector_norm(x, 2, dim, keepdim, dtype=dtype)
    if (dim is not None and len(dim) == 2) or (dim is None and A.ndim == 2):
        return matrix_norm(A, ord, dim if dim is not None else (-2, -1), keepdim, dtype=dtype)
    return vector_norm(A, ord, dim, keepdim, dtype=dtype)


@register(namespace="linalg")
def matmul(input, other, *, out=None):  # noqa: F811
    return _F["matmul"](input, other)


@register(namespace="linalg")
def cross(input, other, *, dim=-1, out=None):  # noqa: F811
    return apply(_cross_impl, (input, other), (("axis", dim),), "linalg_cross")


def _vecdot_impl(a, b, *, axis):
    return jnp.sum(jnp.conj(a) * b, axis=axis)


@register(namespace="linalg")
def vecdot(x, y, *, dim=-1, out=None):
    x, y = _ac.cast("linalg_vecdot", x, y)
    return apply(_vecdot_impl, (x, y), (("axis", dim),), "linalg_vecdot")


@register(namespace="linalg")
def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    return _F["diagonal"](A, offset, dim1, dim2)


def _lstsq_impl(a, b, *, rcond, driver):
    vec = b.ndim == a.ndim - 1
    bm = b[..., None] if vec else b
    # x = pinv(A) B: jnp's pinv differentiates by the Golub-Pereyra formula, which (unlike an SVD's
    # derivative) stays accurate when singular values are close, as torch's pinv-based backward does
    x = jnp.linalg.pinv(a, rtol=rcond) @ bm
    s = lax.stop_gradient(jnp.linalg.svd(a, compute_uv=False))
    keep = s > _cutoff(s, 0.0, rcond)
    m, n = a.shape[-2:]
    if m > n and driver != "gelsy":  # torch reports residuals for tall (assumed full-rank) systems
        res = jnp.sum(jnp.square(a @ x - bm), axis=-2)
        res = res[..., 0] if vec else res
    else:
        res = jnp.zeros((0,), a.dtype)
    rank = jnp.sum(keep, axis=-1, dtype=jnp.int64) if driver != "gels" else jnp.zeros((0,), jnp.int64)
    sv = s if driver in ("gelsd", "gelss") else jnp.zeros((0,), a.dtype)
    return (x[..., 0] if vec else x), res, rank, sv


@register(namespace="linalg")
def lstsq(A, B, rcond=None, *, driver=None):
    driver = driver or "gelsy"  # torch's CPU default
    if rcond is None:
        rcond = float(np.finfo(np.dtype(A._data.dtype)).eps) * max(A.shape[-2:], default=1)
    static = (("rcond", float(rcond)), ("driver", driver))
    x, res, rank, sv = apply(_lstsq_impl, (A, B), static, "linalg_lstsq")
    return rt.lstsq(x, res, rank, sv.detach())  # torch's singular_values carry no gradient


def _eig_impl(x):
    return jnp.linalg.eig(x)


@register(namespace="linalg")
def eig(A, *, out=None):
    return rt.eig(*apply(_eig_impl, (A,), (), "linalg_eig"))


def _eigvals_impl(x):
    return jnp.linalg.eigvals(x)


@register(namespace="linalg")
def eigvals(A, *, out=None):
    return apply(_eigvals_impl, (A,), (), "linalg_eigvals")


def _matrix_rank_impl(x, atol, rtol, *, hermitian):
    s = _spectrum(x, hermitian)[0] if hermitian else jnp.linalg.svd(x, compute_uv=False)
    return jnp.sum(jnp.abs(s) > _cutoff(s, atol, rtol), axis=-1, dtype=jnp.int64)


@register(namespace="linalg")
def matrix_rank(A, tol=None, hermitian=False, *, atol=None, rtol=None, out=None):
    if tol is not None:  # the legacy positional form matrix_rank(A, tol, hermitian): an absolute tolerance
        atol, rtol = tol, 0.0
    atol, rtol = _tolerances(A, atol, rtol)
    return apply(_matrix_rank_impl, (A, atol, rtol), (("hermitian", bool(hermitian)),), "linalg_matrix_rank")


@register(namespace="linalg")
def multi_dot(tensors, *, out=None):
    r = tensors[0]
    for t in tensors[1:]:
        r = r @ t
    return r


@register(namespace="linalg")
def cond(A, p=None, *, out=None):
    s = svdvals(A)
    return s[..., 0] / s[..., -1]


def _triangular_impl(a, b, *, upper, left, unitriangular):
    from jax.scipy.linalg import solve_triangular

    if not left:
        x = solve_triangular(jnp.swapaxes(a, -1, -2), jnp.swapaxes(b, -1, -2), lower=upper,
                             unit_diagonal=unitriangular)
        return jnp.swapaxes(x, -1, -2)
    return solve_triangular(a, b, lower=not upper, unit_diagonal=unitriangular)


@register(namespace="linalg")
def solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None):
    return apply(_triangular_impl, (A, B), (("upper", bool(upper)), ("left", bool(left)),
                                            ("unitriangular", bool(unitriangular))), "linalg_solve_triangular")
