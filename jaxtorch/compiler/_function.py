"""`torch.compile(fn)` and `torch.compile(module)`: the compiled callables, their program caches and guards,
and graph breaks (Python that cannot be traced runs eagerly from then on, with one warning)."""

from __future__ import annotations

import functools
import os
import threading
import traceback
import warnings
import weakref

import jax

from .. import _autocast, _trace_state
from .._errors import GraphBreak
from ..autograd.grad_mode import state as _grad_state
from ._data_parallel import data_parallel_pending
from ._discovery import (_Discovered, _drop_precreated, _drop_unused_precreated, _guess_state, _precreate_state,
                         _prepare_growth, _union)
from ._flatten import arg_tensors, erase_sizes, flatten_args, signature
from ._autograd import _AutogradProgram
from ._program import _NeedLift, _Program
from ._stats import _STATS

_lock = threading.RLock()
_LIB_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # jaxtorch/
_stance = ["default"]  # torch.compiler.set_stance (the API lives in __init__)


def _user_frame(tb) -> str:
    """file:line of the innermost frame outside jaxtorch and jax."""
    where = "<unknown>"
    for fs in traceback.extract_tb(tb):
        f = os.path.abspath(fs.filename)
        if f.startswith(_LIB_DIR) or os.sep + "jax" + os.sep in f or os.sep + "jaxlib" + os.sep in f:
            continue
        where = f"{fs.filename}:{fs.lineno}"
    return where


def _dynamo_disabled() -> bool:
    from .._dynamo import config as dynamo_config

    return dynamo_config.disable


_BREAK_ERRORS = (GraphBreak, jax.errors.ConcretizationTypeError, jax.errors.TracerBoolConversionError,
                 jax.errors.TracerIntegerConversionError, jax.errors.TracerArrayConversionError)


