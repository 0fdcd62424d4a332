"""torch.backends.python_native: switches for the operator overrides torch implements in Python DSLs (Triton,
CuTe DSL).

jaxtorch registers no DSL overrides -- every op is an XLA program -- so no DSL is available, each DSL has no
operations, and the switches only record what was disabled (`is_operation_disabled`, `is_dsl_disabled` and the
controllers' `enabled` report it back). The DSL names torch knows are kept so code that addresses
`python_native.triton` works.
"""

from __future__ import annotations

import contextlib

from ... import _shim
from .. import flags_frozen

__all__: list = []

_KNOWN_DSLS = ("cutedsl", "triton")
_disabled_dsls: set = set()
_disabled_ops: set = set()
_disabled_keys: set = set()


def _check_dsl(dsl_name: str) -> None:
    if dsl_name not in _KNOWN_DSLS:
        raise ValueError(f"Unknown DSL: {dsl_name}. Available DSLs: {list(_KNOWN_DSLS)}")


class DSLController:
    """Controller for one DSL's overrides (jaxtorch has none; see the module docstring)."""

    def __init__(self, dsl_name: str) -> None:
        self._dsl_name = dsl_name

    @property
    def name(self) -> str:
        return self._dsl_name

    @property
    def available(self) -> bool:
        return False

    @property
    def version(self):
        return None

    @property
    def enabled(self) -> bool:
        return self._dsl_name not in _disabled_dsls

    @enabled.setter
    def enabled(self, value: bool) -> None:
        if flags_frozen():
            raise RuntimeError(
                f"not allowed to set {self._dsl_name} DSL flags after disable_global_flags; please "
                "use flags() context manager instead"
            )
        if value:
            self.enable()
        else:
            self.disable()

    def disable(self) -> None:
        _disabled_dsls.add(self._dsl_name)

    def enable(self) -> None:
        _disabled_dsls.discard(self._dsl_name)

    @contextlib.contextmanager
    def disabled(self):
        was_enabled = self.enabled
        self.disable()
        try:
            yield
        finally:
            if was_enabled:
                self.enable()

    def __repr__(self) -> str:
        status = "available" if self.available else "unavailable"
        return f"DSLController({self._dsl_name}, {status}, {'enabled' if self.enabled else 'disabled'})"


_controllers = {name: DSLController(name) for name in _KNOWN_DSLS}
triton = _controllers["triton"]
cutedsl = _controllers["cutedsl"]


def get_dsl_operations(dsl_name: str) -> list:
    """The operations a DSL overrides: none in jaxtorch."""
    _check_dsl(dsl_name)
    return []


def disable_operations(*op_symbols: str) -> None:
    _disabled_ops.update(op_symbols)


def enable_operations(*op_symbols: str) -> None:
    _disabled_ops.difference_update(op_symbols)


def disable_dispatch_keys(*dispatch_keys: str) -> None:
    _disabled_keys.update(dispatch_keys)


def enable_dispatch_keys(*dispatch_keys: str) -> None:
    _disabled_keys.difference_update(dispatch_keys)


@contextlib.contextmanager
def operations_disabled(*op_symbols: str):
    """Disable the named operations for the duration of a with-block."""
    newly = [op for op in op_symbols if op not in _disabled_ops]
    disable_operations(*op_symbols)
    try:
        yield
    finally:
        enable_operations(*newly)


def is_operation_disabled(op_symbol: str) -> bool:
    return op_symbol in _disabled_ops


def is_dsl_disabled(dsl_name: str) -> bool:
    return dsl_name in _disabled_dsls


class _ListProp:
    def __init__(self, values) -> None:
        self._values = values

    def __get__(self, obj, objtype=None) -> list:
        return list(self._values)

    def __set__(self, obj, val) -> None:
        raise AttributeError("can't set attribute")


__getattr__ = _shim._make_getattr(__name__)

from .. import _give_props  # noqa: E402

_give_props(__name__, "PythonNativeModule", {"all_dsls": _ListProp(_KNOWN_DSLS), "available_dsls": _ListProp(())})
