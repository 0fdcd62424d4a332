"""torch.cuda.random: the CUDA RNG functions. jaxtorch has one generator for every device (see torch.cuda), so the
per-device states are copies of one state; without a GPU they behave as a CPU-only torch build's (seeding and
setting states are deferred no-ops, reading a state raises AssertionError)."""

from __future__ import annotations

from collections.abc import Iterable

from . import (
    _gpus,
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

current_device, device_count, is_initialized = current_device, device_count, is_initialized


def set_rng_state_all(new_states: Iterable) -> None:
    """Set the RNG state of every device: one per device, as get_rng_state_all returns them. jaxtorch's devices
    share one generator, so the last state is the one that holds. Without a GPU: nothing to set (torch's CPU build
    defers the call until CUDA starts, which it never does)."""
    if not _gpus():
        return
    for i, state in enumerate(new_states):
        set_rng_state(state, i)
