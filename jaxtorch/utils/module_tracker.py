"""torch.utils.module_tracker: which modules the program is currently inside, in forward and in backward.

`with ModuleTracker() as tracker:` installs global module hooks: `tracker.parents` is the set of fully qualified
names of the modules being run ("Global" always; a top module is named by its class, a child by
"Parent.child"), and `tracker.is_bw` says whether a backward pass is running. A module is entered when its forward
starts and left when it returns; in backward it is entered when the gradients of its outputs arrive and left when
those of its inputs are computed (multi-grad hooks, as in torch). After a backward ends, `parents` is reset to
{"Global"}.
"""

from __future__ import annotations

import logging
import weakref

from ..autograd import graph as _graph
from ..autograd.graph import register_multi_grad_hook
from ..nn.modules.module import register_module_forward_hook, register_module_forward_pre_hook
from ._pytree import tree_flatten

logger = logging.getLogger(__name__)

__all__ = ["ModuleTracker"]


class ModuleTracker:
    """Tracks the module hierarchy the program is in (see the module docstring)."""

    parents: set[str]

    def __init__(self) -> None:
        self.parents = {"Global"}
        self._known_modules: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._seen_modules: weakref.WeakSet = weakref.WeakSet()
        self._has_callback = False
        self._hooks: list = []

    def _maybe_set_engine_callback(self) -> None:
        if self._has_callback:
            return

        def reset() -> None:
            self.parents = {"Global"}
            self._has_callback = False

        _graph.queue_callback(reset)
        self._has_callback = True

    @property
    def is_bw(self) -> bool:
        """Whether a backward pass is running."""
        return bool(_graph._tasks)

    def _get_mod_name(self, mod) -> str:
        if mod not in self._known_modules:
            self._known_modules[mod] = type(mod).__name__
        name = self._known_modules[mod]
        if mod not in self._seen_modules:
            for child_name, child in mod.named_children():
                self._known_modules[child] = f"{name}.{child_name}"
                self._get_mod_name(child)
            self._seen_modules.add(mod)
        return name

    def _get_append_fn(self, name: str, is_bw: bool):
        def enter(*args) -> None:
            if is_bw:
                self._maybe_set_engine_callback()
            if name in self.parents:
                logger.info(
                    "The module hierarchy tracking seems to be broken as this Module was already entered. %s during %s",
                    name,
                    "backward" if is_bw else "forward",
                )
            self.parents.add(name)

        return enter

    def _get_pop_fn(self, name: str, is_bw: bool):
        def leave(*args) -> None:
            if name in self.parents:
                self.parents.remove(name)
            else:
                logger.info(
                    "The Module hierarchy tracking is confused as we're exiting a Module that was never "
                    "entered. %s during %s",
                    name,
                    "backward" if is_bw else "forward",
                )

        return leave

    @staticmethod
    def _grad_tensors(value) -> list:
        from .._tensor import Tensor

        leaves, _ = tree_flatten(value)
        return [a for a in leaves if isinstance(a, Tensor) and a.requires_grad]

    def _fw_pre_hook(self, mod, input) -> None:
        name = self._get_mod_name(mod)
        self._get_append_fn(name, False)()
        tensors = self._grad_tensors(input)
        if tensors:
            self._hooks.append(register_multi_grad_hook(tensors, self._get_pop_fn(name, True)))

    def _fw_post_hook(self, mod, input, output) -> None:
        name = self._get_mod_name(mod)
        self._get_pop_fn(name, False)()
        tensors = self._grad_tensors(output)
        if tensors:
            self._hooks.append(register_multi_grad_hook(tensors, self._get_append_fn(name, True)))

    def __enter__(self) -> ModuleTracker:
        self._fw_pre_handle = register_module_forward_pre_hook(self._fw_pre_hook)
        self._fw_post_handle = register_module_forward_hook(self._fw_post_hook)
        return self

    def __exit__(self, *args) -> None:
        self._fw_pre_handle.remove()
        self._fw_post_handle.remove()
        for hook in self._hooks:
            hook.remove()
        self._hooks.clear()
