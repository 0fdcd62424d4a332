"""`torch.distributed.checkpoint.hf_storage`: importable, not implemented yet (see the package docstring)."""

from . import DefaultLoadPlanner, DefaultSavePlanner, HuggingFaceStorageReader, HuggingFaceStorageWriter  # noqa: F401
