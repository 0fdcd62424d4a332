"""torch.storage: the memory behind tensors, as torch's Python API shows it.

An `UntypedStorage` is a window of bytes on a *root* tensor's payload: (root, byte offset, byte count). A
tensor's storage (`t.untyped_storage()`) is its root's whole payload, so every view of one tensor reports the
same storage, and `data_ptr()` is the address of the root's buffer (see `Tensor.data_ptr`). A storage made on
its own (`UntypedStorage(n)`, `from_buffer`, `from_file`) owns a fresh uint8 root.

Reading a storage reads the root's bytes. Writing one (`s[i] = v`, `fill_`, `copy_`) rebinds the root to a new
payload with those bytes, so every tensor on the storage sees the write; as in torch, this does not move any
tensor's version counter. A tensor made *from* a storage (`torch.asarray(s, dtype=...)`, `torch.tensor(s)`,
`t.set_(s)`, `torch.from_file`) is a view of the root that reinterprets its bytes (a dtype view, see
`dtype_view_impl` in _tensor.py): it aliases the storage both ways, as in torch.

`TypedStorage` and the legacy classes (`torch.FloatStorage`, ...) wrap an UntypedStorage with a dtype. Torch
deprecates them and warns on first use; so does jaxtorch, with torch's text.

Storages made without a device (`UntypedStorage(n)`, `from_buffer`, `from_file`) hold their bytes on the host
(a numpy payload, like the host tensors transforms make): the tensors sliced out of them are numpy views until an
op moves them to the device, so loading a file moves each tensor's bytes once and compiles nothing per tensor.

What differs from torch, and why:
- `share_memory_()` cannot place JAX buffers in memory shared between processes: it returns the storage
  unchanged and `is_shared()` stays False (a pickled storage is a copy in the receiving process).
- `from_file(..., shared=True)` reads the file once; writes to such a storage or to a tensor on it raise
  NotImplementedError instead of reaching the file, and later changes to the file are not seen.
- `resize_` works on storages that own their bytes and have no live tensors on them; the storage of a tensor
  cannot grow or shrink (its size is the tensor's JAX payload), so that raises NotImplementedError.
- `pin_memory()` returns a copy (JAX has no pinned host memory); `is_pinned()` is False.
- `torch.asarray(storage, copy=True)` copies (torch 2.13 ignores copy=True for a storage and aliases it).
- a bool tensor holds only 0 and 1 (JAX normalises bools), so a bool view of bytes other than 0/1 reads them as
  1; writing through such a view leaves the bytes of the elements it does not change as they were.
"""

from __future__ import annotations

import collections.abc
import copy
import numbers
import os
import sys
import warnings
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from . import _dtype as _dt
from ._device import to_device
from ._tensor import Tensor, _is_tracer, dtype_view_impl

__all__ = ["TypedStorage", "UntypedStorage"]

_NATIVE = "little" if sys.byteorder == "little" else "big"


def _legacy_name(dtype: _dt.dtype) -> str:
    """The legacy class's stem for a dtype (torch.float32 -> 'Float', as in torch.FloatStorage)."""
    return _dt.SCALAR_NAMES.get(dtype.name, "")


# ---------------------------------------------------------------------------------------------
# roots and aliases


def _new_root(data: np.ndarray, device=None) -> Tensor:
    """A fresh root tensor owning `data`: on `device`, or without one a host tensor (numpy payload, moved to
    jaxtorch's default device by the first op that uses it), so that reading a file or a buffer and slicing it
    into tensors dispatches no JAX work and moves only the bytes each tensor uses."""
    from ._device import jax_device

    if device is None:
        data = np.ascontiguousarray(data)
        data.flags.writeable = False  # payloads are immutable: writes rebind the root (see _write_root)
        root = Tensor._make(data)
    else:
        root = Tensor._make(jax.device_put(data, jax_device(device)))
    root._storage_owned = True  # resize_ may rebind it: no tensor's shape depends on it
    return root


def _place(storage: UntypedStorage):
    """The device argument of _new_root for a copy of `storage` that stays where it is."""
    return None if isinstance(storage._root._data, np.ndarray) else storage.device


def _host_bytes(root: Tensor) -> np.ndarray:
    """The root's payload as flat uint8 (read-only; zero-copy for a payload on the CPU)."""
    d = root._value()
    if _is_tracer(d):
        raise RuntimeError(
            "jaxtorch: a storage cannot be read while its tensor is being traced (torch.compile, "
            "jax.jit): its bytes do not exist until the program runs"
        )
    return np.asarray(d).reshape(-1).view(np.uint8)


def _write_root(root: Tensor, start: int, data: np.ndarray) -> None:
    """Write `data` (uint8) over the root's bytes from byte `start`, by rebinding its payload."""
    if root._readonly is not None:
        raise NotImplementedError(root._readonly)
    cur = root._value()
    if _is_tracer(cur):
        raise RuntimeError(
            "jaxtorch: a storage cannot be written while its tensor is being traced (torch.compile, jax.jit)"
        )
    full = np.array(np.asarray(cur)).reshape(-1).view(np.uint8)
    full[start : start + data.size] = data
    npdt = np.dtype(cur.dtype)
    new = (full != 0) if npdt == np.bool_ else full.view(npdt)
    new = new.reshape(cur.shape)
    new.flags.writeable = False
    root._data = new if isinstance(cur, np.ndarray) else jax.device_put(new, cur.sharding)
    # the views of the root re-derive (generation moves); torch's version counter does not count storage writes
    box = root._box()
    box[0] += 1
    box[1] += 1


