"""torch.load(weights_only=True): a pickle interpreter of our own that only ever touches an allow-list.

GLOBAL / STACK_GLOBAL resolve only through the allow-list (torch's tensor rebuild functions, dtypes, storage
types, a few containers, and what the user adds with `add_safe_globals`); REDUCE / NEWOBJ / BUILD only act on
allow-listed objects; nothing is ever imported. Reads never ask a file for more than it holds, so a length
field cannot make it allocate. Errors read as torch's (`Weights only load failed...`).
"""

from __future__ import annotations

import _codecs
import io
import os
import pickle
import struct
import sys
from _compat_pickle import IMPORT_MAPPING as _IMPORT_MAPPING
from _compat_pickle import NAME_MAPPING as _NAME_MAPPING
from collections import Counter, OrderedDict
from typing import Any, BinaryIO

from . import _dtype as _dt
from ._checkpoint_format import _TYPED_STORAGE, _Loader, _LoadError, _StorageType
from ._device import device as _device_cls
from ._tensor import Size, Tensor
from .nn.parameter import Parameter


def _safe_codecs_encode(obj, encoding: str = "utf-8", errors: str = "strict"):
    # protocol-2 pickles spell bytes as _codecs.encode(str, 'latin1'); other codecs could import modules
    if type(obj) is not str or encoding not in ("latin1", "latin-1", "utf-8", "utf8", "ascii") or errors != "strict":
        raise pickle.UnpicklingError(f"_codecs.encode is only allowed for latin1 text, got {encoding!r}")
    return _codecs.encode(obj, encoding)


def _safe_bytearray(*args):
    # bytearray(n) would allocate n bytes on the file's say-so
    if args and not isinstance(args[0], (bytes, bytearray, str)):
        raise pickle.UnpicklingError("bytearray may only be rebuilt from bytes")
    return bytearray(*args)


def _static_globals() -> dict:
    rc: dict[str, Any] = {
        "collections.OrderedDict": OrderedDict,
        "collections.Counter": Counter,
        "torch.nn.parameter.Parameter": Parameter,
        "torch.Size": Size,
        "torch.Tensor": Tensor,
        "torch.device": _device_cls,
        "_codecs.encode": _safe_codecs_encode,
        "builtins.bytearray": _safe_bytearray,
        "builtins.set": set,
        "builtins.frozenset": frozenset,
        "builtins.complex": complex,
        "torch.storage.UntypedStorage": _StorageType("storage.UntypedStorage", None),
    }
    for d in _dt.ALL:
        rc["torch." + d.name] = d
    for name, alias in _dt.ALIASES.items():
        rc.setdefault("torch." + name, alias)
    for dname, sname in _TYPED_STORAGE.items():
        st = _StorageType(sname, _dt.ALIASES[dname])
        rc["torch." + sname] = st
        rc["torch.cuda." + sname] = st  # pre-1.6 files of CUDA tensors
    return rc


_STATIC_GLOBALS = _static_globals()
# torch dtypes (and their storage classes) with no JAX / ml_dtypes equivalent: a file holding them is refused
# with a plain statement of which dtype, not an allow-list hint
_UNSUPPORTED_DTYPES = {
    "complex32": "torch.complex32 (chalf): JAX has no complex32; convert with .to(torch.complex64) before saving",
    "chalf": "torch.complex32 (chalf): JAX has no complex32; convert with .to(torch.complex64) before saving",
    "ComplexHalfStorage": "torch.complex32 (chalf): JAX has no complex32; convert with .to(torch.complex64) "
                          "before saving",
    "float4_e2m1fn_x2": "torch.float4_e2m1fn_x2: jaxtorch has no packed two-per-byte dtype",
    **{f"bits{n}": f"torch.bits{n}: jaxtorch has no bits dtypes" for n in ("1x8", "2x4", "4x2", "8", "16")},
    **{q: f"torch.{q}: jaxtorch has no quantized dtypes; dequantize before saving"
       for q in ("quint8", "qint8", "qint32", "quint4x2", "quint2x4", "QUInt8Storage", "QInt8Storage",
                 "QInt32Storage", "QUInt4x2Storage", "QUInt2x4Storage")},
}


