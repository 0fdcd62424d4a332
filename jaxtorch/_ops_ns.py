"""torch.ops: `torch.ops.<namespace>.<op>[.<overload>]` names operators registered with torch.library.

torch.ops.<ns> is an _OpNamespace, .<op> an OpOverloadPacket (callable: picks the overload whose schema the
call matches), .<op>.<overload> (`.default` for the unnamed one) an OpOverload. jaxtorch defines no built-in
operators here: `torch.ops.aten.*` names are an AttributeError pointing at the torch.* functions, and
`torch.ops.load_library` (C++ extensions) raises NotImplementedError.
"""

from __future__ import annotations

import importlib
import sys
import types

from ._library import _dispatcher

# namespaces of torch's own (C++) operators: jaxtorch implements them as torch.* functions, not as ops here
_BUILTIN_NAMESPACES = frozenset(
    {
        "aten",
        "prim",
        "prims",
        "quantized",
        "_quantized",
        "mkldnn",
        "mkl",
        "onednn",
        "inductor",
        "higher_order",
        "rngprims",
        "debugprims",
        "profiler",
        "_c10d_functional",
        "c10d",
        "_dtensor",
        "torchvision",
        "image",
        "_native",
        "export",
        "debug_mode_ops",
    }
)


class OpOverload:
    """One overload of an operator: torch.ops.<ns>.<op>.<overload>."""

    def __init__(self, overloadpacket: OpOverloadPacket, entry) -> None:
        self._entry = entry
        self._overloadpacket = overloadpacket
        self._namespace = entry.ns
        self._opname = entry.name
        self._overloadname = entry.overload or "default"
        self._name = entry.schema.name + (f".{entry.overload}" if entry.overload else "")
        self.__name__ = f"{entry.name}.{self._overloadname}"
        self.__qualname__ = self._name
        self.__module__ = overloadpacket.__module__

    @property
    def _schema(self):
        return self._entry.schema

    @property
    def _tags(self) -> list:
        return list(self._entry.tags)

    @property
    def namespace(self) -> str:
        return self._namespace

    @property
    def overloadpacket(self) -> OpOverloadPacket:
        return self._overloadpacket

    @property
    def op(self) -> OpOverload:
        return self

    @property
    def tags(self) -> list:
        return self._tags

    def name(self) -> str:
        return self._name

    def __repr__(self) -> str:
        return f"<OpOverload(op='{self._namespace}.{self._opname}', overload='{self._overloadname}')>"

    def __str__(self) -> str:
        return f"{self._namespace}.{self._opname}.{self._overloadname}"

    def __call__(self, *args, **kwargs):
        entry = self._entry
        if _dispatcher.find(entry.qualname) is not entry:
            raise RuntimeError(f"operator {entry.qualname} does not exist (its Library was destroyed)")
        return entry(*args, **kwargs)

    def redispatch(self, keyset, *args, **kwargs):
        raise NotImplementedError(f"{self}.redispatch: jaxtorch has no dispatch key sets; call the op instead")

    def decompose(self, *args, **kwargs):
        fn = self._entry.kernel(_dispatcher.CIA)
        if fn is None:
            return NotImplemented
        return fn(*args, **kwargs)

    def has_kernel_for_dispatch_key(self, k) -> bool:
        return self._entry.kernel(str(k).split(".")[-1]) is not None

    def __hash__(self) -> int:
        return id(self)


