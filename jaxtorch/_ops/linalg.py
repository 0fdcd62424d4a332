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


@register(dunders=("__matmul__",), rdunders=("__rmatmul__",), reflect_scalars=False)
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


def _addlike(name, check, torch_inplace=False):
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
    register(name, inplace=True, torch_inplace=torch_inplace)(op)
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
addmv = _addlike("addmv", _check_mv, torch_inplace=True)


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


@register(namespace="linalg", method=False)
def det(A, *, out=None):
    return apply(_det_impl, (A,), (), "det")


from ._registry import FUNCTIONS as _F  # noqa: E402

# torch.det / Tensor.det: aten's own det (no out=) beside torch.linalg.det
register("det", out=False)(det)


def _slogdet_impl(x):
    s, l = jnp.linalg.slogdet(x)
    return s, l


@register(namespace="linalg", method=False)
def slogdet(A, *, out=None):
    return rt.slogdet(*apply(_slogdet_impl, (A,), (), "slogdet"))


register("slogdet", out=False)(slogdet)


@register(out=False)
def logdet(A):
    """log det A: nan for a negative determinant, -inf for a singular matrix (as torch)."""
    r = slogdet(A)
    return r.logabsdet.where(r.sign >= 0, float("nan"))



def _qr_impl(x, *, mode):
    return jnp.linalg.qr(x, mode=mode)


@register(namespace="linalg", method=False)
def qr(A, mode="reduced", *, out=None):
    return rt.qr(*apply(_qr_impl, (A,), (("mode", mode),), "linalg_qr"))


def _tensor_qr(self, some=True):
    return qr(self, "reduced" if some else "complete")


@register("qr", out=False, method=_tensor_qr)
def _torch_qr(A, some=True, out=None):
    """torch.qr (deprecated): `some` picks linalg.qr's reduced or complete mode."""
    return qr(A, "reduced" if some else "complete")


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


@register(namespace="linalg", method=False)
def eigh(A, UPLO="L", *, out=None):
    return rt.eigh(*apply(_eigh_impl, (A,), (("lower", UPLO == "L"),), "linalg_eigh"))


def _eigvalsh_impl(x, *, lower):
    return jnp.linalg.eigh(_hermitian_from_triangle(x, lower), symmetrize_input=False)[0]


@register(namespace="linalg", method=False)
def eigvalsh(A, UPLO="L", *, out=None):
    return apply(_eigvalsh_impl, (A,), (("lower", UPLO == "L"),), "linalg_eigvalsh")


def _svd_impl(x, *, full):
    return jnp.linalg.svd(x, full_matrices=full)


@register(namespace="linalg", method=False)
def svd(A, full_matrices=True, *, driver=None, out=None):
    return rt.svd(*apply(_svd_impl, (A,), (("full", bool(full_matrices)),), "linalg_svd"))


def _svdvals_impl(x):
    return jnp.linalg.svd(x, compute_uv=False)


@register(namespace="linalg", method=False)
def svdvals(A, *, driver=None, out=None):
    return apply(_svdvals_impl, (A,), (), "linalg_svdvals")


@register("svd", out=False)
def _torch_svd(input, some=True, compute_uv=True, *, out=None):
    U, S, Vh = svd(input, full_matrices=not some)
    return rt.svd(U, S, Vh.mT.conj())



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


@register(namespace="linalg", method=False)
def pinv(A, rcond=None, hermitian=False, *, atol=None, rtol=None, out=None):
    if rcond is not None:  # the legacy positional form pinv(A, rcond, hermitian)
        rtol = rcond
    atol, rtol = _tolerances(A, atol, rtol)
    return apply(_pinv_impl, (A, atol, rtol), (("hermitian", bool(hermitian)),), "linalg_pinv")


@register("pinverse", out=False)
def _pinverse(input, rcond=1e-15):
    return pinv(input)


def _matrix_power_impl(x, *, n):
    return jnp.linalg.matrix_power(x, n)


@register(namespace="linalg", method=False)
def matrix_power(A, n, *, out=None):
    return apply(_matrix_power_impl, (A,), (("n", int(n)),), "linalg_matrix_power")


register("matrix_power", out=False)(matrix_power)


def _matrix_exp_impl(x):
    from jax.scipy.linalg import expm

    return expm(x)


@register(namespace="linalg", method=False)
def matrix_exp(A):
    return apply(_matrix_exp_impl, (A,), (), "linalg_matrix_exp")


register("matrix_exp", out=False)(matrix_exp)


@register(namespace="linalg", method=False)
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


@register(namespace="linalg", method=False)
def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):
    dim = tuple(d % A.ndim for d in dim)
    o = ord if isinstance(ord, str) else float(ord)
    return apply(_matrix_norm_impl, (A,), (("ord", o), ("axis", dim), ("keepdims", bool(keepdim))),
                 "linalg_matrix_norm")


@register(namespace="linalg", method=False)
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


@register(namespace="linalg", method=False)
def matmul(input, other, *, out=None):  # noqa: F811
    return _F["matmul"](input, other)


@register(namespace="linalg", method=False)
def cross(input, other, *, dim=-1, out=None):  # noqa: F811
    return apply(_cross_impl, (input, other), (("axis", dim),), "linalg_cross")


def _vecdot_impl(a, b, *, axis):
    return jnp.sum(jnp.conj(a) * b, axis=axis)


@register(namespace="linalg", method=False)
def vecdot(x, y, *, dim=-1, out=None):
    x, y = _ac.cast("linalg_vecdot", x, y)
    return apply(_vecdot_impl, (x, y), (("axis", dim),), "linalg_vecdot")


@register(namespace="linalg", method=False)
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


@register(namespace="linalg", method=False)
def lstsq(A, B, rcond=None, *, driver=None):
    driver = driver or "gelsy"  # torch's CPU default
    if rcond is None:
        rcond = float(np.finfo(np.dtype(A._data.dtype)).eps) * max(A.shape[-2:], default=1)
    static = (("rcond", float(rcond)), ("driver", driver))
    x, res, rank, sv = apply(_lstsq_impl, (A, B), static, "linalg_lstsq")
    return rt.lstsq(x, res, rank, sv.detach())  # torch's singular_values carry no gradient


def _eig_impl(x):
    return jnp.linalg.eig(x)


@register(namespace="linalg", method=False)
def eig(A, *, out=None):
    return rt.eig(*apply(_eig_impl, (A,), (), "linalg_eig"))


def _eigvals_impl(x):
    return jnp.linalg.eigvals(x)


@register(namespace="linalg", method=False)
def eigvals(A, *, out=None):
    return apply(_eigvals_impl, (A,), (), "linalg_eigvals")


def _matrix_rank_impl(x, atol, rtol, *, hermitian):
    s = _spectrum(x, hermitian)[0] if hermitian else jnp.linalg.svd(x, compute_uv=False)
    return jnp.sum(jnp.abs(s) > _cutoff(s, atol, rtol), axis=-1, dtype=jnp.int64)


@register(namespace="linalg", method=False)
def matrix_rank(A, tol=None, hermitian=False, *, atol=None, rtol=None, out=None):
    if tol is not None:  # the legacy positional form matrix_rank(A, tol, hermitian): an absolute tolerance
        atol, rtol = tol, 0.0
    atol, rtol = _tolerances(A, atol, rtol)
    return apply(_matrix_rank_impl, (A, atol, rtol), (("hermitian", bool(hermitian)),), "linalg_matrix_rank")


