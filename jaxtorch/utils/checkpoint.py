"""torch.utils.checkpoint: activation checkpointing (recompute a region's intermediates in backward).

Two variants, as in torch:

* ``use_reentrant=False``: the function runs with grad enabled and records its ops on the tape as usual,
  inside a checkpoint frame (an entry of the saved-tensors stack in jaxtorch/autograd/graph.py). When
  the function returns, the frame drops what those nodes saved (the vjp residuals and primal inputs),
  keeping only the function's positional tensor inputs. The first node of the region that backward
  reaches has the frame re-run the function from the saved inputs (grad enabled, RNG and autocast as
  in the forward) and hands each node the residuals its counterpart in the recomputation saved, matched
  by recording order. The graph itself is the forward's, so gradients reach the inputs and any tensor
  the function reads from its closure (module parameters), with autograd.grad too.
* ``use_reentrant=True`` (torch's default when nothing is passed, with its warning): one autograd
  Function (``CheckpointFunction``) whose forward runs under no_grad and whose backward recomputes and
  runs a nested backward; parameters captured by the function get their .grad from that nested backward.

Under a trace (torch.compile, jax.jit) the same recomputation runs at trace time inside the backward.
XLA would merge it with the forward's identical ops (CSE) and keep the forward's intermediates alive, so
the recomputation's inputs (the saved tensors, the RNG state and the cotangent that triggers it) pass
through `jax.lax.optimization_barrier` first: that is how `jax.checkpoint` itself keeps its
rematerialisation (its lowering puts the same barrier on the recomputation's inputs), and tying the
cotangent in keeps XLA from scheduling the recomputation before the backward reaches it. jax.checkpoint
is not used directly: it needs a pure function, and a checkpointed torch function has Python side
effects (the RNG counter, BatchNorm running statistics) whose new values would be tracers of its inner
trace; re-running the Python function in the backward keeps torch's semantics (a BatchNorm in a
checkpoint updates its statistics in the recomputation too) eagerly and traced alike.
"""

from __future__ import annotations

import contextlib
import enum
import warnings
import weakref
from typing import Any, Callable, ContextManager, Iterable

import jax

from .._tensor import Tensor
from ..autograd import graph as _graph
from ..autograd import grad_mode as _gm
from ..autograd.function import Function

__all__ = [
    "checkpoint",
    "checkpoint_sequential",
    "CheckpointError",
    "CheckpointFunction",
    "check_backward_validity",
    "detach_variable",
    "get_device_states",
    "set_device_states",
    "noop_context_fn",
    "set_checkpoint_early_stop",
    "DefaultDeviceType",
    "set_checkpoint_debug_enabled",
    "CheckpointPolicy",
    "SelectiveCheckpointContext",
    "create_selective_checkpoint_contexts",
    "SAC_IGNORED_OPS",
    "GraphExecGroup",
]

_DEFAULT_DETERMINISM_MODE = "default"
_DETERMINISM_CHECKS = ("default", "none")

_checkpoint_debug_enabled: bool | None = None
_enable_checkpoint_early_stop: bool | None = None


class CheckpointError(RuntimeError):
    pass


class _StopRecomputationError(Exception):
    pass


@contextlib.contextmanager
def set_checkpoint_debug_enabled(enabled: bool | None):
    """Override `debug` of every checkpoint run inside (None defers to each call's own setting)."""
    global _checkpoint_debug_enabled
    prev = _checkpoint_debug_enabled
    _checkpoint_debug_enabled = enabled
    try:
        yield
    finally:
        _checkpoint_debug_enabled = prev


@contextlib.contextmanager
def set_checkpoint_early_stop(enable: bool):
    """Override `early_stop` of every non-reentrant checkpoint whose forward runs inside."""
    global _enable_checkpoint_early_stop
    prev = _enable_checkpoint_early_stop
    _enable_checkpoint_early_stop = enable
    try:
        yield
    finally:
        _enable_checkpoint_early_stop = prev


def noop_context_fn():
    return contextlib.nullcontext(), contextlib.nullcontext()


