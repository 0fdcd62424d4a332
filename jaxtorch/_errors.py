"""Errors shared across jaxtorch."""


class GraphBreak(RuntimeError):
    """A value that must be concrete (item(), printing, data-dependent shapes) was needed while tracing."""


def raise_concrete(what: str):
    raise GraphBreak(
        f"{what} needs a concrete value, but the tensor is being traced by jax.jit / torch.compile. "
        "Move this call outside the compiled function, or let compile fall back to eager for it.")
