"""torch.ao.quantization.observer: observers record value ranges to pick quantization parameters.

jaxtorch does not quantize, so every observer is a stand-in: importable and usable in qconfigs (`with_args`),
constructing one raises NotImplementedError.
"""

from __future__ import annotations

from ._common import standin

__all__ = [
    "ObserverBase",
    "UniformQuantizationObserverBase",
    "MinMaxObserver",
    "MovingAverageMinMaxObserver",
    "PerChannelMinMaxObserver",
    "MovingAveragePerChannelMinMaxObserver",
    "HistogramObserver",
    "FixedQParamsObserver",
    "PlaceholderObserver",
    "RecordingObserver",
    "NoopObserver",
    "ReuseInputObserver",
    "AffineQuantizedObserverBase",
    "Granularity",
    "PerAxis",
    "PerBlock",
    "PerGroup",
    "PerRow",
    "PerTensor",
    "PerToken",
    "default_debug_observer",
    "default_placeholder_observer",
    "default_reuse_input_observer",
    "default_observer",
    "default_weight_observer",
    "weight_observer_range_neg_127_to_127",
    "default_histogram_observer",
    "default_per_channel_weight_observer",
    "per_channel_weight_observer_range_neg_127_to_127",
    "default_dynamic_quant_observer",
    "default_float_qparams_observer",
    "default_float_qparams_observer_4bit",
    "default_fixed_qparams_range_neg1to1_observer",
    "default_fixed_qparams_range_0to1_observer",
    "default_symmetric_fixed_qparams_observer",
    "default_affine_fixed_qparams_observer",
]

_M = "torch.ao.quantization.observer"

ObserverBase = standin(_M, "ObserverBase")
UniformQuantizationObserverBase = standin(_M, "UniformQuantizationObserverBase", (ObserverBase,))
MinMaxObserver = standin(_M, "MinMaxObserver", (UniformQuantizationObserverBase,))
MovingAverageMinMaxObserver = standin(_M, "MovingAverageMinMaxObserver", (MinMaxObserver,))
PerChannelMinMaxObserver = standin(_M, "PerChannelMinMaxObserver", (UniformQuantizationObserverBase,))
MovingAveragePerChannelMinMaxObserver = standin(
    _M, "MovingAveragePerChannelMinMaxObserver", (PerChannelMinMaxObserver,)
)
HistogramObserver = standin(_M, "HistogramObserver", (UniformQuantizationObserverBase,))
FixedQParamsObserver = standin(_M, "FixedQParamsObserver", (ObserverBase,))
PlaceholderObserver = standin(_M, "PlaceholderObserver", (ObserverBase,))
RecordingObserver = standin(_M, "RecordingObserver", (ObserverBase,))
NoopObserver = standin(_M, "NoopObserver", (ObserverBase,))
ReuseInputObserver = standin(_M, "ReuseInputObserver", (ObserverBase,))
AffineQuantizedObserverBase = standin(_M, "AffineQuantizedObserverBase", (ObserverBase,))
Granularity = standin(_M, "Granularity")
PerAxis = standin(_M, "PerAxis", (Granularity,))
PerBlock = standin(_M, "PerBlock", (Granularity,))
PerGroup = standin(_M, "PerGroup", (Granularity,))
PerRow = standin(_M, "PerRow", (Granularity,))
PerTensor = standin(_M, "PerTensor", (Granularity,))
PerToken = standin(_M, "PerToken", (Granularity,))

# torch's aliases: classes, not factories
default_debug_observer = RecordingObserver
default_placeholder_observer = PlaceholderObserver
default_reuse_input_observer = ReuseInputObserver

# the default observer factories (their arguments do not matter: they can never be called)
default_observer = MinMaxObserver.with_args(quant_min=0, quant_max=127)
default_weight_observer = MinMaxObserver.with_args(qscheme="per_tensor_symmetric")
weight_observer_range_neg_127_to_127 = MinMaxObserver.with_args(quant_min=-127, quant_max=127)
default_histogram_observer = HistogramObserver.with_args(quant_min=0, quant_max=127)
default_per_channel_weight_observer = PerChannelMinMaxObserver.with_args(qscheme="per_channel_symmetric")
per_channel_weight_observer_range_neg_127_to_127 = PerChannelMinMaxObserver.with_args(quant_min=-127, quant_max=127)
default_dynamic_quant_observer = PlaceholderObserver.with_args(is_dynamic=True)
default_float_qparams_observer = PerChannelMinMaxObserver.with_args(qscheme="per_channel_affine_float_qparams")
default_float_qparams_observer_4bit = PerChannelMinMaxObserver.with_args(
    qscheme="per_channel_affine_float_qparams", dtype="quint4x2"
)
default_fixed_qparams_range_neg1to1_observer = FixedQParamsObserver.with_args(scale=2.0 / 256.0, zero_point=128)
default_fixed_qparams_range_0to1_observer = FixedQParamsObserver.with_args(scale=1.0 / 256.0, zero_point=0)
default_symmetric_fixed_qparams_observer = default_fixed_qparams_range_neg1to1_observer
default_affine_fixed_qparams_observer = default_fixed_qparams_range_0to1_observer
