"""The Tensor facade: an immutable JAX payload plus torch's mutable identity.

A Tensor holds a jax.Array (or a tracer, under jax.jit) in `_data`. In-place ops compute a new value
and rebind it, bumping a version counter shared with views. A view remembers its root base and the
chain of view functions that derive it; writing through a view scatters into the base, and reading a
view after its base changed re-derives it. Methods and operators are installed by the op registry.
"""

from __future__ import annotations

import weakref

import jax
import jax.numpy as jnp
import numpy as np

from . import _dtype as _dt
from . import _trace_state as _ts
from ._device import default_device, from_jax_device


class Size(tuple):
    """torch.Size: a tuple of ints that prints as torch.Size([...])."""

    def __repr__(self) -> str:
        return f"torch.Size([{', '.join(str(int(s)) for s in self)}])"

    __str__ = __repr__

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, i):
        r = tuple.__getitem__(self, i)
        return Size(r) if isinstance(i, slice) else r

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))

    def __radd__(self, other):
        return Size(tuple(other) + tuple(self))

    def __reduce__(self):
        return (Size, (tuple(self),))


# ---------------------------------------------------------------------------------------------
# view chains: a tuple of (fn, static) steps applied to the root base's payload


def apply_chain(x, *, chain):
    for fn, static in chain:
        x = fn(x, **dict(static))
    return x


def scatter_chain(base, value, *, chain):
    """The base after writing `value` into the view `chain` selects: the index map of the view is
    computed by running the chain on an iota of the base, so every view function is supported."""
    if is_byte_chain(chain):
        return _scatter_bytes(base, value, chain, changed_only=False)
    if not chain:
        return jnp.broadcast_to(value, base.shape).astype(base.dtype)
    iota = jnp.arange(base.size, dtype=jnp.int64 if base.size >= 2**31 else jnp.int32).reshape(base.shape)
    idx = apply_chain(iota, chain=chain)
    flat = base.reshape(-1).at[idx.reshape(-1)].set(jnp.broadcast_to(value, idx.shape).reshape(-1).astype(base.dtype))
    return flat.reshape(base.shape)


def scatter_chain_changed(base, value, *, chain):
    """scatter_chain for a view whose elements share memory (an expanded view): only the elements the
    write changed reach the base, so `e[:, 1] = v` on an expanded `e` writes v, as in torch."""
    if is_byte_chain(chain):
        return _scatter_bytes(base, value, chain, changed_only=True)
    iota = jnp.arange(base.size, dtype=jnp.int64 if base.size >= 2**31 else jnp.int32).reshape(base.shape)
    idx = apply_chain(iota, chain=chain).reshape(-1)
    old = apply_chain(base, chain=chain)
    new = jnp.broadcast_to(value, old.shape).reshape(-1).astype(base.dtype)
    old = old.reshape(-1)
    idx = jnp.where(new != old, idx, base.size)  # out of range: dropped
    return base.reshape(-1).at[idx].set(new, mode="drop").reshape(base.shape)


_chain_index_cache: dict = {}


def chain_index_map(chain, base_shape, base_dtype=None) -> np.ndarray:
    """Flat storage offsets of every element of a view (numpy, cached): strides come from it. For a chain
    with dtype views (`is_byte_chain`) they count elements of the view's dtype from the base's first byte (as
    floats where an element does not start on a multiple of its size);
    `base_dtype` defaults to the source dtype of the chain's first dtype view."""
    if is_byte_chain(chain):
        if base_dtype is None:
            base_dtype = _chain_base_dtype(chain)
        bmap, dt = chain_byte_map(chain, tuple(base_shape), base_dtype)
        if (bmap % dt.itemsize).any():  # elements off the base's element grid: no integer offsets describe them
            return bmap / dt.itemsize
        return bmap // dt.itemsize
    key = (chain, base_shape)
    m = _chain_index_cache.get(key)
    if m is None:
        n = int(np.prod(base_shape, dtype=np.int64))
        m = np.arange(n, dtype=np.int64).reshape(base_shape)
        for fn, static in chain:
            m = _index_step(fn, m, static)
        _chain_index_cache[key] = m
    return m


_NUMPY_STEPS = frozenset({"_reshape_impl", "_slice_impl", "_select_impl", "_unsqueeze_impl", "_squeeze_impl",
                          "_expand_impl", "_as_strided_impl"})


