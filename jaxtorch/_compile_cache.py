"""Paying for compiles once: XLA's persistent compilation cache, on by default.

Eager jaxtorch compiles every op once per shape and dtype, so a short script spends most of its time in XLA's
compiler. JAX can keep compiled executables on disk (`jax_compilation_cache_dir`); jaxtorch turns that on at
import, so the second run of a script loads its programs instead of compiling them (a load costs ~2 ms where a
compile costs 25-150 ms on CPU; docs/performance.md, "Compile cache"). Entries are small (~7 KB for an eager op).

- Where: `$JAXTORCH_COMPILATION_CACHE_DIR`, else `$XDG_CACHE_HOME/jaxtorch/xla` (`~/.cache/jaxtorch/xla`).
- Off: `JAXTORCH_COMPILATION_CACHE_DIR=0` (or empty, `off`, `false`, `none`).
- The user's own JAX setting wins: when `jax_compilation_cache_dir` is already set (`JAX_COMPILATION_CACHE_DIR`
  or `jax.config.update` before importing jaxtorch) or `jax_enable_compilation_cache` is off, jaxtorch changes
  nothing.
- Size: at most `$JAXTORCH_COMPILATION_CACHE_MAX_BYTES` (default 2 GiB); at most once a day, an import trims
  the least recently used entries beyond it.
- Trust: a cached executable is machine code the process will run, so the directory must be the user's own:
  jaxtorch creates it private (0700) and does not use one that another user owns or that others may write to
  (a warning says so).
- Sharing between processes: entries are written to a temporary file and renamed into place, so a process never
  reads a half-written entry (JAX's own file cache writes in place when it keeps no size limit).
"""

from __future__ import annotations

import os
import stat
import tempfile
import time
import warnings

import jax

ENV_DIR = "JAXTORCH_COMPILATION_CACHE_DIR"
ENV_MAX_BYTES = "JAXTORCH_COMPILATION_CACHE_MAX_BYTES"
DEFAULT_MAX_BYTES = 2 << 30
_OFF = {"", "0", "off", "false", "none", "no"}
_SUFFIX = "-cache"  # the name JAX's own file cache gives an entry: either can read the other's directory
_TMP_PREFIX = ".tmp-"
_TRIM_STAMP = ".jaxtorch-trimmed"
_TRIM_EVERY_S = 24 * 3600
_STALE_TMP_S = 3600

cache_dir: str | None = None  # the directory jaxtorch configured, None when it configured none


def default_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join("~", ".cache")
    return os.path.expanduser(os.path.join(base, "jaxtorch", "xla"))


def _private_dir(path: str) -> str | None:
    """Create `path` private to this user; the reason it cannot hold executables, or None when it can."""
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
        st = os.stat(path)
    except OSError as e:
        return f"cannot create it ({e.strerror})"
    if not stat.S_ISDIR(st.st_mode):
        return "it is not a directory"
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        return "another user owns it"
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return "other users may write to it"
    if not os.access(path, os.W_OK | os.X_OK):
        return "it is not writable"
    return None


def setup() -> None:
    """Called once at `import jaxtorch`: configure the cache unless the user chose otherwise."""
    global cache_dir
    env = os.environ.get(ENV_DIR)
    if env is not None and env.strip().lower() in _OFF:
        return
    if jax.config.jax_compilation_cache_dir is not None or not jax.config.jax_enable_compilation_cache:
        return
    path = os.path.abspath(os.path.expanduser(env)) if env else default_dir()
    reason = _private_dir(path)
    if reason is not None:
        warnings.warn(f"jaxtorch: not using the compilation cache at {path}: {reason} (set {ENV_DIR} to another "
                      f"directory, or to 0 to turn the cache off)", RuntimeWarning, stacklevel=2)
        return
    jax.config.update("jax_compilation_cache_dir", path)
    if "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS" not in os.environ:
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)  # eager programs are all quick
    cache_dir = path
    _install_atomic_cache(path)
    try:
        _trim_if_due(path, _max_bytes())
    except OSError:
        pass  # trimming is housekeeping: a racing process or an odd file must not stop the import


def _max_bytes() -> int:
    try:
        return int(os.environ.get(ENV_MAX_BYTES, DEFAULT_MAX_BYTES))
    except ValueError:
        warnings.warn(f"jaxtorch: {ENV_MAX_BYTES} must be an integer number of bytes, got "
                      f"{os.environ[ENV_MAX_BYTES]!r}; using {DEFAULT_MAX_BYTES}", RuntimeWarning, stacklevel=3)
        return DEFAULT_MAX_BYTES


def _entry(path: str, key: str) -> str:
    return os.path.join(path, key + _SUFFIX)


def read(path: str, key: str) -> bytes | None:
    p = _entry(path, key)
    try:
        with open(p, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return None
    try:
        os.utime(p)  # recency for trimming (atime is unreliable on relatime/noatime mounts)
    except OSError:
        pass
    return data


def write(path: str, key: str, value: bytes) -> None:
    """Write an entry atomically (temporary file + rename); an existing entry is left alone."""
    final = _entry(path, key)
    if os.path.exists(final):
        return
    fd, tmp = tempfile.mkstemp(dir=path, prefix=_TMP_PREFIX)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(value)
        os.replace(tmp, final)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _install_atomic_cache(path: str) -> None:
    """Give JAX a file cache over `path` that writes atomically. Relies on JAX's internal cache hook; a JAX
    without it keeps its own file cache over the same directory (correct, with in-place writes)."""
    try:
        from jax._src import compilation_cache as cc
        from jax._src.compilation_cache_interface import CacheInterface
    except ImportError:
        return
    if not all(hasattr(cc, n) for n in ("_cache", "_cache_initialized", "_cache_initialized_mutex")):
        return

    class _AtomicFileCache(CacheInterface):
        def __init__(self, p):
            self._path = p

        def get(self, key):
            return read(path, key)

        def put(self, key, value):
            write(path, key, value)

        def clear(self):  # the interface's: used by tests of JAX itself
            for name in os.listdir(path):
                if name.endswith(_SUFFIX):
                    os.unlink(os.path.join(path, name))

    with cc._cache_initialized_mutex:
        if cc._cache is None and not cc._cache_initialized:
            cc._cache = _AtomicFileCache(path)
            cc._cache_initialized = True


def _trim_if_due(path: str, max_bytes: int, now: float | None = None) -> None:
    now = time.time() if now is None else now
    stamp = os.path.join(path, _TRIM_STAMP)
    try:
        if now - os.stat(stamp).st_mtime < _TRIM_EVERY_S:
            return
    except FileNotFoundError:
        pass
    with open(stamp, "a"):
        pass
    os.utime(stamp, (now, now))
    trim(path, max_bytes, now)


def trim(path: str, max_bytes: int, now: float | None = None) -> None:
    """Delete the least recently used entries until the cache holds at most `max_bytes`, and temporary files
    a crashed writer left behind."""
    now = time.time() if now is None else now
    entries, total = [], 0
    with os.scandir(path) as it:
        for e in it:
            try:
                st = e.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue
            if e.name.startswith(_TMP_PREFIX):
                if now - st.st_mtime > _STALE_TMP_S:
                    _unlink(e.path)
            elif e.name.endswith(_SUFFIX) and stat.S_ISREG(st.st_mode):
                entries.append((st.st_mtime, e.path, st.st_size))
                total += st.st_size
    entries.sort()
    for _, p, size in entries:
        if total <= max_bytes:
            break
        _unlink(p)
        total -= size


def _unlink(p: str) -> None:
    try:
        os.unlink(p)
    except FileNotFoundError:
        pass
