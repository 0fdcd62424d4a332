"""torch.utils: data loading (`data`), pytrees (`_pytree`), hook handles (`hooks`), `model_zoo`, `checkpoint`."""

from . import data  # noqa: F401
from . import _pytree, hooks, model_zoo  # noqa: F401
from . import checkpoint  # noqa: F401
from . import backcompat, collect_env, deterministic  # noqa: E402,F401
from .backend_registration import generate_methods_for_privateuse1_backend, rename_privateuse1_backend  # noqa: E402,F401
from .cpp_backtrace import get_cpp_backtrace  # noqa: E402,F401
from .throughput_benchmark import ThroughputBenchmark  # noqa: E402,F401


def set_module(obj, mod: str) -> None:
    """Set `obj.__module__` (for nicer printing)."""
    if not isinstance(mod, str):
        raise TypeError("The mod argument should be a string")
    obj.__module__ = mod