class CompiledFunction:
    """The callable `torch.compile(fn)` returns."""

    def __init__(self, fn, fullgraph: bool = False, dynamic=None):
        self.fn = fn
        self.fullgraph = fullgraph
        self.dynamic = dynamic
        self.families: dict = {}  # the key with tensor shapes erased -> programs built for it
        self.eager_keys: set = set()  # signatures that run eagerly (dynamic shapes, recompile limit)
        self.limit_warned = False
        self.programs: dict = {}  # (argument signature, guard) -> _Program
        self.grad_deps: list = []  # state whose incoming `.grad` some program read: part of the key
        self.seen = _Discovered()
        self.eager_only = False
        functools.update_wrapper(self, fn)

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        return functools.partial(self.__call__, obj)

    def _guard(self):
        # a program traced under autocast holds its casts: key on the state too; optimizers' structural
        # switches (maximize, weight decay on or off, ...) are baked into the traced update
        seen = self.seen
        return ((_grad_state.enabled, _autocast.guard()) + tuple([m.training for m in seen.modules])
                + tuple([o._compile_guard() for o in seen.presync]))

    def _key(self, args, kwargs, leaves: list | None = None):
        """The program cache key (argument signature, guard, identity of the grads the step reads); the
        arguments' dynamic leaves are appended to `leaves` on the way."""
        leaves = [] if leaves is None else leaves
        sig = signature(args, kwargs, leaves)
        grads = tuple([id(t._grad) for t in self.grad_deps]) if self.grad_deps else ()
        return (sig, self._guard(), grads)

    def __call__(self, *args, **kwargs):
        if self.eager_only or _trace_state.observer is not None or _stance[0] != "default" or _dynamo_disabled():
            return self.fn(*args, **kwargs)
        if not self.seen.warm:
            return self._first_call(args, kwargs)
        for o in self.seen.presync:  # hyper-parameters set in Python since the last call
            o._compile_presync()
        leaves: list = []
        key = self._key(args, kwargs, leaves)
        prog = self.programs.get(key)
        if isinstance(prog, _AutogradProgram) and not prog.valid():  # parameters (un)frozen since: build again
            del self.programs[key]
            prog = None
        if prog is None:
            if key in self.eager_keys or not self._may_compile(key, args, kwargs):
                self.eager_keys.add(key)
                _STATS["eager_calls"] += 1
                return self.fn(*args, **kwargs)
            prog = self._build(self.seen, args, kwargs)
            if prog is None:
                _STATS["eager_calls"] += 1
                return self.fn(*args, **kwargs)
            self._remember(prog, args, kwargs)
        with _lock:
            return prog.run(leaves, args, kwargs)

    def _remember(self, prog, args, kwargs):
        """Cache a program unless it is good for one call only (it created new state slots)."""
        info = prog.trace_info
        known = {id(t) for t in self.grad_deps}
        self.grad_deps += [t for t in info["grad_deps"] if id(t) not in known]
        if not prog.one_shot and not info["grown"]:
            key = self._key(args, kwargs)
            self.programs[key] = prog
            fam = erase_sizes(key)
            self.families[fam] = self.families.get(fam, 0) + 1

    def _may_compile(self, key, args, kwargs) -> bool:
        """Whether a cache miss builds a program. Shapes: XLA programs have static shapes, so where torch would
        recompile once with a dynamic dimension (automatic dynamic shapes, `dynamic=True`, `mark_dynamic`),
        jaxtorch runs new shapes of an already compiled signature eagerly (a growing sequence, e.g. generation
        with a KV cache, would otherwise compile a program per length): after two shapes by default, after one
        with dynamic=True or a dimension marked dynamic, never with dynamic=False. Then torch's recompile limit."""
        built = self.families.get(erase_sizes(key), 0)
        if self.dynamic is not False and built:
            marked = any(getattr(t, "_dynamo_dynamic_indices", None) for t in arg_tensors(args, kwargs))
            if built >= (1 if self.dynamic or marked else 2):
                return False
        from .._dynamo import config as dynamo_config

        limit = dynamo_config.recompile_limit
        if len(self.programs) < limit:
            return True
        where = getattr(self.fn, "__qualname__", repr(self.fn))
        code = getattr(self.fn, "__code__", None)
        if code is not None:
            where += f" ({code.co_filename}:{code.co_firstlineno})"
        msg = (f"torch._dynamo hit config.recompile_limit ({limit})\n   function: {where}\n   last reason: the "
               "argument signature or guards changed. New signatures run eagerly from now on.")
        if dynamo_config.fail_on_recompile_limit_hit:
            from .._dynamo.exc import FailOnRecompileLimitHit

            raise FailOnRecompileLimitHit(msg)
        if not self.limit_warned:
            self.limit_warned = True
            warnings.warn(msg, stacklevel=3)
        return False

    def _first_call(self, args, kwargs):
        """The first call is traced and compiled right away. The state it reads is guessed from the
        objects the function can reach (modules, optimizers, generators, tensors in its closure,
        globals and arguments) and confirmed by the trace; state an optimizer would create lazily
        on its first step is created first, so this program is also the one every later call uses."""
        seen = self.seen
        seen.data_parallel = data_parallel_pending()  # an eager first call would miss per-replica semantics
        optimizers: list = []
        guessed = _guess_state(self.fn, args, kwargs, optimizers)
        seen.precreated = _precreate_state(optimizers)
        seen.state = [weakref.ref(t) for t in _union(guessed, [t for _, _, ts in seen.precreated for t in ts])]
        try:
            prog = self._build(seen, args, kwargs)
        except BaseException:  # e.g. fullgraph=True: leave the optimizers as they were
            _drop_precreated(seen)
            raise
        if prog is None:
            _drop_precreated(seen)  # running eagerly: its first step makes the state it needs
            _STATS["eager_calls"] += 1
            return self.fn(*args, **kwargs)
        info = prog.trace_info
        seen.modules, seen.presync, seen.warm = info["modules"], info["presync"], True
        if seen.data_parallel and not info["data_parallel"]:  # not data-parallel after all
            seen.data_parallel = False
            prog.one_shot = True
        self._remember(prog, args, kwargs)
        with _lock:
            return prog(args, kwargs)

    def _build(self, entry, args, kwargs):
        lifted = [t for t in (r() for r in entry.state) if t is not None]
        arg_leaves: list = []
        arg_tpl = flatten_args(args, kwargs, arg_leaves)
        with _lock:
            for _ in range(8):
                prog = _Program(self.fn, lifted, arg_tpl, entry.presync + entry.modules,
                                entry.data_parallel)
                state_vals = [t._value() for t in lifted]
                try:
                    prog.trace(state_vals, arg_leaves)
                except _NeedLift as e:
                    lifted = _union(lifted, e.tensors)
                    entry.state = [weakref.ref(t) for t in lifted]
                    continue
                except _BREAK_ERRORS as e:
                    return self._graph_break(e)
                if entry.precreated:
                    dropped = _drop_unused_precreated(entry, lifted, prog.plan["written"])
                    if dropped:  # the step did not update those params: trace again without their state
                        lifted = [t for t in lifted if id(t) not in dropped]
                        entry.state = [weakref.ref(t) for t in lifted]
                        continue
                if prog.trace_info["grown"]:
                    made = _prepare_growth(prog.trace_info["grown"])
                    if made is not None:  # the state now exists: trace again with it as input
                        lifted = _union(lifted, made)
                        entry.state = [weakref.ref(t) for t in lifted]
                        continue
                if prog.trace_info["wants_autograd"]:
                    hooked = [m for m in prog.trace_info["modules"]
                              if m.__dict__.get("_backward_hooks") or m.__dict__.get("_backward_pre_hooks")]
                    if hooked:  # they would have to run inside the compiled backward
                        return self._graph_break(GraphBreak(
                            f"{type(hooked[0]).__name__} has backward hooks (register_full_backward_hook), which "
                            "a compiled forward with an eager backward cannot run"))
                    if prog.mesh is not None:
                        # a forward whose backward runs eagerly: no per-device program (the eager backward
                        # and DDP's gradient reduction run in this process, as for an eager forward)
                        entry.data_parallel = False
                        continue
                    # a forward whose outputs feed an eager backward: one differentiable compiled op
                    _STATS["compiles"] += 1
                    return _AutogradProgram(prog, arg_tpl[1])
                prog.compile(state_vals, arg_leaves)
                _STATS["compiles"] += 1
                return prog
        raise RuntimeError("jaxtorch.compile: the state read by the function kept changing across traces")

    def _graph_break(self, e):
        where = _user_frame(e.__traceback__)
        _STATS["graph_breaks"] += 1
        msg = (f"torch.compile could not trace {getattr(self.fn, '__qualname__', self.fn)} ({where}): "
               f"{type(e).__name__}: {e}")
        if self.fullgraph:
            raise RuntimeError(msg + " [fullgraph=True]") from e
        warnings.warn(msg + "; running it eagerly from now on", stacklevel=3)
        self.eager_only = True
        return None


