"""`torch.distributed.checkpoint` (sharded checkpoints): importable, not implemented yet.

`torch.save`/`torch.load` of full state dicts work; sharded save/load and resharding need DTensor, which jaxtorch
does not implement yet. Every name raises NotImplementedError when used.
"""

from ... import _unsupported

_WHY = "sharded (distributed) checkpoints are not implemented yet; torch.save/torch.load of full state dicts are"

_unsupported.names(globals(), "torch.distributed.checkpoint", _WHY,
                   functions=("save", "load", "async_save", "save_state_dict", "load_state_dict"),
                   classes=("FileSystemReader", "FileSystemWriter", "DefaultSavePlanner", "DefaultLoadPlanner",
                            "StorageReader", "StorageWriter", "SavePlanner", "LoadPlanner", "Metadata",
                            "HuggingFaceStorageReader", "HuggingFaceStorageWriter"))