def _unsupported_dtype(module: str, name: str) -> None:
    if module in ("torch", "torch.cuda") and name in _UNSUPPORTED_DTYPES:
        raise _LoadError(f"jaxtorch cannot load tensors of dtype {_UNSUPPORTED_DTYPES[name]}")
# what REDUCE / NEWOBJ may call: rebuild functions (bound per load) and these plain constructors
_CALLABLE = (OrderedDict, Counter, Size, _device_cls, _safe_codecs_encode, _safe_bytearray, set, frozenset, complex)
_BLOCKED_MODULES = ("sys", "os", "posix", "nt")

# ---------------------------------------------------------------------------------------- safe globals
_user_globals: set = set()


def add_safe_globals(safe_globals: list) -> None:
    """Allow these functions/classes (or (obj, "module.name") pairs) in weights_only loads."""
    _user_globals.update(safe_globals)


def get_safe_globals() -> list:
    return list(_user_globals)


def clear_safe_globals() -> None:
    _user_globals.clear()


class safe_globals:
    """Context manager: `with safe_globals([MyClass]): load(f)`."""

    def __init__(self, safe_globals: list):
        self.safe_globals = list(safe_globals)

    def __enter__(self):
        self._added = [g for g in self.safe_globals if g not in _user_globals]
        _user_globals.update(self._added)

    def __exit__(self, *exc):
        _user_globals.difference_update(self._added)
        return False


def _user_allowed() -> dict:
    rc = {}
    for g in _user_globals:
        if isinstance(g, tuple):
            if len(g) != 2:
                raise ValueError(f"Expected tuple of length 2 (global, str of callable full path), but got tuple "
                                 f"of length: {len(g)}")
            if type(g[1]) is not str:
                raise TypeError(f"Expected second item in tuple to be str of callable full path, but got: "
                                f"{type(g[1])}")
            rc[g[1]] = g[0]
        else:
            rc[f"{g.__module__}.{g.__qualname__}"] = g
    return rc


# ------------------------------------------------------------------------------- weights-only unpickler
_WO_HEAD = ("Weights only load failed. In PyTorch 2.6, we changed the default value of the `weights_only` "
            "argument in `torch.load` from `False` to `True`. Re-running `torch.load` with `weights_only` set to "
            "`False` will likely succeed, but it can result in arbitrary code execution. Do it only if you got "
            "the file from a trusted source.")
_WO_TAIL = ("\n\nCheck the documentation of torch.load to learn more about types accepted by default with "
            "weights_only https://pytorch.org/docs/stable/generated/torch.load.html.")


def _wo_message(msg: str) -> str:
    if "Unsupported global" in msg:
        return ("Weights only load failed. This file can still be loaded, to do so you have two options, do those "
                "steps only if you trust the source of the checkpoint. \n\t(1) " + _WO_HEAD[len("Weights only load "
                "failed. "):] + "\n\t(2) Alternatively, to load with `weights_only=True` please check the "
                "recommended steps in the following error message.\n\tWeightsUnpickler error: " + msg + _WO_TAIL)
    if "is blocked" in msg:
        return _WO_HEAD + "\n\n\n" + msg + _WO_TAIL
    return (_WO_HEAD + "\nPlease file an issue with the following so that we can make `weights_only=True` "
            "compatible with your use case: WeightsUnpickler error: \n\n" + msg + _WO_TAIL)


class _WeightsError(pickle.UnpicklingError):
    pass


# torch's weights-only unpickler lets an EOFError (input ran out) and an IndexError (stack underflow) through
# unwrapped; ours are UnpicklingErrors that are also those, so either `except` catches them as in torch
class _TruncatedError(_WeightsError, EOFError):
    pass


