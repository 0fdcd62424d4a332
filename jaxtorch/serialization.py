"""torch.save / torch.load in PyTorch's own file formats, with no torch import.

Writing: a zip archive `<name>/data.pkl` (pickle protocol 2) + `<name>/data/<key>` raw storages +
`byteorder`, `version`, `.format_version`, `.storage_alignment` records, storages 64-byte aligned. Tensors
pickle as torch does (`torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad,
OrderedDict())`); views of one base share one storage. A custom pure-Python Pickler writes torch's global
names, so the Tensor classes keep their own `__reduce_ex__` (multiprocessing uses that).

Reading: the zip format and the legacy (pre-1.6) stream format. `weights_only=True` (the default) runs an
opcode interpreter of our own that only ever touches the allow-list below; `weights_only=False` is a plain
pickle load that maps `torch.*` globals to `jaxtorch.*`.
"""

from __future__ import annotations

import _codecs
import contextlib
import io
import os
import pickle
import shutil
import stat
import struct
import sys
import tempfile
import warnings
import zipfile
from collections import Counter, OrderedDict
from typing import Any, BinaryIO, Callable

import jax
import numpy as np

from . import _dtype as _dt
from ._device import device as _device_cls
from ._device import jax_device, to_device
from ._tensor import Size, Tensor, chain_index_map
from .nn.parameter import Parameter

__all__ = ["save", "load", "add_safe_globals", "get_safe_globals", "clear_safe_globals", "safe_globals",
           "DEFAULT_PROTOCOL"]

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


def save(obj: Any, f, pickle_module: Any = None, pickle_protocol: int = DEFAULT_PROTOCOL,
         _use_new_zipfile_serialization: bool = True, _disable_byteorder_record: bool = False) -> None:
    """torch.save: write obj to a path (atomically: temp file + rename) or a writable binary file."""
    if pickle_module is not None and pickle_module is not pickle:
        raise NotImplementedError("jaxtorch.save: only the standard pickle module is supported")
    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        directory = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(directory):
            raise RuntimeError(f"Parent directory {directory} does not exist.")
        args = (_archive_name(path), pickle_protocol, _use_new_zipfile_serialization, _disable_byteorder_record)
        if _replace_is_safe(path, directory):
            _save_replacing(obj, path, directory, args)
        else:  # a symlink, a hard-linked file, a device, or an unwritable directory: write through, as torch
            with open(path, "wb") as fh:
                _save_to(obj, fh, *args)
        return
    if not hasattr(f, "write"):
        raise AttributeError(f"expected 'f' to be string, path, or a file-like object with a 'write' attribute, "
                             f"got {type(f).__name__}")
    _save_to(obj, f, "archive", pickle_protocol, _use_new_zipfile_serialization, _disable_byteorder_record)


def _replace_is_safe(path: str, directory: str) -> bool:
    """Whether writing a new file and renaming it over `path` leaves the user with what a plain write would:
    only for a regular file with one link (or no file yet) in a directory this process may write to."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return os.access(directory, os.W_OK | os.X_OK)
    return stat.S_ISREG(st.st_mode) and st.st_nlink == 1 and os.access(directory, os.W_OK | os.X_OK)


def _save_replacing(obj, path: str, directory: str, args: tuple) -> None:
    """Write to an unnamed file in the directory (Linux O_TMPFILE: a crash or SIGKILL leaves nothing behind),
    give it a name only when complete, and rename that over `path`. Elsewhere, or on a filesystem without
    O_TMPFILE, a named temporary file that is removed on any error."""
    mode = _file_mode(path)
    fd = -1
    if hasattr(os, "O_TMPFILE") and os.path.isdir("/proc/self/fd"):
        try:
            fd = os.open(directory, os.O_TMPFILE | os.O_WRONLY, 0o600)
        except OSError:
            fd = -1
    tmp = None
    try:
        if fd < 0:
            fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            _save_to(obj, fh, *args)
            fh.flush()
            os.fsync(fh.fileno())
            os.fchmod(fh.fileno(), mode)
            if tmp is None:  # name the finished file, then move it into place
                tmp = os.path.join(directory, f".{os.path.basename(path)}.{os.urandom(6).hex()}.tmp")
                if not _link_open_file(fh.fileno(), tmp):
                    tmp = None
                    fd2, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".",
                                                suffix=".tmp")
                    with os.fdopen(fd2, "wb") as named:
                        fh.flush()
                        with open(f"/proc/self/fd/{fh.fileno()}", "rb") as src:
                            shutil.copyfileobj(src, named)
                        named.flush()
                        os.fsync(named.fileno())
                        os.fchmod(named.fileno(), mode)
        os.replace(tmp, path)
    except BaseException:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise


def _link_open_file(fd: int, dest: str) -> bool:
    """Give the unnamed (O_TMPFILE) file open as `fd` the name `dest`: linkat(2) following /proc/self/fd/N
    (os.link does not pass AT_SYMLINK_FOLLOW). False when the platform refuses."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        at_fdcwd, at_symlink_follow = -100, 0x400
        rc = libc.linkat(at_fdcwd, f"/proc/self/fd/{fd}".encode(), at_fdcwd, os.fsencode(dest), at_symlink_follow)
    except (OSError, AttributeError):
        return False
    return rc == 0


