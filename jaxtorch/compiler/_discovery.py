"""State discovery: which tensors a compiled function reads, before its first trace and between traces.

Before the first trace the state is guessed from what the function can reach (`guess_state`); state an
optimizer would create on its first step is created up front (`precreate_state`, through the
`PreparesState` protocol) and dropped again where the traced step did not update it. State a trace creates
(`grown` slots) is prepared the same way afterwards (`prepare_growth`).
"""

from __future__ import annotations

import functools
import itertools

import jax

from .._tensor import Tensor
from ._protocol import PreparesState


class _Discovered:
    """What a compiled function's calls have shown it touches (shared by all argument signatures)."""

    def __init__(self):
        self.state: list = []  # weakrefs of state tensors, in discovery order
        self.modules: list = []  # modules called: their `training` flags guard the programs
        self.presync: list = []  # optimizers: hyper-parameters set in Python are copied into cells first
        self.data_parallel = False  # a DistributedDataParallel/DataParallel module takes part
        self.warm = False
        self.precreated: list = []  # (optimizer, param, state tensors) made before the first trace


def _union(tensors, more):
    ids = {id(t) for t in tensors}
    out = list(tensors)
    for t in more:
        if id(t) not in ids:
            ids.add(id(t))
            out.append(t)
    return out


def _guess_state(fn, args, kwargs, optimizers: list | None = None) -> list:
    """Tensors the function can reach and is likely to read: the parameters and buffers of modules,
    the parameters and state of optimizers, generator states and plain tensors found in its
    arguments, closure, referenced globals and bound object. Lifting them before the first trace
    spares re-tracing for each; the trace then confirms (a tensor not guessed is found and lifted,
    one guessed but unused costs an unused input)."""
    from ..nn.modules.module import Module
    from ..optim.optimizer import Optimizer
    from ..random import Generator, default_generator

    out: dict = {}
    seen_objs: set = set()

    def add(t):
        if t._base is not None:
            t = t._base
        out.setdefault(id(t), t)

    def visit(x, depth):
        if isinstance(x, Tensor):
            add(x)
            return
        if depth > 3 or id(x) in seen_objs or isinstance(x, (str, bytes, int, float, bool, type)) or x is None:
            return
        seen_objs.add(id(x))
        if isinstance(x, Module):
            for t in itertools.chain(x.parameters(), x.buffers()):
                add(t)
        elif isinstance(x, Optimizer):
            if optimizers is not None:
                optimizers.append(x)
            for g in x.param_groups:
                for p in g["params"]:
                    add(p)
            for st in x.state.values():
                for v in st.values():
                    if isinstance(v, Tensor):
                        add(v)
            for entry in x.__dict__.get("_hp_cells", {}).values():
                add(entry[0])
        elif isinstance(x, Generator):
            visit(x._key, depth)
            visit(x._counter, depth)
        elif isinstance(x, (list, tuple)):
            for v in x[:64]:
                visit(v, depth + 1)
        elif isinstance(x, dict):
            for v in list(x.values())[:64]:
                visit(v, depth + 1)
        elif isinstance(x, functools.partial):
            visit(x.func, depth + 1)
            visit(x.args, depth + 1)
        elif callable(x) and hasattr(x, "__code__"):
            visit_function(x, depth + 1)
        elif hasattr(x, "__self__") and hasattr(x, "__func__"):  # bound method
            visit(x.__self__, depth + 1)
            visit_function(x.__func__, depth + 1)
        elif hasattr(x, "__dict__") and not isinstance(x, type(jax)):
            for v in list(vars(x).values())[:64]:
                if isinstance(v, (Tensor, Module, Optimizer, Generator)):
                    visit(v, depth + 1)

    def names(code):
        yield from code.co_names
        for c in code.co_consts:
            if hasattr(c, "co_names"):
                yield from names(c)

    def visit_function(f, depth):
        for cell in f.__closure__ or ():
            try:
                visit(cell.cell_contents, depth)
            except ValueError:  # an empty cell
                pass
        g = getattr(f, "__globals__", {})
        for n in set(names(f.__code__)):
            v = g.get(n)
            if isinstance(v, (Tensor, Module, Optimizer, Generator)):
                visit(v, depth)

    visit(default_generator, 0)
    visit(fn, 0)
    visit(args, 0)
    visit(kwargs, 0)
    return list(out.values())


def _precreate_state(optimizers) -> list:
    """Before the first trace, create the first-step state of each reachable optimizer's params that
    have none (the values its first step would start from, via `_compile_prepare`), so that the first
    trace already reads it as input and needs no second trace. Returns (optimizer, param, tensors);
    `_drop_unused_precreated` removes again what the traced step did not update."""
    out: list = []
    for opt in optimizers:
        fresh = [p for g in opt.param_groups for p in g["params"] if not opt.state.get(p)]
        if not fresh:
            continue
        slots = [(opt.state, p) for p in fresh] + [(opt.__dict__, "_hp_cells")]
        if opt._compile_prepare(slots) is None:  # its first step is not a later step from that state
            for p in fresh:
                opt.state.pop(p, None)
            continue
        for p in fresh:
            ts = [v for v in opt.state.get(p, {}).values() if isinstance(v, Tensor)]
            if ts:
                out.append((opt, p, ts))
            else:
                opt.state.pop(p, None)
    return out


def _drop_precreated(entry) -> None:
    for opt, p, _ in entry.precreated:
        opt.state.pop(p, None)
    entry.precreated = []


def _drop_unused_precreated(entry, lifted, written) -> set:
    """After the first trace: state made up front for params the step did not update (no grad, or no
    step at all) is removed from the optimizer, as eager execution would never have made it. Returns
    the ids of the removed tensors."""
    written_ids = {id(t) for t, w in zip(lifted, written) if w}
    dropped: set = set()
    for opt, p, ts in entry.precreated:
        if not any(id(t) in written_ids for t in ts):
            opt.state.pop(p, None)
            dropped.update(id(t) for t in ts)
    entry.precreated = []
    return dropped


def _prepare_growth(grown):
    """A trace created state slots (an optimizer's moments and hyper-parameter cells on its first
    step, a GradScaler's scale). Where each owner can create them up front with the values its first
    step would start from (its `_compile_prepare(slots)`), do so and return the new tensors;
    otherwise None (the program then runs once and the next call builds the steady-state one)."""
    wanted: dict = {}
    for obj, c, key in grown:
        if not isinstance(obj, PreparesState):
            return None
        wanted.setdefault(id(obj), (obj, []))[1].append((c, key))
    made: list = []
    for obj, slots in wanted.values():
        new = obj._compile_prepare(slots)
        if new is None:
            return None
        made += new
    return made