class _UnderflowError(_WeightsError, IndexError):
    pass


class _WoEOFError(pickle.UnpicklingError, EOFError):
    pass


class _WoIndexError(pickle.UnpicklingError, IndexError):
    pass


def _wo_error(e: BaseException) -> pickle.UnpicklingError:
    cls = _WoEOFError if isinstance(e, EOFError) else _WoIndexError if isinstance(e, IndexError) \
        else pickle.UnpicklingError
    return cls(_wo_message(str(e) or type(e).__name__))


_OP = {name: code[0] for name, code in vars(pickle).items()
       if name.isupper() and isinstance(code, bytes) and len(code) == 1}
_MAX_STR = sys.maxsize


class _Bounded:
    """A seekable file whose reads never ask for more than it holds: a length field claiming a terabyte is then a
    short read ("pickle data was truncated") rather than a giant allocation in the file object."""

    def __init__(self, fh: BinaryIO):
        self.fh = fh
        pos = fh.tell()
        self.end = fh.seek(0, os.SEEK_END)
        fh.seek(pos)

    def read(self, n: int = -1) -> bytes:
        left = max(self.end - self.fh.tell(), 0)
        return self.fh.read(left if n is None or n < 0 else min(n, left))

    def readinto(self, buf) -> int:
        left = max(self.end - self.fh.tell(), 0)
        view = memoryview(buf)
        return self.fh.readinto(view[:left]) if len(view) > left else self.fh.readinto(view)

    def readline(self, limit: int = -1) -> bytes:
        return self.fh.readline(limit)

    def peek(self, n: int = 0) -> bytes:
        return self.fh.peek(n) if hasattr(self.fh, "peek") else b""

    def tell(self) -> int:
        return self.fh.tell()

    def seek(self, *args) -> int:
        return self.fh.seek(*args)


