"""nn.DataParallel: one process, all local devices. Eagerly it runs the module once (the same result
as splitting the batch, without copies); under torch.compile the step runs data-parallel over the
local devices, each device taking its slice of the batch, with gradients averaged over them."""

from __future__ import annotations

from ..modules.module import Module
from .distributed import _GradAveraging

__all__ = ["DataParallel"]


class DataParallel(_GradAveraging):
    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0):
        super().__init__()
        self.module = module
        self.device_ids = device_ids
        self.output_device = output_device
        self.dim = dim
        self._install_grad_averaging(module)

    def forward(self, *inputs, **kwargs):
        self._note_compile()
        return self.module(*inputs, **kwargs)
