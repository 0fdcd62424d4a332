"""torch.utils.hooks: the handle `register_*_hook` returns, and the helper behind full module backward hooks.

`RemovableHandle` is the handle nn.Module's and the optimizers' `register_*_hook` return, as in torch. (Tensor and
grad_fn hooks still return the list-backed handle of jaxtorch/autograd/graph.py.) A handle holds its hook tables by
weak reference, as torch's does: a handle outliving its module keeps nothing alive, and removing through it is then
a no-op.
"""

from __future__ import annotations

import warnings
import weakref
from collections import OrderedDict
from typing import Any, Callable

__all__ = ["RemovableHandle", "unserializable_hook", "warn_if_has_hooks", "BackwardHook"]


def _ref_or_dead(table: Any) -> weakref.ref:
    # a table that was gone when the handle was pickled comes back as a reference to a dict nothing holds: dead
    return weakref.ref(table if table is not None else OrderedDict())


class RemovableHandle:
    """A handle that removes its hook from `hooks_dict` (and the same id from each `extra_dict`) on `remove()`."""

    id: int
    next_id: int = 0

    def __init__(self, hooks_dict: Any, *, extra_dict: Any = None) -> None:
        self.hooks_dict_ref = weakref.ref(hooks_dict)
        self.id = RemovableHandle.next_id
        RemovableHandle.next_id += 1
        self.extra_dict_ref: tuple = ()
        if isinstance(extra_dict, dict):
            self.extra_dict_ref = (weakref.ref(extra_dict),)
        elif isinstance(extra_dict, list):
            self.extra_dict_ref = tuple(weakref.ref(d) for d in extra_dict)

    def remove(self) -> None:
        hooks_dict = self.hooks_dict_ref()
        if hooks_dict is not None and self.id in hooks_dict:
            del hooks_dict[self.id]
        for ref in self.extra_dict_ref:
            extra = ref()
            if extra is not None and self.id in extra:
                del extra[self.id]

    # Pickling keeps the tables themselves (as torch does), so an unpickled handle removes from the unpickled
    # copies; a table that was already gone unpickles as a dead reference.
    def __getstate__(self):
        return (self.hooks_dict_ref(), self.id, tuple(ref() for ref in self.extra_dict_ref))

    def __setstate__(self, state) -> None:
        self.hooks_dict_ref = _ref_or_dead(state[0])
        self.id = state[1]
        RemovableHandle.next_id = max(RemovableHandle.next_id, self.id + 1)
        extras = state[2] if len(state) > 2 else None
        self.extra_dict_ref = () if extras is None else tuple(_ref_or_dead(d) for d in extras)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, type: Any, value: Any, tb: Any) -> None:
        self.remove()


def unserializable_hook(f: Callable) -> Callable:
    """Mark `f` as a hook that is not expected to survive serialization (silences `warn_if_has_hooks`)."""
    f.__torch_unserializable__ = True
    return f


def warn_if_has_hooks(tensor: Any) -> None:
    """Warn for each backward hook on `tensor` that pickling will drop, unless marked `unserializable_hook`."""
    hooks = getattr(tensor, "_backward_hooks", None)
    if not hooks:
        return
    for key in hooks:
        hook = hooks[key]
        if not hasattr(hook, "__torch_unserializable__"):
            warnings.warn(
                f"backward hook {hook!r} on tensor will not be serialized.  If this is expected, you can "
                "decorate the function with @torch.utils.hooks.unserializable_hook to suppress this "
                "warning",
                stacklevel=2,
            )


def _identity_function():
    # Built on first use: autograd.function imports the tape, which this module must not need at import time
    # (nn.Module imports this file while jaxtorch is still initialising).
    global _BackwardHookFunction
    if _BackwardHookFunction is None:
        from .._tensor import Tensor
        from ..autograd.function import Function

        class BackwardHookFunction(Function):
            """Identity on tensors; its backward hands the incoming gradients to a callback and passes on what
            the callback returns (torch's node of the same name, `BackwardHookFunctionBackward`)."""

            @staticmethod
            def forward(ctx, on_grads, *tensors):
                ctx.on_grads = on_grads
                ctx.set_materialize_grads(False)
                out = tuple(Tensor._make(t._value()) for t in tensors)
                ctx.mark_non_differentiable(*[o for o, t in zip(out, tensors) if not t.requires_grad])
                return out

            @staticmethod
            def backward(ctx, *grads):
                return (None,) + tuple(ctx.on_grads(grads))

        _BackwardHookFunction = BackwardHookFunction
    return _BackwardHookFunction


