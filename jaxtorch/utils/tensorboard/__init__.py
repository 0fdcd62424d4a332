"""torch.utils.tensorboard: TensorBoard logging.

As in torch, importing it needs the `tensorboard` package: without it the import fails with ModuleNotFoundError,
and a tensorboard older than 1.15 fails with torch's ImportError. jaxtorch does not yet write TensorBoard event
files itself: with tensorboard installed, `RecordWriter` is tensorboard's own, and constructing `SummaryWriter` or
`FileWriter` raises NotImplementedError (TensorBoard's own `tensorboard.summary` API, or torch.profiler's trace
handler for profiles, work alongside jaxtorch).
"""

import tensorboard

from ... import _unsupported


def _version_tuple(text: str) -> tuple:
    return tuple(int(part) for part in text.split(".")[:2] if part.isdigit())


if not hasattr(tensorboard, "__version__") or _version_tuple(tensorboard.__version__) < (1, 15):
    raise ImportError("TensorBoard logging requires TensorBoard version 1.15 or above")

del tensorboard

from tensorboard.summary.writer.record_writer import RecordWriter  # noqa: E402

_WHY = "jaxtorch does not write TensorBoard summaries yet; use tensorboard.summary directly"
SummaryWriter = _unsupported.cls("torch.utils.tensorboard.SummaryWriter", _WHY)
FileWriter = _unsupported.cls("torch.utils.tensorboard.FileWriter", _WHY)

__all__ = ["FileWriter", "RecordWriter", "SummaryWriter"]
