"""torch.finfo / torch.iinfo."""

from __future__ import annotations

import numpy as np
import ml_dtypes

from . import _dtype as _dt


class finfo:
    def __init__(self, type=None):
        d = _dt.to_dtype(type) if type is not None else _dt.get_default_dtype()
        if d.is_complex:
            d = d.to_real()
        if not d.is_floating_point:
            # (torch's message names 'torch.finfo' where the type would be expected; mirrored)
            raise TypeError("torch.finfo() requires a floating point input type. Use torch.iinfo to handle "
                            "'torch.finfo'")
        info = ml_dtypes.finfo(d.np)
        self.dtype = d.name
        self.bits = info.bits
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = float(info.tiny)
        self.smallest_normal = float(info.smallest_normal)
        self.resolution = float(10.0 ** -info.precision)  # torch reports an exact power of ten

    def __repr__(self):
        return (f"finfo(resolution={self.resolution}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    def __init__(self, type):
        d = _dt.to_dtype(type)
        if d.is_floating_point or d.is_complex:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to handle 'torch.iinfo'")
        info = np.iinfo(d.np) if d is not _dt.bool_ else None
        self.dtype = d.name
        self.bits = info.bits if info else 8
        self.max = int(info.max) if info else 1
        self.min = int(info.min) if info else 0

    def __repr__(self):
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"
