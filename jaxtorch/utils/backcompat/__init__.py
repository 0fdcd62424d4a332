"""torch.utils.backcompat: switches for warnings about behaviour that changed in torch 0.2 (broadcasting,
`keepdim`). jaxtorch only has the current behaviour and never emits those warnings, so both switches read False;
turning one on raises NotImplementedError rather than promising warnings that will not come."""

from __future__ import annotations

from ... import _unsupported

__all__ = ["Warning", "broadcast_warning", "keepdim_warning"]


class Warning:
    """A backward-compatibility warning switch: `enabled` reads and sets it."""

    def __init__(self, setter, getter) -> None:
        self.setter = setter
        self.getter = getter

    def set_enabled(self, value: bool) -> None:
        self.setter(value)

    def get_enabled(self) -> bool:
        return self.getter()

    enabled = property(get_enabled, set_enabled)


def _switch(name: str) -> Warning:
    def setter(value: bool) -> None:
        if value:
            raise NotImplementedError(
                _unsupported.message(
                    f"torch.utils.backcompat.{name}.enabled = True",
                    "jaxtorch has only the current semantics, with no warnings about their pre-0.2 predecessors",
                )
            )

    return Warning(setter, lambda: False)


broadcast_warning = _switch("broadcast_warning")
keepdim_warning = _switch("keepdim_warning")