class OpOverloadPacket:
    """All overloads of an operator: torch.ops.<ns>.<op>. Calling it runs the overload the arguments match."""

    def __init__(self, qualified_op_name: str, op_name: str, ns: str) -> None:
        self._qualified_op_name = qualified_op_name
        self.__name__ = op_name
        self._ns = ns
        self.__module__ = f"torch.ops.{ns}"
        self._overloads: dict = {}

    def __repr__(self) -> str:
        return f"<OpOverloadPacket(op='{self._ns}.{self.__name__}')>"

    def __str__(self) -> str:
        return f"{self._ns}.{self.__name__}"

    def __hash__(self) -> int:
        return id(self)

    def overloads(self) -> list:
        return _dispatcher.overloads(self._ns, self.__name__)

    @property
    def _dir(self) -> list:
        return self.overloads()

    def __getattr__(self, key: str):
        if key.startswith("__") and key.endswith("__"):
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '{key}'")
        entry = _dispatcher.find(f"{self._qualified_op_name}" + ("" if key == "default" else f".{key}"))
        if entry is None:
            raise AttributeError(f"The underlying op of '{self}' has no overload name '{key}'")
        ov = self._overloads.get(key)
        if ov is None or ov._entry is not entry:
            ov = self._overloads[key] = OpOverload(self, entry)
        return ov

    def __call__(self, *args, **kwargs):
        names = self.overloads()
        if not names:
            raise RuntimeError(f"operator {self._qualified_op_name} does not exist")
        if len(names) == 1:
            return getattr(self, names[0])(*args, **kwargs)
        errors = []
        for n in names:
            entry = getattr(self, n)._entry
            try:
                values, _ = entry.schema.bind(args, kwargs)
            except RuntimeError as e:
                errors.append(str(e))
                continue
            return _dispatcher.dispatch(entry, values)
        raise RuntimeError(
            "Overloaded torch operator invoked from Python failed to match any schema:\n" + "\n\n".join(errors) + "\n\n"
        )


class _OpNamespace(types.ModuleType):
    """torch.ops.<ns>: its attributes are the operators defined in that namespace."""

    def __init__(self, name: str) -> None:
        super().__init__("torch.ops." + name)
        self.name = name
        self._packets: dict = {}

    @property
    def _dir(self) -> list:
        return sorted(k.split("::")[1].partition(".")[0] for k in _dispatcher._TABLE if k.startswith(self.name + "::"))

    def __iter__(self):
        return iter(self._dir)

    def __getattr__(self, op_name: str):
        if op_name.startswith("__") and op_name.endswith("__"):
            raise AttributeError(f"'_OpNamespace' '{self.name}' object has no attribute '{op_name}'")
        if not _dispatcher.overloads(self.name, op_name):
            self._packets.pop(op_name, None)
            if self.name in _BUILTIN_NAMESPACES:
                raise AttributeError(
                    f"'_OpNamespace' '{self.name}' object has no attribute '{op_name}' "
                    f"(torch.ops.{self.name}.{op_name} is not supported in jaxtorch: it has no {self.name} operators; "
                    "call the torch.* function instead)"
                )
            raise AttributeError(f"'_OpNamespace' '{self.name}' object has no attribute '{op_name}'")
        packet = self._packets.get(op_name)
        if packet is None:
            packet = self._packets[op_name] = OpOverloadPacket(f"{self.name}::{op_name}", op_name, self.name)
        return packet


class _Ops(types.ModuleType):
    """torch.ops."""

    __file__ = "_ops.py"

    def __init__(self) -> None:
        super().__init__("torch.ops")
        self.loaded_libraries: set = set()
        self._namespaces: dict = {}

    def __getattr__(self, name: str):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(f"module 'torch.ops' has no attribute '{name}'")
        ns = self._namespaces.get(name)
        if ns is None:
            ns = self._namespaces[name] = _OpNamespace(name)
        return ns

    def __iter__(self):
        return iter(sorted(_dispatcher.namespaces()))

    def import_module(self, module: str) -> None:
        """Import a Python module that registers operators (torch.ops.import_module)."""
        importlib.import_module(module)

    def load_library(self, path: str) -> None:
        raise NotImplementedError(
            f"torch.ops.load_library({path!r}): jaxtorch cannot load C++ operator libraries (no ATen/C++ extension "
            "ABI); register the operators in Python with torch.library.custom_op instead"
        )


ops = _Ops()
sys.modules.setdefault("jaxtorch.ops", ops)  # `import torch.ops` finds it
