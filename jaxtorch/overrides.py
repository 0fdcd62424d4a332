"""torch.overrides: the `__torch_function__` protocol's Python helpers.

What works as in torch: `handle_torch_function` / `wrap_torch_function` / `has_torch_function*` implement the
protocol for *tensor-likes* (objects that are not jaxtorch Tensors but define `__torch_function__`): a Python
function that checks `has_torch_function(args)` and calls `handle_torch_function(...)` hands its call to their
`__torch_function__`, in torch's order (subclasses before their bases, left to right). `get_overridable_functions`,
`get_ignored_functions`, `get_testing_overrides` and `resolve_name` describe jaxtorch's own functions, under
their torch names.

What does not: jaxtorch's ops do not consult `__torch_function__`. A jaxtorch Tensor subclass that overrides it is
never called back by `torch.add(...)`, so `has_torch_function*` report False for every jaxtorch Tensor, and entering a
`TorchFunctionMode` raises NotImplementedError (a mode that silently saw no calls would be worse).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import threading
import types
import warnings
from collections.abc import Callable, Iterable
from typing import Any

__all__ = [
    "get_ignored_functions",
    "get_overridable_functions",
    "get_testing_overrides",
    "handle_torch_function",
    "has_torch_function",
    "resolve_name",
    "is_tensor_like",
    "is_tensor_method_or_property",
    "wrap_torch_function",
    "enable_reentrant_dispatch",
    "redispatch_function",
]

_local = threading.local()  # .skip: redispatch_function's one-call bypass


def _tensor_type() -> type:
    from ._tensor import Tensor

    return Tensor


def _dispatches(arg: Any) -> bool:
    """Whether `arg` takes part in __torch_function__ dispatch: a non-Tensor that defines it (not disabled)."""
    if isinstance(arg, _tensor_type()):
        return False
    impl = getattr(type(arg), "__torch_function__", None)
    return impl is not None and getattr(impl, "__name__", "") != "_disabled_torch_function_impl"


def _skipping() -> bool:
    return getattr(_local, "skip", False)


def has_torch_function(relevant_args: Iterable[Any]) -> bool:
    """True when any of `relevant_args` (a tuple or list) is a tensor-like that overrides __torch_function__."""
    if not isinstance(relevant_args, (tuple, list)):
        raise TypeError("expected a sequence")
    if _skipping():
        return False
    return any(_dispatches(a) for a in relevant_args)


def has_torch_function_unary(obj: Any) -> bool:
    """has_torch_function((obj,)), faster."""
    return not _skipping() and _dispatches(obj)


def has_torch_function_variadic(*args: Any) -> bool:
    """has_torch_function(args), taking the arguments directly."""
    return not _skipping() and any(_dispatches(a) for a in args)


def _overloaded_args(relevant_args: Iterable[Any]) -> list:
    """The dispatching arguments, one per type, each subclass placed before its first base class."""
    seen: set = set()
    ordered: list = []
    for arg in relevant_args:
        t = type(arg)
        if t in seen or not _dispatches(arg):
            continue
        seen.add(t)
        at = next((i for i, old in enumerate(ordered) if issubclass(t, type(old))), len(ordered))
        ordered.insert(at, arg)
    return ordered


def _func_name(func: Callable) -> str:
    return resolve_name(func) or f"{getattr(func, '__module__', None)}.{getattr(func, '__name__', func)}"


def handle_torch_function(public_api: Callable, relevant_args: Iterable[Any], *args: Any, **kwargs: Any) -> Any:
    """Call the `__torch_function__` of the tensor-likes in `relevant_args` until one does not return
    NotImplemented; TypeError if all do."""
    overloaded = _overloaded_args(relevant_args)
    types_ = tuple(type(a) for a in overloaded)
    for arg in overloaded:
        result = arg.__torch_function__(public_api, types_, args, kwargs)
        if result is not NotImplemented:
            return result
    raise TypeError(
        f"no implementation found for '{_func_name(public_api)}' on types that implement "
        f"__torch_function__: {[type(a) for a in overloaded]}"
    )


def wrap_torch_function(dispatcher: Callable[..., Iterable[Any]]) -> Callable[[Callable], Callable]:
    """Decorator: make a function dispatch to tensor-likes found by `dispatcher(*args, **kwargs)`."""

    def inner(func: Callable) -> Callable:
        @functools.wraps(func)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            relevant = dispatcher(*args, **kwargs)
            if has_torch_function(relevant):
                return handle_torch_function(wrapped, relevant, *args, **kwargs)
            return func(*args, **kwargs)

        return wrapped

    return inner


def redispatch_function(func: Callable, types: tuple, args: tuple, kwargs: dict | None) -> Any:
    """Call `func` skipping one level of __torch_function__ dispatch (its own has_torch_function check)."""
    prev = _skipping()
    _local.skip = True
    try:
        return func(*args, **(kwargs or {}))
    finally:
        _local.skip = prev


def is_tensor_like(inp: Any) -> bool:
    """True for jaxtorch Tensors and for any object whose type defines __torch_function__."""
    return isinstance(inp, _tensor_type()) or hasattr(inp, "__torch_function__")


@contextlib.contextmanager
def enable_reentrant_dispatch():
    """Accepted for compatibility; jaxtorch keeps no dispatch state that re-entry would need to restore."""
    yield


# --------------------------------------------------------------------------------------------------------------
# modes: importable and subclassable; entering one is refused because jaxtorch's ops would never call it

_MODE_WHY = (
    "jaxtorch's ops do not dispatch __torch_function__, so a mode would never see torch calls; "
    "wrap the functions you want to intercept instead"
)


class TorchFunctionMode:
    """Base class of __torch_function__ modes. Entering one (`with Mode():`) raises NotImplementedError in
    jaxtorch: its ops do not dispatch to modes."""

    inner: TorchFunctionMode

    def __init__(self) -> None:
        pass

    def __torch_function__(self, func, types, args=(), kwargs=None):
        raise NotImplementedError

    def __enter__(self):
        from ._unsupported import message

        raise NotImplementedError(
            message(f"entering torch.overrides.TorchFunctionMode ({type(self).__name__})", _MODE_WHY)
        )

    def __exit__(self, exc_type, exc_val, exc_tb) -> None:
        pass

    @classmethod
    def push(cls, *args, **kwargs):
        warnings.warn("`Mode.push()` is no longer necessary and can be replaced with just `with Mode()`", stacklevel=2)
        return cls(*args, **kwargs)


class BaseTorchFunctionMode(TorchFunctionMode):
    def __torch_function__(self, func, types, args=(), kwargs=None):
        return func(*args, **(kwargs or {}))


def _get_current_function_mode() -> TorchFunctionMode | None:
    return None  # no mode can be active


def _get_current_function_mode_stack() -> list:
    return []


def _is_torch_function_mode_enabled() -> bool:
    return False


# --------------------------------------------------------------------------------------------------------------
# the catalogue of jaxtorch functions, under their torch names

# torch names that torch.overrides reports as not overridable (factories, global state, ...): facts about the API
_IGNORED = """
arange are_deterministic_algorithms_enabled as_strided as_tensor asarray bartlett_window blackman_window can_cast
clear_autocast_cache compile cond device dtype empty empty_permuted empty_strided enable_grad eye fill finfo
from_file from_numpy frombuffer full get_autocast_cpu_dtype get_autocast_dtype get_autocast_gpu_dtype
get_default_device get_default_dtype get_deterministic_debug_mode get_device_module get_float32_matmul_precision
get_num_interop_threads get_num_threads get_rng_state hamming_window hann_window iinfo inference_mode
init_num_threads initial_seed is_anomaly_check_nan_enabled is_anomaly_enabled is_autocast_cache_enabled
is_autocast_cpu_enabled is_autocast_enabled is_deterministic_algorithms_warn_only_enabled is_grad_enabled
is_inference_mode_enabled is_storage is_tensor is_warn_always_enabled kaiser_window layout linspace load logspace
manual_seed memory_format no_grad normal ones promote_types qscheme rand rand_like randint randint_like randn
randn_like randperm range result_type save scalar_tensor seed set_anomaly_enabled set_autocast_cache_enabled
set_autocast_cpu_dtype set_autocast_cpu_enabled set_autocast_dtype set_autocast_enabled set_autocast_gpu_dtype
set_default_device set_default_tensor_type set_deterministic_debug_mode set_float32_matmul_precision
set_flush_denormal set_grad_enabled set_num_interop_threads set_num_threads set_printoptions set_rng_state
set_warn_always sparse_bsc_tensor sparse_bsr_tensor sparse_compressed_tensor sparse_coo_tensor sparse_csc_tensor
sparse_csr_tensor sym_constrain_range sym_constrain_range_for_size tensor tril_indices triu_indices typename
use_deterministic_algorithms vander vmap wait zeros autocast_decrement_nesting autocast_increment_nesting
empty_quantized fork get_autocast_ipu_dtype get_autocast_xla_dtype import_ir_module import_ir_module_from_buffer
is_autocast_ipu_enabled is_autocast_xla_enabled is_vulkan_available merge_type_from_type_comment miopen_ctc_loss
parse_ir parse_schema parse_type_comment set_autocast_ipu_dtype set_autocast_ipu_enabled set_autocast_xla_dtype
set_autocast_xla_enabled sym_fresh_size thread_safe_generator unify_type_list
fft.fftfreq fft.rfftfreq functional.broadcast_shapes
nn.functional.hardsigmoid nn.functional.hardswish nn.functional.sigmoid nn.functional.tanh nn.functional.upsample
nn.functional.upsample_bilinear nn.functional.upsample_nearest nn.functional.has_torch_function
nn.functional.has_torch_function_unary nn.functional.has_torch_function_variadic nn.functional.handle_torch_function
nn.functional.assert_int_or_pair nn.functional.boolean_dispatch nn.functional.grouped_mm
nn.functional.scaled_grouped_mm nn.functional.scaled_mm
nn.init.calculate_gain nn.init.constant nn.init.dirac nn.init.eye nn.init.kaiming_normal nn.init.kaiming_uniform
nn.init.normal nn.init.orthogonal nn.init.sparse nn.init.uniform nn.init.xavier_normal nn.init.xavier_uniform
Tensor.__class__ Tensor.__delitem__ Tensor.__dir__ Tensor.__hash__ Tensor.__init_subclass__ Tensor.__iter__
Tensor.__new__ Tensor.__subclasshook__ Tensor.as_subclass Tensor.new Tensor.new_empty Tensor.new_empty_strided
Tensor.new_full Tensor.new_ones Tensor.new_tensor Tensor.new_zeros Tensor.stride Tensor.to_padded_tensor
Tensor.to_sparse_bsc Tensor.to_sparse_bsr Tensor.to_sparse_coo Tensor.to_sparse_csc Tensor.to_sparse_csr
Tensor.unflatten Tensor.eig Tensor.lstsq Tensor.reinforce Tensor.solve Tensor.symeig
""".split()

# object's own slots are never overridable, whatever class shows them
_OBJECT_SLOTS = {
    "__delattr__",
    "__getattribute__",
    "__init__",
    "__setattr__",
    "__class__",
    "__init_subclass__",
    "__subclasshook__",
    "__new__",
    "__dir__",
    "__hash__",
    "__reduce__",
    "__reduce_ex__",
    "__sizeof__",
    "__format__",
    "__getstate__",
    "__eq__",
    "__ne__",
    "__repr__",
    "__str__",
}


def _lookup(dotted: str):
    """The jaxtorch object for a torch name relative to `torch` ('nn.functional.relu'), or None."""
    import importlib

    head, _, leaf = dotted.rpartition(".")
    if head == "Tensor":
        return inspect.getattr_static(_tensor_type(), leaf, None)
    try:
        ns = importlib.import_module("jaxtorch" + ("." + head if head else ""))
    except ImportError:
        return None
    return ns.__dict__.get(leaf)


def _as_callable(obj):
    return obj.__get__ if isinstance(obj, property) else obj


@functools.lru_cache(maxsize=None)
def _catalogue() -> tuple[dict, dict]:
    """({namespace: [overridable functions]}, {function: torch name}) for jaxtorch's public namespaces."""
    import jaxtorch

    from . import fft, functional, linalg, special
    from .nn import functional as nn_functional

    # ids of the objects as stored in their namespaces (alive as long as those are; a property's bound __get__
    # is a fresh object on every access, so it is compared through its property)
    ignored = {id(o) for o in map(_lookup, _IGNORED) if o is not None}
    overridable: dict = {}
    names: dict = {}
    # torch.functional first: torch names `torch.einsum` (the same object) 'torch.functional.einsum'
    spaces = [
        (functional, "torch.functional"),
        (jaxtorch, "torch"),
        (nn_functional, "torch.nn.functional"),
        (linalg, "torch.linalg"),
        (fft, "torch.fft"),
        (special, "torch.special"),
    ]
    for ns, prefix in spaces:
        funcs = []
        for name, obj in sorted(vars(ns).items()):
            if name.startswith("_") or isinstance(obj, (type, types.ModuleType)) or not callable(obj):
                continue
            with contextlib.suppress(TypeError):  # an unhashable callable cannot be looked up by resolve_name
                names.setdefault(obj, f"{prefix}.{name}")
            if id(obj) not in ignored:
                funcs.append(obj)
        overridable[ns] = funcs
    tensor = _tensor_type()
    funcs = []
    # plain names first, so a function that is both `add` and `__add__` is named `add`
    for name in sorted(dir(tensor), key=lambda n: (n.startswith("__"), n)):
        if name in _OBJECT_SLOTS or (name.startswith("_") and not name.startswith("__")):
            continue
        raw = inspect.getattr_static(tensor, name, None)
        if not (isinstance(raw, property) or inspect.isfunction(raw)):
            continue
        fn = raw.__get__ if isinstance(raw, property) else raw
        names.setdefault(fn, f"torch.Tensor.{name}" + (".__get__" if isinstance(raw, property) else ""))
        if id(raw) not in ignored:
            funcs.append(fn)
    overridable[tensor] = funcs
    return overridable, names


