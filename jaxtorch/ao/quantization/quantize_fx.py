"""torch.ao.quantization.quantize_fx: FX graph-mode quantization (not supported by jaxtorch)."""

from __future__ import annotations

from ... import _unsupported
from ._common import WHY

_unsupported.names(
    globals(),
    "torch.ao.quantization.quantize_fx",
    WHY,
    functions=("prepare_fx", "prepare_qat_fx", "convert_fx", "convert_to_reference_fx", "fuse_fx"),
)
