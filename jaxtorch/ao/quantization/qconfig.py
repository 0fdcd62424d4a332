"""torch.ao.quantization.qconfig: QConfig, the (activation, weight) pair of observer factories.

QConfig is real (a named tuple that rejects observer instances, as torch's does), and so are the default qconfigs;
their observer factories are stand-ins that raise NotImplementedError when called.
"""

from __future__ import annotations

import warnings
from collections import namedtuple
from typing import Any

from ...nn import Identity as _Identity
from . import fake_quantize as fq
from . import observer as obs

__all__ = [
    "QConfig",
    "QConfigDynamic",
    "QConfigAny",
    "default_qconfig",
    "default_dynamic_qconfig",
    "float16_dynamic_qconfig",
    "float16_static_qconfig",
    "per_channel_dynamic_qconfig",
    "float_qparams_weight_only_qconfig",
    "default_qat_qconfig",
    "default_qat_qconfig_v2",
    "default_weight_only_qconfig",
    "default_activation_only_qconfig",
    "default_per_channel_qconfig",
    "default_reuse_input_qconfig",
    "default_symmetric_qnnpack_qconfig",
    "qconfig_equals",
]


def _check_not_instances(activation: Any, weight: Any) -> None:
    from ...nn import Module

    if isinstance(activation, Module) or isinstance(weight, Module):
        raise ValueError(
            "QConfig received observer instance, please pass observer class instead. Use "
            "MyObserver.with_args(x=1) to override arguments to constructor if needed"
        )


class QConfig(namedtuple("QConfig", ["activation", "weight"])):
    """How to quantize a layer: factories (classes or `with_args` partials) for its activation and weight
    observers."""

    __slots__ = ()

    def __new__(cls, activation, weight):
        _check_not_instances(activation, weight)
        return super().__new__(cls, activation, weight)


class QConfigDynamic(namedtuple("QConfigDynamic", ["activation", "weight"])):
    """Deprecated: use QConfig."""

    __slots__ = ()

    def __new__(cls, activation=None, weight=None):
        _check_not_instances(activation, weight)
        warnings.warn(
            "QConfigDynamic is going to be deprecated in PyTorch 1.12, please use QConfig instead", stacklevel=2
        )
        return super().__new__(cls, activation, weight)


QConfigAny = QConfig | None

default_qconfig = QConfig(activation=obs.default_observer, weight=obs.default_weight_observer)
default_debug_qconfig = QConfig(activation=obs.default_debug_observer, weight=obs.default_weight_observer)
default_per_channel_qconfig = QConfig(activation=obs.default_observer, weight=obs.default_per_channel_weight_observer)
default_dynamic_qconfig = QConfig(activation=obs.default_dynamic_quant_observer, weight=obs.default_weight_observer)
float16_dynamic_qconfig = QConfig(
    activation=obs.PlaceholderObserver.with_args(dtype="float16", is_dynamic=True),
    weight=obs.PlaceholderObserver.with_args(dtype="float16"),
)
float16_static_qconfig = QConfig(
    activation=obs.PlaceholderObserver.with_args(dtype="float16"),
    weight=obs.PlaceholderObserver.with_args(dtype="float16"),
)
per_channel_dynamic_qconfig = QConfig(
    activation=obs.default_dynamic_quant_observer, weight=obs.default_per_channel_weight_observer
)
float_qparams_weight_only_qconfig = QConfig(
    activation=obs.default_placeholder_observer, weight=obs.default_float_qparams_observer
)
default_qat_qconfig = QConfig(activation=fq.default_fake_quant, weight=fq.default_weight_fake_quant)
default_qat_qconfig_v2 = QConfig(activation=fq.default_fused_act_fake_quant, weight=fq.default_fused_wt_fake_quant)
default_weight_only_qconfig = QConfig(activation=_Identity, weight=fq.default_weight_fake_quant)
default_activation_only_qconfig = QConfig(activation=fq.default_fake_quant, weight=_Identity)
default_reuse_input_qconfig = QConfig(activation=obs.default_reuse_input_observer, weight=obs.NoopObserver)
default_symmetric_qnnpack_qconfig = QConfig(
    activation=obs.HistogramObserver.with_args(dtype="qint8"), weight=obs.default_weight_observer
)


def _factory_key(f: Any) -> Any:
    # partials compare by (class, args, keywords); anything else by identity
    return (f.func, f.args, tuple(sorted(f.keywords.items()))) if hasattr(f, "func") else f


def qconfig_equals(q1: QConfigAny, q2: QConfigAny) -> bool:
    """Whether two qconfigs name the same observer factories (with the same arguments)."""
    if q1 is None or q2 is None:
        return q1 == q2
    try:
        return _factory_key(q1.activation) == _factory_key(q2.activation) and _factory_key(q1.weight) == _factory_key(
            q2.weight
        )
    except AttributeError:
        return q1 == q2
