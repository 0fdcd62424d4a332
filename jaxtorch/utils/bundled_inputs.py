"""torch.utils.bundled_inputs: storing sample inputs inside a TorchScript model (for PyTorch Mobile).

jaxtorch has no TorchScript modules, so the functions that augment a model (`augment_model_with_bundled_inputs`,
`augment_many_model_functions_with_bundled_inputs`, `bundle_inputs`) raise NotImplementedError when called. The
helpers that only describe an input are real: `InflatableArg`, `bundle_randn`, `bundle_large_tensor`.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from .. import _unsupported

__all__ = [
    "InflatableArg",
    "bundle_inputs",
    "augment_model_with_bundled_inputs",
    "augment_many_model_functions_with_bundled_inputs",
    "bundle_randn",
    "bundle_large_tensor",
]

MAX_RAW_TENSOR_SIZE = 16


class InflatableArg(NamedTuple):
    """A bundled input in compressed form: `value`, and the code (`fmt`, or a function `fmt_fn`) that inflates it."""

    value: Any
    fmt: str = "{}"
    fmt_fn: str = ""


def bundle_randn(*size: int, dtype=None) -> InflatableArg:
    """An input inflated with torch.randn_like from a stored zero tensor expanded to `size` (one element stored)."""
    from .. import zeros

    stub = zeros(1, dtype=dtype).expand(*size)
    return InflatableArg(value=stub, fmt="torch.randn_like({})")


def bundle_large_tensor(t) -> InflatableArg:
    """Mark a tensor to be bundled whatever its size."""
    return InflatableArg(value=t, fmt="{}")


_WHY_NOT = "jaxtorch has no TorchScript modules"
bundle_inputs = _unsupported.function("torch.utils.bundled_inputs.bundle_inputs", _WHY_NOT)
augment_model_with_bundled_inputs = _unsupported.function(
    "torch.utils.bundled_inputs.augment_model_with_bundled_inputs", _WHY_NOT
)
augment_many_model_functions_with_bundled_inputs = _unsupported.function(
    "torch.utils.bundled_inputs.augment_many_model_functions_with_bundled_inputs", _WHY_NOT
)
