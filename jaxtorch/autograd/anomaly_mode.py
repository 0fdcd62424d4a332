"""Autograd anomaly detection: with it on, a backward node whose gradient holds NaN raises, naming the
node (torch's message), and each recorded node keeps the stack of the forward call that made it.

Off by default; the backward engine reads the flag once per backward pass, so it costs nothing then.
"""

from __future__ import annotations

import functools
import os
import traceback
import warnings


class _State:
    enabled = False
    check_nan = True


state = _State()


def is_anomaly_enabled() -> bool:
    return state.enabled


def is_anomaly_check_nan_enabled() -> bool:
    return state.check_nan


def set_anomaly_enabled(enabled: bool, check_nan: bool = True) -> None:
    state.enabled = bool(enabled)
    state.check_nan = bool(check_nan)


class detect_anomaly:
    """Context manager / decorator turning anomaly detection on (torch.autograd.detect_anomaly)."""

    def __init__(self, check_nan: bool = True) -> None:
        self.prev = state.enabled
        self.check_nan = check_nan
        self.prev_check_nan = state.check_nan
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime and should only be "
                      "enabled for debugging.", stacklevel=2)

    def __enter__(self) -> None:
        set_anomaly_enabled(True, self.check_nan)

    def __exit__(self, *args: object) -> None:
        set_anomaly_enabled(self.prev, self.prev_check_nan)

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__(self.check_nan):
                return fn(*args, **kwargs)

        return wrapper


class set_detect_anomaly:
    """Turn anomaly detection on or off, as a function or a context manager."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.prev = state.enabled
        self.prev_check_nan = state.check_nan
        set_anomaly_enabled(mode, check_nan)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *args: object) -> None:
        set_anomaly_enabled(self.prev, self.prev_check_nan)


_PKG_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def user_stack() -> list:
    """The current Python stack as formatted lines, without jaxtorch's own frames."""
    frames = [f for f in traceback.extract_stack() if not f.filename.startswith(_PKG_DIR + os.sep)]
    return traceback.format_list(frames)


def check_nan(node, in_cts) -> None:
    """Raise torch's error when a gradient computed by `node` holds NaN (concrete values only: under a
    trace the values are not known)."""
    import jax
    import jax.numpy as jnp
    import numpy as np

    for i, c in enumerate(in_cts):
        if c is None:
            continue
        c = getattr(c, "_data", c)
        if isinstance(c, jax.core.Tracer) or not jnp.issubdtype(c.dtype, jnp.inexact):
            continue
        if bool(np.isnan(np.asarray(c)).any()):
            # torch counts the node's outputs over all forward inputs, not only the differentiable ones
            positions = getattr(node, "diff_pos", None) or getattr(node, "input_pos", None)
            pos = positions[i] if positions else i
            tb = node.metadata.get("traceback_") if isinstance(getattr(node, "metadata", None), dict) else None
            if tb:
                warnings.warn(f"Error detected in {node.name()}. Traceback of forward call that caused the error:\n"
                              + "".join(tb), stacklevel=3)
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {pos}th output.")
