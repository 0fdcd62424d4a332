"""The op registry and every op family. Importing this package installs all Tensor methods."""

from . import _dispatch, _registry  # noqa: F401
from . import creation, pointwise, shape, reductions, indexing, linalg, random_ops  # noqa: F401
from . import spectral, special_fns, misc  # noqa: F401
from . import aliases  # noqa: F401
from ._registry import FUNCTIONS, NAMESPACES  # noqa: F401
