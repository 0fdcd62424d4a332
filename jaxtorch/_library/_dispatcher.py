"""The operator table behind torch.library and torch.ops: one entry per operator overload, and its dispatch.

torch dispatches an operator through keys in C++ (Autograd, ADInplaceOrView, CPU/CUDA, ...). jaxtorch has one
Python function that takes the same decisions in the same order:

1. autocast: if a rule was registered for the device type and autocast is on, floating inputs are cast;
2. autograd: an op with an autograd formula (register_autograd, or any custom_op) runs through
   `autograd.autograd_call` (one tape node whose backward is the user's); a kernel registered to the
   `Autograd` key runs as it is; a `CompositeImplicitAutograd` kernel decomposes into jaxtorch ops (the tape
   records them); an op with neither warns as torch does when its inputs require grad, and its kernel runs
   with grad recording on (torch's deprecated "autograd not implemented" fallback);
3. backend: the kernel for the inputs' device type (`CPU`, `CUDA`, ...), else `CompositeExplicitAutograd`,
   else `CompositeImplicitAutograd`, runs with grad recording off (see `_trace.run_kernel` for how it runs
   under a JAX trace); arguments declared mutable (`Tensor(a!)`) get their version counters bumped.
"""

from __future__ import annotations

import warnings

from .._tensor import Tensor
from ..autograd import grad_mode as _gm
from . import _schema

# torch's device type -> backend dispatch key (torch._C._dispatch_key_for_device)
_DEVICE_KEYS = {
    "cpu": "CPU",
    "cuda": "CUDA",
    "xla": "XLA",
    "tpu": "XLA",
    "meta": "Meta",
    "mps": "MPS",
    "xpu": "XPU",
    "hpu": "HPU",
    "ipu": "IPU",
    "mtia": "MTIA",
    "maia": "MAIA",
    "lazy": "Lazy",
    "hip": "HIP",
    "ve": "VE",
    "vulkan": "Vulkan",
    "mkldnn": "MkldnnCPU",
    "privateuseone": "PrivateUse1",
    "fpga": "FPGA",
    "ideep": "IDEEP",
    "opengl": "OpenGL",
    "opencl": "OpenCL",
}
_TORCH_DEVICE_TYPES = (
    "cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, hip, ve, fpga, maia, xla, lazy, vulkan, "
    "mps, meta, hpu, mtia, privateuseone"
)
CEA, CIA = "CompositeExplicitAutograd", "CompositeImplicitAutograd"
# every key torch.library accepts in Library.impl / torch.library.impl
DISPATCH_KEYS = frozenset(
    set(_DEVICE_KEYS.values())
    | {
        CEA,
        CIA,
        "Autograd",
        "AutogradCPU",
        "AutogradCUDA",
        "AutogradXLA",
        "AutogradMPS",
        "AutogradXPU",
        "AutogradMeta",
        "AutogradOther",
        "AutogradPrivateUse1",
        "CompositeExplicitAutogradNonFunctional",
        "BackendSelect",
        "Python",
        "Functionalize",
        "ADInplaceOrView",
        "AutocastCPU",
        "AutocastCUDA",
        "AutocastXPU",
        "AutocastMPS",
        "FuncTorchBatched",
        "FuncTorchDynamicLayerFrontMode",
        "FuncTorchDynamicLayerBackMode",
        "Conjugate",
        "Negative",
        "ZeroTensor",
        "Tracer",
        "PythonDispatcher",
        "PythonTLSSnapshot",
        "Undefined",
        "Dense",
        "SparseCPU",
        "SparseCUDA",
        "QuantizedCPU",
        "QuantizedCUDA",
        "NestedTensorCPU",
        "NestedTensorCUDA",
        "CatchAll",
    }
)


def dispatch_key_for_device(device_type: str) -> str:
    """torch._C._dispatch_key_for_device: 'cpu' -> 'CPU' (RuntimeError for unknown device types, as torch)."""
    key = _DEVICE_KEYS.get(device_type)
    if key is None:
        raise RuntimeError(
            f"Expected one of {_TORCH_DEVICE_TYPES} device type at start of device string: {device_type}"
        )
    return key


