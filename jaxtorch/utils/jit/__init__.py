"""torch.utils.jit: tools for TorchScript fuser logs (log_extract)."""
