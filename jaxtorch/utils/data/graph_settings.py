"""torch.utils.data.graph_settings: applying sharding, shuffling and seeds through a graph of DataPipes. jaxtorch
does not provide DataPipes (torch.utils.data.datapipes is deprecated in torch), so these raise NotImplementedError
when called. DataLoader's own shuffling and worker seeding are unaffected."""

from __future__ import annotations

from ... import _unsupported

__all__ = ["apply_random_seed", "apply_sharding", "apply_shuffle_seed", "apply_shuffle_settings", "get_all_graph_pipes"]

_WHY_NOT = "jaxtorch does not provide DataPipes (deprecated in torch)"
apply_random_seed = _unsupported.function("torch.utils.data.graph_settings.apply_random_seed", _WHY_NOT)
apply_sharding = _unsupported.function("torch.utils.data.graph_settings.apply_sharding", _WHY_NOT)
apply_shuffle_seed = _unsupported.function("torch.utils.data.graph_settings.apply_shuffle_seed", _WHY_NOT)
apply_shuffle_settings = _unsupported.function("torch.utils.data.graph_settings.apply_shuffle_settings", _WHY_NOT)
get_all_graph_pipes = _unsupported.function("torch.utils.data.graph_settings.get_all_graph_pipes", _WHY_NOT)
