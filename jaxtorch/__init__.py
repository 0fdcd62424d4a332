"""jaxtorch: PyTorch's Python API on JAX. `import jaxtorch as torch`.

jaxtorch turns on JAX's 64-bit types (jax_enable_x64) at import, because torch's int64 indices and
float64 tensors need them; every jaxtorch op passes its dtype explicitly so results keep torch's
dtypes (float32 by default). This setting is process-wide: other JAX code in the same process also
sees 64-bit defaults (e.g. jnp.arange gives int64).
"""

import jax as _jax

_jax.config.update("jax_enable_x64", True)

from . import _compile_cache  # noqa: E402

_compile_cache.setup()  # XLA's persistent compilation cache: jaxtorch/_compile_cache.py

from . import _dtype  # noqa: E402
from ._dtype import (  # noqa: E402,F401
    dtype, get_default_dtype, set_default_dtype, promote_types, can_cast,
    bool_ as bool, uint8, int8, int16, uint16, int32, uint32, int64, uint64, float16, bfloat16, float32, float64,
    complex64, complex128, float8_e4m3fn, float8_e5m2, float8_e4m3fnuz, float8_e5m2fnuz, float8_e8m0fnu,
)
from ._device import device, get_default_device, set_default_device  # noqa: E402,F401
from ._memory_format import (  # noqa: E402,F401
    channels_last, channels_last_3d, contiguous_format, memory_format, preserve_format)
from ._tensor import Tensor, Size, is_tensor  # noqa: E402,F401
from ._tensortype import (  # noqa: E402,F401
    layout, strided, sparse_coo, sparse_csr, sparse_csc, sparse_bsr, sparse_bsc, _mkldnn, jagged)
from ._tensortype import TENSOR_TYPES as _TENSOR_TYPES  # noqa: E402

globals().update(_TENSOR_TYPES)  # torch.FloatTensor, torch.LongTensor, ... (legacy typed-tensor names)
from . import _ops  # noqa: E402
from ._ops._registry import FUNCTIONS as _FUNCTIONS  # noqa: E402
from ._ops.creation import from_jax  # noqa: E402,F401
from .autograd import grad_mode as _grad_mode  # noqa: E402
from .autograd.grad_mode import (  # noqa: E402,F401
    no_grad, enable_grad, set_grad_enabled, inference_mode, is_grad_enabled, is_inference_mode_enabled,
)
from . import autograd  # noqa: E402,F401
from .random import (  # noqa: E402,F401
    Generator, manual_seed, seed, initial_seed, get_rng_state, set_rng_state, default_generator,
)
from ._printing import set_printoptions  # noqa: E402,F401
from . import linalg, special, return_types, fft, signal, masked  # noqa: E402,F401
from ._info import finfo, iinfo  # noqa: E402,F401
from . import nn  # noqa: E402,F401
from . import utils  # noqa: E402,F401
from . import compiler  # noqa: E402,F401
from .compiler import compile  # noqa: E402,F401
from . import func  # noqa: E402,F401
from .func import vmap  # noqa: E402,F401  (torch.vmap is torch.func.vmap)
from . import optim  # noqa: E402,F401
from . import serialization  # noqa: E402,F401
from .serialization import save, load  # noqa: E402,F401
from .storage import UntypedStorage, TypedStorage, is_storage, from_file  # noqa: E402,F401
from .storage import _LEGACY as _LEGACY_STORAGES  # noqa: E402

globals().update(_LEGACY_STORAGES)  # torch.FloatStorage, torch.LongStorage, ... (legacy typed storages)
Storage = _LEGACY_STORAGES["FloatStorage"]
from . import hub  # noqa: E402,F401
from . import distributed  # noqa: E402,F401
from . import amp  # noqa: E402,F401
from .amp import autocast, GradScaler  # noqa: E402,F401
from .amp.autocast_mode import (  # noqa: E402,F401
    is_autocast_enabled, get_autocast_dtype, set_autocast_enabled, set_autocast_dtype, is_autocast_cpu_enabled,
    get_autocast_cpu_dtype, get_autocast_gpu_dtype, is_autocast_cache_enabled, set_autocast_cache_enabled,
    clear_autocast_cache,
)
from . import cuda, backends, accelerator  # noqa: E402,F401
from . import jit, fx, export, onnx, profiler  # noqa: E402,F401  (compiler-tooling namespaces: eager meaning)
from ._device_api import (  # noqa: E402,F401
    set_float32_matmul_precision, get_float32_matmul_precision, set_num_threads, get_num_threads,
    set_num_interop_threads, get_num_interop_threads,
)
from . import _C  # noqa: E402,F401
from ._toplevel import *  # noqa: E402,F401,F403
from ._toplevel import __getattr__ as _toplevel_getattr  # noqa: E402
from . import library  # noqa: E402,F401  (torch.library: custom operators)
from ._ops_ns import ops  # noqa: E402,F401  (torch.ops.<namespace>.<op>)
from ._library.tags import Tag  # noqa: E402,F401
from . import _shim  # noqa: E402
from ._shim import install  # noqa: E402,F401

globals().update(_FUNCTIONS)
from . import distributions  # noqa: E402,F401  (after the op functions: it uses them at import)
from . import (  # noqa: E402,F401  (torch's smaller namespaces; each is cheap to import)
    testing, overrides, multiprocessing, futures, quasirandom, types, functional, cpu, xpu, mps, mtia, sparse, nested,
    ao, quantization, package, monitor,
)

# dtype aliases torch exposes as attributes
float = float32  # noqa: A001
double = float64
half = float16
cfloat = complex64
cdouble = complex128
long = int64
int = int32  # noqa: A001
short = int16
chalf = complex64

from . import version, torch_version  # noqa: E402,F401
from .version import jaxtorch_version as __version__  # noqa: E402  (the shim swaps in the torch-level one)


import builtins as _builtins  # noqa: E402

builtins_bool = _builtins.bool


def typename(obj):
    return obj.type() if isinstance(obj, Tensor) else type(obj).__name__


def compiled_with_cxx11_abi():
    return True


_missing_getattr = _shim._make_getattr(__name__)


def __getattr__(name: str):
    # a few names resolve lazily (they live in modules that import this package); any other `torch.<missing>` names
    # the torch API and says it is not supported yet (AttributeError, so hasattr works)
    try:
        return _toplevel_getattr(name)
    except AttributeError:
        return _missing_getattr(name)
