"""The op registry and every op family. Importing this package installs all Tensor methods."""

from . import _dispatch, _registry  # noqa: F401
from . import creation, pointwise, shape, reductions, indexing, linalg, random_ops  # noqa: F401
from . import spectral, special_fns, view_variants, misc, control_flow, tensor_info, autograd_surface  # noqa: F401
from . import aliases  # noqa: F401
from ._registry import FUNCTIONS, NAMESPACES, RECORDS  # noqa: F401


def __getattr__(name: str):
    # `torch._ops` is, in torch, the home of the op-overload classes; under the shim this package answers for it
    if name in ("OpOverload", "OpOverloadPacket", "ops"):
        from .. import _ops_ns

        return getattr(_ops_ns, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