def _index_step(fn, x: np.ndarray, static) -> np.ndarray:
    """One view step run on an index array, in numpy for the common steps (no JAX dispatch, so no compile
    per shape); any other step runs as itself on the indices."""
    st = dict(static)
    name = fn.__name__
    if name == "_reshape_impl":
        return x.reshape(st["shape"])
    if name == "_slice_impl":
        return x[(slice(None),) * st["dim"] + (slice(st["start"], st["stop"], st["step"]),)]
    if name == "_select_impl":
        return x[(slice(None),) * st["dim"] + (st["index"],)]
    if name == "_transpose_impl" and (st["perm"] or x.ndim == 0):
        return np.transpose(x, st["perm"])
    if name == "_unsqueeze_impl":
        return np.expand_dims(x, st["dim"])
    if name == "_squeeze_impl":
        return np.squeeze(x, st["dims"]) if st["dims"] else x
    if name == "_expand_impl":
        return np.broadcast_to(x, st["shape"])
    if name == "_as_strided_impl":
        return np.lib.stride_tricks.as_strided(np.ascontiguousarray(x).reshape(-1)[st["offset"]:], st["size"],
                                               [s * x.itemsize for s in st["stride"]], writeable=False)
    with jax.ensure_compile_time_eval():  # concrete even while torch.compile traces a step
        return np.asarray(fn(jnp.asarray(x), **st))


# ---------------------------------------------------------------------------------------------
# dtype views: a chain step that reinterprets bytes (`Tensor.view(dtype)`, tensors made from storages).
# The iota trick above cannot follow such a step (one element becomes several, or several one), so a
# chain holding one is mapped at the byte level instead: `chain_byte_map` runs the chain on the byte
# offset of every base element, with byte-aware rules for the steps that change the element size, and
# writes through such a view scatter the view's bytes into the base's bytes (`_scatter_bytes`).


def _to_bytes(x):
    """x's bytes (little-endian on every platform JAX runs on) as uint8 of shape x.shape + (itemsize,)."""
    dt = x.dtype
    if dt == jnp.bool_:
        return x.astype(jnp.uint8)[..., None]
    if jnp.issubdtype(dt, jnp.complexfloating):  # XLA cannot bitcast complex: go through (real, imag)
        parts = jnp.stack([jnp.real(x), jnp.imag(x)], axis=-1)
        return _to_bytes(parts).reshape(x.shape + (dt.itemsize,))
    b = jax.lax.bitcast_convert_type(x, jnp.uint8)
    return b[..., None] if dt.itemsize == 1 else b


