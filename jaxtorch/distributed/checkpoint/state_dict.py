"""`torch.distributed.checkpoint.state_dict`: importable, not implemented yet (see the package docstring)."""

from ... import _unsupported
from . import _WHY

_unsupported.names(globals(), "torch.distributed.checkpoint.state_dict", _WHY,
                   functions=("get_model_state_dict", "get_optimizer_state_dict", "get_state_dict",
                              "set_model_state_dict", "set_optimizer_state_dict", "set_state_dict"),
                   classes=("StateDictOptions",))
