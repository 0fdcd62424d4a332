"""torch.backends.xeon: torch's launcher for Intel Xeon CPUs (run_cpu)."""
