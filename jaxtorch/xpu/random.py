"""torch.xpu.random: XPU random number generators (never available in jaxtorch; see torch.xpu)."""

from . import (  # noqa: F401
    current_device,
    device_count,
    get_rng_state,
    get_rng_state_all,
    initial_seed,
    is_initialized,
    manual_seed,
    manual_seed_all,
    seed,
    seed_all,
    set_rng_state,
    set_rng_state_all,
)

__all__ = [
    "get_rng_state",
    "get_rng_state_all",
    "set_rng_state",
    "set_rng_state_all",
    "manual_seed",
    "manual_seed_all",
    "seed",
    "seed_all",
    "initial_seed",
]
