"""PyTorch's checkpoint formats, with no torch import: what a tensor pickles as, the zip archive (and the legacy
stream) around the pickle, and rebuilding tensors from the storages a file holds.

Writing: a zip archive `<name>/data.pkl` (pickle protocol 2) + `<name>/data/<key>` raw storages + `byteorder`,
`version`, `.format_version`, `.storage_alignment` records, storages 64-byte aligned. Tensors pickle as torch does
(`torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, OrderedDict())`); views of one base
share one storage. A custom pure-Python Pickler writes torch's global names, so the Tensor classes keep their own
`__reduce_ex__` (multiprocessing uses that).

Reading (`_Loader`): storages are checked against the records that hold them; the tensors built on one storage come
back as views of one root, so sharing, strides and offsets survive as in torch.
"""

from __future__ import annotations

import io
import os
import pickle
import struct
import sys
import zipfile
from collections import OrderedDict
from typing import Any, BinaryIO, Callable

import jax
import numpy as np

from . import _dtype as _dt
from ._device import device as _device_cls
from ._device import jax_device, to_device
from ._tensor import Size, Tensor, chain_index_map
from .nn.parameter import Parameter

DEFAULT_PROTOCOL = 2
_MAGIC_NUMBER = 0x1950A86A20F9469CFC6C  # legacy stream format
_PROTOCOL_VERSION = 1001
_ALIGNMENT = 64
# a tensor may be larger than its storage only through stride-0 (expanded) dims. jaxtorch has no stride-0
# storage: such a tensor takes its full size once read. A load refuses expanded tensors totalling more than
# this many bytes beyond the storage bytes the file holds, so a tiny hostile file cannot ask for gigabytes.
_MAX_EXPANSION_BYTES = 64 << 20

# torch dtype name -> legacy typed-storage class name (torch writes these; other dtypes use UntypedStorage)
_TYPED_STORAGE = {
    "bool": "BoolStorage", "uint8": "ByteStorage", "int8": "CharStorage", "int16": "ShortStorage",
    "int32": "IntStorage", "int64": "LongStorage", "float16": "HalfStorage", "bfloat16": "BFloat16Storage",
    "float32": "FloatStorage", "float64": "DoubleStorage", "complex64": "ComplexFloatStorage",
    "complex128": "ComplexDoubleStorage",
}


class _LoadError(pickle.UnpicklingError, RuntimeError):
    """A malformed or hostile checkpoint. An UnpicklingError (what weights_only refusals raise) that is also
    the RuntimeError torch raises for broken archives."""


# ------------------------------------------------------------------------------------------------ globals
class _Global:
    """A global written under torch's name (`torch._utils._rebuild_tensor_v2`), resolved on load."""

    __slots__ = ("module", "name")

    def __init__(self, module: str, name: str):
        self.module, self.name = module, name

    def __call__(self, *args):  # pickle insists that a reduce function be callable
        raise TypeError(f"{self.module}.{self.name} is a serialization marker")

    def __repr__(self) -> str:
        return f"{self.module}.{self.name}"


_G: dict[str, _Global] = {}


def _g(full: str) -> _Global:
    g = _G.get(full)
    if g is None:
        module, _, name = full.rpartition(".")
        g = _G[full] = _Global(module, name)
    return g


class _StorageType:
    """torch.FloatStorage & co. on load: only a dtype (None: UntypedStorage, bytes)."""

    __slots__ = ("name", "dtype")

    def __init__(self, name: str, dtype):
        self.name, self.dtype = name, dtype

    def __repr__(self) -> str:
        return f"torch.{self.name}"


# ------------------------------------------------------------------------------------------------ saving
class _StorageRef:
    __slots__ = ("pid",)

    def __init__(self, pid: tuple):
        self.pid = pid


