"""torch.ao: architecture optimisation. Only the quantization front door is provided (see ao.quantization)."""

from . import quantization  # noqa: F401