@register(namespace="linalg", method=False)
def multi_dot(tensors, *, out=None):
    r = tensors[0]
    for t in tensors[1:]:
        r = r @ t
    return r


@register(namespace="linalg", method=False)
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


@register(namespace="linalg", method=False)
def solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None):
    return apply(_triangular_impl, (A, B), (("upper", bool(upper)), ("left", bool(left)),
                                            ("unitriangular", bool(unitriangular))), "linalg_solve_triangular")


# ---------------------------------------------------------------------------------------------
# Factorizations and solvers with LAPACK's conventions, as torch exposes them: LU pivots are 1-based
# int32 row swaps, `info` is an int32 tensor (0 = success), the `_ex` forms report instead of raising.


class _LinAlgError(RuntimeError):
    """torch.linalg.LinAlgError: a factorization or solve met a singular / non-definite input."""


LinAlgError = _LinAlgError
register("LinAlgError", namespace="linalg", method=False, out=False)(LinAlgError)  # a name, not an op


def _float_only(api: str, *ts):
    for t in ts:
        if not (t.is_floating_point() or t.is_complex()):
            raise RuntimeError(f"{api}: Expected a floating point or complex tensor as input. Got {_tn(t.dtype)}")


def _kernel_float_only(kernel: str, *ts):
    """torch's dtype dispatch error for a LAPACK kernel called on an integer/bool tensor."""
    for t in ts:
        if not (t.is_floating_point() or t.is_complex()):
            raise NotImplementedError(f"\"{kernel}\" not implemented for '{_tn(t.dtype)}'")


def _at_least_2d(api: str, t: Tensor, name: str = "A"):
    if t.ndim < 2:
        raise RuntimeError(f"{api}: The input tensor {name} must have at least 2 dimensions.")


def _square(api: str | None, A: Tensor, name: str = "A"):
    if api is not None:
        _at_least_2d(api, A, name)
    if A.shape[-1] != A.shape[-2]:
        prefix = f"{api}: " if api else ""
        raise RuntimeError(f"{prefix}A must be batches of square matrices, but they are {A.shape[-2]} by "
                           f"{A.shape[-1]} matrices")


def _same_dtypes(api: str, a: Tensor, b: Tensor, na: str = "A", nb: str = "B", tail: str = " instead"):
    if a.dtype != b.dtype:
        raise RuntimeError(f"{api}: Expected {na} and {nb} to have the same dtype, but found {na} of type "
                           f"{_tn(a.dtype)} and {nb} of type {_tn(b.dtype)}{tail}")


def _batch(api: str, *shapes):
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        a, b = shapes[0], shapes[1]
        _broadcast_error(a, b)
        raise RuntimeError(f"{api}: batch dimensions {list(a)} and {list(b)} do not broadcast") from None


def _broadcast_error(sa, sb):
    n = max(len(sa), len(sb))
    pa, pb = (1,) * (n - len(sa)) + tuple(sa), (1,) * (n - len(sb)) + tuple(sb)
    for i in range(n - 1, -1, -1):
        if pa[i] != pb[i] and 1 not in (pa[i], pb[i]):
            raise RuntimeError(f"The size of tensor a ({pa[i]}) must match the size of tensor b ({pb[i]}) at "
                               f"non-singleton dimension {i}")


def _raise_info(info: Tensor, api: str, message, exc=_LinAlgError):
    """torch's check of a LAPACK info tensor: the first failing matrix (by flat batch index) raises.
    Skipped while tracing, where the values are unknown (as torch.compile does not check either)."""
    d = info._value()
    if isinstance(d, jax.core.Tracer):
        return
    a = np.asarray(d)
    bad = np.flatnonzero(a.reshape(-1))
    if bad.size == 0:
        return
    i = int(bad[0])
    where = f"(Batch element {i}): " if a.ndim else ""
    raise exc(f"{api}: {where}{message(int(a.reshape(-1)[i]))}")


def _lu_message(i):
    return (f"U[{i},{i}] is zero and using it on lu_solve would result in a division by zero. If you still want "
            "to perform the factorization, consider calling linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)")


def _inv_message(i):
    return (f"The diagonal element {i} is zero, the inversion could not be completed because the input matrix is "
            "singular.")


def _solve_message(i):
    return "The solver failed because the input matrix is singular."


def _chol_message(i):
    return (f"The factorization could not be completed because the input is not positive-definite (the leading "
            f"minor of order {i} is not positive-definite).")


def _H(x):
    return jnp.conj(jnp.swapaxes(x, -1, -2))


def _first_zero(d):
    """1-based position of the first exact zero along the last axis (LAPACK's info), 0 when none."""
    if d.shape[-1] == 0:
        return jnp.zeros(d.shape[:-1], jnp.int32)
    zero = d == 0
    return jnp.where(jnp.any(zero, -1), jnp.argmax(zero, -1) + 1, 0).astype(jnp.int32)


def _getrf(a):
    """LU with partial pivoting: (packed LU, 1-based int32 pivots, info), as LAPACK's getrf."""
    if 0 in a.shape[-2:]:
        k = min(a.shape[-2:])
        return a, jnp.ones(a.shape[:-2] + (k,), jnp.int32), jnp.zeros(a.shape[:-2], jnp.int32)
    lu, piv, _ = lax.linalg.lu(a)
    info = _first_zero(jnp.diagonal(lax.stop_gradient(lu), axis1=-2, axis2=-1))
    return lu, (piv + 1).astype(jnp.int32), info


def _lu_factor_impl(a):
    return _getrf(a)


def _lu_factor(A: Tensor, pivot: bool, api_dims: str):
    _kernel_float_only("lu_cpu", A)
    if A.ndim < 2:
        raise RuntimeError(f"{api_dims}: Expected tensor with 2 or more dimensions. Got size: {list(A.shape)} instead")
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")
    return apply(_lu_factor_impl, (A,), (), "linalg_lu_factor_ex")


@register(namespace="linalg", method=False)
def lu_factor_ex(A: Tensor, *, pivot: bool = True, check_errors: bool = False, out=None):
    """torch.linalg.lu_factor_ex: (LU, pivots, info) without raising on singular input by default."""
    LU, piv, info = _lu_factor(A, pivot, "torch.lu_factor")
    if check_errors:
        _raise_info(info, "torch.linalg.lu_factor_ex", _lu_message, RuntimeError)
    return rt.linalg_lu_factor_ex(LU, piv, info)


@register(namespace="linalg", method=False)
def lu_factor(A: Tensor, *, pivot: bool = True, out=None):
    """torch.linalg.lu_factor: packed LU and 1-based int32 pivots; raises when U has a zero pivot."""
    LU, piv, info = _lu_factor(A, pivot, "torch.lu_factor")
    _raise_info(info, "torch.linalg.lu_factor", _lu_message, RuntimeError)
    return rt.linalg_lu_factor(LU, piv)


def _perm_matrix_impl(piv, *, m, dtype):
    """P with A = P L U from LAPACK pivots: row i of L U is row perm[i] of A, so P[perm[i], i] = 1."""
    perm = lax.linalg.lu_pivots_to_permutation(piv - 1, m)
    return jnp.swapaxes(jax.nn.one_hot(perm, m, dtype=dtype), -1, -2)