class _Pickler(pickle._Pickler):
    """Pickles jaxtorch objects the way torch pickles its own (torch names, storages as persistent ids)."""

    dispatch = dict(pickle._Pickler.dispatch)

    def __init__(self, file, protocol: int, legacy: bool):
        super().__init__(file, protocol)
        self.legacy = legacy
        self.storages: dict[int, tuple] = {}  # id(root) -> (key, root tensor, numpy payload)
        self._keep: list = []  # temporaries whose ids must stay unique while pickling

    def persistent_id(self, obj):
        return obj.pid if type(obj) is _StorageRef else None

    def reducer_override(self, obj):
        if isinstance(obj, Tensor):
            return self._reduce_tensor(obj)
        t = type(obj)
        if t is Size:
            return (_g("torch.Size"), (tuple(int(s) for s in obj),))
        if t is _device_cls:
            return (_g("torch.device"), (obj.type,) if obj.index is None else (obj.type, obj.index))
        return NotImplemented

    def _save_marker(self, obj):
        self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode("utf-8"))
        self.memoize(obj)

    def _save_dtype(self, obj):
        self.save(_g("torch." + obj.name))

    dispatch[_Global] = _save_marker
    dispatch[_dt.dtype] = _save_dtype

    def _reduce_tensor(self, t: Tensor):
        if isinstance(t, Parameter):
            inner = t.detach()
            self._keep.append(inner)
            return (_g("torch._utils._rebuild_parameter"), (inner, t.requires_grad, OrderedDict()))
        root, offset, stride = _storage_layout(t)
        entry = self.storages.get(id(root))
        if entry is None:
            arr = np.ascontiguousarray(np.asarray(root._value()))
            entry = self.storages[id(root)] = (str(len(self.storages)), root, arr)
        key, _, arr = entry
        dt = _dt.from_np(arr.dtype)
        location = _location(t)
        typed = _TYPED_STORAGE.get(dt.name)
        if self.legacy:
            # legacy ids: key = a storage's address in torch; any unique string works
            storage_type = _g("torch." + typed) if typed else _g("torch.storage.UntypedStorage")
            numel = arr.size if typed else arr.nbytes
            pid = ("storage", storage_type, key, location, numel, None)
        elif typed:
            pid = ("storage", _g("torch." + typed), key, location, arr.size)
        else:
            pid = ("storage", _g("torch.storage.UntypedStorage"), key, location, arr.nbytes)
        args = (_StorageRef(pid), offset, tuple(int(s) for s in t.shape), stride, t.requires_grad, OrderedDict())
        if typed:
            return (_g("torch._utils._rebuild_tensor_v2"), args)
        return (_g("torch._utils._rebuild_tensor_v3"), args + (dt,))


def _location(t: Tensor) -> str:
    d = t.device
    # torch only knows cpu/cuda locations; other JAX devices are saved as cpu
    return f"cuda:{d.index or 0}" if d.type == "cuda" else "cpu"


def _storage_layout(t: Tensor):
    """(root tensor whose payload is the storage, storage offset, strides) for t; a view whose layout
    torch cannot express (a dtype view, a non-affine index map) gets a storage of its own."""
    if t._base is None:
        return t, 0, t.stride()
    root = t._base
    if not t._view_chain:
        if tuple(root.shape) == tuple(t.shape):
            return root, 0, t.stride()
        return t, 0, t.stride()
    if root.dtype == t.dtype:
        stride, offset = t._strides_offset()
        m = chain_index_map(t._view_chain, tuple(root._data.shape))
        if m.shape == tuple(t.shape):
            expect = np.full(m.shape, offset, dtype=np.int64)
            for d, (n, s) in enumerate(zip(m.shape, stride)):
                shp = [1] * m.ndim
                shp[d] = n
                expect = expect + (np.arange(n, dtype=np.int64) * s).reshape(shp)
            if np.array_equal(expect, m) and all(s >= 0 for s in stride):
                return root, int(offset), tuple(int(s) for s in stride)
    return t, 0, _contiguous(tuple(t.shape))


def _contiguous(shape: tuple) -> tuple:
    st, acc = [], 1
    for n in reversed(shape):
        st.append(acc)
        acc *= max(n, 1)
    return tuple(reversed(st))


def _raw_bytes(arr: np.ndarray) -> memoryview:
    flat = arr.reshape(-1)
    if sys.byteorder == "big" and arr.dtype.itemsize > 1:
        flat = flat.byteswap()
    return memoryview(flat.view(np.uint8))


def _archive_name(f) -> str:
    if isinstance(f, (str, os.PathLike)):
        stem = os.path.splitext(os.path.basename(os.fspath(f)))[0]
        stem = "".join(c for c in stem if c not in "/\\")
        if stem and stem not in (".", ".."):
            return stem
    return "archive"


