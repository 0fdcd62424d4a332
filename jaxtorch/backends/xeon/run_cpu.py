"""torch.backends.xeon.run_cpu: torch's launcher that tunes OpenMP / Intel OpenMP / jemalloc / tcmalloc settings and
numactl core binding for processes on Intel Xeon CPUs.

jaxtorch runs on XLA's own thread pool and allocator, which none of those settings reach, so the launcher is not
provided: `main` and `create_args` raise NotImplementedError when called. Bind cores with `numactl`/`taskset`
directly and size XLA's thread pool with XLA_FLAGS instead.
"""

from __future__ import annotations

from ... import _shim, _unsupported

__all__: list = []

_WHY = "it tunes OpenMP/jemalloc settings that XLA's thread pool and allocator do not use"

main = _unsupported.function("torch.backends.xeon.run_cpu.main", _WHY)
create_args = _unsupported.function("torch.backends.xeon.run_cpu.create_args", _WHY)

__getattr__ = _shim._make_getattr(__name__)