def _unpack_lu_impl(lu):
    m, n = lu.shape[-2:]
    k = min(m, n)
    L = jnp.tril(lu[..., :, :k], -1) + jnp.eye(m, k, dtype=lu.dtype)
    return L, jnp.triu(lu[..., :k, :])


def _unpack(LU: Tensor, piv: Tensor, unpack_data: bool = True, unpack_pivots: bool = True):
    m = LU.shape[-2]
    if unpack_pivots:
        piv = piv.expand(tuple(LU.shape[:-2]) + (piv.shape[-1],)) if piv.ndim else piv
        P = apply(_perm_matrix_impl, (piv,), (("m", m), ("dtype", LU._data.dtype)), "lu_unpack")
    else:
        P = Tensor._make(jnp.zeros((0,), LU._data.dtype))
    if unpack_data:
        L, U = apply(_unpack_lu_impl, (LU,), (), "lu_unpack")
    else:
        L = U = Tensor._make(jnp.zeros((0,), LU._data.dtype))
    return P, L, U


@register(namespace="linalg", method=False)
def lu(A: Tensor, *, pivot: bool = True, out=None):
    """torch.linalg.lu: (P, L, U) with A = P @ L @ U."""
    if A.ndim < 2:
        raise RuntimeError(f"linalg.lu: Expected tensor with 2 or more dimensions. Got size: {list(A.shape)} instead")
    LU, piv, _ = _lu_factor(A, pivot, "linalg.lu")
    return rt.linalg_lu(*_unpack(LU, piv))


@register("lu_unpack", method=False, out=False)  # writes out= itself (a tuple)
def _lu_unpack(LU_data: Tensor, LU_pivots: Tensor, unpack_data: bool = True, unpack_pivots: bool = True, *, out=None):
    """torch.lu_unpack: (P, L, U) from lu_factor's packed result; empty tensors for parts not unpacked."""
    if LU_data.ndim < 2:
        raise RuntimeError(f"torch.lu_unpack: Expected tensor with 2 or more dimensions. Got size: "
                           f"{list(LU_data.shape)} instead")
    if LU_pivots.dtype.name != "int32":
        raise RuntimeError("torch.lu_unpack: LU_pivots is expected to be a contiguous tensor of torch.int32 dtype.")
    m, n = LU_data.shape[-2:]
    bad_range = "pivots passed to lu_unpack must be between 1 and LU.size(-2) inclusive.Did you properly pass the " \
                "result of lu_factor?"
    if unpack_pivots:
        if LU_pivots.ndim == 0 or LU_pivots.shape[-1] != min(m, n):
            raise RuntimeError(bad_range)
        d = LU_pivots._value()
        if not isinstance(d, jax.core.Tracer) and d.size and (np.min(d) < 1 or np.max(d) > m):
            raise RuntimeError(bad_range)
    r = rt.lu_unpack(*_unpack(LU_data, LU_pivots, unpack_data, unpack_pivots))
    if out is not None:
        from ._registry import _write_out

        return tuple(_write_out(o, v) for o, v in zip(out, r))
    return r



@register("lu", out=False)
def _torch_lu(A: Tensor, pivot: bool = True, get_infos: bool = False, out=None):
    """torch.lu / Tensor.lu: (LU, pivots), plus info with get_infos=True; never raises on singular input."""
    LU, piv, info = _lu_factor(A, pivot, "torch.lu_factor")
    return rt._lu_with_info(LU, piv, info) if get_infos else (LU, piv)



def _tri(a, b, *, lower, unit=False, adjoint=False):
    """Solve op(a) x = b with a's lower/upper triangle only (op = conjugate transpose when adjoint)."""
    return lax.linalg.triangular_solve(a, b, left_side=True, lower=lower, transpose_a=adjoint, conjugate_a=adjoint,
                                       unit_diagonal=unit)


def _lu_solve_left(lu, perm, b, adjoint):
    n = lu.shape[-1]
    L = jnp.tril(lu, -1) + jnp.eye(n, dtype=lu.dtype)  # explicit triangles: gradients land on the packed entries
    U = jnp.triu(lu)
    if not adjoint:  # A = P L U:  L U x = P^T b = b[perm]
        y = jnp.take_along_axis(b, perm[..., :, None], axis=-2)
        return _tri(U, _tri(L, y, lower=True, unit=True), lower=False)
    # A^H = U^H L^H P^T:  P^T x = L^-H U^-H b
    w = _tri(L, _tri(U, b, lower=False, adjoint=True), lower=True, unit=True, adjoint=True)
    return jnp.take_along_axis(w, jnp.argsort(perm, axis=-1)[..., :, None], axis=-2)


def _lu_solve_impl(lu, piv, b, *, left, adjoint):
    n = lu.shape[-1]
    batch = jnp.broadcast_shapes(lu.shape[:-2], b.shape[:-2])
    lu = jnp.broadcast_to(lu, batch + (n, n))
    piv = jnp.broadcast_to(piv, batch + (n,))
    b = jnp.broadcast_to(b, batch + b.shape[-2:])
    perm = lax.linalg.lu_pivots_to_permutation(piv - 1, n)
    if left:
        return _lu_solve_left(lu, perm, b, adjoint)
    # X A = B  <=>  A^H X^H = B^H;  X A^H = B  <=>  A X^H = B^H
    return _H(_lu_solve_left(lu, perm, _H(b), not adjoint))


@register(namespace="linalg", method=False)
def lu_solve(LU: Tensor, pivots: Tensor, B: Tensor, *, left: bool = True, adjoint: bool = False, out=None):
    """torch.linalg.lu_solve: solve A X = B (or X A = B, with A^H when adjoint) from lu_factor's output."""
    _float_only("torch.linalg.lu_solve", LU)
    _same_dtypes("linalg.lu_solve", LU, B, "LU", "B")
    _at_least_2d("torch.linalg.lu_solve", LU, "A")
    _at_least_2d("linalg.lu_solve", B, "B")
    _square("torch.linalg.lu_solve", LU)
    n = LU.shape[-1]
    if pivots.dtype.name != "int32":
        raise RuntimeError("linalg.lu_solve: pivots should be a Tensor of scalar type torch.int32")
    if pivots.ndim == 0 or pivots.shape[-1] != n:
        raise RuntimeError("linalg.lu_solve: Number of pivots per batch should be same as the dimension of the matrix")
    if tuple(pivots.shape[:-1]) != tuple(LU.shape[:-2]):
        raise RuntimeError(f"linalg.lu_solve: Expected LU.shape[:-1] and pivots.shape to be the same, but got "
                           f"pivots with shape {list(pivots.shape)} instead")
    if (B.shape[-2] if left else B.shape[-1]) != n:
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(f"linalg.lu_solve: Incompatible shapes of A and B for the equation {eq} ({n}x{n} and "
                           f"{B.shape[-2]}x{B.shape[-1]})")
    _batch("linalg.lu_solve", tuple(LU.shape[:-2]), tuple(B.shape[:-2]))
    return apply(_lu_solve_impl, (LU, pivots, B), (("left", bool(left)), ("adjoint", bool(adjoint))),
                 "linalg_lu_solve")


