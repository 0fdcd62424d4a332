"""torch.save / torch.load in PyTorch's own file formats, with no torch import.

The formats (zip archive, legacy stream, tensor rebuilding) live in `_checkpoint_format.py`; the weights_only
unpickler and its allow-list in `_weights_only_unpickler.py`. This module is the API: where bytes go on save
(atomic replace only where it is safe), which unpickler reads them on load, and torch's environment switches.
`weights_only=True` (the default) runs the safe interpreter; `weights_only=False` is a plain pickle load that maps
`torch.*` globals to `jaxtorch.*`.
"""

from __future__ import annotations

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
from typing import Any, BinaryIO

import numpy as np

from ._checkpoint_format import (  # noqa: F401  (_write_zip: tests build archives with it)
    _MAGIC_NUMBER,
    _PROTOCOL_VERSION,
    DEFAULT_PROTOCOL,
    _archive_name,
    _Loader,
    _LoadError,
    _save_legacy,
    _save_to,
    _write_zip,
)
from ._weights_only_unpickler import (  # noqa: F401
    _WO_ERRORS,
    _Bounded,
    _SafeUnpickler,
    _STATIC_GLOBALS,
    _unsupported_dtype,
    _wo_error,
    add_safe_globals,
    clear_safe_globals,
    get_safe_globals,
    safe_globals,
)

__all__ = ["save", "load", "add_safe_globals", "get_safe_globals", "clear_safe_globals", "safe_globals",
           "DEFAULT_PROTOCOL"]


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


class _FullUnpickler(pickle.Unpickler):
    """weights_only=False: an ordinary unpickler; torch's names resolve to jaxtorch's objects."""

    def __init__(self, file, loader: _Loader, **kwargs):
        super().__init__(file, **kwargs)
        self.loader = loader
        self.torch = {**loader.torch_globals(), **_STATIC_GLOBALS}
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
