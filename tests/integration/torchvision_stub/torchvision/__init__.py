"""A stand-in torchvision for the REAL-torch side of the timm tests only (PyPI's torchvision cannot be imported
next to the CPU torch build used as the test oracle). timm imports a few torchvision names at import time; the
models under test use only `ops.misc.FrozenBatchNorm2d`, written here with torch.nn from its documented math.
Everything else is a placeholder that fails if used."""

from . import datasets, ops, transforms, utils  # noqa: F401

__version__ = "0.28.0+teststub"
