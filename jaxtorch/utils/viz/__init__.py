"""torch.utils.viz: visualisation helpers (torch's reference-cycle viewer is private, `_cycles`, and not provided)."""
