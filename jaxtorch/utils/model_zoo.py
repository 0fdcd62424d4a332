"""torch.utils.model_zoo: the old home of `load_url` (= `torch.hub.load_state_dict_from_url`) and `tqdm`."""

from ..hub import load_state_dict_from_url as load_url, tqdm  # noqa: F401