def _alias(storage: UntypedStorage, dtype: _dt.dtype) -> Tensor:
    """A 1-D tensor of `dtype` over the storage's bytes (a trailing partial element is left out, as in
    torch): a view of the storage's root, invisible to autograd, with a version counter of its own."""
    from ._ops._dispatch import apply
    from ._ops.shape import _reshape_impl, _slice_impl
    from ._tensor import apply_chain
    from .autograd.grad_mode import no_grad

    root, offset, nbytes = storage._root, storage._offset, storage.nbytes()
    size = dtype.itemsize
    n = nbytes // size
    payload = root._value()
    chain: tuple = ((_reshape_impl, (("shape", (root.numel(),)),)),)
    if root.dtype == dtype and offset % size == 0:
        start = offset // size
        chain += ((_slice_impl, (("dim", 0), ("start", start), ("stop", start + n), ("step", 1))),)
    else:
        if root.dtype != _dt.uint8:
            chain += ((dtype_view_impl, (("src", root.dtype.np), ("dst", np.dtype(np.uint8)))),)
        chain += ((_slice_impl, (("dim", 0), ("start", offset), ("stop", offset + n * size), ("step", 1))),)
        if dtype != _dt.uint8:
            chain += ((dtype_view_impl, (("src", np.dtype(np.uint8)), ("dst", dtype.np))),)
    if isinstance(payload, np.ndarray) or _on_cpu(payload):
        # numpy reads the bytes without a copy and without compiling a program per slice (one per tensor a
        # safetensors file holds)
        flat = np.asarray(payload).reshape(-1).view(np.uint8)[offset : offset + n * size]
        value = (flat != 0) if dtype == _dt.bool_ else flat.view(dtype.np)
        t = Tensor._make(value if isinstance(payload, np.ndarray) else jax.device_put(value, payload.sharding))
    else:
        with no_grad():
            t = apply(apply_chain, (root,), (("chain", chain),), "alias")
    t._base, t._view_chain, t._version_box = root, chain, root._box()
    t._derived_version = root._version_box[0]
    t._detached_view = True
    t._vc = [0]
    if offset != 0 or storage._fixed_nbytes is not None:
        t._storage_span = (offset, nbytes)
    return t


def _on_cpu(payload) -> bool:
    """Whether a payload is a concrete jax.Array on one CPU device (numpy can read it in place)."""
    if _is_tracer(payload):
        return False
    devices = payload.sharding.device_set
    return len(devices) == 1 and next(iter(devices)).platform == "cpu"


def tensor_from_storage(
    storage, dtype=None, device=None, copy: bool | None = None, requires_grad: bool = False
) -> Tensor:
    """torch.asarray / torch.tensor / torch.as_tensor of a storage: a 1-D tensor aliasing its bytes."""
    if isinstance(storage, TypedStorage):
        if dtype is not None and _dt.to_dtype(dtype) != storage.dtype:
            raise RuntimeError(
                f"Expected a Storage of type {_dt.SCALAR_NAMES[_dt.to_dtype(dtype).name]} or an "
                f"UntypedStorage, but got {_dt.SCALAR_NAMES[storage.dtype.name]}"
            )
        d, storage = storage.dtype, storage._untyped_storage
    else:
        # torch reads an untyped storage as int64 unless told otherwise
        d = _dt.to_dtype(dtype) if dtype is not None else _dt.int64
    t = _alias(storage, d)
    if device is not None and to_device(device) != t.device:
        if copy is False:
            raise ValueError(f"can't alias a storage on {t.device} as a tensor on {to_device(device)}")
        t = t.to(device)
    elif copy:
        t = t.clone()
    if requires_grad:
        if not d.is_inexact:
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        t.requires_grad_(True)
    return t


# ---------------------------------------------------------------------------------------------
# UntypedStorage


class _StorageBase:
    """What UntypedStorage (and, through it, TypedStorage) has in common, as torch names it."""

    is_sparse = False
    is_sparse_csr = False

    def __len__(self) -> int:
        return self.nbytes()

    def size(self) -> int:
        return self.nbytes()

    def element_size(self) -> int:
        return 1

    def get_device(self) -> int | None:
        return self.device.index  # None on the CPU, as in torch (unlike Tensor.get_device's -1)

    def is_pinned(self, device=None) -> bool:
        return False

    def is_shared(self) -> bool:
        return False

    def __iter__(self):
        return iter(self.tolist())

    def __sizeof__(self) -> int:
        return object.__sizeof__(self) + self.nbytes()

    def __copy__(self):
        return self.clone()

    def __deepcopy__(self, memo):
        memo = {} if memo is None else memo
        if id(self) not in memo:
            memo[id(self)] = self.clone()
        return memo[id(self)]

    def __repr__(self) -> str:
        info = f"[{self.type()}(device={self.device}) of size {len(self)}]"
        return " " + "\n ".join(str(v) for v in self.tolist()) + "\n" + info

    __str__ = __repr__

    def _to(self, dtype) -> TypedStorage:
        """A TypedStorage of `dtype` holding each byte's value converted (not reinterpreted)."""
        t = _alias(self, _dt.uint8).to(_dt.to_dtype(dtype))
        return t._typed_storage()

    def double(self):
        return self._to(_dt.float64)

    def float(self):
        return self._to(_dt.float32)

    def half(self):
        return self._to(_dt.float16)

    def bfloat16(self):
        return self._to(_dt.bfloat16)

    def long(self):
        return self._to(_dt.int64)

    def int(self):
        return self._to(_dt.int32)

    def short(self):
        return self._to(_dt.int16)

    def char(self):
        return self._to(_dt.int8)

    def byte(self):
        return self._to(_dt.uint8)

    def bool(self):
        return self._to(_dt.bool_)

    def complex_double(self):
        return self._to(_dt.complex128)

    def complex_float(self):
        return self._to(_dt.complex64)


