"""Names torch has that jaxtorch keeps importable but cannot run: they fail when *used*, never at import.

Real code imports far more of torch than it calls (`from torch.distributed.tensor import DTensor` for an
isinstance check, `torch.onnx.export` behind a flag). Such names exist in jaxtorch so the import and the
isinstance/issubclass checks behave as with torch (no jaxtorch object is ever an instance of an unsupported
class), and any call raises NotImplementedError naming the torch API and why it is missing.
"""

from __future__ import annotations

from typing import Any, Callable


def message(feature: str, why: str = "") -> str:
    text = f"{feature} is not supported by jaxtorch"
    return f"{text}: {why}" if why else text


def function(feature: str, why: str = "") -> Callable[..., Any]:
    """A function standing in for `feature` that raises NotImplementedError when called."""
    name = feature.rpartition(".")[2]

    def unsupported(*args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(message(feature, why))

    unsupported.__name__ = unsupported.__qualname__ = name
    unsupported.__doc__ = f"Not supported by jaxtorch (raises NotImplementedError when called). {why}".strip()
    unsupported._jaxtorch_unsupported = True
    return unsupported


class _UnsupportedMeta(type):
    def __repr__(cls) -> str:
        return f"<class '{cls._feature}'>"


def cls(feature: str, why: str = "", bases: tuple = ()) -> type:
    """A class standing in for `feature`: importable, usable in isinstance/issubclass and as a base class in
    annotations, but constructing it raises NotImplementedError."""
    name = feature.rpartition(".")[2]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError(message(feature, why))

    def __new__(klass, *args: Any, **kwargs: Any):
        raise NotImplementedError(message(feature, why))

    namespace = {"__init__": __init__, "__new__": __new__, "_feature": feature, "_jaxtorch_unsupported": True,
                 "__doc__": f"Not supported by jaxtorch (constructing it raises NotImplementedError). {why}".strip(),
                 "__module__": feature.rpartition(".")[0] or "jaxtorch"}
    meta = type(bases[0]) if bases and type(bases[0]) is not type else _UnsupportedMeta
    if meta is not _UnsupportedMeta:
        meta = type("_UnsupportedMeta" + meta.__name__, (_UnsupportedMeta, meta), {})
    return meta(name, bases or (object,), namespace)


def names(module_globals: dict, feature_prefix: str, why: str, functions: tuple = (), classes: tuple = ()) -> None:
    """Define several unsupported functions/classes in a module's namespace at once."""
    for n in functions:
        module_globals[n] = function(f"{feature_prefix}.{n}", why)
    for n in classes:
        module_globals[n] = cls(f"{feature_prefix}.{n}", why)
