import pytest
import torch

import jaxtorch


@pytest.fixture(autouse=True)
def _validation_on():
    """Argument validation is a process-wide default that other test modules in the same worker may have turned off
    (importing torch.testing._internal does, for real torch). These tests compare torch's default: on."""
    dists = (torch.distributions.Distribution, jaxtorch.distributions.Distribution)
    saved = [d._validate_args for d in dists]
    for d in dists:
        d.set_default_validate_args(True)
    yield
    for d, value in zip(dists, saved):
        d.set_default_validate_args(value)
