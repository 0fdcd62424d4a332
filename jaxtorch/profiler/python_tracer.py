"""torch.profiler.python_tracer: the path prefixes the profiler strips from Python source file names in traces."""

from __future__ import annotations

import os
import site
import sys


def _prefix_regex() -> list[str]:
    """Install and import roots (site-packages, sys.path, the user base, the package's parent directory), longest
    first, each ending with a path separator."""
    import jaxtorch

    raw_paths = (
        site.getsitepackages()
        + sys.path
        + [site.getuserbase()]
        + [site.getusersitepackages()]
        + [os.path.dirname(os.path.dirname(jaxtorch.__file__))]
    )
    path_prefixes = sorted({os.path.abspath(p) for p in raw_paths}, reverse=True)
    return [p + os.sep for p in path_prefixes]