def _module_base():
    from ..nn.modules.module import Module

    return Module


class OptimizedModule(_module_base()):
    """What `torch.compile(module)` returns, as torch: an nn.Module holding the original as `_orig_mod` (so
    `state_dict()` keys read `_orig_mod.<name>`), whose calls run the original's `__call__` compiled. Outputs
    of a call with grad enabled join eager autograd through one node whose backward is compiled too
    (`_autograd.py`). Attributes the wrapper lacks come from the original module."""

    def __init__(self, mod, fullgraph=False, dynamic=None):
        super().__init__()
        self._orig_mod = mod
        def call(*args, **kwargs):
            return mod(*args, **kwargs)

        call.__qualname__ = call.__name__ = f"{type(mod).__qualname__}.__call__"
        self.__dict__["_compiled_call"] = CompiledFunction(call, fullgraph, dynamic)

    @property
    def training(self) -> bool:
        mod = self.__dict__.get("_modules", {}).get("_orig_mod")
        return True if mod is None else mod.training

    @training.setter
    def training(self, value: bool) -> None:
        mod = self.__dict__.get("_modules", {}).get("_orig_mod")
        if mod is not None:
            mod.training = value

    def forward(self, *args, **kwargs):
        return self.__dict__["_compiled_call"](*args, **kwargs)

    def __getattr__(self, name):
        try:
            return super().__getattr__(name)
        except AttributeError:
            mods = self.__dict__.get("_modules", {})
            if "_orig_mod" not in mods:
                raise
            return getattr(mods["_orig_mod"], name)


_MODES = ("default", "lite", "reduce-overhead", "max-autotune-no-cudagraphs", "max-autotune")


def compile(model=None, *, fullgraph: bool = False, dynamic=None, backend="inductor", mode=None, options=None,
            disable: bool = False):
    """torch.compile: usable as `compile(fn)`, `@compile`, `@compile(fullgraph=True)`, `compile(module)`."""
    if isinstance(backend, str):
        from .._dynamo import lookup_backend

        lookup_backend(backend)  # InvalidBackend for a name torch does not know
    elif backend is not None and not callable(backend):
        raise TypeError(f"torch.compile: backend must be a string or a callable, got {type(backend).__name__}")
    if mode is not None and mode not in _MODES:
        raise RuntimeError(f"Unrecognized mode={mode}, should be one of: {', '.join(_MODES)}")

    def wrap(m):
        if disable:
            return m
        from ..nn.modules.module import Module

        if isinstance(m, Module):
            return OptimizedModule(m, fullgraph, dynamic)
        return CompiledFunction(m, fullgraph, dynamic)

    if model is None:
        return wrap
    return wrap(model)


def disable(fn=None, recursive=True, *, reason=None):
    """torch.compiler.disable: `fn` always runs eagerly. Met inside a compiled function, it is a graph break: that
    function runs eagerly from then on (torch compiles around the call instead; the results are the same)."""
    if fn is None:
        return functools.partial(disable, recursive=recursive, reason=reason)
    if isinstance(fn, (CompiledFunction, OptimizedModule)):
        return fn._orig_mod if isinstance(fn, OptimizedModule) else fn.fn
    from ..nn.modules.module import Module

    if isinstance(fn, Module):  # a module: its forward never compiles
        fn.forward = disable(fn.forward, recursive, reason=reason)
        return fn

    @functools.wraps(fn)
    def run_eagerly(*args, **kwargs):
        if _trace_state.observer is not None:
            raise GraphBreak(f"{getattr(fn, '__qualname__', fn)} is marked torch.compiler.disable"
                             + (f" ({reason})" if reason else ""))
        return fn(*args, **kwargs)

    run_eagerly._jaxtorch_disabled = "recursive" if recursive else "shallow"
    return run_eagerly
