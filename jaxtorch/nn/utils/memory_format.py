"""torch.nn.utils.memory_format.

jaxtorch tensors have no memory format (XLA chooses layouts itself), so converting convolution weights to
``channels_last`` changes nothing observable: these functions walk the module as torch does and return it
unchanged.
"""

from __future__ import annotations

from typing import Any, TypeVar

from ..modules.module import Module

__all__ = ["convert_conv2d_weight_memory_format", "convert_conv3d_weight_memory_format"]

_M = TypeVar("_M", bound=Module)


def _check(module: Module) -> None:
    if not isinstance(module, Module):
        raise AttributeError(f"'{type(module).__name__}' object has no attribute 'children'")


def convert_conv2d_weight_memory_format(module: _M, memory_format: Any) -> _M:
    """Return ``module`` unchanged: jaxtorch has no memory formats (layouts are XLA's choice)."""
    _check(module)
    return module


def convert_conv3d_weight_memory_format(module: _M, memory_format: Any) -> _M:
    """Return ``module`` unchanged: jaxtorch has no memory formats (layouts are XLA's choice)."""
    _check(module)
    return module