@register("lu_solve", out=False)
def _torch_lu_solve(input: Tensor, LU_data: Tensor, LU_pivots: Tensor, *, out=None):
    """torch.lu_solve / Tensor.lu_solve (deprecated argument order: b first)."""
    return lu_solve(LU_data, LU_pivots, input)



def _is_vector_rhs(A: Tensor, B: Tensor) -> bool:
    """torch treats B as a (batch of) vector(s) when it is 1-D or has exactly A's shape minus the last dim."""
    return B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))


def _solve_ex_impl(a, b, *, left, vec):
    n = a.shape[-1]
    info = _getrf(lax.stop_gradient(a))[2]  # XLA shares this LU with the solve's own
    if vec:
        b = b[..., :, None] if left else b[..., None, :]
    batch = jnp.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = jnp.broadcast_to(a, batch + (n, n))
    b = jnp.broadcast_to(b, batch + b.shape[-2:])
    if left:
        x = jnp.linalg.solve(a, b)
    else:
        x = jnp.swapaxes(jnp.linalg.solve(jnp.swapaxes(a, -1, -2), jnp.swapaxes(b, -1, -2)), -1, -2)
    if vec:
        x = x[..., 0] if left else x[..., 0, :]
    return x, info


def _solve_ex(A: Tensor, B: Tensor, left: bool, api: str):
    _float_only("linalg.solve", A)
    _same_dtypes("linalg.solve", A, B)
    _at_least_2d("linalg.solve", A)
    _square("linalg.solve", A)
    vec = _is_vector_rhs(A, B)
    n = A.shape[-1]
    bm = (B.shape[-1], 1) if vec else tuple(B.shape[-2:])
    if (bm[0] if left else bm[1]) != n:
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation {eq} ({n}x{n} and "
                           f"{bm[0]}x{bm[1]})")
    _batch("linalg.solve", tuple(A.shape[:-2]), tuple(B.shape[:-1] if vec else B.shape[:-2]))
    return apply(_solve_ex_impl, (A, B), (("left", bool(left)), ("vec", vec)), api)


@register(namespace="linalg", method=False)
def solve_ex(A: Tensor, B: Tensor, *, left: bool = True, check_errors: bool = False, out=None):
    """torch.linalg.solve_ex: (result, info), info > 0 for a singular A."""
    x, info = _solve_ex(A, B, left, "linalg_solve_ex")
    if check_errors:
        _raise_info(info, "torch.linalg.solve_ex", _solve_message)
    return rt.linalg_solve_ex(x, info)


@register(namespace="linalg", method=False)
def solve(A: Tensor, B: Tensor, *, left: bool = True, out=None):
    x, info = _solve_ex(A, B, left, "linalg_solve")
    _raise_info(info, "torch.linalg.solve", _solve_message)
    return x


def _inv_ex_impl(x):
    return jnp.linalg.inv(x), _getrf(lax.stop_gradient(x))[2]


def _inv_ex(A: Tensor) -> tuple:
    _float_only("linalg.inv", A)
    _square("linalg.inv", A)
    return apply(_inv_ex_impl, (A,), (), "linalg_inv_ex")


@register(namespace="linalg", method=False)
def inv_ex(A: Tensor, *, check_errors: bool = False, out=None):
    """torch.linalg.inv_ex: (inverse, info), info > 0 for a singular A."""
    x, info = _inv_ex(A)
    if check_errors:
        _raise_info(info, "linalg.inv_ex", _inv_message)
    return rt.linalg_inv_ex(x, info)


@register(namespace="linalg", method=False)
def inv(A: Tensor, *, out=None):
    x, info = _inv_ex(A)
    _raise_info(info, "linalg.inv", _inv_message)
    return x


register("inverse", out=False)(inv)


def _potrf_info(a):
    """LAPACK potrf's info: the order of the first leading minor that is not positive-definite (0: none).
    An unblocked Cholesky of the lower triangle, run only when the fast factorization failed."""
    n = a.shape[-1]
    rows = jnp.arange(n)

    def step(j, carry):
        L, info = carry
        row = L[..., j, :]  # entries k < j are final, the rest still zero
        d = jnp.real(a[..., j, j]) - jnp.sum(jnp.abs(row) ** 2, axis=-1)
        bad = ~(d > 0)
        info = jnp.where((info == 0) & bad, j + 1, info)
        ljj = jnp.sqrt(jnp.where(bad, 1, d)).astype(a.dtype)
        col = (a[..., :, j] - jnp.einsum("...ik,...k->...i", L, jnp.conj(row))) / ljj[..., None]
        col = jnp.where(rows > j, col, jnp.where(rows == j, ljj[..., None], 0))
        return L.at[..., :, j].set(col), info

    return lax.fori_loop(0, n, step, (jnp.zeros_like(a), jnp.zeros(a.shape[:-2], jnp.int32)))[1]


def _cholesky_ex_impl(x, *, upper):
    # LAPACK reads only the lower triangle (the upper one for upper=True); the gradient is the
    # symmetric one (see _hermitian_from_triangle)
    if x.shape[-1] == 0:
        return x, jnp.zeros(x.shape[:-2], jnp.int32)
    herm = _hermitian_from_triangle(x, not upper)
    L = lax.linalg.cholesky(herm, symmetrize_input=False)
    failed = jnp.any(jnp.isnan(lax.stop_gradient(L)))
    info = lax.cond(failed, _potrf_info, lambda a: jnp.zeros(a.shape[:-2], jnp.int32), lax.stop_gradient(herm))
    return (_H(L) if upper else L), info


def _cholesky_ex(A: Tensor, upper: bool):
    _float_only("linalg.cholesky", A)
    _square("linalg.cholesky", A)
    return apply(_cholesky_ex_impl, (A,), (("upper", bool(upper)),), "linalg_cholesky_ex")


@register(namespace="linalg", method=False)
def cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False, out=None):
    """torch.linalg.cholesky_ex: (L, info), info = order of the first non-positive-definite leading minor.
    Where the factorization fails L holds NaNs (torch leaves LAPACK's partial factor: unspecified there)."""
    L, info = _cholesky_ex(A, upper)
    if check_errors:
        _raise_info(info, "linalg.cholesky_ex", _chol_message)
    return rt.linalg_cholesky_ex(L, info)


@register(namespace="linalg", method=False)
def cholesky(A: Tensor, *, upper: bool = False, out=None):
    L, info = _cholesky_ex(A, upper)
    _raise_info(info, "linalg.cholesky", _chol_message)
    return L


def _tensor_cholesky(self, upper=False):
    return cholesky(self, upper=upper)


@register("cholesky", out=False, method=_tensor_cholesky)
def _torch_cholesky(A, upper=False, out=None):
    """torch.cholesky (deprecated): linalg.cholesky with an `upper` flag."""
    return cholesky(A, upper=upper)


def _potrs_value(b, l, upper):
    if upper:  # A = U^H U
        return _tri(l, _tri(l, b, lower=False, adjoint=True), lower=False)
    return _tri(l, _tri(l, b, lower=True), lower=True, adjoint=True)


@functools.partial(jax.custom_vjp, nondiff_argnums=(2,))
def _potrs(b, l, upper):
    return _potrs_value(b, l, upper)