def detach_variable(inputs: tuple) -> tuple:
    if not isinstance(inputs, tuple):
        raise RuntimeError(f"Only tuple of tensors is supported. Got Unsupported input type: {type(inputs).__name__}")
    out = []
    for inp in inputs:
        if not isinstance(inp, Tensor):
            out.append(inp)
            continue
        x = inp.detach()
        x.requires_grad = inp.requires_grad
        out.append(x)
    return tuple(out)


def check_backward_validity(inputs: Iterable[Any]) -> None:
    if not any(inp.requires_grad for inp in inputs if isinstance(inp, Tensor)):
        warnings.warn("None of the inputs have requires_grad=True. Gradients will be None", stacklevel=2)


class DefaultDeviceType:
    """The device type whose RNG state checkpoint saves when no argument is on an accelerator. jaxtorch has
    one generator for every device, which checkpoint always saves and restores; the setting is kept for
    code that reads or sets it."""

    _default_device_type: str | None = None

    @staticmethod
    def set_device_type(device: str = "cuda") -> None:
        DefaultDeviceType._default_device_type = device

    @staticmethod
    def get_device_type() -> str:
        if not DefaultDeviceType._default_device_type:
            from .. import accelerator

            acc = accelerator.current_accelerator(True)
            DefaultDeviceType._default_device_type = acc.type if acc is not None else "cpu"
        return DefaultDeviceType._default_device_type


def _device_module(device_type: str):
    import importlib

    return importlib.import_module(f"{__name__.split('.')[0]}.{device_type}")


def get_device_states(*args) -> tuple[list[int], list[Tensor]]:
    """(device indices of the accelerator tensors among args, the RNG state of each)."""
    ids: list[int] = []
    types: list[str] = []
    for a in jax.tree_util.tree_leaves(args, is_leaf=lambda x: isinstance(x, Tensor)):
        if isinstance(a, Tensor) and a.device.type not in ("cpu", "meta"):
            ids.append(a.device.index or 0)
            types.append(a.device.type)
    if not ids:
        return [], []
    module = _device_module("cuda" if "cuda" in types else types[0])
    return ids, [module.get_rng_state(i) for i in ids]


def set_device_states(devices, states, *, device_type=None) -> None:
    if device_type is None:
        device_type = DefaultDeviceType.get_device_type()
    if device_type == "meta":
        return
    module = _device_module(device_type)
    for d, s in zip(devices, states):
        module.set_rng_state(s, d)


# ---------------------------------------------------------------------------------------------
# global state a recomputation must see as the forward did: RNG and autocast


def _is_tracer(x) -> bool:
    return isinstance(x, jax.core.Tracer)


class _GlobalState:
    """The default generator's (key, counter) and the autocast settings at one moment."""

    def __init__(self, preserve_rng: bool):
        from .. import _autocast
        from ..random import default_generator as g

        self.rng = (g._key._value(), g._counter._value()) if preserve_rng else None
        st = _autocast.state
        self.autocast = (dict(st.enabled), dict(st.dtype), st.active)

    @contextlib.contextmanager
    def restored(self, barrier=None):
        """Within: the saved state (the RNG arrays passed through `barrier`); after: what was there before
        (torch's fork_rng: a recomputation does not advance the caller's RNG stream)."""
        from .. import _autocast
        from ..random import default_generator as g

        st = _autocast.state
        prev_autocast = (st.enabled, st.dtype, st.active)
        st.enabled, st.dtype, st.active = dict(self.autocast[0]), dict(self.autocast[1]), self.autocast[2]
        prev_rng = None
        if self.rng is not None:
            prev_rng = (g._key._value(), g._counter._value())
            key, counter = self.rng if barrier is None else barrier(self.rng)
            _set_payload(g._key, key)
            _set_payload(g._counter, counter)
        try:
            yield
        finally:
            st.enabled, st.dtype, st.active = prev_autocast
            if prev_rng is not None:
                _set_payload(g._key, prev_rng[0])
                _set_payload(g._counter, prev_rng[1])


def _set_payload(t: Tensor, value) -> None:
    t._data = value
    t._box()[0] += 1


