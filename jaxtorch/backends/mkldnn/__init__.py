"""torch.backends.mkldnn: oneDNN (formerly MKL-DNN) as torch exposes it.

jaxtorch's ops are XLA programs and never call oneDNN themselves, so `is_available()` is False (XLA:CPU may still
use oneDNN inside some compiled kernels, depending on the jaxlib build and XLA flags; that is not something torch's
switches control). The flags `enabled`, `deterministic`, `allow_tf32` and the fp32_precision settings are recorded
and read back only; `flags()` / `set_flags()` behave as torch's. `verbose(VERBOSE_ON)` raises NotImplementedError.
"""

from __future__ import annotations

import contextlib

from ... import _shim, _unsupported
from .. import ContextProp, _allow_nonbracketed_mutation, _FP32Precision, _give_props, _precisions

__all__ = [
    "is_available",
    "is_acl_available",
    "verbose",
    "flags",
    "set_flags",
    "VERBOSE_OFF",
    "VERBOSE_ON",
    "VERBOSE_ON_CREATION",
]

VERBOSE_OFF = 0
VERBOSE_ON = 1
VERBOSE_ON_CREATION = 2

# torch's defaults; allow_tf32 reads None until set (torch reports it through the fp32_precision settings now)
_state = {"enabled": True, "deterministic": False, "allow_tf32": None}


def is_available() -> bool:
    """Whether jaxtorch runs ops through oneDNN: never (see the module docstring)."""
    return False


def is_acl_available() -> bool:
    return False


class verbose:
    """`with torch.backends.mkldnn.verbose(level):` oneDNN's verbose logging for the block. VERBOSE_OFF does nothing;
    any other level raises NotImplementedError."""

    def __init__(self, level: int) -> None:
        self.level = level

    def __enter__(self):
        if self.level == VERBOSE_OFF:
            return None
        raise NotImplementedError(
            _unsupported.message("torch.backends.mkldnn.verbose", "jaxtorch does not run ops through oneDNN")
        )

    def __exit__(self, exc_type, exc_val, exc_tb) -> bool:
        return False


def set_flags(_enabled=None, _deterministic=None, _allow_tf32=None, _fp32_precision="none") -> tuple:
    orig_flags = (_state["enabled"], _state["deterministic"], _state["allow_tf32"], _precisions.get("mkldnn", "all"))
    if _enabled is not None:
        _state["enabled"] = _enabled
    if _deterministic is not None:
        _state["deterministic"] = _deterministic
    if _allow_tf32 is not None:
        _state["allow_tf32"] = _allow_tf32
    if _fp32_precision is not None:
        _precisions.set("mkldnn", "all", _fp32_precision)
    return orig_flags


@contextlib.contextmanager
def flags(enabled=False, deterministic=False, allow_tf32=True, fp32_precision="none"):
    with _allow_nonbracketed_mutation():
        orig_flags = set_flags(enabled, deterministic, allow_tf32, fp32_precision)
    try:
        yield
    finally:
        with _allow_nonbracketed_mutation():
            set_flags(*orig_flags)


def _flag(name: str) -> ContextProp:
    def setter(value) -> None:
        _state[name] = value

    return ContextProp(lambda: _state[name], setter)


def _set_all_precisions(value: str) -> None:
    # as in torch, assigning mkldnn.fp32_precision sets the generic setting and mkldnn's own
    _precisions.set("generic", "all", value)
    _precisions.set("mkldnn", "all", value)


matmul = _FP32Precision("mkldnn", "matmul")
conv = _FP32Precision("mkldnn", "conv")
rnn = _FP32Precision("mkldnn", "rnn")

__getattr__ = _shim._make_getattr(__name__)

_give_props(
    __name__,
    "MkldnnModule",
    {
        "enabled": _flag("enabled"),
        "deterministic": _flag("deterministic"),
        "allow_tf32": _flag("allow_tf32"),
        "fp32_precision": ContextProp(lambda: _precisions.get("mkldnn", "all"), _set_all_precisions),
    },
)
