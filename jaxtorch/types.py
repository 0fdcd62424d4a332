"""torch.types: the type aliases torch's annotations use (`Number`, `Device`, `_size`, `_dtype`, ...).

jaxtorch has no symbolic integers, so the Sym*-including aliases are the plain Python types.
"""

from __future__ import annotations

import os

# `from torch.types import _int, _float, ...` names the builtins (torch shadows `int`, `float` at top level)
from builtins import (  # noqa: F401
    bool as _bool,
    bytes as _bytes,
    complex as _complex,
    float as _float,
    int as _int,
    str as _str,
)
from collections.abc import Sequence
from typing import IO, Any, Union

from ._device import device as _device
from ._dtype import dtype as _dtype
from ._tensor import Size, Tensor

__all__ = ["Number", "Device", "FileLike", "Storage"]

_TensorOrTensors = Union[Tensor, Sequence[Tensor]]
_TensorOrOptionalTensors = Union[Tensor, Sequence[Union[Tensor, None]]]
_size = Union[Size, list[int], tuple[int, ...]]
_symsize = Union[Size, Sequence[int]]

IntLikeType = int
FloatLikeType = float
BoolLikeType = bool

Number = Union[int, float, bool]
_Number = (int, float, bool)  # for isinstance checks
FileLike = Union[str, os.PathLike, IO[bytes]]
Device = Union[_device, str, int, None]


class Storage:
    """The storage protocol torch's typed storages follow (annotations only; jaxtorch has no storage objects
    of its own kind). Every method is abstract."""

    device: _device
    dtype: _dtype

    def __deepcopy__(self, memo: dict[int, Any]) -> Storage:
        raise NotImplementedError

    def element_size(self) -> int:
        raise NotImplementedError

    def is_shared(self) -> bool:
        raise NotImplementedError

    def share_memory_(self) -> Storage:
        raise NotImplementedError

    def nbytes(self) -> int:
        raise NotImplementedError

    def cpu(self) -> Storage:
        raise NotImplementedError

    def data_ptr(self) -> int:
        raise NotImplementedError

    def from_file(self, filename: str, shared: bool = False, nbytes: int = 0) -> Storage:
        raise NotImplementedError
