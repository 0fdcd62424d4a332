"""optim.Optimizer: torch's optimizer surface over pure, jitted, multi-tensor updates.

Every concrete optimizer (sgd.py, adam.py, ...) keeps torch's user-facing state — `param_groups` with all
hyper-parameters, `state[p]` with torch's keys and tensor types — and describes ONE parameter's update, as MLX
and optax do: `init_single(p, group)` gives a param's state at its first step and the pure
`update_single(p, g, state, hp, **static)` its new value and state (a dict by torch's keys), built from optax
transforms. The base class maps `update_single` over a whole param group inside ONE function dispatched through
`jaxtorch._ops._dispatch.apply` (cached jit; the compile machinery sees every state tensor it reads), and
writes the results back by key.

Design points (DESIGN.md §5, §7):
  * state is created eagerly at a param's first step with a fixed structure (all keys at once);
  * hyper-parameters (lr, betas, weight_decay, ...) are passed as traced scalars, so changing
    `param_group['lr']` never recompiles; only structural flags (amsgrad, nesterov, maximize, ...) are
    static;
  * new values are written back in place (`Tensor._inplace_assign` under no_grad), so the tensors the
    user (and `state_dict()`) holds stay the same objects;
  * `step()` never reads a value out of a tensor, so it runs unchanged under `jax.jit` tracing.
"""

from __future__ import annotations

import functools
import weakref
from collections import OrderedDict, defaultdict
from copy import deepcopy
from itertools import chain
from typing import Any, Callable, Iterable

import jax
import jax.numpy as jnp
import numpy as np

from .. import _background, _trace_state
from .._ops._dispatch import many_op_program
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..nn.modules.module import RemovableHandle

__all__ = ["Optimizer", "register_optimizer_step_pre_hook", "register_optimizer_step_post_hook", "required"]


class _RequiredParameter:
    """Marks a hyper-parameter that a param group must give (torch.optim.optimizer.required)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()

_global_optimizer_pre_hooks: dict = OrderedDict()
_global_optimizer_post_hooks: dict = OrderedDict()


def register_optimizer_step_pre_hook(hook: Callable) -> RemovableHandle:
    """Hook `hook(optimizer, args, kwargs)` run before every optimizer's step."""
    handle = RemovableHandle(_global_optimizer_pre_hooks)
    _global_optimizer_pre_hooks[handle.id] = hook
    return handle


def register_optimizer_step_post_hook(hook: Callable) -> RemovableHandle:
    """Hook `hook(optimizer, args, kwargs)` run after every optimizer's step."""
    handle = RemovableHandle(_global_optimizer_post_hooks)
    _global_optimizer_post_hooks[handle.id] = hook
    return handle


def _typename(obj) -> str:
    return obj.type() if isinstance(obj, Tensor) else type(obj).__name__


def _scalar_dtype():
    from .. import _dtype

    return jnp.float64 if _dtype.get_default_dtype() is _dtype.float64 else jnp.float32


# Fresh state is made on the host (numpy payloads, moved by the first update that reads them): no
# XLA program is compiled per parameter shape just to make zeros.
def _step_tensor() -> Tensor:
    """torch's `state['step']`: a 0-d tensor of the default scalar dtype (float32)."""
    return Tensor._make(np.zeros((), _scalar_dtype()))


def _zeros_like(p: Tensor, fill: float = 0.0) -> Tensor:
    v = p._data
    return Tensor._make(np.full(v.shape, fill, v.dtype))


def _wide(step):
    """A step count as the widest float JAX allows: torch does its scalar maths (1 - beta2 ** step, ...) in
    Python doubles, and 1 - 0.999 ** t loses ~1e-5 relative accuracy in float32."""
    import jax

    return step.astype(jax.dtypes.canonicalize_dtype(jnp.float64))


def _decays(group: dict) -> bool:
    """Whether a group applies weight decay: torch skips it when weight_decay == 0 (then it never reads
    the param, so an inf param stays inf), and so does the update, which is specialised on this switch."""
    wd = group.get("weight_decay", 0)
    return isinstance(wd, Tensor) or wd != 0


