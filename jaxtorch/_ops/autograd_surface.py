"""The autograd names the Tensor class does not define itself: torch.detach / detach_ as functions,
Tensor.output_nr, and Tensor.register_post_accumulate_grad_hook."""

from __future__ import annotations

from .._tensor import Tensor
from ._registry import register


@register(method=False, out=False)
def detach(input) -> Tensor:
    return input.detach()


@register(method=False, out=False)
def detach_(input) -> Tensor:
    return input.detach_()


@register("output_nr", function=False, as_property=True)
def output_nr(self) -> int:
    """Which output of the op that made this tensor it is (0 for a leaf)."""
    return 0 if self._grad_fn is None else self._out_idx


@register("register_post_accumulate_grad_hook", function=False)
def register_post_accumulate_grad_hook(self, hook):
    """hook(tensor) runs after backward has accumulated into this leaf's .grad."""
    from ..autograd.graph import _RemovableHandle

    if not self._requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if self.grad_fn is not None:
        raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
    hooks = self.__dict__.get("_post_accumulate_grad_hooks")
    if hooks is None:
        hooks = self._post_accumulate_grad_hooks = []
    hooks.append(hook)
    return _RemovableHandle(hooks, hook)
