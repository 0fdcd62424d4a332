"""torch.utils.backend_registration: naming torch's PrivateUse1 dispatch key after an out-of-tree device backend
and generating `Tensor.<name>()` / `Module.<name>()` methods for it. jaxtorch has no dispatch keys -- JAX's devices
are CPU, GPU and TPU -- so both functions raise NotImplementedError when called."""

from __future__ import annotations

from .. import _unsupported

__all__ = ["rename_privateuse1_backend", "generate_methods_for_privateuse1_backend"]

_WHY_NOT = "jaxtorch has no PrivateUse1 dispatch key; its devices are JAX's"
rename_privateuse1_backend = _unsupported.function(
    "torch.utils.backend_registration.rename_privateuse1_backend", _WHY_NOT
)
generate_methods_for_privateuse1_backend = _unsupported.function(
    "torch.utils.backend_registration.generate_methods_for_privateuse1_backend", _WHY_NOT
)
