from . import _placeholder

__getattr__ = _placeholder.module_getattr(__name__)
