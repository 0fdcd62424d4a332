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
    if not chain:
        return jnp.broadcast_to(value, base.shape).astype(base.dtype)
    iota = jnp.arange(base.size, dtype=jnp.int64 if base.size >= 2**31 else jnp.int32).reshape(base.shape)
    idx = apply_chain(iota, chain=chain)
    flat = base.reshape(-1).at[idx.reshape(-1)].set(jnp.broadcast_to(value, idx.shape).reshape(-1).astype(base.dtype))
    return flat.reshape(base.shape)


def scatter_chain_changed(base, value, *, chain):
    """scatter_chain for a view whose elements share memory (an expanded view): only the elements the
    write changed reach the base, so `e[:, 1] = v` on an expanded `e` writes v, as in torch."""
    iota = jnp.arange(base.size, dtype=jnp.int64 if base.size >= 2**31 else jnp.int32).reshape(base.shape)
    idx = apply_chain(iota, chain=chain).reshape(-1)
    old = apply_chain(base, chain=chain)
    new = jnp.broadcast_to(value, old.shape).reshape(-1).astype(base.dtype)
    old = old.reshape(-1)
    idx = jnp.where(new != old, idx, base.size)  # out of range: dropped
    return base.reshape(-1).at[idx].set(new, mode="drop").reshape(base.shape)


_chain_index_cache: dict = {}


def chain_index_map(chain, base_shape) -> np.ndarray:
    """Flat storage offsets of every element of a view (numpy, cached): strides come from it."""
    key = (chain, base_shape)
    m = _chain_index_cache.get(key)
    if m is None:
        n = int(np.prod(base_shape, dtype=np.int64))
        iota = np.arange(n, dtype=np.int64).reshape(base_shape)
        with jax.ensure_compile_time_eval():  # concrete even while torch.compile traces a step
            m = np.asarray(apply_chain(jnp.asarray(iota), chain=chain))
        _chain_index_cache[key] = m
    return m


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
            return obj
        return object.__new__(cls)

    def __init__(self, *args, **kwargs):
        pass

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
        from ._ops._dispatch import apply, jitted

        base = self._base
        chain = self._view_chain
        if self._detached_view or not base._requires_grad:
            self._data = jitted(apply_chain, (("chain", chain),))(base._data)
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
        return self

    def _inplace_assign(self, new: Tensor, name: str = "inplace") -> Tensor:
        """Make `new` (already of self's shape and dtype) the value of self, through views, on the tape."""
        from ._ops._dispatch import apply

        recording = _gm.state.enabled and (self._requires_grad or new._requires_grad) and not self._detached_view
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
    is_quantized = False
    is_meta = False
    is_nested = False
    layout = "torch.strided"

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
        shape = self._data.shape
        if self._base is None or not self._view_chain:
            return _contiguous_strides(shape), 0
        m = chain_index_map(self._view_chain, tuple(self._base._data.shape))
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
        root = self._base if self._base is not None else self
        return id(root) + self.storage_offset() * self.element_size() if self._base is not None else id(self)

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

    # ---------------------------------------------------------------- Python protocol
    def item(self):
        d = self._value()
        if _is_tracer(d):
            from ._errors import raise_concrete

            raise_concrete("Tensor.item()")
        if d.size != 1:
            raise RuntimeError(f"a Tensor with {d.size} elements cannot be converted to Scalar")
        v = np.asarray(d).reshape(()).item() if d.dtype != jnp.bfloat16 else float(np.asarray(d, np.float32))
        return v

    def tolist(self):
        d = self._value()
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
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        d = self._value()
        if _is_tracer(d):
            from ._errors import raise_concrete

            raise_concrete("Tensor.numpy()")
        return np.asarray(d)

    def __array__(self, dtype=None, copy=None):
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

    def __dlpack__(self, *args, **kwargs):
        return self._value().__dlpack__(*args, **kwargs)

    def __dlpack_device__(self):
        return self._value().__dlpack_device__()


# writes torch lets through on expanded (self-overlapping) tensors. (An index write, `e[i] = v`, is
# checked by torch on the indexed sub-view; jaxtorch lets all of them through, with the same values.)
_OVERLAP_OK = frozenset({"fill", "masked_fill", "index_fill", "index_put", "copy_view"})


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


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


# Tensors are pytrees: the payload is the only leaf; nothing else crosses a transform boundary.
jax.tree_util.register_pytree_node(Tensor, lambda t: ((t._value(),), None), lambda _, c: Tensor._make(c[0]))


from .autograd import grad_mode as _gm  # noqa: E402  (after Tensor exists: autograd imports it)