class UntypedStorage(_StorageBase):
    """torch.UntypedStorage: bytes on a device. `UntypedStorage()`, `UntypedStorage(nbytes)` (zero-filled; torch
    leaves them uninitialised) or `UntypedStorage(sequence of ints)` (each taken modulo 256)."""

    def __init__(self, *args, device=None) -> None:
        if len(args) > 1:
            raise TypeError(f"UntypedStorage(): expected at most 1 positional argument, got {len(args)}")
        if not args:
            data = np.zeros(0, np.uint8)
        elif isinstance(args[0], numbers.Integral) and not isinstance(args[0], bool):
            if args[0] < 0:
                raise RuntimeError(f"Trying to create tensor with negative dimension {int(args[0])}: [{int(args[0])}]")
            data = np.zeros(int(args[0]), np.uint8)
        elif isinstance(args[0], collections.abc.Sequence) and not isinstance(args[0], (str, bytes, bytearray)):
            try:
                data = (np.asarray([int(v) for v in args[0]], dtype=np.int64) & 0xFF).astype(np.uint8)
            except (TypeError, ValueError):
                raise TypeError("UntypedStorage(): a sequence of ints is expected") from None
        else:
            raise TypeError(
                f"UntypedStorage(): argument must be an int or a sequence of ints, not "
                f"{type(args[0]).__name__} (use UntypedStorage.from_buffer for bytes)"
            )
        self._root = _new_root(data, device)
        self._offset = 0
        self._fixed_nbytes = None

    @classmethod
    def _wrap(cls, root: Tensor, offset: int = 0, nbytes: int | None = None) -> UntypedStorage:
        s = object.__new__(cls)
        s._root, s._offset, s._fixed_nbytes = root, offset, nbytes
        return s

    @classmethod
    def _of_tensor(cls, t: Tensor) -> UntypedStorage:
        root = t._base if t._base is not None else t
        if t._storage_span is not None:
            return cls._wrap(root, *t._storage_span)
        ref = root._ustorage
        s = ref() if ref is not None else None
        if s is None:
            import weakref

            s = cls._wrap(root)
            root._ustorage = weakref.ref(s)  # weak: a root's storage must not keep it alive through a cycle
        return s

    # -------------------------------------------------------------------- metadata
    def nbytes(self) -> int:
        if self._fixed_nbytes is not None:
            return self._fixed_nbytes
        return int(self._root._data.size) * self._root._data.dtype.itemsize

    @property
    def device(self):
        return self._root.device

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    @property
    def is_hpu(self) -> bool:
        return False

    @property
    def filename(self) -> str | None:
        """The file this storage was mapped from with `from_file(..., shared=True)`, else None."""
        if self._offset == 0 and self._fixed_nbytes is None:
            return getattr(self._root, "_filename", None)
        return None

    def type(self, dtype: str | None = None, non_blocking: bool = False) -> str:
        if dtype is not None:
            raise NotImplementedError(
                "jaxtorch: UntypedStorage.type(dtype) is not supported; use "
                "TypedStorage(wrap_storage=storage, dtype=...)"
            )
        return "torch.storage.UntypedStorage"

    def data_ptr(self) -> int:
        """The address of the storage's first byte (0 for a storage of a root without bytes)."""
        from ._tensor import _payload_address

        address = _payload_address(self._root)
        return 0 if self._root._data.size == 0 else address + self._offset

    def resizable(self) -> bool:
        return self._owns_root()

    def _owns_root(self) -> bool:
        return self._offset == 0 and self._fixed_nbytes is None and getattr(self._root, "_storage_owned", False)

    def untyped(self) -> UntypedStorage:
        return self

    # -------------------------------------------------------------------- bytes
    def _bytes(self) -> np.ndarray:
        return _host_bytes(self._root)[self._offset : self._offset + self.nbytes()]

    def tolist(self) -> list:
        return self._bytes().tolist()

    def __getitem__(self, idx):
        n = self.nbytes()
        if isinstance(idx, slice):
            if idx.step not in (None, 1):
                raise RuntimeError(f"Trying to slice with a step of {idx.step}, but only a step of 1 is supported")
            start, stop, _ = idx.indices(n)
            return UntypedStorage._wrap(self._root, self._offset + start, max(stop - start, 0))
        if not isinstance(idx, numbers.Integral) or isinstance(idx, bool):
            raise TypeError(f"can't index a torch.UntypedStorage with {type(idx).__name__}")
        if not -n <= idx < n:
            raise IndexError(f"index {int(idx) + n if idx < 0 else int(idx)} out of range for storage of size {n}")
        return int(self._bytes()[int(idx) % n])

    def __setitem__(self, idx, value) -> None:
        n = self.nbytes()
        if isinstance(idx, slice):
            if idx.step not in (None, 1):
                raise RuntimeError(f"Trying to slice with a step of {idx.step}, but only a step of 1 is supported")
            start, stop, _ = idx.indices(n)
            count = max(stop - start, 0)
        elif isinstance(idx, numbers.Integral) and not isinstance(idx, bool):
            if not -n <= idx < n:
                raise IndexError(f"index {int(idx) + n if idx < 0 else int(idx)} out of range for storage of size {n}")
            start, count = int(idx) % n, 1
        else:
            raise TypeError(f"can't index a torch.UntypedStorage with {type(idx).__name__}")
        if is_storage(value):
            raise RuntimeError(f"cannot set item with value type {type(value).__name__}")
        byte = int(value) & 0xFF
        _write_root(self._root, self._offset + start, np.full(count, byte, np.uint8))

    def fill_(self, value) -> UntypedStorage:
        self[:] = value
        return self

    def copy_(self, source, non_blocking: bool | None = None) -> UntypedStorage:
        src = source._untyped_storage if isinstance(source, TypedStorage) else source
        if not isinstance(src, UntypedStorage):
            raise TypeError(f"copy_(): expected a storage, got {type(source).__name__}")
        if src.nbytes() != self.nbytes():
            raise RuntimeError(f"size does not match, self was {self.nbytes()} bytes but src was {src.nbytes()} bytes")
        _write_root(self._root, self._offset, np.array(src._bytes()))
        return self

    def byteswap(self, dtype) -> None:
        """Reverse the byte order of each element of `dtype` in place."""
        size = _dt.to_dtype(dtype).itemsize
        if size > 1:
            b = np.array(self._bytes())
            whole = b.size // size * size
            b[:whole] = b[:whole].reshape(-1, size)[:, ::-1].reshape(-1)
            _write_root(self._root, self._offset, b)

    # -------------------------------------------------------------------- new storages
    def clone(self) -> UntypedStorage:
        s = object.__new__(UntypedStorage)
        s._root = _new_root(np.array(self._bytes()), _place(self))
        s._offset, s._fixed_nbytes = 0, None
        return s

    def new(self) -> UntypedStorage:
        return UntypedStorage(device=_place(self))

    def to(self, *, device, non_blocking: bool = False) -> UntypedStorage:
        device = to_device(device)
        if device == self.device:
            return self
        s = object.__new__(UntypedStorage)
        s._root = _new_root(np.array(self._bytes()), device)
        s._offset, s._fixed_nbytes = 0, None
        return s

    def cpu(self) -> UntypedStorage:
        return self.to(device="cpu")

    def cuda(self, device=None, non_blocking: bool = False) -> UntypedStorage:
        d = to_device("cuda" if device is None else device if not isinstance(device, int) else f"cuda:{device}")
        return self.to(device=d)

    def pin_memory(self, device=None) -> UntypedStorage:
        """A copy (JAX has no pinned host memory to put it in)."""
        return self.clone()

    def share_memory_(self, *args, **kwargs) -> UntypedStorage:
        """Returns the storage unchanged: JAX buffers cannot be placed in memory shared between processes
        (is_shared() stays False; a storage pickled to another process is a copy)."""
        return self

    @classmethod
    def _new_shared(cls, size: int, *, device=None) -> UntypedStorage:
        """A new zero-filled storage (not in shared memory: see share_memory_)."""
        return cls(size, device=device)

    def resize_(self, size: int) -> UntypedStorage:
        """Resize a storage that owns its bytes and has no live tensors on it (new bytes are zero)."""
        if not self._owns_root():
            raise NotImplementedError(
                "jaxtorch: resize_ of a tensor's storage (or a slice of one) is not supported: "
                "the storage's size is fixed by the tensor's JAX payload; use Tensor.resize_"
            )
        box = self._root._version_box
        if box is not None and sys.getrefcount(box) > 2:  # the root's attribute and getrefcount's argument
            raise RuntimeError(
                "jaxtorch: resize_ of a storage with live tensors on it is not supported (their "
                "aliasing with the storage could not be kept)"
            )
        size = int(size)
        if size < 0:
            raise RuntimeError(f"Trying to resize storage to a negative size {size}")
        old = self._bytes()
        data = np.zeros(size, np.uint8)
        data[: min(size, old.size)] = old[:size]
        root = self._root
        root._data = _new_root(data, _place(self))._data
        root._bump()
        return self

    # -------------------------------------------------------------------- constructors from outside
    @classmethod
    def from_buffer(
        cls, buffer, byte_order: str | None = None, count: int = -1, offset: int = 0, *, dtype=None, device=None
    ) -> UntypedStorage:
        """A storage holding a copy of the buffer's elements of `dtype` (read in `byte_order`, stored in the
        machine's order)."""
        if dtype is None:
            raise RuntimeError("argument 'dtype' cannot be None")
        d = _dt.to_dtype(dtype)
        data = _buffer_elements(buffer, d, byte_order, count, offset)
        s = object.__new__(cls)
        s._root = _new_root(data.view(np.uint8), device)
        s._offset, s._fixed_nbytes = 0, None
        return s

    @classmethod
    def from_file(cls, filename: str, shared: bool = False, nbytes: int = 0) -> UntypedStorage:
        """The first `nbytes` bytes of a file. With shared=True torch maps the file so writes reach it; jaxtorch
        reads it once and refuses writes to the storage (and to tensors on it) with NotImplementedError."""
        if not isinstance(filename, str):
            raise TypeError(f"from_file(): argument 'filename' (position 1) must be str, not {type(filename).__name__}")
        nbytes = int(nbytes)
        shared = bool(shared)
        if shared:
            try:
                fd = os.open(filename, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError as e:
                raise RuntimeError(
                    f"unable to open shared memory object <{filename}> in read-write mode: {e.strerror} ({e.errno})"
                ) from None
            try:
                if os.fstat(fd).st_size < nbytes:  # torch grows the file to the mapping's size
                    os.ftruncate(fd, nbytes)
            finally:
                os.close(fd)
        try:
            with open(filename, "rb") as f:
                size = os.fstat(f.fileno()).st_size
                if size < nbytes:
                    raise RuntimeError(
                        f"file <{filename}> size <{size}> is smaller than the required mapping size <{nbytes}>"
                    )
                data = np.frombuffer(f.read(nbytes), np.uint8) if nbytes else np.zeros(0, np.uint8)
        except OSError as e:
            raise RuntimeError(
                f"unable to open file <{filename}> in read-only mode: {e.strerror} ({e.errno})"
            ) from None
        s = object.__new__(cls)
        s._root = root = _new_root(data)
        s._offset, s._fixed_nbytes = 0, None
        if shared:
            root._filename = filename
            root._readonly = (
                f"jaxtorch: cannot write to storage mapped from {filename!r} with shared=True: jaxtorch "
                "reads the file once and cannot write back to it (use shared=False for a private copy)"
            )
            root._storage_owned = False  # a mapping's size is the file's
        return s

    def __reduce__(self):
        return (_rebuild_untyped, (self._bytes().tobytes(), str(self.device)))


def _rebuild_untyped(data: bytes, device: str) -> UntypedStorage:
    s = object.__new__(UntypedStorage)
    try:
        to_device(device)
        from ._device import jax_device

        jax_device(device)
    except RuntimeError:  # the device is not here (a GPU storage loaded on a CPU machine)
        device = None
    s._root = _new_root(np.frombuffer(data, np.uint8).copy(), device)
    s._offset, s._fixed_nbytes = 0, None
    return s


def _buffer_elements(buffer, d: _dt.dtype, byte_order, count, offset) -> np.ndarray:
    """The buffer's elements of dtype d from byte `offset` (`count` of them, or all), in native order."""
    size = d.itemsize
    if size > 1 or byte_order is not None:
        if byte_order is None:
            raise RuntimeError("function missing required argument 'byte_order' (pos 2)")
        if byte_order not in ("native", "little", "big"):
            raise ValueError(f"invalid byte_order '{byte_order}' (expected 'big', 'little', or 'native')")
    raw = memoryview(buffer).cast("B")
    n = len(raw)
    if offset < 0 or offset > n:
        raise ValueError(f"offset must be non-negative and no greater than buffer length ({n}) , but got {offset}")
    if count < 0:
        if (n - offset) % size:
            raise ValueError(f"buffer size ({n - offset}) must be a multiple of element size ({size})")
        count = (n - offset) // size
    elif offset + count * size > n:
        raise ValueError(
            f"buffer has only {n - offset} elements after offset {offset}, but specified a size of {count}"
        )
    if d == _dt.bool_:
        return np.frombuffer(raw, np.uint8, count, offset) != 0
    order = _NATIVE if byte_order in (None, "native") else byte_order
    npdt = d.np.newbyteorder("<" if order == "little" else ">") if size > 1 else d.np
    return np.frombuffer(raw, dtype=npdt, count=count, offset=offset).astype(d.np.newbyteorder("="))


# ---------------------------------------------------------------------------------------------
# TypedStorage and the legacy classes

_always_warn_typed_storage_removal = False
_typed_storage_warned = False


def _get_always_warn_typed_storage_removal() -> bool:
    return _always_warn_typed_storage_removal


def _set_always_warn_typed_storage_removal(always_warn: bool) -> None:
    global _always_warn_typed_storage_removal
    _always_warn_typed_storage_removal = bool(always_warn)


def _reset_warn_typed_storage_removal() -> None:
    global _typed_storage_warned
    _typed_storage_warned = False


def _warn_typed_storage_removal(stacklevel: int = 2) -> None:
    """torch's deprecation warning for TypedStorage: once per process unless always-warn is set."""
    global _typed_storage_warned
    if _always_warn_typed_storage_removal or not _typed_storage_warned:
        warnings.warn(
            "TypedStorage is deprecated. It will be removed in the future and UntypedStorage will be the "
            "only storage class. This should only matter to you if you are using storages directly.  To "
            "access UntypedStorage directly, use tensor.untyped_storage() instead of tensor.storage()",
            UserWarning,
            stacklevel=stacklevel + 1,
        )
        _typed_storage_warned = True


_TYPED_ARGS = (
    "TypedStorage.__init__ received an invalid combination of arguments. Expected one of:\n"
    " * (*, torch.device device, torch.dtype dtype)\n"
    " * (int size, *, torch.device device, torch.dtype dtype)\n"
    " * (Sequence data, *, torch.device device, torch.dtype dtype)\n"
    " * (*, UntypedStorage wrap_storage, torch.dtype dtype)"
)


def _storage_from_sequence(data, d: _dt.dtype, device) -> UntypedStorage:
    from ._ops.creation import tensor

    for v in data:
        if isinstance(v, (str, bytes)):
            raise TypeError(f"new(): invalid data type '{type(v).__name__}'")
    t = tensor(list(data), dtype=d, device=device)
    return UntypedStorage._wrap(_new_root(np.asarray(t._value()).reshape(-1).view(np.uint8), device))


class TypedStorage:
    """torch.TypedStorage (deprecated in torch): an UntypedStorage read as elements of one dtype."""

    is_sparse = False

    def __new__(cls, *args, wrap_storage=None, dtype=None, device=None, _internal=False):
        if not _internal:
            _warn_typed_storage_removal()
        if cls is _LegacyStorage:
            raise RuntimeError("Only child classes of _LegacyStorage can be instantiated")
        if cls is TypedStorage:
            return super().__new__(cls)
        # a legacy class (torch.FloatStorage(...)): a TypedStorage of its dtype
        msg = (
            f"<class 'torch.{cls.__name__}'>.__new__ received an invalid combination of arguments. Expected one "
            "of:\n * no arguments\n * (int size)\n * (Sequence data)\n * (*, UntypedStorage wrap_storage)"
        )
        if device is not None:
            raise RuntimeError(msg + "\nKeyword argument 'device' cannot be specified")
        if dtype is not None:
            raise RuntimeError(msg + "\nKeyword argument 'dtype' cannot be specified")
        if wrap_storage is None:
            if len(args) > 1:
                raise RuntimeError(msg + "\nToo many positional arguments")
            if len(args) == 1 and not _isint(args[0]) and not isinstance(args[0], collections.abc.Sequence):
                raise TypeError(msg + f"\nArgument type not recognized: {type(args[0])}")
            return TypedStorage(*args, dtype=cls.dtype, device="cpu", _internal=True)
        if args:
            raise RuntimeError(msg + "\nNo positional arguments should be given when using 'wrap_storage'")
        if not isinstance(wrap_storage, UntypedStorage):
            raise TypeError(msg + f"\nArgument 'wrap_storage' must be UntypedStorage, but got {type(wrap_storage)}")
        return TypedStorage(wrap_storage=wrap_storage, dtype=cls.dtype, _internal=True)

    def __init__(self, *args, device=None, dtype=None, wrap_storage=None, _internal=False):
        if not _internal:
            _warn_typed_storage_removal()
        if type(self) is not TypedStorage:  # a legacy class: __new__ built and returned a TypedStorage
            return
        if wrap_storage is not None:
            if args:
                raise RuntimeError(_TYPED_ARGS + "\nNo positional arguments should be given when using 'wrap_storage'")
            if dtype is None:
                raise RuntimeError(_TYPED_ARGS + "\nArgument 'dtype' must be specified")
            if not isinstance(dtype, _dt.dtype):
                raise TypeError(_TYPED_ARGS + f"\nArgument 'dtype' must be torch.dtype, not {type(dtype)}")
            if device is not None:
                raise RuntimeError(
                    _TYPED_ARGS + "\nArgument 'device' should not be specified when 'wrap_storage' is given"
                )
            if not isinstance(wrap_storage, UntypedStorage):
                raise TypeError(
                    _TYPED_ARGS + f"\nArgument 'wrap_storage' must be UntypedStorage, but got {type(wrap_storage)}"
                )
            self.dtype = dtype
            self._untyped_storage = wrap_storage
            return
        self.dtype = _dt.get_default_dtype() if dtype is None else _dt.to_dtype(dtype)
        if len(args) > 1:
            raise RuntimeError(_TYPED_ARGS + "\nToo many positional arguments")
        if not args:
            self._untyped_storage = UntypedStorage(device=device)
        elif _isint(args[0]):
            self._untyped_storage = UntypedStorage(int(args[0]) * self.dtype.itemsize, device=device)
        elif isinstance(args[0], collections.abc.Sequence):
            self._untyped_storage = _storage_from_sequence(args[0], self.dtype, device)
        else:
            raise TypeError(_TYPED_ARGS + f"\nArgument type not recognized: {type(args[0])}")

    # -------------------------------------------------------------------- metadata
    @property
    def _dtype(self):
        return self.dtype

    @property
    def device(self):
        return self._untyped_storage.device

    @property
    def is_cuda(self) -> bool:
        _warn_typed_storage_removal()
        return self.device.type == "cuda"

    @property
    def is_hpu(self) -> bool:
        _warn_typed_storage_removal()
        return False

    @property
    def filename(self) -> str | None:
        return self._untyped_storage.filename

    def untyped(self) -> UntypedStorage:
        _warn_typed_storage_removal()
        return self._untyped_storage

    def _size(self) -> int:
        return self._untyped_storage.nbytes() // self.dtype.itemsize

    def size(self) -> int:
        _warn_typed_storage_removal()
        return self._size()

    def __len__(self) -> int:
        _warn_typed_storage_removal()
        return self._size()

    def _nbytes(self) -> int:
        return self._untyped_storage.nbytes()

    def nbytes(self) -> int:
        _warn_typed_storage_removal()
        return self._nbytes()

    def _element_size(self) -> int:
        return self.dtype.itemsize

    def element_size(self) -> int:
        _warn_typed_storage_removal()
        return self._element_size()

    def _data_ptr(self) -> int:
        return self._untyped_storage.data_ptr()

    def data_ptr(self) -> int:
        _warn_typed_storage_removal()
        return self._data_ptr()

    def get_device(self) -> int | None:
        _warn_typed_storage_removal()
        return self._untyped_storage.get_device()

    def _get_legacy_storage_class(self):
        name = _legacy_name(self.dtype)
        return _LEGACY.get(name + "Storage") if name else None

    def type(self, dtype: str | None = None, non_blocking: bool = False) -> str:
        _warn_typed_storage_removal()
        if dtype is not None:
            raise NotImplementedError("jaxtorch: TypedStorage.type(dtype) is not supported; use tensor.to(dtype)")
        legacy = self._get_legacy_storage_class()
        return f"torch.{legacy.__name__}" if legacy is not None else "torch.storage.TypedStorage"

    def _pickle_storage_type(self) -> str:
        legacy = self._get_legacy_storage_class()
        if legacy is None:
            raise KeyError(f"dtype {self.dtype} is not recognized")
        return legacy.__name__

    def pickle_storage_type(self) -> str:
        _warn_typed_storage_removal()
        return self._pickle_storage_type()

    def resizable(self) -> bool:
        return self._untyped_storage.resizable()

    def is_pinned(self, device=None) -> bool:
        _warn_typed_storage_removal()
        return False

    def is_shared(self) -> bool:
        _warn_typed_storage_removal()
        return False

    def _is_shared(self) -> bool:
        return False

    # -------------------------------------------------------------------- elements
    def _tensor(self) -> Tensor:
        return _alias(self._untyped_storage, self.dtype)

    def _check_index(self, idx) -> int:
        if not isinstance(idx, numbers.Integral) or isinstance(idx, bool):
            raise RuntimeError(f"can't index a {type(self)} with {type(idx)}")
        n = self._size()
        if not -n <= idx < n:
            raise IndexError(f"index {int(idx)} out of range for storage of size {n}")
        return int(idx) % n

    def __getitem__(self, idx):
        _warn_typed_storage_removal()
        if isinstance(idx, slice):
            raise RuntimeError("slices are only supported in UntypedStorage.__getitem__")
        return self._tensor()[self._check_index(idx)].item()

    def __setitem__(self, idx, value) -> None:
        _warn_typed_storage_removal()
        self._setitem(idx, value)

    def _setitem(self, idx, value) -> None:
        if not isinstance(idx, (numbers.Integral, slice)) or isinstance(idx, bool):
            raise RuntimeError(f"can't index a {type(self)} with {type(idx)}")
        if is_storage(value):
            raise RuntimeError(f"cannot set item with value type {type(value)}")
        t = self._tensor()
        t[idx] = value

    def tolist(self) -> list:
        _warn_typed_storage_removal()
        return self._tensor().tolist()

    def __iter__(self):
        _warn_typed_storage_removal()
        return iter(self._tensor().tolist())

    def fill_(self, value) -> TypedStorage:
        _warn_typed_storage_removal()
        self._setitem(slice(0, self._size()), value)
        return self

    def copy_(self, source, non_blocking: bool | None = None) -> TypedStorage:
        _warn_typed_storage_removal()
        src = source._untyped_storage if isinstance(source, TypedStorage) else source
        self._untyped_storage.copy_(src, non_blocking)
        return self

    def __repr__(self) -> str:
        info = (
            f"[{type(self).__module__.replace('jaxtorch', 'torch')}.TypedStorage(dtype={self.dtype}, "
            f"device={self.device}) of size {self._size()}]"
        )
        return " " + "\n ".join(str(v) for v in self._tensor().tolist()) + "\n" + info

    __str__ = __repr__

    def __sizeof__(self) -> int:
        return object.__sizeof__(self) + self._nbytes()

    # -------------------------------------------------------------------- new storages
    def _new_wrapped_storage(self, untyped: UntypedStorage) -> TypedStorage:
        return TypedStorage(wrap_storage=untyped, dtype=self.dtype, _internal=True)

    def clone(self) -> TypedStorage:
        _warn_typed_storage_removal()
        return self._new_wrapped_storage(self._untyped_storage.clone())

    def __copy__(self) -> TypedStorage:
        return self.clone()

    def __deepcopy__(self, memo) -> TypedStorage:
        memo = {} if memo is None else memo
        if id(self) not in memo:
            memo[id(self)] = self._new_wrapped_storage(copy.deepcopy(self._untyped_storage, memo))
        return memo[id(self)]

    def to(self, *, device, non_blocking: bool = False) -> TypedStorage:
        _warn_typed_storage_removal()
        return self._new_wrapped_storage(self._untyped_storage.to(device=device, non_blocking=non_blocking))

    def cpu(self) -> TypedStorage:
        _warn_typed_storage_removal()
        return self._new_wrapped_storage(self._untyped_storage.cpu())

    def cuda(self, device=None, non_blocking: bool = False) -> TypedStorage:
        _warn_typed_storage_removal()
        return self._new_wrapped_storage(self._untyped_storage.cuda(device, non_blocking))

    def pin_memory(self, device=None) -> TypedStorage:
        _warn_typed_storage_removal()
        return self._new_wrapped_storage(self._untyped_storage.pin_memory(device))

    def share_memory_(self) -> TypedStorage:
        """Returns the storage unchanged (see UntypedStorage.share_memory_)."""
        _warn_typed_storage_removal()
        return self

    def _share_memory_(self) -> TypedStorage:
        return self

    def _new_shared(self, size: int, *, device=None) -> TypedStorage:
        untyped = UntypedStorage._new_shared(size * self.dtype.itemsize, device=device)
        return TypedStorage(wrap_storage=untyped, dtype=self.dtype, _internal=True)

    def resize_(self, size: int) -> None:
        _warn_typed_storage_removal()
        self._untyped_storage.resize_(int(size) * self.dtype.itemsize)

    def _resize_(self, size: int) -> None:
        self._untyped_storage.resize_(int(size) * self.dtype.itemsize)

    def _to(self, dtype) -> TypedStorage:
        d = _dt.to_dtype(dtype)
        if d == self.dtype:
            return self
        return self._tensor().to(d)._typed_storage()

    def double(self):
        _warn_typed_storage_removal()
        return self._to(_dt.float64)

    def float(self):
        _warn_typed_storage_removal()
        return self._to(_dt.float32)

    def half(self):
        _warn_typed_storage_removal()
        return self._to(_dt.float16)

    def bfloat16(self):
        _warn_typed_storage_removal()
        return self._to(_dt.bfloat16)

    def long(self):
        _warn_typed_storage_removal()
        return self._to(_dt.int64)

    def int(self):
        _warn_typed_storage_removal()
        return self._to(_dt.int32)

    def short(self):
        _warn_typed_storage_removal()
        return self._to(_dt.int16)

    def char(self):
        _warn_typed_storage_removal()
        return self._to(_dt.int8)

    def byte(self):
        _warn_typed_storage_removal()
        return self._to(_dt.uint8)

    def bool(self):
        _warn_typed_storage_removal()
        return self._to(_dt.bool_)

    def complex_double(self):
        _warn_typed_storage_removal()
        return self._to(_dt.complex128)

    def complex_float(self):
        _warn_typed_storage_removal()
        return self._to(_dt.complex64)

    @classmethod
    def from_buffer(cls, *args, dtype=None, device=None, **kwargs) -> TypedStorage:
        _warn_typed_storage_removal()
        if cls is TypedStorage:
            if dtype is None:
                raise RuntimeError("from_buffer: 'dtype' must be specified")
            d = _dt.to_dtype(dtype)
        else:
            if dtype is not None:
                raise RuntimeError(
                    "from_buffer: 'dtype' can only be specified in UntypedStorage.from_buffer and "
                    "TypedStorage.from_buffer"
                )
            d = cls.dtype
        untyped = UntypedStorage.from_buffer(*args, dtype=d, device=device, **kwargs)
        return TypedStorage(wrap_storage=untyped, dtype=d, _internal=True)

    @classmethod
    def from_file(cls, filename: str, shared: bool = False, size: int = 0) -> TypedStorage:
        """`size` elements of the class's dtype from a file (see UntypedStorage.from_file)."""
        _warn_typed_storage_removal()
        if cls is TypedStorage:
            raise RuntimeError("from_file can only be called on derived classes")
        untyped = UntypedStorage.from_file(filename, shared, int(size) * cls.dtype.itemsize)
        return cls(wrap_storage=untyped)

    def __reduce__(self):
        return (_rebuild_typed, (self._untyped_storage, self.dtype.name))


def _rebuild_typed(untyped: UntypedStorage, dtype_name: str) -> TypedStorage:
    return TypedStorage(wrap_storage=untyped, dtype=_dt.ALIASES[dtype_name], _internal=True)


def _isint(x) -> bool:
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


class _LegacyStorageMeta(type):
    dtype: _dt.dtype

    def __instancecheck__(cls, instance) -> bool:
        # torch.FloatStorage(...) makes a TypedStorage; isinstance answers by dtype, as in torch
        if type(instance) is TypedStorage:
            return cls.dtype is not None and instance.dtype == cls.dtype
        return type.__instancecheck__(cls, instance)


class _LegacyStorage(TypedStorage, metaclass=_LegacyStorageMeta):
    dtype = None

    @classmethod
    def _new_shared(cls, size: int) -> TypedStorage:  # type: ignore[override]
        untyped = UntypedStorage._new_shared(size * cls.dtype.itemsize)
        return cls(wrap_storage=untyped)


_LEGACY: dict[str, type] = {}
for _name, _d in (
    ("Double", _dt.float64),
    ("Float", _dt.float32),
    ("Half", _dt.float16),
    ("BFloat16", _dt.bfloat16),
    ("Long", _dt.int64),
    ("Int", _dt.int32),
    ("Short", _dt.int16),
    ("Char", _dt.int8),
    ("Byte", _dt.uint8),
    ("Bool", _dt.bool_),
    ("ComplexDouble", _dt.complex128),
    ("ComplexFloat", _dt.complex64),
):
    _cls = _LegacyStorageMeta(
        _name + "Storage", (_LegacyStorage,), {"dtype": _d, "__module__": "jaxtorch", "__qualname__": _name + "Storage"}
    )
    _LEGACY[_name + "Storage"] = _cls
del _name, _d, _cls


def is_storage(obj: Any) -> bool:
    """torch.is_storage: whether obj is a storage (untyped or typed)."""
    return isinstance(obj, (UntypedStorage, TypedStorage))


def from_file(
    filename: str,
    shared: bool | None = None,
    size: int = 0,
    *,
    dtype=None,
    layout=None,
    device=None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """torch.from_file: a 1-D tensor of `size` elements read from a file (see UntypedStorage.from_file for
    shared=True)."""
    d = _dt.get_default_dtype() if dtype is None else _dt.to_dtype(dtype)
    if layout is not None and str(layout) != "torch.strided":
        raise NotImplementedError(f"jaxtorch: from_file with layout {layout} (only torch.strided)")
    if pin_memory:
        raise NotImplementedError("jaxtorch: from_file(pin_memory=True): JAX has no pinned host memory")
    if requires_grad and not d.is_inexact:
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
    storage = UntypedStorage.from_file(filename, bool(shared), int(size) * d.itemsize)
    return tensor_from_storage(storage, d, device=device, requires_grad=requires_grad)


# ---------------------------------------------------------------------------------------------
# Tensor methods


def _untyped_storage(self: Tensor) -> UntypedStorage:
    """The storage of the tensor: its root's whole payload (shared by all its views)."""
    return UntypedStorage._of_tensor(self)


def _typed_storage(self: Tensor) -> TypedStorage:
    return TypedStorage(wrap_storage=UntypedStorage._of_tensor(self), dtype=self.dtype, _internal=True)


def _storage(self: Tensor) -> TypedStorage:
    """Tensor.storage(): deprecated in torch, which warns; use untyped_storage()."""
    _warn_typed_storage_removal(stacklevel=2)
    return _typed_storage(self)


def _set_(self: Tensor, source=None, storage_offset: int | None = None, size=None, stride=None) -> Tensor:
    """Tensor.set_: make the tensor alias `source` (a storage, viewed from `storage_offset` with `size` and
    `stride`, or another tensor's storage and layout); without a source, an empty tensor. The aliasing is
    torch's: writes through either side reach the other. A layout reaching past the storage's end (torch
    would grow the storage) raises NotImplementedError."""
    from ._ops.view_variants import _strided_view
    from .autograd import grad_mode

    if grad_mode.state.enabled and self._requires_grad and self._grad_fn is None:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    # a root's views replay their chain on it: re-pointing it would re-point them, which torch does not do
    if self._base is None and self._version_box is not None and sys.getrefcount(self._version_box) > 2:
        raise RuntimeError(
            "jaxtorch: set_ of a tensor that has live views is not supported (the views would "
            "follow it to the new storage); set_ a fresh tensor, or clone() the views first"
        )
    if source is None:
        if storage_offset is not None or size is not None or stride is not None:
            raise TypeError(
                "set_() received an invalid combination of arguments: offset, size and stride need a source storage"
            )
        alias = Tensor._make(jnp.zeros((0,), self.dtype.np))
    elif isinstance(source, Tensor):
        if storage_offset is not None or size is not None or stride is not None:
            raise TypeError(
                "set_() received an invalid combination of arguments: set_(Tensor source) takes no "
                "offset, size or stride"
            )
        if source.dtype != self.dtype:
            raise RuntimeError(
                f"Could not set tensor of type {_dt.SCALAR_NAMES[source.dtype.name]} to a tensor of "
                f"type {_dt.SCALAR_NAMES[self.dtype.name]}"
            )
        alias = source.detach()
    elif is_storage(source):
        if storage_offset is not None and size is None:
            raise TypeError("set_() received an invalid combination of arguments: a storage offset needs a size")
        if isinstance(source, TypedStorage) and source.dtype != self.dtype:
            raise RuntimeError(
                f"Expected a Storage of type {_dt.SCALAR_NAMES[self.dtype.name]} or an "
                f"UntypedStorage, but got type {_dt.SCALAR_NAMES[source.dtype.name]} for argument 1 "
                "'storage'"
            )
        untyped = source._untyped_storage if isinstance(source, TypedStorage) else source
        alias = _alias(untyped, self.dtype)
        if size is not None:
            size = tuple(int(s) for s in size)
            offset = 0 if storage_offset is None else int(storage_offset)
            if stride is None:
                from ._tensor import _contiguous_strides

                stride = _contiguous_strides(size)
            stride = tuple(int(s) for s in stride)
            if len(size) != len(stride):
                raise RuntimeError(f"unequal size length ({len(size)}) and stride length ({len(stride)})")
            if offset < 0:
                raise RuntimeError(f"Tensor: invalid storage offset {offset}")
            if any(s < 0 for s in stride):
                raise RuntimeError(
                    f"Storage size calculation overflowed with sizes={list(size)} and strides={list(stride)}"
                )
            need = offset + 1 + sum((n - 1) * s for n, s in zip(size, stride)) if all(size) else 0
            if need > alias.numel():
                raise NotImplementedError(
                    f"jaxtorch: set_ with size {list(size)}, stride {list(stride)} and offset "
                    f"{offset} needs {need} elements, more than the storage holds "
                    f"({alias.numel()}); torch would grow the storage"
                )
            with grad_mode.no_grad():
                alias = _strided_view(alias, size, stride, offset)
    else:
        raise TypeError(f"set_() received an invalid combination of arguments - got ({type(source).__name__})")
    version = self._version + 1  # set_ is an in-place op: one bump on the tensor's own counter
    self._data = alias._value()
    self._base, self._view_chain = alias._base, alias._view_chain
    self._version_box, self._derived_version = alias._version_box, alias._derived_version
    self._detached_view = alias._base is not None
    self._storage_span = alias._storage_span
    self._vc = [version] if alias._base is not None else None
    if alias._base is None:
        self._version_box = [version, 0]
    self._grad_fn, self._out_idx = None, 0
    self._readonly = self._ustorage = None
    return self


def _storage_type(self: Tensor) -> type:
    """Tensor.storage_type(): the legacy storage class of the tensor's dtype (torch.FloatStorage, ...)."""
    cls = _LEGACY.get(_legacy_name(self.dtype) + "Storage")
    if cls is None:
        raise RuntimeError(f"torch has no legacy storage class for {self.dtype}")
    return cls


Tensor.untyped_storage = _untyped_storage
Tensor.storage_type = _storage_type
Tensor.storage = _storage
Tensor._typed_storage = _typed_storage
Tensor.set_ = _set_
