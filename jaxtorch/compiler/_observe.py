"""What a compiled step touches while it is traced: the observer and object snapshots.

`_Observer` is installed as `jaxtorch._trace_state.observer` while a compiled function is traced. The Tensor
facade, the optimizers and GradScaler report to it: tensors created (`created_tensor`), pre-existing tensors
read (`observe`: state the program must take as input), `.grad` reads and writes, objects whose attributes
the step may rebind (`note_object`, snapshotted so the trace can be undone and its writes replayed) and
objects with hyper-parameter cells (`note_presync`).
"""

from __future__ import annotations

import weakref

from .. import _trace_state
from .._tensor import Tensor


def is_compiling() -> bool:
    obs = _trace_state.observer
    return obs is not None


def note_stateful(obj) -> None:
    """Tell an active compile trace that `obj` (e.g. an optimizer) may store new tensors in its
    attributes or in dicts/lists it holds, so those are carried out of the compiled function."""
    obs = _trace_state.observer
    if obs is not None:
        obs.note_object(obj)


class _Observer:
    """Installed as jaxtorch._trace_state.observer while a compiled function is traced."""

    def __init__(self):
        self.created: dict = {}  # id -> weakref of tensors made during this call
        self.known: dict = {}  # id -> tensor already accounted for (lifted state, arguments)
        self.found: dict = {}  # id -> pre-existing tensor read but not lifted (insertion-ordered)
        self.objects: dict = {}  # id -> (obj, snapshot) for modules/optimizers touched
        self.views: list = []  # (view, snapshot) of pre-existing views of state
        self.presync: dict = {}  # id -> object whose _compile_presync() must run before each call
        self.grad_deps: dict = {}  # id -> lifted tensor whose incoming `.grad` the step read before setting
        self.grad_set: set = set()  # ids of tensors whose `.grad` the step has set

    def created_tensor(self, t: Tensor) -> None:
        self.created[id(t)] = weakref.ref(t)

    def is_created(self, t: Tensor) -> bool:
        r = self.created.get(id(t))
        return r is not None and r() is t

    def observe(self, t: Tensor) -> None:
        i = id(t)
        if i in self.known or i in self.found or self.is_created(t):
            return
        if t._base is not None:
            self.observe(t._base)
            if not self.is_created(t._base):
                # a pre-existing view re-derives from its (lifted) base; it is not state of its own,
                # but its cached payload must be put back after a trace
                self.known[i] = t
                self.views.append((t, dict(t.__dict__), None))
                return
        self.found[i] = t
        # read as a constant this time; put back whatever the trace does to it
        self.views.append((t, dict(t.__dict__), list(t._version_box) if t._version_box is not None else None))

    def read_grad(self, t: Tensor) -> None:
        i = id(t)
        if i in self.known and i not in self.grad_set:
            self.grad_deps[i] = t

    def wrote_grad(self, t: Tensor) -> None:
        self.grad_set.add(id(t))

    def note_data_parallel(self, module) -> None:
        self.data_parallel = True

    data_parallel = False

    def note_presync(self, obj) -> None:
        self.presync[id(obj)] = obj

    def note_module(self, m) -> None:
        self.note_object(m)

    def note_object(self, obj) -> None:
        if id(obj) in self.objects:
            return
        self.objects[id(obj)] = (obj, _snapshot_object(obj))


def _snapshot_container(c, depth):
    if depth > 3:
        return None
    if isinstance(c, dict):
        return (dict(c), {k: _snapshot_container(v, depth + 1) for k, v in c.items() if isinstance(v, (dict, list))})
    if isinstance(c, list):
        return (list(c), {i: _snapshot_container(v, depth + 1) for i, v in enumerate(c) if isinstance(v, (dict, list))})
    return None


def _snapshot_object(obj):
    d = obj.__dict__
    return (dict(d), {k: _snapshot_container(v, 0) for k, v in d.items() if isinstance(v, (dict, list))})


def _restore_container(c, snap):
    if snap is None:
        return
    shallow, nested = snap
    if isinstance(c, dict):
        c.clear()
        c.update(shallow)
        for k, s in nested.items():
            _restore_container(shallow[k], s)
    else:
        c[:] = shallow
        for i, s in nested.items():
            _restore_container(shallow[i], s)


def _restore_object(obj, snap):
    shallow, nested = snap
    d = obj.__dict__
    d.clear()
    d.update(shallow)
    for k, s in nested.items():
        _restore_container(shallow[k], s)


def _container_writes(c, snap, path, out):
    """Record (container, key, new_value) for every slot whose value changed identity."""
    if snap is None:
        return
    shallow, nested = snap
    if isinstance(c, dict):
        keys = set(c) | set(shallow)
        for k in keys:
            new = c.get(k, _MISSING)
            old = shallow.get(k, _MISSING)
            if new is not old:  # a slot that was empty (missing or None) and now holds state is new state
                out.append((c, k, new, old is _MISSING or old is None, old))
            elif k in nested:
                _container_writes(new, nested[k], path + (k,), out)
    else:
        for i in range(max(len(c), len(shallow))):
            new = c[i] if i < len(c) else _MISSING
            old = shallow[i] if i < len(shallow) else _MISSING
            if new is not old:
                out.append((c, i, new, old is _MISSING or old is None, old))
            elif i in nested:
                _container_writes(new, nested[i], path + (i,), out)
        if len(c) != len(shallow):
            out.append((c, "__len__", len(c), True, None))


_MISSING = object()


def _modules_seen(obs):
    return [(o, s) for o, s in obs.objects.values() if hasattr(o, "training") and hasattr(o, "_modules")]