class _SafeUnpickler:
    """Interprets pickle opcodes itself: GLOBAL / STACK_GLOBAL resolve only through the allow-list, REDUCE /
    NEWOBJ / BUILD only act on allow-listed objects, and nothing is ever imported."""

    def __init__(self, data, loader: _Loader | None, encoding: str = "bytes"):
        self.file = io.BytesIO(data) if isinstance(data, bytes) else _Bounded(data)
        self.loader = loader
        self.encoding = encoding
        self.allowed = {**loader.torch_globals(), **_STATIC_GLOBALS} if loader is not None else dict(_STATIC_GLOBALS)
        self.user = _user_allowed()
        self.callables = {id(v) for k, v in self.allowed.items() if k.startswith("torch._")}
        self.callables |= {id(c) for c in _CALLABLE}
        self.user_ids = {id(v) for v in self.user.values()}

    def _read(self, n: int) -> bytes:
        b = self.file.read(n)
        if len(b) != n:
            raise _TruncatedError("pickle data was truncated")
        return b

    def _global(self, module: str, name: str):
        if (module, name) in _NAME_MAPPING:
            module, name = _NAME_MAPPING[(module, name)]
        elif module in _IMPORT_MAPPING:
            module = _IMPORT_MAPPING[module]
        full = f"{module}.{name}"
        if module in _BLOCKED_MODULES:
            raise _WeightsError(f"Trying to load unsupported GLOBAL {full} whose module {module} is blocked.")
        if full in self.allowed:
            return self.allowed[full]
        if full in self.user:
            return self.user[full]
        _unsupported_dtype(module, name)
        shown = full[len("builtins."):] if full.startswith("builtins.") else full
        raise _WeightsError(f"Unsupported global: GLOBAL {shown} was not an allowed global by default. Please use "
                            f"`torch.serialization.add_safe_globals([{shown}])` or the "
                            f"`torch.serialization.safe_globals([{shown}])` context manager to allowlist this "
                            "global if you trust this class/function.")

    def _can_call(self, f) -> bool:
        return id(f) in self.callables or id(f) in self.user_ids

    def load(self):
        self.stack: list = []
        self.metastack: list = []
        self.memo: dict = {}
        while True:
            key = self.file.read(1)
            if not key:
                raise _TruncatedError("pickle data was truncated")
            handler = _DISPATCH.get(key[0])
            if handler is None:
                raise _WeightsError(f"Unsupported operand {key[0]}")
            if handler(self, key[0]) is _STOP:
                return self.stack.pop()

    # ---- opcode handlers: handler(self, opcode); _DISPATCH below maps each supported opcode to one
    def _op_skip(self, c):  # PROTO, FRAME: no effect on the stack
        self._read(1 if c == _OP["PROTO"] else 8)

    def _op_stop(self, c):
        if not self.stack:
            raise _UnderflowError("unpickling stack underflow")
        return _STOP

    def _op_mark(self, c):
        self.metastack.append(self.stack)
        self.stack = []

    def _pop_mark(self) -> list:
        items, self.stack = self.stack, self.metastack.pop()
        return items

    def _op_pop(self, c):
        self.stack.pop()

    def _op_pop_mark(self, c):
        self._pop_mark()

    def _op_dup(self, c):
        self.stack.append(self.stack[-1])

    def _op_const(self, c):  # NONE, NEWTRUE, NEWFALSE, EMPTY_TUPLE / LIST / DICT / SET
        self.stack.append(_CONSTANTS[c]())

    def _op_int(self, c):
        read = self._read
        if c == _OP["BININT"]:
            v = struct.unpack("<i", read(4))[0]
        elif c == _OP["BININT1"]:
            v = read(1)[0]
        elif c == _OP["BININT2"]:
            v = struct.unpack("<H", read(2))[0]
        elif c == _OP["LONG1"]:
            v = pickle.decode_long(read(read(1)[0]))
        else:  # LONG4
            n = struct.unpack("<i", read(4))[0]
            if n < 0:
                raise _WeightsError("LONG pickle has negative byte count")
            v = pickle.decode_long(read(n))
        self.stack.append(v)

    def _op_float(self, c):
        self.stack.append(struct.unpack(">d", self._read(8))[0])

    def _length(self, c) -> int:
        """The length field of a string / bytes opcode: 1, 4 (signed for BINSTRING) or 8 bytes."""
        if c in _SHORT_LENGTH:
            return self._read(1)[0]
        if c in _LONG_LENGTH:
            return struct.unpack("<Q", self._read(8))[0]
        return struct.unpack("<i" if c == _OP["BINSTRING"] else "<I", self._read(4))[0]

    def _op_unicode(self, c):
        self.stack.append(str(self._read(self._length(c)), "utf-8", "surrogatepass"))

    def _op_string(self, c):
        n = self._length(c)
        if n < 0:
            raise _WeightsError("BINSTRING pickle has negative byte count")
        data = self._read(n)
        self.stack.append(data if self.encoding == "bytes" else data.decode(self.encoding, "strict"))

    def _op_bytes(self, c):
        data = self._read(self._length(c))
        self.stack.append(bytearray(data) if c == _OP["BYTEARRAY8"] else data)

    def _op_tuple(self, c):
        if c == _OP["TUPLE"]:
            items = tuple(self._pop_mark())  # (before naming the stack: popping the mark replaces it)
            self.stack.append(items)
        else:  # TUPLE1 / TUPLE2 / TUPLE3
            st = self.stack
            n = c - _OP["TUPLE1"] + 1
            if len(st) < n:
                raise _UnderflowError("unpickling stack underflow")
            st[-n:] = [tuple(st[-n:])]

    def _op_list(self, c):
        items = self._pop_mark()
        self.stack.append(items)

    def _op_dict(self, c):
        items = self._pop_mark()
        self.stack.append({items[i]: items[i + 1] for i in range(0, len(items) - 1, 2)})

    def _op_frozenset(self, c):
        items = frozenset(self._pop_mark())
        self.stack.append(items)

    def _op_append(self, c):
        item = self.stack.pop()
        self._check(self.stack[-1], (list,), "append to lists")
        self.stack[-1].append(item)

    def _op_appends(self, c):
        items = self._pop_mark()
        self._check(self.stack[-1], (list,), "extend lists")
        self.stack[-1].extend(items)

    def _op_additems(self, c):
        items = self._pop_mark()
        self._check(self.stack[-1], (set,), "add items to sets")
        self.stack[-1].update(items)

    def _op_setitem(self, c):
        st = self.stack
        if c == _OP["SETITEM"]:
            v, k = st.pop(), st.pop()
            items = [k, v]
        else:
            items = self._pop_mark()
            st = self.stack
        self._check(st[-1], (dict, OrderedDict, Counter), ("SETITEM" if c == _OP["SETITEM"] else "SETITEMS")
                    + " for dict, collections.OrderedDict, collections.Counter")
        for i in range(0, len(items) - 1, 2):
            st[-1][items[i]] = items[i + 1]

    def _op_get(self, c):
        i = self._read(1)[0] if c == _OP["BINGET"] else struct.unpack("<I", self._read(4))[0]
        if i not in self.memo:
            raise _WeightsError(f"Memo value not found at index {i}")
        self.stack.append(self.memo[i])

    def _op_put(self, c):
        if c == _OP["MEMOIZE"]:
            i = len(self.memo)
        else:
            i = self._read(1)[0] if c == _OP["BINPUT"] else struct.unpack("<I", self._read(4))[0]
        self.memo[i] = self.stack[-1]

    def _op_global(self, c):
        if c == _OP["GLOBAL"]:
            module = self.file.readline()[:-1].decode("utf-8")
            name = self.file.readline()[:-1].decode("utf-8")
        else:  # STACK_GLOBAL
            name, module = self.stack.pop(), self.stack.pop()
            if type(name) is not str or type(module) is not str:
                raise _WeightsError("STACK_GLOBAL requires str")
        self.stack.append(self._global(module, name))

    def _op_reduce(self, c):
        st = self.stack
        args, func = st.pop(), st[-1]
        if not self._can_call(func):
            raise _WeightsError(f"Trying to call reduce for unrecognized function {func!r}")
        if type(args) is not tuple:
            raise _WeightsError("REDUCE arguments must be a tuple")
        st[-1] = func(*args)

    def _op_newobj(self, c):
        st = self.stack
        kwargs = st.pop() if c == _OP["NEWOBJ_EX"] else {}
        args, cls = st.pop(), st.pop()
        st.append(self._newobj(cls, args, kwargs))

    def _op_build(self, c):
        state = self.stack.pop()
        self._build(self.stack[-1], state)

    def _op_persid(self, c):
        if self.loader is None:
            raise _WeightsError("unsupported persistent id encountered")
        self.stack.append(self.loader.persistent_load(self.stack.pop()))

    @staticmethod
    def _check(target, types: tuple, what: str) -> None:
        if type(target) not in types:
            raise _WeightsError(f"Can only {what}, but got {type(target)}")

    def _newobj(self, cls, args, kwargs):
        if type(args) is not tuple or type(kwargs) is not dict:
            raise _WeightsError("NEWOBJ arguments must be a tuple")
        if cls is Parameter:
            if not args or not isinstance(args[0], Tensor) or len(args) > 2 or kwargs:
                raise _WeightsError("malformed nn.Parameter in checkpoint")
            return self.loader.rebuild_parameter(args[0], bool(args[1]) if len(args) > 1 else True)
        if isinstance(cls, type) and (cls in _CALLABLE or id(cls) in self.user_ids):
            return cls.__new__(cls, *args, **kwargs)
        raise _WeightsError(f"Can only create new object for nn.Parameter or classes allowlisted via "
                            f"`add_safe_globals` but got {cls!r}")

    def _build(self, inst, state) -> None:
        t = type(inst)
        if t in (OrderedDict, Counter):
            if type(state) is not dict or any(type(k) is not str for k in state):
                raise _WeightsError("OrderedDict state must be a dict with str keys")
            inst.__dict__.update(state)
        elif id(t) in self.user_ids:
            setstate = getattr(inst, "__setstate__", None)
            if setstate is not None and getattr(t, "__setstate__", None) is not getattr(object, "__setstate__", None):
                setstate(state)
                return
            slots = None
            if isinstance(state, tuple) and len(state) == 2:
                state, slots = state
            if state:
                inst.__dict__.update(state)
            if slots:
                for k, v in slots.items():
                    setattr(inst, k, v)
        else:
            raise _WeightsError(f"Can only build Tensor, Parameter, OrderedDict or types allowlisted via "
                                f"`add_safe_globals`, but got {t}")


