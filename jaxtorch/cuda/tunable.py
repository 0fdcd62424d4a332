"""torch.cuda.tunable: TunableOp, which benchmarks several GEMM kernels and remembers the fastest.

XLA autotunes its GPU kernels itself when it compiles a program (see XLA's `--xla_gpu_autotune_level`), so TunableOp
does not exist in jaxtorch: the queries answer truthfully that it is off (`is_enabled`, `tuning_is_enabled`,
`record_untuned_is_enabled` are False) and switching it off is accepted; switching it on, and every setting, file
or result function, raises NotImplementedError when called.
"""

from __future__ import annotations

from .. import _unsupported

__all__ = [
    "enable",
    "is_enabled",
    "tuning_enable",
    "tuning_is_enabled",
    "record_untuned_enable",
    "record_untuned_is_enabled",
    "set_max_tuning_duration",
    "get_max_tuning_duration",
    "set_max_tuning_iterations",
    "get_max_tuning_iterations",
    "set_filename",
    "get_filename",
    "get_results",
    "get_validators",
    "read_file",
    "tune_gemm_in_file",
    "mgpu_tune_gemm_in_file",
    "set_rotating_buffer_size",
    "get_rotating_buffer_size",
    "set_numerical_check_tolerances",
]

_WHY = "XLA autotunes GPU kernels itself when it compiles (XLA_FLAGS=--xla_gpu_autotune_level)"


def _switch(feature: str):
    def switch(val: bool = True) -> None:
        if val:
            raise NotImplementedError(_unsupported.message(f"torch.cuda.tunable.{feature}(True)", _WHY))

    switch.__name__ = switch.__qualname__ = feature
    switch.__doc__ = f"torch.cuda.tunable.{feature}: False is accepted (TunableOp is never on in jaxtorch)."
    return switch


def _off() -> bool:
    return False


enable = _switch("enable")
tuning_enable = _switch("tuning_enable")
record_untuned_enable = _switch("record_untuned_enable")
is_enabled = tuning_is_enabled = record_untuned_is_enabled = _off

set_max_tuning_duration = _unsupported.function("torch.cuda.tunable.set_max_tuning_duration", _WHY)
get_max_tuning_duration = _unsupported.function("torch.cuda.tunable.get_max_tuning_duration", _WHY)
set_max_tuning_iterations = _unsupported.function("torch.cuda.tunable.set_max_tuning_iterations", _WHY)
get_max_tuning_iterations = _unsupported.function("torch.cuda.tunable.get_max_tuning_iterations", _WHY)
set_filename = _unsupported.function("torch.cuda.tunable.set_filename", _WHY)
get_filename = _unsupported.function("torch.cuda.tunable.get_filename", _WHY)
get_results = _unsupported.function("torch.cuda.tunable.get_results", _WHY)
get_validators = _unsupported.function("torch.cuda.tunable.get_validators", _WHY)
read_file = _unsupported.function("torch.cuda.tunable.read_file", _WHY)
tune_gemm_in_file = _unsupported.function("torch.cuda.tunable.tune_gemm_in_file", _WHY)
mgpu_tune_gemm_in_file = _unsupported.function("torch.cuda.tunable.mgpu_tune_gemm_in_file", _WHY)
set_rotating_buffer_size = _unsupported.function("torch.cuda.tunable.set_rotating_buffer_size", _WHY)
get_rotating_buffer_size = _unsupported.function("torch.cuda.tunable.get_rotating_buffer_size", _WHY)
set_numerical_check_tolerances = _unsupported.function("torch.cuda.tunable.set_numerical_check_tolerances", _WHY)