def _file_mode(path: str) -> int:
    """Mode a plain open(path, 'w') would give: the existing file's, else 0o666 minus the umask."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


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
        if member is not None and data is storage.holder:
            # the Parameter takes the place of the tensor it wraps as the storage's root
            member[0] = p
            self.member_of[id(p)] = storage
            self._promote(storage, p)
        elif member is not None and self._covers(storage, member[1]) and not isinstance(storage.holder, Parameter) \
                and storage.holder_dtype is member[1][3]:
            # covers a storage whose root is another tensor (a detached snapshot saved beside it): the Parameter
            # becomes the root, the others its views
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
        rc.update(_STATIC_GLOBALS)
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
        self.allowed = loader.torch_globals() if loader is not None else dict(_STATIC_GLOBALS)
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
        stack: list = []
        metastack: list = []
        memo: dict = {}
        read, op = self._read, _OP
        while True:
            key = self.file.read(1)
            if not key:
                raise _TruncatedError("pickle data was truncated")
            c = key[0]
            if c == op["PROTO"]:
                self._read(1)
            elif c == op["FRAME"]:
                self._read(8)
            elif c == op["STOP"]:
                if not stack:
                    raise _UnderflowError("unpickling stack underflow")
                return stack.pop()
            elif c == op["MARK"]:
                metastack.append(stack)
                stack = []
            elif c == op["POP"]:
                stack.pop()
            elif c == op["POP_MARK"]:
                stack = metastack.pop()
            elif c == op["DUP"]:
                stack.append(stack[-1])
            elif c == op["NONE"]:
                stack.append(None)
            elif c == op["NEWTRUE"]:
                stack.append(True)
            elif c == op["NEWFALSE"]:
                stack.append(False)
            elif c == op["BININT"]:
                stack.append(struct.unpack("<i", read(4))[0])
            elif c == op["BININT1"]:
                stack.append(read(1)[0])
            elif c == op["BININT2"]:
                stack.append(struct.unpack("<H", read(2))[0])
            elif c == op["LONG1"]:
                stack.append(pickle.decode_long(read(read(1)[0])))
            elif c == op["LONG4"]:
                n = struct.unpack("<i", read(4))[0]
                if n < 0:
                    raise _WeightsError("LONG pickle has negative byte count")
                stack.append(pickle.decode_long(read(n)))
            elif c == op["BINFLOAT"]:
                stack.append(struct.unpack(">d", read(8))[0])
            elif c in (op["BINUNICODE"], op["SHORT_BINUNICODE"], op["BINUNICODE8"]):
                n = (read(1)[0] if c == op["SHORT_BINUNICODE"] else
                     struct.unpack("<I", read(4))[0] if c == op["BINUNICODE"] else struct.unpack("<Q", read(8))[0])
                stack.append(str(read(n), "utf-8", "surrogatepass"))
            elif c in (op["SHORT_BINSTRING"], op["BINSTRING"]):
                n = read(1)[0] if c == op["SHORT_BINSTRING"] else struct.unpack("<i", read(4))[0]
                if n < 0:
                    raise _WeightsError("BINSTRING pickle has negative byte count")
                data = read(n)
                stack.append(data if self.encoding == "bytes" else data.decode(self.encoding, "strict"))
            elif c in (op["BINBYTES"], op["SHORT_BINBYTES"], op["BINBYTES8"], op["BYTEARRAY8"]):
                n = (read(1)[0] if c == op["SHORT_BINBYTES"] else
                     struct.unpack("<I", read(4))[0] if c == op["BINBYTES"] else struct.unpack("<Q", read(8))[0])
                data = read(n)
                stack.append(bytearray(data) if c == op["BYTEARRAY8"] else data)
            elif c == op["EMPTY_TUPLE"]:
                stack.append(())
            elif c == op["TUPLE"]:
                items, stack = stack, metastack.pop()
                stack.append(tuple(items))
            elif c == op["TUPLE1"]:
                stack[-1] = (stack[-1],)
            elif c == op["TUPLE2"]:
                stack[-2:] = [(stack[-2], stack[-1])]
            elif c == op["TUPLE3"]:
                stack[-3:] = [(stack[-3], stack[-2], stack[-1])]
            elif c == op["EMPTY_LIST"]:
                stack.append([])
            elif c == op["LIST"]:
                items, stack = stack, metastack.pop()
                stack.append(items)
            elif c == op["EMPTY_DICT"]:
                stack.append({})
            elif c == op["DICT"]:
                items, stack = stack, metastack.pop()
                stack.append({items[i]: items[i + 1] for i in range(0, len(items) - 1, 2)})
            elif c == op["EMPTY_SET"]:
                stack.append(set())
            elif c == op["FROZENSET"]:
                items, stack = stack, metastack.pop()
                stack.append(frozenset(items))
            elif c == op["APPEND"]:
                item = stack.pop()
                self._check(stack[-1], (list,), "append to lists")
                stack[-1].append(item)
            elif c == op["APPENDS"]:
                items, stack = stack, metastack.pop()
                self._check(stack[-1], (list,), "extend lists")
                stack[-1].extend(items)
            elif c == op["ADDITEMS"]:
                items, stack = stack, metastack.pop()
                self._check(stack[-1], (set,), "add items to sets")
                stack[-1].update(items)
            elif c == op["SETITEM"]:
                v, k = stack.pop(), stack.pop()
                self._check(stack[-1], (dict, OrderedDict, Counter), "SETITEM for dict, collections.OrderedDict, "
                            "collections.Counter")
                stack[-1][k] = v
            elif c == op["SETITEMS"]:
                items, stack = stack, metastack.pop()
                self._check(stack[-1], (dict, OrderedDict, Counter), "SETITEMS for dict, collections.OrderedDict, "
                            "collections.Counter")
                for i in range(0, len(items) - 1, 2):
                    stack[-1][items[i]] = items[i + 1]
            elif c in (op["BINGET"], op["LONG_BINGET"]):
                i = read(1)[0] if c == op["BINGET"] else struct.unpack("<I", read(4))[0]
                if i not in memo:
                    raise _WeightsError(f"Memo value not found at index {i}")
                stack.append(memo[i])
            elif c in (op["BINPUT"], op["LONG_BINPUT"]):
                i = read(1)[0] if c == op["BINPUT"] else struct.unpack("<I", read(4))[0]
                memo[i] = stack[-1]
            elif c == op["MEMOIZE"]:
                memo[len(memo)] = stack[-1]
            elif c == op["GLOBAL"]:
                module = self.file.readline()[:-1].decode("utf-8")
                name = self.file.readline()[:-1].decode("utf-8")
                stack.append(self._global(module, name))
            elif c == op["STACK_GLOBAL"]:
                name, module = stack.pop(), stack.pop()
                if type(name) is not str or type(module) is not str:
                    raise _WeightsError("STACK_GLOBAL requires str")
                stack.append(self._global(module, name))
            elif c == op["REDUCE"]:
                args, func = stack.pop(), stack[-1]
                if not self._can_call(func):
                    raise _WeightsError(f"Trying to call reduce for unrecognized function {func!r}")
                if type(args) is not tuple:
                    raise _WeightsError("REDUCE arguments must be a tuple")
                stack[-1] = func(*args)
            elif c in (op["NEWOBJ"], op["NEWOBJ_EX"]):
                kwargs = stack.pop() if c == op["NEWOBJ_EX"] else {}
                args, cls = stack.pop(), stack.pop()
                stack.append(self._newobj(cls, args, kwargs))
            elif c == op["BUILD"]:
                state = stack.pop()
                self._build(stack[-1], state)
            elif c == op["BINPERSID"]:
                if self.loader is None:
                    raise _WeightsError("unsupported persistent id encountered")
                stack.append(self.loader.persistent_load(stack.pop()))
            else:
                raise _WeightsError(f"Unsupported operand {c}")

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


from _compat_pickle import IMPORT_MAPPING as _IMPORT_MAPPING  # noqa: E402
from _compat_pickle import NAME_MAPPING as _NAME_MAPPING  # noqa: E402


class _FullUnpickler(pickle.Unpickler):
    """weights_only=False: an ordinary unpickler; torch's names resolve to jaxtorch's objects."""

    def __init__(self, file, loader: _Loader, **kwargs):
        super().__init__(file, **kwargs)
        self.loader = loader
        self.torch = loader.torch_globals()
        self.size = len(file.getbuffer()) if isinstance(file, io.BytesIO) else getattr(file, "end", None)

    def load(self):
        try:
            return super().load()
        except MemoryError:
            # the C unpickler allocates what a length field claims before reading it
            raise _LoadError(f"pickle data was truncated: a length field claims more memory than is available, "
                             f"from a file of {self.size} bytes (corrupt or hostile checkpoint)") from None

    def find_class(self, module: str, name: str):
        full = f"{module}.{name}"
        if full in self.torch:
            return self.torch[full]
        _unsupported_dtype(module, name)
        if module == "torch" or module.startswith("torch."):
            module = "jaxtorch" + module[len("torch"):]
        return super().find_class(module, name)

    def persistent_load(self, pid):
        return self.loader.persistent_load(pid)


# ------------------------------------------------------------------------------------------------ load()
_ZIP_HINT = (" This is an internal miniz error. If you are seeing this error, there is a high likelihood that your "
             "checkpoint file is corrupted. This can happen if the checkpoint was not saved properly, was "
             "transferred incorrectly, or the file was modified after saving.")


_TRUE_VALUES = ("1", "y", "yes", "true")


def load(f, map_location=None, pickle_module: Any = None, *, weights_only: bool | None = None,
         mmap: bool | None = None, **pickle_load_args) -> Any:
    """torch.load: read a file torch.save (real torch or jaxtorch) wrote. Safe by default (weights_only).

    As torch, the environment can force the choice: TORCH_FORCE_WEIGHTS_ONLY_LOAD=1 makes every load
    weights-only (even with weights_only=False), TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1 turns it off where the caller
    did not pass weights_only (with a warning)."""
    weights_only_not_set = weights_only is None
    if weights_only_not_set:
        weights_only = pickle_module is None
    force_on = os.getenv("TORCH_FORCE_WEIGHTS_ONLY_LOAD", "0").lower() in _TRUE_VALUES
    force_off = os.getenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "0").lower() in _TRUE_VALUES
    if force_on and force_off:
        raise RuntimeError("Only one of `TORCH_FORCE_WEIGHTS_ONLY_LOAD` or `TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD` "
                           "should be set, but both were set.")
    if force_on:
        weights_only = True
    elif force_off and weights_only_not_set:
        warnings.warn("Environment variable TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD detected, since the`weights_only` "
                      "argument was not explicitly passed to `torch.load`, forcing weights_only=False.", UserWarning,
                      stacklevel=2)
        weights_only = False
    if weights_only and pickle_module is not None:
        raise RuntimeError("Can not safely load weights when explicit pickle_module is specified")
    if mmap and not isinstance(f, (str, os.PathLike)):
        raise ValueError("f must be a file path in order to use the mmap argument")
    encoding = pickle_load_args.pop("encoding", "utf-8")
    if pickle_load_args:
        raise TypeError(f"load() got unexpected keyword arguments {sorted(pickle_load_args)}")
    if isinstance(f, (str, os.PathLike)):
        with open(os.fspath(f), "rb") as fh:
            return _load_from(fh, map_location, weights_only, encoding)
    if not hasattr(f, "read"):
        raise AttributeError(f"expected 'f' to be string, path, or a file-like object with a 'read' attribute, "
                             f"got {type(f).__name__}")
    if not (hasattr(f, "seek") and getattr(f, "seekable", lambda: True)()):
        f = io.BytesIO(f.read())
    return _load_from(f, map_location, weights_only, encoding)


def _load_from(fh: BinaryIO, map_location, weights_only: bool, encoding: str):
    start = fh.tell()
    magic = fh.read(4)
    fh.seek(start)
    if magic == b"PK\x03\x04":
        return _load_zip(fh, map_location, weights_only, encoding)
    if not magic:
        raise EOFError("Ran out of input")
    return _load_legacy(fh, map_location, weights_only, encoding)


_WO_ERRORS = (pickle.UnpicklingError, IndexError, KeyError, TypeError, ValueError, struct.error, EOFError,
              AttributeError, OverflowError, UnicodeDecodeError)


def _unpickle(data: bytes, loader: _Loader, weights_only: bool, encoding: str):
    if not weights_only:
        return _FullUnpickler(io.BytesIO(data), loader, encoding=encoding).load()
    try:
        return _SafeUnpickler(data, loader, encoding=encoding).load()
    except (_LoadError, RuntimeError):
        raise
    except _WO_ERRORS as e:
        raise _wo_error(e) from None


def _load_zip(fh: BinaryIO, map_location, weights_only: bool, encoding: str):
    try:
        zf = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
        raise _LoadError(f"PytorchStreamReader failed reading zip archive: failed finding central directory "
                         f"({e}).{_ZIP_HINT}") from None
    with zf:
        infos = zf.infolist()
        if not infos:
            raise _LoadError("PytorchStreamReader failed reading zip archive: archive is empty." + _ZIP_HINT)
        prefix = infos[0].filename.split("/", 1)[0]
        records = {i.filename[len(prefix) + 1:]: i for i in infos if i.filename.startswith(prefix + "/")}
        fh.seek(0, os.SEEK_END)
        file_size = fh.tell()
        for info in infos:  # a directory that places or sizes a record past the end of the file lies
            if info.header_offset + info.compress_size > file_size or info.file_size > file_size:
                raise _LoadError("PytorchStreamReader failed reading zip archive: invalid header or archive is "
                                 f"corrupted (record {info.filename} claims {info.file_size} bytes at offset "
                                 f"{info.header_offset} of a {file_size}-byte file).{_ZIP_HINT}")

        def read(name: str) -> bytes:
            info = records.get(name)
            if info is None:
                raise _LoadError(f"PytorchStreamReader failed locating file {name}: file not found")
            if info.compress_type != zipfile.ZIP_STORED:
                raise _LoadError(f"PytorchStreamReader: record {name} is compressed; torch archives store records "
                                 "uncompressed")
            if info.file_size > file_size:
                raise _LoadError(f"PytorchStreamReader failed reading record {name}: declared size "
                                 f"{info.file_size} exceeds the file ({file_size} bytes)")
            try:
                return zf.read(info)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
                raise _LoadError(f"PytorchStreamReader failed reading file {name}: {e}.{_ZIP_HINT}") from None

        loader = _Loader(map_location, lambda key: np.frombuffer(read(f"data/{key}"), np.uint8))
        if "byteorder" in records:
            order = read("byteorder").decode("ascii", "replace")
            if order not in ("little", "big"):
                raise _LoadError(f"Unknown endianness type: {order}")
            loader.swap = order != sys.byteorder
        return _unpickle(read("data.pkl"), loader, weights_only, encoding)


def _load_legacy(fh: BinaryIO, map_location, weights_only: bool, encoding: str):
    loader = _Loader(map_location, None)

    def next_pickle(with_storages: bool = False):
        if not weights_only:
            unpickler = _FullUnpickler(_Bounded(fh), loader, encoding=encoding)
            if not with_storages:
                unpickler.persistent_load = _no_persistent_ids
            return unpickler.load()
        try:
            return _SafeUnpickler(fh, loader if with_storages else None, encoding).load()
        except (_LoadError, RuntimeError):
            raise
        except _WO_ERRORS as e:
            raise _wo_error(e) from None

    if next_pickle() != _MAGIC_NUMBER:
        raise RuntimeError("Invalid magic number; corrupt file?")
    version = next_pickle()
    if version != _PROTOCOL_VERSION:
        raise RuntimeError(f"Invalid protocol version: {version}")
    sys_info = next_pickle()
    if type(sys_info) is not dict:
        raise _LoadError("malformed legacy header")
    loader.swap = sys_info.get("little_endian", True) != (sys.byteorder == "little")
    result = next_pickle(with_storages=True)
    keys = next_pickle()
    if type(keys) is not list or any(type(k) is not str for k in keys):
        raise _LoadError("malformed legacy storage key list")
    pos = fh.tell()
    end = fh.seek(0, os.SEEK_END)
    fh.seek(pos)
    for key in keys:
        storage = loader.storages.get(key)
        if storage is None or storage.root is not None or storage.raw is not None:
            raise _LoadError(f"legacy storage key {key!r} is not used by the checkpoint")
        n = struct.unpack("<q" if not loader.swap else ">q", _read_exact(fh, 8))[0]
        nbytes = n * (storage.dtype.itemsize if storage.dtype is not None else 1)
        if n != storage.numel or nbytes > end - fh.tell():
            raise _LoadError(f"legacy storage {key!r} declares {n} elements, which the file does not hold")
        storage.raw = np.frombuffer(_read_exact(fh, nbytes), np.uint8)
    loader.finish()
    return result


def _no_persistent_ids(pid):
    raise _LoadError("unexpected persistent id in a legacy checkpoint header")


def _read_exact(fh: BinaryIO, n: int) -> bytes:
    b = fh.read(n)
    if len(b) != n:
        raise _LoadError("legacy checkpoint is truncated")
    return b