def _potrs_fwd(b, l, upper):
    x = _potrs_value(b, l, upper)
    return x, (l, x)


def _potrs_bwd(upper, res, g):
    # torch differentiates X = (L L^H)^-1 B with respect to the whole factor matrix it was given (the value
    # reads only one triangle): gB = A^-1 g, gL = -(gB X^H + X gB^H) L  (U on the left for upper=True)
    l, x = res
    gb = _potrs_value(g, l, upper)
    c = gb @ _H(x)
    c = c + _H(c)
    return gb, -(l @ c) if upper else -(c @ l)


_potrs.defvjp(_potrs_fwd, _potrs_bwd)


def _cholesky_solve_impl(b, l, *, upper):
    n = l.shape[-1]
    batch = jnp.broadcast_shapes(l.shape[:-2], b.shape[:-2])
    return _potrs(jnp.broadcast_to(b, batch + b.shape[-2:]), jnp.broadcast_to(l, batch + (n, n)), upper)


@register()
def cholesky_solve(input: Tensor, input2: Tensor, upper: bool = False, *, out=None):
    """torch.cholesky_solve(B, L): X with (L L^H) X = B (U^H U for upper=True)."""
    if input.ndim < 2:
        raise RuntimeError(f"b should have at least 2 dimensions, but has {input.ndim} dimensions instead")
    if input2.ndim < 2:
        raise RuntimeError(f"u should have at least 2 dimensions, but has {input2.ndim} dimensions instead")
    if input.dtype != input2.dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type {_tn(input.dtype)} and A "
                           f"of type {_tn(input2.dtype)} instead.")
    _square(None, input2)
    n = input2.shape[-1]
    if input.shape[-2] != n:
        raise RuntimeError(f"Incompatible matrix sizes for cholesky_solve: each A matrix is {n} by {n} but each b "
                           f"matrix is {input.shape[-2]} by {input.shape[-1]}")
    _kernel_float_only("cholesky_solve_cpu", input)
    _batch("cholesky_solve", tuple(input.shape[:-2]), tuple(input2.shape[:-2]))
    return apply(_cholesky_solve_impl, (input, input2), (("upper", bool(upper)),), "cholesky_solve")


def _cholesky_inverse_impl(l, *, upper):
    eye = jnp.broadcast_to(jnp.eye(l.shape[-1], dtype=l.dtype), l.shape)
    return _potrs(eye, l, upper)


@register()
def cholesky_inverse(input: Tensor, upper: bool = False, *, out=None):
    """torch.cholesky_inverse(L): (L L^H)^-1 (U^H U for upper=True)."""
    _kernel_float_only("cholesky_inverse_out_cpu", input)
    _at_least_2d("cholesky_inverse", input)
    _square("cholesky_inverse", input)
    d = input._value()
    if not isinstance(d, jax.core.Tracer) and d.size:
        info = Tensor._make(_first_zero(jnp.diagonal(d, axis1=-2, axis2=-1)))
        _raise_info(info, "cholesky_inverse", _inv_message)
    return apply(_cholesky_inverse_impl, (input,), (("upper", bool(upper)),), "cholesky_inverse")


def _triangular_solve_impl(b, a, *, upper, transpose, unit):
    n = a.shape[-1]
    batch = jnp.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = jnp.broadcast_to(a, batch + (n, n))
    b = jnp.broadcast_to(b, batch + b.shape[-2:])
    x = lax.linalg.triangular_solve(a, b, left_side=True, lower=not upper, transpose_a=transpose,
                                    unit_diagonal=unit)
    return x, a


@register()
def triangular_solve(input: Tensor, A: Tensor, upper: bool = True, transpose: bool = False,
                     unitriangular: bool = False, *, out=None):
    """torch.triangular_solve(b, A): (solution, cloned_coefficient) for op(A) X = b, op = transpose or not."""
    if input.ndim < 2:
        raise RuntimeError(f"torch.triangular_solve: Expected b to have at least 2 dimensions, but it has "
                           f"{input.ndim} dimensions instead")
    if A.ndim < 2:
        raise RuntimeError(f"torch.triangular_solve: Expected A to have at least 2 dimensions, but it has "
                           f"{A.ndim} dimensions instead")
    _square(None, A)
    n = A.shape[-1]
    if input.shape[-2] != n:
        raise RuntimeError(f"Incompatible matrix sizes for triangular_solve: each A matrix is {n} by {n} but each b "
                           f"matrix is {input.shape[-2]} by {input.shape[-1]}")
    if input.dtype != A.dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type {_tn(input.dtype)} and A "
                           f"of type {_tn(A.dtype)} instead.")
    _kernel_float_only("triangular_solve_cpu", input)
    _batch("triangular_solve", tuple(input.shape[:-2]), tuple(A.shape[:-2]))
    static = (("upper", bool(upper)), ("transpose", bool(transpose)), ("unit", bool(unitriangular)))
    return rt.triangular_solve(*apply(_triangular_solve_impl, (input, A), static, "triangular_solve"))


def _tensorinv_shape(A: Tensor, ind: int):
    if not isinstance(ind, int) or ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    rows, cols = int(np.prod(A.shape[:ind])), int(np.prod(A.shape[ind:]))
    if rows != cols:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           f"prod(self.shape[:ind]), but got {cols} != {rows}")
    return rows


@register(namespace="linalg", method=False)
def tensorinv(A: Tensor, ind: int = 2, *, out=None):
    """torch.linalg.tensorinv: the inverse of A seen as a prod(shape[:ind]) x prod(shape[ind:]) matrix."""
    n = _tensorinv_shape(A, ind)
    x, info = _inv_ex(A.reshape(n, n))
    _raise_info(info, "inv", _inv_message)
    return x.reshape(tuple(A.shape[ind:]) + tuple(A.shape[:ind]))


@register(namespace="linalg", method=False)
def tensorsolve(A: Tensor, B: Tensor, dims=None, *, out=None):
    """torch.linalg.tensorsolve: X with tensordot(A, X, X.ndim) = B."""
    if dims is not None:
        dims = [d % A.ndim for d in dims]
        A = A.permute(*[i for i in range(A.ndim) if i not in dims], *dims)
    k = B.ndim
    cols = int(np.prod(A.shape[k:]))
    if cols != B.numel():
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[other.ndim:]) == "
                           f"prod(self.shape[:other.ndim]), but got {cols} != {B.numel()}")
    return solve(A.reshape(-1, cols), B.reshape(-1)).reshape(tuple(A.shape[k:]))


def _vander_impl(x, *, n, increasing, dtype):
    x = lax.convert_element_type(x, dtype)
    if n == 0:
        return jnp.zeros(x.shape + (0,), dtype)
    # repeated products rather than pow: exact for integers, and a finite derivative at x = 0
    cols = [jnp.ones_like(x)]
    for _ in range(n - 1):
        cols.append(cols[-1] * x)
    v = jnp.stack(cols[:n], axis=-1)
    return v if increasing else v[..., ::-1]


def _vander_dtype(x: Tensor):
    return np.dtype("int64") if not (x.is_floating_point() or x.is_complex()) else x._data.dtype


