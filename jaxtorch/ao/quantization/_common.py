"""What the torch.ao.quantization stand-ins share."""

from __future__ import annotations

import functools
from typing import Any

from ... import _unsupported

WHY = (
    "jaxtorch has no quantized tensors or quantized kernels; float models run unchanged "
    "(QuantStub / DeQuantStub / QuantWrapper are the identity, as in torch before convert)"
)


class _StandInBase:
    """Base of the observer / fake-quantize stand-ins: `with_args` works (qconfigs are built from it), the
    resulting factory raises NotImplementedError when called, like the class itself."""

    @classmethod
    def with_args(cls, **kwargs: Any) -> functools.partial:
        return functools.partial(cls, **kwargs)

    @classmethod
    def with_callable_args(cls, **kwargs: Any) -> functools.partial:
        return functools.partial(cls, **kwargs)


def standin(module: str, name: str, bases: tuple = ()) -> type:
    return _unsupported.cls(f"{module}.{name}", WHY, bases=bases or (_StandInBase,))