@functools.lru_cache(maxsize=None)
def get_ignored_functions() -> set[Callable]:
    """jaxtorch's functions that torch says cannot be overridden with __torch_function__ (factories, global state)."""
    return {_as_callable(o) for o in map(_lookup, _IGNORED) if o is not None}


def get_overridable_functions() -> dict[Any, list[Callable]]:
    """{namespace: [functions]}: jaxtorch's public functions (torch, torch.functional, torch.nn.functional,
    torch.linalg, torch.fft, torch.special, Tensor methods and properties) less the ignored ones."""
    return {ns: list(fs) for ns, fs in _catalogue()[0].items()}


def resolve_name(f: Callable) -> str | None:
    """The torch name of a jaxtorch function ('torch.add', 'torch.Tensor.add'), or None if it is not one."""
    try:
        return _catalogue()[1].get(f)
    except TypeError:  # unhashable
        return None


def get_tensor_methods() -> set[Callable]:
    return set(_catalogue()[0][_tensor_type()])


def is_tensor_method_or_property(func: Callable) -> bool:
    """True for jaxtorch Tensor methods and property getters."""
    return func in get_tensor_methods() or getattr(func, "__name__", None) == "__get__"


def get_testing_overrides() -> dict[Callable, Callable]:
    """{function: dummy}: a stand-in returning -1 for every overridable function, with the function's signature."""
    out = {}
    for funcs in _catalogue()[0].values():
        for fn in funcs:

            def dummy(*args, **kwargs):
                return -1

            with contextlib.suppress(TypeError, ValueError):
                dummy.__signature__ = inspect.signature(fn)
            out[fn] = dummy
    return out