@register(namespace="linalg", method=False)
def vander(x: Tensor, *, N: int | None = None):
    """torch.linalg.vander: powers x^0 ... x^(N-1) along a new last dimension (batched)."""
    if x.dtype.name == "bool":
        raise RuntimeError("linalg.vander supports floating point, complex, and integer tensors, but got Bool")
    n = (x.shape[-1] if x.ndim else 1) if N is None else int(N)
    if n <= 1:
        raise RuntimeError("N must be greater than 1.")
    if x.ndim == 0:  # torch treats a scalar as a one-element vector
        x = x.reshape(1)
    return apply(_vander_impl, (x,), (("n", n), ("increasing", True), ("dtype", _vander_dtype(x))), "linalg_vander")


@register("vander", method=False, out=False)
def _torch_vander(x: Tensor, N: int | None = None, increasing: bool = False):
    """torch.vander: decreasing powers by default (numpy's convention), 1-D input only."""
    if x.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x.shape[0] if N is None else int(N)
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    return apply(_vander_impl, (x,), (("n", n), ("increasing", bool(increasing)), ("dtype", _vander_dtype(x))),
                 "vander")



def _apply_reflectors(a, tau, c, *, left, adjoint):
    """op(Q) @ c (left) or c @ op(Q) with Q = H_0 ... H_{k-1}, H_i = I - tau_i v_i v_i^H and v_i the i-th
    column of a below the diagonal with an implicit 1 on it (LAPACK's compact form); op = ^H when adjoint."""
    m, k = a.shape[-2], tau.shape[-1]
    rows = jnp.arange(m)
    vs = jnp.moveaxis(a[..., :, :k], -1, 0)  # (k, ..., m)
    ts = jnp.moveaxis(tau, -1, 0)
    # order of application: Q c = H_0 (H_1 (... H_{k-1} c)); Q^H c = H_{k-1}^H (... H_0^H c); the right side mirrors
    reverse = left != adjoint

    def step(c, x):
        col, t, i = x
        v = jnp.where(rows > i, col, jnp.where(rows == i, 1, 0)).astype(c.dtype)
        t = jnp.conj(t) if adjoint else t
        if left:
            return c - (t[..., None, None] * v[..., :, None]) * jnp.einsum("...i,...ij->...j", jnp.conj(v), c)[
                ..., None, :], None
        return c - jnp.einsum("...ij,...j->...i", c, v)[..., :, None] * (t[..., None, None] * jnp.conj(v)[
            ..., None, :]), None

    return lax.scan(step, c, (vs, ts, jnp.arange(k)), reverse=reverse)[0]


def _householder_product_impl(a, tau):
    m, n = a.shape[-2:]
    eye = jnp.broadcast_to(jnp.eye(m, n, dtype=a.dtype), a.shape)
    return _apply_reflectors(a, tau, eye, left=True, adjoint=False)


@register(namespace="linalg", method=False)
def householder_product(A: Tensor, tau: Tensor, *, out=None):
    """torch.linalg.householder_product (LAPACK orgqr): the first n columns of H_0 ... H_{k-1}."""
    api = "torch.linalg.householder_product"
    if A.ndim < 2:
        raise RuntimeError(f"{api}: input must have at least 2 dimensions.")
    if A.shape[-2] < A.shape[-1]:
        raise RuntimeError(f"{api}: input.shape[-2] must be greater than or equal to input.shape[-1]")
    if tau.ndim != A.ndim - 1:
        raise RuntimeError(f"{api}: Expected tau to have one dimension less than input, but got tau.ndim equal to "
                           f"{tau.ndim} and input.ndim is equal to {A.ndim}")
    if A.shape[-1] < tau.shape[-1]:
        raise RuntimeError(f"{api}: input.shape[-1] must be greater than or equal to tau.shape[-1]")
    if tuple(tau.shape[:-1]) != tuple(A.shape[:-2]):
        raise RuntimeError(f"{api}: Expected batch dimensions of tau to be equal to input.shape[:-2], but got "
                           f"{list(tau.shape[:-1])}")
    if tau.dtype != A.dtype:
        raise RuntimeError(f"{api}: tau dtype {_tn(tau.dtype)} does not match input dtype {_tn(A.dtype)}")
    _kernel_float_only("orgqr_cpu", A)
    return apply(_householder_product_impl, (A, tau), (), "linalg_householder_product")


register("orgqr", out=False)(householder_product)


def _geqrf_impl(a):
    from jax._src.lax.linalg import geqrf as _lapack_geqrf  # LAPACK's own geqrf: torch's exact conventions

    if 0 in a.shape[-2:]:
        return a, jnp.zeros(a.shape[:-2] + (min(a.shape[-2:]),), a.dtype)
    return _lapack_geqrf(a)


@register()
def geqrf(input: Tensor, *, out=None):
    """torch.geqrf: (a, tau), LAPACK's compact Householder QR."""
    if input.ndim < 2:
        raise RuntimeError("torch.geqrf: input must have at least 2 dimensions.")
    _kernel_float_only("geqrf_cpu", input)
    return rt.geqrf(*apply(_geqrf_impl, (input,), (), "geqrf"))


def _ormqr_impl(a, tau, c, *, left, transpose):
    return _apply_reflectors(a, tau, c, left=left, adjoint=transpose)


@register()
def ormqr(input: Tensor, input2: Tensor, input3: Tensor, left: bool = True, transpose: bool = False, *, out=None):
    """torch.ormqr(A, tau, C): op(Q) C or C op(Q) with Q the m x m product of A's Householder reflectors."""
    api = "torch.ormqr"
    A, tau, C = input, input2, input3
    if A.ndim < 2:
        raise RuntimeError(f"{api}: input must have at least 2 dimensions.")
    if C.ndim < 2:
        raise RuntimeError(f"{api}: other must have at least 2 dimensions.")
    side = -2 if left else -1
    if C.shape[side] != A.shape[-2]:
        raise RuntimeError(f"{api}: other.shape[{side}] must be equal to input.shape[-2]")
    if tau.shape[-1] > A.shape[-1] or tau.ndim == 0 or tau.shape[-1] > C.shape[side]:
        raise RuntimeError(f"{api}: tau.shape[-1] must be equal to min(other.shape[{side}], input.shape[-1])")
    if tau.ndim != A.ndim - 1:
        raise RuntimeError(f"{api}: Expected tau to have one dimension less than input, but got tau.ndim equal to "
                           f"{tau.ndim} and input.ndim is equal to {A.ndim}")
    if C.ndim != A.ndim:
        raise RuntimeError(f"{api}: Expected other to have the same number of dimensions as input, but got "
                           f"other.ndim equal to {C.ndim} and input.ndim is equal to {A.ndim}")
    if tuple(tau.shape[:-1]) != tuple(A.shape[:-2]):
        raise RuntimeError(f"{api}: Expected batch dimensions of tau to be equal to input.shape[:-2], but got "
                           f"{list(tau.shape[:-1])}")
    if tuple(C.shape[:-2]) != tuple(A.shape[:-2]):
        raise RuntimeError(f"{api}: Expected batch dimensions of other to be equal to input.shape[:-2], but got "
                           f"{list(C.shape[:-2])}")
    if tau.dtype != A.dtype:
        raise RuntimeError(f"{api}: Expected input and tau to have the same dtype, but input has dtype"
                           f"{_tn(A.dtype)} and tau has dtype {_tn(tau.dtype)}")
    if C.dtype != A.dtype:
        raise RuntimeError(f"{api}: Expected input and other to have the same dtype, but input has dtype"
                           f"{_tn(A.dtype)} and other has dtype {_tn(C.dtype)}")
    _kernel_float_only("ormqr_cpu", A)
    return apply(_ormqr_impl, (A, tau, C), (("left", bool(left)), ("transpose", bool(transpose))), "ormqr")


