"""torch.utils.cpp_backtrace: the C++ stack of the current thread. jaxtorch has no C++ frames of its own (XLA's are
not exposed), so `get_cpp_backtrace` raises NotImplementedError when called; use `traceback` for the Python stack."""

from __future__ import annotations

from .. import _unsupported

__all__ = ["get_cpp_backtrace"]

get_cpp_backtrace = _unsupported.function(
    "torch.utils.cpp_backtrace.get_cpp_backtrace", "jaxtorch has no C++ stack of its own to report"
)