def _barrier_for(arrays: list, cts) -> Callable | None:
    """Under a trace: a function putting its argument through one optimization barrier together with the
    triggering cotangents, so XLA neither merges the recomputation with the forward nor runs it early.
    Eagerly (concrete values) None: there is nothing to merge."""
    ct_vals = [c._data if isinstance(c, Tensor) else c for c in (cts or ()) if c is not None]
    if not any(_is_tracer(v) for v in list(arrays) + ct_vals):
        return None

    def barrier(tree):
        out, _ = jax.lax.optimization_barrier((tree, ct_vals))
        return out

    return barrier


# ---------------------------------------------------------------------------------------------
# use_reentrant=True


class CheckpointFunction(Function):
    """The reentrant checkpoint: forward under no_grad, backward recomputes and runs a nested backward."""

    @staticmethod
    def forward(ctx, run_function, preserve_rng_state, *args):
        check_backward_validity(args)
        ctx.run_function = run_function
        ctx.preserve_rng_state = preserve_rng_state
        ctx.global_state = _GlobalState(preserve_rng_state)
        # inputs as they are now: later in-place writes to them do not change the recomputation
        ctx.inputs = [(a._value(), a.requires_grad) if isinstance(a, Tensor) else a for a in args]
        ctx.tensor_indices = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        return run_function(*args)

    @staticmethod
    def backward(ctx, *grad_outputs):
        from ..autograd import backward as _backward

        task = _graph._tasks[-1] if _graph._tasks else None
        if task is not None and task.capture:
            raise RuntimeError(
                "When use_reentrant=True, torch.utils.checkpoint is incompatible with .grad() or passing an "
                "`inputs` parameter to .backward(). To resolve this error, you can either set use_reentrant=False, "
                "or call .backward() without passing the `inputs` argument."
            )
        arrays = [ctx.inputs[i][0] for i in ctx.tensor_indices]
        barrier = _barrier_for(arrays + list(ctx.global_state.rng or ()), grad_outputs)
        if barrier is not None:
            arrays = barrier(arrays)
        inputs = list(ctx.inputs)
        for i, v in zip(ctx.tensor_indices, arrays):
            t = Tensor._make(v)
            t._requires_grad = ctx.inputs[i][1]
            inputs[i] = t
        prev = _gm.state.enabled
        _gm.state.enabled = True
        try:
            with ctx.global_state.restored(barrier):
                outputs = ctx.run_function(*inputs)
        finally:
            _gm.state.enabled = prev
        if not isinstance(outputs, tuple):
            outputs = (outputs,)
        # grad_outputs has one entry per tensor output (jaxtorch's Function passes only those)
        tensor_outputs = [o for o in outputs if isinstance(o, Tensor)]
        outs, grads = [], []
        for o, g in zip(tensor_outputs, grad_outputs):
            if o.requires_grad:
                outs.append(o)
                grads.append(g)
        if not outs:
            raise RuntimeError("none of output has requires_grad=True, this checkpoint() is not necessary")
        _backward(outs, grads)
        return (None, None) + tuple(inp.grad if isinstance(inp, Tensor) else None for inp in inputs)


# ---------------------------------------------------------------------------------------------
# use_reentrant=False


class _Recompute(_graph._Deferred):
    """In a checkpointed node's `_vjp` slot: its saved tensors come from the frame's recomputation."""

    __slots__ = ("frame", "index")

    def __init__(self, frame, index: int):
        self.frame, self.index = frame, index

    def materialize(self, node, cts):
        return self.frame.unpack(self.index, cts)


def _metadata(node) -> list:
    return [{"shape": tuple(x.shape), "dtype": x.dtype} for x in jax.tree_util.tree_leaves(node._vjp)]


def _format_meta(m: dict) -> str:
    from .._dtype import from_np

    try:
        dt = from_np(m["dtype"])
    except TypeError:
        dt = m["dtype"]
    return f"{{'shape': torch.Size({list(m['shape'])}), 'dtype': {dt}}}"


_DEBUG_TIP = (
    "\nTip: To see a more detailed error message, either pass `debug=True` to "
    "`torch.utils.checkpoint.checkpoint(...)` or wrap the code block\nwith `with "
    "torch.utils.checkpoint.set_checkpoint_debug_enabled(True):` to\nenable checkpoint-debug mode globally.\n"
)


