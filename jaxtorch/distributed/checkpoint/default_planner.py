"""`torch.distributed.checkpoint.default_planner`: importable, not implemented yet (see the package docstring)."""

from . import DefaultLoadPlanner, DefaultSavePlanner, HuggingFaceStorageReader, HuggingFaceStorageWriter  # noqa: F401
