"""torch.ao.quantization.fake_quantize: quantization-aware-training modules (stand-ins in jaxtorch)."""

from __future__ import annotations

from ._common import WHY, standin
from ... import _unsupported
from . import observer

__all__ = [
    "FakeQuantizeBase",
    "FakeQuantize",
    "FixedQParamsFakeQuantize",
    "FusedMovingAvgObsFakeQuantize",
    "default_fake_quant",
    "default_weight_fake_quant",
    "default_dynamic_fake_quant",
    "default_fixed_qparams_range_neg1to1_fake_quant",
    "default_fixed_qparams_range_0to1_fake_quant",
    "default_symmetric_fixed_qparams_fake_quant",
    "default_affine_fixed_qparams_fake_quant",
    "default_per_channel_weight_fake_quant",
    "default_embedding_fake_quant",
    "default_embedding_fake_quant_4bit",
    "default_histogram_fake_quant",
    "default_fused_act_fake_quant",
    "default_fused_wt_fake_quant",
    "default_fused_per_channel_wt_fake_quant",
    "fused_wt_fake_quant_range_neg_127_to_127",
    "fused_per_channel_wt_fake_quant_range_neg_127_to_127",
    "disable_fake_quant",
    "disable_observer",
    "enable_fake_quant",
    "enable_observer",
]

_M = "torch.ao.quantization.fake_quantize"

FakeQuantizeBase = standin(_M, "FakeQuantizeBase")
FakeQuantize = standin(_M, "FakeQuantize", (FakeQuantizeBase,))
FixedQParamsFakeQuantize = standin(_M, "FixedQParamsFakeQuantize", (FakeQuantize,))
FusedMovingAvgObsFakeQuantize = standin(_M, "FusedMovingAvgObsFakeQuantize", (FakeQuantize,))

default_fake_quant = FakeQuantize.with_args(observer=observer.MovingAverageMinMaxObserver)
default_weight_fake_quant = FakeQuantize.with_args(
    observer=observer.MovingAverageMinMaxObserver, qscheme="per_tensor_symmetric"
)
default_dynamic_fake_quant = FakeQuantize.with_args(observer=observer.MovingAverageMinMaxObserver, is_dynamic=True)
default_fixed_qparams_range_neg1to1_fake_quant = FixedQParamsFakeQuantize.with_args(
    observer=observer.default_fixed_qparams_range_neg1to1_observer
)
default_fixed_qparams_range_0to1_fake_quant = FixedQParamsFakeQuantize.with_args(
    observer=observer.default_fixed_qparams_range_0to1_observer
)
default_symmetric_fixed_qparams_fake_quant = default_fixed_qparams_range_neg1to1_fake_quant
default_affine_fixed_qparams_fake_quant = default_fixed_qparams_range_0to1_fake_quant
default_per_channel_weight_fake_quant = FakeQuantize.with_args(
    observer=observer.MovingAveragePerChannelMinMaxObserver, qscheme="per_channel_symmetric"
)
default_embedding_fake_quant = FakeQuantize.with_args(
    observer=observer.MovingAveragePerChannelMinMaxObserver, qscheme="per_channel_affine_float_qparams"
)
default_embedding_fake_quant_4bit = FakeQuantize.with_args(
    observer=observer.MovingAveragePerChannelMinMaxObserver,
    qscheme="per_channel_affine_float_qparams",
    dtype="quint4x2",
)
default_histogram_fake_quant = FakeQuantize.with_args(observer=observer.HistogramObserver)
default_fused_act_fake_quant = FusedMovingAvgObsFakeQuantize.with_args(observer=observer.MovingAverageMinMaxObserver)
default_fused_wt_fake_quant = FusedMovingAvgObsFakeQuantize.with_args(
    observer=observer.MovingAverageMinMaxObserver, qscheme="per_tensor_symmetric"
)
default_fused_per_channel_wt_fake_quant = FusedMovingAvgObsFakeQuantize.with_args(
    observer=observer.MovingAveragePerChannelMinMaxObserver, qscheme="per_channel_symmetric"
)
fused_wt_fake_quant_range_neg_127_to_127 = FusedMovingAvgObsFakeQuantize.with_args(
    observer=observer.MovingAverageMinMaxObserver, quant_min=-127, quant_max=127
)
fused_per_channel_wt_fake_quant_range_neg_127_to_127 = FusedMovingAvgObsFakeQuantize.with_args(
    observer=observer.MovingAveragePerChannelMinMaxObserver, quant_min=-127, quant_max=127
)

# module.apply(...) helpers that switch fake-quantize modules on and off
disable_fake_quant = _unsupported.function("torch.ao.quantization.disable_fake_quant", WHY)
disable_observer = _unsupported.function("torch.ao.quantization.disable_observer", WHY)
enable_fake_quant = _unsupported.function("torch.ao.quantization.enable_fake_quant", WHY)
enable_observer = _unsupported.function("torch.ao.quantization.enable_observer", WHY)