class _Collector:
    """Top of the saved-tensors stack while a frame recomputes: keeps the nodes the recomputation records."""

    def __init__(self, frame):
        self.frame = frame
        self.nodes: list = []

    def take(self, node) -> None:
        frame = self.frame
        self.nodes.append(node)
        n = len(self.nodes)
        if n > frame.count:
            raise CheckpointError(
                "torch.utils.checkpoint: trying to save more tensors during recomputation than "
                "during the original forward pass.\n" + _DEBUG_TIP
            )
        if frame.early_stop and n == frame.count:
            raise _StopRecomputationError


class _Frame:
    """One non-reentrant checkpoint call: the nodes its forward recorded, and how to recompute them."""

    def __init__(self, fn, args, kwargs, preserve_rng_state, recompute_context, early_stop, check, debug):
        self.fn, self.kwargs = fn, kwargs
        self.args = [(a._value(), a.requires_grad) if isinstance(a, Tensor) else a for a in args]
        self.tensor_pos = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        self.global_state = _GlobalState(preserve_rng_state)
        self.recompute_context = recompute_context
        self.early_stop = early_stop
        self.check = check
        self.debug = debug
        self.nodes: list | None = []  # recorded during the forward; emptied when it completes
        self.refs: list = []
        self.meta: list = []
        self.forward_log: list = []
        self.count = 0
        self.cache_key = None
        self.cache: dict = {}

    # as the top of the saved-tensors stack during the forward
    def take(self, node) -> None:
        self.nodes.append(node)

    def forward_completed(self) -> None:
        """Drop what the region's nodes saved; from now on backward recomputes it."""
        nodes, self.nodes = self.nodes, None
        self.count = len(nodes)
        for k, node in enumerate(nodes):
            self.refs.append(weakref.ref(node))
            if self.debug:
                self.forward_log.append(node.name())
            if node._vjp is None:  # already freed by a backward inside the function itself
                self.meta.append(None)
                continue
            self.meta.append(_metadata(node) if self.check else None)
            node._vjp = _Recompute(self, k)
            node.saved = None

    def unpack(self, index: int, cts) -> tuple:
        group = GraphExecGroup._current
        task = _graph._tasks[-1] if _graph._tasks else None
        key = group if group is not None else (task.id if task is not None else object())
        if key != self.cache_key:
            self._recompute(key, cts, clear_at_end=group is None and task is not None)
        elif index not in self.cache:
            extra = (
                (
                    "Performing two backward calls that overlap (i.e. require the same saved activation in order "
                    "to compute gradients) is not allowed while under the torch.utils.checkpoint.GraphExecGroup "
                    "context. "
                )
                if group is not None
                else ""
            )
            raise CheckpointError(
                "torch.utils.checkpoint: Unpack is being triggered for a tensor that was already "
                f"unpacked once. {extra}If you are calling ctx.saved_tensors in backward, make "
                "sure to do so only once. Otherwise please open an issue with details on your "
                "use case."
            )
        return self.cache.pop(index)

    def _clear(self) -> None:
        self.cache_key = None
        self.cache = {}

    def _recompute(self, key, cts, clear_at_end: bool) -> None:
        self._clear()
        arrays = [self.args[i][0] for i in self.tensor_pos]
        barrier = _barrier_for(arrays + list(self.global_state.rng or ()), cts)
        if barrier is not None:
            arrays = barrier(arrays)
        args = list(self.args)
        for i, v in zip(self.tensor_pos, arrays):
            t = Tensor._make(v)
            t._requires_grad = self.args[i][1]
            args[i] = t
        collector = _Collector(self)
        prev = _gm.state.enabled
        _gm.state.enabled = True
        _graph._push_saved(collector)
        try:
            with self.global_state.restored(barrier), self.recompute_context:
                self.fn(*args, **self.kwargs)
        except _StopRecomputationError:
            pass
        except CheckpointError as e:
            self._raise(e, collector)
        finally:
            _graph._pop_saved(collector)
            _gm.state.enabled = prev
        recomputed = collector.nodes
        if len(recomputed) != self.count:
            n_fwd = sum(len(m) for m in self.meta if m is not None) if self.check else self.count
            n_re = sum(len(jax.tree_util.tree_leaves(n._vjp)) for n in recomputed) if self.check else len(recomputed)
            self._raise(
                CheckpointError(
                    "torch.utils.checkpoint: A different number of tensors was saved during the original forward and "
                    f"recomputation.\nNumber of tensors saved during forward: {n_fwd}\nNumber of tensors saved during "
                    f"recomputation: {n_re}.\n" + _DEBUG_TIP
                ),
                collector,
            )
        if self.check:
            bad = []
            pos = 0
            for k, node in enumerate(recomputed):
                m = self.meta[k]
                if m is None:
                    continue
                r = _metadata(node)
                for j in range(max(len(m), len(r))):
                    a = m[j] if j < len(m) else None
                    b = r[j] if j < len(r) else None
                    if a != b:
                        bad.append(
                            f"tensor at position {pos + j}:\nsaved metadata: "
                            f"{_format_meta(a) if a else None}\nrecomputed metadata: "
                            f"{_format_meta(b) if b else None}\n"
                        )
                pos += len(m)
            if bad:
                self._raise(
                    CheckpointError(
                        "torch.utils.checkpoint: Recomputed values for the following tensors have different metadata "
                        "than during the forward pass.\n" + "".join(bad) + ".\n" + _DEBUG_TIP
                    ),
                    collector,
                )
        cache = {}
        for k, ref in enumerate(self.refs):
            node = ref()
            if node is not None and isinstance(node._vjp, _Recompute):
                r = recomputed[k]
                cache[k] = (r._vjp, r.saved)
        self.cache, self.cache_key = cache, key
        if clear_at_end:  # residuals of nodes this backward does not reach are not kept past it
            _graph.queue_callback(self._clear)

    def _raise(self, e: CheckpointError, collector: _Collector):
        if not self.debug:
            raise e
        recompute_log = [n.name() for n in collector.nodes]
        raise CheckpointError(
            "An error happened while unpacking tensors; dumping logs of latest computation\nbecause you passed "
            "`debug=True` to `torch.utils.checkpoint.checkpoint()`.\n\nOperations recorded during the original "
            "forward:\n\n"
            + "\n".join(self.forward_log)
            + "\n\nOperations recorded during recomputation:\n\n"
            + "\n".join(recompute_log)
            + "\n\n(jaxtorch lists the ops that recorded a node on the tape, in order.)"
            "\n\n" + str(e)
        ) from e


