"""The context a fake impl (register_fake) runs in: torch.library.get_ctx().

Under a JAX trace jaxtorch calls an operator's fake impl to learn the shapes and dtypes of its outputs before
running the real kernel in a host callback. XLA programs have static shapes, so an output whose size depends on
the data (what `ctx.new_dynamic_size()` declares in torch) cannot be expressed there.
"""

from __future__ import annotations

import contextlib
import threading


class FakeImplCtx:
    """What torch.library.get_ctx() returns inside a fake impl."""

    def __init__(self, qualname: str) -> None:
        self._qualname = qualname

    def new_dynamic_size(self, *, min: int = 0, max: int | None = None):  # noqa: A002  (torch's keyword names)
        raise NotImplementedError(
            f"{self._qualname}: the fake impl asks for a data-dependent output size (ctx.new_dynamic_size()), but "
            "jaxtorch runs it under a JAX trace, where every shape must be known before the data is (XLA compiles "
            "static shapes). Call this operator outside torch.compile / jax.jit, or give it an output of fixed "
            "size (e.g. padded, with a count)."
        )

    def create_unbacked_symint(self, *, min: int = 2, max: int | None = None):  # noqa: A002
        return self.new_dynamic_size(min=min, max=max)


class _Current(threading.local):
    ctx = None


_current = _Current()


def global_ctx_getter():
    return _current.ctx


@contextlib.contextmanager
def set_ctx(ctx: FakeImplCtx | None):
    prev = _current.ctx
    _current.ctx = ctx
    try:
        yield ctx
    finally:
        _current.ctx = prev