class OperatorEntry:
    """One operator overload: its schema (None until defined), and what was registered for it: kernels per
    dispatch key, fake impls, autograd formulas, autocast rules. Registrations may come before the definition
    and outlive it (they belong to the Library that made them, as in torch)."""

    def __init__(self, ns: str, name: str, overload: str) -> None:
        self.ns, self.name, self.overload = ns, name, overload
        self.schema = None
        self.tags: tuple = ()
        self.where = ""
        self.kernels: dict = {}  # dispatch key -> [fn, ...] (the last registered one runs)
        self.fakes: list = []  # registered fake impls (the last one is used)
        self.autograds: list = []  # (backward, setup_context) from register_autograd / custom_op
        self.autocast: dict = {}  # device type -> dtype (register_autocast)
        self.opdef = None  # the CustomOpDef when made by torch.library.custom_op

    @property
    def qualname(self) -> str:
        return f"{self.ns}::{self.name}" + (f".{self.overload}" if self.overload else "")

    def kernel(self, key: str):
        fns = self.kernels.get(key)
        return fns[-1] if fns else None

    @property
    def fake(self):
        if self.fakes:
            return self.fakes[-1]
        return self.kernel("Meta")

    @property
    def autograd(self):
        return self.autograds[-1] if self.autograds else None

    def add(self, where: list, value):
        """Append a registration; returns the function that removes it again."""
        where.append(value)

        def undo():
            for i in range(len(where) - 1, -1, -1):
                if where[i] is value:
                    del where[i]
                    return

        return undo

    def add_kernel(self, key: str, fn):
        return self.add(self.kernels.setdefault(key, []), fn)

    def __call__(self, *args, **kwargs):
        values, _ = self.schema.bind(args, kwargs)
        return dispatch(self, values)


_TABLE: dict = {}  # "ns::name" or "ns::name.overload" -> OperatorEntry (defined or not)
_PACKETS: dict = {}  # "ns::name" -> overload names of the defined overloads, in definition order


def entry_for(qualname: str) -> OperatorEntry:
    """The entry for 'ns::name[.overload]', created (undefined) if new."""
    if qualname.endswith(".default"):
        qualname = qualname[: -len(".default")]
    e = _TABLE.get(qualname)
    if e is None:
        ns, _, rest = qualname.partition("::")
        name, _, overload = rest.partition(".")
        e = _TABLE[qualname] = OperatorEntry(ns, name, overload)
    return e


def find(qualname: str) -> OperatorEntry | None:
    """The defined entry for 'ns::name' / 'ns::name.overload' ('.default' names the overload with no name)."""
    if qualname.endswith(".default"):
        qualname = qualname[: -len(".default")]
    e = _TABLE.get(qualname)
    return e if e is not None and e.schema is not None else None


def overloads(ns: str, name: str) -> list:
    return list(_PACKETS.get(f"{ns}::{name}", ()))


def namespaces() -> set:
    return {k.split("::")[0] for k in _PACKETS}


def define(ns: str, schema_text: str, tags=(), where: str = "") -> OperatorEntry:
    schema = _schema.parse_schema(schema_text)
    if "::" in schema.name:
        op_ns, _, name = schema.name.partition("::")
        if op_ns != ns:
            raise RuntimeError(
                f"Explicitly provided namespace ({op_ns}) in schema string does not match namespace of "
                f"enclosing library ({ns})"
            )
    else:
        name = schema.name
    _schema.parse_name(f"{ns}::{name}")  # the namespace must be an identifier too
    schema.name = f"{ns}::{name}"
    entry = entry_for(schema.name + (f".{schema.overload_name}" if schema.overload_name else ""))
    if entry.schema is not None:
        raise RuntimeError(
            f"Tried to register an operator ({schema}) with the same name and overload name multiple "
            f"times. Each overload's schema should only be registered with a single call to def(). "
            f"Duplicate registration: {where}. Original registration: {entry.where}"
        )
    entry.schema, entry.tags, entry.where = schema, tuple(tags), where
    _PACKETS.setdefault(f"{ns}::{name}", []).append(schema.overload_name or "default")
    return entry


def undefine(entry: OperatorEntry) -> None:
    if entry.schema is None:
        return
    entry.schema = None
    entry.opdef = None
    entry.__dict__.pop("_generated", None)
    key = f"{entry.ns}::{entry.name}"
    packet = _PACKETS.get(key, [])
    ov = entry.overload or "default"
    if ov in packet:
        packet.remove(ov)
    if not packet:
        _PACKETS.pop(key, None)


# ---------------------------------------------------------------------------------------------
# dispatch


def tensors_in(values) -> list:
    """Every Tensor among the argument values (lists of tensors included), in order."""
    out = []
    for v in values:
        if isinstance(v, Tensor):
            out.append(v)
        elif isinstance(v, (list, tuple)):
            out.extend(x for x in v if isinstance(x, Tensor))
    return out


