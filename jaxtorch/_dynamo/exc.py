"""`torch._dynamo.exc`: the exception types torch's compiler raises (library code catches them by name)."""

from __future__ import annotations

from .._errors import GraphBreak

__all__ = ["TorchDynamoException", "InternalTorchDynamoError", "RestartAnalysis", "SkipFrame", "TorchRuntimeError",
           "InvalidBackend", "ResetRequired", "ShortenTraceback", "BackendCompilerFailed", "Unsupported",
           "UserError", "UserErrorType", "UncapturedHigherOrderOpError", "IncorrectUsage", "ObservedException",
           "FailOnRecompileLimitHit", "PackageError", "RecompileLimitExceeded", "CacheLimitExceeded"]


class TorchDynamoException(RuntimeError):
    pass


class InternalTorchDynamoError(TorchDynamoException):
    pass


class RestartAnalysis(TorchDynamoException):
    pass


class SkipFrame(TorchDynamoException):
    pass


class TorchRuntimeError(TorchDynamoException):
    pass


class InvalidBackend(TorchDynamoException):
    def __init__(self, name: str) -> None:
        super().__init__(f"Invalid backend: {name!r}, see `torch._dynamo.list_backends()` for available backends.")


class ResetRequired(TorchDynamoException):
    pass


class ShortenTraceback(TorchDynamoException):
    pass


class BackendCompilerFailed(ShortenTraceback):
    pass


class Unsupported(TorchDynamoException, GraphBreak):
    """What cannot be compiled (jaxtorch raises it for `fullgraph=True` graph breaks it detects itself as
    GraphBreak; this name lets code that catches torch's exception keep working)."""


class UserErrorType:
    DYNAMIC_CONTROL_FLOW = "DYNAMIC_CONTROL_FLOW"
    ANTI_PATTERN = "ANTI_PATTERN"
    STANDARD_LIBRARY = "STANDARD_LIBRARY"
    CONSTRAINT_VIOLATION = "CONSTRAINT_VIOLATION"
    DYNAMIC_DIM = "DYNAMIC_DIM"
    INVALID_INPUT = "INVALID_INPUT"
    INVALID_OUTPUT = "INVALID_OUTPUT"
    UNSUPPORTED_ALIASED_MUTATED_DYNAMIC_INPUTS = "UNSUPPORTED_ALIASED_MUTATED_DYNAMIC_INPUTS"


class UserError(Unsupported):
    def __init__(self, error_type: str, msg: str, case_name: str | None = None) -> None:
        super().__init__(msg)
        self.error_type = error_type
        self.message = msg


class UncapturedHigherOrderOpError(TorchDynamoException):
    pass


class IncorrectUsage(Exception):
    pass


class ObservedException(TorchDynamoException):
    pass


class RecompileLimitExceeded(Unsupported):
    pass


CacheLimitExceeded = RecompileLimitExceeded


class FailOnRecompileLimitHit(Exception):
    pass


class PackageError(TorchDynamoException):
    pass
