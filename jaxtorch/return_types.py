"""torch.return_types: named tuples returned by ops with several results (max, sort, topk ...)."""

from __future__ import annotations

import collections


def _make(name: str, fields: tuple):
    cls = collections.namedtuple(name, fields)
    cls.__module__ = "torch.return_types"
    cls.__repr__ = lambda self: f"torch.return_types.{name}(\n" + ",\n".join(
        f"{f}={v!r}" for f, v in zip(fields, self)) + ")"
    return cls


max = _make("max", ("values", "indices"))
min = _make("min", ("values", "indices"))
sort = _make("sort", ("values", "indices"))
topk = _make("topk", ("values", "indices"))
kthvalue = _make("kthvalue", ("values", "indices"))
median = _make("median", ("values", "indices"))
nanmedian = _make("nanmedian", ("values", "indices"))
mode = _make("mode", ("values", "indices"))
cummax = _make("cummax", ("values", "indices"))
cummin = _make("cummin", ("values", "indices"))
aminmax = _make("aminmax", ("min", "max"))
var_mean = None
std_mean = None
slogdet = _make("slogdet", ("sign", "logabsdet"))
qr = _make("qr", ("Q", "R"))
svd = _make("svd", ("U", "S", "Vh"))
eigh = _make("eigh", ("eigenvalues", "eigenvectors"))
eig = _make("eig", ("eigenvalues", "eigenvectors"))
lu_factor = _make("lu_factor", ("LU", "pivots"))
lstsq = _make("lstsq", ("solution", "residuals", "rank", "singular_values"))
inv_ex = _make("inv_ex", ("inverse", "info"))
cholesky_ex = _make("cholesky_ex", ("L", "info"))
frexp = _make("frexp", ("mantissa", "exponent"))
histogram = _make("histogram", ("hist", "bin_edges"))
linalg_lu_factor = _make("linalg_lu_factor", ("LU", "pivots"))
linalg_lu_factor_ex = _make("linalg_lu_factor_ex", ("LU", "pivots", "info"))
linalg_lu = _make("linalg_lu", ("P", "L", "U"))
lu_unpack = _make("lu_unpack", ("P", "L", "U"))
_lu_with_info = _make("_lu_with_info", ("LU", "pivots", "info"))
linalg_solve_ex = _make("linalg_solve_ex", ("result", "info"))
linalg_inv_ex = _make("linalg_inv_ex", ("inverse", "info"))
linalg_cholesky_ex = _make("linalg_cholesky_ex", ("L", "info"))
linalg_ldl_factor = _make("linalg_ldl_factor", ("LD", "pivots"))
linalg_ldl_factor_ex = _make("linalg_ldl_factor_ex", ("LD", "pivots", "info"))
triangular_solve = _make("triangular_solve", ("solution", "cloned_coefficient"))
geqrf = _make("geqrf", ("a", "tau"))