def device_type(entry: OperatorEntry, values) -> str:
    for t in tensors_in(values):
        return t.device.type
    from .._device import device

    for a, v in zip(entry.schema.arguments, values):
        if a.type.base == "Device" and isinstance(v, device):
            return v.type
    return "cpu"


def _requires_grad(values) -> bool:
    return any(t._requires_grad for t in tensors_in(values))


def dispatch(entry: OperatorEntry, values: list):
    if entry.autocast:
        from .. import _autocast as _ac

        dev = device_type(entry, values)
        dtype = entry.autocast.get(dev)
        if dtype is not None and _ac.is_enabled(dev):
            values = _autocast_cast(entry, values, dtype)
            _ac.set_enabled(dev, False)  # the op itself runs with autocast off (torch excludes the key)
            try:
                return _dispatch(entry, values)
            finally:
                _ac.set_enabled(dev, True)
    return _dispatch(entry, values)


def _dispatch(entry: OperatorEntry, values: list):
    dev = device_type(entry, values)
    key = _DEVICE_KEYS.get(dev, "CPU")
    if entry.autograd is not None:
        from .autograd import autograd_call

        return autograd_call(entry, values)
    user_autograd = entry.kernel("Autograd" + key) or entry.kernel("Autograd")
    if user_autograd is not None and not _is_fallthrough(user_autograd):
        args, kwargs = entry.schema.kernel_call(values)
        return user_autograd(*args, **kwargs)
    cia = entry.kernel(CIA)
    if cia is not None and entry.kernel(key) is None and entry.kernel(CEA) is None:
        args, kwargs = entry.schema.kernel_call(values)
        return cia(*args, **kwargs)  # a composite: the tape records the jaxtorch ops it runs
    if _gm.state.enabled and user_autograd is None and _requires_grad(values):
        warnings.warn(
            f"{entry.ns}::{entry.name}: an autograd kernel was not registered to the Autograd key(s) but we are "
            "trying to backprop through it. This may lead to silently incorrect behavior. This behavior is "
            "deprecated and will be removed in a future version of PyTorch. If your operator is differentiable, "
            "please ensure you have registered an autograd kernel to the correct Autograd key (e.g. "
            "DispatchKey::Autograd, DispatchKey::CompositeImplicitAutograd). If your operator is not "
            "differentiable, or to squash this warning and use the previous behavior, please register "
            "torch::CppFunction::makeFallthrough() to DispatchKey::Autograd.",
            UserWarning,
            stacklevel=3,
        )
        return run_backend(entry, values, grad=True)
    return run_backend(entry, values)


def _is_fallthrough(fn) -> bool:
    return getattr(fn, "_jaxtorch_fallthrough", False)


def backend_kernel(entry: OperatorEntry, dev: str):
    key = _DEVICE_KEYS.get(dev, "CPU")
    for k in (key, CEA, CIA):
        fn = entry.kernel(k)
        if fn is not None and not _is_fallthrough(fn):
            return fn
    registered = sorted(k for k, fns in entry.kernels.items() if fns)
    raise NotImplementedError(
        f"Could not run '{entry.ns}::{entry.name}' with arguments from the '{key}' backend. This could be because "
        f"the operator doesn't exist for this backend, or was omitted during the selective/custom build process (if "
        f"using custom build). '{entry.ns}::{entry.name}' is only available for these backends: {registered}."
    )


def run_backend(entry: OperatorEntry, values: list, grad: bool = False):
    """Run the backend kernel (below autograd): grad recording off unless `grad`; versions of mutated
    arguments bumped afterwards (torch's ADInplaceOrView)."""
    from ._trace import run_kernel

    fn = backend_kernel(entry, device_type(entry, values))
    out = run_kernel(entry, fn, values, grad)
    for t in mutated_tensors(entry, values):
        t._bump()
    return out


def mutated_tensors(entry: OperatorEntry, values) -> list:
    out = []
    for a, v in zip(entry.schema.arguments, values):
        if a.alias_info is not None and a.alias_info.is_write:
            out.extend(tensors_in([v]))
    return out


def _autocast_cast(entry: OperatorEntry, values: list, dtype) -> list:
    from .. import _dtype

    def cast(v):
        if isinstance(v, Tensor) and v.is_floating_point() and v.dtype is not _dtype.float64:
            return v.to(dtype)
        if isinstance(v, (list, tuple)):
            return type(v)(cast(x) for x in v)
        return v

    return [cast(v) for v in values]
