"""`torch.distributed._composable`: composable parallelism APIs (importable; see `fsdp`)."""
