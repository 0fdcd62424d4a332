"""torch.utils.benchmark: Timer, Measurement, Compare, Fuzzer (see each module; Timer waits for JAX's queued work
before reading the clock, see utils/timer.py). torch's `examples` and `op_fuzzers` subpackages are not provided."""

from .utils.common import *  # noqa: F403
from .utils.compare import *  # noqa: F403
from .utils.fuzzer import *  # noqa: F403
from .utils.sparse_fuzzer import *  # noqa: F403
from .utils.timer import *  # noqa: F403
from .utils.valgrind_wrapper.timer_interface import *  # noqa: F403
