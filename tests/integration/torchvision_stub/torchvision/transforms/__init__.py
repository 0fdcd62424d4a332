from .. import _placeholder
from . import functional  # noqa: F401

__getattr__ = _placeholder.module_getattr(__name__)
