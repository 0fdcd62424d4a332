"""torch.memory_format and its four values.

jaxtorch accepts memory formats wherever torch does (`Tensor.contiguous`, `.to`, `*_like`, `clone`,
`Module.to`, ...) and keeps every tensor's logical row-major strides: the physical layout of an array
is XLA's choice (on GPU it picks channels-last convolutions itself), so the argument changes nothing.
"""

from __future__ import annotations

__all__ = ["memory_format", "contiguous_format", "channels_last", "channels_last_3d", "preserve_format"]


class memory_format:
    """A tensor memory layout name (torch.memory_format)."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return "torch." + self._name

    def __reduce__(self):  # pickles as the module-level singleton of the same name
        return self._name


contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
preserve_format = memory_format("preserve_format")