def _write_zip(fileobj: BinaryIO, name: str, records: list) -> None:
    with zipfile.ZipFile(fileobj, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        for rec_name, data in records:
            info = zipfile.ZipInfo(f"{name}/{rec_name}", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            size = len(data) if isinstance(data, bytes) else data.nbytes
            fname = info.filename.encode("utf-8")
            zip64_extra = 20 if size * 1.05 > zipfile.ZIP64_LIMIT else 0
            # pad with an "FB" extra field so the record's bytes start on a 64-byte boundary, as torch does
            start = zf.fp.tell() + 30 + len(fname) + zip64_extra + 4
            pad = (-start) % _ALIGNMENT
            info.extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad
            zf.writestr(info, data)


def _save_to(obj, fh, name: str, protocol: int, zip_format: bool, no_byteorder: bool) -> None:
    buf = io.BytesIO()
    if not zip_format:
        _save_legacy(obj, fh, protocol)
        return
    pickler = _Pickler(buf, protocol, legacy=False)
    pickler.dump(obj)
    records = [("data.pkl", buf.getvalue()), (".format_version", b"1"), (".storage_alignment", b"64")]
    if not no_byteorder:
        records.append(("byteorder", b"little"))
    for key, _, arr in pickler.storages.values():
        records.append((f"data/{key}", _raw_bytes(arr)))
    records.append(("version", b"3\n"))
    _write_zip(fh, name, records)


def _save_legacy(obj, fh, protocol: int) -> None:
    for header in (_MAGIC_NUMBER, _PROTOCOL_VERSION,
                   {"protocol_version": _PROTOCOL_VERSION, "little_endian": True,
                    "type_sizes": {"short": 2, "int": 4, "long": 4}}):
        pickle.dump(header, fh, protocol=protocol)
    pickler = _Pickler(fh, protocol, legacy=True)
    pickler.dump(obj)
    keys = [entry[0] for entry in pickler.storages.values()]
    pickle.dump(keys, fh, protocol=protocol)
    for _, _, arr in pickler.storages.values():
        typed = _TYPED_STORAGE.get(_dt.from_np(arr.dtype).name)
        fh.write(struct.pack("<q", arr.size if typed else arr.nbytes))
        fh.write(_raw_bytes(arr))


# ------------------------------------------------------------------------------------------------ loading
class _Storage:
    """A loaded storage: raw little-endian bytes (filled later in the legacy format), where it goes, and the
    tensors built on it. One tensor holds the storage's payload (the root); every other tensor on the storage is
    a view of that root, so they share one buffer, see each other's writes and keep torch's strides and offset."""

    def __init__(self, dtype, numel: int, location: str, device=None):
        self.dtype = dtype  # jaxtorch dtype; None for an UntypedStorage (bytes)
        self.numel = numel
        self.location = location
        self.device = device
        self.raw: np.ndarray | None = None
        self.root: _Storage | None = None  # legacy storage views: the storage viewed ...
        self.root_offset = 0  # ... from this byte
        self.holder: Tensor | None = None  # the tensor whose payload is the whole storage
        self.hidden = False  # holder made by the loader: no tensor of the file covers the storage
        self.members: list = []  # [tensor, layout] of every tensor built on the storage
        self.holder_dtype = None

    @property
    def nbytes(self) -> int:
        return self.numel * (self.dtype.itemsize if self.dtype is not None else 1)

    def size(self) -> int:
        return self.numel

    def _moved(self, dev) -> _Storage:
        s = _Storage(self.dtype, self.numel, self.location, to_device(dev))
        s.raw, s.root, s.root_offset = self.raw, self.root, self.root_offset
        return s

    def cpu(self) -> _Storage:
        return self._moved("cpu")

    def cuda(self, device=None, non_blocking: bool = False) -> _Storage:
        if isinstance(device, int) or device is None:
            return self._moved(_device_cls("cuda", device or 0))
        return self._moved(device)

    def to(self, device=None, **_) -> _Storage:
        return self._moved(device)

    def bytes_(self) -> np.ndarray | None:
        if self.root is not None:
            raw = self.root.bytes_()
            return None if raw is None else raw[self.root_offset:self.root_offset + self.nbytes]
        return self.raw


def layout_of(storage: _Storage, t: Tensor):
    return next(lay for m, lay in storage.members if m is t)


def _expansion_allowance() -> int:
    v = os.environ.get("JAXTORCH_LOAD_MAX_EXPANSION_BYTES")
    if v:
        try:
            return int(v)
        except ValueError:
            raise ValueError(f"JAXTORCH_LOAD_MAX_EXPANSION_BYTES must be an integer, got {v!r}") from None
    return _MAX_EXPANSION_BYTES


class _Loader:
    """Shared by both unpicklers: storages, map_location, tensor rebuilding."""

    def __init__(self, map_location, read_record: Callable | None):
        self.map_location = map_location
        self.read_record = read_record  # key -> numpy uint8 array (zip format); None: legacy
        self.storages: dict[str, _Storage] = {}
        self.pending: list = []  # legacy: (tensor, storage, layout) filled once the bytes after the pickle are read
        self.member_of: dict[int, _Storage] = {}  # id(tensor built on a storage) -> storage
        self.swap = False  # storages written big-endian
        self.held = 0  # bytes of storage the file holds (read so far)
        self.expanded = 0  # bytes of tensors larger than their storage (stride 0), materialised when read
        self.allowance = _expansion_allowance()

    def persistent_load(self, pid):
        if type(pid) is not tuple or not pid:
            raise _LoadError(f"persistent_load id must be tuple or int, but got {type(pid)}")
        tag = pid[0].decode("ascii") if isinstance(pid[0], bytes) else pid[0]
        if tag != "storage":
            raise _LoadError(f"Only persistent_load of storage is allowed, but got {tag!r}")
        legacy = self.read_record is None
        if len(pid) != (6 if legacy else 5):
            raise _LoadError(f"malformed storage persistent id of length {len(pid)}")
        storage_type, key, location, numel = pid[1:5]
        if not isinstance(storage_type, _StorageType):
            raise _LoadError(f"persistent id names {storage_type!r}, which is not a storage type")
        if type(key) is not str or type(location) is not str or type(numel) is not int or numel < 0:
            raise _LoadError("malformed storage persistent id")
        got = self.storages.get(key)
        if got is None:
            got = _Storage(storage_type.dtype, numel, location)
            if not legacy:
                raw = self.read_record(key)
                if raw.size < got.nbytes:
                    raise _LoadError(f"storage 'data/{key}' declares {got.nbytes} bytes but its record holds "
                                     f"{raw.size}")
                got.raw = raw[:got.nbytes]
                self.held += got.nbytes
            got.device = self._restore_device(got)
            self.storages[key] = got
        elif got.dtype is not storage_type.dtype and storage_type.dtype is not None:
            raise _LoadError(f"storage '{key}' is used with two different types")
        view = pid[5] if legacy else None
        if view is not None:
            # very old files: (view_key, element offset, element count) of a view of the storage
            if (type(view) is not tuple or len(view) != 3 or type(view[0]) is not str
                    or type(view[1]) is not int or type(view[2]) is not int):
                raise _LoadError("malformed storage view metadata")
            vkey, off, size = view
            vs = self.storages.get(vkey)
            if vs is None:
                if off < 0 or size < 0 or off + size > numel:
                    raise _LoadError("storage view out of bounds")
                vs = _Storage(got.dtype, size, location, got.device)
                vs.root, vs.root_offset = got, off * (got.dtype.itemsize if got.dtype else 1)
                self.storages[vkey] = vs
            elif vs.root is not got:
                raise _LoadError(f"storage view {vkey!r} is declared on two different storages")
            return vs
        return got

    def _restore_device(self, storage: _Storage):
        ml = self.map_location
        loc = storage.location
        if callable(ml) and not isinstance(ml, (str, _device_cls)):
            res = ml(storage, loc)
            if isinstance(res, _Storage):
                return res.device if res.device is not None else _device_cls("cpu")
        elif isinstance(ml, dict):
            loc = ml.get(loc, loc)
            loc = str(loc) if isinstance(loc, _device_cls) else loc
        elif ml is not None:
            return to_device(ml)
        if loc.startswith("cuda") and not jax_devices_of("gpu"):
            raise RuntimeError("Attempting to deserialize object on a CUDA device but torch.cuda.is_available() "
                               "is False. If you are running on a CPU-only machine, please use torch.load with "
                               "map_location=torch.device('cpu') to map your storages to the CPU.")
        try:
            return to_device(loc)
        except RuntimeError:
            raise RuntimeError(f"don't know how to restore data location of {loc}") from None

    # ---- rebuild functions (what torch._utils._rebuild_* name in a file)
    def rebuild_tensor(self, storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None,
                       metadata=None, dtype=None) -> Tensor:
        if not isinstance(storage, _Storage):
            raise _LoadError(f"expected a storage to rebuild a tensor from, got {type(storage).__name__}")
        dtype = storage.dtype if dtype is None else dtype
        if not isinstance(dtype, _dt.dtype):
            raise _LoadError(f"tensor dtype must be a dtype, got {type(dtype).__name__}")
        if storage.dtype is not None and storage.dtype is not dtype:
            raise _LoadError(f"a {storage.dtype} storage cannot hold a {dtype} tensor")
        size, stride = _int_tuple(size, "size"), _int_tuple(stride, "stride")
        if type(storage_offset) is not int or storage_offset < 0:
            raise _LoadError(f"invalid storage offset {storage_offset!r}")
        if len(size) != len(stride):
            raise _LoadError(f"mismatch in length of strides and shape: {len(stride)} vs {len(size)}")
        if type(requires_grad) is not bool:
            raise _LoadError("requires_grad must be a bool")
        if backward_hooks:
            raise _LoadError("jaxtorch cannot load tensors with saved backward hooks")
        itemsize = dtype.itemsize
        capacity = storage.nbytes // itemsize
        numel = int(np.prod(size, dtype=object)) if size else 1
        if numel:
            needed = storage_offset + sum((n - 1) * s for n, s in zip(size, stride)) + 1
            if needed > capacity:
                raise _LoadError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset "
                                 f"{storage_offset}, and itemsize {itemsize} requiring a storage size of "
                                 f"{needed * itemsize} are out of bounds for storage of size {capacity * itemsize}")
            if numel > capacity:  # only overlapping (stride-0) dims make a tensor larger than its storage
                self.expanded += numel * itemsize
                if self.expanded > self.allowance + self.held:
                    raise _LoadError(
                        f"tensor of shape {list(size)} and strides {list(stride)} would expand a storage of "
                        f"{capacity * itemsize} bytes to {numel * itemsize}: jaxtorch materialises every tensor, "
                        f"and this checkpoint's expanded tensors would take {self.expanded} bytes from the "
                        f"{self.held} it holds; refusing to materialise it (raise the limit with "
                        "JAXTORCH_LOAD_MAX_EXPANSION_BYTES if you trust the file)")
        if requires_grad and not dtype.is_inexact:
            raise _LoadError("only Tensors of floating point dtype can require gradients")
        if storage.root is not None:  # a legacy storage view: address the storage it views
            storage_offset += storage.root_offset // itemsize
            storage = storage.root
        t = Tensor._make(None)
        t._requires_grad = requires_grad
        self._place(t, storage, (storage_offset, size, stride, dtype))
        return t

    @staticmethod
    def _covers(storage: _Storage, layout) -> bool:
        offset, size, stride, dtype = layout
        return (offset == 0 and stride == _contiguous(size) and storage.dtype in (None, dtype)
                and int(np.prod(size, dtype=object)) * dtype.itemsize == storage.nbytes)

    def _place(self, t: Tensor, storage: _Storage, layout) -> None:
        """Make t the storage's root, or a view of it (lazily derived: no bytes until it is read)."""
        storage.members.append([t, layout])
        self.member_of[id(t)] = storage
        if storage.holder is None:
            if self._covers(storage, layout):
                self._fill_root(t, storage, layout)
                storage.holder, storage.holder_dtype = t, layout[3]
                return
            dtype = layout[3]
            hidden = Tensor._make(None)
            self._fill_root(hidden, storage, (0, (storage.nbytes // dtype.itemsize,), (1,), dtype))
            storage.holder, storage.hidden, storage.holder_dtype = hidden, True, dtype
        elif storage.hidden and self._covers(storage, layout) and storage.holder_dtype is layout[3]:
            self._promote(storage, t)
            return
        self._link(t, storage, layout)

    def _fill_root(self, t: Tensor, storage: _Storage, layout) -> None:
        if storage.bytes_() is None:  # legacy format: bytes follow the pickle
            t._data = None
            self.pending.append((t, storage, layout))
        else:
            self._fill(t, storage, layout)

    def _link(self, t: Tensor, storage: _Storage, layout) -> None:
        from ._ops.shape import _as_strided_impl

        root = storage.holder
        offset, size, stride, dtype = layout
        if storage.holder_dtype is not dtype:  # an untyped storage read as two dtypes: a copy of its own
            self._fill_root(t, storage, layout)
            return
        root_data = root.__dict__.get("_data")
        if offset == 0 and stride == _contiguous(size) and self._covers(storage, layout) \
                and (root_data is None or size == tuple(root_data.shape)):
            chain = ()
            t._data = root_data  # the same buffer: nothing to derive (legacy: shared once filled)
        else:
            chain = ((_as_strided_impl, (("size", size), ("stride", stride), ("offset", offset))),)
            t.__dict__.pop("_data", None)  # derived from the root when first read (Tensor.__getattr__)
        t._base = root
        t._view_chain = chain
        t._version_box = root._box()
        t._derived_version = root._version_box[0]
        t._detached_view = True  # a loaded tensor is its own autograd leaf, as in torch

    def _promote(self, storage: _Storage, t: Tensor) -> None:
        """t (which covers the storage) becomes its root in place of the current holder; the holder and every
        other tensor on the storage become views of t."""
        old = storage.holder
        for i, (pt, st, lay) in enumerate(self.pending):
            if pt is old:
                self.pending[i] = (t, st, layout_of(storage, t))
        old_data = old.__dict__.get("_data")
        if old_data is not None and tuple(old_data.shape) != tuple(layout_of(storage, t)[1]):
            self._fill(t, storage, layout_of(storage, t))  # the hidden base is flat: t gets its own shape
        else:
            t._data = old_data  # the same buffer (legacy: filled once the bytes are read)
        t.__dict__.pop("_base", None)
        t.__dict__.pop("_view_chain", None)
        t.__dict__.pop("_detached_view", None)
        t._version_box = None
        storage.holder, storage.hidden = t, False
        for member in storage.members:
            m, layout = member
            if m is t or m is old:
                continue
            had = m.__dict__.get("_data")
            self._link(m, storage, layout)
            if had is not None and "_data" not in m.__dict__:
                m._data = had  # already derived: same values
        for m, layout in storage.members:
            if m is old:
                self._link(old, storage, layout)

    def _fill(self, t: Tensor, storage: _Storage, layout) -> None:
        offset, size, stride, dtype = layout
        raw = storage.bytes_()
        usable = raw.size - raw.size % dtype.itemsize
        typed = raw[:usable].view(dtype.np)
        if self.swap and dtype.itemsize > 1:
            typed = typed.byteswap()
        if int(np.prod(size)) == 0:
            arr = np.zeros(size, dtype.np)
        else:
            # ml_dtypes' own types (float8_e5m2 advertises the array-interface type '<f1', which numpy cannot
            # read back) are strided as raw bytes of their size and reinterpreted after the copy
            raw_view = np.dtype(dtype.np).num >= 256
            src = typed[offset:].view(np.dtype(f"V{dtype.itemsize}")) if raw_view else typed[offset:]
            arr = np.lib.stride_tricks.as_strided(src, size, [s * dtype.itemsize for s in stride], writeable=False)
            if raw_view:
                arr = np.array(arr, copy=True).view(dtype.np)
        dev = storage.device or _device_cls("cpu")
        t._data = jax.device_put(np.array(arr, copy=True), jax_device(dev))

    def finish(self) -> None:
        """Legacy format, once the storages' bytes are read: fill the roots; identity views share their buffer."""
        for t, storage, layout in self.pending:
            if storage.bytes_() is None:
                raise _LoadError("legacy checkpoint is missing storage data")
            self._fill(t, storage, layout)
        for storage in self.storages.values():
            root = storage.holder
            if root is None:
                continue
            for m, _ in storage.members:
                if m is not root and m._base is root and not m._view_chain and m.__dict__.get("_data") is None:
                    m._data = root._data
                    m._derived_version = root._version_box[0]

    def rebuild_parameter(self, data, requires_grad, backward_hooks=None, state=None) -> Parameter:
        if not isinstance(data, Tensor) or type(requires_grad) is not bool:
            raise _LoadError("malformed Parameter in checkpoint")
        p = Parameter.__new__(Parameter, Tensor._make(None), False)
        storage = self.member_of.get(id(data))
        member = None if storage is None else next((m for m in storage.members if m[0] is data), None)
        if member is not None and (data is storage.holder or (
                self._covers(storage, member[1]) and not isinstance(storage.holder, Parameter)
                and storage.holder_dtype is member[1][3])):
            # the Parameter becomes the storage's root in place of the tensor it wraps, or of another tensor
            # covering the storage (a detached snapshot saved beside it), which becomes its view
            member[0] = p
            self.member_of[id(p)] = storage
            self._promote(storage, p)
        else:  # a Parameter made from a view owns its data (as Parameter(view) does in jaxtorch)
            if member is not None and storage.holder.__dict__.get("_data", 0) is None:  # legacy: bytes not read yet
                p._data = None
                self.pending.append((p, storage, member[1]))
            else:
                p._data = data._data
        dtype = member[1][3] if member is not None else data.dtype
        if requires_grad and not dtype.is_inexact:
            raise _LoadError("only Tensors of floating point dtype can require gradients")
        p._requires_grad = requires_grad
        if state:
            _set_state(p, state)
        return p

    def rebuild_from_type(self, func, new_type, args, state):
        if func not in (self.rebuild_tensor_v2, self.rebuild_tensor_v3, self.rebuild_parameter, self.rebuild_v1):
            raise _LoadError(f"_rebuild_from_type_v2 cannot call {func!r}")
        if type(args) is not tuple:
            raise _LoadError("malformed _rebuild_from_type_v2 arguments")
        t = func(*args)
        if new_type is Parameter and type(t) is Tensor:
            t = self.rebuild_parameter(t, t.requires_grad)
        elif new_type not in (Tensor, Parameter) and new_type is not type(t):
            raise _LoadError(f"jaxtorch cannot rebuild a tensor of type {new_type!r}")
        if state:
            _set_state(t, state)
        return t

    def rebuild_v1(self, storage, storage_offset, size, stride):
        return self.rebuild_tensor(storage, storage_offset, size, stride)

    def rebuild_tensor_v2(self, storage, storage_offset, size, stride, requires_grad, backward_hooks,
                          metadata=None):
        return self.rebuild_tensor(storage, storage_offset, size, stride, requires_grad, backward_hooks)

    def rebuild_tensor_v3(self, storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype,
                          metadata=None):
        return self.rebuild_tensor(storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype=dtype)

    def torch_globals(self) -> dict:
        """torch's global names -> the objects that stand for them here (no torch import)."""
        rc: dict[str, Any] = {
            "torch._utils._rebuild_tensor": self.rebuild_v1,
            "torch._utils._rebuild_tensor_v2": self.rebuild_tensor_v2,
            "torch._utils._rebuild_tensor_v3": self.rebuild_tensor_v3,
            "torch._utils._rebuild_parameter": self.rebuild_parameter,
            "torch._utils._rebuild_parameter_with_state": self.rebuild_parameter,
            "torch._tensor._rebuild_from_type_v2": self.rebuild_from_type,
        }
        return rc


def jax_devices_of(platform: str) -> tuple:
    from ._device import _jax_devices

    return _jax_devices(platform)


def _int_tuple(x, what: str) -> tuple:
    if type(x) not in (tuple, Size, list) or any(type(v) is not int or v < 0 for v in x):
        raise _LoadError(f"invalid tensor {what} {x!r}")
    return tuple(x)


def _set_state(obj, state) -> None:
    slots = None
    if type(state) is tuple and len(state) == 2:
        state, slots = state
    for part in (state, slots):
        if part is None:
            continue
        if type(part) is not dict or any(type(k) is not str or k.startswith("_") for k in part):
            raise _LoadError("tensor state may only set public attributes")
        for k, v in part.items():
            setattr(obj, k, v)
