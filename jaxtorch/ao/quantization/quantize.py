"""torch.ao.quantization.quantize: eager-mode quantization entry points (not supported by jaxtorch)."""

from __future__ import annotations

from ... import _unsupported
from ._common import WHY

_unsupported.names(
    globals(),
    "torch.ao.quantization",
    WHY,
    functions=(
        "quantize",
        "quantize_dynamic",
        "quantize_qat",
        "prepare",
        "prepare_qat",
        "convert",
        "propagate_qconfig_",
        "add_quant_dequant",
        "swap_module",
        "get_observer_dict",
    ),
)