def _from_bytes(b, dtype):
    """The inverse of _to_bytes: uint8 of shape (..., itemsize) as (...) of dtype."""
    dt = np.dtype(dtype)
    if dt == np.bool_:
        return b[..., 0] != 0
    if dt.kind == "c":
        real = np.dtype(f"f{dt.itemsize // 2}")
        parts = _from_bytes(b.reshape(b.shape[:-1] + (2, dt.itemsize // 2)), real)
        return jax.lax.complex(parts[..., 0], parts[..., 1])
    if dt.itemsize == 1:
        return jax.lax.bitcast_convert_type(b[..., 0], dt)
    return jax.lax.bitcast_convert_type(b, dt)


def dtype_view_impl(x, *, src, dst):
    """x (of dtype src) reinterpreted as dst: the last dimension scales by the ratio of the element sizes."""
    if x.dtype == dst:
        return x
    if x.dtype.itemsize == np.dtype(dst).itemsize and x.dtype != jnp.bool_ and np.dtype(dst) != np.bool_ \
            and not jnp.iscomplexobj(x) and np.dtype(dst).kind != "c":
        return jax.lax.bitcast_convert_type(x, dst)
    b = _to_bytes(x)
    if x.ndim:
        b = b.reshape(x.shape[:-1] + (x.shape[-1] * x.dtype.itemsize // np.dtype(dst).itemsize, np.dtype(dst).itemsize))
    return _from_bytes(b, dst)


# steps of other files that change the element type; they are told apart by name (their index-map
# convention, in real-element units, only holds when no dtype view precedes them)
_COMPLEX_REAL_STEPS = ("_view_as_real_impl", "_view_as_complex_impl")


def is_byte_chain(chain) -> bool:
    """Whether the view chain holds a dtype view, so its index maps must be computed on bytes."""
    for fn, _ in chain:
        if fn is dtype_view_impl:
            return True
    return False


def _chain_base_dtype(chain) -> np.dtype:
    """The base's dtype, read back from the source dtype of a byte chain's first dtype view."""
    first = next(i for i, (fn, _) in enumerate(chain) if fn is dtype_view_impl)
    dt = np.dtype(dict(chain[first][1])["src"])
    for fn, _ in reversed(chain[:first]):
        if fn.__name__ == _COMPLEX_REAL_STEPS[0]:
            dt = np.dtype(f"c{dt.itemsize * 2}")
        elif fn.__name__ == _COMPLEX_REAL_STEPS[1]:
            dt = np.dtype(f"f{dt.itemsize // 2}")
    return dt


_byte_map_cache: dict = {}


def chain_byte_map(chain, base_shape: tuple, base_dtype) -> tuple:
    """(byte offset from the base's first byte of every element of the view, the view's numpy dtype)."""
    base_dtype = np.dtype(base_dtype)
    key = (chain, base_shape, base_dtype)
    hit = _byte_map_cache.get(key)
    if hit is not None:
        return hit
    n = int(np.prod(base_shape, dtype=np.int64))
    dt = base_dtype
    b = (np.arange(n, dtype=np.int64) * dt.itemsize).reshape(base_shape)
    for fn, static in chain:
        if fn is dtype_view_impl:
            new = np.dtype(dict(static)["dst"])
            if new.itemsize < dt.itemsize:  # each element splits into consecutive smaller ones
                r = dt.itemsize // new.itemsize
                b = b[..., None] + np.arange(r, dtype=np.int64) * new.itemsize
                b = b.reshape(b.shape[:-2] + (b.shape[-2] * r,))
            elif new.itemsize > dt.itemsize:  # groups of elements merge: keep each group's first byte
                r = new.itemsize // dt.itemsize
                b = b.reshape(b.shape[:-1] + (b.shape[-1] // r, r))[..., 0]
            dt = new
        elif fn.__name__ == _COMPLEX_REAL_STEPS[0]:
            dt = np.dtype(f"f{dt.itemsize // 2}")
            b = np.stack([b, b + dt.itemsize], axis=-1)
        elif fn.__name__ == _COMPLEX_REAL_STEPS[1]:
            dt = np.dtype(f"c{dt.itemsize * 2}")
            b = b[..., 0]
        else:  # every other view step moves whole elements: it runs on the offsets as on values
            b = _index_step(fn, b, static)
    hit = (b, dt)
    _byte_map_cache[key] = hit
    return hit


def _scatter_bytes(base, value, chain, *, changed_only):
    """scatter_chain for a chain with dtype views: the view's bytes are written over the base's bytes."""
    bmap, dt = chain_byte_map(chain, tuple(base.shape), base.dtype)
    value = jnp.broadcast_to(jnp.asarray(value).astype(dt), bmap.shape)
    new = _to_bytes(value).reshape(-1, dt.itemsize)
    idx = (bmap.reshape(-1, 1) + np.arange(dt.itemsize, dtype=np.int64)).reshape(-1)
    flat = _to_bytes(base).reshape(-1)
    # an expanded view: only the elements the write changed reach the base. So for a bool view: writing all of
    # it back would turn the base's nonzero bytes under unchanged elements into 1s.
    if changed_only or dt == np.bool_:
        old = _to_bytes(apply_chain(base, chain=chain)).reshape(-1, dt.itemsize)
        keep = jnp.repeat(jnp.any(new != old, axis=-1), dt.itemsize)
        flat = flat.at[jnp.where(keep, idx, flat.size)].set(new.reshape(-1), mode="drop")
    else:
        flat = flat.at[idx].set(new.reshape(-1))
    return _from_bytes(flat.reshape(tuple(base.shape) + (base.dtype.itemsize,)), base.dtype)


def _is_tracer(x) -> bool:
    return isinstance(x, jax.core.Tracer)


class Tensor:
    """A torch.Tensor backed by a JAX array."""

    # class-level defaults keep construction cheap: instances only store what differs
    _requires_grad = False
    _grad_fn = None
    _out_idx = 0
    _grad = None
    _version_box = None
    _base = None
    _view_chain = ()
    _derived_version = 0
    _detached_view = False
    _accum = None
    _retains_grad = False
    _is_param = False
    _vc = None  # own version counter ([n]) of a `.data` alias family; None: count in _version_box
    # (byte offset, nbytes) of the storage a tensor made from a storage slice reports (jaxtorch/storage.py);
    # None: the root's whole payload
    _storage_span = None
    _readonly = None  # on a root: why writes are refused (a storage mapped from a file with shared=True)
    _ustorage = None  # on a root: weak reference to its UntypedStorage, so untyped_storage() keeps identity
    __array_priority__ = 1000

    def __new__(cls, *args, **kwargs):
        # torch.Tensor(data) / torch.Tensor(*sizes): default-dtype tensors (legacy constructor)
        from ._ops import creation

        if cls is Tensor or not args or not isinstance(args[0], Tensor):
            if len(args) == 1 and not isinstance(args[0], int):
                src = args[0]
                t = src if isinstance(src, Tensor) else creation.tensor(src, dtype=_dt.get_default_dtype())
            else:
                t = creation.empty(*args, dtype=_dt.get_default_dtype())
            obj = object.__new__(cls)
            obj._data = t._value()
            if t._base is not None and t is not args[0]:  # torch.Tensor(storage) aliases the storage
                obj.__dict__.update({k: v for k, v in t.__dict__.items() if k != "_data"})
            return obj
        return object.__new__(cls)

    def __init__(self, *args, **kwargs):
        pass

    def __getattr__(self, name):
        # only reached for attributes an instance lacks: a view made without a payload (torch.load builds
        # the tensors sharing a storage as views of its root) derives it on first read
        if name == "_data" and self._base is not None:
            base = self._base._data
            chain = self._view_chain
            if (self._detached_view and isinstance(base, jax.Array) and len(base.sharding.device_set) == 1
                    and base.sharding._device_assignment[0].platform == "cpu"
                    and all(fn.__name__ in _NUMPY_STEPS for fn, _ in chain) and not _is_tracer(base)):
                # data movement only: numpy on the root's host buffer, whatever the size (no compile per view)
                arr = np.asarray(base)
                dt = arr.dtype
                if dt.num >= 256:  # ml_dtypes' types (float8_e5m2 is '<f1' to numpy's striding): move raw bytes
                    arr = arr.view(np.dtype(f"u{dt.itemsize}"))
                for fn, static in chain:
                    arr = _index_step(fn, arr, static)
                self._data = jax.device_put(np.array(arr, copy=True).view(dt), base.sharding)
                self._derived_version = self._version_box[0]
            else:
                self._rederive()
            return self.__dict__["_data"]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    @staticmethod
    def _make(data) -> Tensor:
        t = object.__new__(Tensor)
        t._data = data
        if _ts.observer is not None:  # torch.compile is watching: remember what this call creates
            _ts.observer.created_tensor(t)
        return t

    # ---------------------------------------------------------------- payload, views, in-place
    def _value(self):
        """The current payload (re-deriving a view whose base changed)."""
        # A view is stale when the storage generation it shares with its base moved on. (A base whose
        # payload was replaced by `.data = ...` gets a new box, so its old views keep their values.)
        if _ts.observer is not None:  # torch.compile: a read outside the dispatcher is still a read
            _ts.observer.observe(self)
        if self._base is not None and self._derived_version != self._version_box[0]:
            self._rederive()
        return self._data

    def _box(self):
        # [storage generation, bumps made through `.data` aliases]: the generation drives view
        # re-derivation; torch's version counter excludes writes made through `.data`.
        box = self._version_box
        if box is None:
            box = self._version_box = [0, 0]
        return box

    @property
    def _version(self) -> int:
        if self._vc is not None:
            return self._vc[0]
        box = self._box()
        return box[0] - box[1]

    def _bump(self) -> None:
        box = self._box()
        box[0] += 1
        if self._vc is not None:
            self._vc[0] += 1
            box[1] += 1

    def _rederive(self):
        from ._ops._dispatch import _tracing, apply, run_eager

        base = self._base
        chain = self._view_chain
        if type(base._data) is jax.ShapeDtypeStruct:  # a view of a meta tensor: shapes only
            import functools

            self._data = jax.eval_shape(functools.partial(apply_chain, chain=chain), base._data)
        elif self._detached_view or not base._requires_grad:
            if _tracing((base._data,)):
                self._data = apply_chain(base._data, chain=chain)
            else:
                self._data = run_eager(apply_chain, (("chain", chain),), (base._data,))
        else:
            prev = _gm.state.enabled
            _gm.state.enabled = True
            try:
                r = apply(apply_chain, (base,), (("chain", chain),), name=chain[-1][0].__name__ if chain else "alias")
            finally:
                _gm.state.enabled = prev
            self._data, self._grad_fn, self._out_idx, self._requires_grad = r._data, r._grad_fn, r._out_idx, True
        self._derived_version = self._version_box[0]

    def _as_view_of(self, src: Tensor, fn, static) -> Tensor:
        """Mark self (the result of fn(src)) as a view of src's root base."""
        if src._base is not None:
            root, chain = src._base, src._view_chain + ((fn, static),)
        else:
            root, chain = src, ((fn, static),)
        self._base = root
        self._view_chain = chain
        self._version_box = root._box()
        self._derived_version = root._version_box[0]
        if src._detached_view:
            self._detached_view = True
        if src._vc is not None:
            self._vc = src._vc
        if src._storage_span is not None:
            self._storage_span = src._storage_span
        return self

    def _inplace_assign(self, new: Tensor, name: str = "inplace") -> Tensor:
        """Make `new` (already of self's shape and dtype) the value of self, through views, on the tape."""
        from ._ops._dispatch import apply

        root = self._base if self._base is not None else self
        if type(root._data) is jax.ShapeDtypeStruct:  # a meta tensor has no data to write (as in torch)
            self._bump()
            return self
        recording = _gm.state.enabled and (self._requires_grad or new._requires_grad) and not self._detached_view
        if (self._base if self._base is not None else self)._readonly is not None:
            raise NotImplementedError((self._base if self._base is not None else self)._readonly)
        if self._base is None:
            if _ts.observer is not None:  # torch.compile: a write to pre-existing state is state
                _ts.observer.observe(self)
            if recording and self._requires_grad and self._grad_fn is None:
                raise RuntimeError(("a view of " if name == "copy_view" else "")
                                   + "a leaf Variable that requires grad is being used in an in-place operation.")
            self._data = new._value()
            if recording:
                self._grad_fn, self._out_idx, self._requires_grad = new._grad_fn, new._out_idx, True
            self._bump()
            return self
        overlap = self._has_internal_overlap()
        if overlap and name not in _OVERLAP_OK:
            raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers to a "
                               "single memory location. Please clone() the tensor before performing the operation.")
        base = self._base
        if recording and base._requires_grad and base._grad_fn is None:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")
        scatter = scatter_chain_changed if overlap else scatter_chain
        if recording:
            nb = apply(scatter, (base, new), (("chain", self._view_chain),), name="copy_slices")
            base._data, base._grad_fn, base._out_idx, base._requires_grad = nb._data, nb._grad_fn, nb._out_idx, True
        else:
            prev = _gm.state.enabled
            _gm.state.enabled = False
            try:
                base._data = apply(scatter, (base, new), (("chain", self._view_chain),))._data
            finally:
                _gm.state.enabled = prev
        self._bump()
        self._rederive()
        return self

    def _edge(self):
        if self._grad_fn is not None:
            return (self._grad_fn, self._out_idx)
        acc = self._accum
        if acc is None:
            from .autograd.graph import AccumulateGrad

            acc = self._accum = AccumulateGrad(self)
        return (acc, 0)

    # ---------------------------------------------------------------- metadata
    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_wrap_dim(dim, self._data.ndim)]

    @property
    def dtype(self) -> _dt.dtype:
        return _dt.from_np(self._data.dtype)

    @property
    def device(self):
        d = self._data
        if _is_tracer(d):
            return default_device()
        if type(d) is jax.ShapeDtypeStruct:
            from ._device import device

            return device("meta")
        try:
            return from_jax_device(next(iter(d.devices())))
        except Exception:
            return default_device()

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    @property
    def is_cpu(self) -> bool:
        return self.device.type == "cpu"

    is_sparse = False
    is_sparse_csr = False
    is_quantized = False
    @property
    def is_meta(self) -> bool:
        """A tensor on the 'meta' device: shape and dtype only (built under `with torch.device("meta")`, or with
        device="meta"); ops on it compute shapes, reading its values is an error, as in torch."""
        return type(self._data) is jax.ShapeDtypeStruct

    def _no_data(self, what: str):
        if type(self._data) is jax.ShapeDtypeStruct:
            raise NotImplementedError("Cannot copy out of meta tensor; no data!")
    is_nested = False
    is_mkldnn = False
    is_vulkan = False
    is_ipu = False
    is_maia = False

    @property
    def layout(self):
        from ._tensortype import strided

        return strided

    @property
    def is_xla(self) -> bool:
        return self.device.type == "xla"

    @property
    def is_xpu(self) -> bool:
        return self.device.type == "xpu"

    @property
    def is_mps(self) -> bool:
        return self.device.type == "mps"

    @property
    def is_mtia(self) -> bool:
        return self.device.type == "mtia"

    def is_distributed(self) -> bool:
        return False

    def is_coalesced(self) -> bool:
        raise RuntimeError("is_coalesced expected sparse coordinate tensor layout but got Strided")

    # ---- the sparse/quantized/legacy surface: jaxtorch tensors are dense and unquantized, so these answer (or fail)
    # as torch's do on a dense CPU tensor
    def to_dense(self, dtype=None, *, masked_grad=None) -> Tensor:
        return self if dtype is None else self.to(dtype)

    def dense_dim(self) -> int:
        return self.dim()

    def sparse_dim(self) -> int:
        return 0

    def values(self):
        raise RuntimeError("values expected sparse tensor layout but got Strided")

    def indices(self):
        raise RuntimeError("indices expected sparse coordinate tensor layout but got Strided")

    def coalesce(self):
        raise RuntimeError("coalesce expected sparse coordinate tensor layout but got Strided")

    def crow_indices(self):
        raise RuntimeError("Cannot get crow_indices on a tensor with layout Strided")

    def col_indices(self):
        raise RuntimeError("Cannot get col_indices on a tensor with layout Strided")

    def ccol_indices(self):
        raise RuntimeError("Cannot get ccol_indices on a tensor with layout Strided")

    def row_indices(self):
        raise RuntimeError("Cannot get row_indices on a tensor with layout Strided")

    def _sparse_unsupported(self, *args, **kwargs):
        raise NotImplementedError("sparse tensors are not supported by jaxtorch (dense tensors only)")

    _sparse_unsupported._jaxtorch_unsupported = True

    to_sparse = to_sparse_coo = to_sparse_csr = to_sparse_csc = to_sparse_bsr = to_sparse_bsc = _sparse_unsupported
    sparse_mask = sparse_resize_ = sparse_resize_and_clear_ = _sparse_unsupported

    def _quantized_unsupported(self, *args, **kwargs):
        raise NotImplementedError("quantized tensors are not supported by jaxtorch")

    _quantized_unsupported._jaxtorch_unsupported = True

    q_scale = q_zero_point = q_per_channel_scales = q_per_channel_zero_points = _quantized_unsupported
    q_per_channel_axis = qscheme = int_repr = dequantize = _quantized_unsupported

    def to_mkldnn(self, dtype=None):
        raise NotImplementedError("MKL-DNN tensors are not supported by jaxtorch")

    to_mkldnn._jaxtorch_unsupported = True

    volatile = False  # removed in torch 0.4: always False

    def reinforce(self, reward):
        raise RuntimeError("reinforce() was removed.\nUse torch.distributions instead.")

    name = None  # named tensors are not supported: every tensor is unnamed

    def const_data_ptr(self) -> int:
        return self.data_ptr()

    @property
    def grad_dtype(self):
        return self.dtype

    def record_stream(self, stream) -> None:
        """Nothing to record: jaxtorch keeps a tensor's buffer alive while any Python reference holds it."""
        from ._toplevel import Stream

        if stream is None or not isinstance(stream, Stream) and type(stream).__name__ != "Stream":
            raise RuntimeError("unknown parameter type")

    def as_subclass(self, cls) -> Tensor:
        """The same data (and autograd history) as an instance of the Tensor subclass `cls`."""
        if not (isinstance(cls, type) and issubclass(cls, Tensor)):
            raise TypeError(f"as_subclass(): argument 'cls' must be a subclass of torch.Tensor, not {cls!r}")
        t = object.__new__(cls)
        t.__dict__.update({k: v for k, v in self.__dict__.items() if k.startswith("_")})
        return t

    def _device_unavailable(kind: str):  # noqa: N805 - builds methods
        def move(self, device=None, non_blocking: bool = False, memory_format=None):
            raise AssertionError(f"Torch not compiled with {kind.upper()} enabled")

        move.__name__ = kind
        return move

    xpu = _device_unavailable("xpu")
    ipu = _device_unavailable("ipu")
    mtia = _device_unavailable("mtia")
    del _device_unavailable

    def is_set_to(self, tensor: Tensor) -> bool:
        """True when both tensors view the same memory the same way (storage, offset, sizes and strides)."""
        mine = self._base if self._base is not None else self
        theirs = tensor._base if tensor._base is not None else tensor
        return (mine is theirs and self.shape == tensor.shape and self.stride() == tensor.stride()
                and self.storage_offset() == tensor.storage_offset())

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        return self._data.ndim

    ndimension = dim

    def numel(self) -> int:
        return int(self._data.size)

    nelement = numel

    def element_size(self) -> int:
        return self._data.dtype.itemsize

    @property
    def itemsize(self) -> int:
        return self._data.dtype.itemsize

    @property
    def nbytes(self) -> int:
        return int(self._data.size) * self._data.dtype.itemsize

    def is_floating_point(self) -> bool:
        return jnp.issubdtype(self._data.dtype, jnp.floating)

    def is_complex(self) -> bool:
        return jnp.issubdtype(self._data.dtype, jnp.complexfloating)

    def is_signed(self) -> bool:
        return self.dtype.is_signed

    def stride(self, dim: int | None = None):
        st, _ = self._strides_offset()
        if dim is None:
            return st
        return st[_wrap_dim(dim, self.ndim)]

    def storage_offset(self) -> int:
        return self._strides_offset()[1]

    def _strides_offset(self):
        chain = self._view_chain
        if len(chain) == 1 and chain[0][0].__name__ == "_as_strided_impl" and self._storage_span is None:
            st = dict(chain[0][1])  # torch reports the strides as_strided was given, size-1 dims included
            return tuple(st["stride"]), st["offset"]
        shape = self._data.shape
        if self._base is None or not chain:
            return _contiguous_strides(shape), 0
        base, span = self._base._data, self._storage_span
        if span is not None or is_byte_chain(chain):
            # offsets count elements of this tensor's dtype from the start of its storage
            bmap, _ = chain_byte_map(chain, tuple(base.shape), base.dtype)
            m = (bmap - (span[0] if span is not None else 0)) // self._data.dtype.itemsize
        else:
            m = chain_index_map(chain, tuple(base.shape))
        if m.size == 0:
            return _contiguous_strides(shape), 0
        off = int(m.reshape(-1)[0])
        strides = [0] * len(shape)
        # a size-1 dim has no observable stride; use the one torch's unsqueeze would give it
        for d in reversed(range(len(shape))):
            if shape[d] > 1:
                ix = [0] * len(shape)
                ix[d] = 1
                strides[d] = int(m[tuple(ix)]) - off
            else:
                strides[d] = shape[d + 1] * strides[d + 1] if d + 1 < len(shape) else 1
        return tuple(strides), off

    def _has_internal_overlap(self) -> bool:
        """torch's cheap test: a broadcast (stride 0) dim of size > 1 makes elements share memory."""
        if self._base is None or not self._view_chain:
            return False
        st, _ = self._strides_offset()
        return any(s == 0 and n > 1 for s, n in zip(st, self._data.shape))

    def is_contiguous(self, memory_format=None) -> bool:
        if self._base is None or not self._view_chain:
            return True
        st, _ = self._strides_offset()
        expected = 1
        for n, s in reversed(list(zip(self._data.shape, st))):
            if n == 1:
                continue
            if s != expected:
                return False
            expected *= n
        return True

    def data_ptr(self) -> int:
        """The address of the tensor's first element: its root's payload buffer (a jax.Array's buffer, or a
        host payload's numpy data) plus the element's byte offset in it. Unlike torch's, the address can
        change after an in-place op: JAX arrays are immutable, so an in-place write rebinds the root to a new
        buffer (views keep pointing into their root). A tensor without elements has address 0, as in torch."""
        if self._data.size == 0 or type(self._data) is jax.ShapeDtypeStruct:  # no elements, or no data (meta)
            return 0
        root = self._base if self._base is not None else self
        address = _payload_address(root)
        if self._base is None:
            return address
        span = self._storage_span
        return address + (span[0] if span is not None else 0) + self.storage_offset() * self._data.dtype.itemsize

    def get_device(self) -> int:
        d = self.device
        return -1 if d.type == "cpu" else (d.index or 0)

    # ---------------------------------------------------------------- autograd surface
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool):
        value = bool(value)
        if not self.is_leaf:
            if not value:
                raise RuntimeError("you can only change requires_grad flags of leaf variables. If you want to use a "
                                   "computed variable in a subgraph that doesn't require differentiation use "
                                   "var_no_grad = var.detach().")
            return
        if value and not jnp.issubdtype(self._data.dtype, jnp.inexact):
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self._requires_grad = value

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        self.requires_grad = requires_grad
        return self

    @property
    def grad(self):
        if self._grad is None and self._grad_fn is not None and not self._retains_grad and not self.is_leaf:
            import warnings

            warnings.warn("The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
                          "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
                          "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor.",
                          UserWarning, stacklevel=2)
        if _ts.observer is not None:
            _ts.observer.read_grad(self)
        return self._grad

    @grad.setter
    def grad(self, value):
        if _ts.observer is not None:
            _ts.observer.wrote_grad(self)
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type "
                                f"{type(value).__name__}")
            if tuple(value.shape) != tuple(self.shape):
                raise RuntimeError("assigned grad has data of a different size")
            if value.dtype != self.dtype:
                raise RuntimeError("assigned grad has data of a different type")
        self._grad = value

    @grad.deleter
    def grad(self):
        if _ts.observer is not None:
            _ts.observer.wrote_grad(self)
        self._grad = None

    @property
    def grad_fn(self):
        from .autograd.graph import AccumulateGrad

        g = self._grad_fn
        return None if isinstance(g, AccumulateGrad) else g

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def retain_grad(self) -> None:
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.is_leaf or self._retains_grad:
            return
        node = self._grad_fn
        if node._retain is None:
            node._retain = {}
        node._retain[self._out_idx] = weakref.ref(self)
        self._retains_grad = True

    def register_hook(self, hook):
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        node, idx = self._edge()
        return node._add_tensor_hook(idx, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        from .autograd import backward

        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self) -> Tensor:
        t = Tensor._make(self._value())
        if self._base is not None:
            t._base, t._view_chain = self._base, self._view_chain
            t._version_box = self._version_box
            t._derived_version = self._derived_version
        else:
            t._base, t._view_chain = self, ()
            t._version_box = self._box()
            t._derived_version = self._version_box[0]
        t._detached_view = True
        t._vc = self._vc
        if self._storage_span is not None:
            t._storage_span = self._storage_span
        return t

    def detach_(self) -> Tensor:
        if self._base is not None and not self._detached_view and self._requires_grad:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self._grad_fn = None
        self._out_idx = 0
        self._requires_grad = False
        return self

    @property
    def data(self) -> Tensor:
        # shares storage but, as in torch, not the version counter
        t = self.detach()
        t._vc = [0]
        return t

    @data.setter
    def data(self, value: Tensor):
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, not {type(value).__name__}")
        # rebinding storage does not bump the version; earlier views keep the old storage (old box)
        if _ts.observer is not None:
            _ts.observer.observe(self)
        version = self._version
        self._data = value._value()
        self._base = None
        self._view_chain = ()
        self._detached_view = False
        self._version_box = [version, 0]
        self._vc = None
        self._storage_span = self._readonly = self._ustorage = None

    # ---------------------------------------------------------------- Python protocol
    def item(self):
        d = self._value()
        if type(d) is jax.ShapeDtypeStruct and d.size == 1:
            raise RuntimeError("Tensor.item() cannot be called on meta tensors")
        if _is_tracer(d):
            from ._errors import raise_concrete

            raise_concrete("Tensor.item()")
        if d.size != 1:
            raise RuntimeError(f"a Tensor with {d.size} elements cannot be converted to Scalar")
        v = np.asarray(d).reshape(()).item() if d.dtype != jnp.bfloat16 else float(np.asarray(d, np.float32))
        return v

    def tolist(self):
        d = self._value()
        self._no_data("tolist")
        if _is_tracer(d):
            from ._errors import raise_concrete

            raise_concrete("Tensor.tolist()")
        a = np.asarray(d)
        if a.dtype in (jnp.bfloat16, jnp.float16) or a.dtype.itemsize == 1 and a.dtype.kind == "V":
            a = a.astype(np.float32)
        if a.dtype.kind == "f" and a.dtype.itemsize < 4:
            a = a.astype(np.float32)
        return a.tolist()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        if self._requires_grad and not force and _gm.state.enabled:  # torch allows it under no_grad
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        d = self._value()
        if type(d) is jax.ShapeDtypeStruct:
            raise TypeError("can't convert meta device type tensor to numpy. Use Tensor.cpu() to copy the tensor to "
                            "host memory first.")
        if _is_tracer(d):
            from ._errors import raise_concrete

            raise_concrete("Tensor.numpy()")
        return np.asarray(d)

    def __array__(self, dtype=None, copy=None):
        self._no_data("__array__")
        a = np.asarray(self._value())
        return a if dtype is None else a.astype(dtype)

    def __jax_array__(self):
        return self._value()

    def to_jax(self) -> jax.Array:
        """The payload as a jax.Array (zero-copy)."""
        return self._value()

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __contains__(self, element) -> bool:
        import numbers

        if not isinstance(element, (Tensor, numbers.Number)) and not _is_symbolic_scalar(element):
            raise RuntimeError(f"Tensor.__contains__ only supports Tensor or scalar, but you passed in a "
                               f"{type(element)}.")
        return bool((self == element).any().item())

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self.item())

    def __float__(self) -> float:
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return float(self.item())

    def __int__(self) -> int:
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return int(self.item())

    def __complex__(self) -> complex:
        return complex(self.item())

    def __index__(self) -> int:
        if self._data.size != 1 or not jnp.issubdtype(self._data.dtype, jnp.integer):
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        from ._printing import tensor_repr

        return tensor_repr(self)

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0 and not _is_tracer(self._data):
            return format(self.item(), spec)
        return object.__format__(repr(self), spec)

    def __reduce_ex__(self, proto):
        return (_rebuild_tensor, (np.asarray(self._value()), self._requires_grad))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        t = type(self).__new__(type(self)) if type(self) is not Tensor else object.__new__(Tensor)
        t._data = self._value()
        t._requires_grad = self._requires_grad
        if type(self) is not Tensor:
            t.__dict__.update({k: v for k, v in self.__dict__.items() if not k.startswith("_")})
        memo[id(self)] = t
        if self._grad is not None:
            t._grad = self._grad.__deepcopy__(memo)
        return t

    def __dlpack__(self, **kwargs):
        """A DLPack capsule of the payload; keyword-only arguments (stream, max_version, dl_device, copy), as
        torch's."""
        return self._value().__dlpack__(**kwargs)

    def __dlpack_device__(self):
        return self._value().__dlpack_device__()


# writes torch lets through on expanded (self-overlapping) tensors. (An index write, `e[i] = v`, is
# checked by torch on the indexed sub-view; jaxtorch lets all of them through, with the same values.)
_OVERLAP_OK = frozenset({"fill", "masked_fill", "index_fill", "index_put", "copy_view"})


def _payload_address(root: Tensor) -> int:
    """The address of a root tensor's payload, materialised as one row-major buffer."""
    d = root._value()
    if _is_tracer(d):
        raise RuntimeError("Cannot access data pointer of a Tensor whose value is being traced (torch.compile, "
                           "jax.jit, vmap, ...): it has no memory until the program runs. Read it outside the "
                           "traced function.")
    if isinstance(d, np.ndarray):  # a host payload
        if not d.flags.c_contiguous:
            d = root._data = np.ascontiguousarray(d)  # same values, laid out as torch's strides say
        return d.ctypes.data
    if len(d.sharding.device_set) > 1:
        if not d.is_fully_replicated:
            raise RuntimeError(f"data_ptr: this tensor's JAX payload is sharded over {len(d.sharding.device_set)} "
                               "devices, so it has no single address; gather it first (e.g. `.cpu()`)")
        d = d.addressable_shards[0].data
    d.block_until_ready()  # the bytes must be written before anyone reads them through the address
    return d.unsafe_buffer_pointer()


def _rebuild_tensor(arr, requires_grad):
    t = Tensor._make(jnp.asarray(arr))
    t._requires_grad = requires_grad
    return t


def _contiguous_strides(shape) -> tuple:
    st = []
    acc = 1
    for n in reversed(shape):
        st.append(acc)
        acc *= max(n, 1)
    return tuple(reversed(st))


def _wrap_dim(dim: int, ndim: int) -> int:
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim % n


def _is_symbolic_scalar(x) -> bool:
    return isinstance(x, (np.generic, bool))


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


# Tensors are pytrees: the payload is the only leaf; nothing else crosses a transform boundary.
jax.tree_util.register_pytree_node(Tensor, lambda t: ((t._value(),), None), lambda _, c: Tensor._make(c[0]))


from .autograd import grad_mode as _gm  # noqa: E402  (after Tensor exists: autograd imports it)