def _approximate_basis(A: Tensor, q: int, niter: int, M: Tensor | None) -> Tensor:
    """Halko et al. (2009) randomized range finder with `niter` subspace iterations (drawn from the global
    generator, as torch does)."""
    R = _F["randn"](A.shape[-1], q, dtype=A.dtype)

    def project(mat, other, X):
        Y = mat @ X
        return Y - other @ X if other is not None else Y

    Q = qr(project(A, M, R)).Q
    for _ in range(niter):
        Q = qr(project(A.mH, M.mH if M is not None else None, Q)).Q
        Q = qr(project(A, M, Q)).Q
    return Q


def _svd_lowrank(A: Tensor, q: int | None = 6, niter: int | None = 2, M: Tensor | None = None):
    q = 6 if q is None else q
    niter = 2 if niter is None else niter
    m, n = A.shape[-2:]
    if M is not None:
        M = M.broadcast_to(tuple(A.shape))
    if m < n:  # work with the tall orientation
        A = A.mH
        M = M.mH if M is not None else None
    Q = _approximate_basis(A, q, niter, M)
    B = Q.mH @ A
    if M is not None:
        B = B - Q.mH @ M
    U, S, Vh = svd(B, full_matrices=False)
    U, V = Q @ U, Vh.mH
    return (V, S, U) if m < n else (U, S, V)


@register(method=False, out=False)
def svd_lowrank(A: Tensor, q: int | None = 6, niter: int | None = 2, M: Tensor | None = None):
    """torch.svd_lowrank: an approximate rank-q SVD (U, S, V) of A - M by random projection."""
    return _svd_lowrank(A, q, niter, M)


@register(method=False, out=False)
def pca_lowrank(A: Tensor, q: int | None = None, center: bool = True, niter: int = 2):
    """torch.pca_lowrank: svd_lowrank of A with its column means removed (when center=True)."""
    m, n = A.shape[-2:]
    if q is None:
        q = min(6, m, n)
    elif not 0 <= q <= min(m, n):
        raise ValueError(f"q(={q}) must be non-negative integer and not greater than min(m, n)={min(m, n)}")
    if not niter >= 0:
        raise ValueError(f"niter(={niter}) must be non-negative integer")
    if center:
        A = A - A.mean(dim=(-2,), keepdim=True)
    return _svd_lowrank(A, q, niter)



# ---------------------------------------------------------------------------------------------
# LDL^T with Bunch-Kaufman pivoting, step for step as LAPACK's sytf2 / sytrs (lower storage), so that LD,
# the pivots (1-based; a negative pair marks a 2x2 block of D) and info equal torch's. Forward only, as in torch.

_BK_ALPHA = (1 + 17 ** 0.5) / 8  # the growth bound of Bunch & Kaufman's pivot choice


def _sytf2_one(a):
    """One matrix. The working matrix keeps its not-yet-factored trailing block full (symmetric), so that
    LAPACK's row/column interchanges are a symmetric permutation; finished columns hold L and D."""
    n = a.shape[-1]
    idx = jnp.arange(n, dtype=jnp.int32)
    low = jnp.tril(a)
    m0 = low + jnp.swapaxes(jnp.tril(low, -1), -1, -2)
    lower = idx[:, None] >= idx[None, :]

    def mirror(m, start):  # the trailing block (from `start`) made symmetric from its lower triangle
        trail = (idx[:, None] >= start) & (idx[None, :] >= start)
        return jnp.where(trail & ~lower, m.T, m)

    def body(state):
        m, piv, info, k = state
        col = m[:, k]
        absakk = jnp.abs(m[k, k])
        imax = jnp.argmax(jnp.where(idx > k, jnp.abs(col), -1)).astype(jnp.int32)  # the first maximum, as i?amax
        colmax = jnp.where(k < n - 1, jnp.abs(col[imax]), 0)
        zero = (jnp.maximum(absakk, colmax) == 0) | jnp.isnan(absakk)
        rowmax = jnp.max(jnp.where((idx >= k) & (idx != imax), jnp.abs(m[imax]), 0))
        keep_k = zero | (absakk >= _BK_ALPHA * colmax) | (absakk >= _BK_ALPHA * colmax * (colmax / rowmax))
        one_by_one = keep_k | (jnp.abs(m[imax, imax]) >= _BK_ALPHA * rowmax)
        kp = jnp.where(keep_k, k, imax)
        kstep = jnp.where(one_by_one, 1, 2).astype(jnp.int32)
        info = jnp.where((info == 0) & zero, k + 1, info).astype(jnp.int32)
        kk = k + kstep - 1
        perm = idx.at[kk].set(kp).at[kp].set(kk)
        trail = (idx[:, None] >= k) & (idx[None, :] >= k)
        m = jnp.where(trail, m[perm][:, perm], m)
        # 1x1 pivot: rank-1 update of the trailing block, column k scaled into L's multipliers
        x = jnp.where(idx > k, m[:, k], 0)
        d = 1 / m[k, k]
        m1 = m + x[:, None] * (-d * x)[None, :]
        m1 = jnp.where(idx[None, :] == k, jnp.where(idx[:, None] > k, (x * d)[:, None], m1), m1)
        m1 = mirror(m1, k + 1)
        # 2x2 pivot: rank-2 update from the block D = [[m_kk, m_k+1,k], [m_k+1,k, m_k+1,k+1]]
        safe = jnp.minimum(k + 1, n - 1)
        d21 = m[safe, k]
        d11 = m[safe, safe] / d21
        d22 = m[k, k] / d21
        d21 = (1 / (d11 * d22 - 1)) / d21
        ck = jnp.where(idx > k + 1, m[:, k], 0)
        ck1 = jnp.where(idx > k + 1, m[:, safe], 0)
        wk = d21 * (d11 * ck - ck1)
        wkp1 = d21 * (d22 * ck1 - ck)
        m2 = m - ck[:, None] * wk[None, :] - ck1[:, None] * wkp1[None, :]
        rows_below = idx[:, None] > k + 1
        m2 = jnp.where((idx[None, :] == k) & rows_below, wk[:, None], m2)
        m2 = jnp.where((idx[None, :] == k + 1) & rows_below, wkp1[:, None], m2)
        m2 = mirror(m2, k + 2)
        m = jnp.where(zero, m, jnp.where(kstep == 1, jnp.where(k < n - 1, m1, m), jnp.where(k < n - 2, m2, m)))
        piv = jnp.where(kstep == 1, piv.at[k].set(kp + 1), piv.at[k].set(-(kp + 1)).at[safe].set(-(kp + 1)))
        return m, piv, info, k + kstep

    init = (m0, jnp.zeros(n, jnp.int32), jnp.zeros((), jnp.int32), jnp.zeros((), jnp.int32))
    m, piv, info, _ = lax.while_loop(lambda s: s[3] < n, body, init)
    return jnp.tril(m), piv.astype(jnp.int32), info.astype(jnp.int32)