_STOP = object()
_SHORT_LENGTH = {_OP["SHORT_BINUNICODE"], _OP["SHORT_BINSTRING"], _OP["SHORT_BINBYTES"]}
_LONG_LENGTH = {_OP["BINUNICODE8"], _OP["BINBYTES8"], _OP["BYTEARRAY8"]}
_CONSTANTS = {_OP["NONE"]: lambda: None, _OP["NEWTRUE"]: lambda: True, _OP["NEWFALSE"]: lambda: False,
              _OP["EMPTY_TUPLE"]: tuple, _OP["EMPTY_LIST"]: list, _OP["EMPTY_DICT"]: dict, _OP["EMPTY_SET"]: set}
_HANDLERS = {
    "_op_skip": ("PROTO", "FRAME"),
    "_op_stop": ("STOP",),
    "_op_mark": ("MARK",),
    "_op_pop": ("POP",),
    "_op_pop_mark": ("POP_MARK",),
    "_op_dup": ("DUP",),
    "_op_const": ("NONE", "NEWTRUE", "NEWFALSE", "EMPTY_TUPLE", "EMPTY_LIST", "EMPTY_DICT", "EMPTY_SET"),
    "_op_int": ("BININT", "BININT1", "BININT2", "LONG1", "LONG4"),
    "_op_float": ("BINFLOAT",),
    "_op_unicode": ("BINUNICODE", "SHORT_BINUNICODE", "BINUNICODE8"),
    "_op_string": ("SHORT_BINSTRING", "BINSTRING"),
    "_op_bytes": ("BINBYTES", "SHORT_BINBYTES", "BINBYTES8", "BYTEARRAY8"),
    "_op_tuple": ("TUPLE", "TUPLE1", "TUPLE2", "TUPLE3"),
    "_op_list": ("LIST",),
    "_op_dict": ("DICT",),
    "_op_frozenset": ("FROZENSET",),
    "_op_append": ("APPEND",),
    "_op_appends": ("APPENDS",),
    "_op_additems": ("ADDITEMS",),
    "_op_setitem": ("SETITEM", "SETITEMS"),
    "_op_get": ("BINGET", "LONG_BINGET"),
    "_op_put": ("BINPUT", "LONG_BINPUT", "MEMOIZE"),
    "_op_global": ("GLOBAL", "STACK_GLOBAL"),
    "_op_reduce": ("REDUCE",),
    "_op_newobj": ("NEWOBJ", "NEWOBJ_EX"),
    "_op_build": ("BUILD",),
    "_op_persid": ("BINPERSID",),
}
# opcode byte -> handler: every opcode not listed (INST, OBJ, EXT*, PERSID, text opcodes...) is refused
_DISPATCH = {_OP[name]: getattr(_SafeUnpickler, h) for h, names in _HANDLERS.items() for name in names}


_WO_ERRORS = (pickle.UnpicklingError, IndexError, KeyError, TypeError, ValueError, struct.error, EOFError,
              AttributeError, OverflowError, UnicodeDecodeError)
