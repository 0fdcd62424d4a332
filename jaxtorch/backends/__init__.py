"""torch.backends: switches scripts set for CUDA/cuDNN/MPS/oneDNN/... Accepted; most have no effect on XLA (see each
module, whose docstring says which flags are honoured and which are only recorded).

`torch.backends.cuda.matmul.allow_tf32` is the one with an effect: it is tied to
`torch.set_float32_matmul_precision` as in torch (True means 'high', False means 'highest').

Flag modules behave as torch's: a flag is a module attribute that can be read and assigned
(`torch.backends.mkldnn.enabled = False`), `flags(...)` sets several for a with-block, `set_flags` returns the old
values, and after `disable_global_flags()` a bare assignment raises RuntimeError (only `flags()` may change them).
torch replaces such modules in sys.modules by a wrapper object; jaxtorch instead gives the module itself a
ModuleType subclass (`module.__class__ = ...`), so the module object, its spec and the import shim stay the same.
"""

from __future__ import annotations

import contextlib
import sys
import types

from .. import _shim

__all__ = [
    "cpu",
    "cuda",
    "cudnn",
    "cusparselt",
    "kleidiai",
    "mha",
    "miopen",
    "mkl",
    "mkldnn",
    "mps",
    "nnpack",
    "openmp",
    "opt_einsum",
    "python_native",
    "quantized",
    "disable_global_flags",
    "flags_frozen",
    "ContextProp",
    "PropModule",
    "flags",
    "set_flags",
]

_allow_nonbracketed_mutation_flag = True


def disable_global_flags() -> None:
    """From now on flags may only be changed through their module's `flags()` context manager."""
    global _allow_nonbracketed_mutation_flag
    _allow_nonbracketed_mutation_flag = False


def flags_frozen() -> bool:
    return not _allow_nonbracketed_mutation_flag


@contextlib.contextmanager
def _allow_nonbracketed_mutation():
    global _allow_nonbracketed_mutation_flag
    old = _allow_nonbracketed_mutation_flag
    _allow_nonbracketed_mutation_flag = True
    try:
        yield
    finally:
        _allow_nonbracketed_mutation_flag = old


class ContextProp:
    """A module-level flag: reading calls `getter()`, assigning calls `setter(value)` unless flags are frozen."""

    def __init__(self, getter, setter) -> None:
        self.getter = getter
        self.setter = setter

    def __get__(self, obj, objtype=None):
        return self.getter()

    def __set__(self, obj, val) -> None:
        if flags_frozen():
            raise RuntimeError(
                f"not allowed to set {obj.__name__} flags after disable_global_flags; please use "
                "flags() context manager instead"
            )
        self.setter(val)


class PropModule(types.ModuleType):
    """torch's wrapper module type, kept for code that subclasses it. jaxtorch's own flag modules are not wrappers
    (see the module docstring)."""

    def __init__(self, m, name: str) -> None:
        super().__init__(name)
        self.m = m

    def __getattr__(self, attr: str):
        m = self.__dict__.get("m")
        if m is None:
            raise AttributeError(f"module {self.__name__!r} has no attribute {attr!r}")
        return m.__getattribute__(attr)


def _give_props(module_name: str, class_name: str, props: dict) -> None:
    """Make the flag descriptors in `props` attributes of the module `module_name` (see the module docstring)."""
    module = sys.modules[module_name]
    module_type = type(class_name, (types.ModuleType,), {**props, "__module__": module_name})
    module.__class__ = module_type
    setattr(module, class_name, module_type)  # torch's flag modules export their module class too


class _Precisions:
    """The fp32_precision settings torch keeps per (backend, op): one of 'ieee', 'tf32', 'bf16', 'none' ('none' on an
    op means "as its backend says", on a backend "as the generic setting says"). Recorded only: jaxtorch's float32
    matmul precision is `torch.set_float32_matmul_precision`'s (see torch.backends.cuda.matmul.allow_tf32)."""

    VALID = ("ieee", "tf32", "bf16", "none")

    def __init__(self) -> None:
        self._values: dict = {}

    def get(self, backend: str, op: str, default: str = "none") -> str:
        value = self._values.get((backend, op), default)
        if value == "none" and op != "all":
            value = self._values.get((backend, "all"), "none")
        if value == "none" and backend != "generic":
            value = self._values.get(("generic", "all"), "none")
        return value

    def set(self, backend: str, op: str, value: str) -> None:
        if value not in self.VALID:
            raise RuntimeError(f"Unknown precision: {value}")
        self._values[(backend, op)] = value


_precisions = _Precisions()


class _FP32Precision:
    """`torch.backends.<backend>.<op>.fp32_precision` (recorded, see _Precisions)."""

    def __init__(self, backend: str, op: str, default: str = "none") -> None:
        object.__setattr__(self, "backend", backend)
        object.__setattr__(self, "op", op)
        object.__setattr__(self, "_default", default)

    def __setattr__(self, name: str, value) -> None:
        if name != "fp32_precision":
            raise AttributeError("Unknown attribute " + name)
        _precisions.set(self.backend, self.op, value)

    def __getattr__(self, name: str):
        if name != "fp32_precision":
            raise AttributeError("Unknown attribute " + name)
        return _precisions.get(self.backend, self.op, self._default)


def set_flags(_fp32_precision: str | None = "none") -> tuple:
    """Set the generic fp32_precision (recorded, see _Precisions); returns the previous value as a 1-tuple."""
    orig_flags = (_precisions.get("generic", "all"),)
    if _fp32_precision is not None:
        _precisions.set("generic", "all", _fp32_precision)
    return orig_flags


@contextlib.contextmanager
def flags(fp32_precision: str = "none"):
    with _allow_nonbracketed_mutation():
        orig_flags = set_flags(fp32_precision)
    try:
        yield
    finally:
        with _allow_nonbracketed_mutation():
            set_flags(*orig_flags)


from . import (  # noqa: E402,F401
    cpu,
    cuda,
    cudnn,
    cusparselt,
    kleidiai,
    mha,
    miopen,
    mkl,
    mkldnn,
    mps,
    nnpack,
    openmp,
    opt_einsum,
    python_native,
    quantized,
)

__getattr__ = _shim._make_getattr(__name__)

_give_props(
    __name__,
    "GenericModule",
    {
        "fp32_precision": ContextProp(
            lambda: _precisions.get("generic", "all"), lambda value: _precisions.set("generic", "all", value)
        )
    },
)
