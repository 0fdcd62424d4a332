"""torch.functional: the functions torch defines in Python in this module, here jaxtorch's same functions."""

from ._ops._registry import FUNCTIONS as _F

__all__ = [
    "atleast_1d",
    "atleast_2d",
    "atleast_3d",
    "broadcast_shapes",
    "broadcast_tensors",
    "cartesian_prod",
    "block_diag",
    "cdist",
    "chain_matmul",
    "einsum",
    "istft",
    "lu",
    "norm",
    "meshgrid",
    "pca_lowrank",
    "split",
    "stft",
    "svd_lowrank",
    "tensordot",
    "unique",
    "unique_consecutive",
    "unravel_index",
]

atleast_1d = _F["atleast_1d"]
atleast_2d = _F["atleast_2d"]
atleast_3d = _F["atleast_3d"]
broadcast_shapes = _F["broadcast_shapes"]
broadcast_tensors = _F["broadcast_tensors"]
cartesian_prod = _F["cartesian_prod"]
block_diag = _F["block_diag"]
cdist = _F["cdist"]
chain_matmul = _F["chain_matmul"]
einsum = _F["einsum"]
istft = _F["istft"]
lu = _F["lu"]
norm = _F["norm"]
meshgrid = _F["meshgrid"]
pca_lowrank = _F["pca_lowrank"]
split = _F["split"]
stft = _F["stft"]
svd_lowrank = _F["svd_lowrank"]
tensordot = _F["tensordot"]
unique = _F["unique"]
unique_consecutive = _F["unique_consecutive"]
unravel_index = _F["unravel_index"]