def _checkpoint_without_reentrant(
    function, preserve_rng_state, context_fn, determinism_check, debug, early_stop, args, kwargs
):
    debug = _checkpoint_debug_enabled if _checkpoint_debug_enabled is not None else debug
    if debug and context_fn is not noop_context_fn:
        raise ValueError("debug=True is incompatible with non-default context_fn")
    if determinism_check not in _DETERMINISM_CHECKS:
        raise ValueError(f"determinism_check should be one of {list(_DETERMINISM_CHECKS)}, but got {determinism_check}")
    forward_context, recompute_context = context_fn()
    if not _gm.state.enabled:
        return function(*args, **kwargs)
    frame = _Frame(
        function,
        args,
        kwargs,
        preserve_rng_state,
        recompute_context,
        _enable_checkpoint_early_stop if _enable_checkpoint_early_stop is not None else early_stop,
        determinism_check == "default",
        debug,
    )
    _graph._push_saved(frame)
    finished = False
    try:
        with forward_context:
            out = function(*args, **kwargs)
            finished = True
    finally:
        _graph._pop_saved(frame)
    if not finished:
        raise RuntimeError(
            "torch.utils.checkpoint: the forward context provided by context_fn suppressed an "
            "exception raised during the checkpointed forward. This is not supported because "
            "checkpoint cannot return a value for a failed forward."
        )
    frame.forward_completed()
    return out


# ---------------------------------------------------------------------------------------------


