"""torch.backends.cudnn.rnn: helpers torch's cuDNN RNN path uses. jaxtorch's RNNs are XLA programs (no cuDNN RNN
descriptors, no dropout state), so only the pure-Python pieces are real: `get_cudnn_mode` maps a mode name to
cuDNN's enum value, `Unserializable` is torch's pickling wrapper, `fp32_precision` is recorded (see
torch.backends._Precisions). `init_dropout_state` raises NotImplementedError when called.
"""

from __future__ import annotations

from ... import _shim, _unsupported
from .. import ContextProp, _precisions

__all__ = ["get_cudnn_mode", "Unserializable", "init_dropout_state"]

# cuDNN's cudnnRNNMode_t values
_MODES = {"RNN_RELU": 0, "RNN_TANH": 1, "LSTM": 2, "GRU": 3}


def get_cudnn_mode(mode: str) -> int:
    if mode not in _MODES:
        raise ValueError(f"Unknown mode: {mode}")
    return _MODES[mode]


class Unserializable:
    """Holds a value that is dropped when pickled (it unpickles as holding None)."""

    def __init__(self, inner) -> None:
        self.inner = inner

    def get(self):
        return self.inner

    def __getstate__(self) -> str:
        return "<unserializable>"

    def __setstate__(self, state) -> None:
        self.inner = None


init_dropout_state = _unsupported.function(
    "torch.backends.cudnn.rnn.init_dropout_state", "jaxtorch's RNN dropout does not use cuDNN dropout descriptors"
)

_props = {
    "fp32_precision": ContextProp(
        lambda: _precisions.get("cuda", "rnn", "tf32"), lambda value: _precisions.set("cuda", "rnn", value)
    )
}

__getattr__ = _shim._make_getattr(__name__)

from .. import _give_props  # noqa: E402

_give_props(__name__, "CudnnRNNModule", _props)
