"""The dispatcher: run a pure jnp function on Tensors, eagerly or under a JAX trace.

`apply(fn, args, static)` is the one path every op takes:
  * Tensor arguments are unwrapped to their payloads (views re-derive themselves first);
  * eagerly, the function is run through a cached `jax.jit` (one per function and static arguments;
    JAX's own cache then keys on shapes and dtypes) compiled with jaxtorch's compiler options;
  * under a trace (torch.compile, or a user's jax.jit / grad / vmap) it is traced inline into the
    enclosing program;
  * when grad mode is on and an input requires grad, `jax.vjp` of the function runs instead (jitted
    when eager) and its vjp function (a pytree of residuals) becomes a node of the autograd tape.

Functions must be module-level (they are cache keys) and pure: `fn(*arrays_or_scalars, **static)`.
Python scalars pass as traced weak-typed values, so `x * lr` does not recompile when `lr` changes.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from .. import _background
from .. import _trace_state as _ts
from .. import _xla
from ..autograd import grad_mode as _gm
from ..autograd.graph import Node
from .._tensor import Tensor, apply_chain

_Tracer = jax.core.Tracer
_SDS = jax.ShapeDtypeStruct  # the payload of a tensor on the 'meta' device
_fwd_cache: dict = {}
_vjp_cache: dict = {}


def _is_inexact(x) -> bool:
    return jnp.issubdtype(x.dtype, jnp.inexact)


def _bound(fn, static: tuple):
    return functools.partial(fn, **dict(static)) if static else fn


def _tracing(vals) -> bool:
    """Whether an op runs under a trace (torch.compile, or a user's jax.jit / grad / vmap). There it is
    traced inline into the enclosing program: a per-op jit adds nothing there, and jaxtorch's compiler
    options may only be given to the outermost jit."""
    if _ts.observer is not None:
        return True
    for v in vals:
        if isinstance(v, _Tracer):
            return True
    return False


def _run(jitted_f, inline_f, *args):
    """jitted_f(*args); inline_f(*args) when that turns out to be inside a staging trace whose inputs
    were all concrete (e.g. a cotangent of ones under a user's jax.jit), which `_tracing` cannot see."""
    try:
        return jitted_f(*args)
    except ValueError as e:
        if "compiler_options" not in str(e):
            raise
        return inline_f(*args)


_MANY_OP_FNS: set = set()


def many_op_program(fn):
    """Mark fn as one that builds a large program (an optimizer step over every parameter): eagerly it compiles
    with the options of compiled steps (`_xla.jit`) rather than those of single ops (`_xla.jit_eager`), whose
    legacy emitters compile small programs faster but a 150-parameter AdamW step twice as slowly."""
    _MANY_OP_FNS.add(fn)
    return fn


def jitted(fn, static: tuple = (), options: bool = False):
    """The cached jitted form of fn with static keyword arguments bound. With `options`, compiled with
    jaxtorch's compiler options (jaxtorch/_xla.py): only for calls known to run outside any trace,
    since JAX accepts compiler options on the outermost jit only."""
    key = (fn, static, options)
    f = _fwd_cache.get(key)
    if f is None:
        if not options:
            f = jax.jit(_bound(fn, static))
        else:
            f = (_xla.jit if fn in _MANY_OP_FNS else _xla.jit_eager)(_bound(fn, static))
        _fwd_cache[key] = f
    return f


HOST_IMPLS: dict = {}  # jnp impl -> its NumPy twin, for ops that only select, move or copy elements
_INT_ONLY: set = set()  # twins that take integer/bool operands only (int_host_impl)
HOST_MAX_BYTES = 256 << 10


def host_impl(jnp_fn):
    """Register the decorated NumPy function as the host twin of `jnp_fn` (same signature, bit-identical
    results; it may return NotImplemented to decline a call). Eagerly, outside autograd recording, small
    single-device CPU inputs then run through the twin: no XLA compile for a shape seen once, which is what a
    growing sequence (generation with a KV cache) or a mask built per step costs otherwise. Only results that are
    exact on both paths qualify: data movement (selecting, moving, copying elements; any dtype) and integer/bool
    arithmetic (`int_host_impl`). Floating-point arithmetic stays on XLA, whose CPU kernels flush subnormals and
    round transcendentals their own way, so numbers never depend on which path ran."""

    def deco(np_fn):
        HOST_IMPLS[jnp_fn] = np_fn
        return np_fn

    return deco


def exact_dtype(d) -> bool:
    """Whether arithmetic in dtype d is exact, so the same on NumPy and XLA: bool and integers (which wrap)."""
    return np.dtype(d).kind in "biu"


def int_host_impl(jnp_fn):
    """`host_impl` for a twin that is exact only on integer and bool values: it runs when every array argument,
    every Python scalar and the `dtype` static (when the op has one) are integer or bool, with NumPy's overflow
    warnings off (both paths wrap around); anything else, or a Python int the dtype cannot hold, takes XLA."""

    def deco(np_fn):
        def twin(*args, **static):
            d = static.get("dtype")
            if d is not None and not exact_dtype(d):
                return NotImplemented
            for a in args:
                if isinstance(a, np.ndarray):
                    if not exact_dtype(a.dtype):
                        return NotImplemented
                elif a is not None and not isinstance(a, int):
                    return NotImplemented
            try:
                with np.errstate(all="ignore"):
                    return np_fn(*args, **static)
            except (OverflowError, TypeError):  # a Python int the dtype cannot hold; NumPy's bool subtract
                return NotImplemented

        HOST_IMPLS[jnp_fn] = twin
        _INT_ONLY.add(twin)
        return np_fn

    return deco


def exact_scalar(v, dtype):
    """The Python scalar or 0-d array v as a NumPy value of dtype when that conversion is exact (no rounding, no
    subnormal: both paths then give the same element), else None."""
    src = np.asarray(v)
    try:
        with np.errstate(all="ignore"):
            c = src.astype(dtype)
    except (OverflowError, TypeError, ValueError):
        return None
    if c.ndim != 0:
        return None
    if exact_dtype(dtype):
        return c if exact_dtype(src.dtype) and int(c) == int(src) else None
    if src.dtype.kind == "c" or c.dtype.kind == "c":
        return None
    f = float(c)
    if f != f:
        return c if float(src) != float(src) else None
    if f != float(src) or (f != 0 and abs(f) < np.finfo(c.dtype).tiny):
        return None
    return c


FACTORY_MAX_BYTES = 16 << 20


def host_constant(np_fn, static: tuple, nbytes: int):
    """A factory's result (of nbytes bytes) computed on the host when the default device is the CPU and it is at
    most FACTORY_MAX_BYTES (None otherwise, or when np_fn declines): zeros, ones and integer aranges of a new
    shape then compile nothing (a module's parameters are allocated once per shape; filling 16 MiB on the host
    and handing it over costs a few ms, a compile tens)."""
    dev = _unset_default_device()
    if nbytes > FACTORY_MAX_BYTES or dev is None or dev.platform != "cpu":
        return None
    out = np_fn(**dict(static))
    return None if out is NotImplemented else jax.device_put(out)


_default_device = None


def _unset_default_device():
    """Where uncommitted arrays land: JAX's first device; with jax_default_device set, that device when it is a
    CPU (a forked DataLoader worker sets 'cpu'), else None (the host paths then stay out of the way)."""
    global _default_device
    chosen = jax.config.jax_default_device
    if chosen is not None:
        if chosen == "cpu":
            return jax.devices("cpu")[0]
        return chosen if getattr(chosen, "platform", None) == "cpu" else None
    if _default_device is None:
        _default_device = jax.devices()[0]
    return _default_device


def _on_host(np_fn, static, vals, max_bytes: int = HOST_MAX_BYTES):
    """np_fn on the payloads when the arrays are small (at most `max_bytes` in all, each result too) and on one
    CPU device or on the host (numpy payloads); None when the call must take the jitted path. Results land where
    the jitted op would put them (the inputs' device, committed alike; the default device for host payloads)."""
    dev = None
    committed = False
    on_host = False  # a host payload (numpy: a DataLoader batch, a transform's output) among the inputs
    nbytes = 0
    host = []
    for v in vals:
        if isinstance(v, np.ndarray):
            nbytes += v.nbytes
            if nbytes > max_bytes:
                return None
            on_host = True
            host.append(v)
        elif isinstance(v, jax.Array):
            devs = v.sharding.device_set
            if len(devs) != 1:
                return None
            (d,) = devs
            if d.platform != "cpu" or (dev is not None and d != dev):
                return None
            nbytes += v.nbytes
            if nbytes > max_bytes:
                return None
            dev = d
            committed = committed or v.committed
            host.append(np.asarray(v))
        else:
            host.append(v)
    if dev is None:  # host payloads only: the result lands where an op on them puts it, the default device
        dev = _unset_default_device() if on_host else None
        if dev is None or dev.platform != "cpu":
            return None
    if not committed and dev != _unset_default_device():  # uncommitted results live on the default device
        return None
    out = np_fn(*host, **dict(static))
    if out is NotImplemented:
        return None
    outs = out if isinstance(out, tuple) else (out,)
    res = []
    for o in outs:
        o = np.asarray(o)
        if o.nbytes > max_bytes:
            return None
        if o.base is not None or not o.flags.writeable:  # never alias a jax buffer (it may be donated later)
            o = o.copy()
        res.append(jax.device_put(o, dev) if committed else jax.device_put(o))
    return tuple(res) if isinstance(out, tuple) else res[0]


@host_impl(apply_chain)
def _apply_chain_host(x, *, chain):
    for fn, static in chain:
        h = HOST_IMPLS.get(fn)
        if h is None:
            return NotImplemented
        x = h(x, **dict(static))
        if x is NotImplemented:
            return NotImplemented
    return x


def _int_operands(static: tuple, vals) -> bool:
    """A cheap look before an integer-only twin: no float array or `dtype` (float ops skip the host round trip)."""
    for v in vals:
        if isinstance(v, (jax.Array, np.ndarray)) and v.dtype.kind not in "biu":
            return False
    for k, v in static:
        if k == "dtype" and np.dtype(v).kind not in "biu":
            return False
    return True


def run_eager(fn, static: tuple, vals):
    """fn(*vals, **static) outside any trace: through its host twin when it has one and the inputs allow,
    else its cached jitted program."""
    h = HOST_IMPLS.get(fn)
    if h is not None and (h not in _INT_ONLY or _int_operands(static, vals)):
        out = _on_host(h, static, vals)
        if out is not None:
            return out
    return _run(jitted(fn, static, True), _bound(fn, static), *vals)


def _split_outputs(out):
    """Separate differentiable (inexact) outputs from the rest (indices, masks) for jax.vjp."""
    if isinstance(out, tuple):
        main = tuple(o if _is_inexact(o) else None for o in out)
        aux = tuple(None if m is not None else o for m, o in zip(main, out))
        return main, aux
    if _is_inexact(out):
        return out, None
    return None, out


def _bind(fn, static, diff_pos, rest):
    kw = dict(static)

    def g(*d):
        full = list(rest)
        for p, x in zip(diff_pos, d):
            full[p] = x
        return _split_outputs(fn(*full, **kw))

    return g


def _vjp_fwd(fn, static, diff_pos):
    def fwd(diff, rest):
        return jax.vjp(_bind(fn, static, diff_pos, rest), *diff, has_aux=True)

    return fwd


def _vjp_jit(fn, static, diff_pos):
    key = (fn, static, diff_pos)
    f = _vjp_cache.get(key)
    if f is None:
        f = _vjp_cache[key] = _xla.jit_eager(_vjp_fwd(fn, static, diff_pos))
    return f


def _run_vjp(vjp_fn, ct):
    return vjp_fn(ct)


_apply_vjp_jit = None  # made on first use: jaxtorch's compiler options need the backend


def _vjp_runner():
    global _apply_vjp_jit
    if _apply_vjp_jit is None:
        _apply_vjp_jit = _xla.jit_eager(_run_vjp)
    return _apply_vjp_jit


def _apply_vjp(vjp_fn, ct):
    if _ts.observer is not None or any(isinstance(v, _Tracer) for v in jax.tree_util.tree_leaves((vjp_fn, ct))):
        return vjp_fn(ct)
    return _run(_vjp_runner(), _run_vjp, vjp_fn, ct)


def vjp_as_op(*args, fn, static, diff_pos, n_args, out_mask):
    """Backward of a node as a pure function of (primals, cotangents): dispatched through `apply`
    when create_graph=True, so the backward pass is itself on the tape (true higher derivatives)."""
    primals, cts = args[:n_args], args[n_args:]
    diff = tuple(primals[p] for p in diff_pos)
    _, vjp_fn, _ = jax.vjp(_bind(fn, static, diff_pos, primals), *diff, has_aux=True)
    if out_mask is None:
        ct = cts[0]
    else:
        it = iter(cts)
        ct = tuple(next(it) if m else None for m in out_mask)
    return tuple(vjp_fn(ct))


def _merge(main, aux):
    if isinstance(main, tuple):
        return tuple(m if m is not None else a for m, a in zip(main, aux))
    return main if main is not None else aux


def apply(fn, args: tuple, static: tuple = (), name: str | None = None):
    """Run fn on args (Tensors, Python scalars, None) and return Tensor(s)."""
    vals = []
    need_grad = False
    meta = False
    obs = _ts.observer
    for a in args:
        if isinstance(a, Tensor):
            if obs is not None:  # torch.compile: find the state this function reads
                obs.observe(a)
            b = a._base
            if b is not None and a._derived_version != a._version_box[0]:
                a._rederive()
            d = a._data
            if type(d) is _SDS:
                meta = True
            vals.append(d)
            if a._requires_grad:
                need_grad = True
        else:
            vals.append(a)
    if meta:
        return _apply_meta(fn, vals, static)
    if need_grad and _gm.state.enabled:
        return _apply_recording(fn, args, vals, static, name)
    if _tracing(vals):
        out = _bound(fn, static)(*vals)
    else:
        out = run_eager(fn, static, vals)
    if isinstance(out, tuple):
        return tuple(Tensor._make(o) for o in out)
    return Tensor._make(out)


def _apply_meta(fn, vals, static):
    """An op with a 'meta' input: only the output shapes and dtypes are computed (jax.eval_shape), no data, no
    autograd record. Mixing meta and real tensors gives meta results, as in torch."""
    out = jax.eval_shape(_bound(fn, static), *vals)
    if isinstance(out, tuple):
        return tuple(Tensor._make(o) for o in out)
    return Tensor._make(out)


def _warm_backward(vjp_fn, main):
    """This op's forward just compiled a new program, so its backward program is new too: compile it on the
    worker thread (jaxtorch/_background.py) while the forward pass goes on; the cotangent the backward pass will
    give has the differentiable outputs' types."""
    if any(isinstance(v, _Tracer) for v in jax.tree_util.tree_leaves((vjp_fn, main))):  # ran inline in a trace
        return
    _background.warm(_vjp_runner(), *_background.spec((vjp_fn, main)))
    _background.run_deferred()


def _apply_recording(fn, args, vals, static, name):
    diff_pos = tuple(i for i, a in enumerate(args) if isinstance(a, Tensor) and a._requires_grad)
    diff = tuple(vals[i] for i in diff_pos)
    rest = tuple(None if i in diff_pos else v for i, v in enumerate(vals))
    if _tracing(vals):
        main, vjp_fn, aux = _vjp_fwd(fn, static, diff_pos)(diff, rest)
    else:
        f = _vjp_jit(fn, static, diff_pos)
        seen = f._cache_size() if _background.ENABLED else None
        main, vjp_fn, aux = _run(f, _vjp_fwd(fn, static, diff_pos), diff, rest)
        if seen is not None and f._cache_size() != seen:  # a new forward program: its backward is new too
            _warm_backward(vjp_fn, main)
    out = _merge(main, aux)
    tuple_out = isinstance(out, tuple)
    if tuple_out:
        mask = tuple(m is not None for m in main)
        if not any(mask):
            return tuple(Tensor._make(o) for o in out)
    elif main is None:
        return Tensor._make(out)
    else:
        mask = None
    edges = tuple(args[i]._edge() for i in diff_pos)
    avals = tuple(None if m is None else (m.shape, m.dtype) for m in main) if tuple_out else None
    node = Node(name or fn.__name__, vjp_fn, edges, fn, static, diff_pos, tuple(vals), mask, avals)
    if tuple_out:
        res = []
        for i, (o, m) in enumerate(zip(out, mask)):
            t = Tensor._make(o)
            if m:
                t._requires_grad = True
                t._grad_fn = node
                t._out_idx = i
            res.append(t)
        return tuple(res)
    t = Tensor._make(out)
    t._requires_grad = True
    t._grad_fn = node
    return t