def checkpoint(
    function,
    *args,
    use_reentrant: bool | None = None,
    context_fn: Callable[[], tuple[ContextManager, ContextManager]] = noop_context_fn,
    determinism_check: str = _DEFAULT_DETERMINISM_MODE,
    debug: bool = False,
    early_stop: bool = True,
    **kwargs,
):
    """Run function(*args, **kwargs) without keeping its intermediate results for backward; backward
    recomputes them. `preserve_rng_state` (keyword, default True) makes the recomputation draw the same
    random numbers (dropout masks) as the forward."""
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. Starting in PyTorch "
            "2.9, calling checkpoint without use_reentrant will raise an exception. use_reentrant=False is "
            "recommended, but if you need to preserve the current default behavior, you can pass use_reentrant=True. "
            "Refer to docs for more details on the differences between the two variants.",
            stacklevel=2,
        )
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs and use_reentrant:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))
    if use_reentrant:
        if context_fn is not noop_context_fn or debug is not False:
            raise ValueError("Passing `context_fn` or `debug` is only supported when use_reentrant=False.")
        # (torch ignores determinism_check and early_stop here too: the reentrant variant has neither)
        return CheckpointFunction.apply(function, preserve, *args)
    return _checkpoint_without_reentrant(
        function, preserve, context_fn, determinism_check, debug, early_stop, args, kwargs
    )


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """Run `functions` (an nn.Sequential or a list of modules/functions) in `segments` chunks, checkpointing
    every chunk but the last."""
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint.checkpoint_sequential: the use_reentrant parameter should be passed explicitly. "
            "In version 2.9 we will raise an exception if use_reentrant is not passed. use_reentrant=False is "
            "recommended, but if you need to preserve the current default behavior, you can pass use_reentrant=True. "
            "Refer to docs for more details on the differences between the two variants.",
            stacklevel=2,
        )
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))

    def run_function(start, end, functions):
        def forward(input):
            for j in range(start, end + 1):
                input = functions[j](input)
            return input

        return forward

    from ..nn import Sequential

    if isinstance(functions, Sequential):
        functions = list(functions.children())
    segment_size = len(functions) // segments
    end = -1
    for start in range(0, segment_size * (segments - 1), segment_size):
        end = start + segment_size - 1
        input = checkpoint(
            run_function(start, end, functions), input, use_reentrant=use_reentrant, preserve_rng_state=preserve
        )
    return run_function(end + 1, len(functions) - 1, functions)(input)


# ---------------------------------------------------------------------------------------------
# selective checkpointing and graph-exec groups


class SelectiveCheckpointContext:
    """The context a selective-checkpoint policy function receives."""

    def __init__(self, *, is_recompute, op_output=None) -> None:
        self.is_recompute = is_recompute
        self.op_output = op_output


class CheckpointPolicy(enum.Enum):
    MUST_SAVE = 0
    PREFER_SAVE = 1
    MUST_RECOMPUTE = 2
    PREFER_RECOMPUTE = 3
    MUST_CPU_OFFLOAD = 4
    PREFER_CPU_OFFLOAD = 5


# torch lists aten ops that selective checkpointing never caches; jaxtorch has no aten ops to list
SAC_IGNORED_OPS: set = set()


def create_selective_checkpoint_contexts(policy_fn_or_list, allow_cache_entry_mutation=False):
    raise NotImplementedError(
        "torch.utils.checkpoint.create_selective_checkpoint_contexts (selective activation checkpointing) is not "
        "supported in jaxtorch: its policies choose among aten operators, which jaxtorch does not have. "
        "checkpoint() without context_fn recomputes the whole region."
    )


class GraphExecGroup:
    """Checkpointed regions reached by several backward calls under one instance recompute at most once.
    Those backward calls must not need the same saved activation."""

    _current: GraphExecGroup | None = None

    def __enter__(self) -> GraphExecGroup:
        if GraphExecGroup._current is not None:
            raise RuntimeError(
                f"GraphExecGroup contexts cannot be nested. Already inside group {GraphExecGroup._current}"
            )
        GraphExecGroup._current = self
        return self

    def __exit__(self, *args: object) -> None:
        GraphExecGroup._current = None

    @classmethod
    def _get_current_group(cls) -> GraphExecGroup | None:
        return cls._current
