"""torch.utils.hooks: RemovableHandle, unserializable_hook, warn_if_has_hooks, BackwardHook, against real torch."""

from __future__ import annotations

import pickle
import warnings
from collections import OrderedDict

import numpy as np
import pytest
import torch
import torch.utils.hooks as th

import jaxtorch
import jaxtorch.utils.hooks as jh

LIBS = [(th, torch), (jh, jaxtorch)]


def _handle_story(h):
    """What a handle does with its tables, as plain data."""
    hooks, extra1, extra2 = OrderedDict(), OrderedDict(), OrderedDict()
    a = h.RemovableHandle(hooks, extra_dict=[extra1, extra2])
    b = h.RemovableHandle(hooks, extra_dict=extra1)
    c = h.RemovableHandle(hooks)
    for x in (a, b, c):
        hooks[x.id] = f"hook{x.id - a.id}"
    extra1[a.id] = extra1[b.id] = extra2[a.id] = True
    story = [b.id - a.id, c.id - b.id, len(a.extra_dict_ref), len(b.extra_dict_ref), c.extra_dict_ref]
    a.remove()
    a.remove()  # a second remove is a no-op
    story.append((list(hooks.values()), list(extra1), list(extra2)) == (["hook1", "hook2"], [b.id], []))
    with b as same:
        story.append(same is b)
    story.append(list(hooks.values()))
    del hooks
    c.remove()  # the table is gone: nothing to do
    story.append(c.hooks_dict_ref() is None)
    return story


def test_removable_handle_like_torch():
    assert _handle_story(th) == _handle_story(jh)


def test_removable_handle_needs_a_weakref_table_like_torch():
    errs = []
    for h, _ in LIBS:
        with pytest.raises(TypeError) as e:
            h.RemovableHandle({})
        errs.append(str(e.value))
    assert errs[0] == errs[1]


def _pickle_story(h):
    hooks, extra = OrderedDict(), OrderedDict()
    handle = h.RemovableHandle(hooks, extra_dict=extra)
    hooks[handle.id], extra[handle.id] = "fn", True
    alone = pickle.loads(pickle.dumps(handle))  # its copied tables die with the unpickling
    tables, again = pickle.loads(pickle.dumps(((hooks, extra), handle)))
    again.remove()
    fresh = h.RemovableHandle(OrderedDict())
    return [
        handle.__getstate__() == (hooks, handle.id, (extra,)),
        alone.id == handle.id,
        alone.hooks_dict_ref() is None,
        [r() for r in alone.extra_dict_ref],
        tables,
        dict(hooks),
        fresh.id > handle.id,
    ]


def test_removable_handle_pickles_like_torch():
    t, j = _pickle_story(th), _pickle_story(jh)
    # the handle ids differ between the libraries; what each story says about them does not
    t[5], j[5] = list(t[5].values()), list(j[5].values())
    assert t == j


def test_modules_and_optimizers_return_this_handle():
    m = jaxtorch.nn.Linear(2, 2)
    calls = []
    handles = [
        m.register_forward_hook(lambda mod, args, out: calls.append("fwd")),
        m.register_forward_pre_hook(lambda mod, args, kwargs: calls.append("pre"), with_kwargs=True),
        m.register_forward_hook(lambda mod, args, kw, out: calls.append("kw"), with_kwargs=True, always_call=True),
        m.register_full_backward_hook(lambda *a: None),
        jaxtorch.optim.SGD(m.parameters(), lr=0.1).register_step_pre_hook(lambda *a: None),
    ]
    assert all(type(h) is jaxtorch.utils.hooks.RemovableHandle for h in handles)
    assert len({h.id for h in handles}) == len(handles)
    m(jaxtorch.ones(1, 2))
    assert calls == ["pre", "fwd", "kw"]
    for h in handles[:3]:
        h.remove()
    # the handle also cleared the with_kwargs / always_called tables, as torch's does
    assert not (
        m._forward_hooks
        or m._forward_pre_hooks
        or m._forward_hooks_with_kwargs
        or m._forward_pre_hooks_with_kwargs
        or m._forward_hooks_always_called
    )
    m(jaxtorch.ones(1, 2))
    assert calls == ["pre", "fwd", "kw"]


def test_unserializable_hook_and_warn_if_has_hooks_like_torch():
    class Holder:
        pass

    def plain(grad):
        return grad

    out = []
    for h, _ in LIBS:

        @h.unserializable_hook
        def quiet(grad):
            return grad

        holder = Holder()
        holder._backward_hooks = OrderedDict([(0, plain), (1, quiet)])
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            h.warn_if_has_hooks(holder)
            holder._backward_hooks = OrderedDict()
            h.warn_if_has_hooks(holder)
        out.append((quiet.__torch_unserializable__, [(x.category, str(x.message)) for x in w]))
    assert out[0] == out[1]
    assert len(out[0][1]) == 1


def _backward_hook_story(h, T, inputs_require_grad=True):
    x = T.tensor([1.0, -2.0, 3.0], requires_grad=inputs_require_grad)
    w = T.tensor([0.5, 0.25, 2.0], requires_grad=True)
    seen = []

    def hook(module, grad_input, grad_output):
        seen.append(
            (
                "hook",
                module,
                [None if g is None else g.tolist() for g in grad_input],
                [None if g is None else g.tolist() for g in grad_output],
            )
        )
        if grad_input[0] is not None:
            return (grad_input[0] * 10, None)

    def pre_hook(module, grad_output):
        seen.append(("pre", [None if g is None else g.tolist() for g in grad_output]))
        return (grad_output[0] * 2, grad_output[1])

    bw = h.BackwardHook("mod", [hook], [pre_hook])
    a, k = bw.setup_input_hook((x, 7))
    out = bw.setup_output_hook((a * w, a.sum()))
    assert k == 7
    with warnings.catch_warnings(record=True) as warns:
        warnings.simplefilter("always")
        (out[0] * T.tensor([1.0, 2.0, 3.0])).sum().add(out[1] * 5).backward()
    return (seen, None if x.grad is None else x.grad.tolist(), w.grad.tolist(), [str(m.message)[:40] for m in warns])


@pytest.mark.parametrize("inputs_require_grad", [True, False])
def test_backward_hook_like_torch(inputs_require_grad):
    t = _backward_hook_story(th, torch, inputs_require_grad)
    j = _backward_hook_story(jh, jaxtorch, inputs_require_grad)
    assert t == j
    assert t[0]  # the hooks ran


def test_backward_hook_gradients_values():
    # grad_input = 10 * (2 * [1,2,3] * w + 5): the pre-hook doubled grad_output[0], the hook scaled grad_input
    _, xg, _, _ = _backward_hook_story(jh, jaxtorch)
    np.testing.assert_allclose(xg, 10 * (2 * np.array([1.0, 2.0, 3.0]) * np.array([0.5, 0.25, 2.0]) + 5))