_BackwardHookFunction = None


class BackwardHook:
    """Runs a module's full backward hooks: `setup_input_hook(args)` and `setup_output_hook(outputs)` wrap the
    tensors in an identity whose backward sees grad_output (then the pre-hooks run) and grad_input (then
    `hook(module, grad_input, grad_output)` runs; what it returns replaces grad_input)."""

    def __init__(self, module: Any, user_hooks: list, user_pre_hooks: list) -> None:
        self.user_hooks = user_hooks
        self.user_pre_hooks = user_pre_hooks
        self.module = module
        self.grad_outputs = None
        self.n_outputs = -1
        self.output_tensors_index = None
        self.n_inputs = -1
        self.input_tensors_index = None

    def _pack_with_none(self, indices, values, size):
        res = [None] * size
        for idx, val in zip(indices, values, strict=True):
            res[idx] = val
        return tuple(res)

    def _unpack_none(self, indices, values):
        return tuple(values[idx] for idx in indices)

    def _apply_on_tensors(self, on_grads, args):
        from .._tensor import Tensor
        from ..autograd import grad_mode

        tensors_idx = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        tensors = [args[i] for i in tensors_idx]
        if not (any(t.requires_grad for t in tensors) and grad_mode.is_grad_enabled()):
            return args, None
        new_tensors = _identity_function().apply(on_grads, *tensors)
        arg_list = list(args)
        for idx, val in zip(tensors_idx, new_tensors, strict=True):
            arg_list[idx] = val
        out = tuple(arg_list) if type(args) is tuple else type(args)(*arg_list)
        return out, tensors_idx

    def _on_input_grads(self, grad_input):
        if self.grad_outputs is None:
            # the gradient reached the inputs without passing through the outputs (e.g. double backward)
            return grad_input
        res = self._pack_with_none(self.input_tensors_index, grad_input, self.n_inputs)
        for hook in self.user_hooks:
            out = hook(self.module, res, self.grad_outputs)
            if out is None:
                continue
            if len(out) != len(res):
                raise RuntimeError(
                    f"Backward hook returned an invalid number of grad_input, got {len(out)}, but expected {len(res)}"
                )
            res = out
        self.grad_outputs = None
        return self._unpack_none(self.input_tensors_index, res)

    def _on_output_grads(self, grad_output):
        self.grad_outputs = self._pack_with_none(self.output_tensors_index, grad_output, self.n_outputs)
        if self.user_pre_hooks:
            expected_len = len(self.grad_outputs)
            for pre_hook in self.user_pre_hooks:
                new = pre_hook(self.module, self.grad_outputs)
                if new is None:
                    continue
                if len(new) != expected_len:
                    raise RuntimeError(
                        "Backward pre hook returned an invalid number of grad_output, "
                        f"got {len(new)}, but expected {expected_len}"
                    )
                self.grad_outputs = new
        local_grad_outputs = self.grad_outputs
        if self.input_tensors_index is None:
            # no input requires grad: the hooks fire now, with None for every grad_input
            warnings.warn(
                "Full backward hook is firing when gradients are computed with respect to module outputs "
                "since no inputs require gradients. See https://docs.pytorch.org/docs/main/generated/"
                "torch.nn.Module.html#torch.nn.Module.register_full_backward_hook for more details.",
                stacklevel=5,
            )
            grad_inputs = self._pack_with_none([], [], self.n_inputs)
            for hook in self.user_hooks:
                res = hook(self.module, grad_inputs, self.grad_outputs)
                if res is not None and not (isinstance(res, tuple) and all(el is None for el in res)):
                    raise RuntimeError(
                        "Backward hook for Modules where no input requires gradient should always "
                        "return None or None for all gradients."
                    )
            self.grad_outputs = None
        return tuple(local_grad_outputs[i] for i in self.output_tensors_index)

    def setup_input_hook(self, args):
        res, input_idx = self._apply_on_tensors(self._on_input_grads, args)
        self.n_inputs = len(args)
        self.input_tensors_index = input_idx
        return res

    def setup_output_hook(self, args):
        is_tuple = isinstance(args, tuple)
        if not is_tuple:
            args = (args,)
        res, output_idx = self._apply_on_tensors(self._on_output_grads, args)
        self.n_outputs = len(args)
        self.output_tensors_index = output_idx
        return res if is_tuple else res[0]
