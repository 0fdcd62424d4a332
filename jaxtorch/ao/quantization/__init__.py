"""torch.ao.quantization: importable, but jaxtorch does not quantize.

Real, as in a float model in torch: QuantStub / DeQuantStub / QuantWrapper (identity modules), QConfig and the
default qconfigs, QuantType and the other enums, `default_eval_fn`, `get_combined_dict`.
Stand-ins (NotImplementedError when called or constructed, never at import): observers, fake-quantize modules,
prepare / convert / quantize*, fusion, the module mappings and the TorchScript (`*_jit`) variants.
"""

from __future__ import annotations

import enum

from ... import _unsupported
from ._common import WHY
from .fake_quantize import *  # noqa: F403
from .fake_quantize import (  # noqa: F401
    FakeQuantize,
    FakeQuantizeBase,
    FixedQParamsFakeQuantize,
    FusedMovingAvgObsFakeQuantize,
    disable_fake_quant,
    disable_observer,
    enable_fake_quant,
    enable_observer,
)
from .observer import *  # noqa: F403
from .observer import (  # noqa: F401
    AffineQuantizedObserverBase,
    FixedQParamsObserver,
    Granularity,
    HistogramObserver,
    MinMaxObserver,
    MovingAverageMinMaxObserver,
    MovingAveragePerChannelMinMaxObserver,
    NoopObserver,
    ObserverBase,
    PerAxis,
    PerBlock,
    PerChannelMinMaxObserver,
    PerGroup,
    PerRow,
    PerTensor,
    PerToken,
    PlaceholderObserver,
    RecordingObserver,
    ReuseInputObserver,
    UniformQuantizationObserverBase,
)
from .qconfig import *  # noqa: F403
from .qconfig import QConfig, QConfigAny, QConfigDynamic, qconfig_equals  # noqa: F401
from .quant_type import QuantType  # noqa: F401
from .quantize import (  # noqa: F401
    add_quant_dequant,
    convert,
    prepare,
    prepare_qat,
    propagate_qconfig_,
    quantize,
    quantize_dynamic,
    quantize_qat,
    swap_module,
)
from .stubs import DeQuantStub, QuantStub, QuantWrapper  # noqa: F401

ObserverOrFakeQuantize = ObserverBase | FakeQuantizeBase


class MappingType(enum.Enum):
    SYMMETRIC = 1
    SYMMETRIC_NO_CLIPPING_ERR = 2
    ASYMMETRIC = 3


class ZeroPointDomain(enum.Enum):
    INT = 1
    FLOAT = 2
    NONE = 3


class TorchAODType(enum.Enum):
    INT1 = 1
    INT2 = 2
    INT3 = 3
    INT4 = 4
    INT5 = 5
    INT6 = 6
    INT7 = 7


def default_eval_fn(model, calib_data) -> None:
    """Run `model` on every input of `calib_data` (pairs of (input, target)), as calibration does."""
    for data, _target in calib_data:
        model(data)


def get_combined_dict(default_dict: dict, additional_dict: dict) -> dict:
    """A copy of `default_dict` updated with `additional_dict`."""
    combined = default_dict.copy()
    combined.update(additional_dict)
    return combined


QConfigMapping = _unsupported.cls("torch.ao.quantization.QConfigMapping", WHY)

_unsupported.names(
    globals(),
    "torch.ao.quantization",
    WHY,
    functions=(
        "convert_dynamic_jit",
        "convert_jit",
        "fuse_conv_bn",
        "fuse_conv_bn_jit",
        "fuse_conv_bn_relu",
        "fuse_convtranspose_bn",
        "fuse_linear_bn",
        "fuse_modules",
        "fuse_modules_qat",
        "get_default_compare_output_module_list",
        "get_default_custom_config_dict",
        "get_default_dynamic_quant_module_mappings",
        "get_default_dynamic_sparse_quant_module_mappings",
        "get_default_float_to_quantized_operator_mappings",
        "get_default_qat_module_mappings",
        "get_default_qat_qconfig",
        "get_default_qat_qconfig_dict",
        "get_default_qat_qconfig_mapping",
        "get_default_qconfig",
        "get_default_qconfig_dict",
        "get_default_qconfig_mapping",
        "get_default_qconfig_propagation_list",
        "get_default_static_quant_module_mappings",
        "get_default_static_quant_reference_module_mappings",
        "get_default_static_sparse_quant_module_mappings",
        "get_dynamic_quant_module_class",
        "get_embedding_qat_module_mappings",
        "get_embedding_static_quant_module_mappings",
        "get_fuser_method",
        "get_fuser_method_new",
        "get_observer_state_dict",
        "get_quantized_operator",
        "get_static_quant_module_class",
        "load_observer_state_dict",
        "no_observer_set",
        "prepare_dynamic_jit",
        "prepare_jit",
        "quantize_dynamic_jit",
        "quantize_jit",
        "script_qconfig",
        "script_qconfig_dict",
        "get_block_size",
    ),
)