def _grad(g, p, weight_decay, *, maximize: bool, decay: bool):
    """The gradient torch's update starts from: negated for maximize, plus L2 weight decay (weight_decay * p)
    when the group has any."""
    if maximize:
        g = -g
    return g + weight_decay * p if decay else g


def _with_hooks(step: Callable) -> Callable:
    @functools.wraps(step)
    def wrapper(self, *args, **kwargs):
        obs = _trace_state.observer
        if obs is not None:  # torch.compile: track the state this step creates or changes
            obs.note_presync(self)
            obs.note_object(self)
        for hook in chain(_global_optimizer_pre_hooks.values(), self._optimizer_step_pre_hooks.values()):
            result = hook(self, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError(
                        f"{hook} must return None or a tuple of (new_args, new_kwargs), but got {result}."
                    )
                args, kwargs = result
        out = step(self, *args, **kwargs)
        self._opt_called = True
        for hook in chain(self._optimizer_step_post_hooks.values(), _global_optimizer_post_hooks.values()):
            hook(self, args, kwargs)
        return out

    wrapper._jaxtorch_hooked = True
    return wrapper


class Optimizer:
    """Base class of all optimizers (torch.optim.Optimizer)."""

    # keys of `state[p]` that hold a step count (never cast to the param's dtype on load)
    _step_keys: tuple = ("step",)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if step is not None and not getattr(step, "_jaxtorch_hooked", False):
            cls.step = _with_hooks(step)

    def __init__(self, params: Iterable, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self._optimizer_step_pre_hooks: dict = OrderedDict()
        self._optimizer_step_post_hooks: dict = OrderedDict()
        self._optimizer_state_dict_pre_hooks: dict = OrderedDict()
        self._optimizer_state_dict_post_hooks: dict = OrderedDict()
        self._optimizer_load_state_dict_pre_hooks: dict = OrderedDict()
        self._optimizer_load_state_dict_post_hooks: dict = OrderedDict()
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or dicts, "
                "but got " + _typename(params)
            )
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)
        _background.defer(weakref.WeakMethod(self._warm_step))

    def __getstate__(self) -> dict:
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        for name in (
            "_optimizer_step_pre_hooks",
            "_optimizer_step_post_hooks",
            "_optimizer_state_dict_pre_hooks",
            "_optimizer_state_dict_post_hooks",
            "_optimizer_load_state_dict_pre_hooks",
            "_optimizer_load_state_dict_post_hooks",
        ):
            if name not in self.__dict__:
                setattr(self, name, OrderedDict())

    def __repr__(self) -> str:
        text = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            text += "".join(f"    {key}: {group[key]}\n" for key in sorted(group) if key != "params")
        return text + ")"

    # ------------------------------------------------------------------ groups
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters (with optional per-group hyper-parameters)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the ordering of "
                "tensors in sets will change between runs. Please use a list instead."
            )
        else:
            param_group["params"] = list(params)
        named = [isinstance(p, tuple) for p in param_group["params"]]
        if any(named):
            if not all(named):
                raise ValueError("all optimizer params should be with/without names. Some param names are missing")
            param_group["param_names"] = [name for name, _ in param_group["params"]]
            param_group["params"] = [p for _, p in param_group["params"]]
        for param in param_group["params"]:
            if not isinstance(param, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is " + _typename(param))
            if not self.defaults.get("differentiable", None) and not (param.is_leaf or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)
        params = param_group["params"]
        if len(params) != len({id(p) for p in params}):
            import warnings

            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; in future, this will "
                "cause an error; see github.com/pytorch/pytorch/issues/40967 for more information",
                stacklevel=3,
            )
        seen: set[int] = set()
        for group in self.param_groups:
            seen.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                txt = "with names" if "param_names" in param_group else "without names"
                raise ValueError(
                    "all optimizer param groups should be with/without names. "
                    f"cannot add param group {txt} to the optimizer"
                )
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)
        # make the hyper-parameter cells now, outside any compiled step, so a traced step only reads them
        for key, value in param_group.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                self._hp(param_group, key)
            elif isinstance(value, tuple) and all(isinstance(v, (int, float)) for v in value):
                for i in range(len(value)):
                    self._hp(param_group, key, i)

    # ------------------------------------------------------------------ grads
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all optimized tensors (to None by default, as torch does)."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:  # without looking at the old grad: a compiled step then does not depend on it
                    p.grad = None
                    continue
                g = p.grad
                if g is not None:
                    if g.grad_fn is not None:
                        g.detach_()
                    else:
                        g.requires_grad_(False)
                    with no_grad():
                        g.zero_()

    @_with_hooks
    def step(self, closure: Callable | None = None):
        """One step over every parameter that has a gradient; returns closure()'s loss."""
        if type(self).update_single is None:
            raise NotImplementedError
        loss = _closure_loss(closure)
        for group in self.param_groups:
            params = self._params_with_grad(group)
            if params:
                _init_states(self, params, lambda p: self.init_single(p, group))
                self._run_update(group, params)
        return loss

    # ------------------------------------------------------------------ hooks
    def register_step_pre_hook(self, hook: Callable) -> RemovableHandle:
        """`hook(optimizer, args, kwargs)` before step; may return new (args, kwargs)."""
        handle = RemovableHandle(self._optimizer_step_pre_hooks)
        self._optimizer_step_pre_hooks[handle.id] = hook
        return handle

    def register_step_post_hook(self, hook: Callable) -> RemovableHandle:
        """`hook(optimizer, args, kwargs)` after step."""
        handle = RemovableHandle(self._optimizer_step_post_hooks)
        self._optimizer_step_post_hooks[handle.id] = hook
        return handle

    def _register(self, table: dict, hook: Callable, prepend: bool) -> RemovableHandle:
        handle = RemovableHandle(table)
        table[handle.id] = hook
        if prepend:
            table.move_to_end(handle.id, last=False)
        return handle

    def register_state_dict_pre_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        return self._register(self._optimizer_state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        return self._register(self._optimizer_state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        return self._register(self._optimizer_load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        return self._register(self._optimizer_load_state_dict_post_hooks, hook, prepend)

    # ------------------------------------------------------------------ state dict
    def state_dict(self) -> dict[str, Any]:
        """torch's layout: {'state': {index: {...}}, 'param_groups': [{..., 'params': [index, ...]}]}."""
        for hook in self._optimizer_state_dict_pre_hooks.values():
            hook(self)
        mapping: dict[int, int] = {}
        start = 0

        def pack(group):
            nonlocal start
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                mapping.setdefault(id(p), i)
            packed["params"] = [mapping[id(p)] for p in group["params"]]
            start += len(packed["params"])
            return packed

        param_groups = [pack(g) for g in self.param_groups]
        packed_state = {(mapping[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        state_dict = {"state": packed_state, "param_groups": param_groups}
        for hook in self._optimizer_state_dict_post_hooks.values():
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        return state_dict

    def _cast_state(self, param: Tensor, value, key=None):
        """A copy of a loaded state value: floating tensors take the param's dtype, except step counts."""
        if isinstance(value, Tensor):
            v = value._value()
            if (
                key not in self._step_keys
                and jnp.issubdtype(param._value().dtype, jnp.floating)
                and jnp.issubdtype(v.dtype, jnp.floating)
            ):
                v = v.astype(param._value().dtype)
            return Tensor._make(jnp.array(v))
        if isinstance(value, dict):
            return {k: self._cast_state(param, v, k) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(self._cast_state(param, v) for v in value)
        return deepcopy(value)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state dict in torch's layout (ours, or real torch's after converting its tensors)."""
        state_dict = state_dict.copy()
        for hook in self._optimizer_load_state_dict_pre_hooks.values():
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError(
                "loaded state dict contains a parameter group that doesn't match the size of optimizer's group"
            )
        id_map = dict(
            zip(
                chain.from_iterable(g["params"] for g in saved_groups), chain.from_iterable(g["params"] for g in groups)
            )
        )
        state: defaultdict = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                param = id_map[k]
                state[param] = self._cast_state(param, v)
                self._upgrade_state(state[param])
            else:
                state[k] = v
        new_groups = []
        for group, saved in zip(groups, saved_groups):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
            new_groups.append(saved)
        self.__setstate__({"state": state, "param_groups": new_groups})
        for hook in self._optimizer_load_state_dict_post_hooks.values():
            hook(self)

    def _upgrade_state(self, state: dict) -> None:
        """Old checkpoints store step counts as Python numbers; make them torch's 0-d tensors."""
        for key in self._step_keys:
            if key in state and not isinstance(state[key], Tensor):
                state[key] = Tensor._make(jnp.asarray(state[key], _scalar_dtype()))

    # ------------------------------------------------------------------ the multi-tensor update
    def _params_with_grad(self, group: dict) -> list[Tensor]:
        out = []
        for p in group["params"]:
            if p.grad is not None:
                if getattr(p.grad, "is_sparse", False):
                    raise RuntimeError(f"{type(self).__name__} does not support sparse gradients")
                out.append(p)
        return out

    def _hp(self, group: dict, key: str, index: int | None = None):
        """Hyper-parameter `group[key]` (or `group[key][index]`) as a 0-d tensor cell.

        The cell is state like any other tensor, so a compiled step reads its current value on every
        call instead of baking in the number it saw when traced; `_compile_presync` (run by compile
        before each compiled call) copies new values (from a scheduler, or `group['lr'] = x`) into it.
        Payloads are weakly typed, exactly like a Python number passed to an op, so the math is the same.
        """
        value = group[key] if index is None else group[key][index]
        if isinstance(value, Tensor):
            return value
        cells = self.__dict__.setdefault("_hp_cells", {})
        ck = (id(group), key, index)
        entry = cells.get(ck)
        if entry is None:
            entry = cells[ck] = [Tensor._make(jnp.asarray(value)), value, group, key, index]
        elif entry[1] != value or entry[2] is not group:
            entry[0]._data = jnp.asarray(value)
            entry[0]._bump()
            entry[1], entry[2] = value, group
        obs = _trace_state.observer
        if obs is not None:  # torch.compile: sync cells before each call; carry new state it stores
            obs.note_presync(self)
            obs.note_object(self)
        return entry[0]

    def _compile_presync(self) -> None:
        """Copy hyper-parameters changed in Python since the last step into their cells."""
        for entry in self.__dict__.get("_hp_cells", {}).values():
            cell, old, group, key, index = entry
            value = group[key] if index is None else group[key][index]
            if value != old and not isinstance(value, Tensor):
                cell._data = jnp.asarray(value)
                cell._bump()
                entry[1] = value

    # One parameter's update, as every optimizer but LBFGS describes it (the base class maps it over a group):
    #   init_single(p, group)    a param's full state at its first step: torch's keys, values and dtypes
    #   update_single            pure: (p, g, state, hp, **static) -> (new_p, new_state). state holds the param's
    #                            state tensors by key, hp the group's `_hyper` entries as traced scalars (a tuple
    #                            for betas), static the switches of `_static(group)`; new_state holds the entries
    #                            it changes, new values keep their tensor's dtype. A module-level function: it is
    #                            part of the jit cache key
    #   _hyper                   group keys passed in hp, as tensor cells
    #   _static(group)           structural switches (amsgrad, maximize, ...): static arguments of the jit
    update_single: Callable | None = None
    _hyper: tuple = ()

    def init_single(self, p: Tensor, group: dict) -> dict:
        raise NotImplementedError

    def _static(self, group: dict) -> tuple:
        return (("maximize", bool(group.get("maximize", False))), ("decay", _decays(group)))

    def _compile_guard(self) -> tuple:
        """torch.compile keys its programs on this: each group's structural switches, read in Python."""
        return tuple([self._static(g) for g in self.param_groups])

    def _compile_prepare(self, slots: list) -> list[Tensor] | None:
        """torch.compile: a traced step created these (container, key) slots. Create them now, outside
        the trace, as the step would lazily (each param's first-step state, every group's
        hyper-parameter cells), so the first compiled program is the steady-state one. Returns the
        tensors made, or None when this optimizer's first step is not a later step from that state."""
        params = []
        cells = self.__dict__.get("_hp_cells")
        for c, key in slots:
            if c is self.state and isinstance(key, Tensor):
                params.append(key)
            elif not (c is self.__dict__ and key == "_hp_cells" or c is cells):
                return None
        return self._prepare_state(params)

    def _prepare_state(self, params: list[Tensor]) -> list[Tensor] | None:
        if type(self).init_single is Optimizer.init_single:
            return None
        ids = {id(p) for p in params}
        made: list = []
        for group in self.param_groups:
            fresh = [p for p in group["params"] if id(p) in ids and not self.state[p]]
            _init_states(self, fresh, lambda p: self.init_single(p, group))
            made += [v for p in fresh for v in self.state[p].values() if isinstance(v, Tensor)]
            made += self._hyper_args(group)[1]
        return made

    def _hyper_args(self, group: dict) -> tuple[tuple, list[Tensor]]:
        """The group's `_hyper` entries as tensor cells (a tuple entry such as betas: one cell per element), and
        their layout, ((name, element count or None), ...), for `_map_single` to rebuild them."""
        layout, cells = [], []
        for name in self._hyper:
            value = group[name]
            if isinstance(value, (tuple, list)):
                layout.append((name, len(value)))
                cells += [self._hp(group, name, i) for i in range(len(value))]
            else:
                layout.append((name, None))
                cells.append(self._hp(group, name))
        return tuple(layout), cells

    def _run_update(self, group: dict, params: list[Tensor], extra: dict | None = None) -> None:
        """Map `update_single` over `params` (of `group`) as one pure function and write the new params and
        state back in place, by key. `extra`: per-parameter inputs that are not state, name -> one value per
        entry of `params` (SGD's first-step flags); update_single gets them as keyword arguments."""
        from .._ops._dispatch import apply, jitted

        rounds = _occurrence_rounds(params)
        if len(rounds) > 1:  # a parameter listed twice is updated twice, one after the other, as in torch
            for idx in rounds:
                part = {k: [v[i] for i in idx] for k, v in extra.items()} if extra else None
                self._run_update(group, [params[i] for i in idx], part)
            return
        extra = extra or {}
        # each param's state tensors by key (`get`: a stateless SGD's state stays empty)
        keys, state_tensors = _state_tensors([self.state.get(p, {}) for p in params])
        args, static = self._update_call(group, params, [p.grad for p in params], keys, state_tensors, extra)
        if _background.pending():  # this program's warm-up (`_warm_step`) may be compiling: never compile it twice
            _background.drain(jitted(_map_single, static, True))
        with no_grad():
            outs = apply(_map_single, args, static, name=type(self).__name__)
            for target, new in zip(list(params) + state_tensors, outs):
                target._inplace_assign(new)

    def _update_call(self, group, params, grads, keys, state_tensors, extra) -> tuple[tuple, tuple]:
        """The arguments and static arguments of `_map_single` for one group's update."""
        hyper, cells = self._hyper_args(group)
        extras = [v for per_param in zip(*extra.values()) for v in per_param]
        static = (
            ("single", type(self).update_single),
            ("keys", tuple(keys)),
            ("hyper", hyper),
            ("extra", tuple(extra)),
            ("static", self._static(group)),
        )
        return (*params, *grads, *state_tensors, *extras, *cells), static

    def _warm_step(self) -> None:
        """Compile the eager step's program on the worker thread (jaxtorch/_background.py) before the first
        step() needs it, taking every parameter to get a gradient of its own type: a 150-parameter AdamW step
        compiles for over a second, which the forward and backward passes of the first step then hide. Only
        groups of at least _WARM_MIN_PARAMS parameters (small steps compile quickly), only optimizers whose step
        is the base class's."""
        from .._ops._dispatch import jitted

        if type(self).step is not Optimizer.step or type(self).update_single is None or _trace_state.observer:
            return
        for group in self.param_groups:
            params = group["params"]
            if len(params) < _WARM_MIN_PARAMS or len(_occurrence_rounds(params)) > 1:
                continue
            if any(not isinstance(p._data, jax.Array) for p in params):  # meta or traced parameters
                continue
            # A param without state: its first-step state's types, from init_single on an empty stand-in (an
            # entry shaped like the stand-in takes the param's shape), so nothing of the param's size is allocated.
            states, resize = [], {}
            for p in params:
                st = self.state.get(p)
                if not st:
                    st = self.init_single(Tensor._make(np.zeros((0,), p._data.dtype)), group)
                    for v in st.values():
                        if isinstance(v, Tensor) and v._data.shape == (0,):
                            resize[id(v)] = p._data.shape
                states.append(st)
            keys, state_tensors = _state_tensors(states)
            args, static = self._update_call(group, params, params, keys, state_tensors, {})
            specs = [jax.ShapeDtypeStruct(resize[id(a)], a._data.dtype) if id(a) in resize else a._data for a in args]
            _background.warm(jitted(_map_single, static, True), *_background.spec(specs))


_WARM_MIN_PARAMS = 12


def _state_tensors(states: list[dict]) -> tuple[list[tuple], list[Tensor]]:
    """The tensor entries of each param's state: their keys per param and the tensors, flat, in that order."""
    keys, tensors = [], []
    for st in states:
        names = []
        for k, v in st.items():
            if isinstance(v, Tensor):
                names.append(k)
                tensors.append(v)
        keys.append(tuple(names))
    return keys, tensors


@many_op_program
def _map_single(*arrays, single, keys, hyper, extra, static):
    """One group's update: `single` (an optimizer's update_single) over each parameter, as one pure function of
    the flat list `Optimizer._run_update` passes: params, grads, each param's state values (names in `keys`),
    per-param `extra` values, hyper-parameter cells (layout `hyper`). Returns the new params, then each param's
    new state values in `keys` order; an entry the update leaves out keeps its value."""
    n = len(keys)
    params, grads, rest = arrays[:n], arrays[n : 2 * n], iter(arrays[2 * n :])
    states = [{k: next(rest) for k in ks} for ks in keys]
    extras = [{k: next(rest) for k in extra} for _ in range(n)]
    hp = {name: next(rest) if size is None else tuple(next(rest) for _ in range(size)) for name, size in hyper}
    new_params, new_states = [], []
    for p, g, st, ex in zip(params, grads, states, extras):
        new_p, new_st = single(p, g, st, hp, **ex, **dict(static))
        new_params.append(new_p.astype(p.dtype))
        new_states += [new_st.get(k, v).astype(v.dtype) for k, v in st.items()]
    return (*new_params, *new_states)


def _occurrence_rounds(params: list) -> list[list[int]]:
    """Indices of `params` in rounds: round r holds the r-th occurrence of each parameter. torch loops over a
    group's list, so a parameter listed twice gets two sequential updates (with a warning at construction);
    running the rounds one after the other does the same, each round a single batched update."""
    seen: dict[int, int] = {}
    rounds: list[list[int]] = []
    for i, p in enumerate(params):
        r = seen.get(id(p), 0)
        seen[id(p)] = r + 1
        if r == len(rounds):
            rounds.append([])
        rounds[r].append(i)
    return rounds


# ---------------------------------------------------------------------- torch's argument checks
def _check_lr(lr) -> None:
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")


def _check_adam_args(lr, betas, eps, weight_decay) -> None:
    _check_lr(lr)
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


def _closure_loss(closure):
    """Evaluate step()'s closure with grad mode on (torch does the same)."""
    if closure is None:
        return None
    from ..autograd.grad_mode import enable_grad

    with enable_grad():
        return closure()


def _init_states(opt: Optimizer, params: list[Tensor], make: Callable) -> None:
    """Create the full, fixed-structure state of every param that has none yet (torch's lazy init)."""
    for p in params:
        st = opt.state[p]
        if not st:
            st.update(make(p))
