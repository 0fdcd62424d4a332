"""torch.utils: the data-loading subpackage (`jaxtorch.utils.data`)."""

from . import data  # noqa: F401
