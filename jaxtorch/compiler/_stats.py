"""Counters of what torch.compile did (torch.compiler's `stats`)."""

_STATS = {"compiles": 0, "traces": 0, "graph_breaks": 0, "eager_calls": 0, "compiled_calls": 0}


def stats() -> dict:
    """Counters: compiles (XLA programs built), traces, graph_breaks, eager_calls, compiled_calls."""
    return dict(_STATS)


def reset_stats() -> None:
    for k in _STATS:
        _STATS[k] = 0
