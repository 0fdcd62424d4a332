"""torch.jit.frontend: TorchScript's Python-to-IR parser. Its error classes exist (code catches them); parsing is
unsupported, as jaxtorch has no TorchScript."""

from __future__ import annotations

from .. import _unsupported


class FrontendError(Exception):
    def __init__(self, source_range: object = None, msg: str = "") -> None:
        self.source_range = source_range
        self.msg = msg
        super().__init__(msg)


class NotSupportedError(FrontendError):
    pass


class UnsupportedNodeError(NotSupportedError):
    pass


class FrontendTypeError(FrontendError):
    pass


_WHY = "jaxtorch has no TorchScript compiler"
get_jit_def = _unsupported.function("torch.jit.frontend.get_jit_def", _WHY)
get_jit_class_def = _unsupported.function("torch.jit.frontend.get_jit_class_def", _WHY)
build_def = _unsupported.function("torch.jit.frontend.build_def", _WHY)
build_class_def = _unsupported.function("torch.jit.frontend.build_class_def", _WHY)
parse_def = _unsupported.function("torch.jit.frontend.parse_def", _WHY)
