"""torch.utils.benchmark.utils.cpp_jit: compiling C++ timing templates against torch's C++ library. jaxtorch has
no C++ library, so these raise NotImplementedError when called."""

from __future__ import annotations

from .... import _unsupported

__all__: list = []

_unsupported.names(
    globals(),
    "torch.utils.benchmark.utils.cpp_jit",
    "jaxtorch has no C++ library to compile against",
    functions=("get_compat_bindings", "compile_timeit_template", "compile_callgrind_template"),
)
