"""torch.nn.modules.padding: constant / zero / reflection / replication / circular padding layers."""

from __future__ import annotations

from ..._tensor import Tensor
from .. import functional as F
from .module import Module

__all__ = ["ConstantPad1d", "ConstantPad2d", "ConstantPad3d", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d",
           "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d",
           "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d"]


def _expand(padding, nd: int) -> tuple:
    if isinstance(padding, (tuple, list)):
        if len(padding) != 2 * nd:
            raise ValueError(f"expected padding to be a single integer value or a list of {2 * nd} values to match "
                             "the padding dimensions")
        return tuple(padding)
    return (padding,) * (2 * nd)


class _PadNd(Module):
    _nd = 1
    _mode = "constant"
    __constants__ = ["padding"]

    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _expand(padding, self._nd)

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    __constants__ = ["padding", "value"]

    def __init__(self, padding, value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim with a constant (torch.nn.ConstantPad1d)."""

    _nd = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last 2 dims with a constant (torch.nn.ConstantPad2d)."""

    _nd = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last 3 dims with a constant (torch.nn.ConstantPad3d)."""

    _nd = 3


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad1d(_ZeroPadNd, ConstantPad1d):
    """Pad the last dim with zeros (torch.nn.ZeroPad1d)."""

    _nd = 1


class ZeroPad2d(_ZeroPadNd, ConstantPad2d):
    """Pad the last 2 dims with zeros (torch.nn.ZeroPad2d)."""

    _nd = 2


class ZeroPad3d(_ZeroPadNd, ConstantPad3d):
    """Pad the last 3 dims with zeros (torch.nn.ZeroPad3d)."""

    _nd = 3


class ReflectionPad1d(_PadNd):
    """Reflect-pad the last dim (torch.nn.ReflectionPad1d)."""

    _nd, _mode = 1, "reflect"


class ReflectionPad2d(_PadNd):
    """Reflect-pad the last 2 dims (torch.nn.ReflectionPad2d)."""

    _nd, _mode = 2, "reflect"


class ReflectionPad3d(_PadNd):
    """Reflect-pad the last 3 dims (torch.nn.ReflectionPad3d)."""

    _nd, _mode = 3, "reflect"


class ReplicationPad1d(_PadNd):
    """Edge-pad the last dim (torch.nn.ReplicationPad1d)."""

    _nd, _mode = 1, "replicate"


class ReplicationPad2d(_PadNd):
    """Edge-pad the last 2 dims (torch.nn.ReplicationPad2d)."""

    _nd, _mode = 2, "replicate"


class ReplicationPad3d(_PadNd):
    """Edge-pad the last 3 dims (torch.nn.ReplicationPad3d)."""

    _nd, _mode = 3, "replicate"


class CircularPad1d(_PadNd):
    """Wrap-pad the last dim (torch.nn.CircularPad1d)."""

    _nd, _mode = 1, "circular"


class CircularPad2d(_PadNd):
    """Wrap-pad the last 2 dims (torch.nn.CircularPad2d)."""

    _nd, _mode = 2, "circular"


class CircularPad3d(_PadNd):
    """Wrap-pad the last 3 dims (torch.nn.CircularPad3d)."""

    _nd, _mode = 3, "circular"