def _batched(fn, *xs, core_ndims):
    """Run a single-matrix fn over the flattened batch dimensions of its (already broadcast) inputs."""
    batch = xs[0].shape[:xs[0].ndim - core_ndims[0]]
    flat = [x.reshape((-1,) + x.shape[x.ndim - c:]) for x, c in zip(xs, core_ndims)]
    outs = jax.vmap(fn)(*flat) if flat[0].shape[0] else None
    return outs, batch


def _ldl_factor_impl(a):
    n = a.shape[-1]
    if a.size == 0:
        return a, jnp.zeros(a.shape[:-1], jnp.int32), jnp.zeros(a.shape[:-2], jnp.int32)
    (ld, piv, info), batch = _batched(_sytf2_one, a, core_ndims=(2,))
    return ld.reshape(batch + (n, n)), piv.reshape(batch + (n,)), info.reshape(batch)


def _ldl_factor(A: Tensor, hermitian: bool):
    api = "torch.linalg.ldl_factor_ex"
    _float_only(api, A)
    _at_least_2d(api, A)
    _square(api, A)
    if A.is_complex():
        raise NotImplementedError("jaxtorch: linalg.ldl_factor of complex matrices is not supported")
    return apply(_ldl_factor_impl, (A.detach(),), (), "linalg_ldl_factor_ex")


@register(namespace="linalg", method=False)
def ldl_factor_ex(A: Tensor, *, hermitian: bool = False, check_errors: bool = False, out=None):
    """torch.linalg.ldl_factor_ex: (LD, pivots, info) in LAPACK sytrf's compact form (lower)."""
    LD, piv, info = _ldl_factor(A, hermitian)
    if check_errors:
        _raise_info(info, "torch.linalg.ldl_factor_ex", lambda i: f"Unknown error code: {i}.", RuntimeError)
    return rt.linalg_ldl_factor_ex(LD, piv, info)


@register(namespace="linalg", method=False)
def ldl_factor(A: Tensor, *, hermitian: bool = False, out=None):
    """torch.linalg.ldl_factor: (LD, pivots); a zero pivot of D raises, as in torch."""
    LD, piv, info = _ldl_factor(A, hermitian)
    _raise_info(info, "torch.linalg.ldl_factor", lambda i: f"Unknown error code: {i}.", RuntimeError)
    return rt.linalg_ldl_factor(LD, piv)


def _swap_rows(b, i, j):
    rows = jnp.arange(b.shape[0], dtype=jnp.int32)
    perm = rows.at[i].set(j).at[j].set(i)
    return b[perm]


def _sytrs_one(ld, piv, b):
    """LAPACK sytrs (lower): X = A^-1 B from sytf2's LD and pivots; A = P L D L^T P^T in product form."""
    n = ld.shape[-1]
    idx = jnp.arange(n, dtype=jnp.int32)

    def fwd(state):  # solve L D Y = B, one 1x1 or 2x2 block of D at a time
        b, k = state
        two = piv[k] < 0
        kp = jnp.where(two, -piv[k], piv[k]) - 1
        b = _swap_rows(b, jnp.where(two, jnp.minimum(k + 1, n - 1), k), kp)
        # 1x1
        c = jnp.where(idx > k, ld[:, k], 0)
        b1 = b - c[:, None] * b[k][None, :]
        b1 = b1.at[k].set(b1[k] * (1 / ld[k, k]))
        # 2x2
        k1 = jnp.minimum(k + 1, n - 1)
        c0 = jnp.where(idx > k + 1, ld[:, k], 0)
        c1 = jnp.where(idx > k + 1, ld[:, k1], 0)
        b2 = b - c0[:, None] * b[k][None, :]
        b2 = b2 - c1[:, None] * b2[k1][None, :]
        akm1k = ld[k1, k]
        akm1 = ld[k, k] / akm1k
        ak = ld[k1, k1] / akm1k
        denom = akm1 * ak - 1
        bkm1, bk = b2[k] / akm1k, b2[k1] / akm1k
        b2 = b2.at[k].set((ak * bkm1 - bk) / denom).at[k1].set((akm1 * bk - bkm1) / denom)
        return jnp.where(two, b2, b1), (k + jnp.where(two, 2, 1)).astype(jnp.int32)

    def bwd(state):  # solve L^T X = Y, from the last block up
        b, k = state
        two = piv[k] < 0
        km1 = jnp.maximum(k - 1, 0)
        c = jnp.where(idx > k, ld[:, k], 0)
        b = b.at[k].set(b[k] - c @ b)
        cm = jnp.where(idx > k, ld[:, km1], 0)
        b = jnp.where(two, b.at[km1].set(b[km1] - cm @ b), b)
        kp = jnp.where(two, -piv[k], piv[k]) - 1
        b = _swap_rows(b, k, kp)
        return b, (k - jnp.where(two, 2, 1)).astype(jnp.int32)

    b, _ = lax.while_loop(lambda s: s[1] < n, fwd, (b, jnp.zeros((), jnp.int32)))
    b, _ = lax.while_loop(lambda s: s[1] >= 0, bwd, (b, jnp.asarray(n - 1, jnp.int32)))
    return b


def _ldl_solve_impl(ld, piv, b):
    n = ld.shape[-1]
    batch = jnp.broadcast_shapes(ld.shape[:-2], b.shape[:-2])
    shape = batch + b.shape[-2:]
    if 0 in shape:
        return jnp.zeros(shape, b.dtype)
    ld = jnp.broadcast_to(ld, batch + (n, n))
    piv = jnp.broadcast_to(piv, batch + (n,)).astype(jnp.int32)
    b = jnp.broadcast_to(b, shape)
    x, _ = _batched(_sytrs_one, ld, piv, b, core_ndims=(2, 1, 2))
    return x.reshape(shape)


@register(namespace="linalg", method=False)
def ldl_solve(LD: Tensor, pivots: Tensor, B: Tensor, *, hermitian: bool = False, out=None):
    """torch.linalg.ldl_solve: solve A X = B from ldl_factor's (LD, pivots)."""
    api = "torch.linalg.ldl_solve"
    _at_least_2d(api, LD, "LD")
    if B.ndim < 2:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-max(B.ndim, 1)}, "
                         f"{max(B.ndim, 1) - 1}], but got -2)")
    _square(api, LD)
    if tuple(pivots.shape) != tuple(LD.shape[:-1]):
        raise RuntimeError(f"{api}: Expected LD.shape[:-1] and pivots.shape to be the same, but got pivots with "
                           f"shape {list(pivots.shape)} instead")
    if B.dtype != LD.dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type {_tn(B.dtype)} and A of "
                           f"type {_tn(LD.dtype)} instead.")
    n = LD.shape[-1]
    if B.shape[-2] != n:
        raise RuntimeError(f"Incompatible matrix sizes for {api}: each A matrix is {n} by {n} but each b matrix is "
                           f"{B.shape[-2]} by {B.shape[-1]}")
    _float_only(api, LD)
    if LD.is_complex():
        raise NotImplementedError("jaxtorch: linalg.ldl_solve of complex matrices is not supported")
    _batch(api, tuple(LD.shape[:-2]), tuple(B.shape[:-2]))
    return apply(_ldl_solve_impl, (LD.detach(), pivots, B.detach()), (), "linalg_ldl_solve")
