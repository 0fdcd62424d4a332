"""torch.utils.jit.log_extract: replaying TorchScript graphs found in fuser logs. jaxtorch has no TorchScript, so
everything but `extract_ir` (which only reads the graph texts out of a log file) raises NotImplementedError."""

from __future__ import annotations

from ... import _unsupported

__all__: list = []

_BEGIN, _END = "<GRAPH_EXPORT>", "</GRAPH_EXPORT>"


def extract_ir(filename: str) -> list[str]:
    """The graph texts between <GRAPH_EXPORT> and </GRAPH_EXPORT> markers in a log file, with each graph's line
    prefix (the log line's text before the marker) removed."""
    with open(filename) as f:
        pieces = f.read().split(_BEGIN)
    graphs = []
    for before, piece in zip(pieces, pieces[1:]):
        end = piece.find(_END)
        if end == -1:
            continue
        prefix = before.splitlines()[-1] if before.splitlines() else ""
        graphs.append("".join(line[len(prefix) :] for line in piece[:end].splitlines(keepends=True)))
    return graphs


_unsupported.names(
    globals(),
    "torch.utils.jit.log_extract",
    "jaxtorch has no TorchScript",
    functions=(
        "make_tensor_from_type",
        "load_graph_and_inputs",
        "time_cuda",
        "time_cpu",
        "run_test",
        "no_fuser",
        "run_baseline_no_fusion",
        "run_nnc",
        "run_nvfuser",
    ),
)
